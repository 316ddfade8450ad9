"""The real SMS / WeChat adapters build their requests for real; a fake transport stands in for
the provider's server, so nothing leaves this machine."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured

from sunlit.notices import channels, providers
from sunlit.notices.choices import DeliveryStatus
from sunlit.notices.providers import (
    AliyunSmsProvider,
    Message,
    ProviderError,
    WeChatTemplateProvider,
    aliyun_signature,
)

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MESSAGE = Message(community="明强小区", title="您的报修 BX-20261118-0001 已派单", body="处理人：张师傅",
                  link="https://wuye.example.cn/tickets/1/",
                  time=dt.datetime(2026, 11, 18, 10, 5, tzinfo=SHANGHAI), kind="ticket")
ALIYUN = {"access_key_id": "testId", "access_key_secret": "testSecret", "sign_name": "阳光物业",
          "template_code": "SMS_123456789", "region": "cn-hangzhou"}
WECHAT = {"app_id": "wx0123456789abcdef", "app_secret": "s3cret", "template_id": "TPL-ticket-1"}


@pytest.fixture(autouse=True)
def empty_cache():
    from django.core.cache import cache

    cache.clear()  # the WeChat access token is cached
    yield
    cache.clear()


class FakeServer:
    """Answers like the provider would and keeps every request."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests = []

    def __call__(self, method, url, *, json_body=None, timeout=10.0):
        self.requests.append((method, url, json_body))
        return self.answers.pop(0)


def test_aliyun_signature_matches_the_documented_example():
    # the example of Aliyun's SMS signature documentation (RPC signature v1)
    params = {"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
              "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
              "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007",
              "TemplateParam": '{"customer":"test"}', "Timestamp": "2017-07-12T02:42:19Z",
              "Version": "2017-05-25"}
    assert aliyun_signature("testSecret", params) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_aliyun_request_is_built_and_signed():
    provider = AliyunSmsProvider(ALIYUN)
    params = provider.build_params("13900001234", MESSAGE, nonce="n-1",
                                   timestamp=dt.datetime(2026, 11, 18, 10, 5, tzinfo=SHANGHAI))
    assert params["Timestamp"] == "2026-11-18T02:05:00Z"
    assert json.loads(params["TemplateParam"]) == {"community": "明强小区",
                                                   "title": "您的报修 BX-20261118-0001 已派单"}
    assert (params["Action"], params["PhoneNumbers"], params["SignName"], params["TemplateCode"]) == (
        "SendSms", "13900001234", "阳光物业", "SMS_123456789")
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    assert params["Signature"] == aliyun_signature("testSecret", unsigned)


def test_aliyun_template_values_are_cut_to_35_characters():
    long = Message(**{**MESSAGE.__dict__, "title": "标" * 50})
    assert len(AliyunSmsProvider(ALIYUN).template_param(long)["title"]) == 35


def test_aliyun_send_keeps_no_full_number():
    server = FakeServer({"Code": "OK", "Message": "OK", "BizId": "9006197469364984^0", "RequestId": "r1"})
    kept = AliyunSmsProvider(ALIYUN, transport=server).send("13900001234", MESSAGE)
    ((method, url, body),) = server.requests
    assert method == "GET" and url.startswith("https://dysmsapi.aliyuncs.com/?") and body is None
    query = dict(parse_qsl(urlsplit(url).query))
    assert query["PhoneNumbers"] == "13900001234" and query["SignName"] == "阳光物业"
    assert "%20" not in url or "+" not in url  # RFC 3986 encoding, never form encoding
    unsigned = {k: v for k, v in query.items() if k != "Signature"}
    assert query["Signature"] == aliyun_signature("testSecret", unsigned)
    assert kept["PhoneNumbers"] == "139****1234"
    assert kept["response"]["BizId"] == "9006197469364984^0"
    assert "13900001234" not in json.dumps(kept)


def test_aliyun_refusal_raises():
    server = FakeServer({"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"})
    with pytest.raises(ProviderError, match="BUSINESS_LIMIT_CONTROL"):
        AliyunSmsProvider(ALIYUN, transport=server).send("13900001234", MESSAGE)


def test_aliyun_needs_its_settings():
    with pytest.raises(ImproperlyConfigured, match="template_code"):
        AliyunSmsProvider({**ALIYUN, "template_code": ""})


def test_wechat_template_message_payload():
    payload = WeChatTemplateProvider.build_payload("oOPENID123456", MESSAGE, template_id="TPL-ticket-1")
    assert payload == {
        "touser": "oOPENID123456", "template_id": "TPL-ticket-1",
        "url": "https://wuye.example.cn/tickets/1/",
        "data": {"thing1": {"value": "您的报修 BX-20261118-0001 已派单"[:20]},
                 "thing2": {"value": "明强小区"},
                 "time3": {"value": "2026年11月18日 10:05"}}}
    relative = Message(**{**MESSAGE.__dict__, "link": "/tickets/1/"})
    assert "url" not in WeChatTemplateProvider.build_payload("o", relative, template_id="t")


def test_wechat_send_fetches_and_caches_the_token():
    server = FakeServer({"access_token": "TOKEN-1", "expires_in": 7200},
                        {"errcode": 0, "errmsg": "ok", "msgid": 200228332},
                        {"errcode": 0, "errmsg": "ok", "msgid": 200228333})
    provider = WeChatTemplateProvider(WECHAT, transport=server)
    kept = provider.send("oOPENID123456", MESSAGE)
    provider.send("oOPENID123456", MESSAGE)
    token_call, first, second = server.requests
    assert token_call[1] == ("https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential"
                             "&appid=wx0123456789abcdef&secret=s3cret")
    assert first[0] == "POST" and first[1].endswith("/message/template/send?access_token=TOKEN-1")
    assert first[2]["touser"] == "oOPENID123456" and first[2]["template_id"] == "TPL-ticket-1"
    assert second[1] == first[1]  # the token came from the cache
    assert kept["touser"] == "oOPE***56" and kept["response"]["msgid"] == 200228332


def test_wechat_expired_token_is_dropped_and_raises():
    server = FakeServer({"access_token": "OLD", "expires_in": 7200},
                        {"errcode": 42001, "errmsg": "access_token expired"},
                        {"access_token": "NEW", "expires_in": 7200},
                        {"errcode": 0, "errmsg": "ok", "msgid": 1})
    provider = WeChatTemplateProvider(WECHAT, transport=server)
    with pytest.raises(ProviderError, match="42001"):
        provider.send("oOPENID123456", MESSAGE)
    provider.send("oOPENID123456", MESSAGE)  # the retry fetches a new token
    assert server.requests[3][1].endswith("access_token=NEW")


def test_only_https_endpoints_are_called():
    with pytest.raises(ProviderError):
        providers.http_transport("GET", "http://dysmsapi.aliyuncs.com/?x=1")
    with pytest.raises(ProviderError):
        providers.http_transport("GET", "file:///etc/passwd")


def test_backends_are_chosen_by_setting():
    assert providers.load_provider("off", providers.SMS_PROVIDERS, {}) is None
    assert providers.load_provider("", providers.SMS_PROVIDERS, {}) is None
    assert isinstance(providers.load_provider("log", providers.SMS_PROVIDERS, {}), providers.LogSmsProvider)
    assert isinstance(providers.load_provider("aliyun", providers.SMS_PROVIDERS, ALIYUN),
                      AliyunSmsProvider)
    custom = providers.load_provider("sunlit.notices.providers.LogWeChatProvider",
                                     providers.WECHAT_PROVIDERS, {"template_id": "x"})
    assert isinstance(custom, providers.LogWeChatProvider) and custom.options == {"template_id": "x"}
    with pytest.raises(ImproperlyConfigured):
        providers.load_provider("carrier-pigeon", providers.SMS_PROVIDERS, {})


def test_a_provider_that_crashes_is_a_failed_delivery(send, owner):
    class Broken:
        name = "broken"

        def send(self, address, message):
            raise ConnectionResetError("peer reset")

    (note,) = send([owner])
    result = channels.SmsChannel(provider=Broken()).send(note, owner)
    assert result.status == DeliveryStatus.FAILED and "ConnectionResetError" in result.error
    assert result.address.startswith(owner.mobile[:3]) and "****" in result.address


def test_aliyun_sends_a_one_time_code_through_the_verification_code_template():
    code = Message(community="阳光物业", title="验证码 123456", body="您正在重置密码，验证码 123456",
                   link="", time=MESSAGE.time, kind="code", code="123456")
    provider = AliyunSmsProvider({**ALIYUN, "code_template_code": "SMS_CODE_1"})
    params = provider.build_params("13900001234", code, nonce="n-2", timestamp=MESSAGE.time)
    assert params["TemplateCode"] == "SMS_CODE_1"
    assert json.loads(params["TemplateParam"]) == {"code": "123456"}  # nothing else in a code SMS
    # an ordinary notification still goes through the notification template
    assert provider.build_params("13900001234", MESSAGE)["TemplateCode"] == "SMS_123456789"
    server = FakeServer({"Code": "OK", "Message": "OK", "BizId": "1^0", "RequestId": "r2"})
    kept = AliyunSmsProvider({**ALIYUN, "code_template_code": "SMS_CODE_1"},
                             transport=server).send("13900001234", code)
    assert "123456" not in json.dumps(kept)  # the code is never kept


def test_aliyun_refuses_a_code_without_a_verification_code_template():
    code = Message(community="阳光物业", title="验证码 123456", body="", link="", time=MESSAGE.time,
                   kind="code", code="123456")
    server = FakeServer()
    with pytest.raises(ProviderError, match="SUNLIT_SMS_CODE_TEMPLATE_CODE"):
        AliyunSmsProvider(ALIYUN, transport=server).send("13900001234", code)
    assert server.requests == []
