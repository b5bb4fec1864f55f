"""The releases API: public reads with filters and bounded queries; staff writes through
the services, with 400s naming the field, 401 without credentials and 403 for others."""

import pytest
from django.contrib.auth import get_user_model

from apps.releases.choices import ReleaseStatus
from apps.releases.models import Image, Release

from .factories import (
    ArchitectureFactory,
    ImageFactory,
    ReleaseFactory,
    RepositoryFactory,
    RepositoryVersionFactory,
)

SHA = "a" * 64


@pytest.fixture
def catalogue(db):
    arch, other = ArchitectureFactory(name="x86_64"), ArchitectureFactory(name="i386")
    os_repo, updates = RepositoryFactory(name="os"), RepositoryFactory(name="updates")
    r50 = ReleaseFactory(version="5.0", major=5, minor=0)
    r51 = ReleaseFactory(version="5.1", major=5, minor=1)
    r44 = ReleaseFactory(version="4.4", major=4, minor=4, status=ReleaseStatus.END_OF_LIFE)
    for release in (r50, r51, r44):
        release.architectures.set([arch, other])
        release.repositories.set([os_repo, updates])
        ImageFactory(release=release, architecture=arch, name=f"CentOS-{release}-x86_64.iso")
        RepositoryVersionFactory(release=release, repository=os_repo, architecture=arch)
    return {"5.0": r50, "5.1": r51, "4.4": r44}


def _grow(n: int) -> None:
    for i in range(n):
        release = ReleaseFactory(version=f"3.{i}", major=3, minor=i)
        release.architectures.set([ArchitectureFactory(name="x86_64")])
        release.repositories.set([RepositoryFactory(name="os")])
        ImageFactory(release=release, architecture=ArchitectureFactory(name="x86_64"))
        RepositoryVersionFactory(release=release)


@pytest.fixture
def users(db):
    model = get_user_model().objects
    return {
        "staff": model.create_user("ops", password="pw", is_staff=True),
        "volunteer": model.create_user("vol", password="pw"),
    }


LISTS = ["releases", "architectures", "repositories", "repository-versions", "images"]


@pytest.mark.parametrize("name", LISTS)
def test_lists_make_the_same_few_queries_at_a_few_and_at_many_rows(
    client, catalogue, name, django_assert_max_num_queries
):
    for rows in (0, 25):
        _grow(rows)
        with django_assert_max_num_queries(4):
            response = client.get(f"/api/v1/{name}/")
        assert response.status_code == 200
        assert response.json()["count"] >= 2


def test_release_filters_and_ordering(client, catalogue):
    data = client.get("/api/v1/releases/", {"status": "eol"}).json()
    assert [r["version"] for r in data["results"]] == ["4.4"]
    data = client.get("/api/v1/releases/", {"ordering": "minor", "major": 5}).json()
    assert [r["version"] for r in data["results"]] == ["5.0", "5.1"]
    first = client.get("/api/v1/releases/5.1/").json()
    assert first["architectures"] == ["i386", "x86_64"] and first["repositories"] == [
        "os", "updates"
    ]  # fmt: skip
    bad = client.get("/api/v1/releases/", {"status": "gone"})
    assert bad.status_code == 400 and "status" in bad.json()


def test_release_5_means_its_newest_release(client, catalogue):
    images = client.get("/api/v1/images/", {"release": "5"}).json()["results"]
    assert [i["release"] for i in images] == ["5.1"]
    versions = client.get(
        "/api/v1/repository-versions/", {"release": "5", "repository": "os", "arch": "x86_64"}
    ).json()["results"]
    assert [v["release"] for v in versions] == ["5.1"]
    assert client.get("/api/v1/images/", {"release": "9"}).status_code == 400
    assert client.get("/api/v1/images/", {"arch": "sparc"}).status_code == 400
    arches = client.get("/api/v1/architectures/", {"release": "4"}).json()["results"]
    assert [a["name"] for a in arches] == ["i386", "x86_64"]


def test_image_fields_and_nullable_size(client, catalogue):
    image = Image.objects.filter(release__version="5.0").first()
    image.size = None
    image.save()
    data = client.get(f"/api/v1/images/{image.pk}/").json()
    assert data["size"] is None and data["path"] == "5.0/isos/x86_64/" + image.name
    assert data["checksum_problems"] == []


RELEASE = {"version": "5.2", "major": 5, "minor": 2, "status": "beta",
           "architectures": ["x86_64"], "repositories": ["os"]}  # fmt: skip


def test_writes_need_staff(client, catalogue, users):
    assert (
        client.post("/api/v1/releases/", RELEASE, content_type="application/json").status_code
        == 401
    )
    client.force_login(users["volunteer"])
    for method, path in (("post", "/api/v1/releases/"), ("patch", "/api/v1/releases/5.0/"),
                         ("delete", "/api/v1/images/1/"),
                         ("post", "/api/v1/releases/5.0/end-of-life/")):  # fmt: skip
        answer = getattr(client, method)(path, RELEASE, content_type="application/json")
        assert answer.status_code == 403, (method, path)
    assert Release.objects.filter(version="5.2").count() == 0


def test_staff_create_edit_and_delete_a_release(client, catalogue, users):
    client.force_login(users["staff"])
    created = client.post("/api/v1/releases/", RELEASE, content_type="application/json")
    assert created.status_code == 201, created.content
    release = Release.objects.get(version="5.2")
    assert [a.name for a in release.architectures.all()] == ["x86_64"]
    edited = client.patch(
        "/api/v1/releases/5.2/", {"status": "current", "repositories": ["os", "updates"]},
        content_type="application/json",
    )  # fmt: skip
    assert edited.status_code == 200 and edited.json()["repositories"] == ["os", "updates"]
    assert client.delete("/api/v1/releases/5.2/").status_code == 204
    assert not Release.objects.filter(version="5.2").exists()


def test_validation_errors_name_each_field(client, catalogue, users):
    client.force_login(users["staff"])
    bad = client.post(
        "/api/v1/releases/",
        {"version": "5.0", "major": "five", "architectures": ["vax"]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert {"version", "major", "architectures"} <= set(bad.json())
    image = {"release": "5.0", "architecture": "x86_64", "name": "new.iso",
             "expected_sha256": "not-a-hash"}  # fmt: skip
    bad = client.post("/api/v1/images/", image, content_type="application/json")
    assert bad.status_code == 400 and "expected_sha256" in bad.json()


def test_staff_image_writes_keep_the_masters_size(client, catalogue, users):
    client.force_login(users["staff"])
    body = {"release": "5.0", "architecture": "x86_64", "name": "new.iso", "kind": "dvd",
            "expected_size": 10, "expected_sha256": SHA, "size": 999}  # fmt: skip
    created = client.post("/api/v1/images/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["size"] is None and created.json()["expected_size"] == 10
    again = client.post("/api/v1/images/", body, content_type="application/json")
    assert again.status_code == 400  # the same name twice in one release and architecture
    image = Image.objects.get(name="new.iso")
    Image.objects.filter(pk=image.pk).update(size=20)
    edited = client.patch(f"/api/v1/images/{image.pk}/", {"size": 5},
                          content_type="application/json")  # fmt: skip
    assert edited.status_code == 200 and edited.json()["size"] == 20
    assert edited.json()["checksum_problems"] == ["typed size 10 differs from the master's 20"]
