"""Weighted draws without replacement: a bucket's groups (countries) by their running
totals and one bisect, then a mirror by the group's Vose alias table, so a draw costs a
bisect and two tuple lookups whatever the size of the bucket. Pure Python, no Django."""

from __future__ import annotations

from array import array
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate


class Group:
    """Mirrors that are always in the same bucket together (one country's, for one target
    and protocol choice), with an alias table (Vose) so that one weighted draw costs two
    tuple lookups whatever the group's size. Built once per snapshot and shared by every
    plan that uses the country, so a plan costs O(countries), not O(mirrors)."""

    __slots__ = ("members", "weights", "total", "prob", "alias", "parts")

    def __init__(self, members: list[int], weights: list[int]):
        self.members = tuple(members)
        self.weights = tuple(weights)
        self.total = sum(weights)
        prob, alias = alias_table(weights)
        # Machine doubles, not a float object each: a snapshot holds millions of entries.
        self.prob = array("d", prob)
        members = self.members
        self.alias = tuple([members[k] for k in alias])  # mirror indexes, not positions
        self.parts = (members, self.prob, self.alias, len(members))  # one unpack per draw


@dataclass(slots=True, frozen=True)
class Bucket:
    """One bucket of a plan: its groups, with the running totals of the groups' weights
    (a draw picks a group by weight with one bisect, then a mirror inside it by the group's
    alias table). The totals are an array of machine integers: thousands of buckets are
    built per snapshot, and a float or int object per entry would weigh on every worker."""

    name: str
    groups: tuple[Group, ...]
    size: int  # mirrors in all groups
    cumulative: array  # running totals of the groups' weights, the last is `total`
    total: int

    def members_weights(self):
        for group in self.groups:
            yield from zip(group.members, group.weights, strict=True)


def group_of(members: list[int], mirrors) -> Group | None:
    return Group(members, [mirrors[i].weight for i in members]) if members else None


def bucket_make(name: str, groups: list[Group]) -> Bucket:
    cumulative = array("q", accumulate(g.total for g in groups))
    return Bucket(
        name, tuple(groups), sum(len(g.members) for g in groups), cumulative, cumulative[-1]
    )


def alias_table(weights) -> tuple[list[float], list[int]]:
    """Vose's alias method: slot k keeps position k with probability prob[k], otherwise
    gives position alias[k]. A uniformly drawn slot then yields each position with
    probability weight / total, exactly (up to float rounding)."""
    n, total = len(weights), sum(weights)
    scaled = [w * n / total for w in weights]
    prob, alias = [1.0] * n, list(range(n))
    small = [k for k, p in enumerate(scaled) if p < 1.0]
    large = [k for k, p in enumerate(scaled) if p >= 1.0]
    while small and large:
        low, high = small.pop(), large.pop()
        prob[low], alias[low] = scaled[low], high
        scaled[high] -= 1.0 - scaled[low]
        (small if scaled[high] < 1.0 else large).append(high)
    # What is left over is 1.0 up to rounding: those slots keep their own position.
    return prob, alias


_ONE = 1.0


def draw(bucket: Bucket, need: int, rng, taken: set[int]) -> list[int]:
    """Up to `need` members not in `taken`, drawn without replacement with probability
    proportional to weight; adds them to `taken`."""
    got: list[int] = []
    rand = rng.random
    if bucket.size >= 2 * need:
        # A bucket twice the draw or larger: weighted draws with replacement, rejecting
        # repeats. Each accepted draw is weighted among those left, so this is exact. A
        # draw is a group by the bucket's running totals (a bisect), then a mirror by the
        # group's alias table: no list is built.
        # (random() < 1 - 2**-53, so int(u) < n for any n the tables can have.)
        groups, cumulative, total = bucket.groups, bucket.cumulative, bucket.total
        ngroups = len(groups)
        members, prob, alias, n = groups[0].parts
        for _ in range(need * 8):
            if ngroups > 1:
                members, prob, alias, n = groups[bisect_right(cumulative, rand() * total)].parts
            u = rand() * n
            k = int(u)
            index = members[k] if u - k < prob[k] else alias[k]
            if index not in taken:
                taken.add(index)
                got.append(index)
                if len(got) == need:
                    return got
    # Small bucket (or a skewed one): Efraimidis-Spirakis, key = u ** (1 / weight), the
    # keys computed by map() in C. Ordering the rest this way after the draws above is
    # still exact: it is the weighted draw without replacement among those left.
    if len(bucket.groups) == 1:
        members, weights = bucket.groups[0].members, bucket.groups[0].weights
    else:
        members = [i for g in bucket.groups for i in g.members]
        weights = [w for g in bucket.groups for w in g.weights]
    keys = list(map(pow, [rand() for _ in members], map(_ONE.__truediv__, weights)))
    for k in sorted(range(len(members)), key=keys.__getitem__, reverse=True):
        if len(got) == need:
            break
        index = members[k]
        if index not in taken:
            taken.add(index)
            got.append(index)
    return got
