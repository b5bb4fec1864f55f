"""The sponsor list and the promotion pages, through HTTP: what a visitor sees, in few
queries."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.delivery.models import DailyUsage
from apps.mirrors.models import CheckDaily
from apps.mirrors.tests.factories import MirrorFactory
from apps.servers.models import ServerTraffic
from apps.servers.tests.factories import ServerFactory
from apps.sponsors.choices import SponsorKind
from apps.sponsors.models import Sponsor
from apps.sponsors.services import sponsor_logo_set

from .factories import SponsorFactory, png_bytes

GB = 10**9


def _groups(page: str) -> list[tuple[str, str, int]]:
    found = re.findall(r'<h2 id="kind-(\w+)">([^<]+?) <small>(\d+)</small></h2>', page)
    return [(kind, heading, int(count)) for kind, heading, count in found]


def _names(page: str) -> list[str]:
    return re.findall(r'<li class="sponsor-tile">.*?<strong>([^<]+)</strong>', page, re.S)


@pytest.fixture
def sponsors(db):
    big = SponsorFactory(name="Big University", sponsor_since=dt.date(2004, 3, 1))
    ServerFactory.create_batch(2, sponsor=big)
    SponsorFactory(name="Another University")
    host = SponsorFactory(name="Dallas Hosting", kind=SponsorKind.HOSTING)
    SponsorFactory(name="Gone Hosting", kind=SponsorKind.HOSTING, active=False)
    sponsor_logo_set(sponsor=host, upload=SimpleUploadedFile("l.png", png_bytes()))
    return big, host


def test_the_list_groups_current_sponsors_by_kind(client, sponsors, django_assert_max_num_queries):
    big, host = sponsors
    with django_assert_max_num_queries(2):
        page = client.get(reverse("sponsors:list")).content.decode()
    assert _groups(page) == [
        ("university", "Universities", 2),
        ("hosting", "Hosting companies", 1),
    ]
    # Who gives most comes first in a kind; a former sponsor is not listed by default.
    assert _names(page) == ["Big University", "Another University", "Dallas Hosting"]
    assert f'<img class="sponsor-logo sponsor-logo-small" src="/media/{host.logo.name}"' in page
    assert re.search(r'kind-university" aria-hidden="true">BU</span>', page)
    assert "2 servers</span>" in page
    assert "United Kingdom · since 2004" in page


def test_the_active_filter_is_a_choice_that_defaults_to_current_sponsors(client, sponsors):
    page = client.get(reverse("sponsors:list")).content.decode()
    select = re.search(r'<select name="active"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r'<option value="(\w*)"( selected)?>([^<]+)</option>', select)
    assert options == [
        ("true", " selected", "Current sponsors"),
        ("false", "", "Former sponsors"),
        ("all", "", "All"),
    ]
    assert "Unknown" not in select
    page = client.get(reverse("sponsors:list"), {"active": "false"}).content.decode()
    assert _names(page) == ["Gone Hosting"]
    assert "former sponsor</span>" in page
    page = client.get(reverse("sponsors:list"), {"active": "all"}).content.decode()
    assert len(_names(page)) == 4
    page = client.get(reverse("sponsors:list"), {"kind": "hosting"}).content.decode()
    assert _names(page) == ["Dallas Hosting"]


def test_the_api_filters_the_same_way(client, sponsors):
    slugs = {row["slug"] for row in client.get("/api/v1/sponsors/").json()["results"]}
    assert slugs == {"big-university", "another-university", "dallas-hosting"}
    rows = client.get("/api/v1/sponsors/", {"active": "false"}).json()["results"]
    assert [row["slug"] for row in rows] == ["gone-hosting"]
    logo = client.get("/api/v1/sponsors/dallas-hosting/").json()["logo_url"]
    assert re.fullmatch(r"http://testserver/media/sponsors/logos/[\w-]{16}\.png", logo)


@pytest.fixture
def giver(db):
    """A sponsor with two servers, a mirror on one of them and one of its own, 30 days of
    checks and traffic, and usage counted in its mirrors' countries and elsewhere."""
    today = timezone.now().date()
    sponsor = SponsorFactory(
        name="Midlands University",
        slug="midlands",
        sponsor_since=dt.date(2004, 3, 1),
        website="https://www.midlands.example.org/",
    )
    web = ServerFactory(sponsor=sponsor, hostname="www.example.org", roles=["website", "dns"],
                        bandwidth_mbps=1000, country="GB", city="Leicester")  # fmt: skip
    ServerFactory(sponsor=sponsor, hostname="mirror-uk9.example.org", roles=["internal-mirror"],
                  bandwidth_mbps=100, country="GB", city="Leicester")  # fmt: skip
    on_server = MirrorFactory(sponsor=sponsor, server=web, name="mirror-uk9.example.org",
                              country="GB", bandwidth_mbps=1000)  # fmt: skip
    own = MirrorFactory(sponsor=sponsor, name="ftp.midlands.example.nl", country="NL",
                        bandwidth_mbps=400)  # fmt: skip
    MirrorFactory(sponsor=sponsor, name="pending.example.org", approval="pending", country="FR")
    for i in range(30):
        day = today - dt.timedelta(days=i)
        CheckDaily.objects.create(mirror=on_server, day=day, checks=100, failures=0,
                                  success_ratio=1.0)  # fmt: skip
        CheckDaily.objects.create(mirror=own, day=day, checks=100, failures=5 if i < 10 else 0,
                                  success_ratio=0.95 if i < 10 else 1.0)  # fmt: skip
        ServerTraffic.objects.create(server=web, day=day, bytes_out=(350 if i == 3 else 20) * GB)
    # Older than the 30 days: neither counted nor drawn.
    CheckDaily.objects.create(mirror=own, day=today - dt.timedelta(days=30), checks=100,
                              failures=100, success_ratio=0.0)  # fmt: skip
    ServerTraffic.objects.create(server=web, day=today - dt.timedelta(days=30), bytes_out=GB)
    for cc, count in (("GB", 1200), ("NL", 300), ("US", 99999)):
        DailyUsage.objects.create(day=today, kind="mirrorlist", country=cc, release="5",
                                  arch="x86_64", repo="os", count=count)  # fmt: skip
    DailyUsage.objects.create(day=today - dt.timedelta(days=1), kind="iso", country="GB",
                              release="5", arch="i386", file="x.iso", count=34)  # fmt: skip
    return sponsor


def _cards(page: str) -> list[str]:
    section = re.search(r'<section class="cards">(.*?)</section>', page, re.S)
    if not section:
        return []
    return [
        " ".join(re.sub(r"<[^>]+>", " ", card).split())
        for card in re.findall(r'<div class="card[^"]*">(.*?)</div>', section.group(1), re.S)
    ]


def test_the_promotion_page_shows_what_the_sponsor_gives(
    client, giver, django_assert_max_num_queries
):
    # 10: its mirrors' reported traffic, the busiest week's release, the partner it also is.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("sponsors:detail", kwargs={"slug": "midlands"}))
    page = response.content.decode()
    assert "<h1>Midlands University</h1>" in page
    assert "Sponsor since March 2004" in page
    assert '<a class="button" href="https://www.midlands.example.org/"' in page
    assert "<strong>bandwidth</strong>" in page  # the description, as Markdown
    # Uptime: 2 mirrors × 30 days × 100 checks, 50 failures; the mirror on a donated server
    # uses its uplink, so bandwidth is 1000 + 100 (servers) + 400 (own mirror).
    assert _cards(page) == [
        "2 donated servers DNS, Internal mirror, Website",
        "2 mirrors in 2 countries",
        "1500 Mbit/s of bandwidth",
        "99.2% mirror uptime checks in the last 30 days",
        "930 GB served in 30 days by its servers",
        _busiest_week_card(),
        "1534 requests in 30 days from the countries its mirrors are in",
    ]
    mirrors = re.findall(
        r'<tr><th scope="row"><a href="[^"]+">([^<]+)</a></th><td data-label="Country">([^<]+)'
        r'</td><td class="num" data-label="Bandwidth">(\d+) Mbit/s</td>'
        r'<td class="num" data-label="Uptime">([^<]+)</td>',
        page,
    )
    assert mirrors == [
        ("mirror-uk9.example.org", "United Kingdom", "1000", "100.0%"),
        ("ftp.midlands.example.nl", "Netherlands", "400", "98.3%"),
    ]
    assert "pending.example.org" not in page
    assert "are sent to its mirrors first: Netherlands, United Kingdom.</p>" in page
    usage = re.findall(r"<li><strong>(\d+)</strong> ([a-z ]+) answers?</li>", page)
    assert usage == [("1500", "mirror list"), ("34", "iso redirect")]
    assert "not which mirror a client then downloads from" in page


def test_the_traffic_chart_has_dates_and_a_scale(client, giver):
    page = client.get(reverse("sponsors:detail", kwargs={"slug": "midlands"})).content.decode()
    today = timezone.now().date()
    chart = re.search(r'<svg viewBox="0 0 640 300" role="img".*?</svg>', page, re.S).group(0)
    dates = re.findall(r'<text class="date"[^>]*>([^<]+)</text>', chart)
    assert dates == [
        f"{d.day} {d:%b}" for d in (today - dt.timedelta(days=7 * k) for k in (4, 3, 2, 1, 0))
    ]
    scale = re.findall(r'<text class="scale"[^>]*>([^<]+)</text>', chart)
    assert scale == ["0 B", "100 GB", "200 GB", "300 GB", "400 GB"]
    bars = re.findall(r'<rect class="col"[^>]*><title>([^<]+)</title>', chart)
    assert len(bars) == 30
    busiest = today - dt.timedelta(days=3)
    assert f"{busiest:%a} {busiest.day} {busiest:%b %Y}: 350 GB" in bars
    assert bars[-1] == f"{today:%a} {today.day} {today:%b %Y}: 20 GB"


def _busiest_week_card() -> str:
    """The giver's busiest week: the one of its 350 GB day, with the days of it recorded."""
    today = timezone.now().date()
    busiest = today - dt.timedelta(days=3)
    monday = busiest - dt.timedelta(days=busiest.weekday())
    sent = {today - dt.timedelta(days=i): 350 if i == 3 else 20 for i in range(30)}
    sent[today - dt.timedelta(days=30)] = 1
    total = sum(sent.get(monday + dt.timedelta(days=d), 0) for d in range(7))
    return (
        f"Week of {monday:%-d %b %Y}: {total} GB its busiest week "
        f"{monday:%-d %b} – {monday + dt.timedelta(days=6):%-d %b %Y}"
    )


def test_the_page_shows_only_what_is_there(client, db, django_assert_max_num_queries):
    SponsorFactory(name="Quiet Company", slug="quiet", kind=SponsorKind.COMPANY, description="")
    with django_assert_max_num_queries(7):  # + its mirrors' reported traffic
        page = client.get(reverse("sponsors:detail", kwargs={"slug": "quiet"})).content.decode()
    assert "<h1>Quiet Company</h1>" in page
    assert _cards(page) == []
    for absent in ("gives the project", "donated server", "Mbit/s", "<svg", "Mirrors</h2>",
                   "uptime", "requests", "Sponsor since", 'class="description"'):  # fmt: skip
        assert absent not in page
    assert 'aria-hidden="true">QC</span>' in page  # its initials stand in for a logo


def test_only_the_cards_with_something_in_them(client, db):
    sponsor = SponsorFactory(slug="one-mirror")
    MirrorFactory(sponsor=sponsor, country="DE", bandwidth_mbps=100)
    page = client.get(reverse("sponsors:detail", kwargs={"slug": "one-mirror"})).content.decode()
    # No checks yet: no uptime; no servers, traffic or usage: no cards for them.
    assert _cards(page) == ["1 mirror in 1 country", "100 Mbit/s of bandwidth"]
    assert "not checked yet" in page
    assert "<svg" not in page


def test_a_logo_is_on_the_promotion_page(client, db):
    sponsor = SponsorFactory(slug="with-logo")
    sponsor_logo_set(sponsor=sponsor, upload=SimpleUploadedFile("x.png", png_bytes()))
    page = client.get(sponsor.get_absolute_url()).content.decode()
    sponsor.refresh_from_db()
    assert f'class="sponsor-logo sponsor-logo-large" src="/media/{sponsor.logo.name}"' in page
    assert client.get(f"/media/{sponsor.logo.name}").status_code in (200, 404)  # DEBUG only


def test_the_demo_sponsors_page(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        page = client.get(reverse("sponsors:list")).content.decode()
    groups = _groups(page)
    assert [kind for kind, _h, _n in groups] == ["university", "hosting", "company"]
    assert sum(n for _k, _h, n in groups) == Sponsor.objects.active().count()
    # + its mirrors' reported traffic, the busiest week's release, the partner it also is,
    # the answers that named its mirrors first (the last counted day, then the month's)
    with django_assert_max_num_queries(11):
        page = client.get(reverse("sponsors:detail", args=["lone-star-hosting"])).content.decode()
    assert "Sponsor since January 2003" in page
    assert page.count('<rect class="col"') == 30
