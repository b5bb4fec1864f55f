"""Benchmark of a mirror-check sweep: N simulated mirrors on 127.0.0.0/8, 5% of which
accept connections and never answer, checked by the same service as the periodic task.

    .venv/bin/python bench/check_sweep.py --mirrors 1000
    .venv/bin/python bench/check_sweep.py --mirrors 10000

Each mirror carries one release and architecture with 3 repositories and 2 ISO images:
TIME + 3 repomd.xml + 2 HEAD = 6 requests. The mirrors are served by the test farm
(`python -m apps.core.testing.mirrorfarm --serve-many`) in another process. The database
is a throwaway SQLite file unless --database-url is given (it is migrated and FLUSHED:
give a database you can throw away). Prints wall time, requests per second, peak
memory and the floor (the configured timeout: a hung mirror cannot be declared dead sooner).

    .venv/bin/python bench/check_sweep.py --mirrors 10000 --dns-delay 50 --silent-percent 5

With --dns-delay, every mirror's URL names its host (m00001.bench.test...) instead of its
address, and the names go through a real resolver on 127.0.0.1: dnsmasq (the Debian package
dnsmasq-base) holding the names, behind a small UDP relay that answers each query after the
delay and drops every query for --silent-percent of the names (they never answer). The
portal resolves them as in production (c-ares, MIRROR_CHECK_DNS_SERVERS pointing at the
relay). Compare the wall time with the same run without --dns-delay.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=int, default=1000)
    parser.add_argument("--hang-percent", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=10.0, help="MIRROR_CHECK_TIMEOUT, s")
    parser.add_argument("--concurrency", type=int, help="MIRROR_CHECK_CONCURRENCY")
    parser.add_argument("--port", type=int, default=8480)
    parser.add_argument("--base", default="127.1.0.1", help="the master's address")
    parser.add_argument("--database-url", help="default: a throwaway SQLite file")
    parser.add_argument("--dns-delay", type=float, help="ms before each DNS answer (see above)")
    parser.add_argument("--silent-percent", type=float, default=5.0, help="names never answered")
    args = parser.parse_args()

    from apps.core.testing.mirrorfarm import raise_fd_limit

    raise_fd_limit(20000)
    tmp = tempfile.TemporaryDirectory(prefix="check-sweep-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ["MIRROR_CHECK_TIMEOUT"] = str(args.timeout)
    os.environ["MIRROR_CHECK_ALLOW_NETWORKS"] = "127.0.0.0/8"
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if args.concurrency:
        os.environ["MIRROR_CHECK_CONCURRENCY"] = str(args.concurrency)

    farm = _farm_start(args, Path(tmp.name))
    dns = []
    if args.dns_delay is not None:
        dns = _resolver_start(args, Path(tmp.name))
        os.environ["MIRROR_CHECK_DNS_SERVERS"] = f"127.0.0.1:{dns[0].port}"
    try:
        master_url = f"http://{args.base}:{args.port}/centos/"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if args.database_url:
            call_command("flush", interactive=False, verbosity=0)  # a database to throw away
        mirrors = _network_create(
            master_url, farm_manifest=Path(tmp.name) / "manifest.csv", named=bool(dns)
        )
        return _sweep_measure(args, mirrors, settings, farm_pid=farm.pid)
    finally:
        for process in [farm, *dns]:
            process.terminate()
            process.wait(10)
        tmp.cleanup()


RELAY = """
import asyncio, socket, sys
delay, silent = float(sys.argv[1]) / 1000, set(open(sys.argv[2]).read().split())
upstream = ("127.0.0.1", int(sys.argv[3]))


def qname(packet):
    labels, at = [], 12
    while at < len(packet) and packet[at]:
        labels.append(packet[at + 1 : at + 1 + packet[at]].decode("ascii", "replace"))
        at += 1 + packet[at]
    return ".".join(labels).lower()


class Relay(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport, self.waiting, self.next = transport, {}, 0

    def datagram_received(self, data, addr):
        if addr == upstream:  # back to its client, with the client's own query id
            ours = int.from_bytes(data[:2], "big")
            found = self.waiting.pop(ours, None)
            if found:
                self.transport.sendto(found[0] + data[2:], found[1])
        elif qname(data) not in silent:
            self.next = (self.next + 1) % 65536  # our own ids: the clients' may collide
            self.waiting[self.next] = (data[:2], addr)
            query = self.next.to_bytes(2, "big") + data[2:]
            asyncio.get_running_loop().call_later(delay, self.transport.sendto, query, upstream)


async def main():
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):  # bursts of a thousand queries
        sock.setsockopt(socket.SOL_SOCKET, option, 8 << 20)
    sock.bind(("127.0.0.1", 0))
    transport, protocol = await loop.create_datagram_endpoint(Relay, sock=sock)
    print(transport.get_extra_info("sockname")[1], flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
"""


class _Daemon(subprocess.Popen):
    port = 0


def _resolver_start(args, tmp: Path) -> list[subprocess.Popen]:
    """dnsmasq with every mirror's name, and the relay in front of it (its port first)."""
    import random
    import shutil
    import socket

    dnsmasq = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
    rows = [line.split(",") for line in (tmp / "manifest.csv").read_text().splitlines()[1:]]
    hosts = [(f"{name}.bench.test", address) for name, address, *_ in rows if name != "master"]
    (tmp / "hosts").write_text("".join(f"{address} {name}\n" for name, address in hosts))
    count = int(len(hosts) * args.silent_percent / 100)
    silent = random.Random(7).sample([n for n, _a in hosts], count)
    (tmp / "silent").write_text("\n".join(silent))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = _Daemon(  # noqa: S603
        [dnsmasq, "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
         f"--addn-hosts={tmp / 'hosts'}", f"--port={port}", "--listen-address=127.0.0.1",
         "--bind-interfaces", "--pid-file=", "--user=root", "--cache-size=0",
         "--dns-forward-max=10000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    relay = _Daemon(  # noqa: S603
        [sys.executable, "-c", RELAY, str(args.dns_delay), str(tmp / "silent"), str(port)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    relay.port = int(relay.stdout.readline())
    print(f"resolver: dnsmasq on 127.0.0.1:{port} ({len(hosts)} names), relay on "
          f"127.0.0.1:{relay.port} ({args.dns_delay:g} ms, {count} names silent)")  # fmt: skip
    return [relay, server]


def _farm_start(args, tmp: Path) -> subprocess.Popen:
    cmd = [
        sys.executable, "-m", "apps.core.testing.mirrorfarm",
        "--serve-many", str(args.mirrors), "--hang-percent", str(args.hang_percent),
        "--port", str(args.port), "--base", args.base,
        "--manifest", str(tmp / "manifest.csv"), "--max-seconds", "900",
    ]  # fmt: skip
    farm = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = farm.stdout.readline()
    if not line.startswith("READY"):
        farm.kill()
        raise SystemExit(f"the farm did not start: {line!r}")
    print(f"farm: {line.strip()} (pid {farm.pid})")
    return farm


def _network_create(master_url: str, farm_manifest: Path, *, named: bool = False) -> int:
    from django.db import transaction

    from apps.mirrors.choices import Approval, MirrorStatus, MirrorTier, Protocol
    from apps.mirrors.models import Mirror, MirrorURL
    from apps.releases.models import Architecture, Image, Release, Repository

    rows = [line.split(",") for line in farm_manifest.read_text().splitlines()[1:]]
    with transaction.atomic():
        arch = Architecture.objects.create(name="x86_64")
        release = Release.objects.create(version="5.0", major=5, minor=0)
        release.architectures.set([arch])
        release.repositories.set(
            [Repository.objects.create(name=n) for n in ("os", "updates", "extras")]
        )
        for name, size in (
            ("CentOS-5.0-x86_64-bin-DVD.iso", 1 << 20),
            ("CentOS-5.0-x86_64-netinstall.iso", 256 << 10),
        ):
            Image.objects.create(release=release, architecture=arch, name=name, size=size)
        # The master, as the portal knows it: a mirror of tier master with the farm's URL.
        master = Mirror.objects.create(
            name="master.bench.test", tier=MirrorTier.MASTER, approval=Approval.APPROVED
        )
        MirrorURL.objects.create(mirror=master, protocol=Protocol.HTTP, url=master_url)
        sims = [r for r in rows if r[0] != "master"]
        Mirror.objects.bulk_create(
            [
                Mirror(
                    name=f"{name}.bench.test",
                    country="DE",
                    approval=Approval.APPROVED,
                    status=MirrorStatus.UP,
                    contact_email=f"admin@{name}.bench.test",
                )
                for name, *_ in sims
            ],
            batch_size=2000,
        )
        ids = dict(Mirror.objects.exclude(tier=MirrorTier.MASTER).values_list("name", "pk"))
        MirrorURL.objects.bulk_create(
            [
                MirrorURL(
                    mirror_id=ids[f"{name}.bench.test"],
                    protocol=Protocol.HTTP,
                    url=url.replace(address, f"{name}.bench.test") if named else url,
                )  # fmt: skip
                for name, address, _behaviour, url in sims
            ],
            batch_size=2000,
        )
    return len(sims)


def _sweep_measure(args, mirrors: int, settings, *, farm_pid: int) -> int:
    import psutil
    from django.db.models import Count
    from tqdm import tqdm

    from apps.mirrors import services
    from apps.mirrors.choices import SweepTrigger
    from apps.mirrors.models import Check

    process, farm = psutil.Process(), psutil.Process(farm_pid)
    cpu_before, farm_before = sum(process.cpu_times()[:2]), sum(farm.cpu_times()[:2])
    rss_before = process.memory_info().rss
    bar = tqdm(total=mirrors, unit="mirror", mininterval=1.0, file=sys.stderr)
    marks: dict[str, float] = {}
    started = time.perf_counter()
    sweep = services.sweep_run(
        trigger=SweepTrigger.MANUAL,
        on_start=lambda plan: marks.setdefault("probing", time.perf_counter()),
        progress=lambda outcome: (
            bar.update(1),
            bar.n == mirrors and marks.setdefault("recording", time.perf_counter()),
        ),
    )
    wall = time.perf_counter() - started
    bar.close()
    cpu = sum(process.cpu_times()[:2]) - cpu_before
    farm_cpu = sum(farm.cpu_times()[:2]) - farm_before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    requests = Check.objects.count() + 1 + 3 + 2  # and the master's own requests
    errors = dict(
        Check.objects.exclude(error="").values_list("error").annotate(n=Count("id")).order_by()
    )
    probing_start = marks.get("probing", started)
    probing_end = marks.get("recording", probing_start)
    probing = max(probing_end - probing_start, 1e-9)
    rows = [
        ("mirrors", f"{mirrors} ({args.hang_percent:g}% hang)"),
        ("sweep", f"{sweep.state}: {sweep.mirrors_checked} checked, "
                  f"{sweep.mirrors_failed} unreachable, errors {errors}"),
        ("requests", f"{requests}"),
        ("wall time", f"{wall:.1f} s (start {probing_start - started:.1f} s, probing "
                      f"{probing:.1f} s, recording {started + wall - probing_end:.1f} s)"),
        ("requests per second", f"{requests / wall:.0f} (while probing: {requests / probing:.0f})"),
        ("peak memory (RSS)", f"{peak / 2**20:.0f} MB (before: {rss_before / 2**20:.0f} MB)"),
        ("CPU time", f"sweep {cpu:.1f} s ({cpu / requests * 1e6:.0f} us a request), "
                     f"farm {farm_cpu:.1f} s, on {os.cpu_count()} cores"),
        ("floor", f"{settings.MIRROR_CHECK_TIMEOUT:g} s (MIRROR_CHECK_TIMEOUT)"),
        ("concurrency", f"{settings.MIRROR_CHECK_CONCURRENCY} requests, "
                        f"{settings.MIRROR_CHECK_PER_HOST} per host"),
        ("database", settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]),
        ("load average", " ".join(f"{x:.1f}" for x in os.getloadavg())),
    ]  # fmt: skip
    print()
    for label, value in rows:
        print(f"{label:<20} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
