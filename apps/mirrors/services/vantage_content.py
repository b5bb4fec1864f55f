"""Content checks from several places. Each sweep chunk sends its probe batches' repository
probes (repomd.xml and the sampled packages) and ISO image probes (size, byte ranges) to
every enabled vantage point's queue; the vantage point runs the same probes
(`probe_batches_run`) from its own network, with no database, and sends back what each
answer held. The portal's workers record those answers as checks naming the vantage point,
its verdicts per repository and image on MirrorVantageState (content, images), then take
the vote again on those mirrors (apps.mirrors.services.vantage_majority): a repository's
or an image's state is the majority's of this place and the vantage points that checked
it lately (a tie keeps it good, as for health); where they disagree the mirror's page says
so ("behind as seen from Asia")."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.core.http import SafeClient

from ..checks.engine import ProbeBatch, Target, loop_run, probe_batches_run
from ..checks.evaluate import image_state_evaluate, repository_state_evaluate
from ..checks.images import part_problem
from ..checks.packages import package_problem
from ..choices import CheckKind, ContentState, ImageState
from ..models import Check, Mirror, MirrorURL, MirrorVantageState, VantagePoint
from .rows import CHECK_COLUMNS, rows_insert
from .vantage_majority import HERE, majority_reapply, repo_key

logger = logging.getLogger(__name__)

__all__ = ["HERE", "repo_key"]  # for the pages


def probe_batches_pack(batches: Sequence[ProbeBatch]) -> list:
    """The repository and image probes of the batches, as JSON for a vantage point's
    queue: [mirror, urls, timestamp path, targets, package samples, image parts]."""

    def target(t: Target) -> list:
        key = list(t.key) if isinstance(t.key, tuple) else t.key
        return [t.kind, t.path, key, sorted(t.known), t.newest, t.size, t.sha256,
                list(t.span) if t.span else None]  # fmt: skip

    kinds = (CheckKind.REPOMD, CheckKind.IMAGE)
    return [
        [p.mirror_id, [list(u) for u in p.urls], p.timestamp_path,
         [target(t) for t in p.targets if t.kind in kinds],
         [target(t) for t in p.samples], [target(t) for t in p.image_parts]]
        for p in batches
    ]  # fmt: skip


def probe_batches_unpack(packed: Sequence) -> list[ProbeBatch]:
    def target(kind, path, key, known, newest, size, sha256, span=None) -> Target:
        key = tuple(key) if isinstance(key, list) else key
        return Target(kind, path, key, frozenset(known), newest, size, sha256,
                      tuple(span) if span else None)  # fmt: skip

    batches = []
    for mirror_id, urls, stamp, targets, samples, *parts in packed:  # no parts: older portal
        batches.append(ProbeBatch(
            mirror_id, [tuple(u) for u in urls], stamp, [target(*t) for t in targets],
            [target(*t) for t in samples], [target(*t) for t in (parts[0] if parts else [])],
        ))  # fmt: skip
    return batches


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
    [id, reachable, probes], each probe [url id, url, kind, key, started, status, latency,
    bytes, error, detail, family, sha256, repomd timestamp, problem]: a package's or an
    image part's problem, an image's [state, detail]."""
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
            probes.append([
                probe.url_id, r.url[:1000], t.kind,
                list(t.key) if isinstance(t.key, tuple) else t.key, r.started, r.status,
                r.latency_ms, r.nbytes, str(getattr(r.error, "value", r.error) or ""),
                r.detail[:200], r.family or "", probe.sha256,
                probe.repomd.timestamp if probe.repomd else None, _problem(probe),
            ])  # fmt: skip
        results.append([outcome.mirror_id, outcome.reachable, probes])
    return results


def _problem(probe):
    """What is wrong with one answer, judged where it was made (as ProbeTally judges)."""
    r, t = probe.result, probe.target
    if t.kind == CheckKind.PACKAGE:
        length = r.content_length if r.content_length is not None else (
            r.nbytes if t.sha256 and r.ok else None
        )  # fmt: skip
        return package_problem(t, r.status, length, probe.sha256)
    if t.kind == CheckKind.IMAGE:
        status = r.status if r.status is not None or not r.ok else 200  # ftp: SIZE answered
        state = image_state_evaluate(status, r.content_length, t.size)
        wrong = state == ImageState.WRONG_SIZE
        return [state, f"{t.path}: {r.content_length} bytes, the master's {t.size}" if wrong
                else ""]  # fmt: skip
    if t.kind == CheckKind.IMAGE_PART:
        return part_problem(t, r)
    return None


def vantage_content_record(*, vantage: str, results: Sequence, now=None) -> int:
    """What a vantage point's content checks saw: its probes as checks naming it, and its
    verdicts per repository and image of each mirror it reached; then the vote taken again
    on those mirrors (in a transaction of its own: a conflict with a sweep recording the
    same mirrors costs the vote, not the verdicts). The number of checks."""
    now = now or timezone.now()
    with transaction.atomic():
        point = VantagePoint.objects.filter(name=vantage).first()
        if point is None:
            logger.warning("Content results from unknown vantage point %r dropped", vantage)
            return 0
        VantagePoint.objects.filter(pk=point.pk).update(last_answered_at=now)
        checks, mirror_ids = _verdicts_record(point, results, now)
    if mirror_ids:
        with transaction.atomic():
            majority_reapply(mirror_ids, now=now, why=f"vantage point {point.name}")
    return checks


def _verdicts_record(point: VantagePoint, results: Sequence, now: dt.datetime):
    from ..selectors.probe_batches import CheckContext

    mirror_ids = {int(r[0]) for r in results}
    mirror_ids &= set(Mirror.objects.filter(pk__in=mirror_ids).values_list("pk", flat=True))
    url_ids = set(MirrorURL.objects.filter(mirror_id__in=mirror_ids).values_list("pk", flat=True))
    context = CheckContext.load()
    versions = context.versions
    images = {i.pk for found in context.images.values() for i in found}
    adapt = connection.ops.adapt_datetimefield_value
    rows, verdicts = [], {}
    for mirror_id, reachable, probes in results:
        if mirror_id not in mirror_ids:
            continue
        content: dict[str, list] = {}
        seen: dict[str, list] = {}
        for url_id, url, kind, key, started, status, latency, nbytes, error, detail, family, \
                sha256, stamp, problem in probes:  # fmt: skip
            rows.append((None, mirror_id, url_id if url_id in url_ids else None, url, kind,
                         adapt(dt.datetime.fromtimestamp(started, tz=dt.UTC)), status, latency,
                         nbytes, error, detail, family, point.name))  # fmt: skip
            if not reachable or key is None:
                continue
            if kind in (CheckKind.IMAGE, CheckKind.IMAGE_PART):
                if key in images:
                    _image_verdict(seen, str(key), kind, problem)
                continue
            if tuple(key) not in versions:
                continue
            name = repo_key(key)
            if kind == CheckKind.REPOMD:
                state, lag, _ = repository_state_evaluate(sha256, stamp, versions[tuple(key)],
                                                          started)  # fmt: skip
                content[name] = [state, lag, ""]
            elif kind == CheckKind.PACKAGE and problem and _current(content.get(name)):
                content[name] = [ContentState.INCOMPLETE, None, problem[:300]]
        verdicts[mirror_id] = (bool(reachable), content, seen)
    rows_insert(Check, CHECK_COLUMNS, rows)
    _states_save(point, verdicts, now)
    return len(rows), sorted(verdicts)


def _image_verdict(seen: dict, name: str, kind: str, problem) -> None:
    if kind == CheckKind.IMAGE and isinstance(problem, list) and len(problem) == 2:
        seen[name] = [str(problem[0]), str(problem[1])[:300]]
    elif problem and seen.get(name, [""])[0] == ImageState.PRESENT:  # a part, wrong
        seen[name] = [ImageState.INCOMPLETE, str(problem)[:300]]


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
    for pk, (reachable, content, images) in verdicts.items():
        state = known.get(pk)
        if state is None:
            new.append(MirrorVantageState(mirror_id=pk, vantage=point, reachable=reachable,
                                          since=now, checked_at=now, content=content,
                                          images=images, content_at=now))  # fmt: skip
        else:
            state.content, state.images, state.content_at = content, images, now
            changed.append(state)
    MirrorVantageState.objects.bulk_create(new, ignore_conflicts=True)
    MirrorVantageState.objects.bulk_update(changed, ["content", "images", "content_at"])
