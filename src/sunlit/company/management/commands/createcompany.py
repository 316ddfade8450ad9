"""sunlit createcompany — open a property company with its first administrator."""

from __future__ import annotations

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sunlit.company.services import open_company


class Command(BaseCommand):
    help = "Open a property company (物业公司) and its first administrator, who onboards its " \
           "communities at /company/."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="公司名称")
        parser.add_argument("--admin", required=True, help="管理员用户名")
        parser.add_argument("--admin-name", default="", help="管理员姓名")
        parser.add_argument("--job-number", default="HQ001", help="管理员工号")
        parser.add_argument("--mobile", default="", help="管理员手机号（可用手机号登录）")
        parser.add_argument("--password", help="prompted for when omitted")

    def handle(self, *args, name, admin, admin_name, job_number, mobile, password, **options):
        if not password:
            password = getpass.getpass("密码: ")
            if password != getpass.getpass("再次输入: "):
                raise CommandError("两次输入的密码不一致")
        try:
            employee = open_company(name=name, admin_username=admin, admin_name=admin_name,
                                    job_number=job_number, password=password, mobile=mobile)
        except ValidationError as exc:
            raise CommandError("；".join(f"{k}: {' '.join(v)}" for k, v in
                                        exc.message_dict.items())) from None
        self.stdout.write(self.style.SUCCESS(
            f"已开通 {employee.organization.name}，管理员 {employee.user.username}："
            "登录后在“公司总览”新建小区"))
