"""An asyncio HTTP client for URLs that other people give us (mirror URLs): it refuses
targets on loopback, private, link-local, multicast or reserved addresses (SSRF), caps
response bodies, follows redirects itself and re-checks every hop.

The check happens in the connector's resolver, so the socket connects to the very address
that was checked: a second DNS answer cannot swap in a private address (DNS rebinding).
Addresses written literally in a URL never reach a resolver, so `url_check` checks them
before each request.
"""

from __future__ import annotations

import asyncio
import enum
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ALLOWED_SCHEMES = frozenset({"http", "https"})


class FetchError(enum.StrEnum):
    """Why a request did not give a usable answer (stored in Check.error)."""

    DNS = "dns"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    TLS = "tls"
    HTTP_STATUS = "http_status"
    WRONG_CONTENT = "wrong_content"
    TOO_LARGE = "too_large"
    FORBIDDEN_TARGET = "forbidden_target"
    OTHER = "other"


class ForbiddenTarget(OSError):
    """The target is not allowed: a non-public address, or a scheme other than http(s).

    An OSError so that aiohttp's connector passes it on from the resolver (wrapped in a
    ClientConnectorDNSError) instead of treating it as a bug.
    """


@dataclass(frozen=True)
class TargetPolicy:
    """Which addresses may be probed: public ones, plus the allowed networks."""

    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_networks(cls, networks: Iterable[str]) -> TargetPolicy:
        return cls(tuple(ipaddress.ip_network(n, strict=False) for n in networks))

    @classmethod
    def from_settings(cls) -> TargetPolicy:
        from django.conf import settings

        return cls.from_networks(settings.MIRROR_CHECK_ALLOW_NETWORKS)

    def address_allowed(self, address: IPAddress | str) -> bool:
        ip = ipaddress.ip_address(address)
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
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

    def url_check(self, url: URL | str) -> URL:
        """Return the URL if its scheme and (literal) host may be requested, else raise."""
        url = URL(url) if isinstance(url, str) else url
        if url.scheme not in ALLOWED_SCHEMES:
            raise ForbiddenTarget(f"scheme {url.scheme or '(none)'!r} is not probed")
        host = url.raw_host or ""
        if not host:
            raise ForbiddenTarget("the URL has no host")
        try:
            ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return url  # a name: the resolver checks what it resolves to
        self.address_check(host.strip("[]"))
        return url


class SafeResolver(AbstractResolver):
    """Resolves with the default resolver and refuses the host if any address is forbidden."""

    def __init__(self, policy: TargetPolicy, resolver: AbstractResolver | None = None):
        self.policy = policy
        self._resolver = resolver or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._resolver.resolve(host, port, family)
        for result in results:
            # one bad address refuses the name: we would not know which one gets used
            self.policy.address_check(result["host"], host)
        return results

    async def close(self) -> None:
        await self._resolver.close()


@dataclass(slots=True)
class FetchResult:
    """The outcome of one request, after redirects."""

    url: str
    method: str
    status: int | None = None
    body: bytes | None = None
    content_length: int | None = None  # the header, for HEAD requests
    nbytes: int = 0
    latency_ms: int = 0
    error: FetchError | None = None
    detail: str = ""
    final_url: str = ""
    started: float = field(default=0.0, repr=False)  # wall clock, time.time()

    @property
    def ok(self) -> bool:
        return self.error is None


class _TooLarge(Exception):
    pass


class _TooManyRedirects(Exception):
    pass


@dataclass(frozen=True)
class SafeClient:
    """Settings of the safe client; one `session()` per target host keeps per-host limits."""

    policy: TargetPolicy
    timeout: float = 10.0
    connect_timeout: float = 5.0
    max_bytes: int = 1024 * 1024
    max_redirects: int = 3
    per_host: int = 2
    user_agent: str = "portal-mirror-check/1.0"
    resolver: AbstractResolver | None = None

    @classmethod
    def from_settings(cls, **overrides) -> SafeClient:
        from django.conf import settings

        values = {
            "policy": TargetPolicy.from_settings(),
            "timeout": settings.MIRROR_CHECK_TIMEOUT,
            "connect_timeout": settings.MIRROR_CHECK_CONNECT_TIMEOUT,
            "max_bytes": settings.MIRROR_CHECK_MAX_BYTES,
            "max_redirects": settings.MIRROR_CHECK_MAX_REDIRECTS,
            "per_host": settings.MIRROR_CHECK_PER_HOST,
            "user_agent": settings.MIRROR_CHECK_USER_AGENT,
        }
        values.update(overrides)
        return cls(**values)

    def session(self, resolver: AbstractResolver | None = None) -> aiohttp.ClientSession:
        """A session whose connector holds at most `per_host` connections.

        Pass one shared SafeResolver when making many sessions (it is not closed with them).
        """
        connector = aiohttp.TCPConnector(
            limit=self.per_host,
            limit_per_host=self.per_host,
            resolver=resolver or self.resolver or SafeResolver(self.policy),
            ttl_dns_cache=60,
            enable_cleanup_closed=False,
        )
        return aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=self.connect_timeout),
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "identity"},
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,  # no proxies from the environment: they would bypass the check
            auto_decompress=False,
        )

    async def fetch(
        self, session: aiohttp.ClientSession, url: str, *, method: str = "GET"
    ) -> FetchResult:
        """Request url; never raises for network trouble, returns the error class instead.

        The timeout covers the whole exchange, redirects included. GET bodies are read up
        to max_bytes; HEAD answers keep their Content-Length.
        """
        result = FetchResult(url=url, method=method, started=time.time())
        start = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                await self._exchange(session, URL(url), result)
        except ForbiddenTarget as exc:
            result.error, result.detail = FetchError.FORBIDDEN_TARGET, str(exc)
        except _TooManyRedirects as exc:
            result.error, result.detail = FetchError.OTHER, str(exc)
        except _TooLarge as exc:
            result.error, result.detail = FetchError.TOO_LARGE, str(exc)
        except (TimeoutError, aiohttp.ServerTimeoutError):
            result.error, result.detail = FetchError.TIMEOUT, f"no answer within {self.timeout:g} s"
        except aiohttp.ClientConnectorDNSError as exc:
            if isinstance(exc.os_error, ForbiddenTarget):
                result.error, result.detail = FetchError.FORBIDDEN_TARGET, str(exc.os_error)
            else:
                result.error, result.detail = FetchError.DNS, _short(exc.os_error or exc)
        except (aiohttp.ClientSSLError, ssl.SSLError) as exc:
            result.error, result.detail = FetchError.TLS, _short(exc)
        except aiohttp.ClientConnectorError as exc:
            refused = isinstance(exc.os_error, ConnectionRefusedError)
            result.error = FetchError.REFUSED if refused else FetchError.OTHER
            result.detail = _short(exc.os_error or exc)
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            result.error, result.detail = FetchError.OTHER, _short(exc)
        result.latency_ms = round((time.perf_counter() - start) * 1000)
        return result

    async def _exchange(self, session: aiohttp.ClientSession, url: URL, result: FetchResult):
        for _hop in range(self.max_redirects + 1):
            url = self.policy.url_check(url)
            async with session.request(result.method, url, allow_redirects=False) as resp:
                result.status, result.final_url = resp.status, str(url)
                location = resp.headers.get("Location")
                if resp.status in REDIRECT_STATUSES and location:
                    url = url.join(URL(location))
                    continue
                length = resp.headers.get("Content-Length")
                result.content_length = int(length) if length and length.isdigit() else None
                if result.method != "HEAD":
                    await self._body_read(resp, result)
                if resp.status != 200:
                    result.error, result.detail = FetchError.HTTP_STATUS, f"HTTP {resp.status}"
                return
        raise _TooManyRedirects(f"more than {self.max_redirects} redirects")

    async def _body_read(self, resp: aiohttp.ClientResponse, result: FetchResult) -> None:
        if result.content_length is not None and result.content_length > self.max_bytes:
            raise _TooLarge(f"{result.content_length} bytes announced")
        chunks, total = [], 0
        while chunk := await resp.content.read(self.max_bytes + 1 - total):
            chunks.append(chunk)
            total += len(chunk)
            if total > self.max_bytes:
                raise _TooLarge(f"more than {self.max_bytes} bytes")
        result.body, result.nbytes = b"".join(chunks), total


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]
