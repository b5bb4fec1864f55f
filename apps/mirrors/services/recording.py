"""Recording a chunk's probes: the checks as rows, each mirror's repository and image
states, its status, and the pushes it was first seen following, all in bulk queries."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Sequence

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ..checks.engine import MirrorOutcome
from ..checks.evaluate import (
    image_state_evaluate,
    repository_state_evaluate,
)
from ..checks.packages import package_problem
from ..choices import (
    CheckKind,
    ContentState,
    MirrorTier,
)
from ..models import (
    Check,
    MaintenanceWindow,
    Mirror,
    MirrorImageState,
    MirrorRepositoryState,
    PushArrival,
    Sweep,
)
from ..selectors.plans import CheckContext
from .master import BATCH
from .rows import rows_insert
from .status import Notice, mirror_status_next, notices_send
from .url_states import URLResult, outcome_url_results, url_states_record

logger = logging.getLogger(__name__)


def outcomes_record(
    *,
    sweep: Sweep | None,
    outcomes: Sequence[MirrorOutcome],
    context: CheckContext,
    now: dt.datetime | None = None,
) -> int:
    """Record probes as checks, update content states and statuses; return the check count.

    Every write is a bulk query in batches; the emails go out after the commit. Content
    states that did not change are only touched (one UPDATE), not rewritten.
    """
    now = now or timezone.now()
    clock = time.perf_counter()
    adapt = connection.ops.adapt_datetimefield_value
    images_by_id = {i.pk: i for images in context.images.values() for i in images}
    checks: list[tuple] = []
    repo_states: dict[tuple, tuple] = {}  # (mirror, release, repository, arch) -> values
    image_states: dict[tuple[int, int], str] = {}  # (mirror, image) -> state
    verdicts: dict[int, tuple[bool, int | None, str]] = {}  # mirror -> (reachable, lag, why)
    followed: set[tuple[int, int]] = set()  # (push, mirror) seen holding a push's version
    url_results: list[URLResult] = []
    answered: set[tuple[int, str]] = set()  # (mirror, package path) served right
    sweep_id = sweep.pk if sweep else None
    for outcome in outcomes:
        max_lag: int | None = None
        for probe in outcome.probes:
            result, target = probe.result, probe.target
            checks.append(
                (sweep_id, outcome.mirror_id, probe.url_id, result.url[:1000], target.kind,
                 adapt(dt.datetime.fromtimestamp(result.started, tz=dt.UTC)), result.status,
                 result.latency_ms, result.nbytes, result.error or "", result.detail[:200],
                 result.family)
            )  # fmt: skip
            if target.kind == CheckKind.REPOMD:
                state, lag, stamp = repository_state_evaluate(
                    probe.sha256,
                    probe.repomd.timestamp if probe.repomd else None,
                    context.versions[target.key],
                    result.started,
                )
                if state == ContentState.BEHIND and lag is not None:
                    max_lag = max(max_lag or 0, lag)
                repo_states[(outcome.mirror_id, *target.key)] = (
                    state, probe.sha256 or "", lag, stamp, ""
                )  # fmt: skip
                for push_id in context.push_versions.get(probe.sha256 or "", ()):
                    followed.add((push_id, outcome.mirror_id))
            elif target.kind == CheckKind.PACKAGE:  # asked only of a current repository
                length = result.content_length if result.content_length is not None else (
                    result.nbytes if target.sha256 and result.ok else None
                )  # fmt: skip
                problem = package_problem(target, result.status, length, probe.sha256)
                if problem == "":
                    answered.add((outcome.mirror_id, target.path))
                key = (outcome.mirror_id, *target.key)
                if problem and repo_states.get(key, ("",))[0] == ContentState.CURRENT:
                    state, sha256, lag, stamp, _detail = repo_states[key]
                    repo_states[key] = (ContentState.INCOMPLETE, sha256, lag, stamp, problem)
            elif target.kind == CheckKind.IMAGE:
                image = images_by_id[target.key]
                # ftp has no HTTP status: a SIZE that answered is its 200
                status = result.status if result.status is not None or not result.ok else 200
                image_states[(outcome.mirror_id, image.pk)] = image_state_evaluate(
                    status, result.content_length, image.size
                )
        why = next(
            (
                f"{p.result.url}: {p.result.error} ({p.result.detail})"
                for p in outcome.probes
                if not p.result.ok
            ),
            "",
        )
        verdicts[outcome.mirror_id] = (outcome.reachable, max_lag, why)
        url_results += outcome_url_results(outcome)

    with transaction.atomic():
        rows_insert(Check, CHECK_COLUMNS, checks)
        _repository_states_record(states=repo_states, now=now, answered=answered)
        _image_states_record(states=image_states, now=now)
        url_states_record(results=url_results, now=now)
        notices = _mirrors_status_record(verdicts=verdicts, now=now)
        _push_arrivals_record(followed=followed, pushes=context.pushes, now=now)
        if notices:
            transaction.on_commit(lambda: notices_send(notices=notices))
    logger.info(
        "Recorded %d checks of %d mirrors in %.1f s",
        len(checks),
        len(outcomes),
        time.perf_counter() - clock,
    )
    return len(checks)


CHECK_COLUMNS = [
    "sweep", "mirror", "mirror_url", "url", "kind", "checked_at", "http_status", "latency_ms",
    "bytes", "error", "detail", "family",
]  # fmt: skip


def _push_arrivals_record(
    *, followed: set[tuple[int, int]], pushes: dict[int, dt.datetime], now: dt.datetime
) -> None:
    """A PushArrival for each (push, mirror) not recorded before: the first check that saw
    the mirror holding the push's versions.

    Only approved mirrors (masters aside) that existed when the push was detected follow
    it, as Push.mirrors_expected counts them: a mirror registered since holds the newest
    versions from its first check, which says nothing about how fast it syncs. The known
    arrivals are read per batch of mirrors, so a sweep does not rewrite those of every
    mirror that is current.
    """
    if not followed:
        return
    push_ids = sorted({push_id for push_id, _ in followed})
    mirror_ids = sorted({mirror_id for _, mirror_id in followed})
    created: dict[int, dt.datetime] = {}
    known: set[tuple[int, int]] = set()
    for start in range(0, len(mirror_ids), BATCH):
        batch = mirror_ids[start : start + BATCH]
        created.update(
            Mirror.objects.approved()
            .exclude(tier=MirrorTier.MASTER)
            .filter(pk__in=batch)
            .values_list("pk", "created")
        )
        known.update(
            PushArrival.objects.filter(push_id__in=push_ids, mirror_id__in=batch).values_list(
                "push_id", "mirror_id"
            )
        )
    seen_at = connection.ops.adapt_datetimefield_value(now)
    rows_insert(
        PushArrival,
        ["push", "mirror", "seen_at", "delay_seconds"],
        [
            (push_id, mirror_id, seen_at, max(0, round((now - pushes[push_id]).total_seconds())))
            for push_id, mirror_id in sorted(followed - known)
            if mirror_id in created and created[mirror_id] <= pushes[push_id]
        ],
        unique=["push", "mirror"],  # a check of the same mirror recorded meanwhile wins
    )


def _repository_states_record(
    *, states: dict[tuple, tuple], now: dt.datetime, answered: set[tuple[int, str]]
) -> None:
    """Upsert the states that changed. An incomplete repository stays so, its package named,
    while the mirror serves the same version and that package was not served right since
    (the samples are random: one check's luck does not clear it)."""
    unchanged = []
    checked = connection.ops.adapt_datetimefield_value(now)
    mirror_ids = sorted({key[0] for key in states})
    for start in range(0, len(mirror_ids), BATCH):
        for pk, *key, state, sha256, lag, stamp, detail in MirrorRepositoryState.objects.filter(
            mirror_id__in=mirror_ids[start : start + BATCH]
        ).values_list(
            "pk", "mirror_id", "release_id", "repository_id", "architecture_id", "state",
            "sha256", "lag_seconds", "timestamp", "detail",
        ):  # fmt: skip
            new = states.get(tuple(key))
            if (
                new is not None and state == ContentState.INCOMPLETE
                and new[:2] == (ContentState.CURRENT, sha256)
                and (key[0], detail.partition(": ")[0]) not in answered
            ):  # fmt: skip
                new = states[tuple(key)] = (state, *new[1:4], detail)
            if new is not None and new == (state, sha256, lag, stamp, detail):
                unchanged.append(pk)
                del states[tuple(key)]
    rows_insert(
        MirrorRepositoryState,
        ["mirror", "release", "repository", "architecture", "state", "sha256", "lag_seconds",
         "timestamp", "detail", "checked_at"],
        [(*key, *values, checked) for key, values in states.items()],
        unique=["mirror", "release", "repository", "architecture"],
        update=["state", "sha256", "lag_seconds", "timestamp", "detail", "checked_at"],
    )  # fmt: skip
    for start in range(0, len(unchanged), BATCH):
        MirrorRepositoryState.objects.filter(pk__in=unchanged[start : start + BATCH]).update(
            checked_at=now
        )


def _image_states_record(*, states: dict[tuple[int, int], str], now: dt.datetime) -> None:
    unchanged = []
    mirror_ids = sorted({key[0] for key in states})
    for start in range(0, len(mirror_ids), BATCH):
        for pk, mirror_id, image_id, state in MirrorImageState.objects.filter(
            mirror_id__in=mirror_ids[start : start + BATCH]
        ).values_list("pk", "mirror_id", "image_id", "state"):
            if states.get((mirror_id, image_id)) == state:
                unchanged.append(pk)
                del states[(mirror_id, image_id)]
    checked = connection.ops.adapt_datetimefield_value(now)
    rows_insert(
        MirrorImageState,
        ["mirror", "image", "state", "checked_at"],
        [(*key, state, checked) for key, state in states.items()],
        unique=["mirror", "image"],
        update=["state", "checked_at"],
    )
    for start in range(0, len(unchanged), BATCH):
        MirrorImageState.objects.filter(pk__in=unchanged[start : start + BATCH]).update(
            checked_at=now
        )


def _mirrors_status_record(
    *, verdicts: dict[int, tuple[bool, int | None, str]], now: dt.datetime
) -> list[Notice]:
    """Apply the hysteresis to every mirror and save it; return what to tell owners.

    Most mirrors only count one more success or failure: those are two UPDATEs with F()
    per batch, and only the mirrors whose status changed go through bulk_update.
    """
    stale_after = settings.MIRROR_CHECK_STALE_EMAIL_SECONDS
    notices, changed, succeeded, failed = [], [], [], []
    # A window that opened during the sweep: its checks are kept, but they change no
    # status, count no failure and send no email.
    resting = set(MaintenanceWindow.objects.open_at(now).values_list("mirror_id", flat=True))
    resting &= set(verdicts)  # the open windows are few: no IN list of the whole chunk
    ids = [pk for pk in verdicts if pk not in resting]
    for start in range(0, len(ids), BATCH):
        batch = Mirror.objects.filter(pk__in=ids[start : start + BATCH]).only(
            "name", "contact_email", *MIRROR_CHECK_FIELDS
        )
        for mirror in batch:
            reachable, lag, why = verdicts[mirror.pk]
            before = (mirror.status, mirror.approval, mirror.stale_notified)
            events = mirror_status_next(
                mirror=mirror,
                reachable=reachable,
                stale=lag is not None and lag > stale_after,
                now=now,
            )
            notices += [Notice(mirror, event, why) for event in events]
            if (mirror.status, mirror.approval, mirror.stale_notified) != before:
                changed.append(mirror)
            else:
                (succeeded if reachable else failed).append(mirror.pk)
    for start in range(0, len(succeeded), BATCH):
        Mirror.objects.filter(pk__in=succeeded[start : start + BATCH]).update(
            consecutive_successes=F("consecutive_successes") + 1,
            consecutive_failures=0,
            last_checked_at=now,
            last_success_at=now,
        )
    for start in range(0, len(failed), BATCH):
        Mirror.objects.filter(pk__in=failed[start : start + BATCH]).update(
            consecutive_failures=F("consecutive_failures") + 1,
            consecutive_successes=0,
            last_checked_at=now,
        )
    resting_ids = sorted(resting)
    for start in range(0, len(resting_ids), BATCH):
        Mirror.objects.filter(pk__in=resting_ids[start : start + BATCH]).update(last_checked_at=now)
    Mirror.objects.bulk_update(changed, MIRROR_CHECK_FIELDS, batch_size=BATCH // 4)
    return notices


MIRROR_CHECK_FIELDS = [
    "status", "status_since", "consecutive_failures", "consecutive_successes",
    "last_checked_at", "last_success_at", "approval", "approval_reason", "stale_notified",
]  # fmt: skip
