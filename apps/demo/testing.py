"""Pytest plugin: the demo data, loaded once and shared by the tests that ask for `demo`.

Loading the demo takes seconds; loaded per test it was most of the suite's time. Here it is
loaded into the test database inside a transaction that is never committed (an outer
`atomic`), and each test that requests the `demo` fixture runs as usual in its own
savepoint inside it (pytest-django's `db`), rolled back after the test, so tests cannot see
each other's writes.

Only tests that request `demo` see it. Before any other database test the outer
transaction is rolled back, so that test gets the empty database it always had; and as
nothing is committed, transactional tests, subprocesses and real workers never see the demo
and their flushes cannot wipe it. The tests that request `demo` are run one after the other
(collection keeps their relative order) so that the demo data is loaded once per session.

Enabled by `pytest_plugins` in the root conftest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

FIXTURE = "demo"
TRANSACTIONAL_FIXTURES = ("transactional_db", "live_server", "django_db_reset_sequences")


@dataclass(frozen=True)
class DemoData:
    """What `demo_load` returned, and the `now` (rounded to the hour) it was loaded at."""

    counts: dict[str, int]
    now: dt.datetime


class _SharedDemo:
    """The demo loaded inside an outer transaction of the default database, or nothing."""

    def __init__(self) -> None:
        self._atomic = None
        self.loaded: DemoData | None = None
        self.loads = 0

    def ensure_loaded(self) -> DemoData:
        from django.db import transaction
        from django.test import override_settings
        from django.utils import timezone

        from apps.demo.services import demo_load

        if self.loaded is None:
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            try:
                # Relative to now, as `loaddemo` does: the pages show the last days.
                now = timezone.now().replace(minute=0, second=0, microsecond=0)
                with override_settings(DELIVERY_REBUILD_ON_CHANGE=False):
                    counts = demo_load(now=now)
            except BaseException:
                self.discard()
                raise
            self.loaded = DemoData(counts=counts, now=now)
            self.loads += 1
        return self.loaded

    def discard(self) -> None:
        """Roll the outer transaction back: the database is empty again."""
        from django.db import transaction

        atomic, self._atomic, self.loaded = self._atomic, None, None
        if atomic is not None:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


_shared: _SharedDemo | None = None  # while the session fixture below is alive


@pytest.fixture(scope="session")
def _demo_shared(django_db_setup, django_db_blocker):
    # Depends on django_db_setup, so it is torn down (rolled back) before the test database
    # is destroyed.
    global _shared
    _shared = _SharedDemo()
    yield _shared
    with django_db_blocker.unblock():
        _shared.discard()
    _shared = None


@pytest.fixture
def demo(db, _demo_shared) -> DemoData:
    """The demo data (`apps.demo.services.demo_load`), loaded once, read-only by
    convention: writes are rolled back after the test like any other."""
    assert _demo_shared.loaded is not None, "pytest_fixture_setup below loads it"
    return _demo_shared.loaded


def _is_transactional(request) -> bool:
    from pytest_django.fixtures import validate_django_db

    if any(name in request.fixturenames for name in TRANSACTIONAL_FIXTURES):
        return True
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return False
    transaction, reset_sequences = validate_django_db(marker)[:2]
    return bool(transaction or reset_sequences)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """Just before pytest-django opens a test's database (and its savepoint): load the demo
    for a test that asks for it, roll it back for any other."""
    if fixturedef.argname == "_django_db_helper":
        wants = FIXTURE in request.fixturenames
        if wants and _is_transactional(request):
            raise pytest.UsageError(
                f"{request.node.nodeid}: `{FIXTURE}` needs a non-transactional test "
                "(a transactional test flushes the database)"
            )
        if wants or (_shared is not None and _shared.loaded is not None):
            shared = request.getfixturevalue("_demo_shared")
            with request.getfixturevalue("django_db_blocker").unblock():
                if wants:
                    shared.ensure_loaded()
                else:
                    shared.discard()
    return (yield)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the tests that ask for the demo together, where the first of them was, so the
    demo is loaded once."""
    uses = [FIXTURE in getattr(item, "fixturenames", ()) for item in items]
    if not any(uses):
        return
    first = uses.index(True)
    for item, used in zip(items, uses, strict=True):
        # Parallel runs (pytest-xdist --dist loadgroup) keep them on one worker, unless a
        # module chose a group of its own (one demo load on each worker it runs on).
        if used and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(FIXTURE))
    others = [item for item, used in zip(items, uses, strict=True) if not used]
    demo_items = [item for item, used in zip(items, uses, strict=True) if used]
    items[:] = others[:first] + demo_items + others[first:]
