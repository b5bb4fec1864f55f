"""A mirror-only sponsor's page shows how many answers named its mirror first: the answers
counted per country, weighed by the chance the published lists put its mirror first there
(the front counts no mirror), as a figure, a card and a dated chart with a scale, labelled
as an estimate."""

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from apps.delivery import runtime
from apps.delivery.models import DailyUsage
from apps.delivery.services import snapshot_publish
from apps.delivery.tests.conftest import built  # noqa: F401 (a fixture)
from apps.delivery.tests.factories import make_mirror
from apps.sponsors.tests.factories import SponsorFactory


@pytest.fixture
def lists(settings, tmp_path, built):  # noqa: F811
    """France's only mirror is the sponsor's; Britain has two others. Published."""
    settings.DELIVERY_POLL_SECONDS = 0
    settings.DELIVERY_SNAPSHOT_CACHE = str(tmp_path / "snapshot.json")
    sponsor = SponsorFactory(name="Lyon University", slug="lyon")
    make_mirror(built, "fr1.example.org", "FR", sponsor=sponsor, bandwidth_mbps=100)
    make_mirror(built, "gb1.example.org", "GB", bandwidth_mbps=1000)
    make_mirror(built, "gb2.example.org", "GB", bandwidth_mbps=1000)
    snapshot_publish(reason="test")
    runtime.reset()
    runtime.store().poll_once()
    cache.clear()
    yield sponsor
    runtime.reset()


def count(day, country, n, kind="mirrorlist", repo="os"):
    DailyUsage.objects.create(day=day, kind=kind, country=country, release="5.0",
                              arch="x86_64", repo=repo, count=n)  # fmt: skip


def test_the_page_shows_the_answers_that_named_its_mirror_first(client, lists):
    last = dt.date(2007, 5, 2)  # the window ends on the last day answers were counted
    count(last, "FR", 300)
    count(last - dt.timedelta(days=3), "FR", 50, kind="metalink", repo="updates")
    count(last, "GB", 1100)  # Britain's own mirrors come first there
    DailyUsage.objects.create(day=last, kind="iso", country="FR", release="5.0",
                              arch="x86_64", file="x.iso", count=999)  # fmt: skip
    count(last - dt.timedelta(days=30), "FR", 7000)  # before the 30 days
    page = client.get(reverse("sponsors:detail", args=["lyon"])).content.decode()
    section = page[page.index('id="answer-share"') :]
    text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    assert (
        "About 350 of the 1,450 mirror lists and metalinks the portal gave from 3 Apr 2007 "
        "to 2 May 2007 named fr1.example.org first (24.1%)." in text
    )
    assert "Estimated from the selection weights" in text
    assert "350 answers named its mirror first estimated, 3 Apr – 2 May 2007" in " ".join(
        re.sub(r"<[^>]+>", " ", page).split()
    )
    chart = re.search(r'<svg viewBox="0 0 640 300".*?</svg>', section, re.S).group(0)
    bars = re.findall(r'<rect class="col"[^>]*><title>([^<]+)</title>', chart)
    assert len(bars) == 30
    assert bars[-1] == "Wed 2 May 2007: 300" and bars[-4] == "Sun 29 Apr 2007: 50"
    dates = re.findall(r'<text class="date"[^>]*>([^<]+)</text>', chart)
    assert dates == ["4 Apr", "11 Apr", "18 Apr", "25 Apr", "2 May"]
    assert re.findall(r'<text class="scale"[^>]*>([^<]+)</text>', chart) == [
        "0", "100", "200", "300",
    ]  # fmt: skip


def test_no_counted_answers_no_figure(client, lists):
    page = client.get(reverse("sponsors:detail", args=["lyon"])).content.decode()
    assert 'id="answer-share"' not in page and "named its mirror" not in page


def test_answers_that_never_named_its_mirror_first_are_said_so(client, lists):
    count(dt.date(2007, 5, 2), "GB", 1100)
    page = client.get(reverse("sponsors:detail", args=["lyon"])).content.decode()
    assert "None of the 1,100 mirror lists and metalinks the portal gave from 3 Apr 2007 to " in (
        " ".join(re.sub(r"<[^>]+>", " ", page).split())
    )
    assert "answers named its mirror first" not in page and "<svg" not in page
