"""The volunteers' API tokens page (/my/tokens/): their tokens, a form to make one, whose key
is shown once on the answer to that form, and a revoke button per token. Another person's
token answers 404."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from .models import ApiToken
from .tokens import MAX_ACTIVE_PER_USER, token_issue, token_revoke


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="What it is for, so that you know which to revoke, e.g. “sync script on "
        "mirror.example.org”.",
    )


def _token_rate(group, request) -> str:
    return settings.TOKEN_FORM_RATE


def token_rate_limited(view):
    """At most TOKEN_FORM_RATE new tokens per person an hour; more answer 429."""

    @wraps(view)
    @ratelimit(key="user_or_ip", rate=_token_rate, method="POST", group="core.tokens", block=False)
    def wrapped(request, *args, **kwargs):
        if getattr(request, "limited", False):
            return render(request, "429.html", status=429)
        return view(request, *args, **kwargs)

    return wrapped


@never_cache  # the answer to a POST carries a key: no cache may keep it
@login_required
@require_http_methods(["GET", "POST"])
@token_rate_limited
def token_list(request):
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, key = token_issue(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # Rendered here, not after a redirect: the key is never stored anywhere, not
            # even in the session, and reloading this page does not show it again.
            return render(request, "account/tokens_created.html", {"token": token, "key": key})
    context = {
        "form": form,
        "tokens": ApiToken.objects.filter(user=request.user),
        "max_active": MAX_ACTIVE_PER_USER,
    }
    return render(request, "account/tokens.html", context)


@login_required
@require_POST
def token_revoke_view(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    token_revoke(token=token, by=request.user)
    messages.success(request, f"The token “{token.name}” is revoked; its key no longer works.")
    return redirect("tokens")
