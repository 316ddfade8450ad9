"""An owner who already has an account binds a home in another community on his phone; the
activation page sends him there instead of opening a second account."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sunlit.core.choices import Role
from sunlit.core.models import ActivationCode
from sunlit.core.services import issue_activation_codes
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.factories import OwnershipFactory, UnitFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_binds_a_home_on_his_phone(live_server, phone, owner, other_community, make_member):
    service = make_member(Role.SERVICE, other_community, username="service_b")
    unit = UnitFactory(building__community=other_community, building__name="8号楼", number="808")
    person = OwnershipFactory(unit=unit, person__community=other_community, person__name="王小明",
                              person__mobile=owner.mobile).person
    issue_activation_codes(other_community, [person], actor=service)
    code = ActivationCode.objects.usable(timezone.now()).get(person=person).code
    base = live_server.url

    # the activation page refuses a second account and points to logging in
    phone.goto(f"{base}/activate/")
    phone.get_by_label("手机号").fill(owner.mobile)
    phone.get_by_label("激活码").fill(code)
    phone.get_by_label("设置密码").fill("another-pass-88")
    phone.get_by_label("再次输入密码").fill("another-pass-88")
    phone.get_by_role("button", name="开户并登录").click()
    assert "该手机号已有账号" in phone.get_by_test_id("activation-error").inner_text()
    phone.get_by_role("link", name="登录后绑定房屋").click()

    phone.get_by_label("手机号或用户名").fill(owner.mobile)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{base}/me/bind/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_label("激活码").fill(f"{code[:5]}-{code[5:]}")
    phone.get_by_label("当前账号的登录密码").fill(PASSWORD)
    screenshot(phone, "bind-home-phone")
    phone.get_by_role("button", name="绑定", exact=True).click()
    phone.wait_for_url(f"{base}/me/")
    assert "房屋已绑定到您的账号：远景小区" in phone.get_by_role("alert").first.inner_text()
    assert unit.label in phone.get_by_test_id("owner-home").inner_text()
