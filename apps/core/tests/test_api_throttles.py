"""The API's rates: anonymous callers per address, signed-in people (token or session) per
person, and actions by their scope ("mirror-check", "import", "publish") counted apart from
the rest; a 429 is JSON with Retry-After, and a cache outage lets the actions through too."""

from __future__ import annotations

import copy

import pytest
from django.conf import settings
from django.core.cache import cache

from apps.core.api import cache_outage
from apps.core.tokens import token_issue

from .api_probe import PROBE, URLCONF

pytestmark = [pytest.mark.django_db, pytest.mark.urls(URLCONF)]
WHOAMI, CHECK = PROBE + "whoami/", PROBE + "check/"


@pytest.fixture(autouse=True)
def _fresh_throttle_history():
    """No history, and no outage remembered from another test's cache being down."""
    cache.clear()
    cache_outage.since, cache_outage.retry_at = None, 0.0


def rates(**scopes: str) -> dict:
    rest = copy.deepcopy(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {
        **rest["DEFAULT_THROTTLE_RATES"],
        **{name.replace("_", "-"): rate for name, rate in scopes.items()},
    }
    return rest


def test_the_rates_come_from_the_environment_s_names():
    configured = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert set(configured) >= {"anon", "user", "mirror-check", "import", "publish"}
    assert configured["mirror-check"] == "10/hour"
    assert configured["import"] == configured["publish"] == "30/hour"


def test_a_429_is_json_with_retry_after(client, settings):
    settings.REST_FRAMEWORK = rates(anon="2/minute")
    assert [client.get(WHOAMI).status_code for _ in range(2)] == [200, 200]
    response = client.get(WHOAMI)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "throttled" in response.json()["detail"].lower()
    assert 0 < int(response["Retry-After"]) <= 60


def test_a_token_has_the_user_rate_not_the_anonymous_one(client, settings, django_user_model):
    settings.REST_FRAMEWORK = rates(anon="2/minute", user="4/minute")
    _, key = token_issue(user=django_user_model.objects.create_user("vol"), name="t")
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert [client.get(WHOAMI).status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get(WHOAMI, **auth).status_code for _ in range(5)] == [200] * 4 + [429]


def test_a_person_is_counted_across_addresses_and_apart_from_others(
    client, settings, django_user_model
):
    settings.REST_FRAMEWORK = rates(user="2/minute")
    _, mine = token_issue(user=django_user_model.objects.create_user("vol"), name="t")
    _, theirs = token_issue(user=django_user_model.objects.create_user("other"), name="t")
    statuses = [
        client.get(WHOAMI, HTTP_AUTHORIZATION=f"Token {mine}", REMOTE_ADDR=f"192.0.2.{n}")
        for n in range(3)
    ]
    assert [r.status_code for r in statuses] == [200, 200, 429]
    assert client.get(WHOAMI, HTTP_AUTHORIZATION=f"Token {theirs}").status_code == 200


def test_an_action_has_its_own_rate_per_client(client, settings, django_user_model):
    settings.REST_FRAMEWORK = rates(mirror_check="2/hour")
    assert [client.get(CHECK).status_code for _ in range(3)] == [200, 200, 429]
    answer = client.get(CHECK)
    assert answer["Content-Type"] == "application/json"
    assert int(answer["Retry-After"]) > 60  # an hour's window
    # Other endpoints are not counted against it, nor other clients, nor a signed-in person.
    assert client.get(WHOAMI).status_code == 200
    assert client.get(CHECK, REMOTE_ADDR="203.0.113.7").status_code == 200
    client.force_login(django_user_model.objects.create_user("vol"))
    assert client.get(CHECK).status_code == 200


def test_an_action_counts_the_client_behind_a_trusted_proxy(client, settings):
    settings.REST_FRAMEWORK = rates(mirror_check="1/hour")
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    def ask(remote: str, forwarded: str) -> int:
        return client.get(CHECK, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert ask("10.1.2.3", "198.51.100.1") == 200
    assert ask("10.1.2.3", "198.51.100.2") == 200  # another client behind the proxy
    assert ask("10.1.2.3", "198.51.100.1") == 429
    # Untrusted peers cannot claim a fresh address.
    assert ask("203.0.113.9", "198.51.100.50") == 200
    assert ask("203.0.113.9", "198.51.100.51") == 429


def test_an_action_is_let_through_while_the_cache_is_down(client, settings):
    settings.REST_FRAMEWORK = rates(mirror_check="1/hour")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens: connection refused
        }
    }
    assert [client.get(CHECK).status_code for _ in range(3)] == [200, 200, 200]
