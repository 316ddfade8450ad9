"""The demo data set — 演示数据: 阳光物业服务有限公司 and its community 明强小区.

``load_demo()`` is the one orchestrator: for each demo community it creates the community, has
``registry.demo.RosterGenerator`` build its roster (deterministically from a seed), gives the
first community its demo accounts — one per role, sharing the documented password — looks up
the cast once (``sunlit.core.demo.DemoCast``: who each app's demo acts as) and then lets each app
load its own demo with it (``tickets``, ``governance``, ``finance``, ``notices``, ``board``: each
``<app>/demo.py``). ``units``/``communities`` build larger data sets for
benchmarks.

The top-level objects go through the core services, and the log's first checkpoint is signed
when a community is loaded. A community created here carries the audit event ``DEMO_MARKER``;
loading again skips such communities, and a community code already taken by real data stops
the load before anything is written.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib import import_module

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, Sum

from sunlit.core import audit
from sunlit.core.choices import DepartmentKind, PersonKind, Role
from sunlit.core.demo import DemoCast
from sunlit.core.models import AuditEvent, Community, Department, Membership, Organization, Person, User
from sunlit.core.services import create_community, create_organization, grant_membership
from sunlit.registry.choices import DeliveryStatus, ResidentKind, UnitUsage, VehicleKind
from sunlit.registry.demo import (
    BLOCK_UNITS,
    CITIES,
    FEMALE_CHARS,
    MALE_CHARS,
    SURNAMES,
    CommunitySpec,
    RosterGenerator,
)
from sunlit.registry.models import Building, Ownership, Residency, Unit, Vehicle
from sunlit.transparency import services as log
from sunlit.transparency.models import Log

DEMO_ORGANIZATION = "阳光物业服务有限公司"
# Printed at start and documented: the demo is public, never load it into real data.
DEMO_PASSWORD = "sunlit-demo-2026"  # noqa: S105
#: The apps that add to the first community's demo, in this order (each ``<app>/demo.py`` has
#: ``load_demo(community, *, cast, seed, now)``; the order decides the log's leaves).
APP_DEMOS = ("tickets", "governance", "finance", "notices", "board", "company", "transparency")
#: How many of the demo's communities get the apps' year of work (the rest: the roster only,
#: for benchmarks of size).
APP_DEMO_COMMUNITIES = 2
DEMO_MARKER = "demo.dataset"  # object_type of the audit event that marks a demo community
PLATFORM_ADMIN = "platform_admin"
BATCH_SIZE = 2000
MIN_UNITS = 100
Progress = Callable[[int], None]


SPECS = (
    CommunitySpec("明强小区", "mingqiang", "上海", "闵行区", "明强路 588 弄", 2006,
                  "明强置业有限公司", "MQ"),
    CommunitySpec("明强小区二期", "mingqiang-2", "上海", "闵行区", "明强路 688 弄", 2009,
                  "明强置业有限公司", "MB"),
    CommunitySpec("远景花园", "yuanjing", "上海", "浦东新区", "远景路 1200 弄", 2004,
                  "上海远景房地产开发有限公司", "YJ"),
    CommunitySpec("枫林苑", "fenglin", "苏州", "工业园区", "枫林路 66 号", 2011,
                  "苏州枫林置业有限公司", "FL"),
    CommunitySpec("锦绣华庭", "jinxiu", "杭州", "西湖区", "文三路 398 号", 2008,
                  "杭州锦绣置业有限公司", "JX"),
    CommunitySpec("春申新村", "chunshen", "上海", "闵行区", "春申路 2525 弄", 2002,
                  "上海春申房地产开发有限公司", "CS"),
    CommunitySpec("翠湖天地", "cuihu", "南京", "建邺区", "江东中路 199 号", 2012,
                  "南京翠湖置业有限公司", "CH"),
    CommunitySpec("梅陇新苑", "meilong", "上海", "徐汇区", "梅陇路 130 弄", 2005,
                  "上海梅陇置业有限公司", "ML"),
    CommunitySpec("金桥湾", "jinqiao", "上海", "浦东新区", "金桥路 1399 弄", 2010,
                  "上海金桥湾房地产开发有限公司", "JQ"),
    CommunitySpec("海棠苑", "haitang", "苏州", "姑苏区", "干将东路 88 号", 2007,
                  "苏州海棠置业有限公司", "HT"),
    CommunitySpec("紫荆花园", "zijing", "杭州", "滨江区", "江南大道 588 号", 2013,
                  "杭州紫荆置业有限公司", "ZJ"),
    CommunitySpec("康乐家园", "kangle", "南京", "鼓楼区", "中山北路 301 号", 2003,
                  "南京康乐房地产开发有限公司", "KL"),
)


def community_spec(index: int) -> CommunitySpec:
    """The ``index``-th demo community (0 is 明强小区); names repeat as 区 beyond the list."""
    base = SPECS[index % len(SPECS)]
    rnd = index // len(SPECS)
    if rnd == 0:
        return base
    return replace(base, name=f"{base.name}（{rnd + 1}区）", code=f"{base.code}-r{rnd + 1}",
                   job_prefix=f"{base.job_prefix}{rnd + 1}")


@dataclass(frozen=True)
class AccountSpec:
    role: str
    username: str
    look_at: str
    post: str = ""  # a staff account takes the first place of this post in STAFF


ACCOUNT_SPECS = (
    AccountSpec(Role.OWNER, "demo-owner",
                "“我的房屋”：两套房屋（一套与配偶共有）、家庭成员与车辆；也可用手机号登录"),
    AccountSpec(Role.RESIDENT, "demo-resident", "租户视角：所住房屋、同住人"),
    AccountSpec(Role.COMMITTEE, "demo-committee", "业委会：控制台、房屋档案、审计记录（只读）"),
    AccountSpec(Role.SUPERVISOR, "demo-supervisor", "阳光监督小组成员（本人也是业主）"),
    AccountSpec(Role.SERVICE, "demo-service",
                "客服：房屋与人员档案、登记车辆、发放激活码、查看完整联系方式（留痕）", "客服专员"),
    AccountSpec(Role.DISPATCHER, "demo-dispatcher", "调度：员工控制台、房屋与人员档案", "调度员"),
    AccountSpec(Role.MANAGER, "demo-manager", "项目经理：全部档案、花名册导入导出、审计记录",
                "项目经理"),
    AccountSpec(Role.TECHNICIAN, "demo-technician", "维修工：员工控制台、房屋档案（脱敏）", "维修工"),
    AccountSpec(Role.FINANCE, "demo-finance", "财务：控制台中的面积与未售房屋（计费依据）", "会计"),
    AccountSpec(Role.AUDITOR, "demo-auditor", "第三方审计：全部档案与审计记录只读、花名册导出"),
    AccountSpec(Role.COMPANY_ADMIN, "demo-company-admin",
                "物业公司管理员：所有演示小区（右上角切换）、员工与权限"),
    AccountSpec(PLATFORM_ADMIN, "demo-admin", "平台管理员：/admin/ 平台后台"),
)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    role_label: str
    username: str
    display_name: str
    look_at: str
    mobile: str = ""


@dataclass(frozen=True)
class CommunitySummary:
    name: str
    code: str
    city: str
    created: bool
    buildings: int
    units: int
    flats: int
    shops: int
    parking: int
    storage: int
    area: Decimal
    persons: int
    owners: int
    multi_unit_owners: int
    co_owned_units: int
    unsold_units: int
    undelivered_units: int
    tenant_units: int
    residents: int
    vehicles: int
    new_energy_vehicles: int


@dataclass
class DemoResult:
    organization: Organization
    communities: list[CommunitySummary]
    accounts: list[DemoAccount]
    password: str = DEMO_PASSWORD
    created: bool = False
    units_created: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


class DemoConflict(Exception):
    """A demo community code is already used by real (non-demo) data."""



def load_demo(*, units: int = BLOCK_UNITS, communities: int = 1, seed: int = 2026,
              progress: Progress | None = None) -> DemoResult:
    """Loads the demo organization with ``communities`` communities of ``units`` units each.

    Idempotent (communities already loaded are skipped, accounts kept as they are) and
    deterministic (same arguments, same data). Each community is one transaction.
    """
    if units < MIN_UNITS:
        raise ValueError(f"每个小区至少 {MIN_UNITS} 套房屋")
    if communities < 1:
        raise ValueError("至少一个小区")
    started = time.perf_counter()
    specs = [community_spec(i) for i in range(communities)]
    existing = dict(Community.objects.filter(code__in=[s.code for s in specs])
                    .values_list("code", "id"))
    demo_ids = demo_community_ids()
    taken = [code for code, pk in existing.items() if pk not in demo_ids]
    if taken:
        raise DemoConflict(f"小区编码 {', '.join(taken)} 已被非演示数据使用，未做任何改动")
    warnings = []
    foreign_data = Community.objects.exclude(pk__in=demo_ids).exists()
    if foreign_data:
        warnings.append("数据库中已有非演示的小区：演示数据只作追加；演示账号密码公开，"
                        "为安全起见不创建平台管理员 demo-admin。请勿在生产数据库上运行。")
    created_codes = set()
    created_units = 0
    for index, spec in enumerate(specs):
        if spec.code in existing:
            if progress:
                progress(units)
            continue
        with transaction.atomic():
            organization = _demo_organization()
            community = create_community(
                organization, name=spec.name, code=spec.code, city=spec.city,
                district=spec.district, address=f"{spec.city}市{spec.district}{spec.address}",
                built_year=spec.built_year,
                service_phone=f"{CITIES[spec.city].area_code}-{64880101 + index}",
            )
            loader = RosterGenerator(community, spec, seed=seed, progress=progress,
                                     demo_households=index == 0, reserved_posts=frozenset(
                                         a.post for a in ACCOUNT_SPECS if a.post))
            loader.load(units)
            if index == 0:
                _create_accounts(community, loader, superuser=not foreign_data)
            else:
                _grant_company_admin(community)
            import_module("sunlit.company.demo").enroll_staff(community)
            if index < APP_DEMO_COMMUNITIES:
                # the first two communities get a year of work, so the company view compares
                cast = DemoCast.of(community)  # who each app's demo acts as, looked up once
                for app in APP_DEMOS:  # each app's part, with the one signature
                    import_module(f"sunlit.{app}.demo").load_demo(community, cast=cast,
                                                                  seed=seed + index, now=None)
                import_module("sunlit.notices.demo").settle_inboxes(community)
            audit.record(AuditEvent.Action.IMPORT, None, community=community,
                         object_type=DEMO_MARKER, object_id=str(seed),
                         summary=f"载入演示数据：房屋 {units} 套")
        # The log's first checkpoint, so that proofs verify as soon as the demo is up, cosigned
        # by the committee's witness (registered by the transparency demo).
        log.sign_checkpoint(Log.objects.get(community=community))
        if index < APP_DEMO_COMMUNITIES:
            import_module("sunlit.transparency.demo").cosign_latest(community)
        created_codes.add(spec.code)
        created_units += units
    by_code = {c.code: c for c in Community.objects.select_related("organization")
               .filter(code__in=[s.code for s in specs])}
    return DemoResult(
        organization=by_code[specs[0].code].organization,
        communities=[summarize(by_code[s.code], created=s.code in created_codes) for s in specs],
        accounts=demo_accounts(),
        created=bool(created_codes),
        units_created=created_units,
        seconds=time.perf_counter() - started,
        warnings=warnings,
    )


def demo_community_ids() -> set[int]:
    return set(AuditEvent.objects.filter(object_type=DEMO_MARKER)
               .values_list("community_id", flat=True))


def _demo_organization() -> Organization:
    organization = Organization.objects.filter(name=DEMO_ORGANIZATION).first()
    if organization is None:
        organization = create_organization(name=DEMO_ORGANIZATION, short_name="阳光物业",
                                           phone="400-820-2026")
    return organization


# --- demo accounts -------------------------------------------------------------------
def _role_label(role: str) -> str:
    return "平台管理员" if role == PLATFORM_ADMIN else Role(role).label


def _create_accounts(community: Community, loader: RosterGenerator, *, superuser: bool) -> None:
    """One login per role in 明强小区, sharing the documented demo password."""
    password = make_password(DEMO_PASSWORD)  # hashed once: the password is public anyway
    linked = {
        Role.OWNER: loader.demo_owner, Role.RESIDENT: loader.demo_tenant,
        Role.COMMITTEE: loader.committee_owner, Role.SUPERVISOR: loader.supervisor_owner,
    }
    rng = random.Random(f"sunlit-demo-accounts:{community.code}")  # noqa: S311
    for spec in ACCOUNT_SPECS:
        if spec.role == PLATFORM_ADMIN and not superuser:
            continue
        if User.objects.filter(username=spec.username).exists():
            continue
        person = linked.get(spec.role)
        department, job_number, name = (None, "", "")
        if spec.post:
            department, job_number, name = loader.demo_staff[spec.post]
        if person is not None:
            name = person.name
        elif spec.role == PLATFORM_ADMIN:
            name = "平台管理员"
        elif not name:
            chars = rng.choice((MALE_CHARS, FEMALE_CHARS))
            name = rng.choice(SURNAMES) + rng.choice(chars) + rng.choice(chars)
        user = User(username=spec.username, display_name=name, password=password,
                    mobile=person.mobile if person is not None and spec.role == Role.OWNER else "",
                    is_staff=spec.role == PLATFORM_ADMIN, is_superuser=spec.role == PLATFORM_ADMIN)
        user.save()
        if person is not None:
            person.user = user
            person.save(update_fields=["user"])
        if spec.role == PLATFORM_ADMIN:
            continue
        post = spec.post
        if spec.role == Role.AUDITOR:
            post = "审计师（明诚会计师事务所）"
        elif spec.role == Role.COMPANY_ADMIN:
            department, job_number, post = (loader.departments[DepartmentKind.MANAGEMENT], "HQ001",
                                            "公司运营总监")
        grant_membership(user, community, spec.role, actor=None, department=department,
                         job_number=job_number, post=post)


def _grant_company_admin(community: Community) -> None:
    user = User.objects.filter(username="demo-company-admin").first()
    if user is not None:
        department = Department.objects.in_community(community).filter(
            kind=DepartmentKind.MANAGEMENT).first()
        grant_membership(user, community, Role.COMPANY_ADMIN, actor=None, department=department,
                         job_number="HQ001", post="公司运营总监")


def demo_accounts() -> list[DemoAccount]:
    """The demo logins that exist, in role order, with what each is good for."""
    users = {u.username: u for u in User.objects.filter(
        username__in=[a.username for a in ACCOUNT_SPECS])}
    return [
        DemoAccount(role=str(spec.role), role_label=_role_label(spec.role), username=spec.username,
                    display_name=users[spec.username].display_name, look_at=spec.look_at,
                    mobile=users[spec.username].mobile)
        for spec in ACCOUNT_SPECS if spec.username in users
    ]


# --- what was loaded -------------------------------------------------------------------
def summarize(community: Community, *, created: bool = False) -> CommunitySummary:
    units = Unit.objects.in_community(community)
    usage = dict(units.values_list("usage").annotate(n=Count("id")).order_by())
    status = dict(units.values_list("delivery_status").annotate(n=Count("id")).order_by())
    current = Ownership.objects.in_community(community).current().exclude(
        person__kind=PersonKind.DEVELOPER)
    residents = Residency.objects.in_community(community).current()
    vehicles = Vehicle.objects.in_community(community)
    return CommunitySummary(
        name=community.name, code=community.code, city=community.city, created=created,
        buildings=Building.objects.in_community(community).count(),
        units=sum(usage.values()),
        flats=usage.get(UnitUsage.RESIDENTIAL, 0), shops=usage.get(UnitUsage.COMMERCIAL, 0),
        parking=usage.get(UnitUsage.PARKING, 0), storage=usage.get(UnitUsage.STORAGE, 0),
        area=units.aggregate(s=Sum("area"))["s"] or Decimal("0.00"),
        persons=Person.objects.in_community(community).count(),
        owners=current.values("person_id").distinct().count(),
        multi_unit_owners=current.values("person_id").annotate(n=Count("unit_id", distinct=True))
        .filter(n__gte=2).count(),
        co_owned_units=current.values("unit_id").annotate(n=Count("id")).filter(n__gte=2).count(),
        unsold_units=status.get(DeliveryStatus.UNSOLD, 0),
        undelivered_units=status.get(DeliveryStatus.SOLD_UNDELIVERED, 0),
        tenant_units=residents.filter(kind=ResidentKind.TENANT).values("unit_id").distinct().count(),
        residents=residents.count(),
        vehicles=vehicles.count(),
        new_energy_vehicles=vehicles.filter(kind=VehicleKind.NEW_ENERGY).count(),
    )


def fingerprint(community: Community) -> str:
    """SHA-256 over the community's roster (decrypted, sorted in Python, no ids or clocks).

    Equal on SQLite and PostgreSQL for the same seed: the check that the demo is deterministic.
    """
    digest = hashlib.sha256()
    where = {"community": community}
    unit = ("unit__building__name", "unit__entrance", "unit__number")
    tables = (
        Unit.objects.filter(**where).values_list(
            "building__name", "building__floors", "building__has_elevator", "entrance", "number",
            "floor", "area", "usage", "delivery_status", "delivered_on"),
        Ownership.objects.filter(**where).values_list(*unit, "person__name", "share", "start", "end"),
        Residency.objects.filter(**where).values_list(*unit, "person__name", "kind", "relation",
                                                      "moved_in", "moved_out"),
        Vehicle.objects.filter(**where).values_list("plate", "kind", "brand", "person__name", *unit,
                                                    "registered_at"),
        Department.objects.filter(**where).values_list("kind", "name", "phone"),
        Membership.objects.filter(**where).values_list("user__username", "user__display_name",
                                                       "role", "department__name", "job_number",
                                                       "post"),
    )
    for rows in tables:
        for row in sorted(tuple(str(v) for v in r) for r in rows):
            digest.update(repr(row).encode())
    people = Person.objects.filter(**where).only("kind", "name", "mobile", "id_number", "user")
    for row in sorted((p.kind, p.name, p.mobile, p.id_number, str(p.user_id is not None))
                      for p in people.iterator(chunk_size=BATCH_SIZE)):
        digest.update(repr(row).encode())
    return digest.hexdigest()
