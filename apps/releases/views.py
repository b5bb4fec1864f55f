"""Public pages of the releases app: the list (public releases, and those in preparation
without their images) and a release's page (timeline, candidates and their validation
matrix, open blockers, upgrade notes). Signed-in people post results and blockers there."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.markup import render_markdown

from . import services
from .choices import ReleaseStatus
from .forms import BlockerForm, ResultForm, StageForm
from .models import Blocker, Release, ReleaseCandidate
from .selectors import (
    candidate_go_missing,
    candidate_matrix,
    release_list,
    release_open_blockers,
    release_page,
    team_names,
)
from .steps import release_steps


def release_index(request):
    releases = list(release_list())
    context = {
        "releases": [r for r in releases if r.is_public],
        "preparing": [r for r in releases if not r.is_public],
    }
    return render(request, "releases/release_list.html", context)


def release_detail(request, version: str, result_form=None, blocker_form=None):
    try:
        release = release_page(version)
    except Release.DoesNotExist:
        raise Http404(f"No release {version}.") from None
    candidates = list(release.candidates.all())
    shown = candidates[-1] if candidates else None
    if request.GET.get("rc", "").isdigit():
        shown = next((c for c in candidates if c.number == int(request.GET["rc"])), shown)
    teams = team_names(request.user)
    events = list(release.events.all())
    context = {
        "release": release,
        "events": events,
        "go_candidate_id": next(
            (e.candidate_id for e in reversed(events) if e.status == ReleaseStatus.GO), None
        ),
        "candidates": candidates,
        "shown": shown,
        "matrix": candidate_matrix(shown) if shown else None,
        "go_missing": candidate_go_missing(shown) if shown else [],
        "blockers": list(release_open_blockers(release)),
        "upgrade_notes": render_markdown(release.upgrade_notes),
        "vault_url": settings.VAULT_URL.rstrip("/") + "/" + release.version + "/",
        "can_test": bool(teams) or request.user.is_staff,
        "can_vote": bool(teams),
        "result_form": result_form or ResultForm(release=release),
        "blocker_form": blocker_form or BlockerForm(),
        "steps": release_steps(request.user, release, shown),
        "stage_form": StageForm(
            initial={"share": release.opens_at_share, "opens_at": release.opens_at}
        ),  # fmt: skip
    }
    return render(request, "releases/release_detail.html", context)


def _refused(request, exc) -> None:
    if isinstance(exc, services.LifecycleRefused):
        messages.error(request, "; ".join(exc.missing))
    else:
        messages.error(request, str(exc))


@login_required
@require_POST
def result_post(request, version: str, number: int):
    candidate = get_object_or_404(
        ReleaseCandidate.objects.select_related("release"), release__version=version,
        number=number,
    )  # fmt: skip
    form = ResultForm(request.POST, release=candidate.release)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.result_record(
                candidate=candidate, case=data["case"], architecture=data["architecture"],
                environment=data["environment"], outcome=data["outcome"], note=data["note"],
                bug_urls=[data["bug_url"]] if data["bug_url"] else [], by=request.user,
            )  # fmt: skip
        except services.TeamRefused as exc:
            raise PermissionDenied(str(exc)) from None
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Result recorded on {candidate.label}.")
            return redirect(reverse("releases:detail", args=[version]) + f"?rc={number}")
    return release_detail(request, version, result_form=form)


@login_required
@require_POST
def blocker_post(request, version: str):
    release = get_object_or_404(Release, version=version)
    form = BlockerForm(request.POST)
    if form.is_valid():
        try:
            services.blocker_propose(release=release, by=request.user, **form.cleaned_data)
        except (services.LifecycleRefused, ValidationError) as exc:
            _refused(request, exc)
        else:
            messages.success(request, "Blocker proposed: the teams will vote on it.")
        return redirect("releases:detail", version=version)
    return release_detail(request, version, blocker_form=form)


@login_required
@require_POST
def blocker_vote_post(request, version: str, pk: int):
    blocker = get_object_or_404(Blocker, pk=pk, release__version=version)
    vote = request.POST.get("vote")
    if vote not in ("1", "-1"):
        messages.error(request, "A vote is +1 or -1.")
        return redirect("releases:detail", version=version)
    try:
        services.blocker_vote(blocker=blocker, vote=int(vote), by=request.user)
    except services.TeamRefused as exc:
        raise PermissionDenied(str(exc)) from None
    except services.LifecycleRefused as exc:
        _refused(request, exc)
    return redirect("releases:detail", version=version)
