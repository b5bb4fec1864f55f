"""msync in the DNS: `manage.py exportdns` on the demo data writes a PowerDNS GeoIP zone file
(and a BIND zone) whose answers are msync's; a real PowerDNS (Debian's pdns-server and
pdns-backend-geoip, on 127.0.0.1 and a free high port, with the portal's GeoIP database)
loads it and answers `dig` for clients in several countries (EDNS Client Subnet) with the
internal mirror msync chooses for them, never a down one."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import yaml
from django.core.management import call_command

from apps.core.geo import COUNTRIES, GeoIP
from apps.core.testing.services import service_missing
from apps.mirrors.choices import MirrorStatus
from apps.mirrors.models import Mirror
from apps.mirrors.selectors.msync import msync_answer

PDNS = "/usr/sbin/pdns_server"
BACKEND = "/usr/lib/x86_64-linux-gnu/pdns/libgeoipbackend.so"
SERVICE = "msync.example.org"
# Clients in several countries of the bundled Geoacumen database, and one nobody can locate.
CLIENTS = {
    "81.2.69.160": "GB", "133.1.1.1": "JP", "8.8.8.8": "US", "41.1.1.1": "ZA",
    "193.0.0.1": "NL", "200.160.0.1": "BR", "10.1.2.3": None,
}  # fmt: skip


def export(tmp_path: Path, fmt: str = "pdns-geoip") -> Path:
    path = tmp_path / ("zones.yaml" if fmt == "pdns-geoip" else "msync.zone")
    call_command("exportdns", "--format", fmt, "--zone", "example.org", "-o", str(path))
    return path


def expected_addresses() -> dict[str, str]:
    return {ip: msync_answer(ip=ip)["mirror"]["ipv4"] for ip in CLIENTS}


def test_the_zone_file_holds_msyncs_answer_for_every_country(demo, tmp_path, settings):
    # The closest internal mirror for Japan goes down: the file must not hand it out.
    Mirror.objects.filter(name="mirror-jp1.example.org").update(status=MirrorStatus.DOWN)
    geoip = GeoIP(settings.GEOIP_PATH)
    assert {ip: geoip.country(ip) for ip in CLIENTS} == CLIENTS

    document = yaml.safe_load(export(tmp_path).read_text())
    (domain,) = document["domains"]
    assert (domain["domain"], domain["ttl"]) == ("example.org", 300)
    records, services = domain["records"], domain["services"]
    assert list(records["example.org"][0]) == ["soa"] and records["example.org"][1] == {
        "ns": "ns1.example.org"
    }
    assert services == {SERVICE: {"default": [
        f"%cc.{SERVICE}", f"%cn.continent.{SERVICE}", f"world.{SERVICE}"]}}  # fmt: skip
    assert {f"{cc.lower()}.{SERVICE}" for cc in COUNTRIES} <= set(records)
    assert f"eu.continent.{SERVICE}" in records and f"af.continent.{SERVICE}" in records
    for name, answers in records.items():
        if name != "example.org":
            assert answers and all(set(a) <= {"a", "aaaa", "cname"} for a in answers), name

    expected = expected_addresses()
    assert expected["133.1.1.1"] == "192.0.2.40"  # mirror-jp2, not the down mirror-jp1
    for ip, cc in CLIENTS.items():
        label = cc.lower() if cc else "world"
        assert {"a": expected[ip]} in records[f"{label}.{SERVICE}"], (ip, cc)

    zone = export(tmp_path, "bind").read_text()
    assert "$ORIGIN example.org." in zone
    assert f"msync IN A {expected['10.1.2.3']}" in zone.splitlines()
    assert f"jp.msync IN A {expected['133.1.1.1']}" in zone.splitlines()


def test_each_published_snapshot_rewrites_the_zone_file(
    demo, tmp_path, settings, django_capture_on_commit_callbacks
):
    """With MSYNC_DNS_EXPORT_PATH set, the DNS follows the checks: a snapshot published
    after Japan's closest internal mirror went down hands Japan the next one."""
    from apps.delivery.services import snapshot_publish

    settings.MSYNC_DNS_EXPORT_PATH = str(tmp_path / "zones.yaml")

    def japan() -> list[dict]:
        document = yaml.safe_load(Path(settings.MSYNC_DNS_EXPORT_PATH).read_text())
        return document["domains"][0]["records"][f"jp.{SERVICE}"]

    with django_capture_on_commit_callbacks(execute=True):  # after the publish commits
        snapshot_publish(reason="test")
    assert {"a": msync_answer(ip="133.1.1.1")["mirror"]["ipv4"]} in japan()
    first = japan()
    Mirror.objects.filter(name="mirror-jp1.example.org").update(status=MirrorStatus.DOWN)
    with django_capture_on_commit_callbacks(execute=True):
        snapshot_publish(reason="test")
    assert {"a": "192.0.2.40"} in japan() and japan() != first  # mirror-jp2


def require_pdns() -> None:
    missing = [p for p in (PDNS, BACKEND) if not os.path.exists(p)]
    missing += [] if shutil.which("dig") else ["dig"]
    if missing:
        message = f"{', '.join(missing)} missing (Debian: pdns-server pdns-backend-geoip " \
                  "bind9-dnsutils)"  # fmt: skip
        service_missing(message)


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (PowerDNS listens on both)."""
    for _ in range(20):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


def dig(port: int, *args: str) -> list[str]:
    out = subprocess.run(
        ["dig", "@127.0.0.1", "-p", str(port), *args, "+short", "+time=1", "+tries=1"],
        capture_output=True, text=True, timeout=5,
    )  # fmt: skip
    return out.stdout.split()


def test_a_real_powerdns_answers_each_country_with_msyncs_choice(demo, tmp_path, settings):
    require_pdns()
    Mirror.objects.filter(name="mirror-jp1.example.org").update(status=MirrorStatus.DOWN)
    zones = export(tmp_path)
    expected = expected_addresses()
    port = free_port()
    (tmp_path / "pdns.conf").write_text(
        "\n".join([
            "launch=geoip", f"geoip-zones-file={zones}",
            f"geoip-database-files={GeoIP(settings.GEOIP_PATH).path}",
            "edns-subnet-processing=yes", "local-address=127.0.0.1", f"local-port={port}",
            f"socket-dir={tmp_path}", "guardian=no", "daemon=no", "write-pid=no",
            "disable-syslog=yes", "security-poll-suffix=", "webserver=no", "api=no",
            "cache-ttl=0", "query-cache-ttl=0", "negquery-cache-ttl=0", "loglevel=4",
        ]) + "\n"
    )  # fmt: skip
    log = (tmp_path / "pdns.log").open("w")
    server = subprocess.Popen([PDNS, f"--config-dir={tmp_path}"], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 15
        while not dig(port, "example.org", "SOA"):
            assert server.poll() is None, (tmp_path / "pdns.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "pdns.log").read_text()
            time.sleep(0.1)
        answers = {ip: dig(port, SERVICE, "A", f"+subnet={ip}/32") for ip in CLIENTS}
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    assert answers == {ip: [address] for ip, address in expected.items()}
    assert answers["133.1.1.1"] == ["192.0.2.40"]  # Japan: mirror-jp2, its jp1 is down
    assert len(set(map(tuple, answers.values()))) >= 5  # different countries, different mirrors
