"""The REST API's shared parts, configured in settings.REST_FRAMEWORK: authentication (API
tokens, sessions, Basic), who may write (StaffWritesOrReadOnly), the exception handler and
the errors others raise (Conflict), pagination and throttles that turn cheap bad requests
into 400s instead of 500s, count the real client, and keep the API up while the cache is
down."""

from __future__ import annotations

import logging
import re
import threading
import time

from django.conf import settings
from django.core.cache import cache as default_cache
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.authentication import BasicScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, pagination, permissions, throttling
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings

from .client_ip import client_address, trusted_proxies
from .tokens import token_for_key, token_touch

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


TOKEN_KEYWORDS = (b"token", b"bearer")


def token_key(request) -> str | None:
    """The key of an `Authorization: Token <key>` (or `Bearer <key>`) header; None when the
    request uses another scheme or none, and a 401 that says why when the header is broken.
    People's API tokens and servers' push keys are both sent this way."""
    parts = authentication.get_authorization_header(request).split()
    if not parts or parts[0].lower() not in TOKEN_KEYWORDS:
        return None
    if len(parts) != 2:
        raise exceptions.AuthenticationFailed(
            "Invalid token header: send 'Authorization: Token <key>', the key in one piece."
        )
    try:
        return parts[1].decode("ascii")
    except UnicodeDecodeError:
        raise exceptions.AuthenticationFailed("Invalid token header: a key is ASCII.") from None


class KeyAuthentication(authentication.BaseAuthentication):
    """The one reader of `Authorization: Token <key>` keys, people's API tokens and
    servers' push keys alike: the key's token among `tokens()`, a 401 that says why when it
    is unknown or revoked, its use noted. Other schemes are left to the next authenticator.
    A subclass names its tokens, its messages and who the request is (`user_of`)."""

    realm = "api"
    unknown = ("Unknown API token.", "token_unknown")
    revoked = ("This API token was revoked; make a new one at /my/tokens/.", "token_revoked")

    def tokens(self):
        return None  # people's API tokens (apps.core.tokens.token_for_key)

    def user_of(self, token):
        return token.user

    def authenticate(self, request):
        key = token_key(request)
        if key is None:
            return None
        token = token_for_key(key, self.tokens())
        if token is None:
            raise exceptions.AuthenticationFailed(self.unknown[0], code=self.unknown[1])
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(self.revoked[0], code=self.revoked[1])
        user = self.user_of(token)
        token_touch(token=token)
        return user, token

    def authenticate_header(self, request) -> str:
        return f'Token realm="{self.realm}"'


class TokenAuthentication(KeyAuthentication):
    """`Authorization: Token <key>` or `Authorization: Bearer <key>`, a key from the
    volunteer's /my/tokens/ page: request.user is its owner and request.auth the ApiToken.
    An unknown or revoked key is a 401 that says which; other schemes are left to the next
    authenticator. Listed first in the settings, so an anonymous write is a 401 with
    `WWW-Authenticate: Token` rather than a 403."""

    def user_of(self, token):
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                "The token's account is inactive.", code="user_inactive"
            )
        return token.user


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """The schema's two spellings of an API token: `Token <key>` and `Bearer <key>`."""

    target_class = "apps.core.api.TokenAuthentication"
    name = ["tokenAuth", "bearerAuth"]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "An API token from /my/tokens/, sent as `Token <key>`.",
            },
            {
                "type": "http",
                "scheme": "bearer",
                "description": "The same API token, sent as `Bearer <key>`.",
            },
        ]

    def get_security_requirement(self, auto_schema):
        return [{"tokenAuth": []}, {"bearerAuth": []}]


class BasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic, when API_BASIC_AUTH turns it on (else a Basic header is a 401 saying to
    use a token); refusing credentials with a NUL or another control character with a 400
    (PostgreSQL cannot even be asked about a user name holding a NUL). Wrong passwords count
    with the log-in pages' (django-axes, apps.core.logins)."""

    def authenticate(self, request):
        if not settings.API_BASIC_AUTH and authentication.get_authorization_header(
            request
        ).lower().startswith(b"basic "):
            raise exceptions.AuthenticationFailed(
                "HTTP Basic is turned off on this portal: send a token "
                "(Authorization: Token <key>, made at /my/tokens/)."
            )
        return super().authenticate(request)

    def authenticate_credentials(self, userid, password, request=None):
        if _CONTROL.search(userid) or "\x00" in password:
            raise exceptions.ParseError(
                "Invalid basic header. Credentials cannot contain control characters."
            )
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            # django-axes counted the failure on DRF's request, where its middleware does
            # not look: a locked-out pair is a 429 here, as on the log-in pages.
            if getattr(request, "axes_locked_out", False):
                raise exceptions.Throttled(
                    wait=settings.LOGIN_LOCKOUT_MINUTES * 60,
                    detail="Too many failed log-ins for this account from your address.",
                ) from None
            raise


class BasicAuthenticationScheme(BasicScheme):
    """The OpenAPI schema's name for it: HTTP Basic, as DRF's."""

    target_class = "apps.core.api.BasicAuthentication"


def is_staff(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.is_staff)


class StaffWritesOrReadOnly(permissions.BasePermission):
    """Anyone reads what the public pages show; only staff write. Without credentials a
    write is a 401, with someone else's a 403 (the catalogue APIs: releases, images,
    servers, sponsors, publishing)."""

    def has_permission(self, request, view) -> bool:
        return request.method in permissions.SAFE_METHODS or is_staff(request)


class Conflict(exceptions.APIException):
    """A 409: the request is valid but clashes with the resource's present state (a name
    taken, a mirror already approved). Raise it from a view with the reason."""

    status_code = 409
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def exception_handler(exc, context):
    """DRF's handler, plus a service's django ValidationError as a 400 that names each field
    and its reasons ({"name": ["..."]}; reasons not tied to a field under
    "non_field_errors"), so API writes and web forms give the same answers."""
    # Imported here: rest_framework.views reads the settings, which name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    return drf_exception_handler(exc, context)


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """?limit= and ?offset= with bounds: a number past them is a 400 naming the bound (the
    database cannot take a 20-digit LIMIT). Junk still means the default, as in DRF."""

    max_limit = 1000
    max_offset = 1_000_000_000

    def get_limit(self, request):
        self._check_bound(request, self.limit_query_param, self.max_limit)
        return super().get_limit(request)

    def get_offset(self, request):
        self._check_bound(request, self.offset_query_param, self.max_offset)
        return super().get_offset(request)

    @staticmethod
    def _check_bound(request, name: str, bound: int) -> None:
        raw = request.query_params.get(name)
        if raw is None:
            return
        try:
            value = int(raw)
        except ValueError:
            return  # DRF falls back to the default
        if value > bound:
            raise exceptions.ValidationError({name: [f"Ensure {name} is at most {bound}."]})


class CacheUnavailable(Exception):
    """The cache the throttles keep their history in did not answer."""


class _GuardedCache:
    """The default cache, with its failures as CacheUnavailable."""

    def get(self, key, default=None):
        try:
            value = default_cache.get(key, default)
        except Exception as exc:
            raise CacheUnavailable(exc) from exc
        cache_outage.answered()
        return value

    def set(self, key, value, timeout=None):
        try:
            return default_cache.set(key, value, timeout)
        except Exception as exc:
            raise CacheUnavailable(exc) from exc


class _Outage:
    """Whether the cache is down: one warning when it goes, one line when it is back, and
    no waiting on it for RETRY seconds in between."""

    RETRY = 5.0

    def __init__(self):
        self._lock = threading.Lock()
        self.since: float | None = None
        self.retry_at = 0.0

    def skip(self) -> bool:
        return self.since is not None and time.monotonic() < self.retry_at

    def failed(self, exc: Exception) -> None:
        with self._lock:
            now = time.monotonic()
            self.retry_at = now + self.RETRY
            if self.since is None:
                self.since = now
                log.warning(
                    "API throttling is off: the cache is unavailable (%s: %s); requests are "
                    "let through until it answers again",
                    type(exc.__cause__ or exc).__name__,
                    exc.__cause__ or exc,
                )

    def answered(self) -> None:
        if self.since is None:
            return
        with self._lock:
            if self.since is not None:
                log.info(
                    "API throttling is on again: the cache answered after %.0f s",
                    time.monotonic() - self.since,
                )
                self.since = None


cache_outage = _Outage()


class ClientThrottleMixin:
    """The client is who the trusted-proxy rule says (apps.core.client_ip), never what an
    X-Forwarded-For from anyone claims; rates are read from the settings when the throttle
    is made; a cache outage lets requests through."""

    cache = _GuardedCache()

    def __init__(self):
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        super().__init__()

    def get_ident(self, request) -> str:
        meta = request.META
        trusted = trusted_proxies(tuple(settings.TRUSTED_PROXIES))
        return client_address(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"), trusted)

    def allow_request(self, request, view) -> bool:
        if cache_outage.skip():
            return True
        try:
            return super().allow_request(request, view)
        except CacheUnavailable as exc:
            cache_outage.failed(exc)
            return True


class AnonRateThrottle(ClientThrottleMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientThrottleMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(ClientThrottleMixin, throttling.ScopedRateThrottle):
    """A rate for one action, named by the view's `throttle_scope` ("mirror-check",
    "import", "publish": settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]), counted per
    person when signed in and per real client otherwise. Add it to the view's
    throttle_classes next to the defaults:
    `throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, ScopedRateThrottle]`."""
