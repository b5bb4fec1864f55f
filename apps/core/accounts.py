"""The portal's side of django-allauth: its emails greet the person by their address and
are signed with the portal's name (not the host the request came by), and a person whose
log-in was refused for an unconfirmed address can ask for the link again."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.email_verification import (
    send_verification_email_to_address,
)
from allauth.account.models import EmailAddress
from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods


class PortalAccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        context = {**context, "portal_name": settings.PORTAL_NAME,
                   "portal_url": settings.PORTAL_URL, "recipient": email}  # fmt: skip
        return super().send_mail(template_prefix, email, context)


class ResendForm(forms.Form):
    email = forms.EmailField(label="Your email address")


@require_http_methods(["GET", "POST"])
def confirmation_resend(request):
    """Send the confirmation link again to an unconfirmed address (allauth's own rate limit
    applies); the answer is the same whether or not the address has an account."""
    form = ResendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = EmailAddress.objects.filter(
            email__iexact=form.cleaned_data["email"], verified=False
        ).first()
        if address is not None:
            send_verification_email_to_address(request, address)
        messages.info(request, "If an account with this address waits for confirmation, a "
                               "new link is on its way to it.")  # fmt: skip
        return redirect("account_login")
    return render(request, "account/confirmation_resend.html", {"form": form})
