"""SafeClient and ProbeSession: the checks, resolution and redirects around libcurl."""

from __future__ import annotations

import asyncio
import collections
import hashlib
import inspect
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields

import pycurl

from .curl import CurlDriver, Transfer
from .dns import resolver_build
from .rsync import rsync_exchange
from .targets import (
    Failure,
    FetchError,
    FetchResult,
    ForbiddenTarget,
    Target,
    TargetPolicy,
    addresses_of,
    family_of,
    http_date,
)
from .targets import target_parse as _target_parse

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

# (host, port) -> addresses; may be a coroutine function. Raises socket.gaierror (or
# OSError) when the name does not resolve.
Resolver = Callable[[str, int], list[str] | Awaitable[list[str]]]


class Slots:
    """A semaphore whose release wakes the next waiter in O(1).

    asyncio.Semaphore in Python 3.11 scans its waiters on every release, which with a
    thousand waiting requests cost more CPU than the requests themselves.
    """

    __slots__ = ("_free", "_waiters")

    def __init__(self, count: int):
        self._free = count
        self._waiters: collections.deque[asyncio.Future] = collections.deque()

    async def __aenter__(self) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # a release hands its slot straight to us
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # woken and cancelled at once: pass the slot on
            raise

    async def __aexit__(self, *exc) -> None:
        self._release()

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


async def system_resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(info[4][0] for info in infos))


class ProbeSession:
    """The DNS answers of one probed host (a mirror), checked once, and its share of the
    client's connection pool. The caller bounds the requests it runs at once."""

    def __init__(self, client: SafeClient):
        self.client = client
        self._addresses: dict[tuple[str, int], list[str]] = {}
        self._driver: CurlDriver | None = None

    async def __aenter__(self) -> ProbeSession:
        return self

    async def __aexit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Give the pool back: the last session of an event loop closes its connections."""
        if self._driver is not None:
            self.client._driver_release(self._driver)
            self._driver = None

    def driver(self) -> CurlDriver:
        if self._driver is None:
            self._driver = self.client._driver_acquire()
        return self._driver

    async def addresses(self, target: Target) -> list[str]:
        """The checked addresses of the target: one bad address refuses the whole name."""
        key = (target.host, target.port)
        if key in self._addresses:
            return self._addresses[key]
        if target.literal:
            addresses = [target.host]
        else:
            try:
                answer = (self.client.resolver or system_resolve)(target.host, target.port)
                if inspect.isawaitable(answer):
                    answer = await answer
                addresses = list(answer)
            except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
                raise Failure(FetchError.DNS, f"{target.host}: {exc}"[:200]) from exc
            if not addresses:
                raise Failure(FetchError.DNS, f"{target.host}: no address")
        for address in addresses:
            self.client.policy.address_check(address, target.host)
        self._addresses[key] = addresses
        return addresses

    async def families(self, url: str) -> list[str | None]:
        """The address families to probe `url` over one by one: [IPV4, IPV6] when its host
        has addresses of both, else [None] (one family: asked as before; a name that does
        not resolve or is refused: the fetch itself records why)."""
        try:
            addresses = await self.addresses(_target_parse(url))
        except (Failure, ForbiddenTarget):
            return [None]
        found = list(dict.fromkeys(family_of(a) for a in addresses))
        return sorted(found) if len(found) > 1 else [None]


@dataclass(frozen=True)
class SafeClient:
    """Limits of the safe client. Use one `session()` per probed host.

    `resolver` replaces the system's name lookup (from the settings: c-ares, apps.core.http.dns;
    tests answer the farm's names with theirs);
    `ca_file` replaces the system's CA bundle. `total` is the number of requests the caller
    runs at once (None: 512); an event loop keeps at most total x per_host connections.
    """

    policy: TargetPolicy
    timeout: float = 10.0
    connect_timeout: float = 5.0
    max_bytes: int = 1024 * 1024
    max_redirects: int = 3
    per_host: int = 2
    user_agent: str = "portal-mirror-check/1.0"
    resolver: Resolver | None = field(default=None, compare=False)
    ca_file: str | None = None
    total: int | None = None
    source_address: str | None = None  # probe from this local address (a vantage point's)
    _drivers: dict = field(default_factory=dict, init=False, repr=False, compare=False)

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
            "total": getattr(settings, "MIRROR_CHECK_CONCURRENCY", None),
            # test hooks (apps.core.testing.fixtures.farm_names); unset in production, where
            # names go through c-ares at the caller's concurrency, remembered by this client
            "resolver": getattr(settings, "MIRROR_CHECK_RESOLVER", None)
            or resolver_build(
                settings.MIRROR_CHECK_DNS_SERVERS,
                timeout=settings.MIRROR_CHECK_DNS_TIMEOUT,
                tries=settings.MIRROR_CHECK_DNS_TRIES,
            ),
            "ca_file": getattr(settings, "MIRROR_CHECK_CA_FILE", None),
            "source_address": getattr(settings, "MIRROR_CHECK_SOURCE_ADDRESS", None) or None,
        }
        values.update(overrides)
        return cls(**values)

    def session(self) -> ProbeSession:
        return ProbeSession(self)

    # -- one libcurl multi handle per event loop, shared by its sessions --

    def _driver_acquire(self) -> CurlDriver:
        loop = asyncio.get_running_loop()
        driver = self._drivers.get(id(loop))
        if driver is None or driver.loop is not loop:
            # requests in flight are bounded by the caller (MIRROR_CHECK_CONCURRENCY); each
            # probed host may keep per_host connections open between its requests
            total = (self.total or 512) * self.per_host
            driver = CurlDriver(
                loop, per_host=self.per_host, total=max(total, self.per_host),
                user_agent=self.user_agent, ca_file=self.ca_file,
            )  # fmt: skip
            self._drivers[id(loop)] = driver
        driver.users += 1
        return driver

    def _driver_release(self, driver: CurlDriver) -> None:
        driver.users -= 1
        if driver.users <= 0:
            driver.close()
            if self._drivers.get(id(driver.loop)) is driver:
                del self._drivers[id(driver.loop)]

    # -- requests --

    async def fetch(
        self, session: ProbeSession, url: str, *, method: str = "GET", family: str | None = None,
        body: bytes | None = None, headers: tuple[str, ...] = (), max_bytes: int | None = None,
        digest: bool = False, timeout: float | None = None,
    ) -> FetchResult:  # fmt: skip
        """Request url (http, https or ftp through libcurl, rsync through the rsync client).
        The timeout covers the whole exchange, redirects included; GET bodies are read up to
        max_bytes, HEAD answers keep their Content-Length (and every answer its
        Last-Modified; ftp: SIZE and MDTM). `family` (IPV4, IPV6) asks only the addresses of
        that family. A POST sends `body` with `headers` and follows no redirect. `max_bytes`
        and `timeout` replace the client's for this request; with `digest` the body is not
        kept but hashed as it comes (result.sha256: a whole ISO image, in constant memory).
        A `Range:` header makes a 206 answer a success."""
        if max_bytes is not None or timeout is not None or digest:
            return await _Once(self, max_bytes, timeout, digest).fetch(
                session, url, method=method, family=family, body=body, headers=headers
            )
        result = FetchResult(url=url, method=method, started=time.time())
        sent = (body, tuple(headers))
        start = time.perf_counter()
        try:
            # libcurl keeps the time of each hop; this is the net below it
            async with asyncio.timeout(self.timeout + 1):
                if url[:8].lower() == "rsync://":
                    await rsync_exchange(self, session, url, result, family=family)
                else:
                    await self._exchange(session, url, result, start + self.timeout, family, sent)
        except ForbiddenTarget as exc:
            result.error, result.detail = FetchError.FORBIDDEN_TARGET, str(exc)
        except Failure as exc:
            result.error, result.detail = exc.error, exc.detail
        except TimeoutError:
            result.error, result.detail = FetchError.TIMEOUT, f"no answer within {self.timeout:g} s"
        if result.error is not None:
            result.body = None
        result.latency_ms = round((time.perf_counter() - start) * 1000)
        return result

    async def _exchange(
        self, session: ProbeSession, url: str, result: FetchResult, deadline: float,
        family: str | None = None, sent: tuple[bytes | None, tuple[str, ...]] = (None, ()),
    ) -> None:  # fmt: skip
        for _hop in range(self.max_redirects + 1):
            target = _target_parse(url)
            if _hop and target.scheme not in ("http", "https"):
                raise ForbiddenTarget(f"a redirect to {target.scheme} is not followed")
            result.final_url = url
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise Failure(FetchError.TIMEOUT, f"no answer within {self.timeout:g} s")
            addresses = session._addresses.get((target.host, target.port))
            if addresses is None:  # resolved once per session
                async with asyncio.timeout(remaining):
                    addresses = await session.addresses(target)
            addresses = addresses_of(addresses, family, target.host)
            result.family = family_of(addresses[0])
            driver = session.driver()
            transfer = driver.transfer()
            try:
                location = await self._request(session, driver, transfer, target, addresses,
                                               result, deadline, sent)  # fmt: skip
            finally:
                driver.release(transfer)
            if target.scheme == "ftp":
                return  # libcurl failed the transfer on any bad reply: here it went well
            status = result.status
            if status in REDIRECT_STATUSES and location and result.method != "POST":
                url = location
                continue
            ranged = status == 206 and any(h[:6].lower() == "range:" for h in sent[1])
            if (
                status != 200
                and not ranged
                and not (result.method == "POST" and 200 <= (status or 0) < 300)
            ):
                result.error, result.detail = FetchError.HTTP_STATUS, f"HTTP {status}"
            return
        raise Failure(FetchError.OTHER, f"more than {self.max_redirects} redirects")

    async def _request(
        self, session: ProbeSession, driver: CurlDriver, transfer: Transfer, target: Target,
        addresses: list[str], result: FetchResult, deadline: float,
        sent: tuple[bytes | None, tuple[str, ...]] = (None, ()),
    ) -> str | None:  # fmt: skip
        """One hop; sets status, length, Last-Modified and body on result; returns the
        redirect target. The addresses are tried in turn while connecting to them fails."""
        for i, address in enumerate(addresses):
            remaining_ms = int((deadline - time.perf_counter()) * 1000)
            transfer.setup(
                target, address, result.method, max_bytes=self.max_bytes,
                timeout_ms=remaining_ms, connect_timeout_ms=int(self.connect_timeout * 1000),
                body=sent[0], headers=sent[1],
            )  # fmt: skip
            transfer.source = self.source_address
            hasher = self._hasher_set(transfer)
            code, message = await driver.perform(transfer)
            if not code:
                break
            failure = transfer.error_of(
                code, message, timeout=self.timeout, connect_timeout=self.connect_timeout
            )
            connecting = code == pycurl.E_COULDNT_CONNECT or "no connection" in failure.detail
            if not connecting or i == len(addresses) - 1 or remaining_ms <= 0:
                raise failure
        c = transfer.handle
        if target.scheme == "ftp":
            result.status = None  # an ftp reply code is no HTTP status
            length = c.getinfo(pycurl.CONTENT_LENGTH_DOWNLOAD_T)  # SIZE, or the 150 reply's
            result.content_length = length if length >= 0 else None
            modified = c.getinfo(pycurl.INFO_FILETIME)  # MDTM
            result.last_modified = http_date(modified) if modified >= 0 else ""
            if result.method != "HEAD":
                body = transfer.buffer.getvalue()
                result.body, result.nbytes = body, len(body)
            return None
        result.status = c.getinfo(pycurl.RESPONSE_CODE)
        length = c.getinfo(pycurl.CONTENT_LENGTH_DOWNLOAD_T)
        result.content_length = length if length >= 0 else None
        modified = c.getinfo(pycurl.INFO_FILETIME)  # -1: no (readable) Last-Modified
        result.last_modified = http_date(modified) if modified >= 0 else ""
        if hasher is not None:
            result.body, result.nbytes, result.sha256 = b"", hasher[1], hasher[0].hexdigest()
        elif result.method != "HEAD":
            body = transfer.buffer.getvalue()
            result.body, result.nbytes = body, len(body)
        return c.getinfo(pycurl.REDIRECT_URL) if result.status in REDIRECT_STATUSES else None

    def _hasher_set(self, transfer: Transfer) -> list | None:
        return None  # _Once hashes


class _Once(SafeClient):
    """A client's settings with another body limit, timeout or a hashed body, for one
    request: it shares the session (and so the connections) of the client it copies."""

    def __init__(self, client: SafeClient, max_bytes, timeout, digest: bool):
        values = {f.name: getattr(client, f.name) for f in fields(SafeClient) if f.init}
        values["max_bytes"] = client.max_bytes if max_bytes is None else max_bytes
        values["timeout"] = client.timeout if timeout is None else timeout
        super().__init__(**values)
        object.__setattr__(self, "_digest", digest)  # a frozen dataclass

    def _hasher_set(self, transfer: Transfer) -> list | None:
        if not self._digest:
            return None
        state = [hashlib.sha256(), 0]

        def write(data: bytes) -> None:
            state[0].update(data)
            state[1] += len(data)

        transfer.handle.setopt(pycurl.WRITEFUNCTION, write)
        return state
