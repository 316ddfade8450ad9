"""The world of the permission matrix: two communities, each with its cast and one object of
every kind a route can name, built through the services as the product builds them.

Community A holds every persona (one account per role); community B mirrors it with its own
cast, whose owner is the persona ``owner_other_community``. Objects are named by kind
(``ticket``, ``vote`` …); ``world.obj("ticket", "B")`` is community B's. A few kinds come in
variants that decide an object rule: ``ticket`` is the owner's own in-home ticket,
``neighbour_ticket`` another owner's.

The world is built once per test module inside an outer transaction (like Django's
``setUpTestData``) at a fixed instant, and every request of the matrix runs in a savepoint that
is rolled back, so no cell sees another's writes.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.sessions.backends.db import SessionStore
from PIL import Image

from sunlit.core import services as core_services
from sunlit.core import uploads
from sunlit.core.choices import DepartmentKind, Role
from sunlit.core.models import Department, Membership
from sunlit.registry.choices import ImportStatus, UnitUsage
from sunlit.registry.models import RosterImport
from tests.factories import (
    BuildingFactory,
    OrganizationFactory,
    OwnershipFactory,
    PersonFactory,
    ResidencyFactory,
    UnitFactory,
    UserFactory,
    VehicleFactory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The world lives on Wednesday 2026-03-11 10:00 in Shanghai: last week (03-02 … 03-08) has
# ended, so its exposure board exists; a vote opened on 03-06 closes on 03-16.
NOW = dt.datetime(2026, 3, 11, 10, 0, tzinfo=SHANGHAI)
LAST_WEEK = dt.datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI)
PASSWORD = "correct-horse-9"

#: persona → its role in community A; ``owner_other_community`` is B's owner; anonymous has none.
PERSONAS: dict[str, str | None] = {
    "owner": Role.OWNER,
    "resident": Role.RESIDENT,
    "committee": Role.COMMITTEE,
    "supervisor": Role.SUPERVISOR,
    "service": Role.SERVICE,
    "dispatcher": Role.DISPATCHER,
    "manager": Role.MANAGER,
    "technician": Role.TECHNICIAN,
    "finance": Role.FINANCE,
    "auditor": Role.AUDITOR,
    "company_admin": Role.COMPANY_ADMIN,
    "owner_other_community": Role.OWNER,
    "anonymous": None,
}


def jpeg(n: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (n * 37 % 250, n * 11 % 250, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class World:
    """Both communities' casts and objects; ``users[persona]`` are the personas' accounts."""

    objects: dict[str, dict[str, object]] = field(default_factory=lambda: {"A": {}, "B": {}})
    casts: dict[str, dict[str, object]] = field(default_factory=lambda: {"A": {}, "B": {}})
    users: dict[str, object] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)

    def obj(self, kind: str, side: str = "A"):
        return self.objects[side][kind]

    def community(self, side: str):
        return self.objects[side]["community"]


class _Builder:
    """Builds one community's cast and objects."""

    def __init__(self, world: World, side: str, organization):
        self.world, self.side = world, side
        self.o = world.objects[side]
        self.cast = world.casts[side]
        self.n = 0
        code = "mingqiang" if side == "A" else "yuanjing"
        name = "明强小区" if side == "A" else "远景小区"
        from sunlit.core.services import create_community

        self.community = create_community(organization, name=name, code=code)
        self.o["community"] = self.community

    def image(self, user):
        self.n += 1
        return uploads.store_image(
            jpeg(self.n + (100 if self.side == "B" else 0)),
            community=self.community,
            actor=user,
            original_name=f"photo-{self.n}.jpg",
        )

    def document(self, user):
        self.n += 1
        return uploads.store_document(
            pdf(), community=self.community, actor=user, original_name=f"doc-{self.n}.pdf"
        )

    # --- the cast -------------------------------------------------------------------------
    def people(self):
        c, s = self.community, self.side
        self.departments = {
            kind: Department.objects.create(community=c, kind=kind, name=str(label))
            for kind, label in DepartmentKind.choices
        }
        building = BuildingFactory(community=c, name="1号楼")
        self.o["building"] = building
        own = UnitFactory(building=building, number="101", floor=1, area=Decimal("89.50"))
        neighbour_unit = UnitFactory(building=building, number="102", floor=1, area=Decimal("120.33"))
        third = UnitFactory(building=building, number="201", floor=2, area=Decimal("60.01"))
        space = UnitFactory(
            building=building, number="P-001", floor=-1, area=Decimal("12.50"), usage=UnitUsage.PARKING
        )
        self.o.update(unit=own, neighbour_unit=neighbour_unit, third_unit=third, space=space)

        def account(role, username, display):
            user = UserFactory(username=f"{username}-{s}", display_name=display)
            Membership.objects.create(user=user, community=c, role=role)
            return user

        owner = account(Role.OWNER, "owner", "王小明" if s == "A" else "李四")
        owner_person = PersonFactory(
            community=c,
            user=owner,
            name=owner.display_name,
            mobile="13800000001" if s == "A" else "13900000001",
        )
        OwnershipFactory(unit=own, person=owner_person, share=Decimal("1"))
        neighbour = account(Role.OWNER, "neighbour", "邻居老周")
        neighbour_person = PersonFactory(community=c, user=neighbour, name="邻居老周")
        OwnershipFactory(unit=neighbour_unit, person=neighbour_person, share=Decimal("1"))
        OwnershipFactory(unit=third, person__community=c, person__name="业主丙", share=Decimal("1"))
        OwnershipFactory(unit=space, person=owner_person, share=Decimal("1"))
        resident = account(Role.RESIDENT, "resident", "租客小赵")
        ResidencyFactory(unit=own, person__user=resident, person__community=c, person__name="租客小赵")
        # committee members and supervisors are owners too
        committee = account(Role.COMMITTEE, "committee", "业委会主任")
        Membership.objects.create(user=committee, community=c, role=Role.OWNER)
        committee_person = PersonFactory(community=c, user=committee, name="业委会主任")
        OwnershipFactory(unit=third, person=committee_person, share=Decimal("0.5"))
        committee2 = account(Role.COMMITTEE, "committee2", "业委会委员")
        supervisor = account(Role.SUPERVISOR, "supervisor", "监督员")
        staff = {}
        for role, dept in (
            (Role.SERVICE, DepartmentKind.SERVICE),
            (Role.DISPATCHER, DepartmentKind.SERVICE),
            (Role.MANAGER, DepartmentKind.MANAGEMENT),
            (Role.TECHNICIAN, DepartmentKind.ENGINEERING),
            (Role.FINANCE, DepartmentKind.FINANCE),
            (Role.AUDITOR, None),
            (Role.COMPANY_ADMIN, DepartmentKind.MANAGEMENT),
        ):
            user = UserFactory(username=f"{role}-{s}", display_name=f"{Role(role).label}{s}")
            Membership.objects.create(
                user=user,
                community=c,
                role=role,
                department=self.departments.get(dept),
                job_number=f"{s}{len(staff) + 1:03d}",
            )
            staff[str(role)] = user
        manager2 = UserFactory(username=f"manager2-{s}", display_name="副经理")
        Membership.objects.create(
            user=manager2,
            community=c,
            role=Role.MANAGER,
            department=self.departments[DepartmentKind.MANAGEMENT],
            job_number=f"{s}099",
        )
        # the company's administrator (company.access): an Employee of this side's company
        from sunlit.company.models import Employee

        Employee.objects.create(organization=c.organization, user=staff[str(Role.COMPANY_ADMIN)],
                                job_number=f"{s}HQ1", is_admin=True)
        self.o["employee"] = Employee.objects.create(
            organization=c.organization, user=staff[str(Role.TECHNICIAN)], job_number=f"{s}T1")
        self.cast.update(
            owner=owner,
            neighbour=neighbour,
            resident=resident,
            committee=committee,
            committee2=committee2,
            supervisor=supervisor,
            manager2=manager2,
            owner_person=owner_person,
            **staff,
        )
        self.o["person"] = PersonFactory(community=c, name="人员甲" if s == "A" else "人员乙")
        self.o["owner_person"] = owner_person
        self.o["vehicle"] = VehicleFactory(
            person=owner_person, unit=own, plate="京A11111" if s == "A" else "沪A22222"
        )
        self.o["member"] = Membership.objects.get(user=staff["technician"], community=c)
        if s == "A":
            for persona, role in PERSONAS.items():
                if role is None or persona == "owner_other_community":
                    continue
                self.world.users[persona] = self.cast[persona]
        else:
            self.world.users["owner_other_community"] = owner

    # --- registry --------------------------------------------------------------------------
    def registry(self):
        c = self.community
        self.o["import"] = RosterImport.objects.create(
            community=c, filename="花名册.xlsx", sha256="0" * 64, size=1024, status=ImportStatus.PREVIEW
        )
        person = PersonFactory(
            community=c, name="待开户业主", mobile="13700000001" if self.side == "A" else "13700000002"
        )
        batch = core_services.issue_activation_codes(c, [person], actor=self.cast["service"])
        self.o["batch"] = batch

    # --- tickets ---------------------------------------------------------------------------
    def tickets(self):
        from sunlit.tickets import configuration
        from sunlit.tickets import services as tickets
        from sunlit.tickets.choices import TicketKind

        c, cast = self.community, self.cast
        manager = cast["manager"]
        category = configuration.create_category(
            c,
            actor=manager,
            kind=TicketKind.REPAIR,
            name="水电维修",
            department=self.departments[DepartmentKind.ENGINEERING],
        )
        self.o["category"] = category
        configuration.set_skills(self.o["member"], [category], actor=manager)
        self.o["shift"] = configuration.add_shift(
            self.o["member"],
            actor=manager,
            starts_at=NOW - dt.timedelta(hours=2),
            ends_at=NOW + dt.timedelta(hours=6),
        )
        photo = self.image(cast["owner"])
        ticket = tickets.submit_ticket(
            c,
            actor=cast["owner"],
            kind=TicketKind.REPAIR,
            category=category,
            title="厨房水管漏水",
            description="水槽下方水管接口漏水",
            unit=self.o["unit"],
            photos=[photo],
            now=LAST_WEEK,
        )
        tickets.accept_ticket(ticket, actor=cast["service"], now=LAST_WEEK)
        tickets.dispatch_ticket(ticket, to=self.o["member"], actor=cast["dispatcher"], now=LAST_WEEK)
        self.o["ticket"] = ticket
        self.o["ticket_photo"] = photo
        self.o["neighbour_ticket"] = tickets.submit_ticket(
            c,
            actor=cast["neighbour"],
            kind=TicketKind.REPAIR,
            category=category,
            title="卫生间漏水",
            description="楼上渗水",
            unit=self.o["neighbour_unit"],
            now=LAST_WEEK + dt.timedelta(hours=1),
        )

    # --- notices ---------------------------------------------------------------------------
    def notices(self):
        from sunlit.notices import services as notices

        c = self.community
        self.o["notification"] = notices.notify(
            community=c, recipients=[self.cast["owner"]], title="您的报修已派单", url="/tickets/", channels=[]
        )[0]
        self.o["announcement"] = notices.publish_announcement(
            c, actor=self.cast["manager"], title="停水通知", body="3月12日 9:00-12:00 停水"
        )

    # --- governance ------------------------------------------------------------------------
    def governance(self):
        from sunlit.governance.consultations import services as consultations
        from sunlit.governance.consultations.models import ConsultationKind
        from sunlit.governance.meetings import services as meetings
        from sunlit.governance.meetings.models import MeetingKind, Organiser
        from sunlit.governance.proposals import services as proposals
        from sunlit.governance.votes import balloting
        from sunlit.governance.votes import services as votes
        from sunlit.governance.votes.choices import Choice, MatterKind

        c, cast = self.community, self.cast
        committee = cast["committee"]
        t0 = NOW - dt.timedelta(days=20)
        vote = votes.create_vote(
            c,
            actor=committee,
            title="续聘物业服务企业",
            description="物业服务合同到期，拟续聘三年。",
            matter=MatterKind.MANAGER,
            opens_at=t0 + dt.timedelta(days=15),
            closes_at=NOW + dt.timedelta(days=5),
        )
        self.o["vote_document"] = votes.add_document(
            vote, self.document(committee), actor=committee, title="合同草案"
        )
        votes.announce_vote(vote, actor=committee, now=t0)
        votes.open_vote(vote, actor=committee, now=t0 + dt.timedelta(days=15))
        balloting.cast_ballot(
            vote, self.o["unit"], actor=cast["owner"], choice=Choice.YES, now=NOW - dt.timedelta(days=1)
        )
        self.o["ballot"] = balloting.enter_ballot(
            vote,
            self.o["neighbour_unit"],
            actor=cast["service"],
            choice=Choice.NO,
            received_at=NOW - dt.timedelta(days=1),
            scan=self.image(cast["service"]),
            now=NOW - dt.timedelta(hours=20),
        )
        # a paper ballot for the owner's unit, which he had voted for online: held for him
        held = balloting.enter_ballot(
            vote, self.o["unit"], actor=cast["service"], choice=Choice.NO,
            received_at=NOW - dt.timedelta(hours=30), scan=self.image(cast["service"]),
            person=cast["owner_person"], now=NOW - dt.timedelta(hours=20))
        self.o["held_ballot"] = balloting.confirm_ballot(held, actor=cast["committee2"],
                                                         now=NOW - dt.timedelta(hours=19))
        self.o["vote"] = vote
        self.o["draft_vote"] = votes.create_vote(
            c,
            actor=committee,
            title="调整停车收费",
            description="拟调整",
            matter=MatterKind.OTHER,
            opens_at=NOW + dt.timedelta(days=20),
            closes_at=NOW + dt.timedelta(days=27),
        )

        # a vote of last month, closed and its result published
        with time_machine.travel(NOW - dt.timedelta(days=40), tick=False):
            past = votes.create_vote(
                c,
                actor=committee,
                title="增设非机动车棚",
                description="利用公共收益增设车棚。",
                matter=MatterKind.OTHER,
                opens_at=NOW - dt.timedelta(days=25),
                closes_at=NOW - dt.timedelta(days=18),
            )
            votes.announce_vote(past, actor=committee)
        with time_machine.travel(NOW - dt.timedelta(days=25), tick=False):
            votes.open_vote(past, actor=committee)
            balloting.cast_ballot(past, self.o["unit"], actor=cast["owner"], choice=Choice.YES)
        with time_machine.travel(NOW - dt.timedelta(days=18, minutes=-1), tick=False):
            votes.close_vote(past, actor=committee)
            votes.publish_result(past, actor=committee)
        self.o["published_vote"] = past
        # a meeting held last month, its minutes published
        with time_machine.travel(NOW - dt.timedelta(days=30), tick=False):
            held = meetings.create_meeting(
                c,
                actor=committee,
                kind=MeetingKind.COMMITTEE,
                title="业委会二月例会",
                organiser=Organiser.COMMITTEE,
                starts_at=NOW - dt.timedelta(days=10),
                place="会所二楼",
                agenda=[{"title": "审议二月收支"}],
            )
            meetings.announce_meeting(held, actor=committee)
        with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
            meetings.hold_meeting(held, actor=committee)
            meetings.publish_minutes(
                held, actor=committee, text="审议通过二月收支。", document=self.document(committee)
            )
        self.o["held_meeting"] = held

        starts = NOW + dt.timedelta(days=10)
        meeting = meetings.create_meeting(
            c,
            actor=committee,
            kind=MeetingKind.COMMITTEE,
            title="业委会例会",
            organiser=Organiser.COMMITTEE,
            starts_at=starts,
            place="会所二楼",
            agenda=[{"title": "审议三月收支"}],
        )
        meetings.announce_meeting(meeting, actor=committee)
        self.o["meeting"] = meeting
        from sunlit.governance.meetings.models import Attendee

        self.o["attendee"] = Attendee.objects.filter(meeting=meeting).order_by("pk").last()

        consultation = consultations.create_consultation(
            c,
            actor=committee,
            kind=ConsultationKind.COMMENT,
            title="绿化改造方案",
            description="拟改造中心花园",
            starts_at=NOW - dt.timedelta(days=1),
            ends_at=NOW + dt.timedelta(days=10),
        )
        self.o["consultation_document"] = consultations.add_document(
            consultation, self.document(committee), actor=committee, title="方案"
        )
        consultations.publish_consultation(consultation, actor=committee, now=NOW - dt.timedelta(days=1))
        self.o["consultation"] = consultation
        self.o["comment"] = consultations.comment(consultation, actor=cast["owner"], text="建议保留大树")

        photo = self.image(cast["owner"])
        self.o["proposal"] = proposals.submit_proposal(
            c, actor=cast["owner"], title="增设电动车充电桩", text="地面停车场增设充电桩", photos=[photo]
        )
        self.o["proposal_photo"] = photo

    # --- finance ---------------------------------------------------------------------------
    def finance(self):
        from sunlit.finance.billing import services
        from sunlit.finance.billing.choices import Cycle, FeeKind
        from sunlit.finance.books import ledger

        c, cast = self.community, self.cast
        fin = cast["finance"]
        ledger.open_books(c, actor=fin)
        item = services.create_fee_item(
            c,
            actor=fin,
            code="WY",
            name="物业服务费",
            kind=FeeKind.AREA,
            cycle=Cycle.MONTHLY,
            account="6001",
            applies_to=[UnitUsage.RESIDENTIAL],
        )
        services.set_tariff(
            item, actor=fin, price="2.35", effective_from=dt.date(2025, 1, 1), today=dt.date(2025, 10, 1)
        )
        self.o["fee_item"] = item
        run = services.run_billing(
            c, dt.date(2026, 2, 1), actor=fin, now=dt.datetime(2026, 2, 3, 10, 0, tzinfo=SHANGHAI)
        )
        self.o["run"] = run
        from sunlit.finance.models import Bill

        bills = {b.unit_id: b for b in Bill.objects.filter(community=c)}
        self.o["bill"] = bills[self.o["unit"].pk]
        self.o["neighbour_bill"] = bills[self.o["neighbour_unit"].pk]
        self.money()

    def money(self):
        from sunlit.finance.arrears import services as reminders
        from sunlit.finance.billing.choices import MeterKind
        from sunlit.finance.charges import meter_import, waivers
        from sunlit.finance.charges.choices import WaiverReason, WaiverTarget
        from sunlit.finance.expenses import services as expenses
        from sunlit.finance.expenses.choices import ExpenseCategory, PublicIncomeCategory
        from sunlit.finance.fund import services as fund
        from sunlit.finance.models import JournalEntry
        from sunlit.finance.online import services as online
        from sunlit.finance.online.choices import Provider
        from sunlit.finance.payments import services as payments
        from sunlit.finance.payments.choices import PaymentMethod
        from sunlit.finance.report import services as report_services

        c, cast = self.community, self.cast
        fin, manager = cast["finance"], cast["manager"]
        neighbour_bill = self.o["neighbour_bill"]
        self.o["payment"] = payments.receive_payment(
            self.o["neighbour_unit"],
            actor=fin,
            amount=neighbour_bill.amount,
            method=PaymentMethod.CASH,
            bills=[neighbour_bill.pk],
        )
        self.o["order"] = online.create_payment_order(
            self.o["unit"], actor=cast["owner"], provider=Provider.WECHAT, bills=[self.o["bill"].pk]
        )
        self.o["waiver"] = waivers.request_waiver(
            self.o["bill"],
            actor=fin,
            target=WaiverTarget.BILL,
            reason_category=WaiverReason.HARDSHIP,
            reason="困难家庭",
            amount="10.00",
        )
        template = reminders.save_template(
            c, actor=fin, name="催缴模板", body="{单元}业主您好，您尚有欠费{金额}元。"
        )
        self.o["reminder_template"] = template
        self.o["reminder_rule"] = reminders.save_rule(
            c, actor=fin, name="逾期30天", days_after_due=30, channel="inbox", template=template
        )
        workbook = meter_import.template_workbook(c, MeterKind.WATER)
        self.o["meter_import"] = meter_import.stage_meter_import(
            c,
            actor=fin,
            kind=MeterKind.WATER,
            period_start=dt.date(2026, 2, 1),
            filename="抄表.xlsx",
            data=workbook,
        )
        self.o["income"] = expenses.record_public_income(
            c,
            actor=fin,
            category=PublicIncomeCategory.ADVERTISING,
            payer="某某广告有限公司",
            amount="1200.00",
            received_on=NOW.date() - dt.timedelta(days=3),
            receipts=[self.image(fin)],
        )
        self.o["expense"] = expenses.create_expense(
            c,
            actor=fin,
            category=ExpenseCategory.CLEANING,
            payee="某某保洁有限公司",
            amount="800.00",
            spent_on=NOW.date() - dt.timedelta(days=2),
            description="二月保洁耗材",
            receipts=[self.image(fin)],
            submit=True,
        )
        self.o["money_file"] = self.o["expense"].receipts.first()
        fund.collect_initial(c, actor=fin, rate="30", deposited_on=NOW.date() - dt.timedelta(days=30))
        self.o["fund_use"] = fund.create_fund_use(
            c,
            actor=manager,
            title="电梯紧急维修",
            contractor="某某电梯有限公司",
            amount="300.00",
            used_on=NOW.date() - dt.timedelta(days=1),
            basis="emergency",
            emergency_reason="电梯困人，钢丝绳断股",
            documents=[self.image(manager)],
        )
        fund.approve_fund_use(self.o["fund_use"], actor=cast["committee"])
        from sunlit.governance.controls import services as controls
        from sunlit.governance.controls.models import ControlKind

        # the manager asks the committee to raise the dual-approval threshold: pending
        self.o["control_change"] = controls.request_change(
            c, ControlKind.MONEY_POLICY, {"dual_approval_above": "90000.00"}, actor=manager,
            reason="大额维修频繁，提请调整双签门槛")
        self.o["month"] = "2026-02"
        report_services.publish_report(c, dt.date(2026, 2, 1), actor=fin)
        report_services.ensure_query_category(c, actor=manager)
        self.o["entry"] = (
            JournalEntry.objects.filter(community=c, date__lt=dt.date(2026, 3, 1)).order_by("pk").last()
        )
        self.o["entry_query"] = report_services.raise_query(
            self.o["entry"], actor=cast["owner"], question="这笔支出是什么？"
        )

    # --- board -----------------------------------------------------------------------------
    def board(self):
        from sunlit.board import services as board

        c, cast = self.community, self.cast
        weekly = board.generate_board(c, LAST_WEEK.date(), actor=cast["manager"])
        self.o["board"] = weekly
        self.o["board_item"] = weekly.items.order_by("pk").first()
        if board.settings_for(c).require_cosign:
            board.cosign_board(weekly, actor=cast["committee"])
        board.publish_board(weekly, actor=cast["manager"])
        weekly.refresh_from_db()
        # a draft of the week before, for the steps before publication
        self.o["draft_board"] = board.generate_board(
            c, (LAST_WEEK - dt.timedelta(days=7)).date(), actor=cast["manager"]
        )
        self.o["contest"] = board.contest_item(
            self.o["board_item"], "处理结果与事实不符", actor=cast["committee"]
        )

    # --- the log, tokens -------------------------------------------------------------------
    def rosters(self):
        """A shift type, a pattern and a pending leave and swap (rows as they would stand)."""
        from sunlit.company.rosters import services as rosters
        from sunlit.company.rosters.models import LeaveRequest, SwapRequest

        c, manager = self.community, self.cast["manager"]
        day = rosters.create_shift_type(c, actor=manager, name="白班", starts=dt.time(8),
                                        ends=dt.time(20))
        self.o["pattern"] = rosters.create_pattern(
            c, actor=manager, name="工程部白班", department=self.departments[DepartmentKind.ENGINEERING],
            cycle=[day.pk], members=[self.o["member"].pk], anchor=NOW.date(),
            holiday_rule="workdays")
        self.o["leave"] = LeaveRequest.objects.create(
            community=c, member=self.o["member"], starts_on=NOW.date(), ends_on=NOW.date(),
            reason="体检")
        dispatcher = Membership.objects.get(user=self.cast["dispatcher"], community=c)
        self.o["swap"] = SwapRequest.objects.create(
            community=c, shift=self.o["shift"], from_member=self.o["member"],
            to_member=dispatcher, reason="家中有事")

    def transparency(self):
        from sunlit.transparency import services as log
        from sunlit.transparency.cosignature import CosignatureSigner
        from sunlit.transparency.models import Log

        c = self.community
        signer = CosignatureSigner.generate(f"witness.{c.code}.example")
        self.o["witness"] = log.register_witness_key(
            c, actor=self.cast["committee"], vkey=signer.verifier.vkey, name="业委会见证"
        )
        self.o["log"] = Log.objects.get(community=c)
        log.sign_checkpoint(self.o["log"])
        self.o["log"].refresh_from_db()
        size = self.o["log"].size
        self.o["tile"] = f"0/000.p/{size}" if size < 256 else "0/000"
        self.o["entries_tile"] = f"entries/000.p/{size}" if size < 256 else "entries/000"
        core_services.create_api_token(self.cast["owner"], name="我的脚本")
        from sunlit.core.models import ApiToken

        self.o["token"] = ApiToken.objects.filter(user=self.cast["owner"]).get()


def build_world() -> World:
    world = World()
    organizations = {"A": OrganizationFactory(name="阳光物业服务有限公司"),
                     "B": OrganizationFactory(name="远方物业服务有限公司")}
    for side in ("A", "B"):
        builder = _Builder(world, side, organizations[side])
        builder.people()
        builder.registry()
        builder.tickets()
        builder.notices()
        builder.governance()
        builder.finance()
        builder.board()
        builder.rosters()
        builder.transparency()
    for persona, user in world.users.items():
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "sunlit.core.auth.MobileOrUsernameBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        world.sessions[persona] = session.session_key
    return world
