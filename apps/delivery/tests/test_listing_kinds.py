"""Why a mirror is or is not listed names the kinds of repository it carries, when its
people left some out: on the mirror's page and in GET /api/v1/delivery/listing/<id>/, read
from the snapshot the mirrorlist is drawn from (so the page and the answers agree)."""

from apps.releases.choices import RepositoryKind

from .fixtures import call, new_front
from .test_mirror_page import page_of, rows, serving, staff_client  # noqa: F401  (fixtures)

OS, UPDATES = "5.0/os/x86_64", "5.0/updates/x86_64"


def test_the_kinds_a_mirror_carries_explain_its_listing(network_mirrors, serving, staff_client):  # noqa: F811
    updates = network_mirrors.repos["updates"]
    updates.kind = RepositoryKind.UPDATES
    updates.save()
    gb1 = network_mirrors.mirrors["gb1.example.org"]
    gb1.repository_kinds = ["base", "extras"]
    gb1.save()
    row = serving()

    not_carried = (
        "Repository updates is of kind Updates; this mirror carries only Base (os) and "
        "Extras (the kinds of repository its people chose), so it is not listed for it."
    )
    carried = "Listed: of the kinds of repository it carries (Base (os) and Extras)."
    assert rows(page_of(staff_client, gb1))[UPDATES] == (False, not_carried)
    assert rows(page_of(staff_client, gb1))[OS] == (True, carried)
    body = staff_client.get(f"/api/v1/delivery/listing/{gb1.pk}/").json()
    api_rows = {r["key"]: (r["listed"], r["why"]) for r in body["rows"]}
    assert api_rows[UPDATES] == (False, not_carried) and api_rows[OS] == (True, carried)
    # The answers agree: gb1 is in the os list and not in the updates one.
    from apps.delivery.store import SnapshotStore

    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(row.blob), write_cache=False)
    front = new_front(store)
    assert (
        "gb1.example.org" in call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os&cc=GB").text
    )
    assert (
        "gb1.example.org"
        not in call(front, "/mirrorlist", "release=5&arch=x86_64&repo=updates&cc=GB").text
    )
    # A mirror that carries every kind says nothing about kinds.
    gb2 = network_mirrors.mirrors["gb2.example.org"]
    assert rows(page_of(staff_client, gb2))[OS] == (True, "")
    assert "kind" not in rows(page_of(staff_client, gb2))[UPDATES][1]
