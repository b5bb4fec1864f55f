"""The moderation queue for staff: pending mirrors with what their first checks found, and
approve, reject, disable and enable, each through the moderation services (which email the
mirror's people and make the lists follow)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ..choices import SUSPENDED, Approval, MirrorTier
from ..models import Mirror
from ..selectors.moderation import mirror_current_count, mirror_moderation_queue
from ..services.moderation import mirror_approve, mirror_disable, mirror_enable, mirror_reject


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text="The mirror's people read it in their email and on the mirror's page.",
    )


def staff_required(view):
    """Anonymous: to the login page; signed in without staff rights: 403."""

    @login_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Only the mirror admins moderate mirrors.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = wrapped.__qualname__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _mirror(pk: int) -> Mirror:
    return get_object_or_404(Mirror.objects.exclude(tier=MirrorTier.MASTER), pk=pk)


def _done(request, mirror: Mirror, text: str):
    messages.success(request, text)
    return redirect(request.POST.get("next") or reverse("mirrors:moderation"))


@staff_required
def moderation_queue(request):
    """The pending mirrors, and the ones out by an admin's or the checks' decision."""
    return render(request, "mirrors/moderation_queue.html", mirror_moderation_queue())


@staff_required
@require_POST
def moderation_approve(request, pk: int):
    """Approve; a mirror on which the checks found nothing current asks to be confirmed."""
    mirror = _mirror(pk)
    has_url = mirror.urls.filter(protocol__in=["http", "https"]).exists()  # else refused below
    if request.POST.get("confirm") != "yes" and has_url and not mirror_current_count(mirror):
        return render(request, "mirrors/moderation_confirm.html", {"mirror": mirror})
    try:
        mirror_approve(mirror=mirror, by=request.user)
    except ValidationError as exc:
        messages.error(request, f"{mirror.name} was not approved: {' '.join(exc.messages)}")
        return redirect("mirrors:moderation")
    return _done(request, mirror, f"{mirror.name} is approved.")


@staff_required
@require_POST
def moderation_enable(request, pk: int):
    mirror = _mirror(pk)
    try:
        mirror_enable(mirror=mirror, by=request.user)
    except ValidationError as exc:
        messages.error(request, f"{mirror.name} was not enabled: {' '.join(exc.messages)}")
        return redirect("mirrors:moderation")
    return _done(request, mirror, f"{mirror.name} is enabled; it is listed once found up.")


def _reason_view(request, pk: int, *, action: str, done: str, service, allowed: tuple[str, ...]):
    mirror = _mirror(pk)
    if mirror.standing not in allowed:
        messages.error(request, f"{mirror.name} cannot be {done}: it is "
                                f"{mirror.get_standing_display().lower()}.")  # fmt: skip
        return redirect("mirrors:moderation")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service(mirror=mirror, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            form.add_error("reason", exc)
        else:
            return _done(request, mirror, f"{mirror.name} is {done}.")
    context = {"mirror": mirror, "form": form, "action": action}
    return render(request, "mirrors/moderation_reason.html", context,
                  status=400 if form.errors else 200)  # fmt: skip


@staff_required
def moderation_reject(request, pk: int):
    """A form: the reason is required, and the owner reads it."""
    return _reason_view(request, pk, action="reject", done="rejected", service=mirror_reject,
                        allowed=(Approval.PENDING,))  # fmt: skip


@staff_required
def moderation_disable(request, pk: int):
    return _reason_view(request, pk, action="disable", done="disabled", service=mirror_disable,
                        allowed=(Approval.APPROVED, SUSPENDED))  # fmt: skip
