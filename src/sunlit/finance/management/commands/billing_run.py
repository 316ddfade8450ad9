"""sunlit billing-run --community CODE --period YYYY-MM --actor USERNAME [--preview]."""

from __future__ import annotations

import datetime as dt
import sys
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from sunlit.finance.billing import services
from sunlit.finance.books import money
from sunlit.registry.management.commands._roster_cli import actor_by_username, community_by_code, table


def parse_period(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise CommandError(f"账期格式应为 YYYY-MM，而不是 {text!r}") from None


class Command(BaseCommand):
    help = ("Bill a community for one month (all fee items due that month) in one transaction; "
            "with --preview only print what the run would bill.")

    def add_arguments(self, parser):
        parser.add_argument("--community", required=True, help="community code")
        parser.add_argument("--period", required=True, help="the month, YYYY-MM")
        parser.add_argument("--actor", required=True, help="username of the finance staff member")
        parser.add_argument("--preview", action="store_true", help="print the plan, write nothing")

    def handle(self, *args, **options):
        community = community_by_code(options["community"])
        actor = actor_by_username(options["actor"])
        period = parse_period(options["period"])
        try:
            if options["preview"]:
                plan = services.preview_billing_run(community, period, actor=actor)
                self._report(plan.by_item, len(plan.bills), plan.total, plan.warnings)
                self.stdout.write(self.style.SUCCESS("预览完成，未写入任何数据。去掉 --preview 即可计费。"))
                return
            started = time.perf_counter()
            with tqdm(desc="计费", unit="户", file=sys.stderr, disable=None) as bar:
                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                run = services.run_billing(community, period, actor=actor, progress=progress)
        except PermissionDenied as exc:
            raise CommandError(f"{actor.username} 在 {community.name} 没有计费权限") from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self._report(run.summary["items"], run.bill_count, run.total, run.summary["warnings"])
        self.stdout.write(self.style.SUCCESS(
            f"{community.name} {period:%Y-%m} 计费完成：{run.bill_count} 张账单，{run.line_count} 条明细，"
            f"合计 {money.text(run.total)} 元，用时 {time.perf_counter() - started:.1f} 秒"
            f"（批次 #{run.pk}）"))

    def _report(self, by_item: dict, bills: int, total, warnings: list[str]) -> None:
        self.stdout.write(table(["收费项目", "明细", "金额（元）"],
                                [[v["name"], str(v["lines"]), money.text(v["total"])]
                                 for v in by_item.values()]))
        self.stdout.write(f"账单 {bills} 张，合计 {money.text(total)} 元")
        for warning in warnings:
            self.stdout.write(self.style.WARNING(f"注意：{warning}"))
