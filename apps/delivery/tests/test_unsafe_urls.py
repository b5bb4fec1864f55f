"""A mirror URL with a line break in it never reaches a client: the admin refuses it, and a
bad row already in the database is left out of every answer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore
from apps.mirrors.models import MirrorURL

from .fixtures import call, new_front

EVIL = "\r\nhttp://attacker.test/evil/"
DVD = "CentOS-5.0-x86_64-bin-DVD.iso"


@pytest.fixture
def poisoned_front(network_mirrors):
    """gb1's URL forced to carry a CR/LF and a second URL, as a row saved before the fix."""
    MirrorURL.objects.filter(mirror__name="gb1.example.org").update(
        url="http://gb1.example.org/centos/" + EVIL
    )
    MirrorURL.objects.filter(mirror__name="gb2.example.org").update(
        url="http://gb2.example.org/cen\x1btos/"  # PostgreSQL cannot store a NUL
    )
    row = snapshot_publish(reason="test")
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(row.blob), write_cache=False)
    return new_front(store)


def _clean(text: str) -> None:
    assert "attacker" not in text
    assert "\r" not in text and "\x1b" not in text
    assert "gb1.example.org" not in text and "gb2.example.org" not in text


def test_mirrorlist_has_no_injected_line(poisoned_front):
    for query in ("repo=os-5&arch=x86_64&cc=GB", "repo=os-5&arch=x86_64&cc=GB&debug=1"):
        answer = call(poisoned_front, "/mirrorlist", query)
        assert answer.status == 200
        _clean(answer.text)
        urls = [line for line in answer.text.splitlines() if not line.startswith("#")]
        assert urls and all(
            u.startswith(("http://", "https://")) and u.endswith("/os/x86_64/") for u in urls
        )


def test_metalink_and_redirects_carry_no_bad_url(poisoned_front):
    answer = call(poisoned_front, "/metalink", "repo=updates-5&arch=x86_64&cc=GB")
    assert answer.status == 200
    _clean(answer.text)
    for _ in range(20):  # the draw is weighted: ask often enough to meet gb1 and gb2
        answer = call(poisoned_front, f"/isoredirect/5.0/isos/x86_64/{DVD}", "cc=GB")
        assert answer.status == 302
        for _name, value in answer.headers:
            _clean(value)
        folder = call(
            poisoned_front,
            "/isoredirect/5.0/isos/x86_64/",
            "cc=GB",
            headers={"User-Agent": "curl/8.0"},
        )
        assert folder.status == 302
        _clean(folder.header("Location"))
    for suffix in (".metalink", ".meta4"):
        answer = call(poisoned_front, f"/isoredirect/5.0/isos/x86_64/{DVD}{suffix}", "cc=GB")
        _clean(answer.text)


def test_a_snapshot_already_holding_a_bad_url_is_cleaned_at_load(network_mirrors):
    """A blob published before the builder dropped such rows (or by another version)."""
    import orjson

    from apps.delivery.selectors import snapshot_data_collect

    data = snapshot_data_collect()
    for mirror in data["mirrors"]:
        if mirror["name"] == "gb1.example.org":
            mirror["urls"]["http"][0] = "http://gb1.example.org/centos/" + EVIL
    data.update(version=99, built_at=1.0)
    store = SnapshotStore(poll_seconds=0)
    store.install(orjson.dumps(data), write_cache=False)
    answer = call(new_front(store), "/mirrorlist", "repo=os-5&arch=x86_64&cc=GB")
    assert answer.status == 200
    assert "attacker" not in answer.text and "gb1.example.org" not in answer.text


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "pw-for-tests")
    client.force_login(user)
    return client


def test_the_admin_refuses_a_url_with_a_line_break(staff_client, network_mirrors):
    url = MirrorURL.objects.get(mirror__name="gb1.example.org")
    page = reverse("admin:mirrors_mirrorurl_change", args=[url.pk])
    form = {"mirror": url.mirror_id, "protocol": "http", "ipv4": "on"}
    response = staff_client.post(page, {**form, "url": "http://gb1.example.org/centos/" + EVIL})
    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert "control characters" in " ".join(errors["url"])
    url.refresh_from_db()
    assert url.url == "http://gb1.example.org/centos/"
    # A good URL is saved in its normal form.
    response = staff_client.post(page, {**form, "url": "http://GB1.example.org/CentOS"})
    assert response.status_code == 302
    url.refresh_from_db()
    assert url.url == "http://gb1.example.org/CentOS/"


def test_the_snapshot_builder_leaves_such_rows_out(network_mirrors):
    from apps.delivery.selectors import snapshot_data_collect

    MirrorURL.objects.filter(mirror__name="gb1.example.org").update(
        url="http://gb1.example.org/centos/" + EVIL
    )
    data = snapshot_data_collect()
    gb1 = next(m for m in data["mirrors"] if m["name"] == "gb1.example.org")
    assert gb1["urls"] == {}
    fr1 = next(m for m in data["mirrors"] if m["name"] == "fr1.example.org")
    assert fr1["urls"]["http"][0] == "http://fr1.example.org/centos/"


def test_a_bad_master_url_is_never_the_last_resort(network_mirrors):
    MirrorURL.objects.filter(mirror__name="master.example.org").update(
        url="http://master.example.org/centos/" + EVIL
    )
    row = snapshot_publish(reason="test")
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(row.blob), write_cache=False)
    # Only de1 has https: the list would end with the master, the answer of last resort.
    answer = call(new_front(store), "/mirrorlist", "repo=os-5&arch=x86_64&protocol=https")
    assert answer.status == 200
    assert answer.text.splitlines()[0].startswith("https://de1.example.org/")
    assert "attacker" not in answer.text and "master.example.org" not in answer.text
