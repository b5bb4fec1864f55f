"""Selection rules on a built snapshot, through the mirrorlist the lean front answers."""

import random
from collections import Counter

import pytest

from apps.delivery.services import snapshot_publish
from apps.delivery.snapshot import Client
from apps.delivery.store import SnapshotStore

from .factories import make_mirror
from .fixtures import call, new_front

NEVER = {"behind", "down", "pending", "off", "master1", "campus"}


def hosts(answer) -> list[str]:
    return [
        line.split("/")[2].split(".")[0] for line in answer.text.splitlines() if line[:1] != "#"
    ]


def buckets(answer) -> list[str]:
    return [
        line.split()[1].removeprefix("bucket=")
        for line in answer.text.splitlines()
        if line.startswith("# bucket=")
    ]


def test_country_first_then_nearby_continent_world_internal_master(front):
    answer = call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os&cc=GB&debug")
    assert answer.status == 200
    got = hosts(answer)
    assert set(got[:2]) == {"gb1", "gb2"}
    # FR and DE are within 5,000 km of GB; then the rest of the snapshot, then internal.
    assert set(got[2:4]) == {"fr1", "de1"}
    assert got[-1] in {"internal1", "master"}
    assert not NEVER & set(got)
    b = buckets(answer)
    assert b[:2] == ["country", "country"]
    assert b[2:4] == ["nearby", "nearby"]
    assert set(b[4:]) <= {"continent", "global", "internal"}


def test_ten_lines_of_base_urls_yum_reads(front, network_mirrors):
    for i in range(10):
        make_mirror(network_mirrors, f"us{i + 10}.example.org", "US")
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_publish().blob))
    answer = call(new_front(store), "/mirrorlist", "release=5&arch=x86_64&repo=os&cc=US")
    lines = answer.text.splitlines()
    assert answer.header("Content-Type").startswith("text/plain")
    assert len(lines) == 10
    assert all(
        line.startswith("http://") and line.endswith("/centos/5.0/os/x86_64/") for line in lines
    )
    assert len(set(lines)) == 10


def test_neighbours_then_continent_then_world(front):
    answer = call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os&cc=JP&debug")
    got = hosts(answer)
    assert got[:3] == ["jp1", "kr1", "in1"]  # country, nearby (KR), continent (IN)
    assert buckets(answer)[:3] == ["country", "nearby", "continent"]
    assert set(got[3:9]) == {"gb1", "gb2", "fr1", "de1", "us1", "br1"}
    assert "global" in buckets(answer)


def test_unknown_country_gets_the_world_then_fallback(front):
    answer = call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os", remote="127.0.0.1")
    got = hosts(answer)
    assert set(got) >= {"gb1", "fr1", "us1", "jp1"}
    assert not NEVER & set(got)


def test_fallback_internal_then_master_never_empty(built):
    make_mirror(built, "internal1.example.org", "US", tier="internal")
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_publish().blob))
    answer = call(new_front(store), "/mirrorlist", "release=5&arch=x86_64&repo=os&cc=GB&debug")
    assert hosts(answer) == ["internal1", "master"]
    assert buckets(answer) == ["internal", "master"]
    assert answer.text.splitlines()[-1] == "http://master.example.org/centos/5.0/os/x86_64/"


def test_no_mirrors_at_all_still_answers_the_master(built):
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_publish().blob))
    answer = call(new_front(store), "/mirrorlist", "release=5&arch=x86_64&repo=updates")
    assert answer.text == "http://master.example.org/centos/5.0/updates/x86_64/\n"


def test_netblock_first_and_private_only_through_it(front):
    answer = call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os&cc=GB&ip=198.51.100.7&debug")
    assert hosts(answer)[0] == "campus"
    assert buckets(answer)[0] == "netblock"
    # The same country without the netblock never sees the private mirror.
    for seed in range(20):
        other = call(
            new_front(front.store, seed=seed),
            "/mirrorlist",
            "release=5&arch=x86_64&repo=os&ip=81.2.69.160",
        )
        assert "campus" not in hosts(other)
        assert hosts(other)[0] in {"gb1", "gb2"}  # 81.2.69.160 is in GB


def test_ipv6_clients_get_ipv6_mirrors_first(front):
    answer = call(
        front,
        "/mirrorlist",
        "release=5&arch=x86_64&repo=os&cc=GB&debug",
        remote="2a00:1450:4001::1",
    )
    assert hosts(answer)[0] == "de1"
    assert buckets(answer)[0] == "nearby"
    assert buckets(answer)[1] == "country-ipv4"
    v4 = call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os&cc=GB")
    assert hosts(v4)[0] in {"gb1", "gb2"}


def test_protocol_parameter(front):
    answer = call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os&cc=GB&protocol=https")
    lines = answer.text.splitlines()
    assert lines[0] == "https://de1.example.org/centos/5.0/os/x86_64/"
    assert lines[-1].startswith("http://master.example.org/")  # the fallback, never empty
    bad = call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os&protocol=gopher")
    assert bad.status == 400
    assert "valid: http, https, ftp" in bad.text


def test_weights_follow_bandwidth(front):
    """gb1 declares 1000 Mbit/s, gb2 100: gb1 comes first about 10 times in 11."""
    snapshot = front.store.snapshot
    target, _ = snapshot.repo_target("5", "os", "x86_64")
    client = Client(ip=None, country="GB", continent="EU")
    rng = random.Random(12345)
    firsts = Counter(
        snapshot.draw(target, client, count=10, rng=rng)[0].mirror.name for _ in range(20000)
    )
    share = firsts["gb1.example.org"] / 20000
    assert abs(share - 1000 / 1100) < 0.01, share


def test_weights_in_a_large_bucket(built):
    """The bisection path (many mirrors in one bucket) is weighted the same way."""
    for i in range(60):
        make_mirror(built, f"us{i}.example.org", "US", bandwidth_mbps=1000 if i == 0 else 10)
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_publish().blob))
    snapshot = store.snapshot
    target, _ = snapshot.repo_target("5.0", "os", "x86_64")
    client = Client(ip=None, country="US", continent="NA")
    rng = random.Random(7)
    firsts = Counter(
        snapshot.draw(target, client, count=10, rng=rng)[0].mirror.name for _ in range(20000)
    )
    expected = 1000 / (1000 + 59 * 10)
    assert abs(firsts["us0.example.org"] / 20000 - expected) < 0.015


def test_stale_and_down_mirrors_are_never_listed(front):
    seen = set()
    for seed in range(30):
        for cc in ("GB", "US", "JP", ""):
            answer = call(
                new_front(front.store, seed=seed),
                "/mirrorlist",
                f"release=5&arch=x86_64&repo=os&cc={cc}",
            )
            seen.update(hosts(answer))
    assert not seen & NEVER
    assert {"gb1", "gb2", "fr1", "de1", "us1"} <= seen


def test_current_for_exactly_what_was_asked(network_mirrors):
    make_mirror(network_mirrors, "osonly.example.org", "BR", repos=("os",))
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_publish().blob))
    seen = set()
    for seed in range(20):
        answer = call(
            new_front(store, seed=seed), "/mirrorlist", "release=5&arch=x86_64&repo=updates&cc=BR"
        )
        seen.update(hosts(answer))
    assert "osonly" not in seen
    answer = call(new_front(store), "/mirrorlist", "release=5&arch=x86_64&repo=os&cc=BR")
    assert "osonly" in hosts(answer)[:2]


def test_end_of_life_goes_to_the_vault(front):
    answer = call(front, "/mirrorlist", "release=4.4&arch=x86_64&repo=os")
    assert answer.text == "http://vault.example.org/centos/4.4/os/x86_64/\n"
    answer = call(front, "/mirrorlist", "release=4&arch=x86_64&repo=updates")
    assert answer.text == "http://vault.example.org/centos/4.4/updates/x86_64/\n"


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("", "missing release, repo, arch: ask for release=<4|4.4|5|5.0>&repo=<os|updates>"),
        ("release=9&repo=os&arch=x86_64", "unknown release '9'; valid: 4|4.4|5|5.0"),
        ("release=5&repo=extras&arch=x86_64", "release 5.0 has no repository 'extras' for arch"),
    ],
)
def test_unknown_combination_is_a_404_with_one_line_reason(front, query, reason):
    answer = call(front, "/mirrorlist", query)
    assert answer.status == 404
    assert answer.text.startswith(reason)
    assert answer.text.count("\n") == 1


def test_country_parameter_and_time(front):
    answer = call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os&country=jp&time")
    lines = answer.text.splitlines()
    assert lines[0].startswith(f"# snapshot {front.store.version} built ")
    assert lines[1] == "http://jp1.example.org/centos/5.0/os/x86_64/"
    assert answer.header("X-Snapshot-Version") == str(front.store.version)


def test_trusted_proxy_forwarded_for(published):
    store = published[1]
    untrusted = new_front(store)
    proxied = new_front(store, trusted_proxies=["10.0.0.0/8"])
    headers = {"X-Forwarded-For": "133.1.0.1"}  # a JP address
    q = "release=5&arch=x86_64&repo=os"
    assert hosts(call(proxied, "/mirrorlist", q, remote="10.1.2.3", headers=headers))[0] == "jp1"
    # The header from anyone else is ignored.
    assert hosts(call(untrusted, "/mirrorlist", q, remote="81.2.69.160", headers=headers))[0] in {
        "gb1",
        "gb2",
    }
    # A client cannot prepend its own value before the proxy's entry.
    spoofed = {"X-Forwarded-For": "133.1.0.1, 81.2.69.160"}
    got = hosts(call(proxied, "/mirrorlist", q, remote="10.1.2.3", headers=spoofed))
    assert got[0] in {"gb1", "gb2"}


def test_metalink_repo_name_form(front):
    answer = call(front, "/metalink", "repo=os-5&arch=x86_64&cc=GB")
    assert answer.status == 200
    assert answer.header("Content-Type") == "application/metalink+xml"


def test_asn_bucket_when_an_asn_database_is_configured(network_mirrors):
    """With GEOIP_ASN_PATH the locator fills Client.asn; mirrors declaring it come first."""
    make_mirror(network_mirrors, "isp.example.org", "JP", private=True, asn=64500)
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_publish().blob))
    snapshot = store.snapshot
    target, _ = snapshot.repo_target("5", "os", "x86_64")
    inside = snapshot.draw(
        target, Client(ip="81.2.69.160", country="GB", continent="EU", asn=64500), count=10
    )
    assert (inside[0].mirror.name, inside[0].bucket) == ("isp.example.org", "asn")
    outside = snapshot.draw(
        target, Client(ip="81.2.69.160", country="GB", continent="EU", asn=64501), count=10
    )
    assert "isp.example.org" not in {c.mirror.name for c in outside if c.mirror}


def test_metalink_of_an_end_of_life_release_points_at_the_vault(front):
    answer = call(front, "/metalink", "release=4.4&repo=os&arch=x86_64")
    assert "http://vault.example.org/centos/4.4/os/x86_64/repodata/repomd.xml" in answer.text


def test_no_mirror_and_no_master_is_a_503_not_a_blank_list(built):
    from apps.mirrors.models import Mirror

    Mirror.objects.filter(tier="master").delete()
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_publish().blob))
    front = new_front(store)
    for path, query in (
        ("/mirrorlist", "release=5&arch=x86_64&repo=os"),
        ("/metalink", "repo=os-5&arch=x86_64"),
        ("/isoredirect/5/isos/x86_64/CentOS-5.0-x86_64-bin-DVD.iso", ""),
    ):
        answer = call(front, path, query)
        assert answer.status == 503, (path, answer.text)
        assert "no master mirror is configured" in answer.text
