"""sunlit demo — migrate, load the demo (明强小区 and 明强小区二期), print the accounts, serve it
with a worker.

``sunlit demo``                       the two demo communities, served on http://127.0.0.1:8000/
``sunlit demo --load-only``           load and print, do not serve
``sunlit demo --units N --communities M --load-only``   a large data set for benchmarks
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import time
import unicodedata

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from sunlit.demo import BLOCK_UNITS, MIN_UNITS, DemoConflict, DemoResult, load_demo


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _set_parent_death_signal() -> None:
    """Linux: the worker gets SIGTERM if the demo process dies without cleaning up."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Command(BaseCommand):
    help = "Load the demo community 明强小区 (deterministic) and serve it with a background worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--load-only", action="store_true",
                            help="load the data and print the accounts, do not serve")
        parser.add_argument("--units", type=int, default=BLOCK_UNITS,
                            help=f"units per community (at least {MIN_UNITS}; default {BLOCK_UNITS})")
        parser.add_argument("--communities", type=int, default=2,
                            help="number of communities (the first is 明强小区; the first two "
                                 "get a year of work, so the company view compares them)")
        parser.add_argument("--seed", type=int, default=2026, help="same seed, same data")
        parser.add_argument("--no-worker", action="store_true",
                            help="serve without the background worker (Huey consumer)")

    def handle(self, *args, host, port, load_only, units, communities, seed, no_worker,
               **options):
        if units < MIN_UNITS:
            raise CommandError(f"--units 至少为 {MIN_UNITS}")
        if communities < 1:
            raise CommandError("--communities 至少为 1")
        # Online payments in the demo: the local simulator (模拟支付) stands in for WeChat Pay and
        # Alipay unless real merchants are configured (finance.online.gateways.config).
        os.environ.setdefault("SUNLIT_PAYMENTS_SANDBOX", "local")
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        migrated = time.perf_counter()
        total = units * communities
        with tqdm(total=total, unit="套", desc="载入演示数据", disable=None, file=sys.stderr,
                  dynamic_ncols=True) as bar:
            try:
                result = load_demo(units=units, communities=communities, seed=seed,
                                   progress=bar.update)
            except DemoConflict as exc:
                raise CommandError(str(exc)) from None
        self._report(result, migrate_seconds=migrated - started)
        if load_only:
            return
        self._serve(host=host, port=port, worker=not no_worker)

    def _report(self, result: DemoResult, *, migrate_seconds: float) -> None:
        out = self.stdout
        out.write("")
        if result.created:
            rate = result.units_created / result.seconds if result.seconds else 0
            out.write(self.style.SUCCESS(
                f"演示数据已载入：{result.units_created:,} 套房屋，用时 {result.seconds:.1f} 秒"
                f"（{rate:,.0f} 套/秒；数据库迁移 {migrate_seconds:.1f} 秒）"))
        else:
            out.write(self.style.SUCCESS(
                f"演示数据已存在，未重复载入（检查用时 {result.seconds:.1f} 秒）"))
        out.write(f"{result.organization.name}")
        for c in result.communities:
            out.write(
                f"  {c.name}（{c.code}，{c.city}）：{c.buildings} 栋，房屋 {c.units:,} 套"
                f"（住宅 {c.flats:,}，商铺 {c.shops}，车位 {c.parking:,}，储藏室 {c.storage:,}），"
                f"专有面积 {c.area:,.2f} ㎡")
            out.write(
                f"    业主 {c.owners:,} 人（多套房业主 {c.multi_unit_owners:,} 人），"
                f"共有产权房屋 {c.co_owned_units:,} 套，开发商未售 {c.unsold_units:,} 套，"
                f"已售未交付 {c.undelivered_units:,} 套")
            out.write(
                f"    出租房屋 {c.tenant_units:,} 套，在住住户 {c.residents:,} 人，"
                f"登记车辆 {c.vehicles:,} 辆（新能源 {c.new_energy_vehicles:,} 辆），"
                f"人员档案 {c.persons:,} 人")
        for warning in result.warnings:
            out.write(self.style.WARNING(f"注意：{warning}"))
        out.write("")
        out.write(self.style.MIGRATE_HEADING(
            f"演示账号（密码均为 {result.password}，仅供演示，切勿用于真实数据）"))
        rows = [("角色", "用户名", "姓名", "看点")]
        for a in result.accounts:
            look_at = a.look_at + (f"（手机号 {a.mobile}）" if a.mobile else "")
            rows.append((a.role_label, a.username, a.display_name, look_at))
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            out.write("  " + "  ".join(_pad(v, w) for v, w in zip(row[:3], widths, strict=True))
                      + "  " + row[3])
        out.write("")

    def _serve(self, *, host: str, port: int, worker: bool) -> None:
        process: subprocess.Popen | None = None

        def stop_worker() -> None:
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()

        def on_sigterm(signum, frame):
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, on_sigterm)
        if worker:
            # The Huey consumer in its own process, so that schedules fire in the demo too.
            process = subprocess.Popen(
                [sys.executable, "-m", "sunlit.cli", "worker"],
                preexec_fn=_set_parent_death_signal if sys.platform == "linux" else None,
            )
            atexit.register(stop_worker)
            self.stdout.write(f"后台任务进程已启动（pid {process.pid}），按 Ctrl+C 停止")
        try:
            call_command("serve", host=host, port=port)  # prints "serving on http://H:P/"
        except KeyboardInterrupt:
            pass
        except OSError as exc:  # the port is taken, or the address is not ours
            raise CommandError(f"无法在 {host}:{port} 上提供服务：{exc}（可用 --port 换一个端口）") from None
        finally:
            stop_worker()
