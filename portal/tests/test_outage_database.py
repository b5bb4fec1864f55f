"""PostgreSQL down: every HTML page and the admin answer a 503 in the site's layout with
Retry-After (they answered a bare 500), the API a JSON 503, and the database's host and
port are on none of them. The database really is unreachable: the connection is closed and
pointed at a port nobody listens on (the shared server keeps running)."""

import pytest
from django.db import connection


@pytest.fixture
def database_down(transactional_db, client):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database cannot be taken away (CI runs PostgreSQL)")
    client.raise_request_exception = False  # answer as a server would, not raise in the test
    saved = connection.settings_dict["HOST"], connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = "127.0.0.1", "1"
    yield
    connection.close()
    connection.settings_dict["HOST"], connection.settings_dict["PORT"] = saved


# The pages that read the database (an empty log-in form does not, and is still served).
PAGES = ["/", "/mirrors/", "/mirrors/status/", "/releases/", "/sponsors/", "/servers/"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_503_in_the_layout(client, database_down, path):
    answer = client.get(path)
    assert answer.status_code == 503, answer.content[:500]
    assert answer["Retry-After"] == "30"
    html = answer.content.decode()
    assert "CentOS infrastructure portal" in html and 'href="/mirrors/"' in html  # the layout
    assert "Back in a few minutes" in html
    assert "127.0.0.1" not in html and "5432" not in html


def test_a_log_in_attempt_answers_503(client, database_down):
    answer = client.post("/accounts/login/", {"login": "a@example.org", "password": "x"})
    assert answer.status_code == 503 and answer["Retry-After"] == "30"
    answer = client.post("/admin/login/", {"username": "a", "password": "x"})
    assert answer.status_code == 503 and b"Back in a few minutes" in answer.content


@pytest.fixture
def staff_session(client, django_user_model, transactional_db):
    """A signed-in admin, before the database goes away: the session is in the database."""
    client.force_login(django_user_model.objects.create_superuser("ops", "o@example.org", "pw"))
    return client


@pytest.mark.parametrize("path", ["/admin/", "/admin/mirrors/mirror/", "/my/mirrors/"])
def test_signed_in_pages_and_the_admin_answer_503(staff_session, database_down, path):
    answer = staff_session.get(path)
    assert answer.status_code == 503 and answer["Retry-After"] == "30"
    assert b"Back in a few minutes" in answer.content


def test_the_api_answers_json_503(client, database_down):
    answer = client.get("/api/v1/mirrors/")
    assert answer.status_code == 503 and answer["Retry-After"] == "30"
    assert answer.json() == {"detail": "The database is unavailable; try again shortly."}
