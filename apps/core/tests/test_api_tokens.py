"""API tokens as a volunteer meets them: made on /my/tokens/, the key shown once and kept
only as a hash, the key acting as its owner in the API (Token or Bearer), revoked at once,
and nobody else's to revoke."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from apps.core.api import TokenAuthentication
from apps.core.models import ApiToken
from apps.core.tokens import MAX_ACTIVE_PER_USER, token_issue

from .api_probe import PROBE, URLCONF

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLCONF)]
KEY = re.compile(r"ptl_[A-Za-z0-9_-]{43}")
WHOAMI = PROBE + "whoami/"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()  # rate-limit and throttle history


@pytest.fixture
def volunteer(django_user_model):
    return django_user_model.objects.create_user("vol", "vol@example.org", "pw-tests")


@pytest.fixture
def signed_in(client, volunteer):
    client.force_login(volunteer)
    return client


def make_token(client, name="sync script") -> str:
    """Make a token on the page and return the key it shows."""
    response = client.post(reverse("tokens"), {"name": name})
    assert response.status_code == 200
    found = KEY.findall(response.content.decode())
    assert found, "the key is on the page"
    return found[0]


def test_the_page_needs_a_login(client):
    response = client.get(reverse("tokens"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_key_is_shown_once_and_stored_hashed(signed_in, volunteer):
    response = signed_in.post(reverse("tokens"), {"name": "sync script"})
    page = response.content.decode()
    key = KEY.findall(page)[0]
    assert "shown only this once" in page
    assert "no-store" in response["Cache-Control"]

    token = ApiToken.objects.get(user=volunteer)
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:12]
    stored = [str(v) for v in ApiToken.objects.values_list().get()]
    assert not any(key in value for value in stored)

    again = signed_in.get(reverse("tokens")).content.decode()
    assert "sync script" in again and token.prefix in again
    assert key not in again and not KEY.search(again)


def test_the_key_acts_as_its_owner_by_token_or_bearer(signed_in, client, volunteer):
    key = make_token(signed_in)
    client.logout()
    for scheme in ("Token", "Bearer", "token"):
        answer = client.get(WHOAMI, HTTP_AUTHORIZATION=f"{scheme} {key}")
        assert answer.status_code == 200
        assert answer.json() == {"user": "vol", "by": "token", "token": key[:12]}

    request = APIRequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=f"Token {key}")
    user, token = TokenAuthentication().authenticate(request)
    assert user == volunteer and token == ApiToken.objects.get()
    # Basic and session credentials are someone else's business.
    assert TokenAuthentication().authenticate(APIRequestFactory().get("/api/v1/")) is None


def test_last_use_is_written_at_most_once_a_minute(volunteer, client, django_assert_num_queries):
    token, key = token_issue(user=volunteer, name="cron")
    assert token.last_used_at is None
    assert client.get(WHOAMI, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None

    with django_assert_num_queries(1):  # the lookup, no UPDATE
        assert client.get(WHOAMI, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == first

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(WHOAMI, HTTP_AUTHORIZATION=f"Token {key}")
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=1)


def test_a_revoked_key_is_a_401_that_says_so(signed_in, client, volunteer):
    key = make_token(signed_in)
    token = ApiToken.objects.get()
    response = signed_in.post(reverse("token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "revoked" in signed_in.get(reverse("tokens")).content.decode()

    client.logout()
    answer = client.get(WHOAMI, HTTP_AUTHORIZATION=f"Token {key}")
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/json"
    assert "revoked" in answer.json()["detail"]
    assert answer["WWW-Authenticate"] == 'Token realm="api"'


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Token ptl_not-a-key-anyone-made", "Unknown API token."),
        ("Bearer ptl_not-a-key-anyone-made", "Unknown API token."),
        ("Token", "Invalid token header"),
        ("Token two parts", "Invalid token header"),
    ],
)
def test_an_unknown_or_malformed_key_is_a_401_with_the_reason(client, header, reason):
    answer = client.get(WHOAMI, HTTP_AUTHORIZATION=header)
    assert answer.status_code == 401
    assert answer.json()["detail"].startswith(reason)


def test_an_inactive_account_s_token_is_refused(volunteer, client):
    _, key = token_issue(user=volunteer, name="old")
    volunteer.is_active = False
    volunteer.save()
    assert client.get(WHOAMI, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_another_volunteer_cannot_revoke_my_token(volunteer, client, django_user_model):
    token, key = token_issue(user=volunteer, name="mine")
    client.force_login(django_user_model.objects.create_user("other", "o@example.org", "pw"))
    assert client.post(reverse("token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert "mine" not in client.get(reverse("tokens")).content.decode()


def test_revoking_is_a_post_with_csrf(volunteer):
    from django.test import Client

    token, _ = token_issue(user=volunteer, name="mine")
    client = Client(enforce_csrf_checks=True)
    client.force_login(volunteer)
    assert client.get(reverse("token-revoke", args=[token.pk])).status_code == 405
    assert client.post(reverse("token-revoke", args=[token.pk])).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_ten_active_tokens_at_most(signed_in, volunteer):
    for n in range(MAX_ACTIVE_PER_USER):
        token_issue(user=volunteer, name=f"t{n}")
    response = signed_in.post(reverse("tokens"), {"name": "one more"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "revoke one first" in page and 'class="field field-error"' in page
    assert not KEY.search(page)
    assert ApiToken.objects.filter(user=volunteer).count() == MAX_ACTIVE_PER_USER

    signed_in.post(reverse("token-revoke", args=[ApiToken.objects.first().pk]))
    assert KEY.search(signed_in.post(reverse("tokens"), {"name": "now"}).content.decode())


def test_a_token_needs_a_name(signed_in):
    response = signed_in.post(reverse("tokens"), {"name": "  "})
    assert "field-error" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_making_tokens_is_rate_limited(signed_in, settings):
    settings.TOKEN_FORM_RATE = "2/h"
    assert [signed_in.post(reverse("tokens"), {"name": f"t{n}"}).status_code for n in range(3)] == [
        200,
        200,
        429,
    ]
    assert ApiToken.objects.count() == 2


def test_the_page_lists_tokens_in_stacking_rows_and_the_header_links_it(signed_in, volunteer):
    token, _ = token_issue(user=volunteer, name="sync script")
    token.last_used_at = timezone.now()
    token.save()
    page = signed_in.get(reverse("tokens")).content.decode()
    assert '<table class="list stack tokens">' in page
    for label in ("Name", "Key starts", "Created", "Last used", "State"):
        assert f'data-label="{label}"' in page
    assert f'href="{reverse("tokens")}">API tokens</a>' in page
