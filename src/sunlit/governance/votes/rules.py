"""What every vote service shares: the reason limit, the clock, the refusal of a step the vote's
state does not allow (its own message: the English catalogue translates it)."""

from __future__ import annotations

from functools import partial

from django.utils.translation import gettext_lazy

from sunlit.core import locking

MAX_REASON = 200


status_error = partial(locking.status_error,
                       message=gettext_lazy("表决当前为“%(status)s”，%(wanted)s"))


