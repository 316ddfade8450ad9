"""sunlit purge_orphan_uploads — delete uploaded files that no record refers to."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from sunlit.core.uploads import purge_orphan_uploads


class Command(BaseCommand):
    help = "Delete uploads (rows and files) that nothing refers to, some hours after upload."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24,
                            help="only uploads older than this many hours (default 24)")
        parser.add_argument("--dry-run", action="store_true", help="only count them")

    def handle(self, *args, hours: int, dry_run: bool, **options):
        count = purge_orphan_uploads(older_than=dt.timedelta(hours=max(hours, 1)), dry_run=dry_run)
        verb = "可删除" if dry_run else "已删除"
        self.stdout.write(self.style.SUCCESS(f"{verb} {count} 个无引用的上传文件（早于 {hours} 小时）"))
