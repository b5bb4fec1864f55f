"""How fast the mirrors follow the master: each recent push's propagation through the sync
tree (for the status page and its chart), and one mirror's delays over its last pushes.
Each read is a fixed few queries of plain rows, aggregated here."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from statistics import median

from django.db.models import Count
from django.utils import timezone

from ..choices import MirrorTier
from ..models import Mirror, MirrorRepositoryState, Push, PushArrival

RepoKey = tuple[int, int, int]  # (release_id, repository_id, architecture_id)
MARKS = ((3600, "1 h"), (6 * 3600, "6 h"), (24 * 3600, "24 h"))  # shares current after...
BRANCHES = 3  # the slowest upstreams shown per push
MIRROR_PUSHES = 10  # a mirror's page sums up its last pushes


def push_summaries(*, limit: int = 10, now: dt.datetime | None = None) -> list[dict]:
    """The last `limit` pushes, newest first, with how far each has propagated.

    For each: its time, repositories, expected mirrors and arrivals; the share of expected
    mirrors that held it 1 h, 6 h and 24 h after (None while that time has not come); the
    median delay of those that arrived; and its slowest branches of the sync tree: the
    upstreams whose downstream mirrors' median delay was longest, a mirror still without the
    push counting as waiting since it was detected. Four queries.
    """
    now = now or timezone.now()
    pushes = list(
        Push.objects.order_by("-detected_at", "-pk").values_list(
            "pk", "detected_at", "repositories", "mirrors_expected"
        )[:limit]
    )
    ids = [row[0] for row in pushes]
    delays: dict[int, list[int]] = defaultdict(list)
    by_upstream: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    upstreams: dict[int, tuple[str, bool]] = {}  # pk -> (name, shown by name)
    for push_id, delay, upstream_id, name, private in PushArrival.objects.filter(
        push_id__in=ids
    ).values_list(
        "push_id", "delay_seconds", "mirror__upstream_id", "mirror__upstream__name",
        "mirror__upstream__private",
    ):  # fmt: skip
        delays[push_id].append(delay)
        if upstream_id is not None:
            by_upstream[push_id][upstream_id].append(delay)
            upstreams[upstream_id] = (name, not private)
    downstream = _downstream_counts(ids, _push_keys(ids), upstreams)
    summaries = []
    for push_id, detected_at, repositories, expected in pushes:
        arrived = sorted(delays[push_id])
        elapsed = max(0, round((now - detected_at).total_seconds()))
        shares = [
            {
                "label": label,
                "seconds": seconds,
                "due": elapsed >= seconds,
                "percent": _share(arrived, seconds, expected) if elapsed >= seconds else None,
            }
            for seconds, label in MARKS
        ]
        branches = []
        for upstream_id, late in by_upstream[push_id].items():
            waiting = max(0, downstream[push_id].get(upstream_id, 0) - len(late))
            name, public = upstreams[upstream_id]
            branches.append(
                {
                    "upstream_id": upstream_id if public else None,
                    "upstream": name if public else "a private mirror",
                    "median": round(median(late)),
                    "arrived": len(late),
                    "waiting": waiting,
                    "rank": median(late + [elapsed] * waiting),
                }
            )
        branches.sort(key=lambda b: (-b["rank"], -b["waiting"], b["upstream"]))
        summaries.append(
            {
                "id": push_id,
                "detected_at": detected_at,
                "repositories": repositories_summary(repositories),
                "mirrors_expected": expected,
                "arrivals": len(arrived),
                "waiting": max(0, expected - len(arrived)),
                "shares": shares,
                "median": round(median(arrived)) if arrived else None,
                "slowest": arrived[-1] if arrived else None,
                "branches": branches[:BRANCHES],
            }
        )
    return summaries


def _share(arrived: list[int], seconds: int, expected: int) -> int | None:
    """Percent of the expected mirrors that held the push `seconds` after it (at most 100)."""
    if not expected:
        return None
    return min(100, round(100 * sum(delay <= seconds for delay in arrived) / expected))


def _push_keys(ids: list[int]) -> dict[int, set[RepoKey]]:
    """The repositories each push changed, from its versions (one query). An old push whose
    versions the master's bounded history dropped has none left."""
    keys: dict[int, set[RepoKey]] = defaultdict(set)
    for push_id, *key in Push.versions.through.objects.filter(push_id__in=ids).values_list(
        "push_id",
        "repositoryversion__release_id",
        "repositoryversion__repository_id",
        "repositoryversion__architecture_id",
    ):
        keys[push_id].add(tuple(key))
    return keys


def _downstream_counts(
    pushes: list[int], keys: dict[int, set[RepoKey]], upstreams: dict[int, tuple[str, bool]]
) -> dict[int, dict[int, int]]:
    """push -> upstream -> its approved downstream mirrors that carry what the push changed
    (one grouped query). A mirror carrying several of its repositories counts once per
    repository there, so the largest count of one repository stands for the branch."""
    counts: dict[int, dict[int, int]] = defaultdict(dict)
    if not upstreams:
        return counts
    per_key: dict[int, dict[RepoKey, int]] = defaultdict(dict)
    for upstream_id, *key, mirrors in (
        MirrorRepositoryState.objects.filter(
            mirror__upstream_id__in=list(upstreams),
            mirror__in=Mirror.objects.approved().exclude(tier=MirrorTier.MASTER),
        )
        .values_list("mirror__upstream_id", "release_id", "repository_id", "architecture_id")
        .annotate(mirrors=Count("mirror_id", distinct=True))
        .order_by()
    ):
        per_key[upstream_id][tuple(key)] = mirrors
    for upstream_id, carried in per_key.items():
        for push_id in pushes:
            changed = keys.get(push_id) or carried  # unknown: any repository it carries
            counts[push_id][upstream_id] = max(
                (n for key, n in carried.items() if key in changed), default=0
            )
    return counts


def mirror_propagation(*, mirror: Mirror, limit: int = MIRROR_PUSHES) -> dict | None:
    """How fast `mirror` followed its last `limit` pushes: the median and slowest delay, how
    many it followed, and the pushes it has not been seen holding yet (oldest first).

    Its pushes are those detected since it was registered that changed a repository it
    carries (or that it followed). None for a master or before its first push. Four queries.
    """
    if mirror.tier == MirrorTier.MASTER:
        return None
    recent = list(
        Push.objects.filter(detected_at__gte=mirror.created)
        .order_by("-detected_at", "-pk")
        .values_list("pk", "detected_at")[: limit * 3]
    )
    if not recent:
        return None
    ids = [pk for pk, _ in recent]
    keys = _push_keys(ids)
    carried = set(
        MirrorRepositoryState.objects.filter(mirror=mirror).values_list(
            "release_id", "repository_id", "architecture_id"
        )
    )
    delays = dict(
        PushArrival.objects.filter(mirror=mirror, push_id__in=ids).values_list(
            "push_id", "delay_seconds"
        )
    )
    mine = [
        (pk, detected_at)
        for pk, detected_at in recent
        if pk in delays or keys.get(pk, set()) & carried
    ][:limit]
    if not mine:
        return None
    followed = sorted(delays[pk] for pk, _ in mine if pk in delays)
    return {
        "pushes": len(mine),
        "arrived": len(followed),
        "median": round(median(followed)) if followed else None,
        "slowest": followed[-1] if followed else None,
        "waiting": [{"id": pk, "detected_at": at} for pk, at in reversed(mine) if pk not in delays],
    }


def push_chart(summaries: list[dict]) -> dict | None:
    """Geometry of the status page's chart: per push (oldest left, dated), a bar for the
    share of mirrors current after 1 h, 6 h and 24 h, on a 0-100 % scale with gridlines.
    A share whose time has not come has no bar. None without a push."""
    if not summaries:
        return None
    width, height = 640, 300
    left, right, top, bottom = 70, 16, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    pushes = list(reversed(summaries))
    slot = plot_w / len(pushes)
    bar = min(28.0, slot * 0.8 / len(MARKS))
    every = math.ceil(len(pushes) / 6)  # labels that stay readable on a phone
    columns = []
    for index, push in enumerate(pushes):
        x0 = left + index * slot + (slot - bar * len(MARKS)) / 2
        bars = []
        for mark, share in enumerate(push["shares"]):
            percent = share["percent"]
            bar_h = max(1.5, plot_h * percent / 100) if percent is not None else 0  # 0 % shows
            bars.append(
                {
                    "x": round(x0 + mark * bar, 1),
                    "y": round(top + plot_h - bar_h, 1),
                    "width": round(bar * 0.9, 1),
                    "height": round(bar_h, 1),
                    "mark": mark,
                    "label": share["label"],
                    "percent": percent,
                    "due": share["due"],
                }
            )
        columns.append(
            {
                "push": push,
                "bars": bars,
                "label_x": round(left + (index + 0.5) * slot, 1),
                "minor": (len(pushes) - 1 - index) % every != 0,  # the newest always shows
            }
        )
    grid = [
        {"y": round(top + plot_h - plot_h * percent / 100, 1), "label": f"{percent} %"}
        for percent in range(0, 101, 25)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "baseline": top + plot_h,
        "date_y": top + plot_h + 22,
        "time_y": top + plot_h + 44,
        "columns": columns,
        "grid": grid,
        "marks": [label for _, label in MARKS],
        "first": pushes[0]["detected_at"],
        "last": pushes[-1]["detected_at"],
    }


def repositories_summary(keys: str) -> str:
    """ "5.0/os/i386,5.0/os/x86_64,5.0/updates/x86_64" as "5.0 os (i386, x86_64); 5.0 updates
    (x86_64)", and repositories with the same architectures together: a push of every
    repository and architecture stays one short line."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for key in filter(None, keys.rstrip("…").split(",")):
        release, _, rest = key.strip().partition("/")
        repo, _, arch = rest.partition("/")
        grouped.setdefault((release, repo), []).append(arch)
    by_arches: dict[tuple[str, tuple], list[str]] = {}
    for (release, repo), arches in sorted(grouped.items()):
        by_arches.setdefault((release, tuple(sorted(a for a in arches if a))), []).append(repo)
    parts = [
        f"{release} {', '.join(repos)}" + (f" ({', '.join(arches)})" if arches else "")
        for (release, arches), repos in by_arches.items()
    ]
    return "; ".join(parts) + (" …" if keys.endswith("…") else "")
