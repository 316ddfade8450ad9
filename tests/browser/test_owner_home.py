"""An owner logs in on a phone and sees his home in Chinese."""

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD
from tests.factories import ResidencyFactory, VehicleFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_logs_in_on_a_phone_and_sees_his_home(live_server, phone, owner, owner_unit,
                                                    community):
    ResidencyFactory(unit=owner_unit, person__community=community, person__name="王小红",
                     kind="family", relation="女儿")
    VehicleFactory(person=owner.persons.get(), unit=owner_unit, plate="沪AD12345")

    phone.goto(f"{live_server.url}/login/")
    assert phone.locator("h2").first.inner_text() == "登录账号"
    phone.get_by_label("手机号或用户名").fill(owner.mobile)
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/me/")

    home = phone.get_by_test_id("owner-home")
    assert owner_unit.label in home.inner_text()
    home.get_by_text("产权人、家庭成员与车辆").click()  # folded away on the home page
    assert "产权人" in home.inner_text() and "王*红" in home.inner_text()
    assert "沪AD12345" in home.inner_text()
    assert phone.locator("html").get_attribute("lang") == "zh-CN"
    # Nothing overflows the phone's width.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "owner-home-phone")


def test_wrong_password_shows_chinese_error_in_browser(live_server, phone, owner):
    phone.goto(f"{live_server.url}/login/")
    phone.get_by_label("手机号或用户名").fill(owner.mobile)
    phone.get_by_label("密码").fill("not-the-password")
    phone.get_by_role("button", name="登录").click()
    assert "手机号/用户名或密码不正确" in phone.get_by_role("alert").inner_text()
    screenshot(phone, "login-error-phone")
