"""The owner's webhooks of one mirror: add one (its secret shown), remove one, and every
delivery with each attempt (apps.mirrors.services.webhooks)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ..models import MirrorWebhook, WebhookDelivery
from ..services.webhooks import EVENTS, SIGNATURE_HEADER, webhook_add, webhook_remove
from .owners import _managed, form_rate_limited

DELIVERIES_SHOWN = 20


class WebhookForm(forms.Form):
    url = forms.URLField(
        label="URL", max_length=500, assume_scheme="https",
        help_text="Receives a signed JSON POST for each event (a Matrix or chat bridge with "
        "a webhook URL works the same way).",
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
@form_rate_limited
def mirror_webhooks(request, pk: int):
    mirror = _managed(request, pk)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook_add(mirror=mirror, url=form.cleaned_data["url"], by=request.user)
        except ValidationError as exc:
            form.add_error("url", exc)
        else:
            messages.success(request, "The webhook is added: it receives the next event.")
            return redirect("mirrors:webhooks", pk=mirror.pk)
    hooks = list(MirrorWebhook.objects.filter(mirror=mirror))
    deliveries = list(
        WebhookDelivery.objects.filter(webhook__mirror=mirror).select_related("webhook")[
            :DELIVERIES_SHOWN
        ]
    )
    return render(request, "mirrors/owner/webhooks.html", {
        "mirror": mirror, "form": form, "hooks": hooks, "deliveries": deliveries,
        "events": EVENTS, "header": SIGNATURE_HEADER,
    })  # fmt: skip


@login_required
@require_POST
def mirror_webhook_remove(request, pk: int, hook_id: int):
    mirror = _managed(request, pk)
    webhook_remove(webhook=get_object_or_404(MirrorWebhook, pk=hook_id, mirror=mirror),
                   by=request.user)  # fmt: skip
    messages.success(request, "The webhook is removed.")
    return redirect("mirrors:webhooks", pk=mirror.pk)
