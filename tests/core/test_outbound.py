"""Outbound requests (core.outbound): the server calls only global addresses, briefly.

Refused: loopback, private, link-local (the cloud metadata service), CGNAT, multicast,
reserved, in every spelling (decimal, octal, hex, IPv4-mapped IPv6, 6to4, NAT64), names that
resolve to any of them (``localhost``), and a name with one bad address among good ones. An
operator allows a named host; redirects are answers, never followed; time-outs are bounded;
response bodies never reach the log. The witness push uses it, and a witness URL that points
inside the network is refused when registered (422, nothing stored, no leaf).
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from sunlit.core import outbound

REFUSED = [
    "http://127.0.0.1/", "http://127.1.2.3:8080/x", "http://[::1]/", "http://10.0.0.5/",
    "http://172.16.3.4/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/", "http://0.0.0.0/", "http://224.0.0.1/", "http://240.0.0.1/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:a9fe:a9fe]/", "http://[2002:7f00:1::1]/",
    "http://[64:ff9b::a00:1]/", "http://[fe80::1]/", "http://[fc00::1]/",
    "http://2130706433/", "http://0177.0.0.1/", "http://0x7f000001/", "http://127.1/",
    "http://localhost/", "http://LOCALHOST./", "http://printer.local/", "http://db.internal/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_targets_inside_the_network_are_refused_before_any_connection(url, monkeypatch):
    def no_connection(*args, **kwargs):
        raise AssertionError("tried to connect")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    with pytest.raises(outbound.OutboundRefused) as exc:
        outbound.request(url)
    assert "内网" in str(exc.value)
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_url(url, resolve=False)


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/",
                                 "http://user:pass@example.com/", "http:///nohost", "nonsense",
                                 "http://example.com:99999/"])
def test_anything_but_plain_http_urls_is_refused(url):
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_url(url)


def _resolving_to(monkeypatch, *addresses):
    def fake(host, port, *args, **kwargs):
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_a_name_is_refused_when_any_of_its_addresses_is_inside(monkeypatch):
    """A DNS name answering one public and one private address (rebinding) is refused."""
    _resolving_to(monkeypatch, "93.184.215.14", "10.1.2.3")
    with pytest.raises(outbound.OutboundRefused):
        outbound.request("https://witness.example.org/add-checkpoint", method="POST", data=b"x")
    _resolving_to(monkeypatch, "::ffff:169.254.169.254")
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_url("https://metadata.example.org/")
    _resolving_to(monkeypatch, "93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    target = outbound.check_url("https://witness.example.org/x?y=1")
    assert target.addresses == ("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    assert (target.host, target.port, target.path) == ("witness.example.org", 443, "/x?y=1")


# --- against a real server on this machine (allowed by name) ---------------------------------


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(2)
            self.send_response(200)
            self.end_headers()
        elif self.path == "/drip":
            self.send_response(200)
            self.end_headers()
            for _n in range(30):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
        else:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"host=" + self.headers["Host"].encode())

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(500)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"SECRET-RESPONSE-BODY from the witness")


@pytest.fixture
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_an_operator_allows_a_named_host_and_nothing_else(local_server, settings):
    with pytest.raises(outbound.OutboundRefused):
        outbound.request(local_server + "/")
    settings.SUNLIT_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1"]
    answer = outbound.request(local_server + "/")
    assert answer.status == 200 and answer.body.startswith(b"host=127.0.0.1:")
    # another name for the same machine is still refused
    port = local_server.rsplit(":", 1)[1]
    with pytest.raises(outbound.OutboundRefused):
        outbound.request(f"http://localhost:{port}/")
    with pytest.raises(outbound.OutboundRefused):
        outbound.request(f"http://2130706433:{port}/")


def test_redirects_are_answers_never_followed(local_server, settings):
    settings.SUNLIT_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1"]
    answer = outbound.request(local_server + "/redirect")
    assert answer.status == 302 and answer.body == b""


def test_time_outs_are_bounded(local_server, settings):
    settings.SUNLIT_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1"]
    started = time.monotonic()
    with pytest.raises(outbound.OutboundFailure):
        outbound.request(local_server + "/slow", read_timeout=0.3)
    with pytest.raises(outbound.OutboundFailure):  # a body trickling in never ends the wait
        outbound.request(local_server + "/drip", read_timeout=1, total_timeout=0.8)
    assert time.monotonic() - started < 3
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(outbound.OutboundFailure):
        outbound.request(f"http://127.0.0.1:{port}/", connect_timeout=0.5)


def test_a_large_body_is_cut(local_server, settings):
    settings.SUNLIT_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1"]
    assert len(outbound.request(local_server + "/", max_body=6).body) == 6


# --- the witness push -------------------------------------------------------------------------


def test_a_witness_url_inside_the_network_is_refused_and_nothing_is_stored(community, committee):
    from sunlit.transparency import services
    from sunlit.transparency.cosignature import CosignatureSigner
    from sunlit.transparency.models import LogLeaf, WitnessKey

    signer = CosignatureSigner.generate("witness.example/lan")
    for url in ("http://169.254.169.254/", "http://localhost:8080/", "http://[::1]:80/",
                "http://2130706433/"):
        with pytest.raises(ValidationError) as exc:
            services.register_witness_key(community, actor=committee, vkey=signer.verifier.vkey,
                                          name="内网见证", url=url)
        assert "内网" in exc.value.message_dict["url"][0]
    assert not WitnessKey.objects.exists() and not LogLeaf.objects.exists()


def test_the_witness_api_refuses_it_with_422(client, community, committee):
    from sunlit.transparency.cosignature import CosignatureSigner
    from sunlit.transparency.models import WitnessKey
    from sunlit.transparency.services import get_or_create_log

    get_or_create_log(community)
    client.force_login(committee)
    answer = client.post(f"/api/v1/logs/{community.pk}/witnesses", {
        "name": "内网见证", "vkey": CosignatureSigner.generate("w.example/x").verifier.vkey,
        "url": "http://10.0.0.8:7380/"}, content_type="application/json")
    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"][0]["field"] == "url" and not WitnessKey.objects.exists()


def test_a_witness_answer_never_reaches_the_log(local_server, settings, community, committee,
                                                caplog):
    """The push logs why a witness did not cosign (its status), not what it answered."""
    from sunlit.transparency import services, tasks
    from sunlit.transparency.cosignature import CosignatureSigner

    settings.SUNLIT_OUTBOUND_ALLOW_HOSTS = ["127.0.0.1"]
    signer = CosignatureSigner.generate("witness.example/answers")
    services.register_witness_key(community, actor=committee, vkey=signer.verifier.vkey,
                                  name="见证", url=local_server)
    assert tasks.sign_checkpoints.call_local() == 1
    assert "did not cosign" in caplog.text and "HTTP 500" in caplog.text
    assert "SECRET-RESPONSE-BODY" not in caplog.text
