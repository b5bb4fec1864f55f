"""The volunteers' pages: register a mirror, and for the mirrors they manage (own or
co-own) the list, the edit form, the switch, maintenance windows, notification preferences
and co-owner invites. Another person's mirror answers 404, whatever the method."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_countries import countries
from django_ratelimit.decorators import ratelimit

from ..choices import Protocol
from ..forms import InviteForm, MaintenanceWindowForm, MirrorForm, NotifyForm
from ..models import CoOwnerInvite, MaintenanceWindow, Mirror
from ..registration_help import carry_grid, country_guess, suggestion_for, url_trial
from ..selectors.owners import invite_refusal, mirrors_of_owner
from ..selectors.summary import mirror_first_screen
from ..services.owners import (
    co_owner_accept,
    co_owner_invite,
    maintenance_window_add,
    maintenance_window_remove,
    mirror_notify_update,
    mirror_owner_switch,
)
from ..services.registration import (
    first_check_waiting,
    mirror_owner_update,
    mirror_register,
    registration_notify,
)


def _form_rate(group, request) -> str:
    return settings.MIRROR_FORM_RATE


def form_rate_limited(view):
    """At most MIRROR_FORM_RATE POSTs per volunteer to the owners' forms; more answer 429."""

    @wraps(view)
    @ratelimit(
        key="user_or_ip", rate=_form_rate, method="POST", group="mirrors.owner-forms", block=False
    )
    def wrapped(request, *args, **kwargs):
        if getattr(request, "limited", False):
            return render(request, "429.html", status=429)
        return view(request, *args, **kwargs)

    return wrapped


def _managed(request, pk: int) -> Mirror:
    return get_object_or_404(Mirror.objects.managed_by(request.user), pk=pk)


def _mirror_form(request, **kwargs) -> MirrorForm:
    """The web form, bound to a POST, except for the "Suggest an upstream" button (the
    page's script does its work in place) and the "Test this URL" one: the form comes back
    as typed, with no errors and the suggestion for the country chosen."""
    if request.method == "POST" and ("suggest" in request.POST or "test_url" in request.POST):
        initial = {
            name: request.POST.getlist(name)
            if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
            else request.POST.get(name)
            for name, field in MirrorForm.base_fields.items()
        }  # fmt: skip
        kwargs.pop("initial", None)
        return MirrorForm(initial=initial, confirm_suggestion=True, **kwargs)
    return MirrorForm(request.POST or None, confirm_suggestion=True, **kwargs)


def _form_page(request, template: str, form: MirrorForm, **context):
    """The form's page; after "Test this URL", what the first check found under the URLs
    typed (nothing is saved)."""
    if request.method == "POST" and "test_url" in request.POST:
        context["trial"] = url_trial({p: request.POST.get(f"url_{p}", "")[:500]
                                      for p in Protocol.values})  # fmt: skip
    context.update(form=form, grid=carry_grid(form))
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
@form_rate_limited
def mirror_register_page(request):
    country, guessed = request.GET.get("country", ""), False
    if not country and request.method == "GET":  # the requester's, marked as a guess
        country = country_guess(request.META.get("REMOTE_ADDR"))
        guessed = bool(country)
    form = _mirror_form(request, initial={"country": country})
    if guessed:
        form.fields[
            "country"
        ].help_text = f"Guessed from your address: {countries.name(country)} — change it if wrong."
    if request.method == "POST" and form.is_bound and form.is_valid():
        mirror = mirror_register(owner=request.user, details=form.details())
        if first_check_waiting(mirror):  # the broker is down: recorded, not started
            first = ("Its first check is recorded and starts as soon as the task queue is "
                     "back: the result will show below.")  # fmt: skip
        else:
            first = "Its first check has started: the result shows below."
        registration_notify(mirror=mirror, site_url=request.build_absolute_uri("/"))
        messages.success(request, f"{mirror.name} is registered and waits for an admin's "
                                  f"approval. {first}")  # fmt: skip
        return redirect("mirrors:mine-detail", pk=mirror.pk)
    return _form_page(request, "mirrors/owner/register.html", form, submit="Register")


@login_required
def register_suggestion(request):
    """The suggested upstream for ?country=, as JSON, for the register page's script."""
    return JsonResponse(suggestion_for(request.GET.get("country", "")[:2]).as_json())


@login_required
def mirror_mine(request):
    return render(request, "mirrors/owner/mine.html", {"mirrors": mirrors_of_owner(request.user)})


@login_required
def mirror_mine_detail(request, pk: int):
    """One of my mirrors. Its first screen: listed or not and why, what the last check asked
    and got per release, what to do next, the actions that apply; then, folded, each
    release's repositories and missing images, and the check history."""
    found = mirrors_of_owner(request.user, pk=pk)
    if not found:
        raise Http404("No mirror of yours has this number.")
    mirror = found[0]
    context = {"mirror": mirror, "summary": mirror_first_screen(mirror)}
    return render(request, "mirrors/owner/mirror.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@form_rate_limited
def mirror_edit(request, pk: int):
    mirror = _managed(request, pk)
    form = _mirror_form(request, instance=mirror)
    if request.method == "POST" and form.is_bound and form.is_valid():
        mirror_owner_update(mirror=mirror, details=form.details(), by=request.user)
        if first_check_waiting(mirror):
            messages.success(request, f"{mirror.name} is saved; it will be checked again as "
                                      "soon as the task queue is back.")  # fmt: skip
        else:
            messages.success(request, f"{mirror.name} is saved; it is being checked again.")
        return redirect("mirrors:mine-detail", pk=mirror.pk)
    return _form_page(request, "mirrors/owner/edit.html", form, mirror=mirror, submit="Save")


@login_required
@require_POST
def mirror_switch(request, pk: int):
    mirror = _managed(request, pk)
    active = request.POST.get("active") == "on"
    mirror_owner_switch(mirror=mirror, active=active, by=request.user)
    if active:
        messages.success(request, f"{mirror.name} is back in the mirror lists once the checks "
                                  "find it up and current.")  # fmt: skip
    else:
        messages.success(request, f"{mirror.name} is out of the mirror lists until you switch "
                                  "it back on.")  # fmt: skip
    return redirect("mirrors:mine")


@login_required
@require_http_methods(["GET", "POST"])
@form_rate_limited
def mirror_windows(request, pk: int):
    mirror = _managed(request, pk)
    form = MaintenanceWindowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            maintenance_window_add(mirror=mirror, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "The maintenance window is added.")
            return redirect("mirrors:windows", pk=mirror.pk)
    windows = mirror.maintenance.upcoming().order_by("starts_at")
    return render(request, "mirrors/owner/windows.html",
                  {"mirror": mirror, "form": form, "windows": windows})  # fmt: skip


@login_required
@require_POST
def mirror_window_remove(request, pk: int, window_id: int):
    mirror = _managed(request, pk)
    window = get_object_or_404(MaintenanceWindow, pk=window_id, mirror=mirror)
    maintenance_window_remove(window=window, by=request.user)
    messages.success(request, "The maintenance window is removed.")
    return redirect("mirrors:windows", pk=mirror.pk)


@login_required
@require_http_methods(["GET", "POST"])
@form_rate_limited
def mirror_notifications(request, pk: int):
    mirror = _managed(request, pk)
    initial = {"events": mirror.notify_events, "addresses": mirror.notify_addresses}
    form = NotifyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        mirror_notify_update(mirror=mirror, events=form.cleaned_data["events"],
                             addresses=form.cleaned_data["addresses"], by=request.user)  # fmt: skip
        messages.success(request, "Your email preferences are saved.")
        return redirect("mirrors:mine-detail", pk=mirror.pk)
    return render(request, "mirrors/owner/notifications.html", {"mirror": mirror, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
@form_rate_limited
def mirror_invite(request, pk: int):
    mirror = _managed(request, pk)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        co_owner_invite(mirror=mirror, email=email, by=request.user,
                        site_url=request.build_absolute_uri("/"))  # fmt: skip
        messages.success(request, f"An invitation is on its way to {email}.")
        return redirect("mirrors:mine-detail", pk=mirror.pk)
    return render(request, "mirrors/owner/invite.html", {"mirror": mirror, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def invite_accept(request, token: str):
    invite = get_object_or_404(CoOwnerInvite.objects.select_related("mirror"), token=token)
    if request.method == "POST":
        try:
            mirror = co_owner_accept(invite=invite, user=request.user)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            return redirect("mirrors:mine")
        messages.success(request, f"You now manage {mirror.name}.")
        return redirect("mirrors:mine-detail", pk=mirror.pk)
    refusal = invite_refusal(invite=invite, user=request.user)
    return render(
        request, "mirrors/owner/invite_accept.html", {"invite": invite, "refusal": refusal}
    )
