"""An owner verifies, in his phone's browser, that his home is on the log (已存证 → 验证).

The verdict is the browser's own (WebCrypto SHA-256 and Ed25519 in ``sunlit/verify.js``): a
bundle altered on its way to the browser fails, saying what failed.
"""

from __future__ import annotations

import base64
import json

import pytest
from django.db import transaction

from sunlit.registry.services import ownership_registered_event, unit_registered_event
from sunlit.transparency import bundle as offline_bundle
from sunlit.transparency import note, services
from sunlit.transparency.models import Log
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
BUNDLE_URL = "**/api/v1/logs/*/bundle*"


@pytest.fixture
def logged_home(owner, owner_unit, community):
    """The owner's unit and title on the log, under a signed checkpoint."""
    ownership = owner_unit.ownerships.get()
    with transaction.atomic():
        services.record_many(community, [unit_registered_event(owner_unit),
                                         ownership_registered_event(ownership)])
    log = Log.objects.get(community=community)
    services.sign_checkpoint(log)
    return log


def log_in(page, live_server, user, *, lands_on="/me/"):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("手机号或用户名").fill(user.mobile)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}{lands_on}")


def verify(page, subject: str = "registry.unit") -> str:
    proof = page.get_by_test_id(f"proof-{subject}")
    proof.get_by_role("button", name="验证").click()
    verdict = proof.get_by_test_id("proof-verdict")
    verdict.wait_for()
    return verdict.inner_text()


def test_the_owner_verifies_his_home_in_the_browser(live_server, phone, owner, owner_unit,
                                                    logged_home):
    log_in(phone, live_server, owner)

    proof = phone.get_by_test_id("proof-registry.unit")
    assert "已存证" in proof.get_by_test_id("proof-badge").inner_text()
    text = verify(phone)

    assert text.startswith("验证通过：该记录为日志第 0 号记录，包含在检查点（共 2 条记录）中，签名有效")
    assert phone.get_by_test_id("proof-registry.unit").get_by_test_id(
        "proof-verdict").get_attribute("data-verdict") == "ok"
    assert "登记房屋" in text and logged_home.origin in text
    # his title too: the fact that gives him his vote (folded with the household on the page)
    phone.get_by_text("产权人、家庭成员与车辆").click()
    title = verify(phone, "registry.ownership")
    assert title.startswith("验证通过：该记录为日志第 1 号记录，包含在检查点（共 2 条记录）中，签名有效")
    assert "登记产权" in title
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "owner-home-proof-verified-phone")


def test_the_bundle_offered_for_download_verifies_offline(live_server, phone, owner, owner_unit,
                                                          logged_home, tmp_path):
    log_in(phone, live_server, owner)
    with phone.expect_download() as download:
        phone.get_by_test_id("proof-registry.unit").get_by_role("link", name="下载证明").click()
    assert download.value.suggested_filename == f"proof-registry.unit-{owner_unit.pk}.json"
    path = tmp_path / "bundle.json"
    download.value.save_as(path)

    key = note.Verifier.parse(phone.get_by_test_id("proof-key").first.text_content().strip())
    checked = offline_bundle.verify_bundle(json.loads(path.read_text()), [key])
    assert [e.event["type"] for e in checked.entries] == ["roster.unit.registered"]


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def _flip_proof_hash(bundle: dict) -> None:
    proof = bundle["entries"][0]["inclusion_proof"]
    proof[0] = base64.b64encode(_flip(base64.b64decode(proof[0]), 7)).decode()


def _flip_signature(bundle: dict) -> None:
    text, _, line = bundle["checkpoint"].rstrip("\n").rpartition("\n")
    prefix, _, encoded = line.rpartition(" ")
    raw = base64.b64decode(encoded)
    bundle["checkpoint"] = f"{text}\n{prefix} {base64.b64encode(_flip(raw, 20)).decode()}\n"


def _change_the_root(bundle: dict) -> None:
    origin, size, root, rest = bundle["checkpoint"].split("\n", 3)
    bad = base64.b64encode(_flip(base64.b64decode(root), 0)).decode()
    bundle["checkpoint"] = "\n".join((origin, size, bad, rest))


def _change_the_entry(bundle: dict) -> None:
    bundle["entries"][0]["leaf"] = bundle["entries"][0]["leaf"].replace('"area":"89.50"',
                                                                        '"area":"59.50"')


def _entry_and_hash(bundle: dict) -> None:
    from sunlit.transparency import merkle

    leaf = bundle["entries"][0]["leaf"].replace('"area":"89.50"', '"area":"59.50"')
    bundle["entries"][0]["leaf"] = leaf
    bundle["entries"][0]["leaf_hash"] = base64.b64encode(merkle.leaf_hash(leaf.encode())).decode()


@pytest.mark.parametrize(("tamper", "reason"), [
    (_flip_proof_hash, "验证失败：包含证明不成立（第 0 号记录）"),
    (_flip_signature, "验证失败：签名无效"),
    (_change_the_root, "验证失败：签名无效"),
    (_change_the_entry, "验证失败：第 0 号记录的内容与其哈希不符"),
    (_entry_and_hash, "验证失败：包含证明不成立（第 0 号记录）"),
])
def test_a_bundle_altered_on_the_way_fails_in_the_browser(live_server, phone, owner, owner_unit,
                                                          logged_home, tamper, reason):
    def alter(route):
        response = route.fetch()
        bundle = response.json()
        tamper(bundle)
        route.fulfill(response=response, body=json.dumps(bundle, ensure_ascii=False))

    phone.route(BUNDLE_URL, alter)
    log_in(phone, live_server, owner)

    assert verify(phone) == reason
    assert phone.get_by_test_id("proof-verdict").get_attribute("data-verdict") == "failed"
    assert phone.get_by_test_id("proof-verdict").count() == 1  # the title's was not asked
    if tamper is _flip_proof_hash:
        screenshot(phone, "owner-home-proof-failed-phone")


def test_a_key_that_does_not_match_the_log_is_refused(live_server, phone, owner, owner_unit,
                                                      logged_home):
    log_in(phone, live_server, owner)
    other = note.Signer.generate(logged_home.origin).verifier.vkey  # same name, another key
    phone.get_by_test_id("proof-registry.unit").evaluate("(el, key) => { el.dataset.verifierKey = key; }",
                                           other)
    assert verify(phone) == "验证失败：检查点上没有该日志公钥的签名"


def test_a_record_not_yet_in_a_checkpoint_says_so(live_server, phone, owner, owner_unit,
                                                  logged_home, community):
    with transaction.atomic():
        services.record_many(community, [unit_registered_event(owner_unit)])
    log_in(phone, live_server, owner)
    text = verify(phone)
    assert text.startswith("验证通过：该记录为日志第 0 号记录，包含在检查点（共 2 条记录）中")
    assert "另有 1 条新记录尚未签入检查点" in text


def test_staff_verify_a_unit_and_its_owner_on_the_unit_page(live_server, browser, manager,
                                                            owner_unit, logged_home):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        log_in(page, live_server, manager, lands_on="/console/")
        page.goto(f"{live_server.url}/roster/units/{owner_unit.pk}/")
        assert verify(page).startswith("验证通过：该记录为日志第 0 号记录")
        assert verify(page, "registry.ownership").startswith("验证通过：该记录为日志第 1 号记录")
        screenshot(page, "unit-detail-proof-verified-desktop")
    finally:
        context.close()
