"""Each part of the snapshot is read by its own selector in a fixed number of queries, the
same for three mirrors as for thirty (apps/delivery/selectors/parts.py), and what it reads
is what the answers list."""

import pytest
from django.utils import timezone

from apps.delivery.selectors.parts import (
    snapshot_architectures_read,
    snapshot_images_read,
    snapshot_mirrors_read,
    snapshot_netblocks_read,
    snapshot_releases_read,
    snapshot_repos_read,
)

from .factories import make_mirror

# The mirrors, their client URLs, their failing dual-stack sides (no quota: no traffic read).
MIRRORS_QUERIES = 3
# Paths and names; the releases' repositories and architectures; the versions;
# the mirrors' repository states, their grace and their last checks (repositories.py).
REPOS_QUERIES = 8


@pytest.fixture(params=[0, 20], ids=["few", "many"])
def mirrors(request, network_mirrors):
    for k in range(request.param):
        make_mirror(network_mirrors, f"more{k}.example.org", "FR", protocols=("http", "https"))
    return network_mirrors


def test_the_releases_are_one_query(mirrors, django_assert_num_queries):
    with django_assert_num_queries(1):
        releases = snapshot_releases_read()
    assert sorted(r[1] for r in releases) == ["4.4", "5.0"]


def test_the_mirrors_are_a_fixed_number_of_queries(mirrors, django_assert_num_queries):
    with django_assert_num_queries(MIRRORS_QUERIES):
        listed = snapshot_mirrors_read(now=timezone.now(), resting=set())
    names = {m["name"] for m in listed.mirrors}
    assert "gb1.example.org" in names and "campus.example.org" in names
    # Behind is listed (for no repository); the others are out of the answers altogether.
    assert "behind.example.org" in names
    assert not names & {"down.example.org", "pending.example.org", "off.example.org",
                        "master1.example.org"}  # fmt: skip
    de1 = next(m for m in listed.mirrors if m["name"] == "de1.example.org")
    assert de1["urls"]["https"] == ["https://de1.example.org/centos/", True]


def test_the_architectures_are_one_query(mirrors, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert list(snapshot_architectures_read().values()) == ["x86_64"]


def test_the_netblocks_are_one_query(mirrors, django_assert_num_queries):
    listed = snapshot_mirrors_read(now=timezone.now(), resting=set())
    with django_assert_num_queries(1):
        netblocks = snapshot_netblocks_read(listed.position)
    campus = listed.position[mirrors.mirrors["campus.example.org"].pk]
    assert netblocks == [["198.51.100.0/24", campus]]


def test_the_repositories_are_a_fixed_number_of_queries(mirrors, django_assert_num_queries):
    now = timezone.now()
    releases = snapshot_releases_read()
    listed = snapshot_mirrors_read(now=now, resting=set())
    architectures = snapshot_architectures_read()
    with django_assert_num_queries(REPOS_QUERIES):
        part = snapshot_repos_read(
            releases=releases, architectures=architectures, position=listed.position, now=now
        )
    updates = part.repos["5.0/updates/x86_64"]
    gb1 = listed.position[mirrors.mirrors["gb1.example.org"].pk]
    assert gb1 in updates["mirrors"] and len(updates["versions"]) == 3
    assert part.repos["4.4/os/x86_64"]["eol"] is True
    assert part.repos["4.4/os/x86_64"]["mirrors"] == []


def test_the_images_are_a_fixed_number_of_queries(mirrors, django_assert_num_queries):
    releases = snapshot_releases_read()
    listed = snapshot_mirrors_read(now=timezone.now(), resting=set())
    architectures = snapshot_architectures_read()
    with django_assert_num_queries(3):
        images, keys = snapshot_images_read(
            releases=releases, architectures=architectures, position=listed.position
        )
    dvd = images["5.0/x86_64"]["files"]["CentOS-5.0-x86_64-bin-DVD.iso"]
    assert listed.position[mirrors.mirrors["gb1.example.org"].pk] in dvd["mirrors"]
    assert keys[mirrors.images["dvd"].pk] == "5.0/x86_64/CentOS-5.0-x86_64-bin-DVD.iso"
