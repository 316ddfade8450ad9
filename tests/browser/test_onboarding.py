"""A new company onboards a community through the pages alone (issue 15), in Chromium: from an
empty database and ``sunlit createcompany``, its administrator logs in, creates the community,
registers its buildings, imports the roster, sets a fee item and its tariff, records the
committee's filing, signs the first checkpoint and invites the owners — every step a click on
the page before, checked against the checklist; then he hires a technician and sees both his
communities on the company view."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from sunlit.company.models import CommitteeFiling, Employee, Onboarding
from sunlit.core.models import ActivationCode, Community
from sunlit.finance.billing.models import Tariff
from sunlit.registry.models import Building, Unit
from tests.browser.conftest import screenshot
from tests.browser.test_csp import Watcher
from tests.browser.test_first_hour import _no_english
from tests.registry.test_import import sample_file
from tests.security.world import pdf

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Chenguang-2026-admin"


def _step(page, key: str):
    return page.locator(f"#step-{key}")


def _done(page, key: str) -> bool:
    return "已完成" in _step(page, key).inner_text()


def test_a_new_company_onboards_a_community_through_the_pages(live_server, browser, tmp_path):
    base = live_server.url
    call_command("createcompany", name="晨光物业管理有限公司", admin="chenguang-admin",
                 admin_name="周海", job_number="CG001", password=PASSWORD)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    watcher = Watcher(context)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("手机号或用户名").fill("chenguang-admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/company/")
    assert "还没有小区" in page.content()
    _no_english(page)

    # 1. the community
    page.get_by_role("link", name="新建小区").click()
    page.get_by_label("小区名称").fill("晨光家园")
    page.get_by_label("小区编码").fill("chenguang-1")
    page.get_by_label("城市").fill("上海")
    page.get_by_label("地址").fill("上海市徐汇区晨光路 18 弄")
    page.get_by_role("button", name="建档").click()
    page.wait_for_url(re.compile(rf"{base}/company/communities/\d+/$"))
    community = Community.objects.get(code="chenguang-1")
    assert "chenguang-1" in _step(page, "community").inner_text()
    assert not _done(page, "buildings")
    _no_english(page)
    screenshot(page, "onboarding-checklist-start")

    # 2. buildings
    _step(page, "buildings").get_by_role("link", name="去完成").click()
    page.get_by_label("楼栋").fill("1号楼 商业楼")
    page.get_by_label("地上层数").fill("18")
    page.get_by_label("有电梯").check()
    page.get_by_role("button", name="登记").click()
    page.get_by_text("已登记 2 栋").first.wait_for()
    assert Building.objects.in_community(community).count() == 2
    page.get_by_role("link", name="返回建档清单").click()
    assert _done(page, "buildings")

    # 3. the roster, through the roster import of this community
    _step(page, "roster").get_by_role("button", name="去完成").click()
    page.wait_for_url(f"{base}/roster/import/")
    roster = tmp_path / "名册.xlsx"
    roster.write_bytes(sample_file())
    page.locator("#id_file").set_input_files(str(roster))
    page.get_by_role("button", name="上传并预览").click()
    page.get_by_test_id("commit").click()
    page.wait_for_load_state()
    assert Unit.objects.in_community(community).count() == 3

    # 4. a fee item and its tariff, on the finance pages of this community
    page.goto(f"{base}/company/communities/{community.pk}/")
    _step(page, "fees").get_by_role("button", name="去完成").click()
    page.wait_for_url(f"{base}/finance/fee-items/")
    page.get_by_label("编码").fill("WY")
    page.get_by_label("名称").fill("物业服务费")
    page.get_by_label("计费方式").select_option(value="area")
    page.get_by_label("住宅").check()
    page.get_by_role("button", name="添加").click()
    page.wait_for_url(re.compile(rf"{base}/finance/fee-items/\d+/$"))
    page.get_by_label("单价（元）").fill("2.80")
    page.get_by_label("生效日").fill("2026-01-01")
    page.get_by_role("button", name="保存并记入透明日志").click()
    page.wait_for_load_state()
    assert Tariff.objects.in_community(community).exists()

    # 5. the committee's filing: two owners from the roster, by unit and name
    page.goto(f"{base}/company/communities/{community.pk}/")
    assert _done(page, "roster") and _done(page, "fees")
    _step(page, "committee").get_by_role("link", name="去完成").click()
    page.get_by_label("备案机关").fill("晨光街道办事处")
    page.get_by_label("备案编号").fill("晨街备〔2026〕3号")
    page.get_by_label("备案日期").fill("2026-11-20")
    scan = tmp_path / "备案.pdf"
    scan.write_bytes(pdf())
    page.get_by_label("备案文件（PDF 或照片）").set_input_files(str(scan))
    page.get_by_label("业委会委员").fill("1号楼1-101 张三\n1号楼1502 王五")
    page.get_by_role("button", name="登记备案并打印激活码").click()
    page.wait_for_url(re.compile(rf"{base}/roster/accounts/batch/\w+/$"))
    filing = CommitteeFiling.objects.get(community=community)
    assert filing.codes.count() == 2
    screenshot(page, "onboarding-committee-codes")

    # 6. the first checkpoint, 7. owners invited
    page.goto(f"{base}/company/communities/{community.pk}/")
    _step(page, "checkpoint").get_by_role("button", name="签发检查点").click()
    page.wait_for_url(f"{base}/company/communities/{community.pk}/")
    assert _done(page, "checkpoint")
    assert "开放业主激活前还缺" not in page.content()
    _no_english(page)
    screenshot(page, "onboarding-checklist-complete")
    _step(page, "owners").get_by_role("button", name="开放业主激活").click()
    page.wait_for_url(re.compile(rf"{base}/roster/accounts/batch/\w+/$"))
    assert Onboarding.objects.get(community=community).owners_invited_at is not None
    # the two committee members keep their own codes; the third owner gets an owner's code
    assert ActivationCode.objects.filter(community=community, revoked_at__isnull=True).count() == 3

    # a technician joins; the company view shows the community with its figures
    page.goto(f"{base}/company/staff/new/")
    page.get_by_label("姓名").fill("钱师傅")
    page.get_by_label("手机号").fill("13700000001")
    page.get_by_label("工号").fill("CG101")
    page.get_by_label("小区").select_option(label="晨光家园")
    page.get_by_label("岗位角色").select_option(label="维修工")
    page.get_by_label("部门").select_option(label="工程部")
    page.get_by_role("button", name="提交").click()
    assert "/password/reset/" in page.locator("#set-password-link").input_value()
    assert Employee.objects.filter(job_number="CG101").exists()
    page.goto(f"{base}/company/")
    row = page.get_by_role("row").filter(has_text="晨光家园")
    assert "3" in row.inner_text()  # its units
    _no_english(page)
    screenshot(page, "onboarding-company-view")
    watcher.check(page)
    context.close()
