"""A mirror whose host name has an IPv4 and an IPv6 address is checked over each family
apart, and listed to the clients of a family only while that side is up and current: the
farm serves one host name on 127.0.0.x (current) and on ::1 (a version behind, then
refusing), a real sweep checks it, and the mirrorlist answers an IPv4 and an IPv6 client."""

import pytest
from django.urls import reverse

from apps.core.testing.mirrorfarm import Behaviour
from apps.delivery import runtime
from apps.delivery.store import SnapshotStore
from apps.mirrors.models import Check, MirrorURLState
from apps.mirrors.services import health_round, sweep_run

from .factories import MirrorFactory, MirrorURLFactory
from .fixtures import call, new_front


@pytest.fixture
def pages_follow(settings, tmp_path):
    """The views of this process serve the newest published snapshot at each request."""
    settings.DELIVERY_POLL_SECONDS = 0
    settings.DELIVERY_SNAPSHOT_CACHE = str(tmp_path / "snapshot.json")
    runtime.reset()
    yield
    runtime.reset()


QUERY = "release=5.0&arch=x86_64&repo=os&cc=GB"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_dual_stack_mirror_is_listed_per_family(
    farm_mirrors,
    mirror_farm,
    settings,
    client,
    pages_follow,
):
    settings.MIRROR_CHECK_RESOLVER = mirror_farm.resolve
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8", "::1/128"]
    mirror_farm.add_mirror("dual4", Behaviour.CURRENT)
    mirror_farm.add_mirror("dual6", Behaviour.BEHIND, address="::1", versions_behind=1)
    host = mirror_farm.dual("dual4", "dual6")
    mirror = MirrorFactory(name=host, status="unknown", country="GB")
    url = MirrorURLFactory(mirror=mirror, url=mirror_farm["dual4"].named_url, ipv6=True)
    listed = url.url + "5.0/os/x86_64/"

    def lists(ip: str) -> list[str]:
        store = SnapshotStore(poll_seconds=0)
        store.poll_once()
        runtime.store().poll_once()  # the pages' too
        return call(new_front(store), "/mirrorlist", f"{QUERY}&ip={ip}").text.splitlines()

    sweep_run()
    # Each side was asked its timestamp file over its own family; the content went through
    # the side with the newest one (IPv4 here).
    families = set(Check.objects.filter(mirror=mirror, kind="timestamp").values_list("family"))
    assert families == {("ipv4",), ("ipv6",)}
    sides = {s.family: s for s in MirrorURLState.objects.filter(mirror_url=url)}
    assert sides["ipv4"].serving and sides["ipv6"].status == "up" and sides["ipv6"].behind
    assert listed in lists("192.0.2.10")
    assert listed not in lists("2001:db8::10")
    page = client.get(reverse("mirrors:detail", args=[mirror.pk])).content.decode()
    assert "IPv6 side behind: not listed to IPv6 clients." in page

    # The IPv6 side stops answering: still out for IPv6 clients (behind until it counts as
    # down, after MIRROR_CHECK_DOWN_AFTER failed sweeps, as a mirror does); IPv4 ones still
    # get it, and a single-family mirror (current.farm.test) is not touched.
    mirror_farm.set_behaviour("dual6", Behaviour.REFUSED)
    sweep_run()
    assert listed in lists("192.0.2.10") and listed not in lists("2001:db8::10")
    sweep_run()
    assert MirrorURLState.objects.get(mirror_url=url, family="ipv6").status == "down"
    assert listed in lists("192.0.2.10") and listed not in lists("2001:db8::10")
    current = farm_mirrors["current"].urls.get().url + "5.0/os/x86_64/"
    assert current in lists("2001:db8::10")
    page = client.get(reverse("mirrors:detail", args=[mirror.pk])).content.decode()
    assert "IPv6 side down: not listed to IPv6 clients." in page
    api = client.get(f"/api/v1/delivery/listing/{mirror.pk}/")
    assert api.json()["sides"] == "IPv6 side down: not listed to IPv6 clients."

    # Both sides current again: listed to both.
    mirror_farm.set_behaviour("dual6", Behaviour.CURRENT)
    sweep_run()
    sweep_run()  # back up after MIRROR_CHECK_UP_AFTER good sweeps, as a mirror comes back
    assert listed in lists("2001:db8::10")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_health_loop_takes_a_failing_side_out_for_its_family_only(
    farm_mirrors,
    mirror_farm,
    settings,
    eager,  # the rebuilds and re-checks a round queues run at once
):
    """Between sweeps, the light health loop asks each side of a dual-stack mirror apart:
    the IPv6 side stops answering and IPv6 clients lose the mirror within two rounds, IPv4
    ones keep it; the side answers again and is re-checked and listed again."""
    settings.MIRROR_CHECK_RESOLVER = mirror_farm.resolve
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8", "::1/128"]
    settings.MIRROR_HEALTH_DOWN_AFTER = settings.MIRROR_HEALTH_UP_AFTER = 2
    settings.MIRROR_HEALTH_TIMEOUT = 1.0
    mirror_farm.add_mirror("both4", Behaviour.CURRENT)
    mirror_farm.add_mirror("both6", Behaviour.CURRENT, address="::1")
    host = mirror_farm.dual("both4", "both6")
    mirror = MirrorFactory(name=host, status="unknown", country="GB")
    url = MirrorURLFactory(mirror=mirror, url=mirror_farm["both4"].named_url, ipv6=True)
    listed = url.url + "5.0/os/x86_64/"
    store = SnapshotStore(poll_seconds=0)

    def lists(ip: str) -> bool:
        store.poll_once()
        return listed in call(new_front(store), "/mirrorlist", f"{QUERY}&ip={ip}").text

    sweep_run()
    sweep_run()  # up after MIRROR_CHECK_UP_AFTER good sweeps
    assert lists("192.0.2.10") and lists("2001:db8::10")

    mirror_farm.set_behaviour("both6", Behaviour.REFUSED)
    rounds = 0
    while lists("2001:db8::10"):
        assert rounds < 4, "still listed to IPv6 clients after 4 health rounds"
        health_round()
        rounds += 1
    assert rounds <= 2
    assert lists("192.0.2.10")  # the IPv4 side is fine
    assert MirrorURLState.objects.get(mirror_url=url, family="ipv6").status == "down"
    assert MirrorURLState.objects.get(mirror_url=url, family="ipv4").status == "up"

    mirror_farm.set_behaviour("both6", Behaviour.CURRENT)
    back = 0
    while not lists("2001:db8::10"):
        assert back < 5, "not listed to IPv6 clients again after 5 health rounds"
        health_round()
        back += 1
    assert lists("192.0.2.10")
