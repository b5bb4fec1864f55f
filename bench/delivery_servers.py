"""delivery_load.py's servers and measures: the bare WSGI app, granian, nginx, wrk, and
the workers' CPU and RSS."""

from __future__ import annotations

import os
import random
import re
import resource
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from delivery_mix import draw_address, draw_path, fetch
from delivery_setup import BASE_DIR

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


# --- the cost of the front's tallies -------------------------------------------------
