"""The local payment simulator (模拟支付): the providers' side, played by Sunlit itself.

With ``SUNLIT_PAYMENTS_SANDBOX=local`` (the demo, the tests) a provider without a real merchant
is configured with keys generated into the data directory at first use
(``<data dir>/keys/payments-sandbox/``): a merchant key, a simulated *platform* key pair (WeChat
Pay's public key / Alipay's public key) and an APIv3 key. The "pay" step leads to a Sunlit page
that shows the order; its 确认支付 button builds the notification exactly as the provider
would — WeChat: the transaction encrypted with AES-256-GCM under the APIv3 key, the body signed
RSA-SHA256 over ``timestamp\\nnonce\\nbody\\n`` with the platform key; Alipay: the parameters
signed RSA2 over their sorted ``k=v&...`` string — and hands it to the same callback handler a
provider's request reaches, which verifies it with the SDKs like any other.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
import string
import time
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from sunlit.finance.online.choices import Provider
from sunlit.finance.online.gateways.config import ProviderConfig

WECHAT_MCHID = "1900000109"
WECHAT_APPID = "wxsunlit0sandbox"
WECHAT_PUBLIC_KEY_ID = "PUB_KEY_ID_SUNLIT_LOCAL_SANDBOX"
WECHAT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
ALIPAY_APPID = "9021000000000001"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def key_dir() -> Path:
    return Path(settings.DATA_DIR) / "keys" / "payments-sandbox"


def _create_once(path: Path, make) -> str:
    """The file's text, written once by whichever process gets there first (link is atomic)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        tmp.write_text(make(), encoding="utf-8")
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="utf-8")


def _new_rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@lru_cache(maxsize=8)
def _keys(directory: str) -> dict[str, str]:
    d = Path(directory)
    alphabet = string.ascii_letters + string.digits
    return {
        "wechat_merchant": _create_once(d / "wechat-merchant.pem", _new_rsa_pem),
        "wechat_platform": _create_once(d / "wechat-platform.pem", _new_rsa_pem),
        "wechat_apiv3": _create_once(
            d / "wechat-apiv3.key", lambda: "".join(secrets.choice(alphabet) for _ in range(32))
        ),
        "alipay_app": _create_once(d / "alipay-app.pem", _new_rsa_pem),
        "alipay_platform": _create_once(d / "alipay-platform.pem", _new_rsa_pem),
    }


def keys() -> dict[str, str]:
    return _keys(str(key_dir()))


def simulated_config(provider: str) -> ProviderConfig:
    k = keys()
    if provider == Provider.WECHAT:
        return ProviderConfig(
            provider=provider,
            merchant_id=WECHAT_MCHID,
            appid=WECHAT_APPID,
            private_key=k["wechat_merchant"],
            public_key=public_pem(k["wechat_platform"]),
            public_key_id=WECHAT_PUBLIC_KEY_ID,
            cert_serial_no=WECHAT_SERIAL,
            apiv3_key=k["wechat_apiv3"],
            simulated=True,
        )
    return ProviderConfig(
        provider=provider,
        merchant_id=ALIPAY_APPID,
        appid=ALIPAY_APPID,
        private_key=k["alipay_app"],
        public_key=public_pem(k["alipay_platform"]),
        simulated=True,
    )


def transaction_id(provider: str) -> str:
    digits = "".join(secrets.choice(string.digits) for _ in range(24))
    return f"4200{digits}" if provider == Provider.WECHAT else f"2026{digits}"


# --- notifications, as the providers build them ------------------------------------------------


def _rsa_sha256(private_pem: str, message: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return base64.b64encode(key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())).decode()


def wechat_notification(
    *,
    out_trade_no: str,
    total_fen: int,
    transaction: str,
    mchid: str = WECHAT_MCHID,
    appid: str = WECHAT_APPID,
    paid_at: dt.datetime | None = None,
    trade_state: str = "SUCCESS",
    timestamp: int | None = None,
    platform_key: str | None = None,
    apiv3_key: str | None = None,
) -> tuple[dict[str, str], bytes]:
    """(headers, body) of a WeChat Pay APIv3 payment notification (支付成功通知)."""
    k = keys()
    paid_at = (paid_at or dt.datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    resource = {
        "mchid": mchid,
        "appid": appid,
        "out_trade_no": out_trade_no,
        "transaction_id": transaction,
        "trade_type": "NATIVE",
        "trade_state": trade_state,
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "attach": "",
        "success_time": paid_at.isoformat(timespec="seconds"),
        "payer": {"openid": "oSunlitSandboxPayer000000000"},
        "amount": {"total": total_fen, "payer_total": total_fen, "currency": "CNY", "payer_currency": "CNY"},
    }
    nonce = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(12))
    associated = "transaction"
    ciphertext = AESGCM((apiv3_key or k["wechat_apiv3"]).encode()).encrypt(
        nonce.encode(), json.dumps(resource, ensure_ascii=False).encode(), associated.encode()
    )
    body = json.dumps(
        {
            "id": f"EV-{secrets.token_hex(8)}",
            "create_time": paid_at.isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": associated,
                "nonce": nonce,
            },
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sign_nonce = secrets.token_hex(16)
    signature = _rsa_sha256(platform_key or k["wechat_platform"], f"{ts}\n{sign_nonce}\n{body}\n")
    headers = {
        "Wechatpay-Timestamp": ts,
        "Wechatpay-Nonce": sign_nonce,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": WECHAT_PUBLIC_KEY_ID,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
        "Content-Type": "application/json",
    }
    return headers, body.encode("utf-8")


def alipay_notification(
    *,
    out_trade_no: str,
    total_amount: str,
    trade_no: str,
    app_id: str = ALIPAY_APPID,
    trade_status: str = "TRADE_SUCCESS",
    paid_at: dt.datetime | None = None,
    platform_key: str | None = None,
) -> tuple[dict[str, str], bytes]:
    """(headers, body) of an Alipay asynchronous notification (异步通知), form-encoded."""
    from urllib.parse import urlencode

    paid_at = (paid_at or dt.datetime.now(SHANGHAI)).astimezone(SHANGHAI)
    when = paid_at.strftime("%Y-%m-%d %H:%M:%S")
    params = {
        "notify_time": when,
        "notify_type": "trade_status_sync",
        "notify_id": secrets.token_hex(16),
        "app_id": app_id,
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": trade_no,
        "out_trade_no": out_trade_no,
        "trade_status": trade_status,
        "total_amount": total_amount,
        "receipt_amount": total_amount,
        "buyer_pay_amount": total_amount,
        "subject": "物业费",
        "gmt_create": when,
        "gmt_payment": when,
        "seller_id": "2088000000000001",
        "buyer_id": "2088000000000002",
    }
    unsigned = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    params["sign"] = _rsa_sha256(platform_key or keys()["alipay_platform"], unsigned)
    params["sign_type"] = "RSA2"
    return (
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        urlencode(params).encode("utf-8"),
    )
