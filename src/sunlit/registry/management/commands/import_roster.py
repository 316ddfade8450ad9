"""sunlit import-roster FILE --community CODE --actor USERNAME [--commit]."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from sunlit.core import sheets
from sunlit.core.permissions import require
from sunlit.registry import importing, services
from sunlit.registry.management.commands._roster_cli import actor_by_username, community_by_code, table

LABELS = (("buildings", "楼栋"), ("units", "房屋"), ("persons", "人员"),
          ("ownerships", "产权登记"), ("residents", "住户"), ("vehicles", "车辆"))


class Command(BaseCommand):
    help = ("Validate a roster file (.xlsx/.csv) and print the report; with --commit, import it "
            "into the community in one transaction.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="the roster file, .xlsx or .csv")
        parser.add_argument("--community", required=True, help="community code")
        parser.add_argument("--actor", required=True, help="username of the importing manager")
        parser.add_argument("--commit", action="store_true",
                            help="import for real (without it only the report is printed)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        community = community_by_code(options["community"])
        actor = actor_by_username(options["actor"])
        if not path.is_file():
            raise CommandError(f"找不到文件 {path}")
        try:
            sheets.check_size(path.stat().st_size)  # before reading a byte of it
            data = path.read_bytes()
            if options["commit"]:
                self._commit(community, actor, path.name, data)
            else:
                require(actor, "roster.import", community=community)
                parsed, plan = importing.validate_roster(community, path.name, data)
                self._report(parsed.rows, plan.summary(), parsed.errors)
                if parsed.errors:
                    raise CommandError(f"档案有 {len(parsed.errors)} 处错误，未导入")
                self.stdout.write(self.style.SUCCESS("校验通过。加 --commit 即可导入。"))
        except PermissionDenied as exc:
            raise CommandError(f"{actor.username} 在 {community.name} 没有导入档案的权限") from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc

    def _commit(self, community, actor, filename, data):
        staged = services.stage_roster_import(community, actor=actor, filename=filename, data=data)
        self._report(staged.summary.get("rows", {}), staged.summary, staged.errors)
        if staged.errors:
            raise CommandError(f"档案有 {len(staged.errors)} 处错误，未导入")
        with tqdm(desc="导入", unit="条", file=sys.stderr, disable=None) as bar:
            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            committed = services.commit_roster_import(staged, actor=actor, progress=progress)
        self.stdout.write(self.style.SUCCESS(
            f"已导入 {committed.filename} 到 {community.name}（导入记录 #{committed.pk}）"))

    def _report(self, rows: dict, summary: dict, errors: list[dict]) -> None:
        if rows:
            self.stdout.write("数据行：" + "，".join(f"{sheet} {n}" for sheet, n in rows.items()))
        self.stdout.write(table(
            ["", "新增", "更新", "不变"],
            [[label, str(summary.get(kind, {}).get("new", 0)),
              str(summary.get(kind, {}).get("updated", 0)),
              str(summary.get(kind, {}).get("unchanged", "-"))] for kind, label in LABELS],
        ))
        if errors:
            self.stdout.write("")
            self.stdout.write(table(
                ["工作表", "行", "列", "说明"],
                [[e["sheet"] or "-", str(e["row"] or "-"), e["column"] or "-", e["message"]]
                 for e in errors],
            ))
