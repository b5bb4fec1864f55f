"""Architectures and repositories through the API: anyone reads, staff write through the
services (400s with the reasons, 409 for an architecture that still has images), and a
change that reaches clients publishes a new snapshot."""

import pytest

from apps.delivery.models import Snapshot
from apps.releases.models import Architecture, Repository

from . import test_api_releases

catalogue, users = test_api_releases.catalogue, test_api_releases.users  # the same fixtures

JSON = "application/json"


@pytest.fixture
def published(eager_rebuilds):
    """Snapshots are built in this process after each commit, as a worker would."""
    return lambda: list(Snapshot.objects.order_by("version"))


WRITES = [
    ("post", "/api/v1/architectures/", {"name": "ppc"}),
    ("patch", "/api/v1/architectures/i386/", {"description": "32-bit"}),
    ("delete", "/api/v1/architectures/i386/", None),
    ("post", "/api/v1/repositories/", {"name": "extras"}),
    ("put", "/api/v1/repositories/os/", {"name": "os", "path_template": "x/{arch}/"}),
    ("delete", "/api/v1/repositories/updates/", None),
]


@pytest.mark.parametrize(("who", "code"), [("anonymous", 401), ("volunteer", 403)])
def test_only_staff_write(client, catalogue, users, who, code):
    if who != "anonymous":
        client.force_login(users[who])
    for method, path, body in WRITES:
        answer = getattr(client, method)(path, body, content_type=JSON)
        assert answer.status_code == code, (method, path)
    assert sorted(Architecture.objects.values_list("name", "description")) == [
        ("i386", ""), ("x86_64", "")
    ]  # fmt: skip
    assert sorted(Repository.objects.values_list("name", "path_template")) == [
        ("os", "{version}/{repo}/{arch}/"), ("updates", "{version}/{repo}/{arch}/")
    ]  # fmt: skip
    assert client.get("/api/v1/architectures/i386/").json() == {"name": "i386",
                                                               "description": ""}  # fmt: skip


def test_staff_add_rename_and_delete(client, catalogue, users):
    client.force_login(users["staff"])
    assert client.post("/api/v1/architectures/", {"name": "ppc"}, content_type=JSON).json() == {
        "name": "ppc", "description": ""
    }  # fmt: skip
    renamed = client.patch("/api/v1/architectures/ppc/", {"name": "ppc64"}, content_type=JSON)
    assert renamed.status_code == 200 and renamed.json()["name"] == "ppc64"
    assert client.delete("/api/v1/architectures/ppc64/").status_code == 204
    body = {"name": "centosplus", "path_template": "{version}/{repo}/{arch}/"}
    created = client.post("/api/v1/repositories/", body, content_type=JSON)
    assert created.status_code == 201
    assert client.delete("/api/v1/repositories/centosplus/").status_code == 204
    assert set(Repository.objects.values_list("name", flat=True)) == {"os", "updates"}


@pytest.mark.parametrize(
    ("path", "body", "field", "reason"),
    [
        ("/api/v1/architectures/", {"name": "x86 64"}, "name", "Enter a valid \"slug\""),
        ("/api/v1/architectures/", {"name": "i386"}, "name", "already exists"),
        ("/api/v1/repositories/", {"name": "extras", "path_template": "{version}/{repository}/"},
         "path_template", "Unknown placeholder {repository}: use {version}, {major}, {repo}, "
         "{arch}."),
        ("/api/v1/repositories/", {"name": "extras", "path_template": "/etc/{repo}/"},
         "path_template", "A path inside the tree"),
        ("/api/v1/repositories/", {"name": "extras", "path_template": "../{repo}/"},
         "path_template", "no '..'"),
        ("/api/v1/repositories/", {"name": "extras", "path_template": "{version/{repo}/"},
         "path_template", "Not a template"),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_with_the_reason(client, catalogue, users, path, body, field, reason):
    client.force_login(users["staff"])
    answer = client.post(path, body, content_type=JSON)
    assert answer.status_code == 400
    assert reason in " ".join(answer.json()[field]), answer.json()
    assert not Repository.objects.filter(name="extras").exists()
    assert Architecture.objects.count() == 2


def test_an_architecture_with_images_is_not_deleted(client, catalogue, users):
    client.force_login(users["staff"])
    answer = client.delete("/api/v1/architectures/x86_64/")
    assert answer.status_code == 409
    assert answer.json()["detail"] == ("x86_64 still has 3 ISO images: delete or move them "
                                       "first.")  # fmt: skip
    assert Architecture.objects.filter(name="x86_64").exists()


@pytest.mark.django_db(transaction=True)
def test_a_change_clients_see_publishes_a_snapshot_and_a_description_does_not(
    client,
    catalogue,
    users,
    published,
):
    client.force_login(users["staff"])
    client.patch("/api/v1/repositories/os/", {"path_template": "centos/{version}/{repo}/{arch}/"},
                 content_type=JSON)  # fmt: skip
    [first] = published()
    assert first.reason == "repository os edited by ops (path_template)"
    client.patch("/api/v1/repositories/os/", {"description": "the base"}, content_type=JSON)
    client.patch("/api/v1/architectures/i386/", {"description": "32-bit"}, content_type=JSON)
    assert published() == [first]
    client.patch("/api/v1/architectures/i386/", {"name": "i686"}, content_type=JSON)
    assert [s.reason for s in published()][1:] == ["architecture i686 edited by ops (name)"]
