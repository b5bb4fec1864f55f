"""Pytest fixtures `master_tree`, `mirror_farm`, `farm_names` and `eager_tasks` (with its
context manager `tasks_eager`); enable with `pytest_plugins = ["apps.core.testing.fixtures"]`
in the root conftest."""

import contextlib

import pytest

from .mirrorfarm import Behaviour, MasterTree, MirrorFarm, build_master_tree, small_spec

# Per-behaviour options of the fixture's mirrors; everything else uses MirrorOptions defaults.
FARM_OPTIONS = {
    Behaviour.BEHIND: {"versions_behind": 1},
    Behaviour.MISSING_REPO: {"repo": "updates"},
    Behaviour.SLOW: {"delay": 1.0},
}


_NOT_IN_THE_FIXTURE = (
    Behaviour.BLACKHOLE, Behaviour.CORRUPT_ISO, Behaviour.ZEROED_ISO, Behaviour.IGNORE_RANGE,
)  # fmt: skip


@pytest.fixture
def master_tree(tmp_path) -> MasterTree:
    """CentOS 5.0 for x86_64 and i386: os/updates/extras with 3 versions, DVD and netinstall."""
    return build_master_tree(tmp_path / "master", small_spec())


@pytest.fixture
def mirror_farm(master_tree):
    """A started farm: the master plus one mirror per behaviour, named behaviour.value (but
    BLACKHOLE: a timeout like HANG's, for the tests of the health loop that need it; and
    the ISO images' bytes, which test_image_parts.py has farms of its own for)."""
    farm = MirrorFarm(master_tree)
    for behaviour in Behaviour:
        if behaviour in _NOT_IN_THE_FIXTURE:
            continue
        farm.add_mirror(behaviour.value, behaviour, **FARM_OPTIONS.get(behaviour, {}))
    with farm:
        yield farm


@pytest.fixture
def farm_names(mirror_farm, settings):
    """The clients made from settings answer the farm's host names (mirror.host) and trust
    its CA, so sweeps reach mirror.https_url and mirror.named_url: TLS and names, no DNS."""
    settings.MIRROR_CHECK_RESOLVER = mirror_farm.resolve
    settings.MIRROR_CHECK_CA_FILE = mirror_farm.ca_file
    return mirror_farm


@contextlib.contextmanager
def tasks_eager():
    """Tasks sent inside the block run at once, in this process, as a worker would."""
    from celery import current_app  # the portal's app (portal.celery), without importing it

    current_app.conf.task_always_eager = True
    try:
        yield
    finally:
        current_app.conf.task_always_eager = False


@pytest.fixture
def eager_tasks():
    """Tasks the test sends run at once, in this process (tasks_eager for the whole test)."""
    with tasks_eager():
        yield
