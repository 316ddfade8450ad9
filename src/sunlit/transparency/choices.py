"""Choice sets of the transparency app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Problem(models.TextChoices):
    """What ``sunlit log audit`` can find wrong with a stored log."""

    GAP = "gap", _("叶子序号不连续")
    LEAF_HASH = "leaf_hash", _("叶子内容与叶子哈希不符")
    LEAF_FORMAT = "leaf_format", _("叶子不是规范的事件 JSON")
    NODE = "node", _("存储的树节点与重新计算的不符")
    NODE_COUNT = "node_count", _("树节点缺失或多余")
    HEAD = "head", _("日志记录的规模、根哈希或边界与重新计算的不符")
    CHECKPOINT_SIGNATURE = "checkpoint_signature", _("检查点签名无效")
    CHECKPOINT_CONTENT = "checkpoint_content", _("检查点内容与记录不符")
    CHECKPOINT_ROOT = "checkpoint_root", _("检查点的根哈希与重新计算的不符")
