"""The public pages and list APIs on the demo data: what a visitor sees, in few queries."""

import re

import pytest
from django.urls import reverse

from apps.servers.models import Server
from apps.sponsors.tests.factories import SponsorFactory

# `demo`: the demo world, loaded once relative to now (the pages show the last days); see
# apps/demo/testing.py.


@pytest.mark.parametrize(
    ("name", "expected", "max_queries"),
    [
        ("home", r"<p>33 donated servers run ", 10),
        ("mirrors:list", r">Puerto Rico<", 10),
        ("sponsors:list", r">Thames Valley University<", 6),
        ("servers:list", r">msync1\.example\.org<", 6),
        ("releases:list", r"\bCentOS-5\.0-i386-bin-DVD\.iso\b", 8),
    ],
)
def test_public_pages(client, demo, django_assert_max_num_queries, name, expected, max_queries):
    with django_assert_max_num_queries(max_queries):
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert re.search(expected, response.content.decode()), expected


def test_mirror_list_filters_and_charts(client, demo):
    page = client.get(reverse("mirrors:list"), {"country": "JP"}).content.decode()
    # The talk's five external mirrors in Japan, and the two internal ones on donated servers.
    summary = re.search(
        r'<strong id="mirror-count">(\d+)</strong> approved public mirrors?\s+'
        r'in <strong id="country-count">(\d+)</strong> countr(?:y|ies)',
        page,
    )
    assert summary and summary.groups() == ("7", "1")
    assert 'id="country-JP"' in page
    assert 'id="country-US"' not in page
    # The home page's chart: one bar per country of the top 15, the US longest.
    page = client.get(reverse("home")).content.decode()
    bars = {
        cc: (int(width), int(count))
        for cc, width, count in re.findall(
            r'<a href="/mirrors/(\w\w)/">[^<]+</a></th>\s*<td><span class="bar w-(\d+)">'
            r'</span><span class="value">(\d+)</span>',
            page,
        )
    }
    assert len(bars) == 15
    # External mirrors of the talk's table plus internal ones and masters on donated servers.
    assert bars["us"] == (100, 49 + 6)
    assert bars["gb"] == (16, 6 + 3)


def test_sponsor_promotion_page_shows_what_they_give(client, demo):
    page = client.get(
        reverse("sponsors:detail", kwargs={"slug": "lone-star-hosting"})
    ).content.decode()
    assert "Lone Star Hosting" in page
    assert "ns1.example.org" in page
    assert "msync1.example.org" in page
    # msync1 and the internal mirrors run on its servers: their uplinks count once.
    servers = Server.objects.filter(sponsor__slug="lone-star-hosting")
    bandwidth = sum(servers.values_list("bandwidth_mbps", flat=True))
    assert f"<strong>{bandwidth}</strong> Mbit/s of bandwidth" in page
    assert page.count('class="col"') == 30  # a bar per day of traffic


def test_server_list_shows_condition_and_traffic(client, demo):
    page = client.get(reverse("servers:list"), {"role": "internal-mirror"}).content.decode()
    internal = Server.objects.with_role("internal-mirror").count()
    assert page.count('<span class="sparkline"') == internal
    assert page.count('title="') == 30 * internal  # a bar per day and server
    assert "condition-critical" in page  # mirror-jp2 is in trouble in the demo
    assert "ns1.example.org" not in page


def test_sponsor_description_html_is_sanitised(client, db):
    SponsorFactory(
        slug="evil",
        description=(
            'Hello <script>alert(1)</script> [x](javascript:alert(2)) <b onclick="x()">bold</b>'
        ),
    )
    page = client.get(reverse("sponsors:detail", kwargs={"slug": "evil"})).content.decode()
    assert "<script>" not in page
    assert "javascript:" not in page
    assert "onclick" not in page
    assert "<b>bold</b>" in page


def test_inactive_sponsor_has_no_page(client, db):
    SponsorFactory(slug="gone", active=False)
    assert client.get(reverse("sponsors:detail", kwargs={"slug": "gone"})).status_code == 404


@pytest.mark.parametrize(
    ("path", "max_queries"),
    [
        ("/api/v1/mirrors/", 9),  # count, page, URLs, what each carries (3), upstream, states (2)
        ("/api/v1/releases/", 5),
        ("/api/v1/images/", 4),
        ("/api/v1/sponsors/", 4),
    ],
)
def test_list_apis(client, demo, django_assert_max_num_queries, path, max_queries):
    with django_assert_max_num_queries(max_queries):
        response = client.get(path)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] > 0
    assert len(body["results"]) == min(body["count"], 100)


def test_mirror_api_filters_by_country(client, demo):
    body = client.get("/api/v1/mirrors/", {"country": "PR"}).json()
    assert body["count"] == 1
    assert body["results"][0]["country"] == "PR"
    assert body["results"][0]["urls"][0]["url"].startswith("http://")


def test_server_api_is_public_like_the_servers_page(client, demo, django_user_model):
    public = client.get("/api/v1/servers/").json()
    assert public["count"] == Server.objects.in_service().count()
    assert "notes" not in public["results"][0] and "ipv4" not in public["results"][0]
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "pw"))
    body = client.get("/api/v1/servers/").json()
    assert body["count"] == Server.objects.count() == 33
    assert "notes" in body["results"][0]


def test_api_is_read_only(client, demo):
    assert client.post("/api/v1/mirrors/", {"name": "x"}).status_code in (401, 403, 405)


def test_openapi_schema(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/v1/mirrors/" in response.json()["paths"]
