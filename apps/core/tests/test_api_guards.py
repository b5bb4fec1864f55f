"""The REST API's cheap failures: bad credentials and limits are 400s, the throttle counts
the real client (X-Forwarded-For only from trusted proxies), and a cache outage does not
take the API down."""

from __future__ import annotations

import base64
import copy
import logging

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from portal.api_urls import list_route_names


def list_urls() -> list[str]:
    """Every list route the API's router has."""
    urls = [reverse(name) for name in list_route_names()]
    assert len(urls) >= 6
    return urls


@pytest.fixture(autouse=True)
def _fresh_throttle_history():
    cache.clear()


@pytest.fixture
def staff(client, django_user_model):
    """A staff session: the staff-only lists (servers) page too."""
    client.force_login(django_user_model.objects.create_superuser("root", password="pw-tests"))
    return client


@pytest.fixture
def basic_on(settings):
    """HTTP Basic is off unless API_BASIC_AUTH turns it on: these tests are about it."""
    settings.API_BASIC_AUTH = True


def _basic(userpass: bytes) -> str:
    return "Basic " + base64.b64encode(userpass).decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", list_urls())
@pytest.mark.parametrize("userpass", [b"ad\x00min:pw", b"admin:p\x00w", b"\x00:\x00"])
def test_a_nul_in_basic_credentials_is_a_400(client, url, userpass, basic_on):
    response = client.get(url, HTTP_AUTHORIZATION=_basic(userpass))
    assert response.status_code == 400, url
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


@pytest.mark.django_db
def test_ordinary_bad_credentials_are_still_refused(client, django_user_model, basic_on):
    django_user_model.objects.create_user("admin", password="right-password")
    url = list_urls()[0]
    assert client.get(url, HTTP_AUTHORIZATION=_basic(b"admin:wrong")).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION=_basic(b"admin:right-password")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", list_urls())
@pytest.mark.parametrize(
    "query",
    [
        {"limit": "99999999999999999999"},
        {"limit": "10", "offset": "99999999999999999999"},
        {"limit": str(2**63)},
        {"limit": "1001"},
    ],
)
def test_an_out_of_range_limit_or_offset_is_a_400(staff, url, query):
    response = staff.get(url, query)
    assert response.status_code == 400, (url, query)
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) & {"limit", "offset"}


@pytest.mark.django_db
@pytest.mark.parametrize("url", list_urls())
def test_ordinary_limits_still_page(staff, url):
    # Past every row, those the data migrations make (the validation cases) included.
    response = staff.get(url, {"limit": "1000", "offset": "500"})
    assert response.status_code == 200, url
    assert response.json()["results"] == []
    assert staff.get(url, {"limit": "junk"}).status_code == 200  # DRF: the default page


def _rates(anon: str) -> dict:
    rest = copy.deepcopy(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = {**rest["DEFAULT_THROTTLE_RATES"], "anon": anon}
    return rest


@pytest.mark.django_db
def test_a_fresh_x_forwarded_for_from_an_untrusted_peer_does_not_bypass_the_limit(client, settings):
    settings.REST_FRAMEWORK = _rates("3/minute")
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    url = list_urls()[0]
    statuses = [
        client.get(
            url, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        ).status_code
        for n in range(1, 7)
    ]
    assert statuses == [200, 200, 200, 429, 429, 429]
    # Another real client is still served.
    assert client.get(url, REMOTE_ADDR="203.0.113.10").status_code == 200


@pytest.mark.django_db
def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(client, settings):
    settings.REST_FRAMEWORK = _rates("3/minute")
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    url = list_urls()[0]

    def ask(forwarded: str) -> int:
        return client.get(url, REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [ask("198.51.100.1") for _ in range(3)] == [200, 200, 200]
    assert ask("198.51.100.2") == 200  # a different client behind the same proxy
    assert ask("198.51.100.1") == 429
    # A client cannot smuggle in an address: the proxy appends the one it saw.
    assert ask("192.0.2.77, 198.51.100.1") == 429
    assert ask("198.51.100.1, 10.0.0.9") == 429  # trusted hops are skipped from the right


@pytest.mark.django_db
def test_the_api_answers_while_the_cache_is_down(staff, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens: connection refused
        }
    }
    caplog.set_level(logging.WARNING)
    for url in list_urls():
        assert staff.get(url).status_code == 200, url
        assert staff.get(url, REMOTE_ADDR="203.0.113.5").status_code == 200, url
    warnings = [r for r in caplog.records if "throttl" in r.getMessage().lower()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING and warnings[0].exc_info is None
