"""Roster files — 档案导入: reading .xlsx/.csv rosters, validating every row, planning an import.

Nothing in this module writes. ``parse_roster`` turns the bytes of an uploaded file into cleaned
rows plus a list of errors, each pointing at a sheet, an Excel row number and a column header.
``plan_import`` compares those rows with what a community already holds (people are matched by
the blind indexes of their ID or mobile number, never by decrypting) and says what committing
would create or change; ``services.commit_roster_import`` applies such a plan in one transaction.

The file format is documented in ``docs/roster.md``; ``exporting`` writes exactly this format, so
an export can be imported again.

The package: ``rows`` (the format and the cleaned rows), ``parsing`` (file to rows, every error
placed), ``planning`` (rows against the community). Reading the file itself is ``core.sheets``.
"""

from sunlit.registry.importing.parsing import (
    TARGETS,
    VALIDATORS,
    chinese_label,
    credit_code_ok,
    parse_floor,
    parse_roster,
    parse_share,
)
from sunlit.registry.importing.planning import (
    ImportPlan,
    PersonPlan,
    not_ended,
    plan_import,
    validate_roster,
)
from sunlit.registry.importing.rows import (
    HEADER_SEARCH_ROWS,
    LENGTHS,
    MAX_CELL_CHARS,
    MAX_ERRORS,
    RESIDENTS_TABLE,
    SHARE_PLACES,
    SHEET_ORDER,
    SHEET_RESIDENTS,
    SHEET_UNITS,
    SHEET_VEHICLES,
    TABLES,
    UNITS_TABLE,
    VEHICLES_TABLE,
    Col,
    ParsedRoster,
    PersonRef,
    ResidentRow,
    Table,
    UnitKey,
    UnitRow,
    VehicleRow,
    capped_errors,
    sort_errors,
    unit_label,
)

__all__ = [
    "HEADER_SEARCH_ROWS",
    "LENGTHS",
    "MAX_CELL_CHARS",
    "MAX_ERRORS",
    "RESIDENTS_TABLE",
    "SHARE_PLACES",
    "SHEET_ORDER",
    "SHEET_RESIDENTS",
    "SHEET_UNITS",
    "SHEET_VEHICLES",
    "TABLES",
    "TARGETS",
    "UNITS_TABLE",
    "VALIDATORS",
    "VEHICLES_TABLE",
    "Col",
    "ImportPlan",
    "ParsedRoster",
    "PersonPlan",
    "PersonRef",
    "ResidentRow",
    "Table",
    "UnitKey",
    "UnitRow",
    "VehicleRow",
    "capped_errors",
    "chinese_label",
    "credit_code_ok",
    "not_ended",
    "parse_floor",
    "parse_roster",
    "parse_share",
    "plan_import",
    "sort_errors",
    "unit_label",
    "validate_roster",
]
