"""The majority of the places that checked a mirror's content lately: this place and the
enabled vantage points whose verdict is at most two sweep intervals old. A repository (an
ISO image) is behind (wrong) only when more places say so than say current (present); a
tie keeps it good, as for health. No vantage point's verdict (the default): nothing
changes.

It is applied twice: when a chunk is recorded here (ProbeTally.majority_apply, with the
verdicts recorded so far) and when a vantage point's verdicts arrive, usually after the
chunk (`majority_reapply`), so that a vote counts in the sweep it belongs to. The state
this place found is kept beside the majority's (`here`), so the vote can be taken again."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from ..checks.places import HERE, repo_key, said
from ..choices import ContentState, ImageState, MirrorStatus
from ..models import Mirror, MirrorImageState, MirrorRepositoryState, MirrorVantageState
from .master import BATCH

logger = logging.getLogger(__name__)

IGNORED = {ContentState.UNKNOWN, ImageState.UNKNOWN}  # no vote either way


def votes_read(mirror_ids: Iterable[int], *, now: dt.datetime) -> tuple[dict, dict]:
    """The recent verdicts of the enabled vantage points on these mirrors: ({(mirror,
    "r:r:a"): [(region, state, lag, detail)]}, {(mirror, image id): [(region, state, None,
    detail)]})."""
    recent = now - dt.timedelta(minutes=2 * settings.MIRROR_CHECK_INTERVAL_MINUTES)
    repos: dict[tuple, list] = defaultdict(list)
    images: dict[tuple, list] = defaultdict(list)
    ids = sorted(set(mirror_ids))
    for start in range(0, len(ids), BATCH):
        for pk, region, content, seen in MirrorVantageState.objects.filter(
            mirror_id__in=ids[start : start + BATCH], content_at__gte=recent,
            vantage__enabled=True,
        ).values_list("mirror_id", "vantage__region", "content", "images"):  # fmt: skip
            for name, (state, lag, detail) in content.items():
                if state not in IGNORED:
                    repos[(pk, name)].append((region, state, lag, detail))
            for image_id, (state, detail) in (seen or {}).items():
                if state not in IGNORED:
                    images[(pk, int(image_id))].append((region, state, None, detail))
    return repos, images


def decide(here: str, votes: list[tuple], *, good: str, image: bool = False):
    """(state, lag, detail) when the votes overturn this place's `here`, else None."""
    if not votes or here in IGNORED:
        return None
    bad = [v for v in votes if v[1] != good]
    goods = len(votes) - len(bad) + (here == good)
    if here != good and goods >= len(bad) + 1:  # a tie keeps it good
        return good, 0, f"{said(here, image=image)} as seen from {HERE}"
    if here == good and len(bad) > goods:
        state = Counter(v[1] for v in bad).most_common(1)[0][0]
        regions = ", ".join(sorted({v[0] for v in bad if v[1] == state}))
        lags = [v[2] for v in bad if v[1] == state and v[2] is not None]
        told = next((v[3] for v in bad if v[1] == state and v[3]), "")
        detail = f"{told or said(state, image=image)} as seen from {regions}"[:300]
        return state, (max(lags) if lags else None), detail
    return None


def repos_majority(states: dict[tuple, tuple], votes: dict) -> dict[tuple, tuple]:
    """Apply the votes to this place's repository states, in place: (mirror, release,
    repository, architecture) -> (state, sha256, lag, timestamp, detail). This place's own
    (state, lag, detail) of those the votes changed."""
    here: dict[tuple, tuple] = {}
    if not votes:
        return here
    for key, (state, sha256, lag, stamp, detail) in list(states.items()):
        found = decide(state, votes.get((key[0], repo_key(key[1:])), []),
                       good=ContentState.CURRENT)  # fmt: skip
        if found is not None:
            states[key] = (found[0], sha256, found[1], stamp, found[2])
            here[key] = (state, lag, detail)
    return here


def images_majority(states: dict[tuple, tuple], votes: dict) -> dict[tuple, tuple]:
    """The same for the images: (mirror, image) -> (state, detail), in place; this place's
    own (state, detail) of those the votes changed."""
    here: dict[tuple, tuple] = {}
    if not votes:
        return here
    for key, (state, detail) in list(states.items()):
        found = decide(state, votes.get(key, []), good=ImageState.PRESENT, image=True)
        if found is not None:
            states[key] = (found[0], found[2])
            here[key] = (state, detail)
    return here


def majority_reapply(mirror_ids: Iterable[int], *, now: dt.datetime, why: str) -> int:
    """Take the vote again on the recorded states of these mirrors (a vantage point's
    verdicts just arrived): the repository and image states that change, the mirrors'
    staleness (as a sweep records it), a snapshot published after commit when what clients
    get changed. The number of states changed."""
    from .moderation import changes_publish
    from .status import Notice, notices_send, stale_next

    ids = sorted(set(mirror_ids))
    repo_votes, image_votes = votes_read(ids, now=now)
    with transaction.atomic():
        lags, repos = _repos_reapply(ids, repo_votes)
        images = _images_reapply(ids, image_votes)
        notices = []
        stale_after = settings.MIRROR_CHECK_STALE_EMAIL_SECONDS
        for mirror in Mirror.objects.filter(pk__in=sorted(lags), status=MirrorStatus.UP).only(
            "name", "contact_email", "stale_notified", "consecutive_failures", "suspended_reason"
        ):
            lag = lags[mirror.pk]
            before = mirror.stale_notified
            events = stale_next(mirror=mirror, stale=lag is not None and lag > stale_after)
            notices += [Notice(mirror, event, "") for event in events]
            if mirror.stale_notified != before:
                Mirror.objects.filter(pk=mirror.pk).update(stale_notified=mirror.stale_notified)
        if notices:
            transaction.on_commit(lambda: notices_send(notices=notices))
        if repos or images:
            changes_publish(f"{why}: the majority changed {repos} repository and {images} "
                            "image states")  # fmt: skip
    return repos + images


def _repos_reapply(ids: list[int], votes: dict) -> tuple[dict[int, int | None], int]:
    """The repository states of these mirrors voted again; ({mirror: its lag now} of those
    whose states changed, how many changed what clients get)."""
    rows, states = {}, {}
    for start in range(0, len(ids), BATCH):
        for pk, *key, state, sha256, lag, stamp, detail, here in (
            MirrorRepositoryState.objects.filter(mirror_id__in=ids[start : start + BATCH])
            .exclude(state=ContentState.UNKNOWN)
            .values_list("pk", "mirror_id", "release_id", "repository_id", "architecture_id",
                         "state", "sha256", "lag_seconds", "timestamp", "detail", "here")
        ):  # fmt: skip
            own = tuple(here) if here else (state, lag, detail)
            rows[tuple(key)] = (pk, (state, lag, detail, here))
            states[tuple(key)] = (own[0], sha256, own[1], stamp, own[2])
    heres = repos_majority(states, votes)
    touched: set[int] = set()
    served = 0
    for key, (state, _sha256, lag, _stamp, detail) in states.items():
        pk, before = rows[key]
        here = list(heres[key]) if key in heres else None
        if (state, lag, detail, here) == before:
            continue
        MirrorRepositoryState.objects.filter(pk=pk).update(
            state=state, lag_seconds=lag, detail=detail, here=here
        )
        touched.add(key[0])
        served += (state, lag) != before[:2]
    lags: dict[int, int | None] = dict.fromkeys(touched)
    for key, (state, _sha256, lag, _stamp, _detail) in states.items():
        if key[0] in touched and state == ContentState.BEHIND and lag is not None:
            lags[key[0]] = max(lags[key[0]] or 0, lag)
    return lags, served


def _images_reapply(ids: list[int], votes: dict) -> int:
    """The image states of these mirrors voted again; how many changed their state."""
    rows, states = {}, {}
    for start in range(0, len(ids), BATCH):
        for pk, *key, state, detail, here in (
            MirrorImageState.objects.filter(mirror_id__in=ids[start : start + BATCH])
            .exclude(state=ImageState.UNKNOWN)
            .values_list("pk", "mirror_id", "image_id", "state", "detail", "here")
        ):
            own = tuple(here) if here else (state, detail)
            rows[tuple(key)] = (pk, (state, detail, here))
            states[tuple(key)] = own
    heres = images_majority(states, votes)
    served = 0
    for key, (state, detail) in states.items():
        pk, before = rows[key]
        here = list(heres[key]) if key in heres else None
        if (state, detail, here) != before:
            MirrorImageState.objects.filter(pk=pk).update(state=state, detail=detail, here=here)
            served += state != before[0]
    return served
