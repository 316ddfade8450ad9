"""What every vote service shares: the reason limit, the clock, the refusal of a step the vote's
state does not allow (its own message: the English catalogue translates it)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.governance.votes.models import Vote

MAX_REASON = 200


def status_error(vote: Vote, wanted: str) -> ValidationError:
    return ValidationError({"status": [
        _("表决当前为“%(status)s”，%(wanted)s") % {"status": vote.get_status_display(),
                                               "wanted": wanted}]})


def now_or(now: dt.datetime | None) -> dt.datetime:
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise ValueError("naive datetime")
    return now
