"""What the probes of one batch of outcomes found (checks, repository, image and URL
states, verdicts, push arrivals), gathered for outcomes_record's bulk writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection

from ..checks.evaluate import image_state_evaluate, repository_state_evaluate
from ..checks.images import part_problem
from ..checks.packages import package_problem
from ..choices import CheckKind, ContentState, ImageState
from ..selectors.probe_batches import CheckContext
from .url_states import URLResult
from .vantage_majority import images_majority, repos_majority, votes_read


@dataclass
class ProbeTally:
    """What the probes of one batch of outcomes found, gathered for the bulk writes."""

    sweep_id: int | None
    images_by_id: dict
    checks: list[tuple] = field(default_factory=list)
    # (mirror, release, repository, arch) -> (state, sha256, lag, stamp, detail)
    repo_states: dict[tuple, tuple] = field(default_factory=dict)
    # (mirror, image) -> (state, detail)
    image_states: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    # (mirror, image, span) served right
    parts_right: set[tuple[int, int, tuple | None]] = field(default_factory=set)
    # mirror -> (reachable, lag, why)
    verdicts: dict[int, tuple[bool, int | None, str]] = field(default_factory=dict)
    followed: set[tuple[int, int]] = field(default_factory=set)  # (push, mirror) that arrived
    url_results: list[URLResult] = field(default_factory=list)
    answered: set[tuple[int, str]] = field(default_factory=set)  # (mirror, package) served
    # this place's own (state, lag, detail) / (state, detail) where the majority differs
    repo_here: dict[tuple, tuple] = field(default_factory=dict)
    image_here: dict[tuple, tuple] = field(default_factory=dict)

    def probe_add(self, mirror_id: int, probe, context: CheckContext) -> int | None:
        """Count one probe; return the repository's lag when it is behind."""
        result, target = probe.result, probe.target
        adapt = connection.ops.adapt_datetimefield_value
        self.checks.append(
            (self.sweep_id, mirror_id, probe.url_id, result.url[:1000], target.kind,
             adapt(dt.datetime.fromtimestamp(result.started, tz=dt.UTC)), result.status,
             result.latency_ms, result.nbytes, result.error or "", result.detail[:200],
             result.family, "")
        )  # fmt: skip
        if target.kind == CheckKind.REPOMD:
            state, lag, stamp = repository_state_evaluate(
                probe.sha256,
                probe.repomd.timestamp if probe.repomd else None,
                context.versions[target.key],
                result.started,
            )
            self.repo_states[(mirror_id, *target.key)] = (
                state, probe.sha256 or "", lag, stamp, ""
            )  # fmt: skip
            for push_id in context.push_versions.get(probe.sha256 or "", ()):
                self.followed.add((push_id, mirror_id))
            return lag if state == ContentState.BEHIND else None
        if target.kind == CheckKind.PACKAGE:  # asked only of a current repository
            length = result.content_length if result.content_length is not None else (
                result.nbytes if target.sha256 and result.ok else None
            )  # fmt: skip
            problem = package_problem(target, result.status, length, probe.sha256)
            if problem == "":
                self.answered.add((mirror_id, target.path))
            key = (mirror_id, *target.key)
            if problem and self.repo_states.get(key, ("",))[0] == ContentState.CURRENT:
                state, sha256, lag, stamp, _detail = self.repo_states[key]
                self.repo_states[key] = (ContentState.INCOMPLETE, sha256, lag, stamp, problem)
        elif target.kind == CheckKind.IMAGE:
            image = self.images_by_id[target.key]
            # ftp has no HTTP status: a SIZE that answered is its 200
            status = result.status if result.status is not None or not result.ok else 200
            state = image_state_evaluate(status, result.content_length, image.size)
            self.image_states[(mirror_id, image.pk)] = (state, (
                f"{target.path}: {result.content_length} bytes, the master's {image.size}"
                if state == ImageState.WRONG_SIZE else ""
            ))  # fmt: skip
        elif target.kind == CheckKind.IMAGE_PART:  # asked only of an image found present
            problem = part_problem(target, result)
            key = (mirror_id, target.key)
            if problem == "":
                self.parts_right.add((*key, target.span))
            elif problem and self.image_states.get(key, ("",))[0] == ImageState.PRESENT:
                self.image_states[key] = (ImageState.INCOMPLETE, problem[:300])
        return None

    def majority_apply(self, now) -> None:
        """The vantage points' votes on the repositories and images; a swayed mirror's lag
        is then the majority's."""
        repo_votes, image_votes = votes_read(
            {key[0] for key in self.repo_states} | {key[0] for key in self.image_states}, now=now
        )
        self.repo_here = repos_majority(self.repo_states, repo_votes)
        self.image_here = images_majority(self.image_states, image_votes)
        if not (swayed := {key[0] for key in self.repo_here}):
            return
        lags: dict[int, list[int]] = {pk: [] for pk in swayed}
        for (pk, *_key), (state, _sha, lag, _stamp, _detail) in self.repo_states.items():
            if pk in swayed and state == ContentState.BEHIND and lag is not None:
                lags[pk].append(lag)
        for pk, seen in lags.items():
            reachable, _lag, why = self.verdicts[pk]
            self.verdicts[pk] = (reachable, max(seen, default=None), why)
