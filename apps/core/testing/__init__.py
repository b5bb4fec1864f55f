"""Test support: a simulated CentOS master tree and a farm of HTTP mirrors (see mirrorfarm)."""

# Names load lazily so that `python -m apps.core.testing.mirrorfarm` doesn't import the module
# twice (runpy warns when a package's __init__ already imported the module being run).
__all__ = [
    "Behaviour",
    "IsoImage",
    "MasterTree",
    "MirrorFarm",
    "MirrorOptions",
    "ReleaseSpec",
    "RepoVersion",
    "SimMirror",
    "TreeSpec",
    "build_master_tree",
    "serve_many",
    "small_spec",
    "write_tree_version",
]


def __getattr__(name):
    if name in __all__:
        from . import mirrorfarm

        return getattr(mirrorfarm, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
