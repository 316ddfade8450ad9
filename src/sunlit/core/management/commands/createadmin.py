"""sunlit createadmin — a platform administrator (Django admin access)."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from sunlit.core.models import User


class Command(BaseCommand):
    help = "Create (or reset the password of) a platform administrator."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", help="prompted for when omitted")
        parser.add_argument("--name", default="平台管理员")

    def handle(self, *args, username, password, name, **options):
        if not password:
            password = getpass.getpass("密码: ")
            if password != getpass.getpass("再次输入: "):
                raise CommandError("两次输入的密码不一致")
        if len(password) < 8:
            raise CommandError("密码至少 8 位")
        user, created = User.objects.get_or_create(username=username,
                                                   defaults={"display_name": name})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(self.style.SUCCESS(
            f"{'已创建' if created else '已更新'}平台管理员 {username}"))
