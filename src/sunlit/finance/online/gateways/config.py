"""Where the payment providers' credentials come from (settings, from the environment).

Global settings (``settings.SUNLIT_PAYMENTS``, read from ``SUNLIT_WECHATPAY_*`` and
``SUNLIT_ALIPAY_*``) apply to every community; a JSON file named by
``SUNLIT_PAYMENTS_CONFIG_FILE`` may give a community (by its code) its own merchant::

    {"mingqiang": {"wechat": {"mchid": "...", "appid": "...", "private_key_file": "...",
                              "cert_serial_no": "...", "apiv3_key": "...",
                              "public_key_file": "...", "public_key_id": "PUB_KEY_ID_..."},
                   "alipay": {"appid": "...", "private_key_file": "...",
                              "public_key_file": "...", "sandbox": true}}}

A provider is **off** unless its configuration is complete. The **local simulator** (模拟支付)
stands in for a provider that is not configured only when ``SUNLIT_PAYMENTS_SANDBOX=local`` is
in the process environment (or in settings while ``DEBUG`` is on): it can never be switched on
by a settings file of a production site alone.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from sunlit.finance.online.choices import Provider

WECHAT_KEYS = (
    "mchid",
    "appid",
    "private_key_file",
    "cert_serial_no",
    "apiv3_key",
    "public_key_file",
    "public_key_id",
)
ALIPAY_KEYS = ("appid", "private_key_file", "public_key_file")


@dataclass(frozen=True)
class ProviderConfig:
    """One provider's merchant: identifiers, key material (PEM text) and flags."""

    provider: str
    merchant_id: str  # WeChat: mchid; Alipay: app_id
    appid: str
    private_key: str
    public_key: str
    public_key_id: str = ""
    cert_serial_no: str = ""
    apiv3_key: str = ""
    sandbox_gateway: bool = False  # Alipay's own sandbox (openapi-sandbox.dl.alipaydev.com)
    h5: bool = False  # WeChat H5 pay for phone browsers (needs the H5 product on the merchant)
    api_base: str = ""  # WeChat Pay's API address, when not https://api.mch.weixin.qq.com (a proxy)
    simulated: bool = False  # the local simulator: keys generated in the data dir


def local_sandbox_enabled() -> bool:
    """True when the local simulator may stand in for unconfigured providers."""
    if os.environ.get("SUNLIT_PAYMENTS_SANDBOX", "").strip().lower() == "local":
        return True
    return bool(settings.DEBUG and getattr(settings, "SUNLIT_PAYMENTS", {}).get("sandbox") == "local")


def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8").strip() if path else ""


@lru_cache(maxsize=4)
def _community_file(path: str, mtime: float) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _raw(provider: str, community_code: str) -> dict:
    conf = getattr(settings, "SUNLIT_PAYMENTS", {})
    path = conf.get("communities_file", "")
    if path and Path(path).exists() and community_code:
        per = _community_file(path, Path(path).stat().st_mtime).get(community_code, {})
        if per.get(provider):
            return dict(per[provider])
    return dict(conf.get(provider, {}))


def real_config(provider: str, community_code: str = "") -> ProviderConfig | None:
    """The merchant configured for ``provider`` (the community's own, else the global one)."""
    raw = _raw(provider, community_code)
    keys = WECHAT_KEYS if provider == Provider.WECHAT else ALIPAY_KEYS
    if not all(raw.get(k) for k in keys):
        return None
    if provider == Provider.WECHAT:
        return ProviderConfig(
            provider=provider,
            merchant_id=str(raw["mchid"]),
            appid=str(raw["appid"]),
            private_key=_read(raw["private_key_file"]),
            public_key=_read(raw["public_key_file"]),
            public_key_id=str(raw["public_key_id"]),
            cert_serial_no=str(raw["cert_serial_no"]),
            apiv3_key=str(raw["apiv3_key"]),
            h5=bool(raw.get("h5")),
            api_base=str(raw.get("api_base") or ""),
        )
    return ProviderConfig(
        provider=provider,
        merchant_id=str(raw["appid"]),
        appid=str(raw["appid"]),
        private_key=_read(raw["private_key_file"]),
        public_key=_read(raw["public_key_file"]),
        sandbox_gateway=bool(raw.get("sandbox")),
    )


def config_for(provider: str, community_code: str = "") -> ProviderConfig | None:
    """The configuration in force for ``provider``: the real merchant, else the local
    simulator when it is enabled, else None (the provider is off)."""
    if provider not in Provider.values:
        return None
    real = real_config(provider, community_code)
    if real is not None:
        return real
    if local_sandbox_enabled():
        from sunlit.finance.online.gateways import sandbox

        return sandbox.simulated_config(provider)
    return None
