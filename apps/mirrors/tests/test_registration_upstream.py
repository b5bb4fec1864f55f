"""Registering a mirror: the upstream the form suggests for the mirror's country (the nearest
internal mirror that msync hands out), and the one it saves."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from apps.mirrors.models import Mirror

from .factories import MirrorFactory, field_errors, form_data, internal_mirror_create

REGISTER = reverse("mirrors:register")


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()
    yield
    cache.clear()


def _shown(page: str) -> str:
    """The suggestion the page showed (its hidden upstream_shown), as the browser sends it."""
    found = re.search(r'name="upstream_shown"(?: value="(\d+)")?', page)
    assert found, "the form has no upstream_shown"
    return found.group(1) or ""


@pytest.fixture
def upstreams(db):
    jp = internal_mirror_create("internal.jp", "JP", latitude=36.0, longitude=138.0)
    paris = internal_mirror_create("internal.fr", "FR", latitude=48.9, longitude=2.35)
    # Closer to Belgium than Paris, but behind: msync never hands it out.
    internal_mirror_create("internal.nl", "NL", state="behind", latitude=52.4, longitude=4.9)
    MirrorFactory(name="external.de", country="DE", latitude=51.0, longitude=10.0)
    return {"JP": jp, "FR": paris}


def test_no_country_is_chosen_for_the_volunteer(volunteer_client, upstreams):
    page = volunteer_client.get(REGISTER).content.decode()
    assert '<option value="" selected>Choose its country</option>' in page
    assert '<option value="" selected>Suggested for its country (choose it above)</option>' in page
    assert _shown(page) == ""


def test_the_nearest_internal_mirror_is_suggested(volunteer_client, volunteer, upstreams):
    paris = upstreams["FR"]
    page = volunteer_client.get(REGISTER + "?country=BE").content.decode()
    assert (
        "For Belgium we suggest internal.fr, the nearest healthy, current internal mirror." in page
    )
    assert '<option value="" selected>Suggested for Belgium: internal.fr</option>' in page
    assert _shown(page) == str(paris.pk)

    response = volunteer_client.post(
        REGISTER, form_data(country="BE", upstream="", upstream_shown=_shown(page))
    )
    mirror = Mirror.objects.get(name="mirror.example.net")
    assert response["Location"] == reverse("mirrors:mine-detail", args=[mirror.pk])
    assert (mirror.upstream, mirror.owner, mirror.approval) == (paris, volunteer, "pending")
    assert (mirror.continent, str(mirror.country)) == ("EU", "BE")


def test_after_a_form_error_the_upstream_saved_is_the_one_shown(volunteer_client, upstreams):
    """The page was shown for Japan; the volunteer picks Belgium (no script ran) and forgets
    the name: the page comes back suggesting Paris, and Paris is what is saved."""
    page = volunteer_client.get(REGISTER + "?country=JP").content.decode()
    assert _shown(page) == str(upstreams["JP"].pk)
    data = form_data(country="BE", upstream="", upstream_shown=_shown(page), name="")
    again = volunteer_client.post(REGISTER, data).content.decode()
    assert not Mirror.objects.filter(name="mirror.example.net").exists()
    assert '<option value="" selected>Suggested for Belgium: internal.fr</option>' in again
    assert "internal.jp</option>" in again and "Suggested for Japan" not in again
    assert _shown(again) == str(upstreams["FR"].pk)

    data.update(name="mirror.example.net", upstream_shown=_shown(again))
    assert volunteer_client.post(REGISTER, data).status_code == 302
    assert Mirror.objects.get(name="mirror.example.net").upstream == upstreams["FR"]


def test_a_country_changed_without_the_script_shows_the_new_suggestion_first(
    volunteer_client, upstreams
):
    data = form_data(country="BE", upstream="", upstream_shown=str(upstreams["JP"].pk))
    response = volunteer_client.post(REGISTER, data)
    assert field_errors(response, "upstream") == [
        "For Belgium we suggest internal.fr: it is now the first choice below. Save again to "
        "keep it, or pick another."
    ]
    assert not Mirror.objects.filter(name="mirror.example.net").exists()


def test_an_upstream_picked_by_hand_is_saved_whatever_the_country(volunteer_client, upstreams):
    data = form_data(country="BE", upstream=str(upstreams["JP"].pk), upstream_shown="")
    assert volunteer_client.post(REGISTER, data).status_code == 302
    assert Mirror.objects.get(name="mirror.example.net").upstream == upstreams["JP"]


def test_the_suggest_button_shows_the_suggestion_and_saves_nothing(volunteer_client, upstreams):
    data = form_data(country="BE", upstream="", upstream_shown="", name="", suggest="1")
    page = volunteer_client.post(REGISTER, data).content.decode()
    assert "There is a problem" not in page and "There are problems" not in page
    assert '<option value="" selected>Suggested for Belgium: internal.fr</option>' in page
    assert 'value="ops@example.net"' in page  # what was typed stays
    assert not Mirror.objects.exists() or not Mirror.objects.filter(owner__isnull=False).exists()


def test_the_page_script_reads_the_suggestion_as_json(volunteer_client, upstreams):
    answer = volunteer_client.get(reverse("mirrors:register-suggestion") + "?country=BE").json()
    assert answer == {
        "country": "BE", "id": upstreams["FR"].pk, "name": "internal.fr",
        "label": "Suggested for Belgium: internal.fr",
        "help": "For Belgium we suggest internal.fr, the nearest healthy, current internal "
        "mirror. Keep the suggestion or pick another; what this list shows is what is saved.",
    }  # fmt: skip
