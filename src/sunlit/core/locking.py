"""Row locks and the refusals that go with a row's state (STYLE.md rule 7).

A service that changes one object reads it again ``FOR UPDATE`` inside its transaction, so two
requests at the same moment take turns and the second sees what the first wrote. ``locked``
is that read, with ``of=("self",)`` so that the related rows it selects are read but not
locked (PostgreSQL refuses ``FOR UPDATE`` on the nullable side of an outer join otherwise, and
locking them would only widen the lock).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

M = TypeVar("M", bound=models.Model)


def locked(obj: M, *related: str) -> M:
    """``obj`` read again from the database, its row locked until the transaction ends."""
    query = type(obj)._default_manager.select_for_update(of=("self",))
    if related:
        query = query.select_related(*related)
    return query.get(pk=obj.pk)


def locked_rows(query: models.QuerySet, ids: Iterable[int] | None = None) -> list:
    """The rows of ``query`` (or those with ``ids``), locked in primary-key order so that two
    transactions locking overlapping sets never wait for each other in a circle."""
    if ids is not None:
        query = query.filter(pk__in=list(ids))
    return list(query.select_for_update(of=("self",)).order_by("pk"))


def status_error(obj: models.Model, wanted: str, *, what: str = "",
                 message: str | None = None) -> ValidationError:
    """The refusal of a step that the object's state does not allow, on its ``status`` field:
    “表决当前为“已截止”，不能再投票”. ``message`` (a lazy translation with ``%(status)s`` and
    ``%(wanted)s``) is the domain's own wording; without it, ``what`` names the object.
    A domain binds its wording once: ``_status_error = partial(status_error, message=...)``."""
    values = {"status": obj.get_status_display(), "wanted": wanted}
    if message is not None:
        return ValidationError({"status": [str(message) % values]})
    return ValidationError({"status": [_("%(what)s当前为“%(status)s”，%(wanted)s") % {
        "what": what, **values}]})
