"""Fixtures shared by the whole suite: the master tree and the farm of real mirror servers."""

import pytest

pytest_plugins = ["apps.core.testing.fixtures"]


@pytest.fixture(autouse=True)
def _no_queued_snapshot_rebuilds(settings):
    """Saving a mirror schedules a snapshot rebuild on the broker; tests that want one ask."""
    settings.DELIVERY_REBUILD_ON_CHANGE = False
