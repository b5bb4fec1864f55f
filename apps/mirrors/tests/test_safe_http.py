"""The SSRF-safe client: private targets refused before any connection, redirects
re-checked, body sizes capped, error classes."""

import asyncio
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pycurl
import pytest

from apps.core.http import FetchError, SafeClient, TargetPolicy
from apps.core.http.curl import Transfer
from apps.mirrors import services
from apps.mirrors.choices import CheckError
from apps.mirrors.models import Check

from .factories import MirrorFactory, MirrorURLFactory

LOOPBACK = TargetPolicy.from_networks(["127.0.0.0/8"])
BIG = 2 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if not any(name == "Transfer-Encoding" for name, _ in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        port = self.server.server_address[1]
        routes = {
            "/ok": lambda: self._send(200, b"hello"),
            "/to-ok": lambda: self._send(302, headers=[("Location", "/ok")]),
            "/to-private": lambda: self._send(302, headers=[("Location", "http://10.1.2.3/x")]),
            "/to-metadata": lambda: self._send(
                301, headers=[("Location", "http://169.254.169.254/latest/meta-data/")]
            ),
            "/to-ftp": lambda: self._send(302, headers=[("Location", "ftp://example.org/")]),
            "/loop": lambda: self._send(
                302, headers=[("Location", f"http://127.0.0.1:{port}/loop")]
            ),
            "/big": lambda: self._send(200, b"x" * BIG),
            "/big-chunked": self._chunked_big,
            "/chunked": self._chunked_small,
        }
        routes.get(self.path, lambda: self._send(404, b"no"))()

    def do_HEAD(self):
        if self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
        else:
            self._send(404)

    def _chunked(self, parts):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in parts:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def _chunked_small(self):
        self._chunked([b"hello ", b"world"])

    def _chunked_big(self):
        self._chunked([b"y" * 65536] * (BIG // 65536))


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def connections(monkeypatch):
    """Every address the client opens a connection to (libcurl's socket callback)."""
    opened = []
    original = Transfer._socket_open

    def spy(self, purpose, address):
        sock = original(self, purpose, address)
        if sock != pycurl.SOCKET_BAD:
            opened.append(address[3][0])
        return sock

    monkeypatch.setattr(Transfer, "_socket_open", spy)
    return opened


def fetch(url, *, policy=LOOPBACK, method="GET", **limits):
    client = SafeClient(policy=policy, timeout=3, connect_timeout=2, **limits)

    async def run():
        async with client.session() as session:
            return await client.fetch(session, url, method=method)

    return asyncio.run(run())


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/centos/TIME",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/centos/TIME",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
        "http://localhost/centos/TIME",  # a name that resolves to loopback
        # IPv6 addresses that reach an IPv4 one: 6to4, NAT64, and a Teredo tunnel
        "http://[2002:7f00:1::1]/centos/TIME",
        "http://[2002:a9fe:a9fe::]/latest/meta-data/",
        "http://[64:ff9b::7f00:1]/",
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
    ],
)
def test_private_targets_are_refused_before_connecting(url, connections):
    result = fetch(url, policy=TargetPolicy())  # nothing allowed
    assert result.error == FetchError.FORBIDDEN_TARGET, result.detail
    assert connections == []


def test_a_public_address_is_allowed_and_the_allow_list_opens_a_network():
    policy = TargetPolicy.from_networks(["10.0.0.0/8"])
    assert TargetPolicy().address_allowed("8.8.8.8")
    assert policy.address_allowed("10.1.2.3")
    assert not policy.address_allowed("169.254.169.254")
    assert not policy.address_allowed("127.0.0.1")
    assert policy.address_allowed("2002:a01:203::1")  # 6to4 of 10.1.2.3: judged as it
    assert TargetPolicy().address_allowed("2002:808:808::1")  # 6to4 of a public address


def test_redirects_are_followed_and_checked_again(server, connections):
    assert fetch(f"{server}/to-ok").body == b"hello"
    for path in ("/to-private", "/to-metadata", "/to-ftp"):
        result = fetch(f"{server}{path}")
        assert result.error == FetchError.FORBIDDEN_TARGET, path
    assert set(connections) == {"127.0.0.1"}  # never 10.1.2.3 nor 169.254.169.254
    looping = fetch(f"{server}/loop", max_redirects=3)
    assert looping.error == FetchError.OTHER and "redirects" in looping.detail


def test_bodies_are_capped(server):
    assert fetch(f"{server}/big", max_bytes=BIG).nbytes == BIG
    for path in ("/big", "/big-chunked"):
        result = fetch(f"{server}{path}", max_bytes=1024 * 1024)
        assert result.error == FetchError.TOO_LARGE, path
        assert result.body is None
    assert fetch(f"{server}/chunked").body == b"hello world"


def test_error_classes(server, monkeypatch):
    assert fetch(f"{server}/missing").error == FetchError.HTTP_STATUS
    assert fetch(f"{server}/missing").status == 404

    def no_such_host(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # no DNS traffic from tests
    assert fetch("http://no-such-host.invalid/", policy=TargetPolicy()).error == FetchError.DNS
    monkeypatch.undo()
    refused = fetch("http://127.0.0.1:1/")
    assert refused.error == FetchError.REFUSED
    head = fetch(f"{server}/big", method="HEAD")
    assert head.ok and head.content_length == BIG and head.nbytes == 0


@pytest.mark.django_db
def test_a_sweep_refuses_a_mirror_on_a_private_address(settings, connections):
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.MASTER_URL = "http://127.0.0.1:1/centos/"  # no master: refused, harmless
    settings.MIRROR_CHECK_TIMEOUT = 2
    for address in ("10.1.2.3", "169.254.169.254"):
        MirrorURLFactory(mirror=MirrorFactory(name=address), url=f"http://{address}/centos/")
    services.sweep_run()
    assert sorted(Check.objects.values_list("url", "error")) == [
        ("http://10.1.2.3/centos/TIME", CheckError.FORBIDDEN_TARGET),
        ("http://169.254.169.254/centos/TIME", CheckError.FORBIDDEN_TARGET),
    ]
    assert all(host.startswith("127.") for host in connections)
