"""sunlit log — operate the transparency logs: audit, sign checkpoints, show verifier keys.

    sunlit log audit [--community CODE] [--key VKEY ...] [--quick]
    sunlit log sign  [--community CODE]
    sunlit log keys
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from sunlit.core.models import Community
from sunlit.transparency import note, selectors, services
from sunlit.transparency.logaudit import audit_log
from sunlit.transparency.models import Log


class Command(BaseCommand):
    help = "Audit the transparency logs, sign checkpoints, or print their verifier keys."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="{audit,sign,keys}")
        audit = sub.add_parser("audit", help="recompute every log from its leaves and check it")
        audit.add_argument("--community", help="community code (default: every log)")
        audit.add_argument("--key", action="append", default=[],
                           help="another trusted verifier key (e.g. before a key rotation)")
        audit.add_argument("--quick", action="store_true",
                           help="skip checking that every entry is canonical JSON")
        sign = sub.add_parser("sign", help="sign a checkpoint now for logs that grew")
        sign.add_argument("--community", help="community code (default: every log)")
        sub.add_parser("keys", help="print each log's origin and note verifier key")

    def _logs(self, code: str | None, *, create: bool = False):
        if code is None:
            return list(Log.objects.select_related("community").order_by("pk"))
        community = Community.objects.filter(code=code).first()
        if community is None:
            raise CommandError(f"没有编码为 {code} 的小区")
        if create:
            return [services.get_or_create_log(community)]
        log = Log.objects.filter(community=community).first()
        if log is None:
            raise CommandError(f"小区 {community.name} 还没有透明日志")
        return [log]

    def handle(self, *args, what: str, **options):
        getattr(self, f"_{what}")(**options)

    def _audit(self, *, community, key, quick, **_):
        try:
            trusted = [note.Verifier.parse(k) for k in key]
        except note.NoteError as exc:
            raise CommandError(f"验证公钥无效：{exc}") from None
        failed = 0
        for log in self._logs(community):
            with tqdm(total=log.size, desc=log.origin, unit="叶", disable=None) as bar:
                report = audit_log(log, trusted=trusted, quick=quick, progress=bar.update)
            if report.ok:
                self.stdout.write(self.style.SUCCESS(
                    f"✓ {log.origin}：{report.size} 条叶子、{report.nodes_checked} 个树节点、"
                    f"{report.checkpoints_checked} 个检查点全部核对无误"))
                continue
            failed += 1
            self.stdout.write(self.style.ERROR(f"✗ {log.origin}：发现 {len(report.findings)} 处问题"))
            if report.first_bad_index is not None:
                self.stdout.write(self.style.ERROR(f"  第一个有问题的叶子序号：{report.first_bad_index}"))
            for finding in report.findings:
                self.stdout.write(f"  {finding}")
        if failed:
            raise CommandError(f"{failed} 个日志未通过审计")

    def _sign(self, *, community, **_):
        for log in self._logs(community, create=True):
            try:
                checkpoint = services.sign_checkpoint(log)
            except services.LogIntegrityError as exc:
                raise CommandError(f"拒绝签发检查点：{exc}") from None
            if checkpoint is None:
                self.stdout.write(f"{log.origin}：自上次检查点以来没有新记录")
            else:
                self.stdout.write(self.style.SUCCESS(f"{log.origin}：已签发规模 {checkpoint.size} 的检查点"))

    def _keys(self, **_):
        for log in self._logs(None):
            self.stdout.write(f"{log.community.name}\t{log.origin}\t{selectors.verifier_key(log)}")
