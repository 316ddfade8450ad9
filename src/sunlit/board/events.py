"""The exposure board's event types on the log.

Registered from ``BoardConfig.ready``; the machinery is ``sunlit.transparency.events``."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from sunlit.transparency.events import MapOf, register_event

# --- board (每周曝光台): publications, co-signatures, contests and answers ---------------------------
# The published board itself is off the log; its RFC 8785 canonical content is hashed
# (content_sha256) so anyone can check the board they see against this leaf. Texts are masked.
# The committee member who co-signs or contests is an owner: his role in public, his name only
# as a commitment.

register_event(
    "board.weekly.published", label=gettext_noop("发布每周曝光台"), subject="board.weeklyboard",
    public={"week": "date", "items": "count", "new": "count", "carried": "count",
            "by_status": MapOf("enum", "count"), "untrue": "count", "content_sha256": "hash"},
)
register_event(
    "board.weekly.cosigned", label=gettext_noop("业委会会签曝光台"), subject="board.weeklyboard",
    public={"week": "date", "cosigner_role": "enum"},
    private={"cosigner": "text"},
)
register_event(
    "board.weekly.returned", label=gettext_noop("业委会退回曝光台草稿"), subject="board.weeklyboard",
    public={"week": "date", "by_role": "enum", "note": "masked_text"},
    private={"by": "text"},
)
register_event(
    "board.item.contested", label=gettext_noop("业委会质疑曝光条目"), subject="board.boardcontest",
    public={"week": "date", "number": "ref?", "text": "masked_text", "by_role": "enum"},
    private={"by": "text"},
)
register_event(
    "board.contest.answered", label=gettext_noop("答复曝光条目质疑"), subject="board.boardcontest",
    public={"week": "date", "number": "ref?", "answer": "masked_text", "by": "staff_name"},
)
register_event(
    "board.settings.changed", label=gettext_noop("曝光台会签设置"), subject="board.boardsettings",
    public={"require_cosign": "flag"},
)
