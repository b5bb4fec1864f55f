"""How far a staged release has spread: the share of the mirrors that hold it, by continent
and for the master, read from the checks' repository states."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from apps.releases.choices import ArchitectureTier, RepositoryKind
from apps.releases.models import Release, ReleaseArchitecture

from ..choices import ContentState, MirrorTier
from ..models import Mirror, MirrorRepositoryState


def _needed(release: Release) -> set[tuple[int, int]]:
    """(repository id, architecture id) a mirror must hold current: the base repositories
    (all of them when none is marked base) on the primary architectures."""
    repos = list(release.repositories.values_list("id", "kind"))
    base = [pk for pk, kind in repos if kind == RepositoryKind.BASE] or [pk for pk, _ in repos]
    archs = ReleaseArchitecture.objects.filter(release=release, tier=ArchitectureTier.PRIMARY)
    return {(r, a) for r in base for a in archs.values_list("architecture_id", flat=True)}


def staging_progress(release: Release) -> dict:
    """{"held", "total", "share" (0-100), "continents": {code: (held, total)}, "master"}:
    of the active, public mirrors that carry the release (those that chose no release carry
    every one), how many hold it current. Four queries."""
    needed = _needed(release)
    mirrors = list(
        Mirror.objects.active()
        .public()
        .filter(Q(releases=release) | Q(releases__isnull=True))
        .distinct()
        .values_list("id", "continent", "tier")
    )
    held_pairs: dict[int, set] = defaultdict(set)
    for mirror_id, repo_id, arch_id in MirrorRepositoryState.objects.filter(
        release=release, state=ContentState.CURRENT
    ).values_list("mirror_id", "repository_id", "architecture_id"):
        held_pairs[mirror_id].add((repo_id, arch_id))
    holds = {m for m, pairs in held_pairs.items() if needed and needed <= pairs}
    continents: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    held = total = 0
    master = False
    for mirror_id, continent, tier in mirrors:
        if tier == MirrorTier.MASTER:
            master = master or mirror_id in holds
            continue
        total += 1
        continents[continent or "?"][1] += 1
        if mirror_id in holds:
            held += 1
            continents[continent or "?"][0] += 1
    return {
        "held": held,
        "total": total,
        "share": round(100 * held / total) if total else 0,
        "continents": {k: tuple(v) for k, v in sorted(continents.items())},
        "master": master,
    }


def staged_progress_list() -> list[tuple[Release, dict]]:
    """Every staged release with its progress (the status page)."""
    return [(release, staging_progress(release)) for release in Release.objects.staged()]


WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 640, 260, 40, 30, 10, 10


def rollout_chart(release: Release) -> dict:
    """The rollout page's chart: the share of the mirrors holding the release over time,
    overall and by continent, with the master's (0 or 100), as SVG polylines; and the
    samples as table rows for those who read tables. Two queries."""
    from apps.releases.models import ReleaseEvent

    from ..models import RolloutSample

    samples = list(RolloutSample.objects.filter(release=release).order_by("at"))
    opened = (
        ReleaseEvent.objects.filter(release=release, status="current")
        .order_by("at").values_list("at", flat=True).first()
    )  # fmt: skip
    if not samples:
        return {"samples": [], "opened": opened}
    start, end = samples[0].at.timestamp(), samples[-1].at.timestamp()
    span = max(end - start, 1.0)

    def x(ts: float) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * (ts - start) / span, 1)

    def y(pct: float) -> float:
        return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - pct / 100), 1)

    def pct(held: int, total: int) -> int:
        return round(100 * held / total) if total else 0

    series: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for s in samples:
        ts = s.at.timestamp()
        series["all"].append((ts, pct(s.held, s.total)))
        series["master"].append((ts, 100 if s.master else 0))
        for continent, (held, total) in s.continents.items():
            series[continent].append((ts, pct(held, total)))
    lines = [
        {"name": name, "points": " ".join(f"{x(ts)},{y(p)}" for ts, p in points),
         "last": points[-1][1]}
        for name, points in sorted(series.items(), key=lambda kv: (kv[0] != "all", kv[0]))
    ]  # fmt: skip
    return {
        "samples": samples,
        "opened": opened,
        "width": WIDTH,
        "height": HEIGHT,
        "lines": lines,
        "grid": [{"y": y(p), "label": f"{p} %"} for p in (0, 25, 50, 75, 100)],
        "opened_x": x(opened.timestamp())
        if opened and start <= opened.timestamp() <= end
        else None,
    }
