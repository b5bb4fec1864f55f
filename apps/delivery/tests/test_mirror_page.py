"""A mirror's page says, for each repository and ISO, whether the lists send clients to it
now, and exactly why not, from the snapshot the lists are drawn from; it agrees with
/mirrorlist. Public for approved public mirrors, else for the mirror's people and staff."""

import datetime as dt
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from apps.delivery import runtime
from apps.delivery.services import snapshot_publish
from apps.mirrors.choices import Approval, ContentState, ImageState, MirrorStatus
from apps.mirrors.models import Check, MaintenanceWindow, MirrorImageState, MirrorRepositoryState

from .factories import make_mirror
from .fixtures import call, new_front

OS = "5.0/os/x86_64"
DVD = "5.0/x86_64/CentOS-5.0-x86_64-bin-DVD.iso"
NET = "5.0/x86_64/CentOS-5.0-x86_64-netinstall.iso"
SINCE = dt.datetime(2026, 11, 30, 22, 15, tzinfo=dt.UTC)


@pytest.fixture
def serving(settings, tmp_path):
    """publish(): publish a snapshot and make it the one this process's views serve from."""
    settings.DELIVERY_POLL_SECONDS = 0
    settings.DELIVERY_SNAPSHOT_CACHE = str(tmp_path / "snapshot.json")
    runtime.reset()

    def publish():
        row = snapshot_publish(reason="test")
        runtime.store().install(bytes(row.blob))
        return row

    yield publish
    runtime.reset()


@pytest.fixture
def staff_client(client, db):
    client.force_login(get_user_model().objects.create_user("ops", password="pw", is_staff=True))
    return client


def rows(page: str) -> dict[str, tuple[bool, str]]:
    """{target key: (listed, why)} as the page's listing table shows them."""
    found = re.findall(
        r'<tr data-key="([^"]+)">.*?<span class="status status-\w+">(Listed|Not listed)</span>'
        r'</td>\s*<td class="why"[^>]*>(.*?)</td>',
        page,
        re.S,
    )
    return {key: (listed == "Listed", html.unescape(why)) for key, listed, why in found}


def page_of(client, mirror) -> str:
    response = client.get(reverse("mirrors:detail", args=[mirror.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_each_reason_is_shown_exactly(network_mirrors, serving, staff_client):
    built, m = network_mirrors, network_mirrors.mirrors
    down = make_mirror(built, "dead.example.org", "GB", status=MirrorStatus.DOWN,
                       status_since=SINCE)  # fmt: skip
    Check.objects.create(
        mirror=down, url="http://dead.example.org/centos/TIME", kind="timestamp",
        checked_at=SINCE, error="refused", detail="Connection refused",
    )  # fmt: skip
    lagging = make_mirror(built, "lagging.example.org", "FR", repos=("updates",))
    MirrorRepositoryState.objects.create(
        mirror=lagging, release=built.release, repository=built.repos["os"],
        architecture=built.arch, state=ContentState.BEHIND, lag_seconds=5 * 3600,
    )  # fmt: skip
    isoless = make_mirror(built, "isoless.example.org", "DE", images=False)
    MirrorImageState.objects.create(mirror=isoless, image=built.images["dvd"],
                                    state=ImageState.MISSING)  # fmt: skip
    MirrorImageState.objects.create(mirror=isoless, image=built.images["net"],
                                    state=ImageState.WRONG_SIZE)  # fmt: skip
    resting = make_mirror(built, "resting.example.org", "GB")
    ends = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(hours=3)
    MaintenanceWindow.objects.create(mirror=resting, starts_at=timezone.now(), ends_at=ends,
                                     note="new disks")  # fmt: skip
    decided = {
        "disabled": make_mirror(built, "dis.example.org", "GB", approval=Approval.DISABLED,
                                approval_reason="Serves a broken tree."),
        "suspended": make_mirror(built, "susp.example.org", "GB", suspended_at=timezone.now(),
                                 suspended_reason="Suspended automatically after 50 failed "
                                 "checks."),
        "rejected": make_mirror(built, "rej.example.org", "GB", approval=Approval.REJECTED,
                                approval_reason="Not a full mirror."),
    }  # fmt: skip
    serving()

    expected = {
        m["pending.example.org"]: "Pending approval: an admin has not approved it yet.",
        down: "Down since 2026-11-30 22:15 UTC: http://dead.example.org/centos/TIME failed "
        "(Connection refused: Connection refused).",
        resting: f"In a maintenance window until {ends:%Y-%m-%d %H:%M} UTC (new disks).",
        m["off.example.org"]: "Switched off by its owner.",
        decided["disabled"]: "Disabled by an admin: Serves a broken tree.",
        decided["suspended"]: "Suspended after failing checks: Suspended automatically after "
        "50 failed checks.",
        decided["rejected"]: "Rejected by an admin: Not a full mirror.",
    }
    for mirror, why in expected.items():
        page = page_of(staff_client, mirror)
        assert f"<strong>Not listed:</strong> {why}" in html.unescape(page), mirror.name
        assert set(rows(page).values()) == {(False, why)}, mirror.name

    assert rows(page_of(staff_client, lagging))[OS] == (
        False,
        "Behind by 5 hours on repository os.",
    )
    assert rows(page_of(staff_client, m["behind.example.org"]))[OS] == (
        False, "Behind on repository os."
    )  # fmt: skip
    iso_rows = rows(page_of(staff_client, isoless))
    assert iso_rows[DVD] == (False, "ISO CentOS-5.0-x86_64-bin-DVD.iso is missing on this mirror.")
    assert iso_rows[NET] == (
        False, "ISO CentOS-5.0-x86_64-netinstall.iso has the wrong size on this mirror."
    )  # fmt: skip
    assert iso_rows[OS] == (True, "")
    campus = rows(page_of(staff_client, m["campus.example.org"]))
    assert campus[OS] == (True, "Private: listed only for clients in its netblocks or ASN.")
    gb1 = rows(page_of(staff_client, m["gb1.example.org"]))
    assert gb1 == {
        OS: (True, ""), "5.0/updates/x86_64": (True, ""), DVD: (True, ""), NET: (True, "")
    }  # fmt: skip


def test_the_page_agrees_with_the_mirrorlist(network_mirrors, serving, client, staff_client):
    serving()
    front = new_front(runtime.store())
    for name, mirror in network_mirrors.mirrors.items():
        if mirror.tier == "master":
            continue
        listed, why = rows(page_of(staff_client, mirror))[OS]
        answer = call(front, "/mirrorlist", f"release=5.0&arch=x86_64&repo=os&cc={mirror.country}")
        in_country_list = f"://{name}/" in answer.text
        if mirror.private:
            assert listed and not in_country_list
            via_netblock = call(front, "/mirrorlist", "release=5.0&arch=x86_64&repo=os",
                                remote="198.51.100.7")  # fmt: skip
            assert f"://{name}/" in via_netblock.text
        else:
            assert listed is in_country_list, (name, why)


def test_a_down_mirror_shows_its_repositories_as_last_known(network_mirrors, serving, client):
    down = network_mirrors.mirrors["down.example.org"]
    MirrorRepositoryState.objects.filter(mirror=down).update(
        checked_at=dt.datetime(2026, 11, 30, 21, 0, tzinfo=dt.UTC)
    )
    serving()
    page = page_of(client, down)
    assert page.count("last known: current at 2026-11-30 21:00 UTC") == 2
    assert "status-current" not in page
    assert "repositories current when last known" in page
    up = page_of(client, network_mirrors.mirrors["gb1.example.org"])
    assert up.count('<span class="status status-current">Current</span>') == 2


def test_who_sees_which_mirror_page(network_mirrors, serving, client, django_user_model):
    serving()
    owner = django_user_model.objects.create_user("vol", password="pw")
    helper = django_user_model.objects.create_user("helper", password="pw")
    other = django_user_model.objects.create_user("other", password="pw")
    staff = django_user_model.objects.create_user("ops", password="pw", is_staff=True)
    m = network_mirrors.mirrors
    for name in ("pending.example.org", "campus.example.org"):
        m[name].owner = owner
        m[name].save()
        m[name].co_owners.add(helper)
    cases = {
        None: {"gb1.example.org": 200, "pending.example.org": 404, "campus.example.org": 404},
        other: {"gb1.example.org": 200, "pending.example.org": 404, "campus.example.org": 404},
        owner: {"gb1.example.org": 200, "pending.example.org": 200, "campus.example.org": 200},
        helper: {"gb1.example.org": 200, "pending.example.org": 200, "campus.example.org": 200},
        staff: {"gb1.example.org": 200, "pending.example.org": 200, "campus.example.org": 200},
    }
    for user, expected in cases.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        got = {
            name: client.get(reverse("mirrors:detail", args=[m[name].pk])).status_code
            for name in expected
        }
        assert got == expected, user


def test_the_mirror_page_asks_a_bounded_number_of_queries(
    network_mirrors, serving, staff_client, django_assert_max_num_queries
):
    serving()
    for name in ("gb1.example.org", "pending.example.org"):
        with django_assert_max_num_queries(16):  # 14, its maintenance window for its state, and
            # where it is not reachable from (the vantage points)
            page_of(staff_client, network_mirrors.mirrors[name])
