import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded logos go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _own_snapshot_store(settings, tmp_path):
    """A sponsor's page reads the process's snapshot store (the answers its mirrors got):
    each test starts with a store of its own, not the snapshot a former test or `loaddemo`
    left behind in var/."""
    from apps.delivery import runtime

    settings.DELIVERY_SNAPSHOT_CACHE = str(tmp_path / "snapshot.json")
    settings.DELIVERY_POLL_SECONDS = 0
    runtime.reset()
    yield
    runtime.reset()
