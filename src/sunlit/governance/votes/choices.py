"""Choice sets of owners' votes (Civil Code art. 278)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sunlit.core import badges


class MatterKind(models.TextChoices):
    """The nine kinds of matter of Civil Code art. 278 para. 1, in the article's order."""

    RULES = "rules", _("制定和修改业主大会议事规则")
    COVENANT = "covenant", _("制定和修改管理规约")
    COMMITTEE = "committee", _("选举业主委员会或者更换业主委员会成员")
    MANAGER = "manager", _("选聘和解聘物业服务企业或者其他管理人")
    USE_FUND = "use_fund", _("使用建筑物及其附属设施的维修资金")
    RAISE_FUND = "raise_fund", _("筹集建筑物及其附属设施的维修资金")
    REBUILD = "rebuild", _("改建、重建建筑物及其附属设施")
    COMMON_USE = "common_use", _("改变共有部分的用途或者利用共有部分从事经营活动")
    OTHER = "other", _("有关共有和共同管理权利的其他重大事项")


#: Items 6–8 of art. 278: approval by ≥ 3/4 of participating area and owners (else > 1/2).
SPECIAL_MATTERS = frozenset({MatterKind.RAISE_FUND, MatterKind.REBUILD, MatterKind.COMMON_USE})


class VoteStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ANNOUNCED = "announced", _("已公告")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已截止")
    PUBLISHED = "published", _("已公布结果")
    EFFECTIVE = "effective", _("已生效")
    CANCELLED = "cancelled", _("已撤销")


badges.register("governance.vote", {
    VoteStatus.OPEN: "green", VoteStatus.ANNOUNCED: "azure", VoteStatus.EFFECTIVE: "teal",
    VoteStatus.PUBLISHED: "purple", VoteStatus.CANCELLED: "secondary"}, default="yellow")


#: Statuses in which the vote's text, window and scope may still be changed.
EDITABLE_STATUSES = frozenset({VoteStatus.DRAFT})
#: Statuses that owners see (drafts only the organisers).
PUBLIC_STATUSES = frozenset(set(VoteStatus) - {VoteStatus.DRAFT})
#: Statuses after the close: the result may be shown.
RESULT_STATUSES = frozenset({VoteStatus.PUBLISHED, VoteStatus.EFFECTIVE})


class VoteScope(models.TextChoices):
    COMMUNITY = "community", _("全体业主")
    BUILDINGS = "buildings", _("指定楼栋")
    UNITS = "units", _("指定房屋")


class Choice(models.TextChoices):
    YES = "yes", _("同意")
    NO = "no", _("反对")
    ABSTAIN = "abstain", _("弃权")


# How a ballot reached the vote. The class name is its name in the OpenAPI schema, which keeps one
# component per name: tickets have a TicketChannel (tests/api/test_schema.py).
class BallotChannel(models.TextChoices):
    ONLINE = "online", _("线上投票")
    PAPER = "paper", _("纸质表决票")
    PROXY = "proxy", _("委托投票")


Channel = BallotChannel


#: Channels that are entered (by staff or the committee) and confirmed by a committee member.
ENTERED_CHANNELS = frozenset({Channel.PAPER, Channel.PROXY})


class BallotStatus(models.TextChoices):
    PENDING = "pending", _("待业委会复核")
    VALID = "valid", _("有效")
    REJECTED = "rejected", _("未计入")
    # confirmed by the committee, but the unit's owners have voted online: it counts only if an
    # owner of the unit accepts it before the close (docs/governance.md, "Entered ballots")
    HELD = "held", _("与线上投票冲突，待业主确认")


badges.register("governance.ballot", {
    BallotStatus.PENDING: "yellow", BallotStatus.HELD: "yellow", BallotStatus.VALID: "green"},
    default="red")
