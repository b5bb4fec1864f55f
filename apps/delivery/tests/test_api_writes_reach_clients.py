"""Staff writes through the API reach what clients get: the releases services send
releases_changed after commit, a rebuild publishes a new snapshot, and the lean front,
polling as every worker does, answers differently."""

import pytest
from django.contrib.auth import get_user_model

from apps.delivery.models import Snapshot
from apps.delivery.store import SnapshotStore

from .fixtures import call, new_front

MIRRORLIST = ("/mirrorlist", "release=5.0&arch=x86_64&repo=os&cc=GB")
DVD = "/isoredirect/5.0/isos/x86_64/CentOS-5.0-x86_64-bin-DVD.iso"


@pytest.fixture
def front_and_store(published, eager_rebuilds):
    store = SnapshotStore(poll_seconds=0)
    store.poll_once()
    return new_front(store), store


@pytest.fixture
def staff_client(client, db):
    staff = get_user_model().objects.create_user("ops", password="pw", is_staff=True)
    client.force_login(staff)
    return client


def _newest() -> int:
    return Snapshot.objects.newest().values_list("version", flat=True).first()


def test_a_release_marked_end_of_life_sends_clients_to_the_vault(
    front_and_store, staff_client, django_capture_on_commit_callbacks
):
    front, store = front_and_store
    before_version = _newest()
    before = call(front, *MIRRORLIST)
    assert before.status == 200 and "gb1.example.org" in before.text
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post("/api/v1/releases/5.0/end-of-life/")
    assert response.status_code == 200 and response.json()["status"] == "eol"
    assert _newest() > before_version
    store.poll_once()
    after = call(front, *MIRRORLIST)
    assert after.header("X-Snapshot-Version") == str(_newest())
    assert "gb1.example.org" not in after.text and "vault.example.org" in after.text


def test_an_image_deleted_through_the_api_is_no_longer_redirected_to(
    front_and_store, staff_client, network_mirrors, django_capture_on_commit_callbacks
):
    front, store = front_and_store
    assert call(front, DVD, "cc=GB").status == 302
    dvd = network_mirrors.images["dvd"]
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.delete(f"/api/v1/images/{dvd.pk}/").status_code == 204
    store.poll_once()
    assert call(front, DVD, "cc=GB").status == 404
