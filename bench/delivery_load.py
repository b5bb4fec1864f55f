"""Load benchmark of the mirrorlist: the portal under granian against nginx serving the
same body as a static file, on this machine, in the same run.

    .venv/bin/python bench/delivery_load.py [--mirrors 10000] [--duration 20] [--connections 64]

1. Creates a throw-away SQLite database (migrations), fills it with generated rows
   (`--mirrors` mirrors in about 50 countries with URLs, netblocks, repository and image
   states) and publishes a snapshot with the real builder (`snapshot_publish`), so the
   snapshot is what production would build from the same rows.
2. Starts granian (2 WSGI workers) on portal.wsgi:application; the workers load the
   snapshot from that database like any production worker.
3. Fetches one mirrorlist answer and has nginx serve those same bytes as a static file.
4. Runs wrk (-t2 -cN -dS --latency) against both with a Lua script that varies the
   client address (`ip=`) over 1,000 generated IPv4 addresses, so GeoIP and the buckets
   work for different countries; nginx ignores the query string.
5. Prints requests/s, their ratio, p50/p99, errors and the granian workers' RSS.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PATH = "/mirrorlist?release=5&arch=x86_64&repo=os"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_django(tmp: Path) -> dict:
    env = {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "DELIVERY_SNAPSHOT_CACHE": str(tmp / "snapshot.json"),
        "DEBUG": "False",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "False",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "memory://",
    }
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env


def generate_rows(count: int, seed: int = 1) -> None:
    """`count` serving mirrors with URLs and states for release 5.0 (3 repos x 2 arches)."""
    from django.db import transaction
    from django.utils import timezone

    from apps.core.geo import COUNTRIES
    from apps.mirrors.models import (
        Mirror,
        MirrorImageState,
        MirrorRepositoryState,
        MirrorURL,
        Netblock,
    )
    from apps.releases.models import Architecture, Image, Release, Repository, RepositoryVersion

    rng = random.Random(seed)
    # Roughly the seed's spread: the US first, then Europe and Asia.
    countries = ["US"] * 30 + ["DE", "GB", "FR", "NL", "JP", "CN", "TW", "CA", "SE", "IT"] * 3
    countries += [
        "AU",
        "AT",
        "BE",
        "BR",
        "BG",
        "CL",
        "CZ",
        "DK",
        "FI",
        "GR",
        "HU",
        "IN",
        "ID",
        "IE",
        "IL",
        "KR",
        "LU",
        "NZ",
        "NO",
        "PL",
        "PT",
        "RO",
        "RU",
        "SG",
        "SI",
        "ZA",
        "ES",
        "TR",
        "UA",
        "VE",
        "PR",
        "BD",
    ]
    now = timezone.now()
    with transaction.atomic():
        arches = [Architecture.objects.create(name=n) for n in ("x86_64", "i386")]
        repos = [Repository.objects.create(name=n) for n in ("os", "updates", "extras")]
        release = Release.objects.create(version="5.0", major=5, minor=0, status="current")
        release.architectures.set(arches)
        release.repositories.set(repos)
        images = []
        for arch in arches:
            for repo in repos:
                for k in range(3):
                    RepositoryVersion.objects.create(
                        release=release,
                        repository=repo,
                        architecture=arch,
                        timestamp=1_700_000_000 - k * 7200,
                        sha256=f"{rng.getrandbits(256):064x}",
                        sha512=f"{rng.getrandbits(512):0128x}",
                        size=3000 + k,
                    )
            for name in ("bin-DVD", "netinstall"):
                images.append(
                    Image.objects.create(
                        release=release,
                        architecture=arch,
                        name=f"CentOS-5.0-{arch.name}-{name}.iso",
                        size=4 << 30,
                        sha256=f"{rng.getrandbits(256):064x}",
                    )
                )
        mirrors = []
        for i in range(count):
            cc = rng.choice(countries)
            c = COUNTRIES[cc]
            mirrors.append(
                Mirror(
                    name=f"m{i:05d}.{cc.lower()}.example.org",
                    country=cc,
                    continent=c.continent,
                    latitude=c.lat + rng.uniform(-2, 2),
                    longitude=c.lon + rng.uniform(-2, 2),
                    bandwidth_mbps=rng.choice([100, 100, 1000, 1000, 10000]),
                    tier="internal" if i < 20 else "external",
                    approval="approved",
                    status="up",
                    private=rng.random() < 0.01,
                    last_checked_at=now,
                )
            )
        Mirror.objects.bulk_create(mirrors, batch_size=1000)
        mirrors = list(Mirror.objects.order_by("id"))
        urls, netblocks, states, image_states = [], [], [], []
        for m in mirrors:
            ipv6 = rng.random() < 0.3
            urls.append(
                MirrorURL(mirror=m, protocol="http", url=f"http://{m.name}/centos/", ipv6=ipv6)
            )
            if rng.random() < 0.5:
                urls.append(
                    MirrorURL(
                        mirror=m, protocol="https", url=f"https://{m.name}/centos/", ipv6=ipv6
                    )
                )
            if rng.random() < 0.05:
                netblocks.append(Netblock(mirror=m, cidr=f"10.{rng.randrange(256)}.0.0/16"))
            for arch in arches:
                for repo in repos:
                    state = "current" if rng.random() < 0.95 else "behind"
                    states.append(
                        MirrorRepositoryState(
                            mirror=m,
                            release=release,
                            repository=repo,
                            architecture=arch,
                            state=state,
                            checked_at=now,
                        )
                    )
            for image in images:
                if rng.random() < 0.8:
                    image_states.append(
                        MirrorImageState(mirror=m, image=image, state="present", checked_at=now)
                    )
        MirrorURL.objects.bulk_create(urls, batch_size=2000)
        Netblock.objects.bulk_create(netblocks, batch_size=2000, ignore_conflicts=True)
        MirrorRepositoryState.objects.bulk_create(states, batch_size=5000)
        MirrorImageState.objects.bulk_create(image_states, batch_size=5000)


def wait_for(url: str, seconds: float = 60) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def lua_script(tmp: Path, seed: int = 7) -> Path:
    rng = random.Random(seed)
    ips = [
        f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        for _ in range(1000)
    ]
    script = tmp / "vary.lua"
    script.write_text(
        "local ips = {" + ",".join(f'"{ip}"' for ip in ips) + "}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        f'  return wrk.format("GET", "{PATH}&ip=" .. ips[(i % #ips) + 1])\n'
        "end\n"
    )
    return script


def start_nginx(tmp: Path, body: bytes, port: int) -> subprocess.Popen:
    root = tmp / "www"
    root.mkdir()
    (root / "mirrorlist").write_bytes(body)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes auto;\ndaemon off;\npid {tmp}/nginx.pid;\n"
        f"error_log {tmp}/nginx-error.log warn;\n"
        "events { worker_connections 1024; }\n"
        # Keep-alive as the portal's: no cap on requests per connection (nginx's default
        # closes each connection after 1,000 requests).
        "http {\n  access_log off;\n  keepalive_requests 1000000;\n"
        f"  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;\n"
        f"  fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi;"
        f" scgi_temp_path {tmp}/scgi;\n"
        f"  server {{\n    listen 127.0.0.1:{port};\n"
        f"    location = /mirrorlist {{ default_type text/plain; alias {root}/mirrorlist; }}\n"
        "  }\n}\n"
    )
    return subprocess.Popen(
        [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-p", str(tmp)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def run_wrk(url: str, script: Path, duration: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
    ).stdout

    def latency(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": (sum(map(int, socket_errors.groups())) if socket_errors else 0)
        + (int(non_2xx.group(1)) if non_2xx else 0),
        "raw": out,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (the server's own cost, which
    other load on the machine disturbs much less than requests/s)."""
    import psutil

    total = 0.0
    root = psutil.Process(pid)
    for proc in (root, *root.children(recursive=True)):
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def worker_rss(pid: int) -> list[int]:
    import psutil

    return [c.memory_info().rss for c in psutil.Process(pid).children(recursive=True)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--granian-args",
        default="--blocking-threads 2",
        help="extra granian options (default: %(default)s)",
    )
    parser.add_argument("--verbose", action="store_true", help="print wrk's own output too")
    args = parser.parse_args(argv)
    for tool in ("wrk", "nginx"):
        if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
            print(f"{tool} is not installed (apt-get install wrk nginx-light)")
            return 2

    tmp = Path(tempfile.mkdtemp(prefix="delivery-bench-"))
    procs: list[subprocess.Popen] = []
    try:
        started = time.monotonic()
        env = setup_django(tmp)
        generate_rows(args.mirrors)
        from apps.delivery.services import snapshot_publish

        row = snapshot_publish(reason="benchmark")
        print(
            f"snapshot {row.version}: {row.mirror_count} mirrors, {row.size / 1e6:.1f} MB "
            f"(orjson), built in {row.build_ms} ms; setup {time.monotonic() - started:.1f} s"
        )

        port, nginx_port = free_port(), free_port()
        granian = subprocess.Popen(
            [
                str(BASE_DIR / ".venv/bin/granian"),
                "--interface",
                "wsgi",
                "--workers",
                str(args.workers),
                *args.granian_args.split(),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-ws",
                "--log-level",
                "warning",
                "--no-access-log",
                "--backlog",
                "2048",
                "portal.wsgi:application",
            ],
            cwd=BASE_DIR,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
        )
        procs.append(granian)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        body = wait_for(base + PATH)
        for _ in range(200):  # warm both workers: snapshot loaded, plans cached
            wait_for(base + PATH + f"&ip=81.2.69.{_ % 250 + 1}")
        lines = body.decode().splitlines()
        print(f"mirrorlist body: {len(lines)} lines, {len(body)} bytes, first {lines[0]}")
        nginx = start_nginx(tmp, body, nginx_port)
        procs.append(nginx)
        static = f"http://127.0.0.1:{nginx_port}"
        assert wait_for(static + PATH) == body

        script = lua_script(tmp)
        # Warm up: each worker's GeoIP cache and bucket plans fill as in a long-running one.
        run_wrk(base, script, 3, args.connections)
        results = {}
        for name, url, pid in (("nginx", static, nginx.pid), ("portal", base, granian.pid)):
            before = cpu_seconds(pid)
            results[name] = run_wrk(url, script, args.duration, args.connections)
            results[name]["cpu_us"] = (
                (cpu_seconds(pid) - before) / max(1, results[name]["requests"]) * 1e6
            )
            if args.verbose:
                print(results[name]["raw"])
        rss = worker_rss(granian.pid)

        n, p = results["nginx"], results["portal"]
        print(
            f"\nwrk -t2 -c{args.connections} -d{args.duration}s --latency, "
            f"{args.mirrors} mirrors, granian {args.workers} WSGI workers {args.granian_args}"
        )
        print(f"{'':8} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'CPU us/req':>11}")
        for name, r in (("nginx", n), ("portal", p)):
            print(
                f"{name:8} {r['rps']:>10.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} {r['errors']:>7}"
                f" {r['cpu_us']:>11.1f}"
            )
        ratio = p["rps"] / n["rps"]
        print(f"ratio portal/nginx: {ratio:.2f} (target >= 0.25)")
        print("worker RSS: " + ", ".join(f"{r / 2**20:.0f} MiB" for r in rss))
        ok = ratio >= 0.25 and p["p99"] < 20 and p["errors"] == 0
        print("TARGET MET" if ok else "TARGET MISSED")
        return 0 if ok else 1
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
