"""Every change to the roster: buildings, units, ownership, residents, vehicles.

The package by section: ``roster`` (buildings, units, ownership, residents, vehicles), ``imports``
(roster import and export), ``accounts`` (owner activation codes); ``base`` holds the log facts.
Callers use the package: ``from sunlit.registry import services``.
"""

from sunlit.registry.services.accounts import (
    issue_owner_codes,
    reveal_activation_batch,
)
from sunlit.registry.services.base import (
    AREA_PLACES,
    LOGGED_UNIT_FIELDS,
    MAX_AREA,
    SHARE_PLACES,
    ownership_changed_event,
    ownership_ended_event,
    ownership_registered_event,
    parse_area,
    unit_changed_event,
    unit_registered_event,
)
from sunlit.registry.services.imports import (
    Progress,
    RosterImportError,
    commit_roster_import,
    discard_roster_import,
    export_roster,
    stage_roster_import,
)
from sunlit.registry.services.roster import (
    create_building,
    create_unit,
    end_ownership,
    move_out,
    register_ownership,
    register_resident,
    register_vehicle,
    remove_vehicle,
    update_unit,
    vehicle_kind_of,
)

__all__ = [
    "AREA_PLACES",
    "LOGGED_UNIT_FIELDS",
    "MAX_AREA",
    "SHARE_PLACES",
    "Progress",
    "RosterImportError",
    "commit_roster_import",
    "create_building",
    "create_unit",
    "discard_roster_import",
    "end_ownership",
    "export_roster",
    "issue_owner_codes",
    "move_out",
    "ownership_changed_event",
    "ownership_ended_event",
    "ownership_registered_event",
    "parse_area",
    "register_ownership",
    "register_resident",
    "register_vehicle",
    "remove_vehicle",
    "reveal_activation_batch",
    "stage_roster_import",
    "unit_changed_event",
    "unit_registered_event",
    "update_unit",
    "vehicle_kind_of",
]
