"""sunlit export-roster --community CODE --actor USERNAME -o FILE."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from sunlit.registry import services
from sunlit.registry.management.commands._roster_cli import actor_by_username, community_by_code


class Command(BaseCommand):
    help = ("Export a community's roster to .xlsx in the import format. The file holds full "
            "mobile and ID numbers: keep it safe. The export is audited.")

    def add_arguments(self, parser):
        parser.add_argument("--community", required=True, help="community code")
        parser.add_argument("--actor", required=True, help="username of the exporting user")
        parser.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
        parser.add_argument("--force", action="store_true", help="overwrite an existing file")

    def handle(self, *args, **options):
        community = community_by_code(options["community"])
        actor = actor_by_username(options["actor"])
        path = Path(options["output"])
        if path.suffix.lower() != ".xlsx":
            raise CommandError("输出文件的扩展名应为 .xlsx")
        if path.exists() and not options["force"]:
            raise CommandError(f"{path} 已存在；加 --force 覆盖")
        try:
            data = services.export_roster(community, actor=actor)
        except PermissionDenied as exc:
            raise CommandError(f"{actor.username} 在 {community.name} 没有导出档案的权限") from exc
        # Full personal data: the file is readable by its owner only, from the first byte.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        self.stdout.write(self.style.SUCCESS(
            f"已导出 {community.name} 的档案到 {path}（{len(data):,} 字节）"))
