"""A simulated CentOS master tree and a farm of (mis)behaving HTTP mirrors on 127.0.0.0/8.

Pure stdlib (asyncio in one background thread), for tests of the mirror checker, of delivery
with real clients (dnf, curl, aria2c) and for benchmarks with thousands of mirrors. The code
lives in apps/core/testing/farm/, one module per part; this module gathers its names, and
`python -m apps.core.testing.mirrorfarm` runs the farm in a process of its own (farm/cli.py).
"""

import sys

from .farm.behaviours import Behaviour, MirrorOptions, SimMirror
from .farm.cli import main, raise_fd_limit, serve_many, small_spec
from .farm.farm import MirrorFarm, _pick_port
from .farm.repos import HISTORY_STEP, PACKAGES_PER_VERSION, RepoVersion
from .farm.tree import (
    IsoImage,
    MasterTree,
    ReleaseSpec,
    TreeSpec,
    build_master_tree,
    write_tree_version,
)

__all__ = [
    "HISTORY_STEP",
    "PACKAGES_PER_VERSION",
    "Behaviour",
    "IsoImage",
    "MasterTree",
    "MirrorFarm",
    "MirrorOptions",
    "ReleaseSpec",
    "RepoVersion",
    "SimMirror",
    "TreeSpec",
    "_pick_port",
    "build_master_tree",
    "main",
    "raise_fd_limit",
    "serve_many",
    "small_spec",
    "write_tree_version",
]

if __name__ == "__main__":
    sys.exit(main())
