"""The core app's event types on the log: a community opened, its staff appointed.

Registered from ``CoreConfig.ready``; the machinery is ``sunlit.transparency.events``."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from sunlit.transparency.events import register_event

register_event(
    "community.created", label=gettext_noop("小区建档"), subject="core.community",
    public={"name": "masked_text", "code": "code", "organization": "masked_text",
            "city": "masked_text?", "district": "masked_text?", "address": "masked_text?"},
)
# Staff serve the community in public: name, role, department, post and job number.
register_event(
    "community.staff.appointed", label=gettext_noop("任命服务人员"), subject="core.membership",
    public={"name": "staff_name", "role": "enum", "job_number": "code?",
            "department": "masked_text?", "post": "masked_text?"},
)
# A staff member's role in the community ends (moved elsewhere, or left): in public as appointed,
# with how many open tickets were handed over to a colleague.
register_event(
    "community.staff.ended", label=gettext_noop("服务人员离岗"), subject="core.membership",
    public={"name": "staff_name", "role": "enum", "job_number": "code?", "handed_over": "count",
            "reason": "masked_text?"},
)
# An elected seat (the filed committee) taken by the owner himself with his invitation code: the
# role in public, the owner's name only as a commitment.
register_event(
    "community.seat.taken", label=gettext_noop("业委会委员就任"), subject="core.membership",
    public={"role": "enum"}, private={"name": "text"},
)
