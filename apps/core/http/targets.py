"""What may be probed and what a probe gives: the address policy (SSRF), the parsed target
of a URL, the result of a request and its error classes."""

from __future__ import annotations

import enum
import functools
import ipaddress
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from ..client_ip import valid_ip

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "rsync": 873}
IPV4, IPV6 = "ipv4", "ipv6"  # address families, as FetchResult.family and Check.family say
_PATH_SAFE = "/%:@!$&'()*+,;=-._~?"
_PLAIN_PATH = re.compile(r"[A-Za-z0-9/%:@!$&'()*+,;=\-._~]*")


class FetchError(enum.StrEnum):
    """Why a request did not give a usable answer (stored in Check.error)."""

    DNS = "dns"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    TLS = "tls"
    HTTP_STATUS = "http_status"
    WRONG_CONTENT = "wrong_content"
    TOO_LARGE = "too_large"
    NOT_FOUND = "not_found"  # ftp and rsync: no such file (http says it with a status)
    LOGIN = "login"  # ftp: the anonymous login was refused; rsync: the module was
    FORBIDDEN_TARGET = "forbidden_target"
    OTHER = "other"


class ForbiddenTarget(Exception):
    """The target is not allowed: a non-public address, or a scheme that is not probed."""


class Failure(Exception):
    """A request failed with this error class (caught by SafeClient.fetch)."""

    def __init__(self, error: FetchError, detail: str):
        super().__init__(detail)
        self.error, self.detail = error, detail


NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")


def _nat64_embedded(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a NAT64 gateway (RFC 6052's well-known prefix) would connect to."""
    if ip in NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class TargetPolicy:
    """Which addresses may be probed: public ones, plus the allowed networks."""

    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_networks(cls, networks: Iterable[str]) -> TargetPolicy:
        return cls(tuple(ipaddress.ip_network(n.strip(), strict=False) for n in networks if n))

    @classmethod
    def from_settings(cls) -> TargetPolicy:
        from django.conf import settings

        return cls.from_networks(settings.MIRROR_CHECK_ALLOW_NETWORKS)

    def address_allowed(self, address: IPAddress | str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False  # a scoped (fe80::1%eth0) or malformed address
        if isinstance(ip, ipaddress.IPv6Address):
            if ip.teredo is not None:
                return False  # a tunnel: the host behind it is whatever the relay reaches
            embedded = ip.ipv4_mapped or ip.sixtofour or _nat64_embedded(ip)
            if embedded is not None:
                # ::ffff:10.0.0.1, 2002:7f00:1::, 64:ff9b::7f00:1 reach their IPv4 address
                # (mapped, 6to4, NAT64): judged as that address.
                ip = embedded
        if any(ip.version == net.version and ip in net for net in self.allowed_networks):
            return True
        return not (
            ip.is_private
            or ip.is_loopback
            or ip.is_link_local
            or ip.is_multicast
            or ip.is_reserved
            or ip.is_unspecified
            or not ip.is_global  # shared address space 100.64/10 and friends
        )

    def address_check(self, address: str, host: str = "") -> None:
        if not self.address_allowed(address):
            shown = f"{host} ({address})" if host and host != address else address
            raise ForbiddenTarget(f"{shown} is not a public address")


@dataclass(slots=True)
class FetchResult:
    """The outcome of one request, after redirects."""

    url: str
    method: str
    status: int | None = None
    body: bytes | None = None
    content_length: int | None = None  # the header (what HEAD answers are for)
    last_modified: str = ""  # the header as an IMF-fixdate; "" when absent or unreadable
    nbytes: int = 0
    latency_ms: int = 0
    error: FetchError | None = None
    detail: str = ""
    final_url: str = ""
    family: str = ""  # IPV4 or IPV6: the family of the addresses asked ("" before resolving)
    sha256: str = ""  # of the body, when it was hashed as it came instead of kept
    started: float = field(default=0.0, repr=False)  # wall clock, time.time()

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class Target:
    """A URL taken apart: host in ASCII (IDN names in punycode), lower case, no brackets."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, quoted
    url: str  # as given

    @property
    def literal(self) -> bool:
        """The host is an IP address, not a name."""
        return valid_ip(self.host)

    @property
    def request_url(self) -> str:
        """The URL as sent: ASCII host, explicit port, quoted path."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.path}"


def target_parse(url: str) -> Target:
    """Take a URL apart; ForbiddenTarget for other schemes, Failure for a bad URL."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    if not sep or "?" in netloc or "#" in url or "\\" in url:
        return _target_parse_slow(url)  # anything unusual goes through urlsplit
    scheme = scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ForbiddenTarget(f"scheme {scheme or '(none)'!r} is not probed")
    host, port = _netloc_parse(netloc, scheme)
    path = slash + path
    if "?" in path or not _PLAIN_PATH.fullmatch(path):
        return _target_parse_slow(url)
    return Target(scheme, host, port, path or "/", url)


def _target_parse_slow(url: str) -> Target:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ForbiddenTarget(f"scheme {scheme or '(none)'!r} is not probed")
    host, port = _netloc_parse(parts.netloc, scheme)
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE)
    return Target(scheme, host, port, path, url)


# Large enough for every mirror host of a big network: a round of the health loop asks
# each of 10,000 hosts once, and a smaller cache would miss on every one of them.
_HOSTS_CACHED = 65536


@functools.lru_cache(maxsize=_HOSTS_CACHED)
def _netloc_parse(netloc: str, scheme: str) -> tuple[str, int]:
    """(ASCII host, port) of a netloc; cached, as a sweep asks each mirror host many times."""
    parts = urlsplit(f"{scheme}://{netloc}/")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise Failure(FetchError.OTHER, f"bad URL: {exc}") from exc
    if not host:
        raise ForbiddenTarget("the URL has no host")
    return idna_host(host), port or DEFAULT_PORTS[scheme]


def idna_host(host: str) -> str:
    """The ASCII form of a host name (punycode for IDN labels, UTS #46 mapping)."""
    host = host.lower().rstrip(".")
    if host.isascii():
        if not re.fullmatch(r"[a-z0-9._:\-\[\]%]+", host):
            raise Failure(FetchError.DNS, f"{host[:80]!r} is not a host name")
        return host
    try:
        import idna

        return idna.encode(host, uts46=True).decode("ascii")
    except ImportError:  # pragma: no cover - idna comes with httpx
        return host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError) as exc:  # idna.IDNAError is a UnicodeError
        raise Failure(FetchError.DNS, f"{host[:80]!r}: {exc}") from exc


def family_of(address: str) -> str:
    return IPV6 if ":" in address else IPV4


def addresses_of(addresses: list[str], family: str | None, host: str) -> list[str]:
    """The checked addresses of one family (all of them for None); Failure if none."""
    if family is None:
        return addresses
    kept = [a for a in addresses if family_of(a) == family]
    if not kept:
        raise Failure(FetchError.DNS, f"{host}: no {family} address")
    return kept


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@functools.lru_cache(maxsize=1024)
def http_date(seconds: int) -> str:
    """An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") as email.utils.formatdate(usegmt)
    writes it; cached, as mirrors that copy the master's times answer the same few."""
    t = time.gmtime(seconds)
    return (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )
