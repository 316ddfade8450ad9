"""The roster's event types on the log: units, titles (产权), imports.

Registered from ``RegistryConfig.ready``; the machinery is ``sunlit.transparency.events``."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from sunlit.transparency.events import ListOf, MapOf, register_event

# Public fields are unit-level facts only: what later decides fees (area × price, delivery)
# and votes (area, who holds the title). Who the owner is goes in only as commitments.

UNIT_FACTS = {"unit": "unit_label", "building": "masked_text", "floor": "number", "area": "area",
              "usage": "enum", "delivery_status": "enum", "delivered_on": "date?"}
#: {field: [old, new]} of what changed (as text)
UNIT_CHANGES = MapOf("enum", ListOf("unit_fact?"))

register_event(
    "roster.unit.registered", label=gettext_noop("登记房屋"), subject="registry.unit", public=UNIT_FACTS,
)
register_event(
    "roster.unit.changed", label=gettext_noop("变更房屋信息"), subject="registry.unit",
    # the unit's facts after the change, and {field: [old, new]} of what changed (as text)
    public={**UNIT_FACTS, "changes": UNIT_CHANGES},
)
register_event(
    "roster.ownership.registered", label=gettext_noop("登记产权"), subject="registry.ownership",
    # share with four places ("0.5000"), as stored; the owner only as commitments
    public={"unit": "unit_label", "share": "decimal", "start": "date"},
    private={"owner_name": "text", "owner_id_number": "text?"},
)
register_event(
    "roster.ownership.changed", label=gettext_noop("变更产权份额"), subject="registry.ownership",
    public={"unit": "unit_label", "share": "decimal", "changes": UNIT_CHANGES},
)
register_event(
    "roster.ownership.ended", label=gettext_noop("产权终止"), subject="registry.ownership",
    public={"unit": "unit_label", "end": "date"},
)
register_event(
    "roster.import.committed", label=gettext_noop("档案导入"), subject="registry.rosterimport",
    # the uploaded file by its SHA-256 and size (not its name), its rows per sheet, and
    # {kind: {new, updated, unchanged}} of what it wrote
    public={"sha256": "hash", "size": "number", "rows": MapOf("label", "count"),
            "counts": MapOf("enum", MapOf("enum", "count"))},
)
