"""A believable recent history of the mirror checks for the demo data, so that a newcomer
who runs `make run` offline sees a living portal: most mirrors up and current, some a few
hours behind, a few down, a couple missing ISO images.

Deterministic for a seed and idempotent: it replaces the history it wrote before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from apps.mirrors.choices import (
    CheckError,
    CheckKind,
    ContentState,
    ImageState,
    MirrorStatus,
    MirrorTier,
    SweepState,
    SweepTrigger,
)
from apps.mirrors.models import (
    Check,
    CheckDaily,
    Mirror,
    MirrorImageState,
    MirrorRepositoryState,
    Sweep,
)
from apps.mirrors.selectors import CheckContext, probe_batches_build
from apps.mirrors.services import BATCH, check_daily_upsert
from apps.releases.models import Release, RepositoryVersion

from .pushes import demo_pushes_write

DEMO_NOTE = "Demo history (apps.mirrors.demo_history)."
HOURS = 24  # hourly sweeps with their checks; the days before as daily summaries
DAYS = 13
SWEEP_SECONDS = 40


@dataclass
class _Profile:
    kind: str  # current, behind, down, missing_iso, flaky
    latency: float  # typical milliseconds
    down_hours: int = 0  # down: failing since this many hours
    behind_by: int = 1  # behind: versions behind in the non-os repositories


def demo_history_write(*, now: dt.datetime | None = None, seed: int = 2007) -> dict[str, int]:
    """Write sweeps, checks, daily summaries and states for the approved demo mirrors."""
    now = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    with transaction.atomic():
        _repository_versions_ensure(now=now)
        old = Sweep.objects.filter(notes=DEMO_NOTE)
        Check.objects.filter(sweep__in=old).delete()
        old.delete()

        context = CheckContext.load()
        mirror_ids = list(Mirror.objects.approved().order_by("name").values_list("pk", flat=True))
        probe_batches = probe_batches_build(mirror_ids=mirror_ids, context=context)
        mirrors = Mirror.objects.in_bulk([p.mirror_id for p in probe_batches])
        probe_batches.sort(key=lambda batch: mirrors[batch.mirror_id].name)  # not by past failures
        profiles = {
            batch.mirror_id: _profile(mirrors[batch.mirror_id], seed) for batch in probe_batches
        }
        sweeps = _sweeps_write(now=now, probe_batches=probe_batches, profiles=profiles, seed=seed)
        _states_write(
            now=now,
            probe_batches=probe_batches,
            profiles=profiles,
            context=context,
            sweep=sweeps[-1],
        )
        _dailies_write(now=now, probe_batches=probe_batches, profiles=profiles, seed=seed)
        _mirrors_update(now=now, mirrors=mirrors, profiles=profiles)
        demo_pushes_write(now=now, kinds={pk: p.kind for pk, p in profiles.items()}, seed=seed)
    kinds = [p.kind for p in profiles.values()]
    return {kind: kinds.count(kind) for kind in sorted(set(kinds))} | {"sweeps": len(sweeps)}


def _profile(mirror: Mirror, seed: int) -> _Profile:
    rng = random.Random(f"{seed}:{mirror.name}")
    latency = rng.uniform(25, 90) if mirror.continent == "EU" else rng.uniform(60, 420)
    if mirror.tier != MirrorTier.EXTERNAL:
        return _Profile("current", latency / 2)
    draw = rng.random()
    if draw < 0.05:
        return _Profile("down", latency, down_hours=rng.choice([2, 3, 5, 9, 20]))
    if draw < 0.16:
        return _Profile("behind", latency, behind_by=rng.choice([1, 1, 2]))
    if draw < 0.19:
        return _Profile("missing_iso", latency)
    if draw < 0.25:
        return _Profile("flaky", latency)
    return _Profile("current", latency)


def _up_at(profile: _Profile, hours_ago: int, rng: random.Random) -> bool:
    if profile.kind == "down":
        return hours_ago >= profile.down_hours
    if profile.kind == "flaky":
        return rng.random() > 0.12
    return True


def _sweeps_write(*, now, probe_batches, profiles, seed) -> list[Sweep]:
    """Hourly sweeps of the last day with a timestamp-file check per mirror and, in the
    newest sweep, the repository and image checks too."""
    sweeps, checks = [], []
    for hours_ago in range(HOURS - 1, -1, -1):
        started = now - dt.timedelta(hours=hours_ago)
        rng = random.Random(f"{seed}:sweep:{hours_ago}")
        failed = 0
        sweep = Sweep(
            state=SweepState.FINISHED,
            trigger=SweepTrigger.PERIODIC,
            started_at=started,
            finished_at=started + dt.timedelta(seconds=SWEEP_SECONDS + rng.randint(0, 20)),
            lease_expires_at=started + dt.timedelta(hours=1),
            chunks_total=1,
            chunks_done=1,
            mirrors_total=len(probe_batches),
            mirrors_checked=len(probe_batches),
            master_ok=True,
            master_timestamp=int(started.timestamp()) - 1800,
            notes=DEMO_NOTE,
        )
        sweep_checks = []
        for batch in probe_batches:
            profile = profiles[batch.mirror_id]
            up = _up_at(profile, hours_ago, rng)
            failed += not up
            url_id, base = batch.urls[0]
            at = started + dt.timedelta(seconds=rng.uniform(0, SWEEP_SECONDS))
            sweep_checks.append(
                _check(batch.mirror_id, url_id, base + batch.timestamp_path, CheckKind.TIMESTAMP,
                       at, profile, rng, error="" if up else _failure(rng))
            )  # fmt: skip
            if hours_ago == 0 and up:
                for target in batch.targets:
                    sweep_checks.append(
                        _check(batch.mirror_id, url_id, base + target.path, target.kind,
                               at, profile, rng, error="", target=target)
                    )  # fmt: skip
        sweep.mirrors_failed = failed
        sweep.checks_count = len(sweep_checks)
        sweep.save()
        for check in sweep_checks:
            check.sweep = sweep
        checks += sweep_checks
        sweeps.append(sweep)
    ups = sum(1 for p in profiles.values() if p.kind != "down")
    Sweep.objects.filter(pk=sweeps[-1].pk).update(
        mirrors_up=ups, mirrors_down=len(probe_batches) - ups
    )
    Check.objects.bulk_create(checks, batch_size=BATCH)
    return sweeps


def _failure(rng: random.Random) -> str:
    return rng.choice([CheckError.TIMEOUT, CheckError.TIMEOUT, CheckError.REFUSED,
                       CheckError.HTTP_STATUS, CheckError.DNS])  # fmt: skip


def _check(mirror_id, url_id, url, kind, at, profile, rng, *, error, target=None) -> Check:
    latency = max(3, round(rng.gauss(profile.latency, profile.latency / 5)))
    status: int | None = 200
    if error == CheckError.TIMEOUT:
        latency, status = 10_000, None
    elif error in (CheckError.REFUSED, CheckError.DNS):
        latency, status = round(latency / 3), None
    elif error == CheckError.HTTP_STATUS:
        status = rng.choice([403, 500, 503])
    if target is not None and target.kind == CheckKind.IMAGE and profile.kind == "missing_iso":
        missing = _iso_missing(target, mirror_id)
        status, error = (404, CheckError.HTTP_STATUS) if missing else (200, "")
    detail = {
        CheckError.TIMEOUT: "no answer within 10 s",
        CheckError.REFUSED: "Connection refused",
        CheckError.DNS: "Name or service not known",
        CheckError.HTTP_STATUS: f"HTTP {status}",
    }.get(error, "")
    size = {CheckKind.TIMESTAMP: 11, CheckKind.REPOMD: 3_000}.get(kind, 0)
    return Check(
        mirror_id=mirror_id,
        mirror_url_id=url_id,
        url=url,
        kind=kind,
        checked_at=at,
        http_status=status,
        latency_ms=latency,
        bytes=size if not error else 0,
        error=error,
        detail=detail,
    )


def _iso_missing(target, mirror_id: int) -> bool:
    """A couple of images (the DVDs, and one more) are missing on a missing_iso mirror."""
    digest = hashlib.sha256(f"{target.path}:{mirror_id}".encode()).digest()
    return "DVD" in target.path or digest[0] < 40


def _states_write(*, now, probe_batches, profiles, context, sweep) -> None:
    repo_rows, image_rows = [], []
    names = {r.pk: r.name for rel in context.releases.values() for r in rel.repositories.all()}
    for batch in probe_batches:
        profile = profiles[batch.mirror_id]
        # A down mirror keeps what it had when it was last seen.
        checked = now - dt.timedelta(hours=profile.down_hours)
        for target in batch.targets:
            if target.kind == CheckKind.REPOMD:
                versions = context.versions[target.key]
                index = 0
                if profile.kind == "behind" and names[target.key[1]] != "os":  # os rarely moves
                    index = min(profile.behind_by, len(versions) - 1)
                version = versions[index]
                lag = 0 if index == 0 else round(checked.timestamp() - version.published_at)
                repo_rows.append(
                    MirrorRepositoryState(
                        mirror_id=batch.mirror_id,
                        release_id=target.key[0],
                        repository_id=target.key[1],
                        architecture_id=target.key[2],
                        state=ContentState.CURRENT if index == 0 else ContentState.BEHIND,
                        timestamp=version.timestamp,
                        sha256=version.sha256,
                        lag_seconds=max(0, lag),
                        checked_at=checked,
                    )
                )
            elif target.kind == CheckKind.IMAGE:
                missing = profile.kind == "missing_iso" and _iso_missing(target, batch.mirror_id)
                image_rows.append(
                    MirrorImageState(
                        mirror_id=batch.mirror_id,
                        image_id=target.key,
                        state=ImageState.MISSING if missing else ImageState.PRESENT,
                        checked_at=checked,
                    )
                )
    MirrorRepositoryState.objects.bulk_create(
        repo_rows,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["mirror", "release", "repository", "architecture"],
        update_fields=["state", "timestamp", "sha256", "lag_seconds", "checked_at"],
    )
    MirrorImageState.objects.bulk_create(
        image_rows,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["mirror", "image"],
        update_fields=["state", "checked_at"],
    )


def _dailies_write(*, now, probe_batches, profiles, seed) -> None:
    """Daily summaries for the days before the detailed history (48 sweeps a day)."""
    rows = []
    for days_ago in range(1, DAYS + 1):
        day = (now - dt.timedelta(days=days_ago)).date()
        for batch in probe_batches:
            profile = profiles[batch.mirror_id]
            rng = random.Random(f"{seed}:{batch.mirror_id}:{day}")
            failures = rng.choice([0, 0, 0, 0, 1]) + (
                rng.randint(2, 9) if profile.kind == "flaky" else 0
            )
            checks = 48 * (1 + len(batch.targets))
            mean = rng.gauss(profile.latency, profile.latency / 10)
            rows.append(
                CheckDaily(
                    mirror_id=batch.mirror_id,
                    day=day,
                    checks=checks,
                    failures=failures,
                    success_ratio=(checks - failures) / checks,
                    latency_mean_ms=round(mean, 1),
                    latency_p95_ms=round(mean * rng.uniform(1.6, 2.4)),
                )
            )
    check_daily_upsert(rows=rows)


def _mirrors_update(*, now, mirrors, profiles) -> None:
    for mirror_id, mirror in mirrors.items():
        profile = profiles[mirror_id]
        mirror.last_checked_at = now
        mirror.stale_notified = False
        if profile.kind == "down":
            mirror.status = MirrorStatus.DOWN
            mirror.status_since = now - dt.timedelta(hours=profile.down_hours - 1)
            mirror.consecutive_failures, mirror.consecutive_successes = profile.down_hours, 0
            mirror.last_success_at = now - dt.timedelta(hours=profile.down_hours)
        else:
            mirror.status = MirrorStatus.UP
            mirror.status_since = now - dt.timedelta(days=DAYS)
            mirror.consecutive_failures, mirror.consecutive_successes = 0, HOURS
            mirror.last_success_at = now
    Mirror.objects.bulk_update(
        list(mirrors.values()),
        ["last_checked_at", "stale_notified", "status", "status_since",
         "consecutive_failures", "consecutive_successes", "last_success_at"],
        batch_size=BATCH // 4,
    )  # fmt: skip


def _repository_versions_ensure(*, now: dt.datetime) -> None:
    """Three versions for every served repository that has none (fake, deterministic)."""
    have = set(
        RepositoryVersion.objects.values_list("release_id", "repository_id", "architecture_id")
    )
    rows = []
    for release in Release.objects.served_by_mirrors().prefetch_related(
        "architectures", "repositories"
    ):
        for repo in release.repositories.all():
            for arch in release.architectures.all():
                if (release.pk, repo.pk, arch.pk) in have:
                    continue
                for age in range(3):
                    published = now - dt.timedelta(hours=2 + 6 * age)
                    key = f"{release.version}/{repo.name}/{arch.name}/{int(published.timestamp())}"
                    rows.append(
                        RepositoryVersion(
                            release=release,
                            repository=repo,
                            architecture=arch,
                            timestamp=int(published.timestamp()),
                            sha256=hashlib.sha256(key.encode()).hexdigest(),
                            sha512=hashlib.sha512(key.encode()).hexdigest(),
                            size=3000,
                            published_at=published,
                        )
                    )
    RepositoryVersion.objects.bulk_create(rows, batch_size=BATCH)
