"""The world of the schema fuzz run (tests/api/test_schema_fuzz.py): two communities and a few
real objects of every kind an API path names, made through the services, so that generated path
ids hit existing rows — the caller's own, another's in the same community, and another
community's."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone
from PIL import Image

from sunlit.core import uploads
from sunlit.core.choices import Role
from sunlit.core.services import create_api_token
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    MembershipFactory,
    OrganizationFactory,
    OwnershipFactory,
    PersonFactory,
    UnitFactory,
    UserFactory,
    VehicleFactory,
)

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _jpeg(n: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (n * 40 % 250, n * 7 % 250, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


def _image(w, actor):
    """A new image (uploads are not shared between records)."""
    w.uploads += 1
    return uploads.store_image(_jpeg(w.uploads), community=w.a, actor=actor,
                               original_name=f"photo-{w.uploads}.jpg")


def _member(community, role, username):
    user = UserFactory(username=username, display_name=username)
    MembershipFactory(user=user, community=community, role=role)
    return user


def build() -> SimpleNamespace:
    """Everything through the services, as in the apps' own test fixtures."""
    now = timezone.now()
    org = OrganizationFactory(name="阳光物业服务有限公司")
    a = CommunityFactory(organization=org, name="明强小区", code="fuzz-a")
    b = CommunityFactory(organization=org, name="远景小区", code="fuzz-b")
    w = SimpleNamespace(a=a, b=b, now=now)
    building = BuildingFactory(community=a, name="1号楼")
    w.unit = UnitFactory(building=building, number="101", area=Decimal("89.50"))
    w.neighbour_unit = UnitFactory(building=building, number="102", area=Decimal("120.33"))
    w.b_unit = UnitFactory(building=BuildingFactory(community=b, name="1号楼"), number="101")

    w.owner = _member(a, Role.OWNER, "fuzz-owner")
    OwnershipFactory(unit=w.unit, person__user=w.owner, person__name="王小明", person__community=a)
    w.neighbour = _member(a, Role.OWNER, "fuzz-neighbour")
    OwnershipFactory(unit=w.neighbour_unit, person__user=w.neighbour, person__community=a)
    OwnershipFactory(unit=w.b_unit, person__community=b)
    VehicleFactory(person=w.owner.persons.get(), unit=w.unit)
    PersonFactory(community=a, name="访客甲")
    w.manager = _member(a, Role.MANAGER, "fuzz-manager")
    w.committee = _member(a, Role.COMMITTEE, "fuzz-committee")
    w.finance = _member(a, Role.FINANCE, "fuzz-finance")
    w.service = _member(a, Role.SERVICE, "fuzz-service")
    _member(b, Role.MANAGER, "fuzz-manager-b")
    w.company_admin = _member(a, Role.COMPANY_ADMIN, "fuzz-company-admin")
    w.tokens = {"owner": create_api_token(w.owner, name="fuzz"),
                "manager": create_api_token(w.manager, name="fuzz")}
    create_api_token(w.neighbour, name="fuzz")
    w.uploads = 0
    w.photo = _image(w, w.owner)

    for step in (_tickets, _governance, _finance, _board, _company, _transparency):
        step(w)
    return w


def _company(w):
    """The company's records and a community's roster: an administrator and an employee, a
    shift type and a pattern, a shift, a pending leave and swap."""
    from sunlit.company.models import Employee, LeaveRequest, SwapRequest
    from sunlit.company.rosters import services as rosters
    from sunlit.core.choices import DepartmentKind
    from sunlit.core.models import Department, Membership
    from sunlit.tickets.models import Shift

    Employee.objects.create(organization=w.a.organization, user=w.company_admin,
                            job_number="HQ001", is_admin=True)
    Employee.objects.create(organization=w.a.organization, user=w.manager, job_number="M001")
    department = Department.objects.create(community=w.a, kind=DepartmentKind.SECURITY,
                                           name="秩序部")
    member = Membership.objects.get(user=w.manager, community=w.a)
    day = rosters.create_shift_type(w.a, actor=w.company_admin, name="白班",
                                    starts=dt.time(8), ends=dt.time(20))
    rosters.create_pattern(w.a, actor=w.company_admin, name="白班轮转", department=department,
                           cycle=[day.pk], members=[member.pk], anchor=w.now.date(),
                           holiday_rule="rotate")
    shift = Shift.objects.create(community=w.a, member=member,
                                 starts_at=w.now + dt.timedelta(days=1),
                                 ends_at=w.now + dt.timedelta(days=1, hours=8))
    LeaveRequest.objects.create(community=w.a, member=member, starts_on=w.now.date(),
                                ends_on=w.now.date(), reason="体检")
    service = Membership.objects.get(user=w.service, community=w.a)
    SwapRequest.objects.create(community=w.a, shift=shift, from_member=member, to_member=service,
                               reason="家中有事")


def _tickets(w):
    from sunlit.tickets import services
    from sunlit.tickets.choices import TicketKind
    from sunlit.tickets.models import Category

    category = Category.objects.create(community=w.a, name="水电", kind=TicketKind.REPAIR)
    # raised last week, so that last week's board (_board) shows them
    w.ticket = services.submit_ticket(w.a, actor=w.owner, kind=TicketKind.REPAIR, category=category,
                                      title="厨房水管漏水", description="水槽下面的水管一直滴水",
                                      unit=w.unit, now=w.now - dt.timedelta(days=7))
    services.submit_ticket(w.a, actor=w.neighbour, kind=TicketKind.REPAIR, category=category,
                           title="楼道灯不亮", description="2楼", unit=w.neighbour_unit,
                           now=w.now - dt.timedelta(days=7))


def _governance(w):
    from sunlit.governance.consultations import services as consultations
    from sunlit.governance.consultations.models import ConsultationKind
    from sunlit.governance.meetings import services as meetings
    from sunlit.governance.meetings.models import MeetingKind, Organiser
    from sunlit.governance.proposals import services as proposals
    from sunlit.governance.votes import balloting, services
    from sunlit.governance.votes.choices import MatterKind

    t0 = w.now - dt.timedelta(days=16)
    opens, closes = t0 + dt.timedelta(days=15), t0 + dt.timedelta(days=25)
    vote = services.create_vote(w.a, actor=w.committee, title="续聘阳光物业服务有限公司",
                                description="物业服务合同到期，拟续聘三年。", matter=MatterKind.MANAGER,
                                opens_at=opens, closes_at=closes)
    services.announce_vote(vote, actor=w.committee, now=t0)
    w.vote = services.open_vote(vote, actor=w.committee, now=opens)
    balloting.enter_ballot(w.vote, w.neighbour_unit, actor=w.service, choice="yes",
                           received_at=w.now, scan=_image(w, w.service), now=w.now)
    services.create_vote(w.a, actor=w.committee, title="增设充电桩", description="北门增设充电桩。",
                         matter=MatterKind.OTHER, opens_at=w.now + dt.timedelta(days=20),
                         closes_at=w.now + dt.timedelta(days=27))
    w.proposal = proposals.submit_proposal(w.a, actor=w.owner, title="北门加装雨棚",
                                           text="下雨天取快递不方便", photos=[w.photo], now=w.now)
    starts = w.now + dt.timedelta(days=10)
    meeting = meetings.create_meeting(w.a, actor=w.committee, kind=MeetingKind.SUNSHINE,
                                      title="阳光议事会", organiser=Organiser.COMMITTEE,
                                      starts_at=starts, place="社区活动室", agenda=["电梯维保合同续签"])
    meetings.announce_meeting(meeting, actor=w.committee, now=w.now)
    meetings.register_for_meeting(meeting, actor=w.owner, now=w.now)
    item = consultations.create_consultation(w.a, actor=w.committee, kind=ConsultationKind.COMMENT,
                                             title="电梯维保合同续签", description="拟续签三年。",
                                             starts_at=w.now - dt.timedelta(hours=1),
                                             ends_at=w.now + dt.timedelta(days=10))
    consultations.publish_consultation(item, actor=w.committee, now=w.now - dt.timedelta(hours=1))
    consultations.comment(item, actor=w.owner, text="希望公开报价", now=w.now)


def _finance(w):
    from sunlit.finance.arrears import services as reminders
    from sunlit.finance.arrears.choices import ReminderChannel
    from sunlit.finance.billing import services
    from sunlit.finance.billing.choices import Cycle, FeeKind
    from sunlit.finance.books import ledger
    from sunlit.finance.charges import meter_import, waivers
    from sunlit.finance.expenses import services as expenses
    from sunlit.finance.fund import services as fund
    from sunlit.finance.online import services as online
    from sunlit.finance.payments import services as payments
    from sunlit.registry.choices import UnitUsage

    ledger.open_books(w.a, actor=w.finance)
    item = services.create_fee_item(w.a, actor=w.finance, code="WY", name="物业服务费",
                                    kind=FeeKind.AREA, cycle=Cycle.MONTHLY, account="6001",
                                    applies_to=[UnitUsage.RESIDENTIAL])
    month = w.now.astimezone(SHANGHAI).date().replace(day=1)
    last_year = month.replace(year=month.year - 1)
    services.set_tariff(item, actor=w.finance, price="2.35", effective_from=last_year, today=last_year)
    services.run_billing(w.a, month, actor=w.finance, now=w.now)
    bill = w.unit.bills.first()
    payments.receive_payment(w.unit, actor=w.finance, amount="50.00", method="cash", bills=[bill.pk])
    waivers.request_waiver(w.neighbour_unit.bills.first(), actor=w.finance, target="bill",
                           reason_category="service", reason="电梯停运两周", whole=True, now=w.now)
    expenses.create_expense(w.a, actor=w.finance, category="6405", payee="上海申安电梯维保有限公司",
                            amount="300.00", spent_on=w.now.date(), description="更换门禁控制器",
                            receipts=[_image(w, w.finance)], submit=True, now=w.now)
    expenses.record_public_income(w.a, actor=w.finance, category="advertising", payer="分众传媒",
                                  amount="1000.00", received_on=w.now.date(),
                                  receipts=[_image(w, w.finance)],
                                  now=w.now)
    fund.collect_initial(w.a, actor=w.finance, rate="50", deposited_on=w.now.date(), now=w.now)
    fund.create_fund_use(w.a, actor=w.finance, title="屋面防水应急维修", contractor="上海建工防水公司",
                         amount="3000.00", used_on=w.now.date(), basis="emergency", scope="units",
                         units=[w.unit, w.neighbour_unit], emergency_reason="暴雨致屋面渗漏",
                         documents=[_image(w, w.finance)], now=w.now)
    online.create_payment_order(w.neighbour_unit, actor=w.neighbour, provider="wechat", now=w.now)
    csv = f"表号,房号,本期读数,抄表日期,上期读数\nW-101,1号楼-101,130,{w.now.date()},100\n"
    meter_import.stage_meter_import(w.a, actor=w.finance, kind="water", period_start=month,
                                    filename="readings.csv", data=csv.encode())
    template = reminders.save_template(w.a, actor=w.finance, name="标准", body="{单元} 欠费 {金额} 元")
    reminders.save_rule(w.a, actor=w.finance, name="逾期7天", days_after_due=7,
                        channel=ReminderChannel.INBOX, template=template)


def _board(w):
    from sunlit.board import services
    from sunlit.governance.controls import services as controls
    from sunlit.governance.controls.models import ControlKind

    board = services.generate_board(w.a, w.now.date() - dt.timedelta(days=7), actor=w.manager, now=w.now)
    board = services.publish_board(board, actor=w.manager, now=w.now)
    services.contest_item(board.items.first(), "维修人员未到场", actor=w.committee, now=w.now)
    # an owner-side control change asked by the company (pending, or applied if it protects more)
    controls.request_change(w.a, ControlKind.BOARD_COSIGN,
                            {"require_cosign": not services.settings_for(w.a).require_cosign},
                            actor=w.company_admin, reason="业委会长期不会签，影响按时发布", now=w.now)


def _transparency(w):
    from sunlit.transparency import services
    from sunlit.transparency.cosignature import CosignatureSigner
    from sunlit.transparency.models import Log

    services.sign_checkpoint(Log.objects.get(community=w.a))
    services.register_witness_key(w.a, actor=w.committee, name="业委会见证节点",
                                  vkey=CosignatureSigner.generate("committee.example/fuzz").verifier.vkey)
