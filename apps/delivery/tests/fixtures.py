"""Delivery's test support shared with the other apps' tests (the root conftest loads it as a
plugin, so `serve` is a fixture everywhere): a front made as production makes it, a WSGI
call, a real HTTP server for an application, the path of a client program, a real
`createrepo_c` repository and a real `dnf makecache`."""

from __future__ import annotations

import io
import random
import socketserver
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from apps.core.testing.services import program_path
from apps.delivery.client import ClientLocator
from apps.delivery.front import DeliveryFront
from apps.delivery.store import SnapshotStore
from apps.delivery.usage import UsageCounter


def require_binary(name: str) -> str:
    """The path of a client binary; skip (or fail under REQUIRE_SERVICES) without it."""
    return program_path(name, "apt-get install it; .ci/run does")


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


def dnf_makecache(tmp_path: Path, source: str) -> subprocess.CompletedProcess:
    """`dnf makecache` with its own config (skip_if_unavailable=False), root and cache."""
    root = tmp_path / "root"
    (tmp_path / "repos.d").mkdir(exist_ok=True)
    conf = tmp_path / "dnf.conf"
    conf.write_text(
        "[main]\n"
        f"cachedir={tmp_path}/cache\nlogdir={tmp_path}/log\npersistdir={tmp_path}/persist\n"
        f"reposdir={tmp_path}/repos.d\n"
        "skip_if_unavailable=False\ngpgcheck=0\nmetadata_expire=0\ntimeout=10\n"
        "minrate=1\nretries=2\nfastestmirror=False\n\n"
        "[portal-os]\nname=portal os\n"
        f"{source}\nenabled=1\ngpgcheck=0\nskip_if_unavailable=False\n"
    )
    return subprocess.run(
        [
            "dnf",
            f"--config={conf}",
            f"--installroot={root}",
            "--releasever=5",
            "--setopt=skip_if_unavailable=False",
            "--disablerepo=*",
            "--enablerepo=portal-os",
            "-y",
            "-v",
            "makecache",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )


def createrepo(tree: Path, revision: int, release: str = "5.0") -> Path:
    """A real (empty) repository at <tree>/<release>/os/x86_64/ and the tree's TIME file."""
    repo_dir = tree / release / "os" / "x86_64"
    repo_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [require_binary("createrepo_c"), "--quiet", f"--revision={revision}",
         "--set-timestamp-to-revision", str(repo_dir)],
        check=True, timeout=60,
    )  # fmt: skip
    (tree / "TIME").write_text(f"{revision}\n")
    return tree
