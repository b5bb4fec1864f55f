"""One limiter for every way to log in (django-axes): the admin's and the volunteers' log-in
pages and HTTP Basic on the API count failed passwords together, per account *and* client
address, so an attacker runs out of tries while the account's owner, elsewhere, does not.
These are the hooks the AXES_* settings name."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import render

from .client_ip import client_address, trusted_proxies


def login_address(request) -> str:
    """The client's address by the portal's one rule (X-Forwarded-For only from
    TRUSTED_PROXIES), as the API throttles and the delivery front read it."""
    meta = request.META
    trusted = trusted_proxies(tuple(settings.TRUSTED_PROXIES))
    return client_address(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"), trusted)


def login_key(request, credentials: dict | None) -> str:
    """The account a log-in tries, the same for every way in: the admin and HTTP Basic send
    a user name, the volunteers' page an email address (allauth), so an address names its
    account's user name; case does not make a new account to guess at."""
    credentials = credentials or {}
    data = getattr(request, "POST", None) or {}
    given = (
        credentials.get("username")
        or credentials.get("email")
        or data.get("username")
        or data.get("login")
        or ""
    )
    given = str(given).strip()
    if "@" in given:
        user = get_user_model().objects.filter(email__iexact=given).only("username").first()
        if user is not None:
            given = user.get_username()
    return given.lower()


def locked_out(request, response, credentials=None):
    """The page a locked-out log-in gets: a 429 in the site's layout saying how long."""
    minutes = int(settings.LOGIN_LOCKOUT_MINUTES)
    return render(request, "account/locked_out.html", {"minutes": minutes}, status=429)
