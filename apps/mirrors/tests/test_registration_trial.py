"""The register form's "Test this URL" button: the first check's requests, run before
anything is saved against the test farm (real HTTP servers on 127.0.0.x), in words."""

import html
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from apps.mirrors.models import Check, Mirror

from .test_registration import form_data

REGISTER = reverse("mirrors:register")


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def volunteer_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("vol", "vol@example.org", "pw-1"))
    return client


def _findings(page: str) -> list[str]:
    block = page[page.index('id="url-trial-result"') :]
    block = block[: block.index("</div>")]
    items = re.findall(r"<li[^>]*>.*?</li>", block, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def _test(client, url: str, **changes):
    data = form_data(url_http=url, test_url="1", **changes)
    response = client.post(REGISTER, data)
    assert response.status_code == 200
    return response.content.decode()


def test_a_good_url_shows_the_three_files_found(volunteer_client, check_settings, mirror_farm,
                                                master_catalogue):  # fmt: skip
    sim = mirror_farm.mirrors["current"]
    page = _test(volunteer_client, sim.base_url)
    assert "The first check would find these files" in page
    base = sim.base_url
    found = _findings(page)
    assert len(found) == 3, found
    stamp = re.escape(f"We asked {base}TIME (the timestamp file) and got 200: last synced ")
    assert re.fullmatch(stamp + r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\.", found[0])
    assert re.fullmatch(re.escape(f"We asked {base}5.0/os/") + r"(x86_64|i386)"
                        + re.escape("/repodata/repomd.xml (a repository's repomd.xml) and got "
                                    "200."), found[1])  # fmt: skip
    assert re.fullmatch(re.escape(f"We asked {base}") + r"\S+\.iso \(an ISO image, asked with "
                        r"HEAD\) and got 200: [\d,]+ bytes\.", found[2])  # fmt: skip
    # the form comes back as typed, without errors, and nothing is saved
    assert f'value="{base}"' in page and "There is a problem" not in page
    assert f"<code>{base}TIME</code>" in page  # the URL's help names the URL typed
    assert not Mirror.objects.filter(name="mirror.example.net").exists()
    assert not Check.objects.exists()


def test_a_404_is_named_with_the_url_asked(volunteer_client, check_settings, mirror_farm,
                                           master_catalogue):  # fmt: skip
    base = mirror_farm.mirrors["current"].base_url + "wrong/"
    page = _test(volunteer_client, base)
    assert "The first check would not find everything" in page
    assert _findings(page) == [f"We asked {base}TIME (the timestamp file) and got 404."]
    assert "No URL served the timestamp file, so the check stopped there" in page
    # an ISO missing behind a good timestamp file
    sim = mirror_farm.mirrors["missing_iso"]
    found = _findings(_test(volunteer_client, sim.base_url))
    assert re.fullmatch(re.escape(f"We asked {sim.base_url}") + r"\S+\.iso \(an ISO image, "
                        r"asked with HEAD\) and got 404\.", found[2])  # fmt: skip


def test_a_private_address_is_not_asked(volunteer_client, settings, db):
    settings.MIRROR_CHECK_ALLOW_NETWORKS = []  # the production default
    settings.MIRROR_CHECK_RESOLVER = lambda host, port: ["10.9.8.7"]
    page = _test(volunteer_client, "http://intranet.example.org/centos/")
    assert _findings(page) == [
        "We did not ask http://intranet.example.org/centos/TIME: intranet.example.org "
        "(10.9.8.7) is not a public address."
    ]
    page = _test(volunteer_client, "http://127.0.0.1/centos/")
    assert _findings(page) == [
        "We did not ask http://127.0.0.1/centos/TIME: 127.0.0.1 is not a public address."
    ]
    assert not Mirror.objects.exists()


def test_no_url_and_a_bad_url_are_explained(volunteer_client, db):
    assert _findings(_test(volunteer_client, "")) == ["Type the mirror's HTTP or HTTPS URL first."]
    assert _findings(_test(volunteer_client, "http//x/")) == [
        "http//x/: The URL must start with one of http://, https://, ftp://, rsync://."
    ]


def test_the_button_is_rate_limited_like_the_form(volunteer_client, settings, db):
    settings.MIRROR_FORM_RATE = "2/m"
    for _ in range(2):
        _test(volunteer_client, "")
    response = volunteer_client.post(REGISTER, form_data(test_url="1"))
    assert response.status_code == 429


TOKYO = "133.1.1.1"  # JP in the bundled Geoacumen database (as test_msync)


def test_the_country_is_guessed_from_the_address_and_marked_as_a_guess(client, django_user_model):
    from .factories import internal_mirror_create

    jp = internal_mirror_create("internal.jp", "JP", latitude=36.0, longitude=138.0)
    client.force_login(django_user_model.objects.create_user("vol", "vol@example.org", "pw-1"))
    page = client.get(REGISTER, REMOTE_ADDR=TOKYO).content.decode()
    assert '<option value="JP" selected>Japan</option>' in page
    assert "Guessed from your address: Japan — change it if wrong." in page
    # the upstream suggested is Japan's, and the hidden field says so
    assert "Suggested for Japan: internal.jp" in page
    assert f'name="upstream_shown" value="{jp.pk}"' in page
    # an address the database has no answer for: no country, no guess
    page = client.get(REGISTER, REMOTE_ADDR="127.0.0.1").content.decode()
    assert '<option value="" selected>Choose its country</option>' in page
    assert "Guessed from your address" not in page
    # a country chosen in the link wins over the guess, and is not called a guess
    page = client.get(REGISTER + "?country=FR", REMOTE_ADDR=TOKYO).content.decode()
    assert '<option value="FR" selected>France</option>' in page
    assert "Guessed from your address" not in page


def test_the_edit_page_tests_a_new_url_without_saving_it(client, django_user_model, settings):
    from .factories import MirrorFactory, MirrorURLFactory

    settings.MIRROR_CHECK_ALLOW_NETWORKS = []
    owner = django_user_model.objects.create_user("vol", "vol@example.org", "pw-1")
    mirror = MirrorFactory(name="mine.example.org", owner=owner, country="FR")
    MirrorURLFactory(mirror=mirror, url="http://mine.example.org/centos/")
    client.force_login(owner)
    data = form_data(name="mine.example.org", url_http="http://10.1.2.3/centos/", test_url="1")
    response = client.post(reverse("mirrors:edit", args=[mirror.pk]), data)
    assert response.status_code == 200
    assert _findings(response.content.decode()) == [
        "We did not ask http://10.1.2.3/centos/TIME: 10.1.2.3 is not a public address."
    ]
    assert list(mirror.urls.values_list("url", flat=True)) == ["http://mine.example.org/centos/"]
