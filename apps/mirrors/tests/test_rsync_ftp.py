"""rsync and ftp mirror URLs are probed for real: a `rsync --daemon` and a pyftpdlib server on
127.0.0.x serve the farm's master tree; the probes read the timestamp file through them,
give a clear reason when a module, a file or the server is missing or hangs, and feed the
same recording as http (checks with their protocol, each URL's state, the mirror's page and
the API)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import threading
import time

import pytest
from django.urls import reverse

from apps.core.http import FetchError, SafeClient, TargetPolicy
from apps.core.testing.ports import free_port
from apps.core.testing.services import program_path
from apps.mirrors.models import Check, MirrorURLState
from apps.mirrors.services import sweep_run

from .factories import MirrorFactory, MirrorURLFactory

ADDRESS = "127.0.0.201"
LOOPBACK = TargetPolicy.from_networks(["127.0.0.0/8"])


@pytest.fixture
def rsync_daemon(master_tree, tmp_path):
    """`rsync --daemon` on 127.0.0.201 serving the master tree as module `centos`."""
    binary = program_path("rsync", ".ci/run installs it")
    config = tmp_path / "rsyncd.conf"
    config.write_text(
        f"use chroot = no\npid file = {tmp_path / 'rsyncd.pid'}\n"
        f"[centos]\npath = {master_tree.root}\nread only = yes\n"
    )
    port = free_port(ADDRESS)
    daemon = subprocess.Popen(  # noqa: S603  (our own arguments)
        [binary, "--daemon", "--no-detach", f"--config={config}", f"--address={ADDRESS}",
         f"--port={port}", f"--log-file={tmp_path / 'rsyncd.log'}"],
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex((ADDRESS, port)) == 0:
                    break
            time.sleep(0.02)
        yield f"rsync://{ADDRESS}:{port}"
    finally:
        daemon.terminate()
        daemon.wait(5)


@pytest.fixture
def ftp_server(master_tree):
    """pyftpdlib on 127.0.0.201, anonymous read-only on the master tree."""
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

    authorizer = DummyAuthorizer()
    authorizer.add_anonymous(str(master_tree.root))
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "banner": "farm ftp"})
    server = ThreadedFTPServer((ADDRESS, 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"ftp://{ADDRESS}:{server.socket.getsockname()[1]}"
    finally:
        server.close_all()
        thread.join(2)


@pytest.fixture
def hanging():
    """A server that accepts and never says a word."""
    with socket.socket() as listener:
        listener.bind((ADDRESS, 0))
        listener.listen()
        yield listener.getsockname()[1]


def fetch(url: str, *, method: str = "GET", policy: TargetPolicy = LOOPBACK, timeout=2.0):
    client = SafeClient(policy=policy, timeout=timeout, connect_timeout=1.0)

    async def run():
        async with client.session() as session:
            return await client.fetch(session, url, method=method)

    return asyncio.run(run())


def test_rsync_lists_and_reads_the_timestamp_file(rsync_daemon, master_tree, hanging):
    read = fetch(f"{rsync_daemon}/centos/TIME")
    assert read.ok and read.body == master_tree.time_value.encode() and read.family == "ipv4"
    listed = fetch(f"{rsync_daemon}/centos/TIME", method="HEAD")
    assert listed.ok and listed.content_length == len(master_tree.time_value)
    assert listed.last_modified.endswith(" GMT")

    module = fetch(f"{rsync_daemon}/fedora/TIME")
    assert module.error == FetchError.NOT_FOUND and "Unknown module 'fedora'" in module.detail
    missing = fetch(f"{rsync_daemon}/centos/NOPE", method="HEAD")
    assert missing.error == FetchError.NOT_FOUND and "No such file" in missing.detail
    dead = fetch(f"rsync://{ADDRESS}:{free_port(ADDRESS)}/centos/TIME")
    assert dead.error == FetchError.REFUSED
    started = time.monotonic()
    hung = fetch(f"rsync://{ADDRESS}:{hanging}/centos/TIME", timeout=1.0)
    assert hung.error == FetchError.TIMEOUT and time.monotonic() - started < 3
    # The address policy holds for rsync too: loopback is refused unless allowed.
    private = fetch(f"{rsync_daemon}/centos/TIME", policy=TargetPolicy())
    assert private.error == FetchError.FORBIDDEN_TARGET


def test_ftp_logs_in_and_sizes_the_timestamp_file(ftp_server, master_tree, hanging):
    read = fetch(f"{ftp_server}/TIME")
    assert read.ok and read.body == master_tree.time_value.encode() and read.status is None
    sized = fetch(f"{ftp_server}/TIME", method="HEAD")
    assert sized.ok and sized.content_length == len(master_tree.time_value)
    assert sized.last_modified.endswith(" GMT")  # MDTM
    missing = fetch(f"{ftp_server}/NOPE", method="HEAD")
    assert missing.error == FetchError.NOT_FOUND
    hung = fetch(f"ftp://{ADDRESS}:{hanging}/TIME", timeout=1.0)
    assert hung.error == FetchError.TIMEOUT


@pytest.mark.django_db(transaction=True)
def test_a_sweep_records_rsync_and_ftp_urls(
    farm_mirrors, mirror_farm, rsync_daemon, ftp_server, client, settings
):
    settings.MIRROR_CHECK_RESOLVER = mirror_farm.resolve
    mirror = farm_mirrors["current"]
    rsync_url = MirrorURLFactory(mirror=mirror, protocol="rsync", url=f"{rsync_daemon}/centos/")
    ftp_url = MirrorURLFactory(mirror=mirror, protocol="ftp", url=f"{ftp_server}/")
    broken = MirrorFactory(name="broken-rsync.farm.test", status="unknown")
    MirrorURLFactory(mirror=broken, url=mirror_farm["current"].named_url)
    gone = MirrorURLFactory(mirror=broken, protocol="rsync", url=f"{rsync_daemon}/gone/")

    sweep_run()
    checks = {c.protocol: c for c in Check.objects.filter(mirror=mirror, kind="timestamp")}
    assert set(checks) == {"http", "rsync", "ftp"} and all(c.ok for c in checks.values())
    assert MirrorURLState.objects.get(mirror_url=rsync_url).status == "up"
    assert MirrorURLState.objects.get(mirror_url=ftp_url).status == "up"
    down = MirrorURLState.objects.get(mirror_url=gone)
    assert down.status == "down" and down.error == "not_found" and "gone" in down.detail
    broken.refresh_from_db()
    assert broken.status == "up"  # its http side serves clients; rsync only mirrors below

    page = client.get(reverse("mirrors:detail", args=[broken.pk])).content.decode()
    assert "Unknown module" in page and "rsync" in page
    api = client.get("/api/v1/checks/", {"mirror": broken.pk, "kind": "timestamp"}).json()
    rows = api["results"] if isinstance(api, dict) else api
    assert {row["protocol"] for row in rows} == {"http", "rsync"}
    assert {row["error"] for row in rows if row["protocol"] == "rsync"} == {"not_found"}
