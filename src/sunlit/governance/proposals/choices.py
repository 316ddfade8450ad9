"""Choice sets of proposals (金点子), interim-meeting requests and vote notifications."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sunlit.core import badges


class ProposalKind(models.TextChoices):
    IDEA = "idea", _("金点子")
    INTERIM_MEETING = "interim", _("临时业主大会提议")


class ProposalCategory(models.TextChoices):
    ENVIRONMENT = "environment", _("环境绿化")
    FACILITIES = "facilities", _("设施设备")
    SAFETY = "safety", _("安全秩序")
    PARKING = "parking", _("停车交通")
    FEES = "fees", _("收费与账目")
    SERVICE = "service", _("物业服务")
    RULES = "rules", _("规约与议事")
    OTHER = "other", _("其他")


class ProposalStatus(models.TextChoices):
    """``open → awaiting → answered → closed``; ``withdrawn`` by the author before the answer."""

    OPEN = "open", _("征集支持中")
    AWAITING = "awaiting", _("待业委会答复")
    ANSWERED = "answered", _("已答复")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


badges.register("governance.proposal", {
    ProposalStatus.OPEN: "azure", ProposalStatus.AWAITING: "orange", ProposalStatus.ANSWERED: "green",
    ProposalStatus.CLOSED: "teal"})


#: Statuses in which the proposal still collects support (signatures) and may be withdrawn.
COLLECTING = frozenset({ProposalStatus.OPEN})
#: Statuses in which the committee may answer.
ANSWERABLE = frozenset({ProposalStatus.OPEN, ProposalStatus.AWAITING})


class Decision(models.TextChoices):
    ACCEPTED = "accepted", _("采纳")
    DECLINED = "declined", _("不予采纳")
    TO_VOTE = "to_vote", _("转为业主表决")
    TO_TICKET = "to_ticket", _("转为工单办理")
    CONVENED = "convened", _("已组织召开临时业主大会")


class ProposalFilter(models.TextChoices):
    """The filters of the proposal list (page and API)."""

    OPEN = "open", _("征集中")
    AWAITING = "awaiting", _("待答复")
    OVERDUE = "overdue", _("逾期未答复")
    ANSWERED = "answered", _("已答复")


class VoteNoticeStage(models.TextChoices):
    ANNOUNCED = "announced", _("公告通知")
    OPENED = "opened", _("开始投票通知")
    REMINDER = "reminder", _("截止前两天提醒")
