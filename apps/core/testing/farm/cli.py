"""Thousands of mirrors in a separate process: `python -m apps.core.testing.mirrorfarm`."""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from .behaviours import Behaviour, MirrorOptions, SimMirror
from .farm import _loopback, _norm_prefix
from .http import _listen, _unlisten
from .tree import MasterTree, ReleaseSpec, TreeSpec, build_master_tree


def raise_fd_limit(needed: int) -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit if needed; return the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed and soft != hard:
        soft = hard if hard != resource.RLIM_INFINITY else max(needed, soft)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    if soft != resource.RLIM_INFINITY and soft < needed:
        raise RuntimeError(f"need {needed} file descriptors, the hard limit is {hard}")
    return soft


def small_spec(now: int | None = None) -> TreeSpec:
    """The tree the fixtures and the benchmark use: CentOS 5.0, x86_64 and i386."""
    isos = {
        "*": [
            ("CentOS-{version}-{arch}-bin-DVD.iso", 1 << 20),
            ("CentOS-{version}-{arch}-netinstall.iso", 256 << 10),
        ]
    }
    return TreeSpec([ReleaseSpec("5.0", ["x86_64", "i386"], isos=isos)], now=now)


def serve_many(
    count: int,
    behaviours_ratio: Mapping[Behaviour, float] | None = None,
    port: int = 8480,
    tree: MasterTree | Path | None = None,
    *,
    base: str = "127.1.0.1",
    prefix: str = "/centos/",
    seed: int = 0,
    ready: Callable[[list[SimMirror]], None] | None = None,
    max_seconds: float = 0,
) -> None:
    """Serve a master at `base` and `count` mirrors on the following addresses, in this
    thread, until SIGTERM/SIGINT (or max_seconds, if set).

    behaviours_ratio gives fractions ({Behaviour.HANG: 0.05}); the rest are CURRENT and
    the assignment is a deterministic shuffle. ready(mirrors) runs once all listen; mirrors[0]
    is the master. Meant for a separate process: `python -m apps.core.testing.mirrorfarm`.
    """
    first = _loopback(base)
    _loopback(first + count)  # the last address must stay inside 127.0.0.0/8 too
    raise_fd_limit(count + 1 + 1024)  # listeners plus room for client connections
    tmp = None
    if tree is None:
        tmp = tempfile.mkdtemp(prefix="mirrorfarm-")
        tree = build_master_tree(Path(tmp), small_spec())
    master_tree = tree if isinstance(tree, MasterTree) else None
    tree_dir = None if master_tree else Path(tree)

    kinds: list[Behaviour] = []
    for behaviour, ratio in (behaviours_ratio or {}).items():
        kinds += [behaviour] * round(count * ratio)
    if len(kinds) > count:
        raise ValueError("behaviour ratios add up to more than 1")
    kinds += [Behaviour.CURRENT] * (count - len(kinds))
    random.Random(seed).shuffle(kinds)

    prefix = _norm_prefix(prefix)
    mirrors = [
        SimMirror(
            "master",
            str(first),
            port,
            prefix,
            master_tree,
            Behaviour.CURRENT,
            MirrorOptions(tree_dir=tree_dir),
        )
    ]
    for i, behaviour in enumerate(kinds, start=1):
        mirrors.append(
            SimMirror(
                f"m{i:05d}",
                str(first + i),
                port,
                prefix,
                master_tree,
                behaviour,
                MirrorOptions(tree_dir=tree_dir),
            )
        )

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if max_seconds:
            loop.call_later(max_seconds, stop.set)
        try:
            for mirror in mirrors:
                if mirror.behaviour is not Behaviour.REFUSED:
                    await _listen(mirror)
            if ready is not None:
                ready(mirrors)
            await stop.wait()
        finally:
            for mirror in mirrors:
                _unlisten(mirror)
            await asyncio.sleep(0)

    try:
        asyncio.run(main())
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m apps.core.testing.mirrorfarm",
        description="Serve many simulated mirrors on 127.x addresses until SIGTERM.",
    )
    parser.add_argument(
        "--serve-many",
        type=int,
        required=True,
        metavar="N",
        help="number of mirrors (besides the master at --base)",
    )
    parser.add_argument("--port", type=int, default=8480)
    parser.add_argument("--base", default="127.1.0.1", help="master address; mirrors follow")
    parser.add_argument("--prefix", default="/centos/")
    parser.add_argument("--hang-percent", type=float, default=0.0)
    parser.add_argument(
        "--mix",
        default="",
        metavar="BEHAVIOUR=PCT,...",
        help="more behaviours in percent, e.g. behind=10,refused=2,error_500=1",
    )
    parser.add_argument(
        "--tree",
        type=Path,
        help="serve this directory instead of a small generated tree (BEHIND then serves it as is)",
    )
    parser.add_argument("--epoch", type=int, help="timestamp of the generated tree")
    parser.add_argument("--manifest", type=Path, help="write name,address,behaviour,base_url CSV")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=3600.0,
        help="stop by itself after this long (0: never)",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    ratios: dict[Behaviour, float] = {}
    if args.hang_percent:
        ratios[Behaviour.HANG] = args.hang_percent / 100
    for item in filter(None, args.mix.split(",")):
        name, _, pct = item.partition("=")
        ratios[Behaviour(name.strip().lower())] = float(pct) / 100

    with tempfile.TemporaryDirectory(prefix="mirrorfarm-") as tmp:
        tree = args.tree or build_master_tree(Path(tmp), small_spec(args.epoch))

        def ready(mirrors: list[SimMirror]) -> None:
            if args.manifest:
                args.manifest.write_text(
                    "name,address,behaviour,base_url\n"
                    + "".join(
                        f"{m.name},{m.address},{m.behaviour.value},{m.base_url}\n" for m in mirrors
                    )
                )
            print(
                f"READY {len(mirrors) - 1} mirrors {mirrors[0].address}+1..{mirrors[-1].address}"
                f" port {args.port} master {mirrors[0].base_url}",
                flush=True,
            )

        serve_many(
            args.serve_many,
            ratios,
            args.port,
            tree,
            base=args.base,
            prefix=args.prefix,
            seed=args.seed,
            ready=ready,
            max_seconds=args.max_seconds,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
