"""Benchmark of HTTP clients for the mirror checks: the same sweep through each client
against the same local farm (N mirrors on 127.x addresses, 5% of which accept and never
answer), each client in its own process on uvloop.

    .venv/bin/python bench/http_clients.py --mirrors 2000
    .venv/bin/python bench/http_clients.py --mirrors 10000 --clients pycurl

Clients: `pycurl` (apps.core.http: libcurl's multi interface in the event loop, with the
address checks and pinning), `aiohttp` (a ClientSession whose resolver refuses non-public
addresses, limit_per_host=2) and `handwritten` (the asyncio-streams client this project had
before, loaded from git at --handwritten-rev, if that revision has it). Each mirror is asked
for TIME, then, when it answered, 3 repomd.xml (GET) and 2 ISO images (HEAD), two at a
time: 6 requests, or 1 for a hung mirror, which holds its slot for the whole timeout.
Prints requests per second (wall), CPU microseconds per request (user + system of the
client's process) and peak RSS. The farm runs in another process and is not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PATHS = [
    ("GET", "5.0/os/x86_64/repodata/repomd.xml"),
    ("GET", "5.0/updates/x86_64/repodata/repomd.xml"),
    ("GET", "5.0/extras/x86_64/repodata/repomd.xml"),
    ("HEAD", "5.0/isos/x86_64/CentOS-5.0-x86_64-bin-DVD.iso"),
    ("HEAD", "5.0/isos/x86_64/CentOS-5.0-x86_64-netinstall.iso"),
]
MAX_BYTES = 1 << 20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=int, default=2000)
    parser.add_argument("--hang-percent", type=float, default=5.0)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--connect-timeout", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=1000)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--port", type=int, default=8490)
    parser.add_argument("--base", default="127.3.0.1")
    parser.add_argument("--clients", default="pycurl,aiohttp,handwritten")
    parser.add_argument("--handwritten-rev", default="HEAD")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args)))
        return 0

    from apps.core.testing.mirrorfarm import raise_fd_limit

    raise_fd_limit(20000)
    with tempfile.TemporaryDirectory(prefix="http-clients-") as tmp:
        manifest = Path(tmp) / "manifest.csv"
        farm = _farm_start(args, manifest)
        try:
            rows = []
            for name in args.clients.split(","):
                cmd = [sys.executable, __file__, "--child", name, "--manifest", str(manifest)]
                cmd += [f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items()
                        if k not in ("child", "manifest", "clients") and v is not None]  # fmt: skip
                done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
                if done.returncode:
                    print(f"{name}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
                    continue
                rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
                _print_row(rows[-1])
        finally:
            farm.terminate()
            farm.wait(10)
    print(f"\n{args.mirrors} mirrors ({args.hang_percent:g}% hang), concurrency "
          f"{args.concurrency}, {args.per_host} per host, timeout {args.timeout:g} s, "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    return 0


def _print_row(row: dict) -> None:
    if "skipped" in row:
        print(f"{row['client']:<12} skipped: {row['skipped']}")
        return
    print(
        f"{row['client']:<12} {row['requests']:>7} requests in {row['wall']:6.1f} s: "
        f"{row['requests'] / row['wall']:6.0f} req/s, {row['cpu_us']:5.0f} us CPU a request, "
        f"peak RSS {row['rss_mb']:.0f} MB, errors {row['errors']}"
    )


def _farm_start(args, manifest: Path) -> subprocess.Popen:
    cmd = [
        sys.executable, "-m", "apps.core.testing.mirrorfarm",
        "--serve-many", str(args.mirrors), "--hang-percent", str(args.hang_percent),
        "--port", str(args.port), "--base", args.base, "--manifest", str(manifest),
        "--max-seconds", "1800",
    ]  # fmt: skip
    log = manifest.with_name("farm.log").open("w")  # a client that hoards connections
    farm = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
    line = farm.stdout.readline()
    if not line.startswith("READY"):
        farm.kill()
        raise SystemExit(f"the farm did not start: {line!r}")
    print(f"farm: {line.strip()}")
    return farm


# --------------------------------------------------------------------------- one client


def _child(args) -> dict:
    import uvloop

    from apps.core.testing.mirrorfarm import raise_fd_limit

    raise_fd_limit(20000)
    bases = [line.split(",")[3] for line in args.manifest.read_text().splitlines()[2:]]
    make = {"pycurl": _pycurl, "aiohttp": _aiohttp, "handwritten": _handwritten}[args.child]
    try:
        session_factory = make(args)
    except _Skip as exc:
        return {"client": args.child, "skipped": str(exc)}
    errors: dict[str, int] = {}
    count = 0
    before = resource.getrusage(resource.RUSAGE_SELF)

    async def sweep():
        nonlocal count
        slots = asyncio.Semaphore(args.concurrency)
        queue = iter(bases)
        async with session_factory() as open_session:

            async def worker():
                nonlocal count
                for base in queue:
                    async with open_session() as fetch:
                        per_host = asyncio.Semaphore(args.per_host)

                        async def one(method, url, per_host=per_host):
                            async with per_host, slots:
                                return await fetch(method, url)

                        results = [await one("GET", base + "TIME")]
                        if results[0] is None:
                            results += await asyncio.gather(*(one(m, base + p) for m, p in PATHS))
                    count += len(results)
                    for error in results:
                        if error is not None:
                            errors[error] = errors.get(error, 0) + 1

            await asyncio.gather(*(worker() for _ in range(args.concurrency)))

    started = time.perf_counter()
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(sweep())
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "client": args.child, "requests": count, "wall": wall, "cpu_us": cpu / count * 1e6,
        "rss_mb": after.ru_maxrss / 1024, "errors": errors,
    }  # fmt: skip


class _Skip(Exception):
    pass


class _Factory:
    """async with factory() as open_session; async with open_session() as fetch:
    await fetch(method, url) -> None or an error name."""

    def __init__(self, enter, leave, open_session):
        self.enter, self.leave, self.open_session = enter, leave, open_session

    def __call__(self):
        return self

    async def __aenter__(self):
        await self.enter()
        return self.open_session

    async def __aexit__(self, *exc):
        await self.leave()


class _Session:
    def __init__(self, enter, leave):
        self.enter, self.leave = enter, leave

    async def __aenter__(self):
        return await self.enter()

    async def __aexit__(self, *exc):
        await self.leave()


def _pycurl(args):
    from apps.core.http import SafeClient, TargetPolicy

    return _safe_client_factory(SafeClient, TargetPolicy, args)


def _handwritten(args):
    done = subprocess.run(
        ["git", "show", f"{args.handwritten_rev}:apps/core/http.py"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    if done.returncode or "asyncio.open_connection" not in done.stdout:
        raise _Skip(f"no hand-written apps/core/http.py at {args.handwritten_rev}")
    module = types.ModuleType("handwritten_http")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(done.stdout, "handwritten_http.py", "exec"), module.__dict__)  # noqa: S102
    return _safe_client_factory(module.SafeClient, module.TargetPolicy, args)


def _safe_client_factory(SafeClient, TargetPolicy, args):  # noqa: N803 - classes
    client = SafeClient(
        policy=TargetPolicy.from_networks(["127.0.0.0/8"]), timeout=args.timeout,
        connect_timeout=args.connect_timeout, per_host=args.per_host,
        **({"total": args.concurrency} if "total" in SafeClient.__dataclass_fields__ else {}),
    )  # fmt: skip

    def open_session():
        session = client.session()

        async def fetch(method, url):
            result = await client.fetch(session, url, method=method)
            return None if result.ok else str(result.error)

        async def leave():
            session.close()

        async def enter():
            return fetch

        return _Session(enter, leave)

    async def nothing():
        pass

    return _Factory(nothing, nothing, open_session)


def _aiohttp(args):
    import ipaddress
    import socket

    import aiohttp
    from aiohttp.abc import AbstractResolver
    from aiohttp.resolver import ThreadedResolver

    from apps.core.http import TargetPolicy

    policy = TargetPolicy.from_networks(["127.0.0.0/8"])

    class CheckingResolver(AbstractResolver):
        """Resolve, then refuse the name if any address is not allowed."""

        def __init__(self):
            self.inner = ThreadedResolver()

        async def resolve(self, host, port=0, family=socket.AF_INET):
            infos = await self.inner.resolve(host, port, family)
            for info in infos:
                policy.address_check(info["host"], host)
            return infos

        async def close(self):
            await self.inner.close()

    state = {}

    async def enter():
        connector = aiohttp.TCPConnector(
            limit=args.concurrency, limit_per_host=args.per_host, resolver=CheckingResolver(),
            ttl_dns_cache=300, keepalive_timeout=2,  # as libcurl's MAXAGE_CONN: idle hosts
        )  # fmt: skip
        state["http"] = aiohttp.ClientSession(
            connector=connector, auto_decompress=False, trust_env=False,
            timeout=aiohttp.ClientTimeout(total=args.timeout, connect=args.connect_timeout),
        )  # fmt: skip

    async def leave():
        await state["http"].close()

    async def fetch(method, url):
        host = url.split("/", 3)[2].rsplit(":", 1)[0]
        try:
            ipaddress.ip_address(host)  # aiohttp skips the resolver for literals
            policy.address_check(host)
        except ValueError:
            pass
        try:
            async with state["http"].request(method, url, allow_redirects=False) as response:
                if method == "GET":
                    body = await response.content.read(MAX_BYTES + 1)
                    if len(body) > MAX_BYTES:
                        return "too_large"
                return None if response.status == 200 else "http_status"
        except TimeoutError:
            return "timeout"
        except aiohttp.ClientError as exc:
            return type(exc).__name__

    def open_session():
        async def give():
            return fetch

        async def nothing():
            pass

        return _Session(give, nothing)

    return _Factory(enter, leave, open_session)


if __name__ == "__main__":
    sys.exit(main())
