"""Under the Content-Security-Policy the pages still work, with no violation: the charts (曝光台,
阳光账本 home and month, 收缴率), the ticket form, the online payment form, the countdowns, and
the data-attribute behaviours that replaced inline event handlers (docs/security.md)."""

from __future__ import annotations

import re

import pytest

from sunlit.demo import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.django_db(transaction=True)

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || ""));
});
"""


class Watcher:
    """Collects CSP violations, script errors and console errors of one browser context."""

    def __init__(self, context):
        self.problems: list[str] = []
        context.add_init_script(WATCH)
        context.on("page", self.watch)

    def watch(self, page):
        page.on("pageerror", lambda exc: self.problems.append(f"{page.url} script error: {exc}"))
        page.on("console", lambda msg: self.problems.append(f"{page.url} console: {msg.text}")
                if msg.type == "error" and "favicon" not in (msg.location or {}).get("url", "")
                and "404" not in msg.text else None)

    def check(self, page):
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("window.__csp || []")
        self.problems.extend(f"{page.url} CSP: {v}" for v in violations)
        assert not self.problems, "\n".join(self.problems)


def log_in(browser, base, username, *, phone=False):
    options = {"locale": "zh-CN"}
    if phone:
        options.update(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    context = browser.new_context(**options)
    watcher = Watcher(context)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/(console|me|tickets/tasks|tickets/queue)/$"))  # its landing
    return context, page, watcher


def test_pages_work_under_the_policy(live_server, browser):
    load_demo(units=100)
    base = live_server.url

    # an owner on his phone: board, ledger, his bills, the ticket form
    context, page, watcher = log_in(browser, base, "demo-owner", phone=True)
    page.goto(f"{base}/board/")
    # on a phone the charts wait behind one button (ECharts is not in the first load)
    assert page.get_by_test_id("trend-chart").is_hidden()
    page.get_by_test_id("show-charts").click()
    page.get_by_test_id("trend-chart").locator("canvas").first.wait_for()
    assert page.get_by_test_id("trend-chart").locator("canvas").count() >= 1
    watcher.check(page)
    page.goto(f"{base}/finance/ledger/")
    page.get_by_test_id("show-charts").click()
    page.get_by_test_id("ledger-trend").locator("canvas").first.wait_for()
    assert page.get_by_test_id("ledger-trend").locator("canvas").count() == 1
    page.locator("[data-testid^=month-]").first.click()
    page.wait_for_url(re.compile(r".*/finance/ledger/\d{4}-\d{2}/$"))
    page.get_by_test_id("show-charts").click()
    page.get_by_test_id("chart-split").locator("canvas").first.wait_for()
    assert page.get_by_test_id("chart-split").locator("canvas").count() == 1
    assert page.locator("#chart-trend canvas").count() == 1
    watcher.check(page)

    page.goto(f"{base}/finance/my/")
    form = page.locator("[data-pay-form]").first
    total = form.locator("[data-pay-total]")
    boxes = form.locator("input[name=bills]")
    assert boxes.count() >= 1
    before = total.inner_text()
    amount = boxes.first.get_attribute("data-amount")
    boxes.first.uncheck()
    expected = f"{float(before.replace(',', '')) - float(amount):,.2f}"
    assert total.inner_text() == expected
    boxes.first.check()
    assert total.inner_text() == before
    watcher.check(page)

    page.goto(f"{base}/tickets/new/")
    page.locator("label[for=kind-complaint]").click()
    hidden = page.evaluate("""Array.from(document.querySelectorAll('#id_category option'))
        .filter(o => o.value && o.hidden).length""")
    assert hidden >= 1  # repair categories are hidden for a complaint
    page.locator("label[for=where-common]").click()
    assert page.locator("#common-fields").is_visible()
    assert page.locator("#time-fields").is_hidden()
    watcher.check(page)
    context.close()

    # the manager: collection rate chart, the queue's countdowns and select-all, autosubmit
    context, page, watcher = log_in(browser, base, "demo-manager")
    page.goto(f"{base}/finance/collection/")
    assert page.get_by_test_id("collection-chart").locator("canvas").count() == 1
    watcher.check(page)
    page.goto(f"{base}/tickets/queue/")
    due = page.locator("[data-due]").first
    due.wait_for()
    page.wait_for_function("""() => /^(剩|超时|已挂起)/.test(
        document.querySelector('[data-due]').textContent.trim())""")
    select_all = page.locator("input[data-check-all]")
    select_all.check()
    boxes = page.locator("input[name=tickets]")
    assert boxes.count() >= 1
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    select_all.uncheck()
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    watcher.check(page)
    page.get_by_test_id("queue-table").locator("a[href^='/tickets/']").first.click()
    page.wait_for_url(re.compile(r".*/tickets/\d+/$"))
    watcher.check(page)
    page.goto(f"{base}/audit/")
    page.locator("select[name=action]").select_option("login" if page.locator(
        "select[name=action] option[value=login]").count() else "create")
    page.wait_for_url(re.compile(r".*/audit/\?action=\w+"))
    watcher.check(page)
    context.close()

    # a technician: his tasks count down
    context, page, watcher = log_in(browser, base, "demo-technician")
    page.goto(f"{base}/tickets/tasks/")
    page.locator("[data-due]").first.wait_for()
    page.wait_for_function("""() => /^(剩|超时|已挂起)/.test(
        document.querySelector('[data-due]').textContent.trim())""")
    watcher.check(page)
    context.close()
