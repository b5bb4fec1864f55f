"""Fixtures of the whole-portal tests."""

from pathlib import Path

import pytest

from .deployment import manage, production_env


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """A STATIC_ROOT that `collectstatic` filled (once per test process), as production's."""
    root = tmp_path_factory.mktemp("staticfiles")
    result = manage("collectstatic", "--noinput", "--verbosity", "0",
                    env=production_env(STATIC_ROOT=str(root)))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "staticfiles.json").is_file()
    return root


@pytest.fixture
def eager(settings, eager_rebuilds):
    """Rebuilds and mails queued after commit go at once, with a clean cache (the portal's
    stories; the apps' `eager` is apps/mirrors/tests/fixtures.py's)."""
    from django.core.cache import cache

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    yield
    cache.clear()
