"""Content checks from several places. Each sweep chunk sends its probe batches' repository
probes (repomd.xml and the sampled packages) to every enabled vantage point's queue; the vantage
point runs the same probes (`probe_batches_run`) from its own network, with no database, and
sends back what each answer held. The portal's workers record those answers as checks
naming the vantage point, and its verdict per repository on MirrorVantageState.content.

When a chunk is recorded here, a repository's state is the majority's of this place and
the vantage points that checked it lately (a tie keeps it in the lists, as for health);
where they disagree the mirror's page says so ("behind as seen from Asia")."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.core.http import SafeClient

from ..checks.engine import ProbeBatch, Target, loop_run, probe_batches_run
from ..checks.evaluate import repository_state_evaluate
from ..checks.packages import package_problem
from ..checks.places import HERE, repo_key
from ..choices import CheckKind, ContentState
from ..models import Check, Mirror, MirrorURL, MirrorVantageState, VantagePoint
from .master import BATCH
from .rows import CHECK_COLUMNS, rows_insert

logger = logging.getLogger(__name__)


def probe_batches_pack(batches: Sequence[ProbeBatch]) -> list:
    """The repository probes of the batches, as JSON for a vantage point's queue."""

    def target(t: Target) -> list:
        return [t.kind, t.path, list(t.key), sorted(t.known), t.newest, t.size, t.sha256]

    return [
        [p.mirror_id, [list(u) for u in p.urls], p.timestamp_path,
         [target(t) for t in p.targets if t.kind == CheckKind.REPOMD],
         [target(t) for t in p.samples]]
        for p in batches
    ]  # fmt: skip


def probe_batches_unpack(packed: Sequence) -> list[ProbeBatch]:
    def target(kind, path, key, known, newest, size, sha256) -> Target:
        return Target(kind, path, tuple(key), frozenset(known), newest, size, sha256)

    return [
        ProbeBatch(mirror_id, [tuple(u) for u in urls], stamp, [target(*t) for t in targets],
                   [target(*t) for t in samples])
        for mirror_id, urls, stamp, targets, samples in packed
    ]  # fmt: skip


def vantage_content_dispatch(batches: Sequence[ProbeBatch]) -> int:
    """Send a chunk's repository probes to every enabled vantage point; how many were asked.
    None enabled (the default, one machine): nothing is sent."""
    points = list(VantagePoint.objects.filter(enabled=True))
    if not points or not batches:
        return 0
    packed = probe_batches_pack(batches)
    for point in points:
        try:
            current_app.send_task(  # by name: the tasks import the services, not back
                "mirrors.vantage_content",
                args=(point.name, packed, settings.MIRROR_VANTAGE_REPLY_QUEUE or None),
                queue=point.queue, expires=settings.MIRROR_CHECK_INTERVAL_MINUTES * 60,
            )  # fmt: skip
        except Exception:  # noqa: BLE001
            logger.exception("Could not send the content checks to vantage point %s", point.name)
    return len(points)


def vantage_content_probe(packed: Sequence) -> list:
    """On the vantage point (no database): probe the batches from here; for each mirror
    [id, reachable, probes], each probe [url id, url, kind, repository key, started,
    status, latency, bytes, error, detail, family, sha256, repomd timestamp, problem]."""
    outcomes = loop_run(
        probe_batches_run(probe_batches_unpack(packed), client=SafeClient.from_settings(),
                    concurrency=settings.MIRROR_CHECK_CONCURRENCY),
        fast_loop=settings.MIRROR_CHECK_UVLOOP,
    )  # fmt: skip
    results = []
    for outcome in outcomes:
        probes = []
        for probe in outcome.probes:
            r, t = probe.result, probe.target
            problem = None
            if t.kind == CheckKind.PACKAGE:
                length = r.content_length if r.content_length is not None else (
                    r.nbytes if t.sha256 and r.ok else None
                )  # fmt: skip
                problem = package_problem(t, r.status, length, probe.sha256)
            probes.append([
                probe.url_id, r.url[:1000], t.kind, list(t.key) if t.key else None, r.started,
                r.status, r.latency_ms, r.nbytes, str(getattr(r.error, "value", r.error) or ""),
                r.detail[:200], r.family or "", probe.sha256,
                probe.repomd.timestamp if probe.repomd else None, problem,
            ])  # fmt: skip
        results.append([outcome.mirror_id, outcome.reachable, probes])
    return results


@transaction.atomic
def vantage_content_record(*, vantage: str, results: Sequence, now=None) -> int:
    """What a vantage point's content checks saw: its probes as checks naming it, and its
    verdict per repository of each mirror it reached; the number of checks."""
    from ..selectors.probe_batches import CheckContext

    now = now or timezone.now()
    point = VantagePoint.objects.filter(name=vantage).first()
    if point is None:
        logger.warning("Content results from unknown vantage point %r dropped", vantage)
        return 0
    mirror_ids = {int(r[0]) for r in results}
    mirror_ids &= set(Mirror.objects.filter(pk__in=mirror_ids).values_list("pk", flat=True))
    url_ids = set(MirrorURL.objects.filter(mirror_id__in=mirror_ids).values_list("pk", flat=True))
    versions = CheckContext.load().versions
    adapt = connection.ops.adapt_datetimefield_value
    rows, verdicts = [], {}
    for mirror_id, reachable, probes in results:
        if mirror_id not in mirror_ids:
            continue
        content: dict[str, list] = {}
        for url_id, url, kind, key, started, status, latency, nbytes, error, detail, family, \
                sha256, stamp, problem in probes:  # fmt: skip
            rows.append((None, mirror_id, url_id if url_id in url_ids else None, url, kind,
                         adapt(dt.datetime.fromtimestamp(started, tz=dt.UTC)), status, latency,
                         nbytes, error, detail, family, point.name))  # fmt: skip
            if not reachable or key is None or tuple(key) not in versions:
                continue
            name = repo_key(key)
            if kind == CheckKind.REPOMD:
                state, lag, _ = repository_state_evaluate(sha256, stamp, versions[tuple(key)],
                                                          started)  # fmt: skip
                content[name] = [state, lag, ""]
            elif kind == CheckKind.PACKAGE and problem and _current(content.get(name)):
                content[name] = [ContentState.INCOMPLETE, None, problem[:300]]
        verdicts[mirror_id] = (bool(reachable), content)
    rows_insert(Check, CHECK_COLUMNS, rows)
    _states_save(point, verdicts, now)
    return len(rows)


def _current(verdict: list | None) -> bool:
    return verdict is not None and verdict[0] == ContentState.CURRENT


def _states_save(point: VantagePoint, verdicts: dict, now: dt.datetime) -> None:
    known = {
        s.mirror_id: s
        for s in MirrorVantageState.objects.select_for_update().filter(
            vantage=point, mirror_id__in=list(verdicts)
        )
    }
    changed, new = [], []
    for pk, (reachable, content) in verdicts.items():
        state = known.get(pk)
        if state is None:
            new.append(MirrorVantageState(mirror_id=pk, vantage=point, reachable=reachable,
                                          since=now, checked_at=now, content=content,
                                          content_at=now))  # fmt: skip
        else:
            state.content, state.content_at = content, now
            changed.append(state)
    MirrorVantageState.objects.bulk_create(new, ignore_conflicts=True)
    MirrorVantageState.objects.bulk_update(changed, ["content", "content_at"])


def content_majority(states: dict[tuple, tuple], *, now: dt.datetime) -> set[int]:
    """Apply the majority to this place's repository states, in place: (mirror, release,
    repository, architecture) -> (state, sha256, lag, timestamp, detail). A state is the
    majority's of this place and the vantage points that checked it lately; a tie keeps
    it current. With no vantage point's verdict (the default), nothing changes. The mirrors
    whose states the votes changed."""
    recent = now - dt.timedelta(minutes=2 * settings.MIRROR_CHECK_INTERVAL_MINUTES)
    seen: dict[tuple[int, str], list[tuple]] = defaultdict(list)
    mirror_ids = sorted({key[0] for key in states})
    for start in range(0, len(mirror_ids), BATCH):
        for pk, region, content in MirrorVantageState.objects.filter(
            mirror_id__in=mirror_ids[start : start + BATCH], content_at__gte=recent,
            vantage__enabled=True,
        ).values_list("mirror_id", "vantage__region", "content"):  # fmt: skip
            for name, (state, lag, detail) in content.items():
                seen[(pk, name)].append((region, state, lag, detail))
    swayed: set[int] = set()
    if not seen:
        return swayed
    for key, (here, sha256, _lag, stamp, _detail) in list(states.items()):
        votes = seen.get((key[0], repo_key(key[1:])))
        if not votes:
            continue
        bad = [v for v in votes if v[1] != ContentState.CURRENT]
        good = len(votes) - len(bad) + (here == ContentState.CURRENT)
        if here != ContentState.CURRENT and good >= len(bad) + 1:
            states[key] = (ContentState.CURRENT, sha256, 0, stamp, f"{here} as seen from {HERE}")
            swayed.add(key[0])
        elif here == ContentState.CURRENT and len(bad) > good:
            state = Counter(v[1] for v in bad).most_common(1)[0][0]
            regions = ", ".join(sorted(v[0] for v in bad if v[1] == state))
            lags = [v[2] for v in bad if v[1] == state and v[2] is not None]
            said = next((v[3] for v in bad if v[1] == state and v[3]), "")
            states[key] = (state, sha256, max(lags) if lags else None, stamp,
                           f"{said or state} as seen from {regions}"[:300])  # fmt: skip
            swayed.add(key[0])
    return swayed
