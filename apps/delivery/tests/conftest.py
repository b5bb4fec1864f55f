"""Fixtures of the delivery tests: a built snapshot of mirrors in the database, its published
snapshot loaded into a store, the lean front called directly or through a real HTTP
server on 127.0.0.1."""

from __future__ import annotations

import io
import os
import random
import shutil
import socketserver
import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from apps.delivery.client import ClientLocator
from apps.delivery.front import DeliveryFront
from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore
from apps.delivery.usage import UsageCounter
from apps.mirrors.choices import ContentState, MirrorStatus, MirrorTier

from .factories import (
    Built,
    NetblockFactory,
    catalogue_build,
    make_mirror,
)


def require_binary(name: str) -> str:
    """The path of a client binary; skip (or fail under REQUIRE_SERVICES=1) without it."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (apt-get install it; .ci/run does)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(message + " and REQUIRE_SERVICES=1")
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def _no_queued_rebuilds(settings):
    """Transactional tests would otherwise queue real rebuild tasks on the broker."""
    settings.DELIVERY_REBUILD_ON_CHANGE = False


@pytest.fixture
def built(db) -> Built:
    """Release 5.0 (x86_64: os, updates; two ISOs) and end-of-life 4.4, no mirrors yet but
    the master (factories.catalogue_build)."""
    return catalogue_build()


@pytest.fixture
def network_mirrors(built) -> Built:
    """Mirrors around the snapshot, and the ones that must never be served."""
    make_mirror(built, "gb1.example.org", "GB", bandwidth_mbps=1000)
    make_mirror(built, "gb2.example.org", "GB", bandwidth_mbps=100)
    make_mirror(built, "fr1.example.org", "FR")
    make_mirror(built, "de1.example.org", "DE", protocols=("http", "https"), ipv6=True)
    make_mirror(built, "us1.example.org", "US")
    make_mirror(built, "jp1.example.org", "JP")
    make_mirror(built, "kr1.example.org", "KR")
    make_mirror(built, "in1.example.org", "IN")
    make_mirror(built, "br1.example.org", "BR")
    private = make_mirror(built, "campus.example.org", "GB", private=True)
    NetblockFactory(mirror=private, cidr="198.51.100.0/24")
    make_mirror(built, "internal1.example.org", "US", tier=MirrorTier.INTERNAL)
    # Never served: behind, down, pending, switched off by its owner, master tier.
    make_mirror(built, "behind.example.org", "GB", state=ContentState.BEHIND, images=False)
    make_mirror(built, "down.example.org", "GB", status=MirrorStatus.DOWN)
    make_mirror(built, "pending.example.org", "GB", approval="pending")
    make_mirror(built, "off.example.org", "GB", owner_active=False)
    make_mirror(built, "master1.example.org", "GB", tier=MirrorTier.MASTER)
    return built


def new_front(store: SnapshotStore | None = None, *, seed: int = 1, app=None, **options):
    def django_stub(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"django\n"]

    return DeliveryFront(
        app or django_stub,
        store=store or SnapshotStore(poll_seconds=0),
        locator=ClientLocator(
            trusted_proxies=options.pop("trusted_proxies", ()),
            ip_override_networks=options.pop("ip_override_networks", ("127.0.0.0/8", "::1")),
        ),
        usage=options.pop("usage", UsageCounter()),
        rng=random.Random(seed),
        **options,
    )


@pytest.fixture
def published(network_mirrors):
    """The built snapshot's snapshot, published and parsed: (row, store)."""
    row = snapshot_publish(reason="test")
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(row.blob), write_cache=False)
    return row, store


@pytest.fixture
def front(published):
    return new_front(published[1])


@dataclass
class Answer:
    status: int
    headers: list
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


def call(
    app,
    path: str,
    query: str = "",
    *,
    method: str = "GET",
    remote: str = "127.0.0.1",
    headers: dict | None = None,
) -> Answer:
    """Call a WSGI application directly, as a server would."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": remote,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    captured = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"] = int(status.split()[0])
        captured["headers"] = response_headers

    body = b"".join(app(environ, start_response))
    return Answer(captured["status"], captured["headers"], body)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


@pytest.fixture
def serve():
    """serve(app) -> base URL of a real HTTP server on 127.0.0.1 running `app` in a thread."""
    servers = []

    def start(app) -> str:
        server = make_server(
            "127.0.0.1", 0, app, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        thread.start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
