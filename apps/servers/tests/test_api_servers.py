"""The servers API: public like /servers/ (the same servers and columns), staff also see the
private fields and the retired servers and write through the services."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.servers.choices import ServerStatus
from apps.servers.models import Server, ServerTraffic

from .factories import ServerFactory

PUBLIC = {"hostname", "roles", "sponsor", "country", "city", "status", "health",
          "bandwidth_mbps", "bytes_out_total", "recent_traffic"}  # fmt: skip
PRIVATE = {"ipv4", "ipv6", "datacentre", "admins", "notes"}


@pytest.fixture
def servers(db):
    web = ServerFactory(hostname="www.example.org", roles=["website", "dns"], country="GB",
                        notes="root password in the safe", datacentre="Rack 4")  # fmt: skip
    ServerFactory(hostname="mirror.example.org", roles=["mirror-master"], country="US")
    ServerFactory(hostname="old.example.org", status=ServerStatus.RETIRED, sponsor=None)
    ServerTraffic.objects.create(server=web, day=timezone.now().date(), bytes_out=5000)
    ServerTraffic.objects.create(
        server=web, day=timezone.now().date() - dt.timedelta(days=90), bytes_out=1000
    )
    return web


@pytest.fixture
def users(db):
    model = get_user_model().objects
    return {
        "staff": model.create_user("ops", password="pw", is_staff=True),
        "volunteer": model.create_user("vol", password="pw"),
    }


def test_anyone_sees_what_the_servers_page_shows(client, servers):
    page = client.get("/servers/").content.decode()
    data = client.get("/api/v1/servers/").json()
    hosts = [s["hostname"] for s in data["results"]]
    assert hosts == ["mirror.example.org", "www.example.org"]
    assert all(h in page for h in hosts) and "old.example.org" not in page
    www = data["results"][1]
    assert set(www) == PUBLIC
    assert www["roles"] == ["dns", "website"] and www["bytes_out_total"] == 6000
    assert [t["bytes_out"] for t in www["recent_traffic"]] == [5000]
    assert "Rack 4" not in str(data) and "safe" not in str(data)
    assert client.get("/api/v1/servers/old.example.org/").status_code == 404


def test_staff_see_the_private_fields_and_the_retired(client, servers, users):
    client.force_login(users["staff"])
    data = client.get("/api/v1/servers/").json()["results"]
    assert len(data) == 3
    www = next(s for s in data if s["hostname"] == "www.example.org")
    assert set(www) >= PUBLIC | PRIVATE and www["notes"] == "root password in the safe"
    old = next(s for s in data if s["hostname"] == "old.example.org")
    assert old["sponsor"] is None and old["bytes_out_total"] is None


def test_filters(client, servers):
    def hosts(**query):
        return [s["hostname"] for s in client.get("/api/v1/servers/", query).json()["results"]]

    assert hosts(role="dns") == ["www.example.org"]
    assert hosts(continent="NA") == ["mirror.example.org"]
    assert hosts(country="GB") == ["www.example.org"]
    assert hosts(sponsor=servers.sponsor.slug) == ["www.example.org"]
    assert hosts(ordering="-hostname") == ["www.example.org", "mirror.example.org"]
    assert hosts(updated_since="2999-01-01T00:00:00Z") == []
    for bad in ({"role": "coffee"}, {"sponsor": "nobody"}, {"continent": "XX"}):
        response = client.get("/api/v1/servers/", bad)
        assert response.status_code == 400 and set(bad) <= set(response.json())


@pytest.mark.parametrize("as_staff", [False, True])
def test_list_queries_do_not_grow_with_servers(
    client, servers, users, as_staff, django_assert_max_num_queries
):
    if as_staff:
        client.force_login(users["staff"])
    for extra in (0, 30):
        for _ in range(extra):
            ServerFactory(roles=["dns", "wiki"])
        with django_assert_max_num_queries(7):
            assert client.get("/api/v1/servers/").status_code == 200


def test_roles_with_their_servers(client, servers, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        data = client.get("/api/v1/server-roles/").json()["results"]
    assert {r["name"]: r["servers"] for r in data} == {
        "dns": 1, "mirror-master": 1, "website": 1
    }  # fmt: skip
    assert data[0]["label"] == "DNS"


NEW = {"hostname": "wiki.example.org", "roles": ["wiki"], "country": "DE",
       "ipv4": "192.0.2.77", "notes": "new"}  # fmt: skip


def test_writes_need_staff(client, servers, users):
    assert client.post("/api/v1/servers/", NEW, content_type="application/json").status_code == 401
    client.force_login(users["volunteer"])
    assert client.post("/api/v1/servers/", NEW, content_type="application/json").status_code == 403
    answer = client.delete("/api/v1/servers/www.example.org/")
    assert answer.status_code == 403 and Server.objects.filter(pk=servers.pk).exists()


def test_staff_create_edit_and_delete_a_server(client, servers, users):
    client.force_login(users["staff"])
    created = client.post(
        "/api/v1/servers/", {**NEW, "sponsor": servers.sponsor.slug, "admins": ["vol"]},
        content_type="application/json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    wiki = Server.objects.get(hostname="wiki.example.org")
    assert [r.name for r in wiki.roles.all()] == ["wiki"] and wiki.admins.get().username == "vol"
    edited = client.patch("/api/v1/servers/wiki.example.org/", {"status": "maintenance"},
                          content_type="application/json")  # fmt: skip
    assert edited.status_code == 200 and edited.json()["roles"] == ["wiki"]
    assert client.delete("/api/v1/servers/wiki.example.org/").status_code == 204
    assert not Server.objects.filter(hostname="wiki.example.org").exists()


def test_validation_errors_name_each_field(client, servers, users):
    client.force_login(users["staff"])
    bad = client.post(
        "/api/v1/servers/",
        {"hostname": "www.example.org", "ipv4": "999.1.1.1", "roles": ["coffee"],
         "country": "ZZ", "sponsor": "nobody"},
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 400
    assert {"hostname", "ipv4", "roles", "country", "sponsor"} <= set(bad.json())


def test_the_api_keeps_health_as_the_name_of_a_servers_condition(client, servers):
    """Server.condition was Server.health: clients still read, filter and order by `health`,
    and the servers page filters by `condition`."""
    Server.objects.filter(hostname="mirror.example.org").update(condition="critical")
    data = client.get("/api/v1/servers/?health=critical").json()["results"]
    assert [(s["hostname"], s["health"]) for s in data] == [("mirror.example.org", "critical")]
    ordered = client.get("/api/v1/servers/?ordering=health").json()["results"]
    assert [s["health"] for s in ordered] == ["critical", "unknown"]
    page = client.get("/servers/?condition=critical").content.decode()
    assert "mirror.example.org" in page and "www.example.org" not in page
