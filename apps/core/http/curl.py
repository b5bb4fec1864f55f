"""libcurl's multi interface driven by an asyncio event loop (uvloop or asyncio's own).

libcurl parses HTTP (interim 1xx answers, chunked bodies, conflicting Content-Length),
verifies TLS and pools connections; this module only hands it the sockets' readiness
through `socket_action` and wakes the awaiting coroutine when a transfer ends. One
`CurlDriver` per event loop and client is shared by every session, so the connection
limits (per host and in total) hold across the whole sweep.
"""

from __future__ import annotations

import asyncio
import errno
import io
import socket
import ssl

import pycurl

from .targets import Failure, FetchError, Target

_TLS_CODES = frozenset(
    getattr(pycurl, name)
    for name in (
        "E_SSL_CONNECT_ERROR",
        "E_PEER_FAILED_VERIFICATION",
        "E_SSL_CERTPROBLEM",
        "E_SSL_CIPHER",
        "E_SSL_CACERT_BADFILE",
        "E_SSL_ISSUER_ERROR",
        "E_SSL_PINNEDPUBKEYNOTMATCH",
        "E_SSL_INVALIDCERTSTATUS",
        "E_SSL_ENGINE_INITFAILED",
        "E_SSL_ENGINE_NOTFOUND",
        "E_SSL_ENGINE_SETFAILED",
        "E_SSL_SHUTDOWN_FAILED",
        "E_SSL_CRL_BADFILE",
        "E_USE_SSL_FAILED",
    )
    if hasattr(pycurl, name)
)
_TOO_LARGE_CODES = frozenset(
    {pycurl.E_FILESIZE_EXCEEDED, getattr(pycurl, "E_TOO_LARGE", 100)}  # 100: headers
)
_NOT_HTTP_CODES = frozenset({8, pycurl.E_UNSUPPORTED_PROTOCOL})  # 8: CURLE_WEIRD_SERVER_REPLY
# ftp: 78 CURLE_REMOTE_FILE_NOT_FOUND, 19 CURLE_FTP_COULDNT_RETR_FILE; 67 CURLE_LOGIN_DENIED,
# 9 CURLE_REMOTE_ACCESS_DENIED
_NOT_FOUND_CODES = frozenset({78, 19})
_LOGIN_CODES = frozenset({67, 9})
_HTTP_ONLY = pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS


def _verify_paths() -> tuple[str | None, str | None]:
    """The system's CA bundle, as Python's ssl module finds it (the pycurl wheel carries its
    own OpenSSL, whose built-in default need not match the system's)."""
    paths = ssl.get_default_verify_paths()
    return paths.cafile or paths.openssl_cafile, paths.capath or paths.openssl_capath


class Transfer:
    """One request on one easy handle; the handle is returned to its driver when done."""

    __slots__ = ("handle", "target", "allowed", "buffer", "forbidden", "sockets", "source")

    def __init__(self, handle: pycurl.Curl):
        self.handle = handle
        self.target: Target | None = None
        self.allowed: frozenset[str] = frozenset()
        self.buffer = io.BytesIO()
        self.forbidden = ""  # an address libcurl wanted that was not checked
        self.sockets: list[socket.socket] = []  # ours; libcurl uses duplicates of them
        self.source: str | None = None  # the local address to probe from (a vantage point's)

    def setup(
        self, target: Target, address: str, method: str, *, max_bytes: int,
        timeout_ms: int, connect_timeout_ms: int, body: bytes | None = None,
        headers: tuple[str, ...] = (),
    ) -> None:  # fmt: skip
        c = self.handle
        self.target, self.allowed, self.forbidden = target, frozenset((address,)), ""
        self.buffer = io.BytesIO()
        c.setopt(pycurl.URL, target.request_url)
        # Connect to the checked address, an IP literal libcurl need not look up: it never
        # resolves the name itself (TLS still checks the name, and SNI sends it). The socket
        # callback below refuses any other address all the same.
        shown = f"[{address}]" if ":" in address else address
        c.setopt(pycurl.CONNECT_TO, [f"{target.host}:{target.port}:{shown}:{target.port}"])
        # ftp (an anonymous login, SIZE and MDTM, RETR for a GET) only for an ftp URL; its
        # passive data connection goes to the same checked address (FTP_SKIP_PASV_IP).
        ftp = target.scheme == "ftp"
        c.setopt(pycurl.PROTOCOLS, pycurl.PROTO_FTP if ftp else _HTTP_ONLY)
        if ftp:
            c.setopt(pycurl.FTP_SKIP_PASV_IP, 1)
        # (a handle is reused: its headers are set every time)
        c.setopt(pycurl.HTTPHEADER, ["Accept-Encoding: identity", *headers])
        if method == "POST":  # a webhook's event: the body given, the answer's read
            c.setopt(pycurl.NOBODY, 0)
            c.setopt(pycurl.POSTFIELDS, body or b"")
            c.setopt(pycurl.MAXFILESIZE_LARGE, max_bytes)
        elif method == "HEAD":
            c.setopt(pycurl.NOBODY, 1)
            c.setopt(pycurl.MAXFILESIZE_LARGE, 0)
        else:
            if ftp:
                c.setopt(pycurl.NOBODY, 0)
            else:
                c.setopt(pycurl.HTTPGET, 1)
            c.setopt(pycurl.MAXFILESIZE_LARGE, max_bytes)  # announced or streamed: 63
        c.setopt(pycurl.WRITEFUNCTION, self.buffer.write)
        c.setopt(pycurl.OPENSOCKETFUNCTION, self._socket_open)
        c.setopt(pycurl.TIMEOUT_MS, max(1, timeout_ms))
        c.setopt(pycurl.CONNECTTIMEOUT_MS, max(1, min(connect_timeout_ms, timeout_ms)))

    def _socket_open(self, purpose, address):
        family, socktype, protocol, addr = address
        if addr[0] not in self.allowed:
            self.forbidden = addr[0]
            return pycurl.SOCKET_BAD
        sock = socket.socket(family, socktype, protocol)
        self.sockets.append(sock)  # pycurl hands libcurl a dup(); ours is closed when done
        if self.source and (":" in self.source) == (family == socket.AF_INET6):
            sock.bind((self.source, 0))
        return sock

    def error_of(self, code: int, message: str, *, timeout: float, connect_timeout: float):
        """The Failure for a libcurl error code."""
        c = self.handle
        if self.forbidden:
            return Failure(FetchError.FORBIDDEN_TARGET, f"{self.forbidden} was not checked")
        if code == pycurl.E_OPERATION_TIMEDOUT:
            if message.startswith(("Connection timed out", "Failed to connect")):
                return Failure(FetchError.TIMEOUT, f"no connection within {connect_timeout:g} s")
            return Failure(FetchError.TIMEOUT, f"no answer within {timeout:g} s")
        if code == pycurl.E_COULDNT_CONNECT:
            if c.getinfo(pycurl.OS_ERRNO) == errno.ECONNREFUSED:
                return Failure(FetchError.REFUSED, message[:200])
            return Failure(FetchError.OTHER, message[:200])
        if code == pycurl.E_COULDNT_RESOLVE_HOST:
            return Failure(FetchError.DNS, message[:200])
        if code in _TLS_CODES:
            return Failure(FetchError.TLS, message[:200])
        if code in _TOO_LARGE_CODES:
            return Failure(FetchError.TOO_LARGE, message[:200])
        if code in _NOT_FOUND_CODES:
            return Failure(FetchError.NOT_FOUND, message[:200])
        if code in _LOGIN_CODES:
            return Failure(FetchError.LOGIN, message[:200])
        if code in _NOT_HTTP_CODES:
            return Failure(FetchError.WRONG_CONTENT, message[:200])
        return Failure(FetchError.OTHER, message[:200] or f"libcurl error {code}")


class CurlDriver:
    """A CurlMulti whose sockets and timer live in an asyncio loop."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, *, per_host: int, total: int, user_agent: str,
        ca_file: str | None,
    ):  # fmt: skip
        self.loop = loop
        self.users = 0
        self.user_agent = user_agent
        cafile, capath = _verify_paths()
        self.ca_file, self.ca_path = (ca_file, None) if ca_file else (cafile, capath)
        self.multi = m = pycurl.CurlMulti()
        m.setopt(pycurl.M_SOCKETFUNCTION, self._socket_changed)
        m.setopt(pycurl.M_TIMERFUNCTION, self._timer_changed)
        m.setopt(pycurl.M_MAX_HOST_CONNECTIONS, per_host)  # by host name and port
        m.setopt(pycurl.M_MAX_TOTAL_CONNECTIONS, total)
        m.setopt(pycurl.M_MAXCONNECTS, total)  # idle connections kept for reuse
        self._fds: dict[int, int] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_when = 0.0
        self._waiting: dict[pycurl.Curl, asyncio.Future] = {}
        self._free: list[Transfer] = []
        self._closed = False

    # -- transfers --

    def transfer(self) -> Transfer:
        if self._free:
            return self._free.pop()
        c = pycurl.Curl()
        for option, value in (
            (pycurl.NOSIGNAL, 1),
            (pycurl.FOLLOWLOCATION, 0),  # redirects are followed by hand, checked again
            (pycurl.PROTOCOLS, _HTTP_ONLY),
            (pycurl.REDIR_PROTOCOLS, _HTTP_ONLY),
            (pycurl.PROXY, ""),  # never a proxy from the environment
            (pycurl.NOPROXY, "*"),
            (pycurl.USERAGENT, self.user_agent),
            (pycurl.SSL_VERIFYPEER, 1),
            (pycurl.SSL_VERIFYHOST, 2),
            (pycurl.HTTPHEADER, ["Accept-Encoding: identity"]),
            # A probed host's requests follow each other within milliseconds; a connection
            # idle for longer belongs to a host done with, and is closed by libcurl's
            # once-a-second pruning rather than filling the pool (whose eviction scans it).
            (pycurl.MAXAGE_CONN, 2),
            # No DNS cache: it would hold an entry per host, which libcurl scans on every
            # new connection (a sweep's CPU grew with the square of its mirrors).
            (pycurl.DNS_CACHE_TIMEOUT, 0),
            # libcurl parses Last-Modified into INFO_FILETIME: no header callback in Python.
            (pycurl.OPT_FILETIME, 1),
        ):
            c.setopt(option, value)
        if self.ca_file:
            c.setopt(pycurl.CAINFO, self.ca_file)
        if self.ca_path:
            c.setopt(pycurl.CAPATH, self.ca_path)
        return Transfer(c)

    def release(self, transfer: Transfer) -> None:
        transfer.buffer = io.BytesIO()
        for sock in transfer.sockets:
            sock.close()
        transfer.sockets.clear()
        if self._closed:
            transfer.handle.close()
        else:
            self._free.append(transfer)

    async def perform(self, transfer: Transfer) -> tuple[int, str]:
        """Run the transfer; (0, "") or (libcurl error code, message)."""
        c = transfer.handle
        future = self.loop.create_future()
        self._waiting[c] = future
        self.multi.add_handle(c)
        try:
            return await future
        except asyncio.CancelledError:
            if self._waiting.pop(c, None) is not None:
                self.multi.remove_handle(c)  # an aborted transfer's connection is closed
            raise

    def close(self) -> None:
        """Close every connection; waiting transfers are cancelled."""
        if self._closed:
            return
        self._closed = True
        for c, future in list(self._waiting.items()):
            self.multi.remove_handle(c)
            future.cancel()
        self._waiting.clear()
        if self._timer is not None:
            self._timer.cancel()
        self.multi.close()  # closes the pooled connections (the callbacks unregister them)
        for fd in list(self._fds):
            self._unwatch(fd, self._fds.pop(fd))
        for transfer in self._free:
            transfer.handle.close()
        self._free.clear()

    # -- libcurl's callbacks and the loop's --

    def _socket_changed(self, what: int, fd: int, multi, data) -> None:
        old = self._fds.get(fd, 0)
        new = 0 if what == pycurl.POLL_REMOVE else what  # POLL_IN 1, POLL_OUT 2, INOUT 3
        if old == new:
            return
        self._unwatch(fd, old & ~new)
        if new & 1 and not old & 1:
            self.loop.add_reader(fd, self._act, fd, pycurl.CSELECT_IN)
        if new & 2 and not old & 2:
            self.loop.add_writer(fd, self._act, fd, pycurl.CSELECT_OUT)
        if new:
            self._fds[fd] = new
        else:
            self._fds.pop(fd, None)

    def _unwatch(self, fd: int, mask: int) -> None:
        if self.loop.is_closed():
            return
        if mask & 1:
            self.loop.remove_reader(fd)
        if mask & 2:
            self.loop.remove_writer(fd)

    def _timer_changed(self, ms: int) -> None:
        # libcurl moves its timer on nearly every call. A timer due no later than asked is
        # kept (waking early is harmless: libcurl then asks again), which spares the loop a
        # cancel and a new timer most of the time.
        if ms < 0 or self._closed:
            return
        when = self.loop.time() + ms / 1000
        if self._timer is not None:
            if self._timer_when <= when + 0.001:
                return
            self._timer.cancel()
        self._timer_when = when
        self._timer = self.loop.call_at(when, self._act, pycurl.SOCKET_TIMEOUT, 0)

    def _act(self, fd: int, events: int) -> None:
        if fd == pycurl.SOCKET_TIMEOUT:
            self._timer = None
        if self._closed:
            return
        self.multi.socket_action(fd, events)
        while True:
            left, done, failed = self.multi.info_read()
            for c in done:
                self._finish(c, 0, "")
            for c, code, message in failed:
                self._finish(c, code, message)
            if not left:
                return

    def _finish(self, c: pycurl.Curl, code: int, message: str) -> None:
        self.multi.remove_handle(c)
        future = self._waiting.pop(c, None)
        if future is not None and not future.done():
            future.set_result((code, message))
