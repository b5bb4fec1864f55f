"""Names resolved by c-ares against a real resolver (dnsmasq on 127.0.0.1): the client from
the settings asks the configured server, each name once for all its probes, and a name
whose server never answers fails as `dns` within the configured time, not the C library's."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time

import pytest

from apps.core.http import FetchError, SafeClient
from apps.core.testing.services import program_path

from .test_http_client import ScriptServer, ok


def _dnsmasq() -> str:
    return program_path("dnsmasq", "CI installs dnsmasq-base")


@pytest.fixture
def resolver():
    """dnsmasq knowing mirror.dns.test (127.0.0.1), forwarding silent.dns.test to a UDP
    socket that never answers; yields its port."""
    ports = []
    for _ in range(2):
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        ports.append(probe)
    sink, (port, sink_port) = ports[1], (p.getsockname()[1] for p in ports)
    ports[0].close()
    argv = [_dnsmasq(), "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
            f"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces", "--pid-file=",
            "--user=root", "--host-record=mirror.dns.test,127.0.0.1",
            f"--server=/silent.dns.test/127.0.0.1#{sink_port}"]  # fmt: skip
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    time.sleep(0.3)  # binds at once; nothing to connect to for UDP
    try:
        assert child.poll() is None, child.stderr.read().decode()
        yield port
    finally:
        child.terminate()
        child.wait(5)
        child.stderr.close()
        sink.close()


def test_names_go_to_the_configured_server_once_each_and_silence_fails_in_time(resolver, settings):
    settings.MIRROR_CHECK_RESOLVER = None
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.MIRROR_CHECK_DNS_SERVERS = [f"127.0.0.1:{resolver}"]
    settings.MIRROR_CHECK_DNS_TIMEOUT, settings.MIRROR_CHECK_DNS_TRIES = 0.4, 2
    server = ScriptServer({"/TIME": ok(b"1700000000\n")})
    client = SafeClient.from_settings()

    async def probe(host: str):
        async with client.session() as session:
            started = time.monotonic()
            found = await client.fetch(session, f"http://{host}:{server.port}/TIME")
            return found, time.monotonic() - started

    async def sweep():
        return await asyncio.gather(
            *(probe("mirror.dns.test") for _ in range(20)), probe("silent.dns.test")
        )

    try:
        *good, (silent, waited) = asyncio.run(sweep())
    finally:
        server.close()
    assert all(found.ok and found.body == b"1700000000\n" for found, _s in good)
    assert client.resolver.lookups == 2  # 20 probes of one name: one lookup
    assert silent.error == FetchError.DNS and "silent.dns.test" in silent.detail
    assert waited < 3.0  # 0.4 s a try, 2 tries (c-ares doubles the later ones)
    assert len(server.requests) == 20  # nothing sent anywhere for the silent name
