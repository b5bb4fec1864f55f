"""An SNMP round against a real snmpd from Debian, started here on 127.0.0.1 with its own
configuration: it reads the loopback interface's real counters, and the bytes sent over
loopback between two rounds show in the delta. A silent agent and a forbidden address are
recorded as the target's error."""

import io
import os
import socket
import subprocess
import threading
import time

import pytest
from django.core.management import call_command

from apps.core.testing.ports import free_port
from apps.core.testing.services import program_path
from apps.servers.models import ServerTraffic, SnmpTarget, TrafficPeriod, TrafficSample
from apps.servers.services.traffic_poll import traffic_poll_round

from .factories import ServerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
SENT = 20 * 10**6
AGENT_CACHE = 3.3  # seconds snmpd answers from its cached interface table


@pytest.fixture
def snmpd(tmp_path):
    snmpd_binary = program_path("snmpd", "Debian's snmpd; CI installs it")
    port = free_port(kind=socket.SOCK_DGRAM)
    conf = tmp_path / "snmpd.conf"
    conf.write_text(f"agentaddress udp:127.0.0.1:{port}\nrocommunity portal-test 127.0.0.1\n")
    log = tmp_path / "snmpd.log"
    env = {**os.environ, "SNMP_PERSISTENT_DIR": str(tmp_path), "MIBS": "", "MIBDIRS": str(tmp_path)}
    process = subprocess.Popen(
        [snmpd_binary, "-f", "-Lf", str(log), "-C", "-c", str(conf), "-p", str(tmp_path / "pid")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while "NET-SNMP version" not in (log.read_text() if log.exists() else ""):
            assert process.poll() is None, log.read_text() if log.exists() else "snmpd died"
            assert time.monotonic() < deadline, "snmpd did not start"
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=5)


def loopback_send(nbytes: int) -> None:
    """Send `nbytes` over a TCP connection on 127.0.0.1 (both ends here)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        received = []

        def drain():
            conn, _ = server.accept()
            with conn:
                total = 0
                while chunk := conn.recv(1 << 16):
                    total += len(chunk)
                received.append(total)

        reader = threading.Thread(target=drain)
        reader.start()
        with socket.create_connection(("127.0.0.1", port)) as client:
            block = b"x" * (1 << 16)
            for _ in range(nbytes // len(block) + 1):
                client.sendall(block)
        reader.join(timeout=10)
        assert received and received[0] >= nbytes


def test_two_rounds_read_the_loopback_counters_and_count_what_was_sent(snmpd, settings):
    settings.TRAFFIC_SNMP_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.TRAFFIC_POLL_TIMEOUT = 1.0
    server = ServerFactory(hostname="lo.example.org")
    target = SnmpTarget.objects.create(
        server=server, host="127.0.0.1", port=snmpd, community="portal-test", if_index=1,
        max_mbps=100_000,  # loopback claims 10 Mbit/s
    )  # fmt: skip
    every = ServerFactory(hostname="all.example.org")
    SnmpTarget.objects.create(
        server=every, host="127.0.0.1", port=snmpd, community="portal-test", max_mbps=100_000
    )
    first = traffic_poll_round()
    polled = time.monotonic()
    assert (first.polled, first.failed, first.counted) == (2, 0, 0)
    loopback_send(SENT)
    time.sleep(max(0, polled + AGENT_CACHE - time.monotonic()))
    out = io.StringIO()
    call_command("pollbandwidth", "lo.example.org", stdout=out)  # the second round
    assert out.getvalue().startswith("Polled 1 targets: 1 interface readings, 1 counted, 0 failed")

    samples = list(TrafficSample.objects.filter(server=server).order_by("taken_at"))
    assert [s.interface for s in samples] == ["ifIndex 1", "ifIndex 1"]
    assert samples[0].uptime_ticks is not None and samples[1].in_octets > samples[0].in_octets
    period = TrafficPeriod.objects.get(server=server)
    assert period.bytes_out >= SENT and period.bytes_in >= SENT
    assert sum(ServerTraffic.objects.filter(server=server).values_list("bytes_out", flat=True)) == (
        period.bytes_out
    )
    target.refresh_from_db()
    assert target.last_error == "" and target.last_polled_at is not None
    # The walk finds this machine's interfaces but not the loopback.
    walked = set(TrafficSample.objects.filter(server=every).values_list("interface", flat=True))
    assert walked and not any("(lo)" in name for name in walked)


def test_a_silent_agent_and_a_forbidden_address_are_the_targets_errors(settings):
    settings.TRAFFIC_SNMP_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.TRAFFIC_POLL_TIMEOUT = 0.2
    silent = SnmpTarget.objects.create(
        server=ServerFactory(),
        host="127.0.0.1",
        port=free_port(kind=socket.SOCK_DGRAM),
        community="x",
        if_index=1,
    )
    private = SnmpTarget.objects.create(
        server=ServerFactory(), host="10.1.2.3", community="x", if_index=1
    )
    started = time.monotonic()
    result = traffic_poll_round()
    assert time.monotonic() - started < 3
    assert (result.polled, result.failed) == (2, 2)
    silent.refresh_from_db()
    private.refresh_from_db()
    assert "No SNMP response" in silent.last_error or "timeout" in silent.last_error
    assert private.last_error == "10.1.2.3 is not a public address"
    assert not TrafficSample.objects.exists()
