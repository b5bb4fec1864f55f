"""The public mirror lists through HTTP: by country with the map, a country's page, and
the status of every mirror, filtered with the API's FilterSet; few queries each."""

import re

from django.urls import reverse

from apps.mirrors.models import Mirror
from apps.releases.tests.factories import ReleaseFactory

from .factories import MirrorFactory, MirrorURLFactory


def public():
    return Mirror.objects.approved().public()


def locations(page: str) -> dict[str, tuple[str, int, int]]:
    """The "Mirror Locations" table: {cc: (name, mirrors, up)}."""
    return {
        cc: (name, int(count), int(up))
        for cc, name, count, up in re.findall(
            r'<tr id="country-(\w\w)"><th scope="row"><a href="/mirrors/\w\w/">([^<]+)</a></th>'
            r'<td class="num">(\d+)</td><td class="num">(\d+)</td></tr>',
            page,
        )
    }


def test_mirrors_by_country_table_map_and_counts(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = client.get(reverse("mirrors:list"))
    assert response.status_code == 200
    page = response.content.decode()
    table = locations(page)
    assert len(table) == 43
    # The talk's external mirrors, plus internal ones and masters on donated servers.
    assert table["US"][:2] == ("United States of America", 49 + 6)
    assert table["JP"][:2] == ("Japan", 5 + 2)
    assert table["PR"][:2] == ("Puerto Rico", 1)
    assert list(table.values()) == sorted(table.values())  # by country name, as the seed
    total = public().count()
    assert re.search(rf'<strong id="mirror-count">{total}</strong> approved public mirrors', page)
    assert '<strong id="country-count">43</strong>' in page
    up = public().filter(status="up").count()
    assert f'<strong id="up-count">{up}</strong> up now' in page
    assert sum(count for _name, count, _up in table.values()) == total


def test_the_map_links_each_country_with_mirrors_to_its_page(client, demo):
    page = client.get(reverse("mirrors:list")).content.decode()
    svg = re.search(r"<svg .*?</svg>", page, re.S).group(0)
    linked = set(
        re.findall(r'<a href="/mirrors/(\w\w)/" class="m\d(?: dot)?" data-cc="\w\w">', svg)
    )
    with_mirrors = {cc.lower() for cc in public().values_list("country", flat=True)}
    assert linked == with_mirrors
    # Shaded by count: the US (55) darkest, Puerto Rico (1) lightest; Singapore a dot.
    assert '<a href="/mirrors/us/" class="m5" data-cc="US">' in svg
    assert '<a href="/mirrors/pr/" class="m1" data-cc="PR">' in svg
    assert re.search(r'<a href="/mirrors/sg/" class="m\d dot" data-cc="SG">', svg)
    assert "<title>Japan: 7 mirrors</title>" in svg
    assert svg.count("<path ") > 150  # the countries without mirrors are drawn too


def test_country_page_lists_its_mirrors(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):  # 2 of them for the listing states
        response = client.get(reverse("mirrors:country", args=["jp"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Mirrors in Japan</h1>" in page
    assert '<strong id="mirror-count">7</strong> approved public mirrors' in page
    names = re.findall(
        r'<th scope="row" data-label="Mirror"><a href="/mirrors/\d+/">([^<]+)</a>', page
    )
    assert names == sorted(public().filter(country="JP").values_list("name", flat=True))
    assert page.count('data-label="State"><span class="state state-') == 7
    assert page.count('data-label="Last verified">') == 7
    assert re.search(r'data-label="Protocols"><a href="(?:http|https|ftp|rsync)://', page)


def test_country_pages_for_no_mirror_and_no_country(client, db):
    page = client.get(reverse("mirrors:country", args=["is"])).content.decode()
    assert "No mirror in Iceland yet." in page
    response = client.get("/mirrors/zz/")
    assert response.status_code == 404
    assert '<header class="site-header">' in response.content.decode()


def status_rows(page: str) -> list[str]:
    return re.findall(
        r'<th scope="row" data-label="Mirror"><a href="/mirrors/\d+/">([^<]+)</a>', page
    )


def test_status_page_paginates_every_mirror(client, demo, django_assert_max_num_queries):
    total = public().count()
    # The mirrors' page (5 queries), their listing states (2), the demo's pushes with their
    # arrivals (4), the snapshot's age (1, in a process that serves none), the staged
    # releases (1: none in the demo) and the vantage points (1: none).
    with django_assert_max_num_queries(14):
        response = client.get(reverse("mirrors:status"))
    page = response.content.decode()
    pages = -(-total // 50)
    assert f'<p id="result-count"><strong>{total}</strong> mirrors, page 1 of {pages}.' in page
    assert len(status_rows(page)) == 50
    assert page.count('data-label="State"><span class="state state-') == 50
    last = client.get(reverse("mirrors:status"), {"page": pages}).content.decode()
    assert len(status_rows(last)) == total - 50 * (pages - 1)


def test_status_page_sorts_and_filters_by_status(client, demo):
    page = client.get(
        reverse("mirrors:status"), {"status": "down", "sort": "name"}
    ).content.decode()
    down = sorted(public().filter(status="down").values_list("name", flat=True))
    assert down and status_rows(page) == down[:50]
    page = client.get(
        reverse("mirrors:status"), {"status": "down", "sort": "-name"}
    ).content.decode()
    assert status_rows(page) == down[::-1][:50]
    # Worst lag first works (an annotation, in the same FilterSet).
    assert client.get(reverse("mirrors:status"), {"sort": "-lag"}).status_code == 200


def test_release_filter_takes_the_major_alias(client, demo):
    carrying = public().filter(releases__version="5.0").count()
    assert carrying > 0
    for value in ("5", "5.0"):
        page = client.get(reverse("mirrors:status"), {"release": value}).content.decode()
        assert f'<p id="result-count"><strong>{carrying}</strong> mirrors' in page, value
    body = client.get("/api/v1/mirrors/", {"release": "5"}).json()
    assert body["count"] == carrying


def test_an_invalid_choice_is_a_form_error_not_zero_rows(client, demo):
    response = client.get(reverse("mirrors:status"), {"release": "9", "status": "up"})
    page = response.content.decode()
    assert '<div class="error-summary" role="alert"' in page
    assert re.search(r'<a href="#id_release">Release: Select a valid choice\. 9 is not one', page)
    assert 'id="result-count"' not in page
    assert '<script src="/static/js/forms.js" defer></script>' in page  # focus on the error
    page = client.get(reverse("mirrors:list"), {"architecture": "vax"}).content.decode()
    assert re.search(r"Architecture: Select a valid choice\. vax is not one", page)
    assert client.get("/api/v1/mirrors/", {"release": "9"}).status_code == 400


def test_list_and_status_follow_the_filters(client, db):
    ReleaseFactory(version="5.0", major=5, minor=0)
    old = ReleaseFactory(version="4.4", major=4, minor=4)
    for n in range(3):
        MirrorURLFactory(mirror=MirrorFactory(name=f"de{n}.example.test", country="DE"))
    fr = MirrorFactory(name="fr.example.test", country="FR", status="down")
    fr.releases.add(old)
    page = client.get(reverse("mirrors:list")).content.decode()
    assert locations(page) == {"FR": ("France", 1, 0), "DE": ("Germany", 3, 3)}
    page = client.get(reverse("mirrors:list"), {"release": "4"}).content.decode()
    assert locations(page) == {"FR": ("France", 1, 0)}
    page = client.get(
        reverse("mirrors:status"), {"country": "DE", "sort": "-name"}
    ).content.decode()
    assert status_rows(page) == ["de2.example.test", "de1.example.test", "de0.example.test"]
