"""Choice sets of the tickets app: kinds, states, priorities, channels, SLA calendars."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sunlit.core import badges


class TicketKind(models.TextChoices):
    """What the owner is telling us: 报修, 投诉, 建议 or 咨询 — one workflow for all four."""

    REPAIR = "repair", _("报修")
    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("建议")
    INQUIRY = "inquiry", _("咨询")


# The letters in front of a ticket number: BX-20261121-0001.
NUMBER_PREFIX = {
    TicketKind.REPAIR: "BX",
    TicketKind.COMPLAINT: "TS",
    TicketKind.SUGGESTION: "JY",
    TicketKind.INQUIRY: "ZX",
}


class TicketStatus(models.TextChoices):
    PENDING = "pending", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    ON_SITE = "on_site", _("处理中")
    RESOLVED = "resolved", _("待回访")
    FOLLOWED_UP = "followed_up", _("已回访")
    ARCHIVED = "archived", _("已归档")
    WITHDRAWN = "withdrawn", pgettext_lazy("ticket status", "已撤销")
    UNRESOLVABLE = "unresolvable", _("无法解决")
    REOPENED = "reopened", _("重新打开")
    SUSPENDED = "suspended", _("挂起")


# States in which nobody owes the reporter anything any more.
CLOSED_STATUSES = frozenset({TicketStatus.ARCHIVED, TicketStatus.WITHDRAWN,
                             TicketStatus.UNRESOLVABLE})


# States in which an assignee is working on it (his "open load" for dispatch).
OPEN_WORK_STATUSES = frozenset({TicketStatus.DISPATCHED, TicketStatus.ON_SITE,
                                TicketStatus.SUSPENDED, TicketStatus.REOPENED})


class Priority(models.TextChoices):
    URGENT = "urgent", _("紧急")
    NORMAL = "normal", _("一般")
    LOW = "low", _("较低")


# Where a ticket was registered. The class name is its name in the OpenAPI schema, which keeps one
# component per name: ballots have a BallotChannel (tests/api/test_schema.py).
class TicketChannel(models.TextChoices):
    APP = "app", _("业主端")
    PHONE = "phone", _("电话")
    COUNTER = "counter", _("前台")
    API = "api", _("接口")


Channel = TicketChannel


class SlaCalendar(models.TextChoices):
    """How a promised time is counted: round the clock, or only in working time."""

    ALWAYS = "24x7", _("全天候（7×24小时）")
    WORKING = "working", _("工作时间")


class Action(models.TextChoices):
    """The verbs of the workflow (see ``workflow.TRANSITIONS``)."""

    SUBMIT = "submit", _("提交")
    ACCEPT = "accept", _("受理")
    DISPATCH = "dispatch", _("派单")
    TAKE = "take", _("接单")
    ARRIVE = "arrive", _("到场")
    RESOLVE = "resolve", _("处理完成")
    FOLLOW_UP = "follow_up", _("回访")
    ARCHIVE = "archive", _("归档")
    WITHDRAW = "withdraw", _("撤销")
    MARK_UNRESOLVABLE = "mark_unresolvable", _("无法解决")
    REOPEN = "reopen", _("重新打开")
    SUSPEND = "suspend", _("挂起")
    RESUME = "resume", _("恢复处理")
    RATE = "rate", _("评价")
    QUOTE = "quote", _("报价")
    ACCEPT_QUOTE = "accept_quote", _("同意报价")
    REJECT_QUOTE = "reject_quote", _("拒绝报价")
    ESCALATE = "escalate", _("超时升级")


class QuoteStatus(models.TextChoices):
    PENDING = "pending", _("待业主确认")
    ACCEPTED = "accepted", _("业主已同意")
    REJECTED = "rejected", _("业主已拒绝")
    SUPERSEDED = "superseded", _("已被新报价取代")


class SlaStep(models.TextChoices):
    ACCEPT = "accept", _("受理")
    ARRIVE = "arrive", _("到场")
    RESOLVE = "resolve", _("办结")


class EscalationLevel(models.TextChoices):
    """How far a late promised time has gone: 80 % → the assignee, breach → the manager,
    twice the target → the company."""

    WARN = "warn", _("即将超时")
    BREACH = "breach", _("已超时")
    COMPANY = "company", _("严重超时")


# --- status badges (core.badges) ------------------------------------------------------------------

S = TicketStatus
badges.register("tickets.ticket", {
    S.PENDING: "orange", S.ACCEPTED: "azure", S.DISPATCHED: "blue", S.ON_SITE: "indigo",
    S.RESOLVED: "teal", S.FOLLOWED_UP: "green", S.ARCHIVED: "secondary", S.WITHDRAWN: "secondary",
    S.UNRESOLVABLE: "red", S.REOPENED: "pink", S.SUSPENDED: "yellow",
})
badges.register("tickets.quote", {QuoteStatus.ACCEPTED: "green", QuoteStatus.REJECTED: "red",
                                  QuoteStatus.PENDING: "yellow"})
