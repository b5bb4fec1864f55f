"""The sponsors API: what each sponsor gives, as the list page shows it; staff writes
through the services (the logo through sponsor_logo_set, checked and re-encoded)."""

import pytest
from django.contrib.auth import get_user_model
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from apps.mirrors.tests.factories import MirrorFactory
from apps.servers.choices import ServerStatus
from apps.servers.tests.factories import ServerFactory
from apps.sponsors.models import Sponsor

from .factories import SponsorFactory, png_bytes


@pytest.fixture
def sponsors(db):
    uni = SponsorFactory(name="University of Kent", country="GB")
    host = SponsorFactory(name="Hosting Inc", kind="hosting", country="US")
    SponsorFactory(name="Former Ltd", active=False)
    ServerFactory(sponsor=uni)
    ServerFactory(sponsor=uni)
    ServerFactory(sponsor=uni, status=ServerStatus.RETIRED)
    MirrorFactory(sponsor=host)
    return {"uni": uni, "host": host}


@pytest.fixture
def users(db):
    model = get_user_model().objects
    return {
        "staff": model.create_user("ops", password="pw", is_staff=True),
        "volunteer": model.create_user("vol", password="pw"),
    }


def _names(client, **query):
    return [s["name"] for s in client.get("/api/v1/sponsors/", query).json()["results"]]


def test_sponsors_with_what_they_give(client, sponsors):
    data = {s["name"]: s for s in client.get("/api/v1/sponsors/").json()["results"]}
    assert set(data) == {"University of Kent", "Hosting Inc"}  # current ones by default
    assert (data["University of Kent"]["servers"], data["University of Kent"]["mirrors"]) == (2, 0)
    assert data["Hosting Inc"]["mirrors"] == 1
    assert data["Hosting Inc"]["logo_url"] is None
    assert "<strong>bandwidth</strong>" in data["Hosting Inc"]["description_html"]
    assert _names(client, active="all", ordering="-servers")[0] == "University of Kent"
    assert _names(client, continent="NA") == ["Hosting Inc"]
    assert _names(client, kind="hosting") == ["Hosting Inc"]
    assert client.get("/api/v1/sponsors/former-ltd/").status_code == 200
    assert client.get("/api/v1/sponsors/", {"kind": "bank"}).status_code == 400


def test_list_queries_do_not_grow(client, sponsors, django_assert_max_num_queries):
    for extra in (0, 30):
        for _ in range(extra):
            ServerFactory(sponsor=SponsorFactory())
        with django_assert_max_num_queries(2):
            assert client.get("/api/v1/sponsors/").status_code == 200


def test_writes_need_staff(client, sponsors, users):
    body = {"name": "New", "slug": "new", "kind": "company"}
    assert (
        client.post("/api/v1/sponsors/", body, content_type="application/json").status_code == 401
    )
    client.force_login(users["volunteer"])
    assert (
        client.post("/api/v1/sponsors/", body, content_type="application/json").status_code == 403
    )
    assert client.delete("/api/v1/sponsors/hosting-inc/").status_code == 403


def test_staff_create_with_a_logo_edit_and_delete(client, sponsors, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(users["staff"])
    logo = SimpleUploadedFile("evil.php", png_bytes(), content_type="image/png")
    created = client.post("/api/v1/sponsors/", {"name": "New Co", "slug": "new-co",
                                                "kind": "company", "logo": logo})  # fmt: skip
    assert created.status_code == 201, created.content
    sponsor = Sponsor.objects.get(slug="new-co")
    assert sponsor.logo.name.endswith(".png") and "evil" not in sponsor.logo.name
    assert created.json()["logo_url"].endswith(".png")
    edited = client.patch("/api/v1/sponsors/new-co/", {"website": "https://new.example.org/"},
                          content_type="application/json")  # fmt: skip
    assert edited.status_code == 200 and edited.json()["website"] == "https://new.example.org/"
    bad_logo = SimpleUploadedFile("logo.png", b"<?php echo 1; ?>", content_type="image/png")
    bad = client.patch("/api/v1/sponsors/new-co/", encode_multipart(BOUNDARY, {"logo": bad_logo}),
                       content_type=MULTIPART_CONTENT)  # fmt: skip
    assert bad.status_code == 400 and "logo" in bad.json()
    assert client.delete("/api/v1/sponsors/new-co/").status_code == 204


def test_validation_and_a_sponsor_that_still_gives_servers(client, sponsors, users):
    client.force_login(users["staff"])
    bad = client.post(
        "/api/v1/sponsors/",
        {"name": "University of Kent", "kind": "bank", "website": "nope"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and {"name", "slug", "kind", "website"} <= set(bad.json())
    conflict = client.delete("/api/v1/sponsors/university-of-kent/")
    assert conflict.status_code == 409 and "server" in conflict.json()["detail"]
