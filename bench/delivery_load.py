"""Load benchmark of the delivery front: nginx serving static bodies of the same size, a
bare WSGI callable under the same granian, and the portal, on this machine, in one run.

    .venv/bin/python bench/delivery_load.py [--mirrors 10000] [--duration 20] [--connections 64]

1. Creates a throw-away SQLite database (migrations), fills it with generated rows
   (`--mirrors` mirrors in about 50 countries with URLs, netblocks, repository and image
   states) and publishes a snapshot with the real builder (`snapshot_publish`), so the
   snapshot is what production would build from the same rows.
2. Starts granian (2 WSGI workers) on portal.wsgi:application with TRUSTED_PROXIES set to
   the loopback, so the front believes X-Forwarded-For as it would behind a proxy; the
   workers load the snapshot from that database like any production worker. A second
   granian with the same options serves a bare WSGI callable that returns, per kind, the
   portal's own answer (same status, headers and body) without any logic: the ceiling for
   any Python answer.
3. Builds the request mix (the default, "mix"): every request has a fresh client address
   (X-Forwarded-For, drawn by wrk's Lua per request: a random network of the GeoIP
   database, then a random address in it), 30% IPv6, `--no-country` of them from
   networks the database has no country for; 70% mirrorlist, 20% metalink (the
   `repo=<repo>-<release>` form) and 10% ISO redirects (302), spread evenly over every
   release/repository/arch and every ISO of the rows. Every URL is checked first (200 or
   302), and a sample of generated requests is sent to tally statuses and countries.
4. nginx serves, per kind, a static file as large as the portal's answer (the mirrorlist
   and metalink bodies themselves; for the 302, as many bytes as the portal's whole
   response, headers included).
5. Runs wrk (-t2 -cN -dS --latency) against the three in turn, each after a short
   warm-up, then the old cached case as a secondary line: one mirrorlist URL with `ip=`
   cycling over 1,000 random IPv4 addresses (once answered from a per-address memo, which
   the front no longer keeps).
6. Prints a table: requests/s, the ratios, p50/p99, errors (socket errors and non-2xx/3xx
   answers), bytes per answer, the servers' worker CPU µs per request (and wrk's), and
   the granian workers' RSS after the runs. Exits 1 when any run had errors.
7. The cost of the front's request counters (/metrics), in this process: the real front's
   call path over the mix's requests, each from a different client address, with the
   counters against without (interleaved rounds, the median difference), the same on the
   shortest answer (a 405), and for comparison prometheus-client's own Counter.inc and
   Histogram.observe, plain and in its multiprocess mode. Exits 1 when the counters cost
   more than 1 µs a request. `--counters-only` runs just this (no wrk, nginx or granian).
   Times are the measuring thread's CPU time (time.thread_time_ns), so that other load on
   the machine, which deschedules the thread, does not land on one side of a difference.
8. Before all that: the snapshot's build time (the real builder), and the time and RSS to
   load it into a fresh process as a worker does, then to swap in a second copy
   (`--mirrors 100000` gives the issue's 100,000-mirror figures).

Swap mode (`--swap MINUTES`, `--swap-every 10`): instead of the table, the portal alone
under the mix for MINUTES in one-second wrk slices while a snapshot is published every
`--swap-every` seconds (bench/delivery_swap.py); prints the p99 of each second around each
publication and every worker's RSS at the start and the end. bench/soak.py is the same
machinery for an hour in 5-minute windows.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# The cached case: one URL, the yum form with the major release.
CACHED_PATH = "/mirrorlist?release=5&arch=x86_64&repo=os"
# The default mix.
MIX = {"mirrorlist": 0.7, "metalink": 0.2, "iso": 0.1}
IPV6_SHARE = 0.3
# GeoIP networks kept per pool (each request picks one, then a random address in it).
POOL_SIZES = {
    ("v4", True): 20_000,
    ("v6", True): 10_000,
    ("v4", False): 2_000,
    ("v6", False): 1_000,
}
# IPv6 ranges that only re-encode IPv4 (6to4, Teredo, NAT64) or are not unicast: skipped.
V6_UNICAST = ipaddress.ip_network("2000::/3")
V6_SKIP = [ipaddress.ip_network(n) for n in ("2002::/16", "2001::/32", "64:ff9b::/96")]


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
        # wrk connects from the loopback: believe its X-Forwarded-For, as behind a proxy.
        "TRUSTED_PROXIES": "127.0.0.1,::1",
        "METRICS_DIR": str(tmp / "metrics"),
        # DEBUG=False: the web server refuses to start until the static files are collected.
        "STATIC_ROOT": str(tmp / "static"),
    }
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
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


# --- the request mix -----------------------------------------------------------------


def catalogue() -> dict[str, list[str]]:
    """Every URL of the mix, from the rows (what the snapshot was built from): a mirrorlist
    and a metalink per release/repository/arch with repository versions, and the redirect
    of every ISO."""
    from apps.releases.models import Image, RepositoryVersion

    combos = sorted(
        set(
            RepositoryVersion.objects.values_list(
                "release__version", "repository__name", "architecture__name"
            )
        )
    )
    images = sorted(
        Image.objects.values_list("release__version", "architecture__name", "name").distinct()
    )
    return {
        "mirrorlist": [f"/mirrorlist?release={v}&repo={r}&arch={a}" for v, r, a in combos],
        "metalink": [f"/metalink?repo={r}-{v}&arch={a}" for v, r, a in combos],
        "iso": [f"/isoredirect/{v}/isos/{a}/{n}" for v, a, n in images],
    }


def geoip_pools(seed: int = 11) -> dict[tuple[str, bool], list]:
    """Networks of the GeoIP database the front reads (Geoacumen unless GEOIP_PATH is set),
    sampled uniformly per (IP version, has a country); a reservoir per pool. Private and
    reserved ranges are left out, as are IPv6 ranges that only re-encode IPv4."""
    import maxminddb
    from django.conf import settings

    path = settings.GEOIP_PATH
    if not path:
        import geoacumen

        path = geoacumen.db_path
    rng = random.Random(seed)
    pools: dict[tuple[str, bool], list] = {key: [] for key in POOL_SIZES}
    seen: Counter = Counter()
    with maxminddb.open_database(path) as reader:
        for net, record in reader:
            if not net.is_global:
                continue
            version = "v4" if net.version == 4 else "v6"
            if version == "v6" and (
                not net.subnet_of(V6_UNICAST) or any(net.subnet_of(s) for s in V6_SKIP)
            ):
                continue
            place = record.get("country") or record.get("registered_country") or {}
            code = place.get("iso_code") if isinstance(place, dict) else None
            key = (version, isinstance(code, str) and len(code) == 2 and code.isalpha())
            seen[key] += 1
            pool, size = pools[key], POOL_SIZES[key]
            if len(pool) < size:
                pool.append(net)
            else:
                j = rng.randrange(seen[key])
                if j < size:
                    pool[j] = net
    return pools


def draw_address(rng: random.Random, pools, no_country: float) -> str:
    """What the Lua script does per request, in Python (for the sample and the shares)."""
    version = "v6" if rng.random() < IPV6_SHARE else "v4"
    pool = pools[(version, rng.random() >= no_country)]
    net = pool[rng.randrange(len(pool))]
    return str(net[rng.randrange(net.num_addresses)])


def draw_path(rng: random.Random, urls: dict[str, list[str]]) -> str:
    r = rng.random()
    kind = "mirrorlist" if r < MIX["mirrorlist"] else "metalink" if r < 0.9 else "iso"
    return urls[kind][rng.randrange(len(urls[kind]))]


def _lua_list(items) -> str:
    return "{" + ",".join(items) + "}"


def mix_script(tmp: Path, pools, urls: dict[str, list[str]], no_country: float) -> Path:
    """wrk's Lua: per request a kind (70/20/10), a URL of that kind and a fresh address.

    IPv4 networks are {first address, size}; IPv6 ones the eight 16-bit groups of the
    network address and the prefix length, the host bits drawn per group."""
    v4 = {
        has: _lua_list(
            f"{{{int(n.network_address)},{n.num_addresses}}}" for n in pools[("v4", has)]
        )
        for has in (True, False)
    }
    v6 = {}
    for has in (True, False):
        rows = []
        for n in pools[("v6", has)]:
            groups = n.network_address.exploded.split(":")
            rows.append("{" + ",".join(str(int(g, 16)) for g in groups) + f",{n.prefixlen}}}")
        v6[has] = _lua_list(rows)
    quoted = {k: _lua_list(f'"{u}"' for u in v) for k, v in urls.items()}
    script = tmp / "mix.lua"
    script.write_text(
        f"local V4 = {v4[True]}\nlocal V4NONE = {v4[False]}\n"
        f"local V6 = {v6[True]}\nlocal V6NONE = {v6[False]}\n"
        f"local ML = {quoted['mirrorlist']}\nlocal MD = {quoted['metalink']}\n"
        f"local ISO = {quoted['iso']}\n"
        f"local IPV6, NOCC = {IPV6_SHARE}, {no_country}\n"
        f"local P_ML, P_MD = {MIX['mirrorlist']}, {MIX['mirrorlist'] + MIX['metalink']}\n"
        """
local random, floor, format = math.random, math.floor, string.format
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
function init(args)
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
  for _ = 1, 10 do random() end
end
local function ip4(t)
  local n = t[1] + random(0, t[2] - 1)
  return format("%d.%d.%d.%d", floor(n / 16777216) % 256, floor(n / 65536) % 256,
                floor(n / 256) % 256, n % 256)
end
local g = {0, 0, 0, 0, 0, 0, 0, 0}
local function ip6(t)
  local p = t[9]
  for i = 1, 8 do
    local fixed = p - 16 * (i - 1)
    if fixed >= 16 then g[i] = t[i]
    elseif fixed <= 0 then g[i] = random(0, 65535)
    else g[i] = t[i] + random(0, 2 ^ (16 - fixed) - 1) end
  end
  return format("%x:%x:%x:%x:%x:%x:%x:%x", g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8])
end
local headers = {}
request = function()
  local ip
  if random() < IPV6 then
    if random() < NOCC then ip = ip6(V6NONE[random(#V6NONE)]) else ip = ip6(V6[random(#V6)]) end
  else
    if random() < NOCC then ip = ip4(V4NONE[random(#V4NONE)]) else ip = ip4(V4[random(#V4)]) end
  end
  headers["X-Forwarded-For"] = ip
  local r, path = random()
  if r < P_ML then path = ML[random(#ML)]
  elseif r < P_MD then path = MD[random(#MD)]
  else path = ISO[random(#ISO)] end
  return wrk.format("GET", path, headers)
end
"""
    )
    return script


def cached_script(tmp: Path, seed: int = 7) -> tuple[Path, int]:
    """The old default: one URL, `ip=` cycling over 1,000 random IPv4 addresses; the
    script and how many of those addresses GeoIP has no country for."""
    from django.conf import settings

    from apps.core.geo import GeoIP

    rng = random.Random(seed)
    ips = [
        f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        for _ in range(1000)
    ]
    script = tmp / "cached.lua"
    script.write_text(
        "local ips = {" + ",".join(f'"{ip}"' for ip in ips) + "}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        f'  return wrk.format("GET", "{CACHED_PATH}&ip=" .. ips[(i % #ips) + 1])\n'
        "end\n"
    )
    geoip = GeoIP(settings.GEOIP_PATH)
    return script, sum(geoip.country(ip) is None for ip in ips)


def fetch(port: int, path: str, forwarded: str | None = None):
    """(status, headers, body, bytes on the wire) of one GET, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"X-Forwarded-For": forwarded} if forwarded else {})
        resp = conn.getresponse()
        body = resp.read()
        headers = resp.getheaders()
    finally:
        conn.close()
    head = len(f"HTTP/1.1 {resp.status} {resp.reason}\r\n") + 2
    head += sum(len(k) + len(v) + 4 for k, v in headers)
    return resp.status, headers, body, head + len(body)


# --- the servers -----------------------------------------------------------------------

BARE_APP = '''"""A bare WSGI callable: the portal's answer per kind, without any logic."""

ANSWERS = {answers!r}
ISO = ANSWERS.pop("/isoredirect/")


def app(environ, start_response):
    status, headers, body = ANSWERS.get(environ.get("PATH_INFO"), ISO)
    start_response(status, headers)
    return [body]
'''


def write_bare_app(tmp: Path, samples: dict) -> None:
    skip = {"date", "server", "connection", "transfer-encoding"}
    answers = {}
    for kind, prefix in (
        ("mirrorlist", "/mirrorlist"),
        ("metalink", "/metalink"),
        ("iso", "/isoredirect/"),
    ):
        status, headers, body, _ = samples[kind]
        reason = {200: "OK", 302: "Found"}[status]
        kept = [(k, v) for k, v in headers if k.lower() not in skip]
        answers[prefix] = (f"{status} {reason}", kept, body)
    (tmp / "bare_app.py").write_text(BARE_APP.format(answers=answers))


def start_granian(target: str, port: int, args, env: dict, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
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
            target,
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def start_nginx(tmp: Path, samples: dict, port: int) -> subprocess.Popen:
    root = tmp / "www"
    root.mkdir()
    (root / "mirrorlist").write_bytes(samples["mirrorlist"][2])
    (root / "metalink").write_bytes(samples["metalink"][2])
    # A 302 is mostly headers: serve as many bytes as the portal's whole response.
    (root / "iso").write_bytes(b"x" * (samples["iso"][3] - 1) + b"\n")
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
        f"  default_type text/plain;\n  root {root};\n"
        f"  server {{\n    listen 127.0.0.1:{port};\n"
        "    location = /mirrorlist { rewrite ^ /mirrorlist break; }\n"
        "    location = /metalink { rewrite ^ /metalink break; }\n"
        "    location /isoredirect/ { rewrite ^ /iso break; }\n"
        "  }\n}\n"
    )
    return subprocess.Popen(
        [shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(conf), "-p", str(tmp)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


# --- measuring -------------------------------------------------------------------------

UNITS = {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30}


def wrk_cpu_seconds() -> float:
    """CPU of this process's waited-for children: wrk (the servers are still running)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
    total = re.search(r"(\d+) requests in [\d.]+\w+, ([\d.]+)(B|KB|MB|GB) read", out)
    requests = int(total.group(1))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": requests,
        "bytes": float(total.group(2)) * UNITS[total.group(3)] / max(1, requests),
        "p50": latency("50"),
        "p99": latency("99"),
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "raw": out,
    }


def workers(pid: int) -> list:
    import psutil

    return psutil.Process(pid).children(recursive=True)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a server's worker processes (its own cost, which other load on
    the machine disturbs much less than requests/s)."""
    import psutil

    total = 0.0
    for proc in workers(pid):
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def measure(url: str, pid: int, script: Path, args) -> dict:
    before, wrk_before = cpu_seconds(pid), wrk_cpu_seconds()
    load = os.getloadavg()[0]
    result = run_wrk(url, script, args.duration, args.connections)
    n = max(1, result["requests"])
    result["cpu_us"] = (cpu_seconds(pid) - before) / n * 1e6
    result["wrk_us"] = (wrk_cpu_seconds() - wrk_before) / n * 1e6
    result["load"] = (load, os.getloadavg()[0])
    if args.verbose:
        print(result["raw"])
    return result


def check_answers(port: int, urls, pools, no_country: float, samples: int) -> dict:
    """Every URL once (must be 200 or 302), then `samples` generated requests: their
    statuses, and the countries the front's GeoIP gives their addresses."""
    from django.conf import settings

    from apps.core.geo import GeoIP

    first = {}
    ok_address = str(pools[("v4", True)][0][1])
    for kind, paths in urls.items():
        for path in paths:
            answer = fetch(port, path, ok_address)
            if answer[0] not in (200, 302):
                raise SystemExit(f"{path}: {answer[0]} {answer[2][:200]!r}")
            first.setdefault(kind, answer)
    rng = random.Random(5)
    statuses: Counter = Counter()
    countries: Counter = Counter()
    geoip = GeoIP(settings.GEOIP_PATH)
    for _ in range(samples):
        ip = draw_address(rng, pools, no_country)
        status = fetch(port, draw_path(rng, urls), ip)[0]
        statuses[status] += 1
        countries[geoip.country(ip)] += 1
    return {"samples": first, "statuses": statuses, "countries": countries}


# --- the cost of the front's counters ------------------------------------------------


def _stub(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"django\n"]


def _timed(front, environs) -> float:
    """ns per request of `front` over `environs`, as a server calls it."""

    def start_response(status, headers, exc_info=None):
        return None

    started = time.thread_time_ns()
    for environ in environs:
        b"".join(front(environ, start_response))
    return (time.thread_time_ns() - started) / len(environs)


def _ab(fronts, environs, rounds: int) -> tuple[float, float, float, float, float]:
    """(ns per request without counters and with them, each its fastest round, as timeit
    judges; the quartiles of the rounds' differences, to show the noise); the order
    alternates so that neither side always runs warm."""
    plain, counted, diffs = [], [], []
    for k in range(rounds):
        order = (0, 1) if k % 2 else (1, 0)
        took = {}
        for i in order:
            took[i] = _timed(fronts[i], environs)
        plain.append(took[0])
        counted.append(took[1])
        diffs.append(took[1] - took[0])
    diffs.sort()
    return (
        min(plain),
        min(counted),
        min(counted) - min(plain),
        diffs[rounds // 4],
        diffs[3 * rounds // 4],
    )


def _prometheus_inc_ns(multiprocess: Path | None) -> dict:
    """prometheus-client's Counter.inc and Histogram.observe, ns a call (a subprocess: its
    multiprocess mode is chosen at import time)."""
    code = (
        "import timeit, json\n"
        "from prometheus_client import Counter, Histogram\n"
        "c = Counter('c', 'c', ['endpoint']).labels('mirrorlist')\n"
        "h = Histogram('h', 'h', ['endpoint']).labels('mirrorlist')\n"
        "n = 200_000\n"
        "print(json.dumps({'inc': min(timeit.repeat(c.inc, number=n, repeat=5)) / n * 1e9,"
        " 'observe': min(timeit.repeat(lambda: h.observe(0.00003), number=n, repeat=5))"
        " / n * 1e9}))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    if multiprocess is not None:
        multiprocess.mkdir(parents=True, exist_ok=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(multiprocess)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    import json

    return json.loads(out.stdout)


PASSES = 21  # passes over the mix: its per-request difference is the headline


def _paired(fronts, environs, passes: int) -> tuple[float, float]:
    """(ns per request without counters, with them): every request is answered by both
    fronts in turn (the order alternating), so that what else the machine does falls on both
    sides alike; the median of `passes` passes."""

    def start_response(status, headers, exc_info=None):
        return None

    clock = time.thread_time_ns
    results = []
    for _ in range(passes):
        spent = [0, 0]
        for k, environ in enumerate(environs):
            first = k & 1
            t0 = clock()
            b"".join(fronts[first](environ, start_response))
            t1 = clock()
            b"".join(fronts[1 - first](environ, start_response))
            t2 = clock()
            spent[first] += t1 - t0
            spent[1 - first] += t2 - t1
        results.append((spent[0] / len(environs), spent[1] / len(environs)))
    results.sort(key=lambda r: r[1] - r[0])
    diffs = [b - a for a, b in results]
    return (*results[passes // 2], diffs[passes // 4], diffs[3 * passes // 4])


def counter_cost(tmp: Path, urls, pools, no_country: float, clients: int = 5000) -> float:
    """Print the counters' cost per request; returns the figure judged: the median
    difference on the mix (every request answered with and without counters in turn, so that
    what else the machine does falls on both alike), with its quartiles; the shortest answer
    (a 405, where little else is done) is the second line, a check with less noise."""
    from apps.delivery.client import ClientLocator
    from apps.delivery.counters import FrontCounters
    from apps.delivery.front import DeliveryFront
    from apps.delivery.selectors import snapshot_latest
    from apps.delivery.store import SnapshotStore

    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_latest()[1]), write_cache=False)
    store.ensure_started()
    locator = ClientLocator(trusted_proxies=("127.0.0.1", "::1"))
    counters = FrontCounters()
    fronts = [
        DeliveryFront(_stub, store=store, locator=locator, rng=random.Random(1), counters=c)
        for c in (None, counters)
    ]
    rng = random.Random(23)
    mix = []
    for _ in range(clients):  # every request from another client, as in the wrk mix
        path, _, query = draw_path(rng, urls).partition("?")
        mix.append({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
                    "REMOTE_ADDR": "127.0.0.1",
                    "HTTP_X_FORWARDED_FOR": draw_address(rng, pools, no_country)})  # fmt: skip
    short = [{**e, "REQUEST_METHOD": "POST"} for e in mix]  # answered 405 at once
    for front in fronts:  # warm-up: plans, the client memo, the GeoIP reader
        _timed(front, mix)
    without, with_, low, high = _paired(fronts, mix, PASSES)
    diff = with_ - without
    s_without, s_with, s_diff, s_low, s_high = _ab(fronts, short, 41)
    one = counters.count
    started = time.thread_time_ns()
    for _ in range(200_000):
        one(0, "200 OK", 30_000)
    alone = (time.thread_time_ns() - started) / 200_000
    plain, multi = _prometheus_inc_ns(None), _prometheus_inc_ns(tmp / "prom-multiproc")
    print(
        f"\nfront counters, {clients} requests of the mix from as many client addresses,"
        f" in this process:\n"
        f"  mix: {without / 1000:.1f} us/request without, {with_ / 1000:.1f} us with:"
        f" {diff:+.0f} ns (each request answered by both in turn; the median of {PASSES}"
        f" passes, quartiles {low:+.0f}, {high:+.0f})\n"
        f"  shortest answer (405): {s_without:.0f} ns without, {s_with:.0f} ns with:"
        f" {s_diff:+.0f} ns (fastest of 41 rounds; quartiles {s_low:+.0f}, {s_high:+.0f})\n"
        f"  FrontCounters.count alone: {alone:.0f} ns a call\n"
        f"  prometheus-client for comparison: Counter.inc {plain['inc']:.0f} ns,"
        f" Histogram.observe {plain['observe']:.0f} ns; multiprocess mode"
        f" {multi['inc']:.0f} ns and {multi['observe']:.0f} ns"
    )
    judged = diff  # the realistic case: the mix, every request from another client
    print(f"  the counters cost {judged:.0f} ns a request of the mix: "
          f"{'within' if judged <= 1000 else 'OVER'} the 1 us budget")  # fmt: skip
    return judged


LOAD_CODE = """
import json, os, sys, time, resource
import psutil
sys.path.insert(0, {base!r})
from apps.delivery.store import SnapshotStore
blob = open({path!r}, "rb").read()
me = psutil.Process()
before = me.memory_info().rss
store = SnapshotStore(poll_seconds=0)
started, cpu = time.perf_counter(), time.process_time()
store.install(blob, write_cache=False)
took, took_cpu = time.perf_counter() - started, time.process_time() - cpu
after = me.memory_info().rss
started = time.perf_counter()
store.install(blob.replace(b'"version":', b'"version":1', 1), write_cache=False)
again = time.perf_counter() - started
print(json.dumps({{"load": took, "cpu": took_cpu, "again": again, "before": before, "after": after,
                  "swapped": me.memory_info().rss}}))
"""


def load_figures(tmp: Path, blob: bytes) -> dict:
    """Time and memory to load the snapshot into a fresh process, as a worker does (parse,
    clean, plans and answers built), then to swap in a second copy."""
    import json

    path = tmp / "snapshot-load.json"
    path.write_bytes(blob)
    code = LOAD_CODE.format(base=str(BASE_DIR), path=str(path))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    figures = json.loads(out.stdout)
    print(
        f"load into a worker: {figures['load']:.2f} s ({figures['cpu']:.2f} s of CPU; a swap:"
        f" {figures['again']:.2f} s);"
        f" RSS {figures['before'] / 2**20:.0f} MiB before, {figures['after'] / 2**20:.0f} MiB"
        f" loaded, {figures['swapped'] / 2**20:.0f} MiB after a swap"
    )
    return figures


def swap_mode(args, base: str, pid: int, script: Path) -> int:
    """--swap: a snapshot published every --swap-every seconds for --swap minutes under
    the mix; RSS at start and end, p99 per second around each swap."""
    import delivery_swap

    print(
        f"swap mode: {args.swap} min, a snapshot every {args.swap_every:g} s, wrk in 1 s"
        f" slices at -c{args.connections}"
    )
    result = delivery_swap.run(
        base, pid, script, seconds=args.swap * 60, slice_s=1,
        publish_every=args.swap_every, conns=args.connections,
    )  # fmt: skip
    p99s = sorted(r["p99"] for _, r in result["slices"])
    print(
        f"{len(result['slices'])} one-second slices, {len(result['published'])} snapshots"
        f" published; p99 per second: median {p99s[len(p99s) // 2]:.1f} ms, worst"
        f" {p99s[-1]:.1f} ms; errors {delivery_swap.errors(result)}"
    )
    print("p99 per second around each swap (seconds after the publication):")
    print("\n".join(delivery_swap.around_swaps(result)))
    print("worker RSS:")
    print("\n".join(delivery_swap.rss_lines(result)))
    print("\n".join(delivery_swap.rss_series(result, every=30)))
    return 1 if delivery_swap.errors(result) else 0


def report(args, results: dict, rss: dict, cached: dict | None) -> None:
    print(
        f"\nwrk -t2 -c{args.connections} -d{args.duration}s --latency; {args.mirrors} mirrors;"
        f" granian {args.workers} WSGI workers {args.granian_args}; {os.cpu_count()} CPUs"
    )
    header = (
        f"{'':22} {'req/s':>9} {'/nginx':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>7}"
        f" {'B/answer':>9} {'CPU us/req':>10} {'wrk us/req':>10} {'load':>10}  worker RSS"
    )
    print(header + "\n" + "-" * len(header))

    def line(label: str, r: dict, nginx: dict, rss_key=None) -> None:
        memory = ", ".join(f"{m / 2**20:.0f}" for m in rss.get(rss_key, [])) if rss_key else ""
        errors = r["socket_errors"] + r["non_2xx"]
        print(
            f"{label:22} {r['rps']:>9.0f} {r['rps'] / nginx['rps']:>7.2f} {r['p50']:>7.2f}"
            f" {r['p99']:>7.2f} {errors:>7} {r['bytes']:>9.0f} {r['cpu_us']:>10.1f}"
            f" {r['wrk_us']:>10.1f} {r['load'][0]:>4.1f}-{r['load'][1]:<4.1f}"
            f"  {memory + ' MiB' if memory else ''}"
        )

    n = results["nginx"]
    line("nginx (static)", n, n)
    line("bare WSGI (granian)", results["bare"], n, "bare")
    line("portal (mix)", results["portal"], n, "portal")
    if cached:
        print("secondary: the cached case (one URL, ip= over 1,000 IPv4)")
        line("nginx (static)", cached["nginx"], cached["nginx"])
        line("portal (cached)", cached["portal"], cached["nginx"], "portal")
    p, b = results["portal"], results["bare"]
    print(
        f"ratios (mix): portal/nginx {p['rps'] / n['rps']:.2f}, bare/nginx"
        f" {b['rps'] / n['rps']:.2f}, portal/bare {p['rps'] / b['rps']:.2f}"
    )
    for name, r in (*results.items(), *((f"cached {k}", v) for k, v in (cached or {}).items())):
        if r["socket_errors"] or r["non_2xx"]:
            print(f"{name}: {r['socket_errors']} socket errors, {r['non_2xx']} non-2xx/3xx")


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
    parser.add_argument(
        "--no-country",
        type=float,
        default=0.05,
        help="share of client addresses from networks GeoIP has no country for"
        " (default: %(default)s)",
    )
    parser.add_argument("--no-cached", action="store_true", help="skip the cached case")
    parser.add_argument(
        "--swap",
        type=float,
        default=0,
        metavar="MINUTES",
        help="swap mode: the mix for MINUTES while snapshots are published (no table)",
    )
    parser.add_argument(
        "--swap-every", type=float, default=10.0, help="seconds between snapshots in swap mode"
    )
    parser.add_argument("--verbose", action="store_true", help="print wrk's own output too")
    parser.add_argument(
        "--counters-only", action="store_true", help="only the cost of the front's counters"
    )
    args = parser.parse_args(argv)
    for tool in () if args.counters_only else ("wrk", "nginx"):
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

        cpu = time.process_time()
        row = snapshot_publish(reason="benchmark")
        print(
            f"snapshot {row.version}: {row.mirror_count} mirrors, {row.size / 1e6:.1f} MB "
            f"(orjson), built in {row.build_ms} ms ({time.process_time() - cpu:.1f} s of CPU,"
            f" SQLite included); setup {time.monotonic() - started:.1f} s"
        )
        from apps.delivery.selectors import snapshot_latest

        load_figures(tmp, bytes(snapshot_latest()[1]))
        urls = catalogue()
        pools = geoip_pools()
        print(
            f"mix: {len(urls['mirrorlist'])} release/repo/arch, {len(urls['iso'])} ISOs;"
            f" GeoIP networks sampled: "
            + ", ".join(
                f"{v} {'country' if has else 'no country'} {len(pools[(v, has)])}"
                for v, has in POOL_SIZES
            )
        )
        counters_ns = 0 if args.swap else counter_cost(tmp, urls, pools, args.no_country)
        if args.counters_only:
            return 0 if counters_ns <= 1000 else 1

        port, bare_port, nginx_port = free_port(), free_port(), free_port()
        server_env = {**os.environ, **env}
        granian = start_granian("portal.wsgi:application", port, args, server_env, BASE_DIR)
        procs.append(granian)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        for i in range(200):  # both workers: snapshot loaded
            wait_for(base + CACHED_PATH + f"&ip=81.2.69.{i % 250 + 1}")
        checked = check_answers(port, urls, pools, args.no_country, 400)
        samples = checked["samples"]
        sent = sum(checked["statuses"].values())
        countries = checked["countries"]
        print(
            f"{sent} sample requests: "
            + ", ".join(f"{s}: {c}" for s, c in sorted(checked["statuses"].items()))
            + f"; addresses with no country {countries[None] / sent:.0%},"
            f" {len(countries) - (None in countries)} countries"
            f" (top: {', '.join(f'{k} {v}' for k, v in countries.most_common(6) if k)})"
        )
        bad = {s: c for s, c in checked["statuses"].items() if s not in (200, 302)}
        if bad:
            print(f"wrong answers in the sample: {bad}")
            return 1
        for kind, (status, _headers, body, wire) in samples.items():
            print(f"{kind}: {status}, body {len(body)} bytes, response {wire} bytes")

        if args.swap:
            script = mix_script(tmp, pools, urls, args.no_country)
            run_wrk(base, script, 3, args.connections)  # warm-up
            return swap_mode(args, base, granian.pid, script)

        write_bare_app(tmp, samples)
        bare = start_granian(
            "bare_app:app", bare_port, args, {**server_env, "PYTHONPATH": str(tmp)}, tmp
        )
        procs.append(bare)
        nginx = start_nginx(tmp, samples, nginx_port)
        procs.append(nginx)
        static, bare_url = f"http://127.0.0.1:{nginx_port}", f"http://127.0.0.1:{bare_port}"
        wait_for(static + "/mirrorlist")
        wait_for(bare_url + "/mirrorlist")
        for path in (urls["mirrorlist"][0], urls["metalink"][0], urls["iso"][0]):
            assert (
                fetch(bare_port, path)[3]
                == samples["iso" if path.startswith("/iso") else path[1:].split("?")[0]][3]
            ), path

        script = mix_script(tmp, pools, urls, args.no_country)
        sides = (
            ("nginx", static, nginx.pid),
            ("bare", bare_url, bare.pid),
            ("portal", base, granian.pid),
        )
        results = {}
        for name, url, pid in sides:
            # Warm-up: caches and plans fill as in a long-running worker.
            run_wrk(url, script, 3, args.connections)
            results[name] = measure(url, pid, script, args)
        cached = None
        if not args.no_cached:
            old, no_country = cached_script(tmp)
            print(f"cached case: 1,000 IPv4 addresses, {no_country} with no country")
            run_wrk(base, old, 3, args.connections)
            cached = {name: measure(url, pid, old, args) for name, url, pid in (sides[0], sides[2])}
        rss = {
            name: [w.memory_info().rss for w in workers(pid)]
            for name, pid in (("bare", bare.pid), ("portal", granian.pid))
        }
        report(args, results, rss, cached)
        runs = [*results.values(), *(cached or {}).values()]
        failed = any(r["socket_errors"] or r["non_2xx"] for r in runs)
        return 1 if failed or counters_ns > 1000 else 0
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
