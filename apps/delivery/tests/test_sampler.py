"""The weighted draw inside a bucket (alias tables over countries' groups), on a synthetic
snapshot: no database needed."""

import random
from collections import Counter
from fractions import Fraction

import pytest

from apps.delivery.sampler import alias_table
from apps.delivery.snapshot import Client, LoadedSnapshot

COUNTRY_WEIGHTS = {"DE": (1000, 100), "JP": (10, 10), "BR": (10000, 10), "ZA": (100, 1)}


def synthetic_snapshot(per_country: int = 20) -> LoadedSnapshot:
    mirrors = []
    for cc, (heavy, light) in COUNTRY_WEIGHTS.items():
        for k in range(per_country):
            index = len(mirrors)
            mirrors.append(
                {
                    "id": index + 1,
                    "name": f"{cc.lower()}{k}.example.org",
                    "cc": cc,
                    "continent": {"DE": "EU", "JP": "AS", "BR": "SA", "ZA": "AF"}[cc],
                    "lat": None,
                    "lon": None,
                    "weight": heavy if k == 0 else light,
                    "internal": False,
                    "private": False,
                    "asn": None,
                    "urls": {"http": [f"http://{cc.lower()}{k}.example.org/", k % 2]},
                }
            )
    return LoadedSnapshot(
        {
            "format": 1,
            "version": 1,
            "built_at": 1_700_000_000.0,
            "master_url": "http://master.example.org/",
            "vault_url": "http://vault.example.org/",
            "releases": {"5.0": {}},
            "aliases": {"5": "5.0"},
            "mirrors": mirrors,
            "netblocks": [],
            "repos": {
                "5.0/os/x86_64": {
                    "path": "5.0/os/x86_64/",
                    "eol": False,
                    "mirrors": list(range(len(mirrors))),
                    "versions": [],
                }
            },
            "images": {},
        }
    )


@pytest.mark.parametrize(
    "weights", [[1], [5, 5], [1, 2, 3, 4], [10000, 10, 10, 100, 1000, 1], [7] * 13 + [1000]]
)
def test_alias_table_gives_each_position_its_exact_share(weights):
    prob, alias = alias_table(weights)
    n, total = len(weights), sum(weights)
    share = [Fraction(0)] * n
    for slot in range(n):
        keep = Fraction(prob[slot])
        share[slot] += keep / n
        share[alias[slot]] += (1 - keep) / n
    for position, w in enumerate(weights):
        assert abs(float(share[position]) - w / total) < 1e-9


def test_a_bucket_of_several_countries_is_weighted_by_mirror():
    """A client with no country draws from the snapshot bucket, which spans four countries'
    groups: the first pick follows each mirror's weight across groups."""
    snapshot = synthetic_snapshot()
    target, _ = snapshot.repo_target("5", "os", "x86_64")
    client = Client(ip=None, country=None, continent=None)
    assert [
        (b.name, len(b.groups)) for b in snapshot.planner.buckets(target, client, ("http",))
    ] == [("global", 4)]
    total = sum(heavy + 19 * light for heavy, light in COUNTRY_WEIGHTS.values())
    rng = random.Random(2024)
    draws = 30_000
    firsts = Counter()
    for _ in range(draws):
        chosen = snapshot.draw(target, client, count=10, rng=rng)
        names = [c.mirror.name for c in chosen]
        assert len(set(names)) == 10  # without replacement
        firsts[names[0]] += 1
    for cc, (heavy, light) in COUNTRY_WEIGHTS.items():
        country_share = sum(n for name, n in firsts.items() if name.startswith(cc.lower()))
        assert abs(country_share / draws - (heavy + 19 * light) / total) < 0.012, cc
        assert abs(firsts[f"{cc.lower()}0.example.org"] / draws - heavy / total) < 0.012, cc


def test_ipv6_split_keeps_the_weights_inside_each_part():
    snapshot = synthetic_snapshot()
    target, _ = snapshot.repo_target("5", "os", "x86_64")
    client = Client(ip="2001:db8::1", country=None, continent=None, ipv6=True)
    names = [b.name for b in snapshot.planner.buckets(target, client, ("http",))]
    assert names == ["global", "global-ipv4"]
    rng = random.Random(5)
    for _ in range(200):
        chosen = snapshot.draw(target, client, count=10, rng=rng)
        # Odd-numbered mirrors are the IPv6-capable ones: 40 of them, enough for ten.
        assert all(int(c.mirror.name[2:].split(".")[0]) % 2 == 1 for c in chosen)
