"""Mirrors choose the kinds of repository they carry (base, updates, fasttrack, extras,
additional, third party), through the edit form and the API; the snapshot then lists a
mirror only for repositories of those kinds, and the mirrorlist a client reads follows."""

import re

import pytest
from django.urls import reverse

from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore
from apps.mirrors import tasks
from apps.mirrors.forms import MirrorForm
from apps.mirrors.models import Mirror
from apps.releases.choices import RepositoryKind

from .fixtures import call, new_front

GB1 = "127.0.0.251"  # gb1.example.org's address
OS, UPDATES = (
    "release=5.0&arch=x86_64&repo=os&cc=GB",
    "release=5.0&arch=x86_64&repo=updates&cc=GB",
)


@pytest.fixture
def world(network_mirrors, django_user_model, monkeypatch, eager_rebuilds):
    """The built release with `updates` of kind updates, gb1 owned by a volunteer, and a
    front that polls the snapshots every write publishes. No mirror listens at gb1's
    address, so the first check an edit queues is not run (it would find it down)."""
    monkeypatch.setattr(tasks.mirror_check_first_task, "apply_async", lambda *a, **kw: None)
    updates = network_mirrors.repos["updates"]
    updates.kind = RepositoryKind.UPDATES
    updates.save()
    owner = django_user_model.objects.create_user("vol", "vol@example.org", "pw-vol-12345")
    gb1 = network_mirrors.mirrors["gb1.example.org"]
    gb1.owner = owner
    gb1.save()
    gb1.urls.update(url=f"http://{GB1}/centos/")  # the forms resolve the host: an address
    store = SnapshotStore(poll_seconds=0)
    return gb1, owner, store


def listed(store, query) -> list[str]:
    store.poll_once()
    answer = call(new_front(store), "/mirrorlist", query)
    assert answer.status == 200
    return [line.split("/")[2] for line in answer.text.splitlines() if line[:1] != "#"]


def test_an_existing_mirror_carries_every_kind(world, django_capture_on_commit_callbacks):
    gb1, _owner, store = world
    assert Mirror.objects.get(pk=gb1.pk).repository_kinds == list(RepositoryKind.values)
    snapshot_publish(reason="test")
    assert GB1 in listed(store, OS)
    assert GB1 in listed(store, UPDATES)


def test_a_mirror_carrying_base_only_leaves_the_updates_answers(
    world, client, django_capture_on_commit_callbacks
):
    gb1, owner, store = world
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            f"/api/v1/mirrors/{gb1.pk}/", {"repository_kinds": ["base"]},
            content_type="application/json",
        )  # fmt: skip
    assert response.status_code == 200, response.content
    assert client.get(f"/api/v1/mirrors/{gb1.pk}/").json()["repository_kinds"] == ["base"]
    assert GB1 in listed(store, OS)
    assert GB1 not in listed(store, UPDATES)
    assert "gb2.example.org" in listed(store, UPDATES)  # the others still are


def test_an_unknown_kind_is_refused_and_nothing_changes(world, client):
    gb1, owner, _store = world
    client.force_login(owner)
    response = client.patch(
        f"/api/v1/mirrors/{gb1.pk}/", {"repository_kinds": ["base", "debuginfo"]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "repository_kinds" in response.json()
    assert "debuginfo" in str(response.json()["repository_kinds"])
    assert Mirror.objects.get(pk=gb1.pk).repository_kinds == list(RepositoryKind.values)


def _form_data(mirror: Mirror, **changes) -> dict:
    data = {}
    for name, value in MirrorForm.initial_for(mirror).items():
        if isinstance(value, list):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    data["upstream"] = Mirror.objects.get(name="internal1.example.org").pk  # picked by hand
    data.update(changes)
    return data


def test_the_edit_form_shows_the_kinds_and_its_ticks_reach_the_answers(
    world, client, django_capture_on_commit_callbacks
):
    gb1, owner, store = world
    client.force_login(owner)
    edit = reverse("mirrors:edit", args=[gb1.pk])
    page = client.get(edit).content.decode()
    assert "Kinds of repository" in page
    assert 'name="repository_kinds" value="fasttrack"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit, _form_data(gb1, repository_kinds=["updates", "extras"]))
    assert response.status_code == 302, response.context["form"].errors
    assert Mirror.objects.get(pk=gb1.pk).repository_kinds == ["updates", "extras"]
    assert GB1 not in listed(store, OS)
    assert GB1 in listed(store, UPDATES)
    ticked = re.findall(
        r'name="repository_kinds" value="([a-z-]+)"[^>]* checked', client.get(edit).content.decode()
    )
    assert ticked == ["updates", "extras"]

    # None ticked: every kind again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit, _form_data(gb1, repository_kinds=[]))
    assert Mirror.objects.get(pk=gb1.pk).repository_kinds == list(RepositoryKind.values)
    assert GB1 in listed(store, OS)
