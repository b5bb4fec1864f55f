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


def _exact_orders(weights: list[int], need: int) -> dict[tuple, float]:
    """The probability of every ordered pick of `need` positions in the exact weighted
    draw without replacement (each pick weighted among those left)."""
    from itertools import permutations

    total = sum(weights)
    exact = {}
    for order in permutations(range(len(weights)), need):
        p, left = 1.0, total
        for k in order:
            p *= weights[k] / left
            left -= weights[k]
        exact[order] = p
    return exact


@pytest.mark.parametrize(
    ("weights", "need"),
    [
        ([10000, 1000, 1000, 100, 100, 100], 3),  # rejection over the alias tables, skewed
        ([5, 5, 5, 5, 5, 5, 5, 5], 4),  # rejection, even weights
        ([1000, 100, 100, 10, 10], 3),  # smaller than twice the draw: Efraimidis-Spirakis
    ],
)
def test_the_draw_spreads_the_load_as_the_exact_weighted_draw(weights, need):
    """Every ordered pick (who is first, second, third) is as frequent as the exact draw
    makes it: a chi-square test at p = 1e-4 over 60,000 draws of one bucket. Both paths of
    the sampler (rejection over alias tables, and the key sort) are exercised; a draw that
    favoured heavy mirrors past their weight, or repeated one, fails it."""
    from apps.delivery.sampler import Group, bucket_make, draw

    bucket = bucket_make("country", [Group(list(range(len(weights))), weights)])
    exact = _exact_orders(weights, need)
    rng, draws = random.Random(1234), 60_000
    seen = Counter(tuple(draw(bucket, need, rng, set())) for _ in range(draws))
    assert set(seen) <= set(exact)  # never a repeat, never a short answer
    chi2 = sum((seen[o] - draws * p) ** 2 / (draws * p) for o, p in exact.items())
    df = len(exact) - 1
    # Wilson-Hilferty: the chi-square quantile at 1 - 1e-4 (z = 3.719).
    critical = df * (1 - 2 / (9 * df) + 3.719 * (2 / (9 * df)) ** 0.5) ** 3
    assert chi2 < critical, (chi2, critical)
