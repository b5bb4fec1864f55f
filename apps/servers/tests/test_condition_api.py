"""The condition API: a server pushes its readings with its own key (401 without one, 403 with
another server's, 400 with the reasons), they become Disk and Load results in the same
soft/hard states, stale without pushes; the service checks are listed with filters in a
constant number of queries, and the schema documents the push and its errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from apps.servers import services
from apps.servers.models import Server, ServerService
from apps.servers.services.condition_services import services_run_due
from apps.servers.services.push_tokens import push_token_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def hosts(settings):
    settings.SERVER_CHECK_EMAILS = ["infra@example.org"]
    made = {}
    for hostname, roles in (("www.example.org", ["website"]), ("ns1.example.org", ["dns"])):
        server = services.server_save(server=Server(hostname=hostname, country="GB"), roles=roles)
        made[hostname] = (server, push_token_issue(server=server, name="cron")[1])
    return made


def push(client, hostname: str, key: str | None, body: dict):
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    return client.post(
        f"/api/v1/servers/{hostname}/readings/", body, content_type="application/json", **headers
    )


def test_readings_become_disk_and_load_states(client, hosts, django_capture_on_commit_callbacks):
    server, key = hosts["www.example.org"]
    body = {"disks": [{"mount": "/", "free_percent": 55}, {"mount": "/var", "free_percent": 8}],
            "load": [0.5, 0.4, 0.3]}  # fmt: skip
    answer = push(client, "www.example.org", key, body)
    assert answer.status_code == 200, answer.content
    states = {s["name"]: s for s in answer.json()["services"]}
    disk, load = states["Disk"], states["Load"]
    assert (disk["state"], disk["state_type"], disk["attempt"]) == ("critical", "soft", 1)
    assert disk["output"] == "DISK CRITICAL - free space: / 55%; /var 8%"
    assert disk["perfdata"][1] == {"label": "/var", "value": 8.0, "uom": "%", "warn": "20:",
                                   "crit": "10:", "min": 0.0, "max": 100.0}  # fmt: skip
    assert load["state"] == "ok" and load["output"] == "LOAD OK - load average: 0.50, 0.40, 0.30"
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            answer = push(client, "www.example.org", key, {"disks": body["disks"]})
    disk = answer.json()["services"][0]
    assert (disk["state"], disk["state_type"], disk["attempt"]) == ("critical", "hard", 3)
    assert [m.subject for m in mail.outbox] == [
        "[CentOS mirrors] ** PROBLEM Service Alert: www.example.org/Disk is CRITICAL **"
    ]
    server.refresh_from_db()
    assert server.condition == "critical"


def test_bad_readings_are_400s_with_reasons(client, hosts):
    _, key = hosts["www.example.org"]
    cases = {
        "non_field_errors": {},
        "load": {"load": [1, 2]},
        "disks": {"disks": [{"mount": "/", "free_percent": 150}]},
        "at": {"load": [1, 1, 1], "at": (timezone.now() + dt.timedelta(hours=2)).isoformat()},
    }
    for field, body in cases.items():
        answer = push(client, "www.example.org", key, body)
        assert answer.status_code == 400, (field, answer.content)
        assert field in answer.json(), answer.json()
    assert not ServerService.objects.filter(last_check__isnull=False).exists()


def test_keys_are_checked(client, hosts):
    _, www_key = hosts["www.example.org"]
    _, ns_key = hosts["ns1.example.org"]
    body = {"load": [1, 1, 1]}
    assert push(client, "www.example.org", None, body).status_code == 401
    wrong = push(client, "www.example.org", "srv_nope", body)
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"].startswith("Token")
    other = push(client, "www.example.org", ns_key, body)
    assert other.status_code == 403 and "another server" in other.json()["detail"]
    assert push(client, "nope.example.org", www_key, body).status_code == 404
    assert push(client, "www.example.org", www_key, body).status_code == 200


def test_without_readings_disk_and_load_go_stale(hosts, settings):
    settings.MIRROR_CHECK_ALLOW_NETWORKS = []  # the active checks must not probe anything
    later = timezone.now() + dt.timedelta(minutes=settings.SERVER_READINGS_STALE_MINUTES + 1)
    counts = services_run_due(now=later)
    assert counts["stale"] == 4  # Disk and Load of both servers
    disk = ServerService.objects.get(server__hostname="ns1.example.org", name="Disk")
    assert (disk.state, disk.state_type) == ("unknown", "soft")
    assert (
        disk.output
        == f"UNKNOWN - no readings pushed for {settings.SERVER_READINGS_STALE_MINUTES + 1} min"
    )
    # Retried at the retry interval, like an active check.
    assert disk.next_check == later + dt.timedelta(seconds=disk.retry_interval)


def test_services_list_with_filters(client, hosts, django_assert_max_num_queries):
    ServerService.objects.filter(name="DNS").update(state="critical", state_type="hard",
                                                    last_check=timezone.now())  # fmt: skip

    def names(**query):
        data = client.get("/api/v1/server-services/", query).json()["results"]
        return [(s["server"], s["name"]) for s in data]

    assert names(server="ns1.example.org") == [
        ("ns1.example.org", "DNS"), ("ns1.example.org", "Disk"), ("ns1.example.org", "Load")
    ]  # fmt: skip
    assert names(state="critical") == [("ns1.example.org", "DNS")]
    assert names(problems="true", state_type="hard") == [("ns1.example.org", "DNS")]
    assert client.get("/api/v1/server-services/", {"state": "purple"}).status_code == 400
    for extra in range(2):
        services.server_save(server=Server(hostname=f"m{extra}.example.org", country="US"),
                             roles=["mirror-master", "website"])  # fmt: skip
        with django_assert_max_num_queries(3):
            assert client.get("/api/v1/server-services/").status_code == 200


def test_the_schema_documents_the_push_and_its_errors(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    push_op = schema["paths"]["/api/v1/servers/{hostname}/readings/"]["post"]
    assert {"200", "400", "401", "403", "404"} <= set(push_op["responses"])
    assert push_op["security"] == [{"serverPushKey": []}]
    assert "/api/v1/server-services/" in schema["paths"]
