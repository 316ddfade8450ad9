"""sunlit witness — run a transparency-log witness (see ``sunlit.transparency.witness``).

``sunlit witness`` itself runs ``sunlit.transparency.witness`` without loading Django (no
settings, no database: the witness has its own key and state file); this command is the same
through ``django-admin`` / ``manage.py``.

    sunlit witness init   --name NAME --state FILE
    sunlit witness run    --state FILE --log URL [--log URL ...] [--log-key VKEY] [--once] [--interval S]
    sunlit witness serve  --state FILE [--host H] [--port P] [--log-key VKEY ...]
    sunlit witness status --state FILE
    sunlit witness forget --state FILE ORIGIN
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sunlit.transparency import witness, witness_cli

_DJANGO_OPTIONS = {"verbosity", "settings", "pythonpath", "traceback", "no_color", "force_color",
                   "skip_checks"}


class Command(BaseCommand):
    help = "Run a C2SP tlog-witness: cosign a log's checkpoints only while it stays append-only."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        witness_cli.add_arguments(parser)

    def handle(self, *args, **options):
        wanted = {k: v for k, v in options.items() if k not in _DJANGO_OPTIONS}
        try:
            status = witness_cli.run(wanted, self.stdout, self.stderr)
        except witness.WitnessFailure as exc:
            raise CommandError(f"见证失败：{exc}") from None
        if status:
            raise CommandError("见证人拒绝联署或未能完成，详见上方信息", returncode=status)
