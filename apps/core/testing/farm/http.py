"""The farm's HTTP server: one asyncio protocol per connection, listening and blackholing."""

from __future__ import annotations

import asyncio
import contextlib
import socket

from .behaviours import Behaviour, SimMirror, _error, _Reply, _Request
from .repos import CHUNK
from .tree import _Resource

INLINE_BODY = 1 << 20  # bodies up to this size are written in one go, larger ones streamed
MAX_HEAD = 64 << 10  # request head limit


class _HttpProtocol(asyncio.Protocol):
    """Minimal HTTP/1.1 server connection: GET/HEAD, keep-alive, pipelining, flow control.

    A Protocol rather than streams because the benchmark runs thousands of mirrors per core.
    """

    def __init__(self, mirror: SimMirror):
        self.mirror = mirror
        self.transport: asyncio.Transport | None = None
        self.peer: str | None = None  # the client's address
        self.buf = bytearray()
        self.task: asyncio.Task | None = None  # an answer being sent asynchronously
        self.closed = False
        self._paused = False
        self._drain_waiter: asyncio.Future | None = None

    def connection_made(self, transport):
        self.transport = transport
        peer = transport.get_extra_info("peername")
        if peer and peer[0] in self.mirror.options.refuse_from:
            transport.abort()
            return
        self.peer = peer[0] if peer else None
        self.mirror._connections.add(self)

    def connection_lost(self, exc):
        self.closed = True
        self.mirror._connections.discard(self)
        if self.task is not None:
            self.task.cancel()
        self._wake_writer()

    def pause_writing(self):
        self._paused = True

    def resume_writing(self):
        self._paused = False
        self._wake_writer()

    def _wake_writer(self):
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    def data_received(self, data):
        self.buf += data
        if self.task is None:
            self._process()

    def _process(self):
        while not self.closed and self.task is None:
            req = self._parse_one()
            if req is None:
                return
            self.mirror.requests[req.path] += 1
            if self.mirror.behaviour is Behaviour.HANG:
                self.buf.clear()  # read and drop, never answer
                return
            reply = self.mirror._respond(req, self.peer)
            if reply.delay or reply.bandwidth or (reply.send_body and reply.length > INLINE_BODY):
                self.task = asyncio.get_running_loop().create_task(self._send_async(reply))
                return
            body = b""
            if reply.send_body and reply.body.data is not None and type(reply.body) is _Resource:
                body = reply.body.data[reply.start : reply.start + reply.length]
                body = body.ljust(reply.length, b"\0")
            elif reply.send_body:
                with reply.body.reader() as read:
                    body = read(reply.start, reply.length)
            self.transport.write(reply.head() + body)
            if not reply.keep_alive:
                self.transport.close()
                self.closed = True

    def _parse_one(self) -> _Request | None:
        while self.buf.startswith(b"\r\n"):  # stray CRLF between requests is allowed
            del self.buf[:2]
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buf) > MAX_HEAD:
                self._fail(431)
            return None
        lines = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            return self._fail(400)
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                return self._fail(400)
            headers[name.strip().lower()] = value.strip()
        try:
            body_len = int(headers.get("content-length", "0"))
        except ValueError:
            return self._fail(400)
        if "transfer-encoding" in headers or body_len < 0:
            return self._fail(400)  # GET/HEAD only: no chunked request bodies
        if len(self.buf) < end + 4 + body_len:
            return None
        del self.buf[: end + 4 + body_len]
        conn = headers.get("connection", "").lower()
        keep_alive = conn != "close" if parts[2] == "HTTP/1.1" else conn == "keep-alive"
        path = parts[1].split("?", 1)[0]
        if path.startswith(("http://", "https://")):  # absolute form, as sent to a proxy
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        return _Request(parts[0].upper(), path, headers, keep_alive)

    def _fail(self, status: int) -> None:
        self.buf.clear()
        if self.mirror.behaviour is Behaviour.HANG:
            return None  # a hung server doesn't even complain
        reply = _error(status)
        reply.keep_alive = False
        self.transport.write(reply.head() + reply.body.data)
        self.transport.close()
        self.closed = True
        return None

    async def _send_async(self, reply: _Reply) -> None:
        try:
            if reply.delay:
                await asyncio.sleep(reply.delay)
            if self.closed:
                return
            self.transport.write(reply.head())
            if reply.send_body:
                chunk = CHUNK
                if reply.bandwidth:  # about ten writes a second
                    chunk = max(1024, min(CHUNK, reply.bandwidth // 10))
                pos, end = reply.start, reply.start + reply.length
                with reply.body.reader() as read:
                    while pos < end and not self.closed:
                        n = min(chunk, end - pos)
                        if reply.bandwidth:  # before the write: the last byte arrives on time
                            await asyncio.sleep(n / reply.bandwidth)
                        self.transport.write(read(pos, n))
                        pos += n
                        if self._paused:
                            self._drain_waiter = asyncio.get_running_loop().create_future()
                            await self._drain_waiter
            if not reply.keep_alive:
                self.transport.close()
                self.closed = True
        except asyncio.CancelledError:
            return
        finally:
            self.task = None
        if not self.closed and self.buf:
            self._process()  # pipelined requests waiting behind this answer


async def _listen(mirror: SimMirror, backlog: int = 128) -> None:
    # our own socket so that a port clash surfaces as a plain OSError
    family = socket.AF_INET6 if ":" in mirror.address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((mirror.address, mirror.port))
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    loop = asyncio.get_running_loop()
    mirror._server = await loop.create_server(lambda: _HttpProtocol(mirror), sock=sock)
    if mirror.tls is not None:
        tls = socket.socket(family, socket.SOCK_STREAM)
        try:
            tls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tls.bind((mirror.address, mirror.https_port))
            tls.listen(backlog)
            tls.setblocking(False)
        except OSError:
            tls.close()
            _unlisten(mirror)
            raise
        mirror._tls_server = await loop.create_server(
            lambda: _HttpProtocol(mirror), sock=tls, ssl=mirror.tls, ssl_handshake_timeout=5
        )


def _blackhole(mirror: SimMirror) -> None:
    """Listen on the mirror's ports with an accept queue of one, never accept, and fill the
    queue with connections of our own: the kernel then drops every SYN that comes (as a
    firewall that drops packets does), so a client's connect times out."""
    family = socket.AF_INET6 if ":" in mirror.address else socket.AF_INET
    ports = (mirror.port, mirror.https_port) if mirror.tls is not None else (mirror.port,)
    for port in ports:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((mirror.address, port))
        sock.listen(0)
        mirror._blackhole.append(sock)
        for _ in range(3):
            filler = socket.socket(family, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect((mirror.address, port))
            mirror._blackhole.append(filler)


def _unblackhole(mirror: SimMirror) -> None:
    for sock in mirror._blackhole:
        sock.close()
    mirror._blackhole.clear()


def _unlisten(mirror: SimMirror) -> None:
    for server in (mirror._server, mirror._tls_server):
        if server is not None:
            server.close()
    mirror._server = mirror._tls_server = None
    mirror._close_connections()


def _nobody_listens(address: str, port: int) -> bool:
    """True if address:port is free, so that connecting there is refused."""
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True
