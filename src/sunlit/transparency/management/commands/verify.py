"""sunlit verify — offline checks of checkpoints, proofs and bundles (see ``offline``).

``sunlit verify`` itself runs ``sunlit.transparency.offline`` without loading Django; this
command is the same through ``django-admin`` / ``manage.py``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sunlit.transparency import offline


class Command(BaseCommand):
    help = "Verify a signed checkpoint, an inclusion or consistency proof, or a proof bundle offline."
    requires_system_checks: list = []

    def add_arguments(self, parser):
        offline.add_arguments(parser)

    def handle(self, *args, **options):
        wanted = {k: v for k, v in options.items() if k not in _DJANGO_OPTIONS}
        try:
            offline.run(wanted, self.stdout)
        except offline.VerifyFailure as exc:
            raise CommandError(str(exc)) from None


_DJANGO_OPTIONS = {"verbosity", "settings", "pythonpath", "traceback", "no_color", "force_color",
                   "skip_checks"}
