"""What the board's pages and its API read."""

from __future__ import annotations

from sunlit.board.choices import Section
from sunlit.board.models import WeeklyBoard


def view_model(board: WeeklyBoard) -> dict:
    """What the week page and the poster show: the frozen content, or the draft's live items."""
    if board.is_published:
        content = board.content
        items = content.get("items", [])
    else:
        content = board.content
        items = [{**item.facts, "measures": item.measures, "untrue": item.is_untrue,
                  "untrue_reason": item.untrue_reason, "item_id": item.pk}
                 for item in board.items.order_by("position", "id")]
    ids = ({item.facts.get("number"): item.pk for item in board.items.only("id", "facts")}
           if board.is_published else {})
    for item in items:
        item.setdefault("item_id", ids.get(item["number"]))
    return {"content": content, "stats": content.get("stats", {}),
            "new_items": [i for i in items if i["section"] == Section.NEW],
            "carried_items": [i for i in items if i["section"] == Section.CARRIED],
            "items": items}
