"""Fixtures shared by the whole suite: the master tree and the farm of real mirror servers."""

pytest_plugins = ["apps.core.testing.fixtures"]
