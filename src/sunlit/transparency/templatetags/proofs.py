"""已存证 on any page: ``{% load proofs %}``.

For one object::

    {% proof_badge unit %}

For a list, look the whole list up first (two queries for any number of rows and kinds of
object), then badge each row from that; ``compact`` is the one-line form for list items::

    {% proof_statuses homes attr="unit owners" as proofs %}
    {% for home in homes %}{% proof_badge home.unit proofs %}
      {% for o in home.owners %}{% proof_badge o proofs compact=True %}{% endfor %}{% endfor %}

The badge carries the bundle URL, the log's origin and its note verifier key; the page's
``sunlit/verify.js`` does the verifying, in the browser. A page with badges loads it once, with
its translated messages, by ``{% proof_verify_script %}`` (in its ``scripts`` block).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django import template
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext as _

from sunlit.core.permissions import can
from sunlit.transparency import selectors
from sunlit.transparency.events import REGISTRY

register = template.Library()


def _flatten(value) -> list[models.Model]:
    """The model instances in ``value``: one, or lists (of lists) of them; others skipped."""
    if isinstance(value, models.Model):
        return [value]
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return []  # None, or "" for a name the template did not have
    return [item for v in value for item in _flatten(v)]


@register.simple_tag
def proof_statuses(*objects, attr: str = "") -> dict:
    """The log status of all the objects given (models, lists of them), at once.

    ``attr`` names attributes (space-separated) to take from each item instead, each a model
    or a list of models: ``attr="unit owners"`` of households.
    """
    if attr:
        rows = [row for value in objects for row in (
            value if isinstance(value, Iterable) and not isinstance(value, str | models.Model)
            else [value])]
        objects = [getattr(row, name, None) for row in rows for name in attr.split()]
    return selectors.proof_statuses(_flatten(objects))


@register.inclusion_tag("transparency/partials/proof_badge.html", takes_context=True)
def proof_badge(context, obj, statuses: dict | None = None, compact: bool = False) -> dict:
    """已存证 · 验证 · 下载证明 for one object; nothing when the log holds no leaf about it."""
    if obj is None or obj.pk is None:
        return {"status": None}
    if statuses is None:
        statuses = selectors.proof_statuses([obj])
    status = statuses.get(selectors.subject_key(obj))
    if status is None:
        return {"status": None}
    user = context.get("user") or getattr(context.get("request"), "user", None)
    bundle_url = "{}?{}".format(
        reverse("api:proof_bundle", kwargs={"community_id": status.community_id}),
        urlencode({"subject_type": status.subject_type, "subject_id": status.subject_id}))
    return {
        "status": status,
        "compact": compact,
        "can_verify": can(user, "log.read_entries", community=status.community_id),
        "bundle_url": bundle_url,
        "download_name": f"proof-{status.subject_type}-{status.subject_id}.json",
        "element_id": f"proof-{status.subject_type.replace('.', '-')}-{status.subject_id}",
    }


@register.inclusion_tag("transparency/partials/proof_script.html")
def proof_verify_script() -> dict:
    """``sunlit/verify.js`` and what it says, in the page's language ({name} placeholders)."""
    messages = {
        "verifying": _("正在浏览器中验证……"),
        # Joins a list of record numbers in a message ("3、5、7" / "3, 5, 7").
        "list_separator": _("、"),
        "ok_one": _("验证通过：该记录为日志第 {index} 号记录，包含在检查点（共 {size} 条记录）中，签名有效"),
        "ok_many": _("验证通过：该对象的 {count} 条记录（日志第 {indexes} 号）均包含在检查点"
                     "（共 {size} 条记录）中，签名有效"),
        "failed": _("验证失败：{reason}"),
        "pending": _("另有 {count} 条新记录尚未签入检查点，稍后可再验证。"),
        "no_checkpoint": _("该记录已写入日志，尚未签入检查点；检查点每分钟签发，请稍后再验证。"),
        "no_entries": _("证明包中没有该对象的记录"),
        "no_crypto": _("此页面无法使用浏览器的加密功能（需要 HTTPS 连接）"),
        "no_ed25519": _("此浏览器不支持 Ed25519 签名验证，请升级浏览器"),
        "fetch_failed": _("无法获取证明包（{status}）"),
        "network": _("网络错误"),
        "not_bundle": _("证明包格式不正确"),
        "wrong_subject": _("证明包不是关于该对象的"),
        "bad_key": _("日志公钥格式不正确"),
        "key_id_mismatch": _("日志公钥的密钥 ID 与名称和公钥不符"),
        "key_origin_mismatch": _("日志公钥的名称与日志标识不符"),
        "bad_note": _("检查点不是有效的签名文本（C2SP signed note）"),
        "no_signature": _("检查点上没有该日志公钥的签名"),
        "bad_signature": _("签名无效"),
        "bad_checkpoint": _("检查点格式错误（C2SP tlog-checkpoint）"),
        "origin_mismatch": _("检查点的日志标识与日志公钥不符"),
        "leaf_hash_mismatch": _("第 {index} 号记录的内容与其哈希不符"),
        "leaf_unreadable": _("第 {index} 号记录不是有效的 JSON"),
        "leaf_other_subject": _("第 {index} 号记录不是关于该对象的"),
        "inclusion_failed": _("包含证明不成立（第 {index} 号记录）"),
        "unexpected": _("验证出错：{detail}"),
        "label_checkpoint": _("检查点"),
        "checkpoint_value": _("{origin} · 共 {size} 条记录"),
        "label_root": _("树根哈希"),
        "label_entry": _("第 {index} 号记录"),
        "label_key": _("日志公钥"),
        "label_cosignatures": _("见证人联署"),
        "cosignatures_note": _("见证人联署在此仅列出、未核对；"
                               "请用 sunlit verify checkpoint --witness 核对见证人公钥。"),
    }
    labels = {name: _(event.label) for name, event in REGISTRY.items()}
    return {"config": {"messages": messages, "labels": labels}}
