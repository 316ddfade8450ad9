"""What each person sees first: the owner's home (what he owes, what he can vote on, what is new,
this week's board, his open tickets) and the staff workbenches (each role's work of today).

Reads only, from each app's models and selectors; a fixed number of queries per page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sunlit.core.models import Community, User

# --- the owner's home -----------------------------------------------------------------------------

@dataclass
class OwnerSummary:
    dues: list = field(default_factory=list)  # finance.billing.selectors.Due, one per home
    votes: list[dict] = field(default_factory=list)
    announcements: list = field(default_factory=list)
    board: object | None = None
    tickets: list = field(default_factory=list)
    open_tickets: int = 0

    @property
    def total_due(self) -> Decimal:
        return sum((d.total for d in self.dues), Decimal("0.00"))


def owner_summary(user: User, community: Community | None, *, now: dt.datetime | None = None
                  ) -> OwnerSummary:
    from sunlit.board.models import WeeklyBoard
    from sunlit.finance.billing import access as billing_access
    from sunlit.finance.billing import selectors as billing
    from sunlit.governance.votes.choices import VoteStatus
    from sunlit.governance.votes.models import Ballot, Vote, VoteVoter
    from sunlit.notices.models import Announcement
    from sunlit.tickets.models import Ticket

    now = now or timezone.now()
    today = timezone.localdate(now)
    summary = OwnerSummary()
    homes = list(billing_access.my_units(user))
    dues = billing.dues_of(homes, as_of=today)
    summary.dues = [dues[unit.pk] for unit in homes]
    # votes open now in which one of his units has no counted ballot yet
    voters = VoteVoter.objects.filter(person__user=user, vote__status=VoteStatus.OPEN,
                                      vote__closes_at__gt=now)
    voted = set(Ballot.objects.filter(vote_unit_id__in=voters.values("vote_unit_id"))
                .counted().values_list("vote_unit_id", flat=True))
    open_votes: dict[int, dict] = {}
    for voter in voters.select_related("vote", "vote_unit").order_by("vote__closes_at", "pk"):
        row = open_votes.setdefault(voter.vote_id, {"vote": voter.vote, "waiting": 0})
        row["waiting"] += voter.vote_unit_id not in voted
    summary.votes = list(open_votes.values())
    if community is not None:
        summary.votes += [{"vote": v, "waiting": None} for v in Vote.objects.in_community(community)
                          .filter(status=VoteStatus.ANNOUNCED).order_by("opens_at")[:2]]
        summary.announcements = list(Announcement.objects.in_community(community).published()
                                     .order_by("-published_at")[:3])
        summary.board = (WeeklyBoard.objects.in_community(community).filter(published_at__isnull=False)
                         .order_by("-week_start").first())
    mine = Ticket.objects.filter(reporter_user=user).open()
    summary.open_tickets = mine.count()
    summary.tickets = list(mine.order_by("-created_at")[:3])
    return summary


def log_key(community: Community | None) -> str:
    """The verifier key of the community's log, shown once on the owner's home (each proof
    there is checked with it in the browser)."""
    from sunlit.transparency import selectors
    from sunlit.transparency.models import Log

    the_log = Log.objects.filter(community=community).first() if community is not None else None
    return selectors.verifier_key(the_log) if the_log is not None else ""


# --- staff workbenches ----------------------------------------------------------------------------

@dataclass
class Figure:
    """One number on a workbench: what it counts, how many, where to act on it."""

    label: str
    count: int
    url: str
    tone: str = "secondary"  # red when something waits too long


def counts_by(queryset, **conditions: Q) -> dict[str, int]:
    return queryset.aggregate(**{name: Count("pk", filter=q) for name, q in conditions.items()})


def _url(name: str, query: str = "") -> str:
    from django.urls import reverse

    return reverse(name) + (f"?{query}" if query else "")


def workbench(user: User, community: Community, roles: set[str], *,
              now: dt.datetime | None = None) -> dict:
    """The figures of today's work for the user's roles in ``community`` (each figure links to
    the list where it is done), and the on-shift staff with their load for dispatchers."""
    from sunlit.core.choices import Role
    from sunlit.tickets.choices import TicketStatus
    from sunlit.tickets.models import Escalation, Ticket
    from sunlit.tickets.selectors import risk_condition, with_next_due

    now = now or timezone.now()
    figures: dict[str, list[Figure]] = {}
    tickets = with_next_due(Ticket.objects.in_community(community).open())
    staff_roles = {Role.SERVICE, Role.DISPATCHER, Role.MANAGER, Role.COMPANY_ADMIN}
    if roles & staff_roles:
        t = counts_by(tickets, pending=Q(status=TicketStatus.PENDING),
                      unassigned=Q(assignee__isnull=True) & ~Q(status=TicketStatus.PENDING),
                      overdue=risk_condition("overdue", now), soon=risk_condition("due_1h", now),
                      follow_up=Q(status=TicketStatus.RESOLVED),
                      review=Q(needs_manager_review=True))
        rows = [Figure(_("待受理"), t["pending"], _url("tickets:queue", "status=pending"),
                       "red" if t["pending"] else "secondary"),
                Figure(_("已超时"), t["overdue"], _url("tickets:queue", "risk=overdue"),
                       "red" if t["overdue"] else "secondary"),
                Figure(_("1 小时内到期"), t["soon"], _url("tickets:queue", "risk=due_1h"),
                       "yellow" if t["soon"] else "secondary"),
                Figure(_("未派单"), t["unassigned"], _url("tickets:queue", "assignee=none"))]
        if roles & {Role.SERVICE, Role.MANAGER}:
            rows.append(Figure(_("待回访"), t["follow_up"], _url("tickets:queue", "status=resolved")))
        if roles & {Role.MANAGER, Role.COMPANY_ADMIN}:
            rows.append(Figure(_("低分待复核"), t["review"], _url("tickets:queue", "needs_review=true"),
                               "red" if t["review"] else "secondary"))
            escalated = (Escalation.objects.in_community(community)
                         .filter(at__gte=now - dt.timedelta(days=7), ticket__in=tickets).count())
            rows.append(Figure(_("近 7 天升级"), escalated, _url("tickets:queue", "risk=overdue")))
        figures[_("工单")] = rows
    if roles & {Role.MANAGER, Role.FINANCE, Role.COMPANY_ADMIN}:
        figures[_("收费与支出")] = _money_figures(community, roles, now)
    if roles & {Role.MANAGER, Role.COMPANY_ADMIN}:
        figures[_("公开与共治")] = _disclosure_figures(community, now)
    on_shift = _on_shift(community, now) if roles & {Role.DISPATCHER, Role.MANAGER} else []
    return {"figures": figures, "on_shift": on_shift}


def _money_figures(community: Community, roles: set[str], now: dt.datetime) -> list[Figure]:
    from sunlit.core.choices import Role
    from sunlit.finance.billing.models import Bill, BillingRun
    from sunlit.finance.charges.models import Waiver
    from sunlit.finance.expenses.models import Expense
    from sunlit.finance.online.models import CallbackRefusal

    today = timezone.localdate(now)
    overdue_units = (Bill.objects.in_community(community).unpaid().filter(due_on__lt=today)
                     .values("unit_id").distinct().count())
    rows = [
        Figure(_("减免待审批"), Waiver.objects.in_community(community).pending().count(),
               _url("finance:waiver_list")),
        Figure(_("支出待审批"), Expense.objects.in_community(community).awaiting_approval().count(),
               _url("finance:expense_list", "status=submitted")),
        Figure(_("逾期欠费户"), overdue_units, _url("finance:aging")),
    ]
    if roles & {Role.FINANCE, Role.COMPANY_ADMIN}:
        refused = CallbackRefusal.objects.in_community(community).filter(
            received_at__gte=now - dt.timedelta(days=1)).count()
        rows.append(Figure(_("24 小时内回调拒收"), refused, _url("finance:refusals"),
                           "red" if refused else "secondary"))
        last = BillingRun.objects.in_community(community).order_by("-started_at").first()
        failed = int(last is not None and last.status == "failed")
        rows.append(Figure(_("计费失败"), failed, _url("finance:run_list"),
                           "red" if failed else "secondary"))
    return rows


def _disclosure_figures(community: Community, now: dt.datetime) -> list[Figure]:
    from sunlit.board.generation import last_complete_week
    from sunlit.board.models import WeeklyBoard

    week = last_complete_week(now)
    published = WeeklyBoard.objects.in_community(community).filter(
        week_start=week, published_at__isnull=False).exists()
    return [
        Figure(_("上周曝光台未发布"), int(not published), _url("board:board_list"),
               "red" if not published else "secondary"),
        *_answers_and_controls(community, now),
    ]


def _answers_and_controls(community: Community, now: dt.datetime) -> list[Figure]:
    """Proposals whose answer is overdue and control changes awaiting a decision: on both the
    manager's workbench and the committee's."""
    from sunlit.governance.controls.models import ControlChange
    from sunlit.governance.proposals.models import Proposal

    return [
        Figure(_("金点子逾期未答复"), Proposal.objects.in_community(community).overdue(now).count(),
               _url("proposals:proposal_list", "show=overdue")),
        Figure(_("管控变更待决定"), ControlChange.objects.in_community(community).pending().count(),
               _url("governance:control_list", "status=pending")),
    ]


def _on_shift(community: Community, now: dt.datetime) -> list[dict]:
    """Who is on shift now (technicians and other field staff) and how many open tasks each has."""
    from sunlit.tickets.models import Shift, Ticket

    shifts = (Shift.objects.in_community(community).filter(starts_at__lte=now, ends_at__gt=now)
              .select_related("member__user", "member__department").order_by("member__user__display_name"))
    load = dict(Ticket.objects.in_community(community).open_load().values_list("assignee_id")
                .annotate(n=Count("pk")))
    return [{"member": s.member, "until": s.ends_at, "load": load.get(s.member_id, 0)} for s in shifts]


def committee_figures(community: Community, *, now: dt.datetime | None = None) -> list[Figure]:
    """What awaits the owners' side: boards to co-sign, entered ballots to confirm, answers
    overdue, control changes, and whether a witness is registered."""
    from django.urls import reverse

    from sunlit.board.choices import BoardStatus
    from sunlit.board.models import WeeklyBoard
    from sunlit.governance.votes.models import Ballot
    from sunlit.transparency.models import Log, WitnessKey

    now = now or timezone.now()
    witnesses = WitnessKey.objects.in_community(community).active().count()
    log = Log.objects.filter(community=community).first()
    return [
        Figure(_("曝光台待会签"), WeeklyBoard.objects.in_community(community)
               .filter(status=BoardStatus.DRAFT, cosigned_at__isnull=True, returned_at__isnull=True)
               .count(), _url("board:board_list")),
        Figure(_("录入选票待确认"), Ballot.objects.in_community(community).pending().count(),
               _url("governance:vote_list", "status=open")),
        *_answers_and_controls(community, now),
        Figure(_("已登记见证人"), witnesses,
               reverse("transparency:log", args=[log.path]) if log else _url("web:home"),
               "red" if not witnesses else "green"),
    ]
