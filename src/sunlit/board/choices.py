"""Choice sets of the board app: board states, item sections and the public item status."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sunlit.core import badges


class BoardStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class Section(models.TextChoices):
    """本周新问题: raised in the week; 老问题: raised earlier, still open when the week began."""

    NEW = "new", _("本周新问题")
    CARRIED = "carried", _("老问题")


class ItemStatus(models.TextChoices):
    """What the board says about a problem at the week's end (seed 003: 已解决 / 处理中 / 无法解决)."""

    RESOLVED = "resolved", _("已解决")
    IN_PROGRESS = "in_progress", _("处理中")
    UNRESOLVABLE = "unresolvable", _("无法解决")
    WITHDRAWN = "withdrawn", _("业主已撤销")


# the status of a published item (a board's content, not a model): in progress unless settled
badges.register("board.item", {ItemStatus.RESOLVED: "green", ItemStatus.UNRESOLVABLE: "red",
                               ItemStatus.WITHDRAWN: "secondary"}, default="yellow")
