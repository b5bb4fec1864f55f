"""The mirror page: what a volunteer sees of their mirror and its checks."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.mirrors.choices import Approval, ContentState
from apps.mirrors.models import Check, CheckDaily, MirrorRepositoryState
from apps.releases.tests.factories import ArchitectureFactory, ReleaseFactory, RepositoryFactory

from .factories import MirrorFactory, MirrorURLFactory

pytestmark = pytest.mark.django_db

# Noon: the checks of the last four hours are on the same day as "now", whenever this runs.
NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)


@pytest.fixture
def mirror(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    master = MirrorFactory(name="msync.example.org", tier="master")
    internal = MirrorFactory(name="internal.example.org", tier="internal", upstream=master)
    mirror = MirrorFactory(name="mirror.example.test", upstream=internal)
    url = MirrorURLFactory(mirror=mirror)
    release, arch = ReleaseFactory(version="5.0", major=5, minor=0), ArchitectureFactory()
    for name, state, lag in (
        ("os", ContentState.CURRENT, 0),
        ("updates", ContentState.BEHIND, 7200),
    ):
        MirrorRepositoryState.objects.create(
            mirror=mirror, release=release, repository=RepositoryFactory(name=name),
            architecture=arch, state=state, lag_seconds=lag,
        )  # fmt: skip
    for hours, error in ((1, ""), (2, ""), (3, "timeout"), (4, "")):
        Check.objects.create(
            mirror=mirror, mirror_url=url, url=url.url + "TIME", kind="timestamp",
            checked_at=NOW - dt.timedelta(hours=hours), http_status=None if error else 200,
            latency_ms=40, error=error,
        )  # fmt: skip
    CheckDaily.objects.create(
        mirror=mirror, day=NOW.date() - dt.timedelta(days=5), checks=48, failures=40,
        success_ratio=8 / 48,
    )  # fmt: skip
    return mirror


def test_the_mirror_page_shows_states_tree_and_history(
    client, mirror, django_assert_max_num_queries
):
    with django_assert_max_num_queries(13):  # and where it is not reachable from (vantage points)
        page = client.get(reverse("mirrors:detail", args=[mirror.pk])).content.decode()
    assert re.search(r"<h1>mirror\.example\.test\b", page)
    assert "<strong>1</strong> repositories current" in page
    lags = dict(
        re.findall(
            r'<td data-label="Repository">(\w+)</td><td data-label="Architecture">\w+</td>\s*'
            r'<td data-label="State">.*?</td>\s*<td class="num" data-label="Lag">([^<]*)</td>',
            page,
        )
    )
    assert lags == {"os": "—", "updates": "2 h"}  # updates lags two hours
    # The sync path up to the master.
    assert page.index("internal.example.org") < page.index("msync.example.org")
    # Fourteen daily bars: the old bad day from the aggregate, recent days from raw checks.
    assert page.count('class="day level-') == 14
    assert page.count("level-bad") == 1 + 1  # the bar and the legend swatch
    titles = re.findall(r'<span class="day level-\w+ h-\d+" title="([^"]*)"', page)
    assert titles[-1] == "27 Nov: 75% of 4 checks passed"  # today, from the raw checks
    assert titles[-6] == "22 Nov: 17% of 48 checks passed"  # the aggregate of five days ago
    assert "Timeout" in page


def test_pending_or_private_mirrors_have_no_public_page(client):
    pending = MirrorFactory(approval=Approval.PENDING)
    private = MirrorFactory(private=True)
    assert client.get(reverse("mirrors:detail", args=[pending.pk])).status_code == 404
    assert client.get(reverse("mirrors:detail", args=[private.pk])).status_code == 404
