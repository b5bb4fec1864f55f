"""A release's lifecycle: planned → beta → candidate → go → staged → public → end of life.
Each step is a ReleaseEvent (when, who); go is refused while anything is missing, staging
lets mirrors sync a release no public answer names yet, opening makes it public everywhere
at once (a new snapshot after commit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.core.audit import records_by
from apps.core.services import signal_after_commit, who

from ..choices import TRANSITIONS, ReleaseStatus, Team
from ..models import CandidateImage, Image, Release, ReleaseCandidate, ReleaseEvent, Signoff
from ..selectors import candidate_go_missing, team_names
from ..signals import candidate_added, releases_changed


class LifecycleRefused(Exception):
    """The step clashes with the release's state; `missing` says what it lacks (a 409)."""

    def __init__(self, missing: list[str]):
        super().__init__("; ".join(missing))
        self.missing = missing


class TeamRefused(Exception):
    """The person is not in the team the step needs (a 403), with the reason."""


def _by(by):
    return by if getattr(by, "pk", None) else None


def _event(release, status, *, by, candidate=None, note="", at=None) -> ReleaseEvent:
    return ReleaseEvent.objects.create(
        release=release, status=status, by=_by(by), candidate=candidate, note=note[:300],
        at=at or timezone.now(),
    )  # fmt: skip


def _locked(release: Release) -> Release:
    return Release.objects.select_for_update().get(pk=release.pk)


def _move(release: Release, to: str) -> None:
    if to not in TRANSITIONS.get(release.status, ()):
        raise LifecycleRefused(
            [f"{release} is {release.get_status_display().lower()}: it cannot become {to}."]
        )


def require_team(by, *teams: str) -> None:
    """Staff, or a member of one of the teams; else TeamRefused."""
    if getattr(by, "is_staff", False) or team_names(by) & set(teams):
        return
    names = " or ".join(Team(t).label for t in teams)
    raise TeamRefused(f"{who(by)} is not in the {names} team.")


@records_by
@transaction.atomic
def release_advance(*, release: Release, to: str, by, note: str = "") -> Release:
    """A plain step (planned → beta → candidate): release engineering or staff."""
    require_team(by, Team.RELEASE_ENGINEERING)
    release = _locked(release)
    if to in (ReleaseStatus.GO, ReleaseStatus.STAGED, ReleaseStatus.CURRENT,
              ReleaseStatus.END_OF_LIFE):  # fmt: skip
        raise LifecycleRefused([f"{to} has its own step (go, stage, open, end-of-life)."])
    _move(release, to)
    release.status = to
    release.save(update_fields=["status", "modified"])
    _event(release, to, by=by, note=note)
    return release


@records_by
@transaction.atomic
def candidate_add(*, release: Release, by, path_template: str = "") -> ReleaseCandidate:
    """The next candidate (RC1, RC2...); a planned or beta release becomes a candidate.
    Its images are read from the master after commit (signal `candidate_added`)."""
    require_team(by, Team.RELEASE_ENGINEERING)
    release = _locked(release)
    if release.status not in (ReleaseStatus.PLANNED, ReleaseStatus.BETA,
                              ReleaseStatus.CANDIDATE):  # fmt: skip
        raise LifecycleRefused([f"{release} is {release.status}: it takes no new candidate."])
    number = (release.candidates.aggregate(n=Max("number"))["n"] or 0) + 1
    candidate = ReleaseCandidate(release=release, number=number, created_by=_by(by))
    if path_template:
        candidate.path_template = path_template
    candidate.full_clean()
    candidate.save()
    if release.status != ReleaseStatus.CANDIDATE:
        release.status = ReleaseStatus.CANDIDATE
        release.save(update_fields=["status", "modified"])
    _event(release, ReleaseStatus.CANDIDATE, by=by, candidate=candidate,
           note=f"{candidate.label} composed")  # fmt: skip
    signal_after_commit(candidate_added, sender=ReleaseCandidate, reason=str(candidate.pk))
    return candidate


@transaction.atomic
def candidate_images_record(
    *, candidate: ReleaseCandidate, found: Mapping[int, Iterable[tuple[str, int | None, str]]],
    now: dt.datetime | None = None,
) -> int:  # fmt: skip
    """Record the images the master lists for a candidate, {architecture id: [(name, size,
    sha256)]}, read from each folder's checksum file; return how many rows were written."""
    now = now or timezone.now()
    count = 0
    for arch_id, rows in found.items():
        for name, size, sha256 in rows:
            CandidateImage.objects.update_or_create(
                candidate=candidate, architecture_id=arch_id, name=name,
                defaults={"size": size, "sha256": sha256.lower(), "checksums_read_at": now},
            )  # fmt: skip
            count += 1
    return count


@records_by
@transaction.atomic
def signoff_record(*, candidate: ReleaseCandidate, team: str, by, note: str = "") -> Signoff:
    """A team member signs a candidate off for their team. A developer cannot sign as QA,
    even one who is in QA too: QA is other people than the developers."""
    teams = team_names(by)
    if team not in teams:
        raise TeamRefused(f"{who(by)} is not in the {Team(team).label} team.")
    if team == Team.QA and Team.DEVELOPERS in teams:
        raise TeamRefused(
            f"{who(by)} is in the developers' team: a developer cannot sign off as QA."
        )
    signoff, _ = Signoff.objects.get_or_create(
        candidate=candidate, team=team, by=by, defaults={"note": note[:300]}
    )
    return signoff


@records_by
@transaction.atomic
def candidate_go(*, candidate: ReleaseCandidate, by, note: str = "") -> Release:
    """Go for a candidate (release engineering or staff), only when nothing is missing
    (selectors.candidate_go_missing); the candidate's images become the release's."""
    require_team(by, Team.RELEASE_ENGINEERING)
    release = _locked(candidate.release)
    _move(release, ReleaseStatus.GO)
    missing = candidate_go_missing(candidate)
    if missing:
        raise LifecycleRefused(missing)
    for image in candidate.images.all():
        Image.objects.update_or_create(
            release=release, architecture_id=image.architecture_id, name=image.name,
            defaults={"size": image.size, "sha256": image.sha256,
                      "checksums_read_at": image.checksums_read_at},
        )  # fmt: skip
    release.status = ReleaseStatus.GO
    release.save(update_fields=["status", "modified"])
    _event(release, ReleaseStatus.GO, by=by, candidate=candidate,
           note=note or f"{candidate.label} is go")  # fmt: skip
    return release


@records_by
@transaction.atomic
def release_stage(
    *, release: Release, by, opens_at: dt.datetime | None = None, share: int | None = None
) -> Release:
    """The bit flip's first half: mirrors are asked to sync the release (checks, sync tree,
    msync) while no public answer names it. It opens at `opens_at`, or once `share` percent
    of the mirrors hold it (the periodic task), or when staff open it. Staging a staged
    release again changes when it opens."""
    require_team(by, Team.RELEASE_ENGINEERING)
    release = _locked(release)
    if share is not None and not 1 <= share <= 100:
        raise ValidationError({"share": "A share of the mirrors is 1 to 100 (percent)."})
    again = release.status == ReleaseStatus.STAGED
    if not again:
        _move(release, ReleaseStatus.STAGED)
    release.status = ReleaseStatus.STAGED
    release.opens_at, release.opens_at_share = opens_at, share
    release.save(update_fields=["status", "opens_at", "opens_at_share", "modified"])
    plan = [f"at {opens_at:%Y-%m-%d %H:%M} UTC" if opens_at else "",
            f"at {share}% of the mirrors" if share else ""]  # fmt: skip
    when = " or ".join(p for p in plan if p) or "when staff open it"
    note = f"{'re-' if again else ''}staged; opens {when}"
    _event(release, ReleaseStatus.STAGED, by=by, note=note)
    signal_after_commit(releases_changed, sender=Release, reason=f"release {release} staged")
    return release


@records_by
@transaction.atomic
def release_open(*, release: Release, by=None, reason: str = "") -> Release:
    """The bit flip: a staged release becomes public in every answer at once (a new
    snapshot is published after commit)."""
    if by is not None:
        require_team(by, Team.RELEASE_ENGINEERING)
    release = _locked(release)
    _move(release, ReleaseStatus.CURRENT)
    release.status = ReleaseStatus.CURRENT
    release.released_on = release.released_on or timezone.localdate()
    release.save(update_fields=["status", "released_on", "modified"])
    _event(release, ReleaseStatus.CURRENT, by=by, note=reason or f"opened by {who(by)}")
    signal_after_commit(releases_changed, sender=Release, reason=f"release {release} opened")
    return release
