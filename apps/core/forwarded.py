"""What a trusted reverse proxy says of the client, believed only from TRUSTED_PROXIES
(apps.core.client_ip's rule): X-Forwarded-Proto (which Django's SECURE_PROXY_SSL_HEADER
reads) is dropped from anyone else, and behind a trusted proxy REMOTE_ADDR becomes the
client's address, so everything that reads it (the log-in limits of allauth and
django-ratelimit, the admin's log) counts each client, not the proxy."""

from __future__ import annotations

from django.conf import settings

from .client_ip import client_address, trusted_proxies

PROTO = "HTTP_X_FORWARDED_PROTO"


class TrustedProxyMiddleware:
    """First in MIDDLEWARE: before SecurityMiddleware decides on the https redirect."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        trusted = trusted_proxies(tuple(settings.TRUSTED_PROXIES))
        peer = meta.get("REMOTE_ADDR", "")
        if peer in trusted:
            meta["REMOTE_ADDR"] = client_address(peer, meta.get("HTTP_X_FORWARDED_FOR"), trusted)
        else:
            meta.pop(PROTO, None)
        return self.get_response(request)
