"""SMS and WeChat providers: the adapters behind ``SmsChannel`` and ``WeChatChannel``.

A provider has one method, ``send(address, message) -> dict``: it passes one message to one
address (a mobile number, a WeChat openid) and returns what should be kept in the
``Delivery.payload`` (never the full address). It raises ``ProviderError`` when the provider
refused or could not be reached; the delivery is then retried.

Chosen by ``SUNLIT_SMS_BACKEND`` / ``SUNLIT_WECHAT_BACKEND``:

- ``off``    — the channel is not used at all;
- ``log``    — (default) nothing leaves the server: the would-be message is written to the
  Python log and kept in the delivery row, so staff see exactly what would have gone out;
- ``aliyun`` — Aliyun SMS (阿里云短信 ``SendSms``, RPC signature v1): needs
  ``SUNLIT_SMS_ACCESS_KEY_ID`` / ``_SECRET``, ``SUNLIT_SMS_SIGN_NAME`` and an approved
  notification template ``SUNLIT_SMS_TEMPLATE_CODE`` with the variables ``${community}`` and
  ``${title}`` (e.g. "您在${community}有新通知：${title}，请登录查看。"); a one-time code (the
  SMS password reset) goes through a separate approved verification-code template
  ``SUNLIT_SMS_CODE_TEMPLATE_CODE`` with the variable ``${code}`` (Aliyun sends codes only
  through 验证码 templates; without it a code is not sent and the reset page says so);
- ``wechat`` — WeChat official account template messages (公众号模板消息): needs
  ``SUNLIT_WECHAT_APP_ID`` / ``_APP_SECRET`` and ``SUNLIT_WECHAT_TEMPLATE_ID`` of a template
  with the fields ``thing1`` (标题), ``thing2`` (小区) and ``time3`` (时间);
- a dotted path ``package.module.Class`` — your own provider; it is built with
  ``Class(options)`` (the ``SUNLIT_SMS_OPTIONS`` / ``SUNLIT_WECHAT_OPTIONS`` dict) and must
  offer ``name`` and ``send(address, message)``.

The real adapters talk HTTP through ``transport`` (``urllib`` by default); tests pass their
own transport, so no test ever reaches a real server.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

from sunlit.core import masking

logger = logging.getLogger("sunlit.notices")

Transport = Callable[..., dict]


class ProviderError(RuntimeError):
    """The provider refused the message or could not be reached (the delivery is retried)."""


@dataclass(frozen=True)
class Message:
    """What every channel says about one notification, composed once."""

    community: str
    title: str
    body: str
    link: str  # absolute when SUNLIT_BASE_URL is set, else the relative path
    time: dt.datetime
    kind: str = ""
    code: str = ""  # a one-time code (kind "code"): providers with a code template send only it


def http_transport(method: str, url: str, *, json_body: Any = None, timeout: float = 10.0) -> dict:
    """One HTTPS request whose answer is JSON (used by the real adapters only)."""
    if not url.startswith("https://"):
        raise ProviderError("only https:// endpoints are allowed")
    data = None if json_body is None else json.dumps(json_body, ensure_ascii=False).encode("utf-8")
    request = Request(url, data=data, method=method,  # noqa: S310 (https only, checked above)
                      headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise ProviderError(f"request failed: {exc}") from exc


def mask_openid(openid: str) -> str:
    return f"{openid[:4]}***{openid[-2:]}" if len(openid) > 8 else "***"


# --- log providers ------------------------------------------------------------------------------

class LogSmsProvider:
    """Sends nothing: writes the would-be SMS to the log and the delivery row."""

    name = "log"

    def __init__(self, options: dict | None = None) -> None:
        self.options = options or {}

    def text(self, message: Message) -> str:
        return f"【{message.community}】{message.title}。详情：{message.link}"

    def send(self, address: str, message: Message) -> dict:
        text = self.text(message)
        logger.info("SMS (log only) to %s: %s", masking.mask_mobile(address), text)
        return {"to": masking.mask_mobile(address), "text": text, "delivered": False}


class LogWeChatProvider:
    """Sends nothing: writes the would-be template message to the log and the delivery row."""

    name = "log"

    def __init__(self, options: dict | None = None) -> None:
        self.options = options or {}

    def send(self, address: str, message: Message) -> dict:
        payload = WeChatTemplateProvider.build_payload(
            address, message, template_id=self.options.get("template_id") or "(未配置模板)")
        payload["touser"] = mask_openid(address)
        logger.info("WeChat (log only): %s", json.dumps(payload, ensure_ascii=False))
        return {**payload, "delivered": False}


# --- Aliyun SMS ------------------------------------------------------------------------------------

def _percent(value: str) -> str:
    """Aliyun's "special URL encoding": RFC 3986, space as %20, ``~`` kept."""
    return quote(str(value), safe="~")


def aliyun_signature(secret: str, params: dict[str, str], method: str = "GET") -> str:
    """The RPC signature v1 (HMAC-SHA1) of ``params`` — base64, not yet URL-encoded."""
    canonical = "&".join(f"{_percent(k)}={_percent(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{_percent('/')}&{_percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class AliyunSmsProvider:
    """Aliyun SMS ``SendSms`` with one notification template (see the module docstring)."""

    name = "aliyun"
    endpoint = "https://dysmsapi.aliyuncs.com/"
    TEMPLATE_VALUE_MAX = 35  # a variable of a notification template holds at most 35 characters

    def __init__(self, options: dict, *, transport: Transport | None = None) -> None:
        missing = [k for k in ("access_key_id", "access_key_secret", "sign_name", "template_code")
                   if not options.get(k)]
        if missing:
            raise ImproperlyConfigured(f"SUNLIT_SMS_BACKEND=aliyun needs {', '.join(missing)}")
        self.options = options
        self.transport = transport or http_transport

    def template_code(self, message: Message) -> str:
        """The notification template, or for a one-time code the verification-code template."""
        if message.code:
            if not self.options.get("code_template_code"):
                raise ProviderError("aliyun: SUNLIT_SMS_CODE_TEMPLATE_CODE is not set; "
                                    "a code needs a verification-code template")
            return self.options["code_template_code"]
        return self.options["template_code"]

    def template_param(self, message: Message) -> dict[str, str]:
        if message.code:
            return {"code": message.code}
        limit = self.TEMPLATE_VALUE_MAX
        return {"community": message.community[:limit], "title": message.title[:limit]}

    def build_params(self, mobile: str, message: Message, *, nonce: str | None = None,
                     timestamp: dt.datetime | None = None) -> dict[str, str]:
        """The signed query parameters of one ``SendSms`` call."""
        when = (timestamp or timezone.now()).astimezone(dt.UTC)
        params = {
            "AccessKeyId": self.options["access_key_id"],
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": mobile,
            "RegionId": self.options.get("region") or "cn-hangzhou",
            "SignName": self.options["sign_name"],
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.template_code(message),
            "TemplateParam": json.dumps(self.template_param(message), ensure_ascii=False,
                                        separators=(",", ":")),
            "Timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        params["Signature"] = aliyun_signature(self.options["access_key_secret"], params)
        return params

    def send(self, address: str, message: Message) -> dict:
        params = self.build_params(address, message)
        query = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in params.items())
        answer = self.transport("GET", f"{self.endpoint}?{query}")
        kept = {"PhoneNumbers": masking.mask_mobile(address), "SignName": params["SignName"],
                "TemplateCode": params["TemplateCode"],
                # a one-time code is never kept
                "TemplateParam": "" if message.code else params["TemplateParam"],
                "response": {k: answer.get(k) for k in ("Code", "Message", "BizId", "RequestId")}}
        if answer.get("Code") != "OK":
            raise ProviderError(f"aliyun: {answer.get('Code')} {answer.get('Message', '')}".strip())
        return kept


# --- WeChat official account ------------------------------------------------------------------------

class WeChatTemplateProvider:
    """Template messages of a WeChat official account (see the module docstring)."""

    name = "wechat"
    api = "https://api.weixin.qq.com/cgi-bin"
    THING_MAX = 20  # a "thing" field of a template holds at most 20 characters
    TOKEN_ERRORS = frozenset({40001, 40014, 42001})

    def __init__(self, options: dict, *, transport: Transport | None = None) -> None:
        missing = [k for k in ("app_id", "app_secret", "template_id") if not options.get(k)]
        if missing:
            raise ImproperlyConfigured(f"SUNLIT_WECHAT_BACKEND=wechat needs {', '.join(missing)}")
        self.options = options
        self.transport = transport or http_transport

    @classmethod
    def build_payload(cls, openid: str, message: Message, *, template_id: str) -> dict:
        """The body of ``message/template/send`` for one recipient."""
        local = timezone.localtime(message.time)
        payload = {
            "touser": openid,
            "template_id": template_id,
            "data": {
                "thing1": {"value": message.title[:cls.THING_MAX]},
                "thing2": {"value": message.community[:cls.THING_MAX]},
                "time3": {"value": f"{local:%Y年%m月%d日 %H:%M}"},
            },
        }
        if message.link.startswith("https://"):  # WeChat opens absolute https links only
            payload["url"] = message.link
        return payload

    def _token_key(self) -> str:
        return f"sunlit:wechat-token:{self.options['app_id']}"

    def access_token(self) -> str:
        token = cache.get(self._token_key())
        if token:
            return token
        query = urlencode({"grant_type": "client_credential", "appid": self.options["app_id"],
                           "secret": self.options["app_secret"]})
        answer = self.transport("GET", f"{self.api}/token?{query}")
        token = answer.get("access_token")
        if not token:
            raise ProviderError(f"wechat token: {answer.get('errcode')} {answer.get('errmsg', '')}")
        cache.set(self._token_key(), token, max(int(answer.get("expires_in", 7200)) - 300, 60))
        return token

    def send(self, address: str, message: Message) -> dict:
        payload = self.build_payload(address, message, template_id=self.options["template_id"])
        url = f"{self.api}/message/template/send?{urlencode({'access_token': self.access_token()})}"
        answer = self.transport("POST", url, json_body=payload)
        kept = {**payload, "touser": mask_openid(address),
                "response": {k: answer.get(k) for k in ("errcode", "errmsg", "msgid")}}
        code = answer.get("errcode", 0)
        if code in self.TOKEN_ERRORS:
            cache.delete(self._token_key())
        if code != 0:
            raise ProviderError(f"wechat: {code} {answer.get('errmsg', '')}".strip())
        return kept


# --- choosing ----------------------------------------------------------------------------------

SMS_PROVIDERS = {"log": LogSmsProvider, "aliyun": AliyunSmsProvider}
WECHAT_PROVIDERS = {"log": LogWeChatProvider, "wechat": WeChatTemplateProvider}
OFF = frozenset({"", "off", "none", "0", "false"})


def load_provider(backend: str, known: dict[str, type], options: dict):
    """The provider a backend setting names, or ``None`` when the channel is off."""
    backend = (backend or "").strip()
    if backend.lower() in OFF:
        return None
    cls = known.get(backend.lower())
    if cls is None:
        if "." not in backend:
            raise ImproperlyConfigured(f"unknown notification backend {backend!r}")
        cls = import_string(backend)
    return cls(options)
