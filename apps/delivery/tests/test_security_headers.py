"""Every answer of the delivery front carries X-Content-Type-Options: nosniff (a mirrorlist
is text a browser must not sniff into HTML), and over https the HSTS header the pages send."""

import pytest

from apps.delivery import runtime
from apps.delivery.replies import hsts_configure

from .fixtures import call

ANSWERS = [
    ("/mirrorlist", "release=5&arch=x86_64&repo=os&cc=GB"),
    ("/metalink", "repo=os-5&arch=x86_64&cc=GB"),
    ("/isoredirect/5/isos/x86_64/CentOS-5.0-x86_64-bin-DVD.iso", "cc=GB"),
    ("/mirrorlist", "release=9&arch=x86_64&repo=os"),  # a 404
    ("/healthz", ""),
]


@pytest.fixture
def front(published, settings, tmp_path):
    """The front as portal/wsgi.py builds it from the settings."""
    settings.DELIVERY_POLL_SECONDS = 0
    settings.DELIVERY_SNAPSHOT_CACHE = str(tmp_path / "snapshot.json")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = False
    runtime.reset()
    runtime.store().install(bytes(published[0].blob))
    yield runtime.front_build(lambda environ, start_response: [])
    runtime.reset()
    hsts_configure(0)


@pytest.mark.parametrize("path, query", ANSWERS)
def test_delivery_answers_carry_nosniff_and_hsts_over_https(front, path, query):
    plain = call(front, path, query)
    assert plain.status in (200, 302, 404)
    assert plain.header("X-Content-Type-Options") == "nosniff"
    assert plain.header("Strict-Transport-Security") is None  # ignored over http anyway
    secure = call(front, path, query, headers={"X-Forwarded-Proto": "https"})
    assert secure.header("X-Content-Type-Options") == "nosniff"
    assert secure.header("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
