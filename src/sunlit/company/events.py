"""The company app's event types on the log.

Registered from ``CompanyConfig.ready``; the machinery is ``sunlit.transparency.events``."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from sunlit.transparency.events import register_event

# --- onboarding (小区建档): each step the company takes to set a community up -----------------
# Who acted is public (a company administrator acts in public responsibility, by name); the
# committee's members are owners: only how many were invited is public, never who.

register_event(
    "company.onboarding.started", label=gettext_noop("开始小区建档"),
    subject="company.onboarding",
    public={"by": "staff_name", "origin": "masked_text", "time_zone": "code",
            "departments": "masked_texts"},
)
register_event(
    "company.onboarding.buildings", label=gettext_noop("建档：登记楼栋"),
    subject="company.onboarding",
    public={"by": "staff_name", "buildings": "masked_texts", "count": "count"},
)
register_event(
    "company.onboarding.committee_filed", label=gettext_noop("建档：登记业委会备案"),
    subject="company.committeefiling",
    public={"by": "staff_name", "authority": "masked_text", "number": "masked_text",
            "filed_on": "date", "document_sha256": "hash", "members": "count"},
    private={"member_names": "text[]"},
)
register_event(
    "company.onboarding.owners_invited", label=gettext_noop("建档完成：开放业主激活"),
    subject="company.onboarding",
    public={"by": "staff_name", "codes": "count", "units": "count"},
)
