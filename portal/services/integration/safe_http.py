"""Outgoing HTTP to URLs chosen by API clients (webhooks) without reaching inward.

One resolver serves the check and the connection: the host is resolved once
(``socket.getaddrinfo``), every address it resolves to is checked, and the socket is opened to
the checked address itself. The ``Host`` header, TLS SNI and certificate verification still
use the host name. There is no second look-up between check and connect, so a DNS answer that
changes (DNS rebinding) cannot move the request to an address that was never checked.
Redirects are not followed and no proxy is used.

An address is public when it is globally reachable (:attr:`ipaddress.IPv4Address.is_global`
and none of the special-purpose properties); an IPv6 address that carries an IPv4 address
(IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo) is refused when the IPv4 address would be.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: A resolved, checked address: the family and the ``sockaddr`` to connect to.
Target = tuple[socket.AddressFamily, tuple[object, ...]]

# Special-purpose networks that some Python versions still call global (3.11 calls multicast,
# site-local, 192.0.0.0/24 and the local-use NAT64 prefix global).
_REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "192.0.0.0/24",  # IETF protocol assignments
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "fec0::/10",  # site-local (deprecated)
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215): a network's own translator
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix (RFC 6052)
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # ::a.b.c.d (deprecated)


class RefusedAddress(OSError):
    """The host resolves to an address webhooks may not reach; fails like a network error."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)  # (server, client)
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _special(ip: IPAddress) -> bool:
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or any(ip in net for net in _REFUSED_NETWORKS if net.version == ip.version)
    )


def is_public(ip: IPAddress) -> bool:
    """Whether webhooks may connect to ``ip`` (see the module docstring)."""
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ipaddress.IPv6Address(int(ip))  # drop a %zone
        embedded = _embedded_ipv4(ip)
        if not all(is_public(v4) for v4 in embedded):
            return False
        if ip.ipv4_mapped is not None or ip in _NAT64:
            # Only a translation of the IPv4 address, whose check just passed (ipaddress
            # calls the prefixes themselves private or reserved).
            return True
    return not _special(ip)


def numeric_host(host: str) -> IPAddress | None:
    """The address a numeric host stands for, in any notation the system resolver accepts
    (``127.1``, ``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``[::ffff:7f00:1]``, a zone);
    ``None`` for a name. Never asks DNS."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (OSError, UnicodeError, ValueError):
        infos = []
    if infos:
        return ipaddress.ip_address(str(infos[0][4][0]).split("%", 1)[0])
    try:  # what inet_aton would make of it, should a resolver use that
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, UnicodeError, ValueError):
        return None


def resolve(host: str, port: int, allow_private: bool = False) -> list[Target]:
    """Resolves ``host`` once and checks every address; raises :class:`RefusedAddress` if
    any is not public (unless ``allow_private``), :class:`socket.gaierror` if none."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    targets: list[Target] = []
    for family, _type, _proto, _name, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if not allow_private and not is_public(ip):
            raise RefusedAddress(f"{host} resolves to a non-public address ({ip})")
        if (family, sockaddr) not in targets:
            targets.append((family, sockaddr))
    if not targets:
        raise socket.gaierror(f"{host} resolves to no address")
    return targets


def open_socket(targets: list[Target], timeout: float) -> socket.socket:
    """A TCP connection to the first checked address that answers (no look-up here)."""
    error: OSError | None = None
    for family, sockaddr in targets:
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    raise error or OSError("no address to connect to")


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to already-checked addresses; ``host`` is only the Host header."""

    def __init__(self, host: str, port: int, targets: list[Target], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.targets = targets
        self.connect_timeout = timeout

    def connect(self) -> None:
        self.sock = open_socket(self.targets, self.connect_timeout)


def tls_context() -> ssl.SSLContext:
    """Certificate and host name verification as urllib does by default."""
    return ssl.create_default_context()


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As :class:`PinnedHTTPConnection`; TLS SNI and the certificate check use ``host``."""

    def __init__(self, host: str, port: int, targets: list[Target], timeout: float) -> None:
        self.tls = tls_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.targets = targets
        self.connect_timeout = timeout

    def connect(self) -> None:
        sock = open_socket(self.targets, self.connect_timeout)
        try:
            self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def post(
    url: str, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool = False
) -> int:
    """POSTs ``body`` to an ``http(s)`` URL through :func:`resolve`; returns the HTTP status
    (a redirect is returned, not followed); raises :class:`OSError` on network failures."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError("not an http(s) URL")
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    targets = resolve(host, port, allow_private)
    kind = PinnedHTTPSConnection if https else PinnedHTTPConnection
    connection = kind(host, port, targets, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        status = int(response.status)
        response.close()
    finally:
        connection.close()
    return status
