"""The ``sunlit`` console script: Django's management commands under friendlier names.

``sunlit demo``, ``sunlit serve``, ``sunlit worker``, ``sunlit import-roster`` ... and every
other Django command (``sunlit shell -c ...``, ``sunlit migrate``, ``sunlit check``).
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "import-roster": "import_roster",
    "export-roster": "export_roster",
    "rotate-keys": "rotate_keys",
    "load-holidays": "load_holidays",
    "issue-codes": "issue_codes",
    "purge-orphan-uploads": "purge_orphan_uploads",
    "billing-run": "billing_run",
}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "verify":
        # Offline verification needs no settings, database or data directory: skip Django.
        from sunlit.transparency.offline import main as verify

        sys.exit(verify(argv[2:]))
    if len(argv) > 1 and argv[1] == "witness":
        # A witness runs on the committee's own computer: its key and state file, no database.
        from sunlit.transparency.witness_cli import main as witness

        sys.exit(witness(argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sunlit.settings")
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
    argv[0] = "sunlit"
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
