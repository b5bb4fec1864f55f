"""Reads of the mirrors app."""

import datetime as dt

from django.conf import settings
from django.db.models import Prefetch

from ..models import Mirror, MirrorURL


def mirror_public_list():
    """Approved, public mirrors with their URLs, for the mirror list page and the API."""
    return (
        Mirror.objects.approved()
        .public()
        .select_related("sponsor", "upstream")
        .prefetch_related(Prefetch("urls", queryset=MirrorURL.objects.order_by("protocol", "url")))
    )


def mirror_counts_by_country(queryset=None) -> list[dict]:
    """[{country, name, count, share}] largest first, for the chart of mirrors per country."""
    from django_countries import countries

    qs = queryset if queryset is not None else Mirror.objects.approved().public()
    rows = list(qs.order_by().count_by_country())
    top = max((row["count"] for row in rows), default=0) or 1
    return [
        {
            "country": row["country"],
            "name": countries.name(row["country"]),
            "count": row["count"],
            "share": round(100 * row["count"] / top),
        }
        for row in rows
    ]


def mirror_sync_path(mirror: Mirror, *, limit: int = 6) -> list[Mirror]:
    """The mirrors this one syncs through, up to the master (one query a hop, a few hops)."""
    path, node, seen = [], mirror.upstream, {mirror.pk}
    while node is not None and node.pk not in seen and len(path) < limit:
        path.append(node)
        seen.add(node.pk)
        node = node.upstream
    return path


def mirror_check_history(mirror: Mirror, *, days: int = 14) -> list[dict]:
    """One bar a day for the last `days` days: how many checks passed.

    Recent days come from the raw checks, older ones from the daily aggregates that
    replace them after the retention period.
    """
    from django.db.models import Count, Q
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    from ..models import Check, CheckDaily

    today = timezone.now().date()
    first = today - dt.timedelta(days=days - 1)
    by_day = {
        row.day: {"checks": row.checks, "failures": row.failures}
        for row in CheckDaily.objects.filter(mirror=mirror, day__gte=first)
    }
    raw = (
        Check.objects.filter(mirror=mirror, checked_at__date__gte=first)
        .annotate(day=TruncDate("checked_at"))
        .values("day")
        .annotate(checks=Count("id"), failures=Count("id", filter=~Q(error="")))
    )
    for row in raw:
        by_day[row["day"]] = {"checks": row["checks"], "failures": row["failures"]}
    history = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        counts = by_day.get(day, {"checks": 0, "failures": 0})
        checks, failures = counts["checks"], counts["failures"]
        ratio = (checks - failures) / checks if checks else None
        history.append(
            {
                "day": day,
                "checks": checks,
                "failures": failures,
                "percent": None if ratio is None else round(100 * ratio),
                "level": "none"
                if ratio is None
                else "ok"
                if ratio >= 0.95
                else "warn"
                if ratio >= 0.5
                else "bad",
            }
        )
    return history


def mirror_detail(mirror: Mirror) -> dict:
    """Everything the mirror page shows, in a bounded number of queries."""
    from ..models import (
        Check,
        MirrorImageState,
        MirrorRepositoryState,
        MirrorURLState,
        MirrorVantageState,
    )

    repository_states = list(
        MirrorRepositoryState.objects.filter(mirror=mirror)
        .select_related("release", "repository", "architecture")
        .order_by("-release__major", "-release__minor", "repository__name", "architecture__name")
    )
    image_states = list(
        MirrorImageState.objects.filter(mirror=mirror)
        .select_related("image__release", "image__architecture")
        .order_by("image__release", "image__architecture", "image__name")
    )
    vantage_states = list(
        MirrorVantageState.objects.filter(mirror=mirror, vantage__enabled=True)
        .select_related("vantage")
        .order_by("vantage__region")
    )
    counts: dict[str, int] = {}
    for state in repository_states:
        counts[state.state] = counts.get(state.state, 0) + 1
    return {
        "mirror": mirror,
        "sync_path": mirror_sync_path(mirror),
        "downstreams": list(mirror.downstreams.order_by("name")),
        "urls": list(mirror.urls.all()),
        # What the checks found at each URL over each address family (rsync and ftp too).
        "url_states": list(
            MirrorURLState.objects.filter(mirror_url__mirror=mirror)
            .select_related("mirror_url")
            .order_by("mirror_url__protocol", "mirror_url__url", "family")
        ),
        "repository_states": repository_states,
        "repository_counts": counts,
        "images_missing": [s for s in image_states if s.state != "present"],
        "images_present": sum(1 for s in image_states if s.state == "present"),
        "history": mirror_check_history(mirror),
        "recent_checks": list(Check.objects.filter(mirror=mirror).order_by("-checked_at")[:15]),
        # "not reachable from Asia since 14:02": what the vantage points saw lately (a
        # point that stopped answering no longer counts, as in the vote)
        "unreachable_from": [s for s in vantage_states if not s.reachable and _lately(s)],
        "content_elsewhere": content_disagreements(repository_states, vantage_states)
        + image_disagreements(image_states, vantage_states),
    }


def _lately(state) -> bool:
    """A vantage point's health verdict recent enough to count (three health intervals)."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    limit = dt.timedelta(seconds=3 * settings.MIRROR_HEALTH_INTERVAL_SECONDS)
    return timezone.now() - state.checked_at <= limit


def content_disagreements(repository_states: list, vantage_states: list) -> list[str]:
    """Where the places that checked a repository's content lately disagree with the
    recorded state: "repository 5.0 os x86_64 behind as seen from Asia"."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from ..checks.places import HERE, repo_key

    recent = timezone.now() - dt.timedelta(minutes=2 * settings.MIRROR_CHECK_INTERVAL_MINUTES)
    said: dict[str, list[tuple[str, str]]] = {}
    for point in vantage_states:
        if point.content_at is None or point.content_at < recent:
            continue
        for key, (state, _lag, _detail) in point.content.items():
            said.setdefault(key, []).append((point.vantage.region, state))
    lines = []
    for row in repository_states:
        name = f"repository {row.release} {row.repository.name} {row.architecture.name}"
        if row.state == "current" and row.detail.endswith(f" as seen from {HERE}"):
            lines.append(f"{name} {row.detail}")
        elsewhere = sorted(
            (state, region)
            for region, state in said.get(repo_key(
                (row.release_id, row.repository_id, row.architecture_id)), ())
            if state != row.state
        )  # fmt: skip
        for state in dict.fromkeys(state for state, _ in elsewhere):
            regions = ", ".join(region for s, region in elsewhere if s == state)
            lines.append(f"{name} {state} as seen from {regions}")
    return lines


def image_disagreements(image_states: list, vantage_states: list) -> list[str]:
    """The same for the ISO images: "image X wrong size as seen from Asia"."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone

    from ..checks.places import HERE, said

    recent = timezone.now() - dt.timedelta(minutes=2 * settings.MIRROR_CHECK_INTERVAL_MINUTES)
    seen: dict[int, list[tuple[str, str]]] = {}
    for point in vantage_states:
        if point.content_at is not None and point.content_at >= recent:
            for image_id, (state, _detail) in (point.images or {}).items():
                seen.setdefault(int(image_id), []).append((point.vantage.region, state))
    lines = []
    for row in image_states:
        name = f"image {row.image.name}"
        if row.state == "present" and row.detail.endswith(f" as seen from {HERE}"):
            lines.append(f"{name} {row.detail}")
        elsewhere = sorted((s, r) for r, s in seen.get(row.image_id, ()) if s != row.state)
        for state in dict.fromkeys(state for state, _ in elsewhere if state != "unknown"):
            regions = ", ".join(region for s, region in elsewhere if s == state)
            lines.append(f"{name} {said(state, image=True)} as seen from {regions}")
    return lines


def mirror_network_summary() -> dict:
    """Approved mirrors: how many, up, down, in how many countries (the home page's figures)."""
    from django.db.models import Count, Q

    from ..choices import MirrorStatus

    return Mirror.objects.approved().aggregate(
        total=Count("id"),
        up=Count("id", filter=Q(status=MirrorStatus.UP)),
        down=Count("id", filter=Q(status=MirrorStatus.DOWN)),
        countries=Count("country", distinct=True),
    )


def run_a_mirror_facts() -> dict:
    """What the "Run a mirror" page states: the releases carried, the size of their images,
    the internal mirrors a new mirror may sync from, the timestamp file and check interval."""
    from apps.releases.models import Image, Release

    served = Release.objects.served_by_mirrors()
    sizes = Image.objects.filter(release__in=served).values_list("size", flat=True)
    return {
        "releases": list(served),
        "image_bytes": sum(size or 0 for size in sizes),
        "upstreams": list(
            Mirror.objects.internal()
            .approved()
            .order_by("country", "name")
            .values_list("name", "country")
        ),
        "timestamp_file": settings.MASTER_TIMESTAMP_FILE,
        "interval": settings.MIRROR_CHECK_INTERVAL_MINUTES,
    }


def mirrors_bandwidth_share(*, mirror_ids: list[int], countries: list[str]) -> dict | None:
    """The share of the serving public mirrors' bandwidth in `countries` that the mirrors
    `mirror_ids` hold: the lists weigh mirrors by bandwidth, so it is about the share of the
    answers for those countries that send clients to them. One query; None without any."""
    rows = list(
        Mirror.objects.serving().public().filter(country__in=countries)
        .values_list("pk", "bandwidth_mbps")
    )  # fmt: skip
    mine = set(mirror_ids)
    total = sum(bandwidth or 0 for _, bandwidth in rows)
    ours = sum(bandwidth or 0 for pk, bandwidth in rows if pk in mine)
    if not total:
        return None
    return {"percent": round(100 * ours / total, 1), "ratio": ours / total,
            "mirrors": sum(1 for pk, _ in rows if pk in mine), "of": len(rows)}  # fmt: skip
