"""Monthly transfer quotas in the snapshot build: full weight far from the quota, less near
it, out of the mirror lists once it is spent (until the month turns), and the owner told
once, when reported traffic crosses it."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from apps.delivery.selectors import snapshot_data_collect
from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore
from apps.mirrors.models import MirrorTraffic
from apps.mirrors.quota import GB, quota_headroom_mbps, quota_weight
from apps.mirrors.services.traffic import mirror_traffic_period_report

from .factories import make_mirror
from .fixtures import call, new_front


@pytest.mark.parametrize(
    ("sent_gb", "weight"),
    [(0, 1000), (79, 1000), (80, 1000), (90, 500), (99, 50), (99.99, 1), (100, None),
     (150, None)],
)  # fmt: skip
def test_the_weight_shrinks_over_the_last_fifth_and_is_none_once_spent(sent_gb, weight):
    got = quota_weight(bandwidth_mbps=1000, quota_gb=100, sent_bytes=int(sent_gb * GB),
                       near_share=0.2)  # fmt: skip
    assert got == weight


def test_no_quota_is_the_bandwidth_and_the_headroom_caps_a_day():
    assert quota_weight(bandwidth_mbps=622, quota_gb=None, sent_bytes=10**15, near_share=0.2) == 622
    # 1.08 TB left is 100 Mbit/s over a day: the bandwidth (1000) is not the limit then.
    assert quota_headroom_mbps(bandwidth_mbps=1000, quota_gb=2080, sent_bytes=1000 * GB) == 100
    assert quota_headroom_mbps(bandwidth_mbps=50, quota_gb=2080, sent_bytes=1000 * GB) == 50
    assert quota_headroom_mbps(bandwidth_mbps=1000, quota_gb=10, sent_bytes=11 * GB) == 0


def sent(mirror, gb, day=None):
    MirrorTraffic.objects.create(mirror=mirror, day=day or timezone.now().date(),
                                 bytes_out=int(gb * GB))  # fmt: skip


def weights() -> dict[str, int]:
    return {m["name"].split(".")[0]: m["weight"] for m in snapshot_data_collect()["mirrors"]}


def test_the_snapshot_weighs_by_quota_and_leaves_a_spent_mirror_out(built):
    far = make_mirror(built, "far.example.org", "DE", bandwidth_mbps=1000, transfer_quota_gb=100)
    near = make_mirror(built, "near.example.org", "DE", bandwidth_mbps=1000, transfer_quota_gb=100)
    spent = make_mirror(built, "spent.example.org", "DE", bandwidth_mbps=1000,
                        transfer_quota_gb=100)  # fmt: skip
    make_mirror(built, "free.example.org", "DE", bandwidth_mbps=1000)
    sent(far, 50)
    sent(near, 90)
    sent(spent, 60, timezone.now().date().replace(day=1))
    sent(spent, 45, timezone.now().date() - dt.timedelta(days=40))  # last month's: not counted
    assert weights() == {"far": 1000, "near": 500, "spent": 1000, "free": 1000}
    sent(spent, 41)  # 101 GB this month

    assert "spent" not in weights()
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_publish(reason="test").blob))
    answer = call(new_front(store), "/mirrorlist", "release=5&arch=x86_64&repo=os&cc=DE")
    assert "far.example.org" in answer.text and "spent.example.org" not in answer.text


def test_reported_traffic_over_the_quota_tells_the_owner_once(
    built, django_capture_on_commit_callbacks
):
    mirror = make_mirror(built, "small.example.org", "DE", transfer_quota_gb=1,
                         contact_email="ops@small.example")  # fmt: skip
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    if now.day == 1 and now.hour < 3:
        pytest.skip("the month just turned: the periods below would fall in the last one")
    hour = dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        mirror_traffic_period_report(mirror=mirror, start=now - 3 * hour, end=now - 2 * hour,
                                     bytes_out=GB // 2, bytes_in=0, by=None)  # fmt: skip
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        mirror_traffic_period_report(mirror=mirror, start=now - 2 * hour, end=now - hour,
                                     bytes_out=GB, bytes_in=0, by=None)  # fmt: skip
        mirror_traffic_period_report(mirror=mirror, start=now - hour, end=now,
                                     bytes_out=GB, bytes_in=0, by=None)  # fmt: skip
    assert [m.to for m in mail.outbox] == [["ops@small.example"]]
    assert "over its monthly transfer quota" in mail.outbox[0].subject
    assert "until the month turns" in mail.outbox[0].body
    mirror.refresh_from_db()
    assert mirror.quota_notified_month == f"{now:%Y-%m}"
