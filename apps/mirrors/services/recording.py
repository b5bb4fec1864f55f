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

from apps.core.audit import audit_record

from ..checks.engine import MirrorOutcome
from ..checks.images import span_named
from ..choices import ContentState, ImageState, MirrorTier
from ..models import (
    Check,
    MaintenanceWindow,
    Mirror,
    MirrorImageState,
    MirrorRepositoryState,
    PushArrival,
    Sweep,
)
from ..selectors.probe_batches import CheckContext
from .master import BATCH
from .probe_tally import ProbeTally
from .rows import CHECK_COLUMNS, rows_insert
from .status import Notice, mirror_status_next, notices_send
from .url_states import outcome_url_results, url_states_record

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
    tally = ProbeTally(
        sweep_id=sweep.pk if sweep else None,
        images_by_id={i.pk: i for images in context.images.values() for i in images},
    )
    for outcome in outcomes:
        max_lag: int | None = None
        for probe in outcome.probes:
            lag = tally.probe_add(outcome.mirror_id, probe, context)
            if lag is not None:
                max_lag = max(max_lag or 0, lag)
        why = next(
            (
                f"{p.result.url}: {p.result.error} ({p.result.detail})"
                for p in outcome.probes
                if not p.result.ok
            ),
            "",
        )
        tally.verdicts[outcome.mirror_id] = (outcome.reachable, max_lag, why)
        tally.url_results += outcome_url_results(outcome)
    tally.majority_apply(now)  # the vantage points' votes, when there are any
    with transaction.atomic():
        rows_insert(Check, CHECK_COLUMNS, tally.checks)
        _repository_states_record(states=tally.repo_states, now=now, answered=tally.answered,
                                  here=tally.repo_here)  # fmt: skip
        _image_states_record(states=tally.image_states, now=now, answered=tally.parts_right,
                             here=tally.image_here)  # fmt: skip
        url_states_record(results=tally.url_results, now=now)
        notices = _mirrors_status_record(verdicts=tally.verdicts, now=now)
        _push_arrivals_record(followed=tally.followed, pushes=context.pushes, now=now)
        if notices:
            transaction.on_commit(lambda: notices_send(notices=notices))
    logger.info(
        "Recorded %d checks of %d mirrors in %.1f s",
        len(tally.checks),
        len(outcomes),
        time.perf_counter() - clock,
    )
    return len(tally.checks)


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
    *, states: dict[tuple, tuple], now: dt.datetime, answered: set[tuple[int, str]],
    here: dict[tuple, tuple] | None = None,
) -> None:  # fmt: skip
    """Upsert the states that changed. An incomplete repository stays so, its package named,
    while the mirror serves the same version and that package was not served right since
    (the samples are random: one check's luck does not clear it). `here`: this place's own
    verdict where the majority's differs (apps.mirrors.services.vantage_majority)."""
    here = {key: list(value) for key, value in (here or {}).items()}
    unchanged = []
    checked = connection.ops.adapt_datetimefield_value(now)
    mirror_ids = sorted({key[0] for key in states})
    for start in range(0, len(mirror_ids), BATCH):
        for pk, *key, state, sha256, lag, stamp, detail, own in (
            MirrorRepositoryState.objects.filter(mirror_id__in=mirror_ids[start : start + BATCH])
            .values_list("pk", "mirror_id", "release_id", "repository_id", "architecture_id",
                         "state", "sha256", "lag_seconds", "timestamp", "detail", "here")
        ):  # fmt: skip
            new = states.get(tuple(key))
            if (
                new is not None and state == ContentState.INCOMPLETE
                and new[:2] == (ContentState.CURRENT, sha256)
                and (key[0], detail.partition(": ")[0]) not in answered
            ):  # fmt: skip
                new = states[tuple(key)] = (state, *new[1:4], detail)
            if (
                new is not None and new == (state, sha256, lag, stamp, detail)
                and here.get(tuple(key)) == own
            ):  # fmt: skip
                unchanged.append(pk)
                del states[tuple(key)]
    rows_insert(
        MirrorRepositoryState,
        ["mirror", "release", "repository", "architecture", "state", "sha256", "lag_seconds",
         "timestamp", "detail", "checked_at", "here"],
        [(*key, *values, checked, _json(here.get(key))) for key, values in states.items()],
        unique=["mirror", "release", "repository", "architecture"],
        update=["state", "sha256", "lag_seconds", "timestamp", "detail", "checked_at", "here"],
    )  # fmt: skip
    for start in range(0, len(unchanged), BATCH):
        MirrorRepositoryState.objects.filter(pk__in=unchanged[start : start + BATCH]).update(
            checked_at=now
        )


def _json(value):
    """A JSON column's value for rows_insert (None: SQL NULL)."""
    return None if value is None else connection.ops.adapt_json_value(value, None)


def _image_states_record(
    *, states: dict[tuple[int, int], tuple[str, str]], now: dt.datetime, answered: set,
    here: dict[tuple, tuple] | None = None,
) -> None:  # fmt: skip
    """Upsert the states that changed. An incomplete image stays so, its range named, while
    the mirror still serves it whole and that range was not served right since."""
    here = {key: list(value) for key, value in (here or {}).items()}
    unchanged = []
    mirror_ids = sorted({key[0] for key in states})
    for start in range(0, len(mirror_ids), BATCH):
        for pk, *key, state, detail, own in MirrorImageState.objects.filter(
            mirror_id__in=mirror_ids[start : start + BATCH]
        ).values_list("pk", "mirror_id", "image_id", "state", "detail", "here"):
            new, key = states.get(tuple(key)), tuple(key)
            if (
                new is not None and state == ImageState.INCOMPLETE
                and new[0] == ImageState.PRESENT and (*key, span_named(detail)) not in answered
            ):  # fmt: skip
                new = states[key] = (state, detail)
            if new == (state, detail) and here.get(key) == own:
                unchanged.append(pk)
                del states[key]
    checked = connection.ops.adapt_datetimefield_value(now)
    rows_insert(
        MirrorImageState,
        ["mirror", "image", "state", "detail", "checked_at", "here"],
        [(*key, state, detail, checked, _json(here.get(key)))
         for key, (state, detail) in states.items()],
        unique=["mirror", "image"],
        update=["state", "detail", "checked_at", "here"],
    )  # fmt: skip
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
            "name", "contact_email", "approval", *MIRROR_CHECK_FIELDS
        )
        for mirror in batch:
            reachable, lag, why = verdicts[mirror.pk]
            before = (mirror.status, mirror.suspended_at, mirror.stale_notified)
            events = mirror_status_next(
                mirror=mirror,
                reachable=reachable,
                stale=lag is not None and lag > stale_after,
                now=now,
            )
            notices += [Notice(mirror, event, why) for event in events]
            if (mirror.status, mirror.suspended_at, mirror.stale_notified) != before:
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
    for notice in notices:  # the checks' suspensions, in the audit log as the system's
        if notice.event == "suspended":
            mirror = notice.mirror
            changes = {"suspended_at": (None, mirror.suspended_at),
                       "suspended_reason": ("", mirror.suspended_reason)}  # fmt: skip
            audit_record(mirror, changes=changes)
    return notices


MIRROR_CHECK_FIELDS = [
    "status", "status_since", "consecutive_failures", "consecutive_successes",
    "last_checked_at", "last_success_at", "suspended_at", "suspended_reason", "stale_notified",
]  # fmt: skip
