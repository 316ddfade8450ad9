"""The company itself: a platform operator opens it with its first administrator."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sunlit.company.models import Employee
from sunlit.core.models import Organization, User
from sunlit.core.services import create_organization
from sunlit.core.validators import normalize_text, validate_mobile


@transaction.atomic
def open_company(*, name: str, admin_username: str, admin_name: str, job_number: str,
                 password: str, mobile: str = "") -> Employee:
    """物业公司开户 (platform set-up, ``sunlit createcompany``): the company and its first
    administrator, who then onboards its communities through the pages."""
    errors: dict[str, list[str]] = {}
    name, admin_username = normalize_text(name), normalize_text(admin_username)
    job_number, admin_name = normalize_text(job_number), normalize_text(admin_name)
    if not name:
        errors["name"] = [_("请填写公司名称")]
    elif Organization.objects.filter(name=name).exists():
        errors["name"] = [_("该公司已存在")]
    if not admin_username:
        errors["admin_username"] = [_("请填写管理员用户名")]
    elif User.objects.filter(username=admin_username).exists():
        errors["admin_username"] = [_("用户名已被使用")]
    if not job_number or len(job_number) > 20:
        errors["job_number"] = [_("请填写工号（最多 20 位）")]
    if mobile:
        try:
            mobile = validate_mobile(mobile)
        except ValidationError as exc:
            errors["mobile"] = exc.messages
        else:
            from sunlit.core import crypto

            if User.objects.filter(mobile_index=crypto.blind_index(mobile,
                                                                   purpose="mobile")).exists():
                errors["mobile"] = [_("该手机号已被另一个账号使用")]
    try:
        validate_password(password)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    organization = create_organization(name=name)
    user = User(username=admin_username, display_name=admin_name or admin_username,
                mobile=mobile)
    user.set_password(password)
    user.save()
    return Employee.objects.create(organization=organization, user=user, job_number=job_number,
                                   is_admin=True)
