"""sunlit issue-codes --community CODE [--building NAME] --actor USERNAME."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sunlit.core.services import ACTIVATION_VALID_DAYS
from sunlit.registry import services
from sunlit.registry.management.commands._roster_cli import actor_by_username, community_by_code, table
from sunlit.registry.models import Building


class Command(BaseCommand):
    help = ("Issue one-time activation codes to the owners without an account (all, or those of "
            "one building) and print them. Codes are secrets; printing them is audited.")

    def add_arguments(self, parser):
        parser.add_argument("--community", required=True, help="community code")
        parser.add_argument("--building", help="only the owners of this building (its name)")
        parser.add_argument("--actor", required=True, help="username of the issuing staff member")
        parser.add_argument("--valid-days", type=int, default=ACTIVATION_VALID_DAYS,
                            help=f"days the codes stay valid (default {ACTIVATION_VALID_DAYS})")

    def handle(self, *args, **options):
        community = community_by_code(options["community"])
        actor = actor_by_username(options["actor"])
        building = None
        if options["building"]:
            building = Building.objects.in_community(community).filter(
                name=options["building"]).first()
            if building is None:
                raise CommandError(f"{community.name} 没有名为 {options['building']!r} 的楼栋")
        if not 1 <= options["valid_days"] <= 365:
            raise CommandError("--valid-days 应在 1 到 365 之间")
        try:
            batch = services.issue_owner_codes(community, actor=actor, building=building,
                                               valid_days=options["valid_days"])
            codes = services.reveal_activation_batch(community, batch, actor=actor)
        except PermissionDenied as exc:
            raise CommandError(f"{actor.username} 在 {community.name} 没有发放激活码的权限") from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        rows = []
        for code in codes:
            person = code.person
            rows.append([
                "、".join(o.unit.label for o in person.current_ownerships) or "-",
                person.masked_name, person.masked_mobile,
                f"{code.code[:5]}-{code.code[5:]}",
                timezone.localtime(code.expires_at).strftime("%Y-%m-%d"),
            ])
        self.stdout.write(table(["房屋", "业主", "手机号", "激活码", "有效期至"], rows))
        self.stdout.write(self.style.SUCCESS(
            f"已为 {len(codes)} 位业主生成激活码（批次 {batch}）；"
            "业主在 /activate/ 输入手机号和激活码开户。"))
