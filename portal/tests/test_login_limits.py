"""Guessing passwords: one limiter (django-axes) counts wrong passwords at the admin's
log-in, the volunteers' log-in and HTTP Basic on the API together, per account and client
address. The guesser is stopped after LOGIN_FAILURE_LIMIT tries, whatever the way in; the
account's owner, from another address, still logs in."""

import base64

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

PASSWORD = "correct-horse-battery-9"
ATTACKER, OWNER = "203.0.113.66", "198.51.100.20"
ADMIN_LOGIN = "/admin/login/"
API = "/api/v1/mirrors/"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)


@pytest.fixture
def volunteer(db):
    user = get_user_model().objects.create_user("vol", "vol@example.org", PASSWORD)
    EmailAddress.objects.create(user=user, email="vol@example.org", verified=True, primary=True)
    return user


def admin_login(client, password, remote, username="root"):
    return client.post(
        ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=remote,
    )  # fmt: skip


def site_login(client, password, remote, login="vol@example.org"):
    return client.post(
        reverse("account_login"), {"login": login, "password": password}, REMOTE_ADDR=remote
    )


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_the_admin_log_in_stops_a_guesser_and_not_the_owner(client, root):
    answers = [admin_login(client, f"guess-{i}", ATTACKER).status_code for i in range(30)]
    assert answers[:4] == [200] * 4  # the form again, saying the password is wrong
    assert set(answers[4:]) == {429}, answers
    right = admin_login(client, PASSWORD, ATTACKER)
    assert right.status_code == 429
    assert "Too many failed log-ins" in right.content.decode()
    # Nor does a forged X-Forwarded-For (no TRUSTED_PROXIES here) make a new address.
    forged = client.post(ADMIN_LOGIN, {"username": "root", "password": PASSWORD},
                         REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.1")  # fmt: skip
    assert forged.status_code == 429

    owner = Client()
    assert admin_login(owner, PASSWORD, OWNER)["Location"] == "/admin/"


def test_the_volunteers_log_in_locks_the_guessers_address_only(client, volunteer):
    for i in range(5):
        site_login(client, f"guess-{i}", ATTACKER)
    locked = site_login(client, PASSWORD, ATTACKER)
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    # Case and the user name do not make another account to guess at.
    assert site_login(client, PASSWORD, ATTACKER, login="VOL@Example.org").status_code == 429

    owner = Client()
    assert site_login(owner, PASSWORD, OWNER)["Location"] == reverse("mirrors:mine")


def test_http_basic_is_off_unless_turned_on(client, root):
    response = client.get(API, HTTP_AUTHORIZATION=basic("root", PASSWORD))
    assert response.status_code == 401
    assert "HTTP Basic is turned off" in response.json()["detail"]


def test_http_basic_counts_with_the_log_in_pages(client, root, settings):
    settings.API_BASIC_AUTH = True
    assert client.get(API, HTTP_AUTHORIZATION=basic("root", PASSWORD), REMOTE_ADDR=ATTACKER
                      ).status_code == 200  # fmt: skip
    for i in range(3):
        admin_login(client, f"guess-{i}", ATTACKER)
    answers = [
        client.get(API, HTTP_AUTHORIZATION=basic("root", f"api-{i}"), REMOTE_ADDR=ATTACKER)
        for i in range(30)
    ]
    assert answers[0].status_code == 401  # the fourth wrong password
    assert {a.status_code for a in answers[1:]} == {429}  # the fifth and after
    assert "Too many failed log-ins" in answers[-1].json()["detail"]
    right = client.get(API, HTTP_AUTHORIZATION=basic("root", PASSWORD), REMOTE_ADDR=ATTACKER)
    assert right.status_code == 429
    assert admin_login(client, PASSWORD, ATTACKER).status_code == 429

    owner = Client()
    assert owner.get(API, HTTP_AUTHORIZATION=basic("root", PASSWORD), REMOTE_ADDR=OWNER
                     ).status_code == 200  # fmt: skip


def test_a_good_log_in_clears_the_count(client, volunteer):
    for i in range(4):
        site_login(client, f"guess-{i}", ATTACKER)
    assert site_login(client, PASSWORD, ATTACKER).status_code == 302
    client.logout()
    for i in range(4):
        assert site_login(client, f"again-{i}", ATTACKER).status_code == 200
