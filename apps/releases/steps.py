"""The release page's lifecycle buttons: compose a candidate, sign it off, give it go, stage
the release, open it, move it to the vault; close a blocker that is fixed. Each calls the
service the API calls; a refusal comes back on the page as a message that says why (the
409's reasons, the team missing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import services
from .choices import ReleaseStatus, Team
from .forms import StageForm
from .models import Blocker, Release, ReleaseCandidate
from .selectors import team_names


def release_steps(user, release: Release, shown: ReleaseCandidate | None) -> dict:
    """Which buttons the page shows this person (the server decides again on the post)."""
    teams = team_names(user)
    releng = user.is_staff or Team.RELEASE_ENGINEERING in teams
    status = release.status
    composing = (ReleaseStatus.PLANNED, ReleaseStatus.BETA, ReleaseStatus.CANDIDATE)
    testing = shown is not None and status == ReleaseStatus.CANDIDATE
    return {
        "compose": releng and status in composing,
        "signoff_teams": [(t, Team(t).label) for t in Team.values if t in teams and testing],
        "go": releng and testing,
        "stage": releng and status in (ReleaseStatus.GO, ReleaseStatus.STAGED),
        "open": releng and status == ReleaseStatus.STAGED,
        "eol": user.is_staff and status == ReleaseStatus.CURRENT,
    }


def _candidate(release: Release, number: str) -> ReleaseCandidate:
    return get_object_or_404(ReleaseCandidate, release=release, number=int(number or 0))


def _run(request, release: Release, step: str) -> str:
    """Do the step; return what the page says about it."""
    post, by = request.POST, request.user
    if step == "compose":
        return f"{services.candidate_add(release=release, by=by).label} composed."
    if step == "signoff":
        candidate = _candidate(release, post.get("candidate", ""))
        team = post.get("team", "")
        if team not in Team.values:
            raise ValidationError("Choose one of your teams to sign off for.")
        services.signoff_record(candidate=candidate, team=team, by=by)
        return f"{candidate.label} signed off by {by} for {Team(team).label}."
    if step == "close-blocker":
        blocker = get_object_or_404(Blocker, release=release, pk=int(post.get("blocker") or 0))
        services.blocker_close(blocker=blocker, by=by)
        return f"Blocker {blocker.bug_url} closed: fixed."
    if step == "go":
        candidate = _candidate(release, post.get("candidate", ""))
        services.candidate_go(candidate=candidate, by=by)
        return f"{release} is go with {candidate.label}."
    if step == "stage":
        form = StageForm(post)
        if not form.is_valid():
            raise ValidationError([f"{form[f].label}: {' '.join(e)}"
                                   for f, e in form.errors.items()])  # fmt: skip
        services.release_stage(release=release, by=by, share=form.cleaned_data["share"],
                               opens_at=form.cleaned_data["opens_at"])  # fmt: skip
        return f"{release} is staged: mirrors sync it; no public answer names it yet."
    if step == "open":
        services.release_open(release=release, by=by, reason="opened by hand")
        return f"{release} is public: every answer names it from the next snapshot on."
    if step == "eol":
        if not by.is_staff:
            raise services.TeamRefused(f"{by} is not staff: only staff move a release to the "
                                       "vault.")  # fmt: skip
        services.release_mark_end_of_life(release=release, by=by)
        return f"{release} is end of life: clients asking for it go to the vault."
    raise ValidationError(f"No step {step!r}.")


@login_required
@require_POST
def release_step(request, version: str):
    release = get_object_or_404(Release, version=version)
    step = request.POST.get("step", "")
    try:
        done = _run(request, release, step)
    except services.LifecycleRefused as exc:
        reasons = "; ".join(m.rstrip(".") for m in exc.missing)
        messages.error(request, f"Refused: {reasons}.")
    except services.TeamRefused as exc:
        messages.error(request, f"Refused: {exc}")
    except ValidationError as exc:
        messages.error(request, "Refused: " + " ".join(exc.messages))
    except PermissionDenied:
        raise
    else:
        messages.success(request, done)
    number = request.POST.get("candidate", "")
    suffix = f"?rc={number}" if number.isdigit() else ""
    return redirect(reverse("releases:detail", args=[version]) + suffix)
