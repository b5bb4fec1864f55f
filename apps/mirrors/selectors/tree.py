"""The sync tree: masters, the internal mirrors under them, the external mirrors under those,
each with its state, its lag and how it followed the newest push, and every mirror under a
stale upstream marked, so a stale internal mirror and all it feeds stand out. Five queries
whatever the number of mirrors."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Max
from django.utils import timezone

from ..choices import SUSPENDED, Approval, ContentState, MirrorStatus, MirrorTier
from ..models import MaintenanceWindow, Mirror, MirrorRepositoryState, Push, PushArrival

_TIERS = {MirrorTier.MASTER: 0, MirrorTier.INTERNAL: 1, MirrorTier.EXTERNAL: 2}
_WORST = (
    ContentState.MISSING,
    ContentState.INCOMPLETE,
    ContentState.BEHIND,
    ContentState.UNKNOWN,
    ContentState.CURRENT,
)


def mirror_tree(*, now=None) -> dict:
    """{"roots": the masters with their subtrees, "unrooted": mirrors whose upstream is
    unknown or out of the tree (with theirs), "stale_upstreams": the stale internal mirrors
    and masters with how many mirrors sync under them, "push": the newest push, "counts"}.

    A node: id, name, tier, country, availability (up, down, unknown, disabled, suspended,
    off), content (current, behind, missing, unknown: the worst of its repositories), lag
    in seconds (the largest of its repositories'), the newest push (arrived after `delay`
    seconds, or `waiting` since it was detected), maintenance, stale (not up, or behind or
    missing), under_stale (the name of the nearest stale mirror above it), level (ok, warn,
    bad: its colour), downstream (how many mirrors sync under it) and children. Private
    mirrors are shown without their name."""
    now = now or timezone.now()
    rows = list(
        Mirror.objects.exclude(approval__in=[Approval.PENDING, Approval.REJECTED])
        .order_by("name")
        .values_list(
            "id", "name", "tier", "country", "upstream_id", "status", "approval",
            "owner_active", "private", "created", "suspended_at",
        )
    )  # fmt: skip
    states, lags = _repository_states()
    resting = set(MaintenanceWindow.objects.open_at(now).values_list("mirror_id", flat=True))
    push, arrivals = _push_newest()
    nodes: dict[int, dict] = {}
    for pk, name, tier, cc, upstream_id, status, approval, active, private, created, held in rows:
        counts = states.get(pk, {})
        content = next((s for s in _WORST if counts.get(s)), ContentState.UNKNOWN)
        availability = _availability(status, SUSPENDED if held else approval, active)
        node = {
            "id": pk,
            "name": "a private mirror" if private else name,
            "public": not private,
            "tier": tier,
            "country": str(cc),
            "upstream_id": upstream_id,
            "availability": availability,
            "content": content,
            "lag": lags.get(pk),
            "push": _push_state(push, pk, tier, created, counts, arrivals, now),
            "maintenance": pk in resting,
            "stale": availability != MirrorStatus.UP
            or content in (ContentState.BEHIND, ContentState.MISSING),
            "under_stale": None,
            "children": [],
        }
        node["level"] = _level(node)
        nodes[pk] = node

    roots, unrooted = _rooted(nodes)
    stale_upstreams = sorted(
        (n for n in nodes.values() if n["stale"] and n["tier"] != MirrorTier.EXTERNAL),
        key=lambda n: (-n["downstream"], n["name"]),
    )
    tiers = defaultdict(int)
    for node in nodes.values():
        tiers[node["tier"]] += 1
    return {
        "roots": roots,
        "unrooted": unrooted,
        "stale_upstreams": stale_upstreams,
        "push": push,
        "counts": {
            "masters": tiers[MirrorTier.MASTER],
            "internal": tiers[MirrorTier.INTERNAL],
            "external": tiers[MirrorTier.EXTERNAL],
            "stale": sum(n["stale"] for n in nodes.values()),
            "under_stale": sum(bool(n["under_stale"]) for n in nodes.values()),
        },
    }


def _repository_states() -> tuple[dict[int, dict[str, int]], dict[int, int]]:
    """{mirror id: {content state: how many of its repositories}} and {mirror id: its
    largest lag in seconds}. One query."""
    states: dict[int, dict[str, int]] = defaultdict(dict)
    lags: dict[int, int] = {}
    for mirror_id, state, count, lag in (
        MirrorRepositoryState.objects.values_list("mirror_id", "state")
        .annotate(count=Count("id"), lag=Max("lag_seconds"))
        .order_by()
    ):
        states[mirror_id][state] = count
        if lag is not None:
            lags[mirror_id] = max(lag, lags.get(mirror_id, 0))
    return states, lags


def _push_newest() -> tuple[dict | None, dict[int, float]]:
    """The newest push (pk, detected_at) and {mirror id: seconds it took to arrive there}."""
    push = Push.objects.order_by("-detected_at", "-pk").values("pk", "detected_at").first()
    arrivals = {}
    if push is not None:
        arrivals = dict(
            PushArrival.objects.filter(push_id=push["pk"]).values_list("mirror_id", "delay_seconds")
        )
    return push, arrivals


def _rooted(nodes: dict[int, dict]) -> tuple[list[dict], list[dict]]:
    """Each node under its upstream: the masters' trees, and the nodes whose upstream is
    unknown or out of the tree (with their subtrees); under_stale and downstream filled."""
    roots, unrooted = [], []
    for node in nodes.values():
        parent = nodes.get(node["upstream_id"])
        if parent is not None and parent is not node:
            parent["children"].append(node)
        elif node["tier"] == MirrorTier.MASTER:
            roots.append(node)
        else:
            unrooted.append(node)
    seen: set[int] = set()
    for top in roots + unrooted:
        _walk(top, None, seen)
    # A loop of upstreams (the model's clean() refuses one) is reached from nowhere.
    unrooted += [n for n in nodes.values() if n["id"] not in seen and _walk(n, None, seen)]
    return roots, unrooted


def _availability(status: str, approval: str, active: bool) -> str:
    if approval in (Approval.DISABLED, SUSPENDED):
        return approval
    if not active:
        return "off"
    return status


def _push_state(push, pk, tier, created, counts, arrivals, now) -> dict | None:
    """How the mirror followed the newest push: arrived after `delay` seconds, or waiting
    for `waiting` seconds (a mirror that carries repositories and existed at the push)."""
    if push is None or tier == MirrorTier.MASTER:
        return None
    if pk in arrivals:
        return {"delay": arrivals[pk]}
    if counts and created <= push["detected_at"]:
        return {"waiting": max(0, round((now - push["detected_at"]).total_seconds()))}
    return None


def _level(node: dict) -> str:
    if node["availability"] != MirrorStatus.UP or node["content"] == ContentState.MISSING:
        return "bad"
    if node["stale"] or node["maintenance"] or node["content"] == ContentState.UNKNOWN:
        return "warn"
    return "ok"


def _walk(node: dict, stale_above: str | None, seen: set[int]) -> bool:
    """Mark the subtree under a stale mirror, count each node's downstream mirrors, and
    order the children (stale first, then by tier and name). Iterative: a deep chain of
    external mirrors cannot exhaust the stack."""
    if node["id"] in seen:
        return False
    order: list[dict] = []
    stack = [(node, stale_above)]
    while stack:
        current, above = stack.pop()
        if current["id"] in seen:
            current["children"] = [c for c in current["children"] if c["id"] not in seen]
            continue
        seen.add(current["id"])
        order.append(current)
        current["under_stale"] = above
        below = current["name"] if current["stale"] else above
        current["children"] = [c for c in current["children"] if c["id"] not in seen]
        current["children"].sort(key=lambda c: (not c["stale"], _TIERS[c["tier"]], c["name"]))
        stack.extend((child, below) for child in current["children"])
    for current in reversed(order):
        current["downstream"] = sum(1 + c.get("downstream", 0) for c in current["children"])
    return True
