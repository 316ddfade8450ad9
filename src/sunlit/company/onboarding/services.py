"""Onboarding a community (小区建档): every step a company administrator takes, each with its
audit event and its leaf on the community's log.

The steps that other apps own are theirs: the roster import (``registry``), fee items and
tariffs (``finance.billing``), the witness (``transparency``, the committee's). What is still
missing is read from the data (``selectors.checklist``), so the flow can be left at any step and
resumed from the checklist page.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.company.access import require_company_admin
from sunlit.company.models import CommitteeFiling, Employee, Onboarding
from sunlit.core import audit, uploads
from sunlit.core.choices import DepartmentKind, Role
from sunlit.core.locking import locked
from sunlit.core.models import (
    ActivationCode,
    AuditEvent,
    Community,
    Department,
    Membership,
    Person,
    Upload,
    User,
)
from sunlit.core.services import (
    ACTIVATION_VALID_DAYS,
    create_community,
    grant_membership,
    issue_activation_codes,
)
from sunlit.core.validators import normalize_text
from sunlit.transparency import services as log

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$")
TIME_ZONE = "Asia/Shanghai"  # one clock for the whole country (DESIGN.md: time is Shanghai's)
#: The departments a new community starts with (the company renames or adds in the console).
STARTING_DEPARTMENTS = (DepartmentKind.SERVICE, DepartmentKind.ENGINEERING,
                        DepartmentKind.CLEANING, DepartmentKind.SECURITY,
                        DepartmentKind.FINANCE, DepartmentKind.MANAGEMENT)
MAX_BUILDINGS = 200
MAX_FLOORS = 120
MAX_COMMITTEE = 21  # 业主大会议事规则: 5 to 11 members usually; room for alternates


def _employee(actor: User, organization) -> Employee:
    return Employee.objects.admins().get(user=actor, organization=organization)


def _by(actor: User) -> str:
    return actor.display_name or actor.username


def _onboarding(community: Community) -> Onboarding:
    onboarding = Onboarding.objects.filter(community=community).first()
    if onboarding is None:
        raise ValidationError({"community": [_("该小区不是通过建档向导创建的")]})
    return onboarding


def _check_community_admin(actor: User, community: Community) -> None:
    organization = require_company_admin(actor)
    if community.organization_id != organization.pk:
        raise PermissionDenied(_("只能为本公司的小区建档"))


# --- step 1: the community ------------------------------------------------------------------

def clean_community_fields(*, name, code, city="", district="", address="", built_year=None,
                           service_phone="") -> dict:
    errors: dict[str, list[str]] = {}
    fields = {
        "name": normalize_text(name), "code": normalize_text(code).lower(),
        "city": normalize_text(city), "district": normalize_text(district),
        "address": normalize_text(address), "service_phone": normalize_text(service_phone),
    }
    if not fields["name"]:
        errors["name"] = [_("请填写小区名称")]
    elif len(fields["name"]) > 100:
        errors["name"] = [_("小区名称最多 100 个字")]
    if not fields["code"]:
        errors["code"] = [_("请填写小区编码")]
    elif not CODE_RE.match(fields["code"]):
        errors["code"] = [_("小区编码为 3–40 位小写字母、数字或连字符（如 mingqiang-2），"
                            "首尾不能是连字符")]
    elif Community.objects.filter(code=fields["code"]).exists():
        errors["code"] = [_("小区编码已被使用，请换一个")]
    for key, limit in (("city", 30), ("district", 30), ("address", 200), ("service_phone", 30)):
        if len(fields[key]) > limit:
            errors[key] = [_("最多 %(n)s 个字") % {"n": limit}]
    if built_year not in (None, ""):
        try:
            year = int(built_year)
        except (TypeError, ValueError):
            year = 0
        if isinstance(built_year, bool) or not 1949 <= year <= timezone.localdate().year + 5:
            errors["built_year"] = [_("建成年份应为 1949 年至今后五年之间的年份")]
        else:
            fields["built_year"] = year
    if errors:
        raise ValidationError(errors)
    return fields


def start_community(actor: User, **raw) -> Community:
    """建档第一步: a company administrator creates a community of his company — its log (the
    origin is fixed now, for ever), its starting departments, his own administrator role there,
    its books (the chart of accounts) and the onboarding record. The code must be new across the platform."""
    organization = require_company_admin(actor)
    fields = clean_community_fields(**raw)
    try:
        with transaction.atomic():
            community = create_community(organization, **fields)
            departments = {kind: Department.objects.create(community=community, kind=kind,
                                                           name=DepartmentKind(kind).label)
                           for kind in STARTING_DEPARTMENTS}
            employee = _employee(actor, organization)
            grant_membership(actor, community, Role.COMPANY_ADMIN, actor=None,
                             department=departments[DepartmentKind.MANAGEMENT],
                             job_number=employee.job_number, post=_("公司管理员"))
            from sunlit.finance.books import ledger  # the chart of accounts the fee items use

            ledger.open_books(community, actor=actor)
            onboarding = Onboarding.objects.create(community=community, started_by=actor)
            audit.record(AuditEvent.Action.CREATE, onboarding, actor=actor, community=community,
                         summary=f"开始小区建档 {community.name}")
            log.record(community, "company.onboarding.started", onboarding, public={
                "by": _by(actor), "origin": log.get_or_create_log(community).origin,
                "time_zone": TIME_ZONE,
                "departments": [str(DepartmentKind(k).label) for k in STARTING_DEPARTMENTS]})
    except IntegrityError:  # the same code taken a moment ago by another request
        raise ValidationError({"code": [_("小区编码已被使用，请换一个")]}) from None
    return community


# --- step 2: buildings ----------------------------------------------------------------------

def parse_building_names(text: str) -> list[str]:
    """“1-12号楼”, “1号楼 2号楼”, “A座，B座” → the names, in order. A range ``a-b`` with a
    suffix expands (``1-3号楼`` → 1号楼, 2号楼, 3号楼)."""
    names: list[str] = []
    for part in re.split(r"[\s,，、;；]+", normalize_text(text)):
        if not part:
            continue
        match = re.fullmatch(r"(\d{1,3})\s*[-~～—至到]\s*(\d{1,3})(.*)", part)
        if match:
            first, last, suffix = int(match[1]), int(match[2]), match[3] or "号楼"
            if first > last or last - first >= MAX_BUILDINGS:
                raise ValidationError({"names": [_("楼栋范围“%(part)s”无效") % {"part": part}]})
            names.extend(f"{n}{suffix}" for n in range(first, last + 1))
        else:
            names.append(part)
    return names


def add_buildings(community: Community, *, actor: User, names: str, floors,
                  has_elevator: bool = False):
    """建档第二步: the community's buildings, several at once (``1-12号楼``). A name already
    registered, or repeated, refuses the whole batch: nothing is half-added."""
    from sunlit.core.permissions import require
    from sunlit.registry.models import Building

    _check_community_admin(actor, community)
    require(actor, "roster.edit", community=community)
    errors: dict[str, list[str]] = {}
    try:
        wanted = parse_building_names(names)
    except ValidationError as exc:
        raise exc from None
    if not wanted:
        errors["names"] = [_("请填写楼栋名称，如“1-12号楼”或“A座 B座”")]
    elif len(wanted) > MAX_BUILDINGS:
        errors["names"] = [_("一次最多登记 %(n)s 栋") % {"n": MAX_BUILDINGS}]
    elif len(set(wanted)) != len(wanted):
        errors["names"] = [_("楼栋名称重复")]
    elif any(len(n) > 30 for n in wanted):
        errors["names"] = [_("楼栋名称最多 30 个字")]
    try:
        floors = int(floors)
    except (TypeError, ValueError):
        floors = 0
    if not 1 <= floors <= MAX_FLOORS:
        errors["floors"] = [_("地上层数应为 1–%(n)s") % {"n": MAX_FLOORS}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        onboarding = locked(_onboarding(community))
        taken = sorted(Building.objects.in_community(community).filter(name__in=wanted)
                       .values_list("name", flat=True))
        if taken:
            raise ValidationError({"names": [_("已登记的楼栋：%(names)s") % {
                "names": "、".join(taken)}]})
        start = Building.objects.in_community(community).count()
        built = Building.objects.bulk_create([
            Building(community=community, name=name, floors=floors,
                     has_elevator=bool(has_elevator), sort_key=start + i + 1)
            for i, name in enumerate(wanted)])
        audit.record(AuditEvent.Action.CREATE, onboarding, actor=actor, community=community,
                     summary=f"登记楼栋 {len(built)} 栋")
        log.record(community, "company.onboarding.buildings", onboarding, public={
            "by": _by(actor), "buildings": wanted, "count": len(wanted)})
    return built


# --- step: the committee's filing -----------------------------------------------------------

def has_committee(community: Community) -> bool:
    return Membership.objects.in_community(community).active().filter(
        role=Role.COMMITTEE).exists()


def file_committee(community: Community, *, actor: User, authority: str, number: str,
                   filed_on, document: Upload | None, members) -> CommitteeFiling:
    """业委会备案: the first owners' committee, as the government filed it, invited with
    activation codes that give the seat when the owner himself activates.

    Only while the community has no committee: afterwards the company never touches who sits
    on it (docs/security.md). Each member must be an owner on the roster, without an account
    yet; the filing's scan is required and its SHA-256 goes on the log with the authority and
    the number, so every owner can check the committee against the government's filing. A
    second filing before anyone activated replaces the first one's unused codes."""
    from sunlit.core.permissions import require

    _check_community_admin(actor, community)
    require(actor, "accounts.issue", community=community)
    errors: dict[str, list[str]] = {}
    authority, number = normalize_text(authority), normalize_text(number)
    if not authority:
        errors["authority"] = [_("请填写备案机关（如 XX 街道办事处）")]
    elif len(authority) > 100:
        errors["authority"] = [_("最多 100 个字")]
    if not number:
        errors["number"] = [_("请填写备案编号")]
    elif len(number) > 60:
        errors["number"] = [_("最多 60 个字")]
    if not isinstance(filed_on, dt.date):
        errors["filed_on"] = [_("请填写备案日期")]
    elif filed_on > timezone.localdate():
        errors["filed_on"] = [_("备案日期不能晚于今天")]
    if document is None:
        errors["document"] = [_("请上传备案文件（PDF 或照片）")]
    else:
        problems = uploads.attach_errors(actor, [document], community=community,
                                         purpose=uploads.COMMITTEE_FILING)
        if problems:
            errors["document"] = problems
    try:
        member_ids = sorted({int(pk) for pk in members or []})
    except (TypeError, ValueError):
        member_ids = []
        errors["members"] = [_("委员参数无效")]
    persons = list(Person.objects.in_community(community).filter(pk__in=member_ids)
                   .prefetch_related("ownerships"))
    if "members" not in errors:
        if not member_ids:
            errors["members"] = [_("请选择业委会委员（名册中的业主）")]
        elif len(member_ids) > MAX_COMMITTEE:
            errors["members"] = [_("委员最多 %(n)s 人") % {"n": MAX_COMMITTEE}]
        elif len(persons) != len(member_ids):
            errors["members"] = [_("所选人员不在本小区名册中")]
        elif not all(_owns_now(p) for p in persons):
            errors["members"] = [_("业委会委员须是本小区的业主：%(names)s 不是") % {
                "names": "、".join(p.masked_name for p in persons if not _owns_now(p))}]
        elif any(p.user_id for p in persons):
            errors["members"] = [_("%(names)s 已开通账号：已有账号的委员请平台运营方办理") % {
                "names": "、".join(p.masked_name for p in persons if p.user_id)}]
        elif any(not p.mobile for p in persons):
            errors["members"] = [_("%(names)s 没有登记手机号，激活码无法使用，请先补充名册") % {
                "names": "、".join(p.masked_name for p in persons if not p.mobile)}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked(_onboarding(community))  # one filing at a time
        if has_committee(community):
            raise PermissionDenied(_("本小区业委会已就任：委员变动由业主选举产生，物业公司不能登记"))
        batch = issue_activation_codes(community, persons, actor=actor,
                                       valid_days=ACTIVATION_VALID_DAYS)
        codes = list(ActivationCode.objects.filter(batch=batch))
        ActivationCode.objects.filter(batch=batch).update(role=Role.COMMITTEE)
        filing = CommitteeFiling.objects.create(
            community=community, authority=authority, number=number, filed_on=filed_on,
            document=document, created_by=actor)
        filing.codes.set(codes)
        audit.record(AuditEvent.Action.CREATE, filing, actor=actor, community=community,
                     summary=f"登记业委会备案 {number}（委员 {len(persons)} 人）")
        log.record(community, "company.onboarding.committee_filed", filing, public={
            "by": _by(actor), "authority": authority, "number": number, "filed_on": filed_on,
            "document_sha256": document.sha256, "members": len(persons)},
            private={"member_names": sorted(p.name for p in persons)})
    return filing


def _owns_now(person: Person) -> bool:
    today = timezone.localdate()
    return any(o.end is None or o.end > today for o in person.ownerships.all())


# --- step: the first checkpoint -------------------------------------------------------------

def sign_first_checkpoint(community: Community, *, actor: User):
    """检查点: signs the log's head now (the worker does it every minute; here the company
    need not wait for it). Returns the checkpoint, or None when nothing new was added."""
    _check_community_admin(actor, community)
    checkpoint = log.sign_checkpoint(log.get_or_create_log(community))
    audit.record(AuditEvent.Action.CREATE, None, actor=actor, community=community,
                 object_type="transparency.checkpoint",
                 object_id=str(checkpoint.pk) if checkpoint else "",
                 summary=f"签发检查点（{checkpoint.size} 条）" if checkpoint else "检查点已是最新")
    return checkpoint


# --- the end: owners invited ----------------------------------------------------------------

def invite_owners(community: Community, *, actor: User) -> str:
    """开放业主激活: when nothing required is missing, prints the owners' activation codes (the
    roster's owners without an account) and closes the onboarding. Returns the code batch."""
    from sunlit.company.onboarding.selectors import checklist, missing

    _check_community_admin(actor, community)
    lacking = missing(checklist(community))
    if lacking:
        raise ValidationError({"community": [_("还缺：%(steps)s") % {
            "steps": "、".join(str(step.label) for step in lacking)}]})
    from sunlit.registry.models import Ownership

    with transaction.atomic():
        onboarding = locked(_onboarding(community))
        if onboarding.owners_invited_at is not None:
            raise ValidationError({"community": [_("已开放业主激活，如需补发请到“账号激活码”页面")]})
        today = timezone.localdate()
        owners = (Person.objects.in_community(community).filter(user__isnull=True)
                  .filter(pk__in=Ownership.objects.in_community(community)
                          .filter(start__lte=today).exclude(end__lte=today)
                          .values("person_id"))
                  .exclude(mobile_index="")
                  # the committee's own invitations stay valid (a new code would revoke them)
                  .exclude(pk__in=ActivationCode.objects.usable(timezone.now())
                           .filter(role=Role.COMMITTEE).values("person_id"))
                  .order_by("pk"))
        owners = list(owners)
        batch = issue_activation_codes(community, owners, actor=actor)
        units = (Ownership.objects.in_community(community).filter(person__in=owners)
                 .values("unit_id").distinct().count())
        onboarding.owners_invited_at, onboarding.owners_invited_by = timezone.now(), actor
        onboarding.save(update_fields=["owners_invited_at", "owners_invited_by"])
        audit.record(AuditEvent.Action.ISSUE, onboarding, actor=actor, community=community,
                     summary=f"建档完成，开放业主激活（激活码 {len(owners)} 个）")
        log.record(community, "company.onboarding.owners_invited", onboarding, public={
            "by": _by(actor), "codes": len(owners), "units": units})
    return batch

