"""Outbound requests — 对外请求: the one way the server calls an address someone typed in.

A witness's push URL today (webhooks later) is entered by a user, and the server calls it from
inside the operator's network. Without a check that is a blind SSRF: ``http://127.0.0.1:6379/``,
the cloud's metadata service ``http://169.254.169.254/``, a database on ``10.0.0.5``. So
``request()``:

- takes only ``http``/``https`` URLs without user info;
- resolves the host name once and refuses it unless **every** address is a global unicast
  address — not loopback, private, link-local, CGNAT shared, multicast, reserved or unspecified,
  also when written in another form (``2130706433``, ``0177.0.0.1``, ``0x7f000001``, IPv4-mapped
  ``::ffff:127.0.0.1``, 6to4, Teredo or NAT64 addresses embedding such an address);
- connects to the very address it checked (no second look-up a rebinding DNS could answer
  differently), with the host name sent as ``Host`` and as the TLS server name;
- never follows a redirect: a 3xx is returned as the answer;
- bounds the connect time, each read, the whole exchange and the size of the body read;
- never puts a response body in a log line or an exception message.

An operator who runs a witness on his own network names its host in
``SUNLIT_OUTBOUND_ALLOW_HOSTS`` (exact host names or IP literals, comma-separated): for those
hosts the address check is skipped, nothing else.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
TOTAL_TIMEOUT = 20.0
MAX_BODY = 1024 * 1024
USER_AGENT = "sunlit-outbound/1"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundRefused(Exception):
    """The target is not one the server may call (the message says why, in Chinese)."""


class OutboundFailure(Exception):
    """The call was allowed but did not complete: no connection, a time-out, a broken answer."""


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]
    allowed_by_name: bool


def allowed_hosts() -> frozenset[str]:
    return frozenset(h.strip().lower().strip("[]")
                     for h in getattr(settings, "SUNLIT_OUTBOUND_ALLOW_HOSTS", []) if h.strip())


def _embedded(address: ipaddress.IPv4Address | ipaddress.IPv6Address):
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), if any."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(text: str) -> bool:
    """Whether ``text`` (an IP address) is a global unicast address the server may call."""
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    inner = _embedded(address)
    if inner is not None and not is_public_address(str(inner)):
        return False
    return (address.is_global and not address.is_multicast and not address.is_reserved
            and not address.is_private and not address.is_loopback
            and not address.is_link_local and not address.is_unspecified)


def _literal(host: str) -> str | None:
    """The IP address ``host`` spells, in any form the resolver accepts (2130706433, 0x7f.1…)."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        return socket.inet_ntoa(socket.inet_aton(host))  # decimal, octal, hex, short forms
    except OSError:
        return None


def check_url(url: str, *, resolve: bool = True) -> Target:
    """The target of ``url`` if the server may call it; else ``OutboundRefused``.

    Without ``resolve`` (when a URL is saved) only what the URL itself shows is checked: scheme,
    user info, an IP address in any spelling, ``localhost``. ``request()`` checks again, with the
    host name resolved, every time it calls."""
    if not isinstance(url, str) or len(url) > 2000:
        raise OutboundRefused(_("地址无效"))
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise OutboundRefused(_("地址无效")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused(_("请填写以 http:// 或 https:// 开头的地址"))
    if parts.username or parts.password:
        raise OutboundRefused(_("地址中不能包含用户名或密码"))
    host = parts.hostname.lower().rstrip(".")
    port = port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if host in allowed_hosts():
        addresses = (_literal(host),) if _literal(host) else ()
        if resolve and not addresses:
            addresses = _resolve(host, port)
        return Target(parts.scheme, host, port, path, addresses, True)
    refused = _("不能访问本机、内网或保留地址（%(host)s）；如确需访问内网的见证节点，请由运维在 "
                "SUNLIT_OUTBOUND_ALLOW_HOSTS 中登记该主机") % {"host": host}
    literal = _literal(host)
    if literal is not None:
        if not is_public_address(literal):
            raise OutboundRefused(refused)
        return Target(parts.scheme, host, port, path, (literal,), False)
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        raise OutboundRefused(refused)
    addresses = _resolve(host, port) if resolve else ()
    if any(not is_public_address(a) for a in addresses):
        raise OutboundRefused(refused)
    return Target(parts.scheme, host, port, path, addresses, False)


def _resolve(host: str, port: int) -> tuple[str, ...]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise OutboundFailure(_("无法解析主机名 %(host)s") % {"host": host}) from None
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise OutboundFailure(_("无法解析主机名 %(host)s") % {"host": host})
    return addresses


class _Pinned(http.client.HTTPConnection):
    """An HTTP connection to an address already checked (the host name only in ``Host``)."""

    def __init__(self, address: str, port: int, *, connect_timeout: float, read_timeout: float):
        super().__init__(address, port, timeout=connect_timeout)
        self.read_timeout = read_timeout

    def connect(self):
        super().connect()
        self.sock.settimeout(self.read_timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    """An HTTPS connection to an address already checked, verifying the host name's certificate."""

    def __init__(self, address: str, port: int, server_name: str, *, connect_timeout: float,
                 read_timeout: float):
        super().__init__(address, port, timeout=connect_timeout,
                         context=ssl.create_default_context())
        self.server_name, self.read_timeout = server_name, read_timeout

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.server_name)
        self.sock.settimeout(self.read_timeout)


def request(url: str, *, method: str = "GET", data: bytes | None = None,
            content_type: str = "application/octet-stream", headers: dict | None = None,
            connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
            total_timeout: float = TOTAL_TIMEOUT, max_body: int = MAX_BODY) -> Response:
    """Calls ``url`` if the server may (see the module docstring). HTTP error statuses and
    redirects are answers; ``OutboundRefused`` for a forbidden target, ``OutboundFailure`` for
    anything else that went wrong (its message never holds the response body)."""
    target = check_url(url)
    deadline = time.monotonic() + total_timeout
    last_error: Exception | None = None
    for address in target.addresses:
        if not target.allowed_by_name and not is_public_address(address):
            raise OutboundRefused(_("不能访问本机、内网或保留地址（%(host)s）") % {"host": target.host})
        if target.scheme == "https":
            connection = _PinnedTLS(address, target.port, target.host,
                                    connect_timeout=connect_timeout, read_timeout=read_timeout)
        else:
            connection = _Pinned(address, target.port, connect_timeout=connect_timeout,
                                 read_timeout=read_timeout)
        sent = {"Host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}",
                "User-Agent": USER_AGENT, "Connection": "close", **(headers or {})}
        if data is not None:
            sent["Content-Type"] = content_type
        try:
            connection.request(method, target.path, body=data, headers=sent)
            answer = connection.getresponse()
            body = _read(answer, max_body, deadline)
            return Response(answer.status, answer.getheader("Content-Type", "") or "", body)
        except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
            last_error = exc
        finally:
            connection.close()
        if time.monotonic() > deadline:
            break
    reason = type(last_error).__name__ if last_error is not None else "no address"
    raise OutboundFailure(_("无法访问 %(host)s（%(reason)s）") % {"host": target.host,
                                                              "reason": reason})


def _read(answer: http.client.HTTPResponse, limit: int, deadline: float) -> bytes:
    chunks, size = [], 0
    while size <= limit:
        if time.monotonic() > deadline:
            raise TimeoutError("total time-out")
        chunk = answer.read1(min(65536, limit + 1 - size))  # what has arrived, not a full block
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[:limit]
