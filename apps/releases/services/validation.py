"""Writes of the validation matrix and the blockers: results posted by testers (people on
the page, automation through the API), blockers proposed by anyone signed in and voted on
by the teams."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from apps.core.audit import records_by

from ..choices import BlockerStatus, Team
from ..models import (
    Architecture,
    Blocker,
    BlockerVote,
    ReleaseCandidate,
    ValidationCase,
    ValidationResult,
)
from ..selectors import team_names
from .lifecycle import LifecycleRefused, TeamRefused, require_team

TEAMS = (Team.QA, Team.DEVELOPERS, Team.RELEASE_ENGINEERING)


def _urls(urls) -> list[str]:
    check = URLValidator(schemes=["http", "https"])
    out = []
    for url in urls or []:
        try:
            check(url)
        except ValidationError:
            raise ValidationError({"bug_urls": f"Not an http(s) URL: {url[:100]}"}) from None
        out.append(url)
    if len(out) > 10:
        raise ValidationError({"bug_urls": "At most 10 bug URLs per result."})
    return out


@records_by
@transaction.atomic
def result_record(
    *, candidate: ReleaseCandidate, case: ValidationCase, architecture: Architecture,
    outcome: str, by, environment: str = "default", note: str = "", bug_urls=(),
) -> ValidationResult:  # fmt: skip
    """A tester's result on one cell of the matrix (a member of a team, or staff; a bot's
    token belongs to such a person). The architecture must be one of the release's."""
    require_team(by, *TEAMS)
    if not candidate.release.architectures.filter(pk=architecture.pk).exists():
        raise ValidationError(
            {"architecture": f"{architecture} is not an architecture of {candidate.release}."}
        )
    result = ValidationResult(
        candidate=candidate, case=case, architecture=architecture, environment=environment,
        outcome=outcome, tester=by, note=note, bug_urls=_urls(bug_urls),
    )  # fmt: skip
    result.full_clean()
    result.save()
    return result


@records_by
@transaction.atomic
def blocker_propose(
    *, release, milestone: str, criterion: str, bug_url: str, by, summary: str = ""
) -> Blocker:
    """Anyone signed in proposes a bug as a blocker of a release's milestone."""
    if not getattr(by, "is_authenticated", False):
        raise TeamRefused("Sign in to propose a blocker.")
    if Blocker.objects.filter(release=release, milestone=milestone, bug_url=bug_url).exists():
        raise LifecycleRefused([f"{bug_url} is already proposed for {release} {milestone}."])
    blocker = Blocker(
        release=release, milestone=milestone, criterion=criterion, bug_url=bug_url,
        summary=summary, proposed_by=by,
    )  # fmt: skip
    blocker.full_clean()
    blocker.save()
    return blocker


@records_by
@transaction.atomic
def blocker_vote(*, blocker: Blocker, vote: int, by) -> Blocker:
    """A team member's +1 or -1 (their later vote replaces the earlier one). At a net
    RELEASE_BLOCKER_VOTES the blocker is accepted, at minus that rejected."""
    teams = team_names(by)
    team = next((t for t in TEAMS if t in teams), None)
    if team is None:
        raise TeamRefused(f"{by} is in none of the teams that vote (QA, developers, releng).")
    if vote not in (1, -1):
        raise ValidationError({"vote": "A vote is 1 or -1."})
    blocker = Blocker.objects.select_for_update().get(pk=blocker.pk)
    if blocker.status == BlockerStatus.CLOSED:
        raise LifecycleRefused([f"{blocker.bug_url} is closed: no more votes."])
    BlockerVote.objects.update_or_create(
        blocker=blocker, voter=by, defaults={"vote": vote, "team": team, "at": timezone.now()}
    )
    net = sum(blocker.votes.values_list("vote", flat=True))
    needed = settings.RELEASE_BLOCKER_VOTES
    blocker.status = (
        BlockerStatus.ACCEPTED if net >= needed
        else BlockerStatus.REJECTED if net <= -needed
        else BlockerStatus.PROPOSED
    )  # fmt: skip
    blocker.save(update_fields=["status"])
    return blocker


@records_by
@transaction.atomic
def blocker_close(*, blocker: Blocker, by) -> Blocker:
    """The bug is fixed in a candidate: a team member or staff closes the blocker."""
    require_team(by, *TEAMS)
    blocker = Blocker.objects.select_for_update().get(pk=blocker.pk)
    blocker.status = BlockerStatus.CLOSED
    blocker.closed_by, blocker.closed_at = by, timezone.now()
    blocker.save(update_fields=["status", "closed_by", "closed_at"])
    return blocker
