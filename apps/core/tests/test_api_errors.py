"""Every answer under /api/ is JSON, whatever went wrong: 400 with the fields from a
service's ValidationError, 401 (with WWW-Authenticate) apart from 403, 404 for a path
nobody routes, 405, 409 from Conflict, 500 from a crash and 503 while the database is
down. Pages outside /api/ keep their HTML error pages."""

from __future__ import annotations

import socket

import pytest
from django.db import connections
from django.db.utils import load_backend
from django.test import Client
from django.urls import reverse

from apps.core.middleware import DATABASE_DOWN

from .api_probe import PROBE, URLCONF

pytestmark = pytest.mark.urls(URLCONF)


def assert_json(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.fixture
def volunteer(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("vol", "v@example.org", "pw"))
    return client


@pytest.mark.django_db
def test_an_anonymous_write_is_a_401_that_says_how_to_authenticate(client):
    body = assert_json(client.post(PROBE + "write/"), 401)
    assert body == {"detail": "Authentication credentials were not provided."}
    assert client.post(PROBE + "write/")["WWW-Authenticate"] == 'Token realm="api"'


@pytest.mark.django_db
def test_a_signed_in_person_without_the_right_is_a_403(volunteer):
    body = assert_json(volunteer.post(PROBE + "staff/"), 403)
    assert "permission" in body["detail"]
    assert volunteer.post(PROBE + "write/").status_code == 201


@pytest.mark.django_db
def test_wrong_basic_credentials_are_a_401(client, django_user_model):
    import base64

    django_user_model.objects.create_user("admin", password="right")
    header = "Basic " + base64.b64encode(b"admin:wrong").decode()
    assert assert_json(client.get(PROBE + "whoami/", HTTP_AUTHORIZATION=header), 401)


@pytest.mark.parametrize(
    "path", ["/api/", "/api/nothing-here", "/api/v1/no-such-resource/", "/api/v1/x/y/z.json"]
)
def test_an_unknown_path_under_api_is_a_json_404(client, path):
    assert assert_json(client.get(path), 404) == {"detail": "Not found."}


def test_an_unknown_page_elsewhere_keeps_the_html_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_method_the_resource_does_not_have_is_a_json_405(client):
    response = client.post(reverse("api-root"))
    assert assert_json(response, 405) == {"detail": 'Method "POST" not allowed.'}
    assert "GET" in response["Allow"]


def test_a_service_validation_error_is_a_400_naming_each_field(client):
    body = assert_json(client.get(PROBE + "fail/", {"with": "field"}), 400)
    assert body == {"name": ["A mirror with this name exists."]}
    body = assert_json(client.get(PROBE + "fail/", {"with": "plain"}), 400)
    assert body == {"non_field_errors": ["The window ends before it starts."]}


def test_a_conflict_is_a_409(client):
    assert assert_json(client.get(PROBE + "fail/", {"with": "conflict"}), 409) == {
        "detail": "The mirror is already approved."
    }


def test_a_crash_is_a_json_500():
    client = Client(raise_request_exception=False)
    assert assert_json(client.get(PROBE + "fail/"), 500) == {"detail": "Server error."}


@pytest.fixture
def database_down():
    """The default connection replaced, for the test, by one to a port where nothing listens
    (PostgreSQL) or to a file in a folder that does not exist (SQLite): the driver itself
    fails to connect, as it does when the server is down. The test's own connection, with
    its transaction, is put back afterwards."""
    real = connections["default"]
    settings_dict = dict(real.settings_dict)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        if real.vendor == "sqlite":
            settings_dict["NAME"] = "/nonexistent-folder/portal.sqlite3"
        else:
            port = closed.getsockname()[1]
            settings_dict.update(HOST="127.0.0.1", PORT=str(port), CONN_MAX_AGE=0)
            settings_dict["OPTIONS"] = {**settings_dict.get("OPTIONS", {}), "connect_timeout": 2}
        down = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
        connections["default"] = down
        try:
            yield
        finally:
            connections["default"] = real
            down.close()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (PROBE + "db/", {}),  # a view's query
        ("/api/v1/", {"HTTP_AUTHORIZATION": "Token ptl_someone-s-key"}),  # the token lookup
        ("/api/v1/releases/", {}),  # a real list
    ],
)
def test_a_database_outage_is_a_json_503_with_retry_after(path, headers, database_down):
    client = Client(raise_request_exception=False)
    response = client.get(path, **headers)
    assert assert_json(response, 503) == {"detail": DATABASE_DOWN}
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_the_database_is_back_after_the_outage_fixture(client, django_user_model):
    django_user_model.objects.create_user("still-here")
    assert client.get(PROBE + "db/").json() == {"people": 1}
