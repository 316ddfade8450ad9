"""Owner accounts (业主开户): activation codes for a community's owners and the batch they were printed
in.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from sunlit.core import audit
from sunlit.core.models import ActivationCode, AuditEvent, Community, User
from sunlit.core.permissions import require
from sunlit.core.services import ACTIVATION_VALID_DAYS, issue_activation_codes
from sunlit.registry import selectors
from sunlit.registry.models import Building, Ownership

# --- owner accounts (业主开户) -------------------------------------------------------------------

@transaction.atomic
def issue_owner_codes(community: Community, *, actor: User, building: Building | None = None,
                      valid_days: int = ACTIVATION_VALID_DAYS) -> str:
    """业主开户: one-time activation codes for the owners on the roster who have no account.

    Only owners with a mobile number on record get a code (activation checks the mobile).
    Returns the batch id, which the printable list is reached by.
    """
    require(actor, "accounts.issue", community=community)
    if building is not None and building.community_id != community.pk:
        raise ValidationError({"building": [_("楼栋不属于本小区")]})
    persons = list(selectors.owners_without_account(community, building=building)
                   .exclude(mobile_index="").order_by("pk"))
    if not persons:
        raise ValidationError(_("没有需要发放激活码的业主（未开户且登记了手机号的业主）"))
    return issue_activation_codes(community, persons, actor=actor, valid_days=valid_days)


@transaction.atomic
def reveal_activation_batch(community: Community, batch: str, *,
                            actor: User) -> list[ActivationCode]:
    """The codes of one batch, for the printable list. Codes are secrets: reading is audited."""
    require(actor, "accounts.issue", community=community)
    codes = list(
        ActivationCode.objects.in_community(community).filter(batch=batch)
        .select_related("person")
        .prefetch_related(Prefetch(
            "person__ownerships", to_attr="current_ownerships",
            queryset=Ownership.objects.current().select_related("unit__building")
            .order_by("unit__building__sort_key", "unit__building__name", "unit__entrance",
                      "unit__floor", "unit__number")))
    )
    if not codes:
        return []

    def order(code: ActivationCode):
        units = [o.unit for o in code.person.current_ownerships]
        first = units[0] if units else None
        if first is None:
            return (1, 0, "", "", 0, "", code.pk)
        return (0, first.building.sort_key, first.building.name, first.entrance, first.floor,
                first.number, code.pk)

    codes.sort(key=order)
    audit.record(AuditEvent.Action.REVEAL, None, actor=actor, community=community,
                 object_type="core.activationcode", object_id=batch,
                 summary=f"查看激活码清单（{len(codes)} 个）")
    return codes
