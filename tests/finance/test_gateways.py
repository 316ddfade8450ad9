"""The real (non-simulated) adapters: configured from settings with key files, creating orders at
the provider (WeChat Pay's API played by a local HTTP server that signs its answers, as the SDK
verifies them; Alipay's signed page URL needs no call) and querying them."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from sunlit.finance.models import PaymentOrder
from sunlit.finance.online import services as online
from sunlit.finance.online.gateways import gateway_for, sandbox

# the payment path with late-fee collection off (test_online_late_fees.py: with it on)
pytestmark = pytest.mark.usefixtures("no_late_fees")


@pytest.fixture
def merchants(settings, tmp_path, monkeypatch):
    """Real-looking WeChat Pay and Alipay merchants for 明强小区 (key files), sandbox off."""
    monkeypatch.delenv("SUNLIT_PAYMENTS_SANDBOX")
    k = sandbox.keys()
    files = {}
    for name in ("wechat_merchant", "wechat_platform", "alipay_app", "alipay_platform"):
        files[name] = tmp_path / f"{name}.pem"
        files[name].write_text(
            k[name] if "merchant" in name or "app" in name else sandbox.public_pem(k[name])
        )
    communities = tmp_path / "payments.json"
    communities.write_text(
        json.dumps(
            {
                "mingqiang": {
                    "alipay": {
                        "appid": "2021000000000777",
                        "private_key_file": str(files["alipay_app"]),
                        "public_key_file": str(files["alipay_platform"]),
                        "sandbox": True,
                    }
                }
            }
        )
    )
    settings.SUNLIT_PAYMENTS = {
        "sandbox": "",
        "communities_file": str(communities),
        "wechat": {
            "mchid": "1230000109",
            "appid": "wx8888888888888888",
            "private_key_file": str(files["wechat_merchant"]),
            "cert_serial_no": "444F4864EA9B34415",
            "apiv3_key": k["wechat_apiv3"],
            "public_key_file": str(files["wechat_platform"]),
            "public_key_id": "PUB_KEY_ID_0112",
            "h5": False,
        },
        "alipay": {"appid": "", "private_key_file": "", "public_key_file": ""},
    }
    return k


class FakeWeChat(BaseHTTPRequestHandler):
    """api.mch.weixin.qq.com for one Native order and its query, answers signed like WeChat's."""

    requests: list = []

    def _answer(self, payload: dict, status: int = 200):
        body = json.dumps(payload)
        ts, nonce = str(int(time.time())), "n0nce"
        key = serialization.load_pem_private_key(sandbox.keys()["wechat_platform"].encode(), password=None)
        sig = base64.b64encode(
            key.sign(f"{ts}\n{nonce}\n{body}\n".encode(), padding.PKCS1v15(), hashes.SHA256())
        ).decode()
        self.send_response(status)
        for name, value in (
            ("Content-Type", "application/json"),
            ("Wechatpay-Timestamp", ts),
            ("Wechatpay-Nonce", nonce),
            ("Wechatpay-Signature", sig),
            ("Wechatpay-Serial", "PUB_KEY_ID_0112"),
            ("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048"),
        ):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body.encode())

    def do_POST(self):
        data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeWeChat.requests.append((self.path, data, self.headers["Authorization"]))
        if self.path.endswith("/h5"):
            self._answer({"h5_url": "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx1"})
        else:
            self._answer({"code_url": "weixin://wxpay/bizpayurl?pr=abc123"})

    def do_GET(self):
        FakeWeChat.requests.append((self.path, None, self.headers["Authorization"]))
        out_trade_no = self.path.split("/")[-1].split("?")[0]
        order = FakeWeChat.order
        self._answer(
            {
                "mchid": "1230000109",
                "appid": "wx8888888888888888",
                "out_trade_no": out_trade_no,
                "transaction_id": "4200000000202601080000000777",
                "trade_state": "SUCCESS",
                "success_time": "2026-01-08T10:00:00+08:00",
                "amount": {"total": order.amount_fen, "currency": "CNY"},
            }
        )

    def log_message(self, *args):
        pass


def test_wechat_native_order_at_the_provider_and_query(merchants, settings, owner, run, homes, property_fee):
    run()
    server = HTTPServer(("127.0.0.1", 0), FakeWeChat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.SUNLIT_PAYMENTS["wechat"]["api_base"] = f"http://127.0.0.1:{server.server_port}"
        order = online.create_payment_order(homes[0], actor=owner, provider="wechat")
        assert not order.sandbox
        action = online.start_payment(order, base_url="https://wuye.example.cn", mobile=False)
        assert action.kind == "qr" and action.url.startswith("weixin://wxpay/")
        path, sent, authorization = FakeWeChat.requests[0]
        assert path == "/v3/pay/transactions/native" and sent["amount"] == {
            "total": 21033,
            "currency": "CNY",
        }
        assert sent["notify_url"] == "https://wuye.example.cn/finance/callbacks/wechat/mingqiang/"
        assert sent["out_trade_no"] == order.out_trade_no and sent["mchid"] == "1230000109"
        assert authorization.startswith('WECHATPAY2-SHA256-RSA2048 mchid="1230000109"')
        # no notification came: the order page asks the provider (a signed, verified answer)
        FakeWeChat.order = order
        PaymentOrder.objects.filter(pk=order.pk).update(created_at=order.created_at - dt.timedelta(minutes=1))
        order.refresh_from_db()
        order = online.refresh_order(order)
        assert order.status == "paid" and order.transaction_id == "4200000000202601080000000777"
        assert order.payment.method == "wechat"
    finally:
        server.shutdown()


def test_alipay_wap_url_is_signed_for_the_sandbox_gateway(merchants, owner, run, homes, property_fee):
    run()
    order = online.create_payment_order(homes[0], actor=owner, provider="alipay")
    action = online.start_payment(order, base_url="https://wuye.example.cn", mobile=True)
    url = urlsplit(action.url)
    assert action.kind == "redirect" and url.netloc == "openapi-sandbox.dl.alipaydev.com"
    params = dict(parse_qsl(url.query))
    biz = json.loads(params["biz_content"])
    assert params["method"] == "alipay.trade.wap.pay" and params["app_id"] == "2021000000000777"
    assert biz["out_trade_no"] == order.out_trade_no and biz["total_amount"] == "210.33"
    assert params["notify_url"] == "https://wuye.example.cn/finance/callbacks/alipay/mingqiang/"
    sign = base64.b64decode(params.pop("sign"))
    unsigned = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    app_key = serialization.load_pem_private_key(merchants["alipay_app"].encode(), password=None).public_key()
    app_key.verify(sign, unsigned.encode(), padding.PKCS1v15(), hashes.SHA256())  # raises if not


def test_real_merchants_win_over_the_simulator(merchants, monkeypatch):
    monkeypatch.setenv("SUNLIT_PAYMENTS_SANDBOX", "local")
    assert not gateway_for("wechat", "mingqiang").simulated
    assert not gateway_for("alipay", "mingqiang").simulated
    assert gateway_for("alipay", "elsewhere").simulated  # no merchant there: the simulator


def test_a_provider_that_cannot_be_reached_fails_the_order(
    merchants, settings, owner, run, homes, property_fee
):
    from django.core.exceptions import ValidationError

    run()
    settings.SUNLIT_PAYMENTS["wechat"]["api_base"] = "http://127.0.0.1:9"  # nothing listens there
    order = online.create_payment_order(homes[0], actor=owner, provider="wechat")
    with pytest.raises(ValidationError, match="暂不可用"):
        online.start_payment(order, base_url="https://wuye.example.cn")
    order.refresh_from_db()
    assert order.status == "failed" and "微信支付下单失败" in order.error


def test_wechat_h5_on_a_phone_returns_to_the_order_page(
    merchants, settings, owner, run, homes, property_fee, monkeypatch
):
    settings.SUNLIT_PAYMENTS["wechat"]["h5"] = True
    run()
    server = HTTPServer(("127.0.0.1", 0), FakeWeChat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings.SUNLIT_PAYMENTS["wechat"]["api_base"] = f"http://127.0.0.1:{server.server_port}"
        order = online.create_payment_order(homes[0], actor=owner, provider="wechat")
        action = online.start_payment(
            order, base_url="https://wuye.example.cn", mobile=True, client_ip="10.0.0.8"
        )
        path, sent, _auth = FakeWeChat.requests[-1]
        assert path == "/v3/pay/transactions/h5" and sent["scene_info"]["payer_client_ip"] == "10.0.0.8"
        assert action.kind == "redirect" and action.url.endswith(
            f"&redirect_url=https%3A%2F%2Fwuye.example.cn%2Ffinance%2Forders%2F{order.pk}%2F"
        )
    finally:
        server.shutdown()
