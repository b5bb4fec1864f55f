"""The condition pages: /servers/status/ lists every service with its state's colour, state
type, time since the change and the plugin's output, counts by state and filters; a
server's page shows its services and their history; both in a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.servers import services
from apps.servers.choices import ServerStatus
from apps.servers.models import Server
from apps.servers.services.condition_plugins import PluginResult
from apps.servers.services.condition_states import service_result_record

pytestmark = pytest.mark.django_db


def record(server: Server, name: str, state: str, output: str, when: dt.datetime, **kw):
    service = server.services.get(name=name)
    return service_result_record(
        service=service, result=PluginResult(state, output, **kw), checked_at=when
    )


@pytest.fixture
def world():
    now = timezone.now()
    www = services.server_save(server=Server(hostname="www.example.org", country="GB"),
                               roles=["website"])  # fmt: skip
    ns = services.server_save(server=Server(hostname="ns1.example.org", country="DE"),
                              roles=["dns"])  # fmt: skip
    services.server_save(server=Server(hostname="old.example.org", country="DE",
                                       status=ServerStatus.RETIRED), roles=["dns"])  # fmt: skip
    record(www, "HTTP", "ok", "HTTP OK: HTTP/1.1 200 OK - 5120 bytes in 0.012 second response time",
           now - dt.timedelta(hours=5),
           perfdata=[{"label": "time", "value": 0.012, "uom": "s", "warn": "", "crit": "",
                      "min": 0.0, "max": None}])  # fmt: skip
    for minutes in (30, 20, 10):
        record(ns, "DNS", "critical", "DNS CRITICAL - 0.004 seconds response time (no answer)",
               now - dt.timedelta(minutes=minutes))  # fmt: skip
    record(www, "HTTPS", "warning", "HTTP WARNING: certificate expires in 9 days",
           now - dt.timedelta(minutes=3))  # fmt: skip
    return {"www": www, "ns": ns, "now": now}


def test_the_status_page_shows_states_colours_and_outputs(client, world):
    page = client.get("/servers/status/").content.decode()
    assert 'class="status condition-critical">Critical</span> <span class="state-type"' in page
    assert "DNS CRITICAL - 0.004 seconds response time (no answer)" in page
    assert 'class="status condition-warning">Warning' in page and "Soft 1/3" in page
    assert "HTTP OK: HTTP/1.1 200 OK - 5120 bytes" in page
    assert "for 5\xa0hours" in page  # the HTTP service has been OK since its first check
    assert 'class="status condition-pending">Pending' in page  # Disk and Load: nothing pushed
    assert "old.example.org" not in page
    assert '<a class="card card-critical" href="?state=critical"><strong>1</strong>' in page
    assert '<a class="card card-warning" href="?state=warning"><strong>1</strong>' in page
    # Problems first, as nagios lists them: ns1's critical DNS, www's warning, then the rest.
    critical, warning = page.index("DNS CRITICAL - 0.004"), page.index("certificate expires")
    assert critical < warning < page.index("HTTP OK: HTTP/1.1 200 OK - 5120 bytes")
    assert '<option value="true">Problems only (not OK)</option>' in page
    problems = client.get("/servers/status/", {"problems": "true"}).content.decode()
    assert "DNS CRITICAL" in problems and "HTTP OK" not in problems
    filtered = client.get("/servers/status/", {"state": "critical"}).content.decode()
    assert "ns1.example.org" in filtered and "HTTP OK" not in filtered
    assert "No service matches" in client.get("/servers/status/", {"server": "x"}).content.decode()
    assert client.get("/servers/status/", {"state": "purple"}).status_code == 200


def test_the_server_page_shows_its_services_and_history(client, world):
    page = client.get("/servers/ns1.example.org/").content.decode()
    assert (
        '<h1>ns1.example.org <span class="status condition-critical">Critical</span></h1>' in page
    )
    assert page.count('<rect class="condition-critical soft"') == 2  # attempts 1 and 2
    assert page.count('<rect class="condition-critical"') == 1  # the hard one
    assert "3/3" in page and 'class="hard-change"' in page
    assert client.get("/servers/old.example.org/").status_code == 404
    assert client.get("/servers/nope.example.org/").status_code == 404
    www = client.get("/servers/www.example.org/").content.decode()
    assert "time=0.012s" in www
    listing = client.get("/servers/").content.decode()
    assert 'href="/servers/www.example.org/"' in listing and 'href="/servers/status/"' in listing


def test_the_pages_queries_do_not_grow(client, world, django_assert_max_num_queries):
    for n in range(3):
        server = services.server_save(
            server=Server(hostname=f"mirror{n}.example.org", country="US"),
            roles=["mirror-master", "website"],
        )
        record(server, "HTTP", "ok", "HTTP OK", world["now"])
        with django_assert_max_num_queries(6):
            assert client.get("/servers/status/").status_code == 200
        with django_assert_max_num_queries(9):  # with its bandwidth section
            assert client.get(f"/servers/{server.hostname}/").status_code == 200


def test_the_status_page_folds_each_server_after_the_problems(client, world):
    page = client.get("/servers/status/").content.decode()
    assert page.index('id="problems"') < page.index('id="by-server"')
    problems = page[page.index('id="problems"') : page.index('id="by-server"')]
    assert "DNS CRITICAL" in problems and "HTTP OK" not in problems
    assert '<details class="server-group worst-critical">' in page  # ns1, folded
    assert "1 critical, 2 pending" in page and "1 warning, 1 OK, 2 pending" in page
    one = client.get("/servers/status/", {"server": "www.example.org"}).content.decode()
    assert '<details class="server-group worst-warning" open>' in one
    assert "<strong>4</strong> services on 1 server match these filters." in one
