"""The client against a scripted HTTP server: what libcurl must parse right for us
(interim answers, chunked bodies, Content-Length), keep-alive reuse and the connection
limit per host, redirects included."""

import asyncio
import socket
import threading
import time

import pytest

from apps.core.http import FetchError, SafeClient, TargetPolicy

LOOPBACK = TargetPolicy.from_networks(["127.0.0.0/8"])
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


def ok(body: bytes, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return b"HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\n\r\n%s" % (head.encode(), len(body), body)


def chunked(raw: bytes, *headers: str) -> bytes:
    head = "".join(f"{h}\r\n" for h in headers)
    return b"HTTP/1.1 200 OK\r\n%sTransfer-Encoding: chunked\r\n\r\n%s" % (head.encode(), raw)


class ScriptServer:
    """Answers each request path with fixed bytes (or a callable's); counts connections and
    the most open at once. One thread per connection, all on 127.0.0.1."""

    def __init__(self, script: dict, delay: float = 0.0):
        self.script, self.delay = script, delay
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self.sock.getsockname()[1]
        self.connections = self.open = self.most_open = 0
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.stopped = True
        self.sock.close()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self.open += 1
                self.most_open = max(self.most_open, self.open)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        buf = b""
        try:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, buf = buf.partition(b"\r\n\r\n")
                path = head.split(b" ")[1].decode()
                with self.lock:
                    self.requests.append(path)
                answer = self.script.get(path, NOT_FOUND)
                if callable(answer):
                    answer = answer()
                if self.delay:
                    time.sleep(self.delay)
                conn.sendall(answer)
                if b"Connection: close" in answer:
                    return
        except OSError:
            return
        finally:
            conn.close()
            with self.lock:
                self.open -= 1


@pytest.fixture
def scripted():
    servers = []

    def make(script, **kwargs):
        servers.append(ScriptServer(script, **kwargs))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def fetch_all(urls, *, client=None, method="GET"):
    """Fetch the URLs one after the other in one session."""
    client = client or SafeClient(policy=LOOPBACK, timeout=3, connect_timeout=2)

    async def run():
        async with client.session() as session:
            return [await client.fetch(session, url, method=method) for url in urls]

    return asyncio.run(run())


def test_keep_alive_connections_are_reused(scripted):
    server = scripted({"/a": ok(b"first"), "/b": ok(b"second")})
    results = fetch_all([server.url("/a"), server.url("/b"), server.url("/a")])
    assert [r.body for r in results] == [b"first", b"second", b"first"]
    assert server.connections == 1


def test_a_closed_connection_is_not_reused(scripted):
    server = scripted({"/a": ok(b"first", "Connection: close"), "/b": ok(b"second")})
    results = fetch_all([server.url("/a"), server.url("/b")])
    assert [r.body for r in results] == [b"first", b"second"]
    assert server.connections == 2


@pytest.mark.parametrize(
    "interim",
    [
        b"HTTP/1.1 100 Continue\r\n\r\n",
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
        b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\n",
    ],
)
def test_interim_answers_are_not_taken_for_the_final_one(scripted, interim):
    """The old hand-written client took a 1xx for the answer and gave the next request on
    the connection this request's body."""
    server = scripted({"/early": interim + ok(b"first"), "/next": ok(b"second")})
    first, second = fetch_all([server.url("/early"), server.url("/next")])
    assert (first.status, first.body, first.error) == (200, b"first", None)
    assert (second.status, second.body, second.error) == (200, b"second", None)


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        (b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", b"hello world"),
        (b"5;name=value\r\nhello\r\n0\r\n\r\n", b"hello"),  # chunk extensions
        (b"A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", b"0123456789abcdefghij"),  # hex
        (b"5\r\nhello\r\n0\r\nX-Checksum: 1\r\nX-More: 2\r\n\r\n", b"hello"),  # trailers
        (b"000005\r\nhello\r\n0\r\n\r\n", b"hello"),  # leading zeros
        (b"0\r\n\r\n", b""),  # empty body
    ],
)
def test_chunked_bodies(scripted, raw, body):
    server = scripted({"/c": chunked(raw), "/next": ok(b"after")})
    result, after = fetch_all([server.url("/c"), server.url("/next")])
    assert (result.body, result.error) == (body, None)
    assert after.body == b"after"  # the connection was left at the right place
    assert server.connections == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"zz\r\nhello\r\n0\r\n\r\n",  # not a hex size
        b"5\r\nhelloXX0\r\n\r\n",  # no CRLF after the data
        b"ffffffffffffffffffff\r\nhello\r\n",  # a size that overflows
    ],
)
def test_broken_chunked_bodies_fail(scripted, raw):
    server = scripted({"/c": chunked(raw), "/next": ok(b"after")})
    result, after = fetch_all([server.url("/c"), server.url("/next")])
    assert result.error in (FetchError.OTHER, FetchError.TOO_LARGE), result
    assert result.body is None
    assert after.body == b"after"


def test_a_truncated_chunked_body_fails(scripted):
    server = scripted({"/c": chunked(b"5\r\nhello\r\n", "Connection: close")})
    (result,) = fetch_all([server.url("/c")])
    assert result.error == FetchError.OTHER and result.body is None


def test_chunked_wins_over_content_length(scripted):
    server = scripted({"/c": chunked(b"5\r\nhello\r\n0\r\n\r\n", "Content-Length: 2")})
    (result,) = fetch_all([server.url("/c")])
    assert result.body == b"hello"


def test_a_chunked_body_over_the_cap_is_too_large(scripted):
    raw = b"".join(b"%x\r\n%s\r\n" % (4096, b"y" * 4096) for _ in range(4)) + b"0\r\n\r\n"
    server = scripted({"/c": chunked(raw)})
    client = SafeClient(policy=LOOPBACK, timeout=3, max_bytes=10_000)
    (result,) = fetch_all([server.url("/c")], client=client)
    assert result.error == FetchError.TOO_LARGE and result.body is None


def test_duplicate_content_length(scripted):
    server = scripted(
        {
            "/same": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
            "/differ": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello!!",
            "/list": b"HTTP/1.1 200 OK\r\nContent-Length: 5, 7\r\n\r\nhello!!",
            "/negative": b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nhello",
            "/next": ok(b"after"),
        }
    )
    same, differ, after, listed, negative, last = fetch_all(
        [server.url(p) for p in ("/same", "/differ", "/next", "/list", "/negative", "/next")]
    )
    assert (same.body, same.content_length) == (b"hello", 5)
    for bad in (differ, listed, negative):  # refused, not guessed: no smuggled answer
        assert bad.error in (FetchError.WRONG_CONTENT, FetchError.OTHER) and bad.body is None
    assert after.body == last.body == b"after"


def test_head_keeps_the_content_length_and_reads_no_body(scripted):
    big = b"HTTP/1.1 200 OK\r\nContent-Length: 734003200\r\n\r\n"
    server = scripted({"/iso": big, "/next": ok(b"after")})
    client = SafeClient(policy=LOOPBACK, timeout=3)

    async def run():
        async with client.session() as session:
            head = await client.fetch(session, server.url("/iso"), method="HEAD")
            return head, await client.fetch(session, server.url("/next"))

    head, after = asyncio.run(run())
    assert (head.ok, head.content_length, head.nbytes, head.body) == (True, 734003200, 0, None)
    assert head.last_modified == ""  # none sent
    assert after.body == b"after" and server.connections == 1


def test_not_http_is_wrong_content(scripted):
    server = scripted({"/x": b"SSH-2.0-OpenSSH_9.2\r\n\r\n"})
    (result,) = fetch_all([server.url("/x")])
    assert result.error == FetchError.WRONG_CONTENT


def test_a_silent_server_times_out(scripted):
    server = scripted({}, delay=5)
    client = SafeClient(policy=LOOPBACK, timeout=0.5, connect_timeout=0.5)
    started = time.perf_counter()
    (result,) = fetch_all([server.url("/x")], client=client)
    assert result.error == FetchError.TIMEOUT and "no answer" in result.detail
    assert time.perf_counter() - started < 2


def test_at_most_two_connections_per_host_redirects_included(scripted):
    """Many mirrors redirect to one host: that host gets at most per_host connections,
    counted against it and not against the mirrors that sent us there."""
    target = scripted({"/file": ok(b"file")}, delay=0.1)
    mirrors = [scripted({"/go": lambda: redirect}) for _ in range(4)]
    redirect = (
        f"HTTP/1.1 302 Found\r\nLocation: http://localhost:{target.port}/file\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()
    client = SafeClient(
        policy=LOOPBACK, timeout=5, per_host=2, resolver=lambda host, port: ["127.0.0.1"]
    )

    async def mirror(server):
        async with client.session() as session:
            return await asyncio.gather(
                *(client.fetch(session, server.url("/go")) for _ in range(2))
            )

    async def run():
        return await asyncio.gather(*(mirror(server) for server in mirrors))

    results = [r for per_mirror in asyncio.run(run()) for r in per_mirror]
    assert [r.body for r in results] == [b"file"] * 8
    assert {r.final_url for r in results} == {f"http://localhost:{target.port}/file"}
    assert target.most_open <= 2 and len(target.requests) == 8
    assert all(server.most_open <= 2 for server in mirrors)


def test_a_redirect_to_a_name_is_resolved_and_checked(scripted):
    """The name of a redirect target is resolved with the hook and refused when private."""
    answer = b"HTTP/1.1 302 Found\r\nLocation: http://intranet.example/\r\n"
    answer += b"Content-Length: 0\r\n\r\n"
    server = scripted({"/go": answer})
    asked = []

    def resolver(host, port):
        asked.append(host)
        return ["10.0.0.7"]

    client = SafeClient(policy=LOOPBACK, timeout=3, resolver=resolver)
    (result,) = fetch_all([server.url("/go")], client=client)
    assert result.error == FetchError.FORBIDDEN_TARGET and asked == ["intranet.example"]
