"""X-Forwarded-Proto is believed only from TRUSTED_PROXIES, as X-Forwarded-For is
(apps.core.client_ip): from anyone else the header is dropped before Django's
SECURE_PROXY_SSL_HEADER reads it, so a client cannot pass plain HTTP off as https."""

from __future__ import annotations

from django.conf import settings

from .client_ip import trusted_proxies

HEADER = "HTTP_X_FORWARDED_PROTO"


class TrustedForwardedProtoMiddleware:
    """First in MIDDLEWARE: before SecurityMiddleware decides on the https redirect."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if HEADER in meta and meta.get("REMOTE_ADDR", "") not in trusted_proxies(
            tuple(settings.TRUSTED_PROXIES)
        ):
            del meta[HEADER]
        return self.get_response(request)
