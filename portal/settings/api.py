"""The API (Django REST framework) and its schema (drf-spectacular)."""

from .base import env

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # apps.core.api: bounded ?limit=/?offset= and NUL-proof Basic credentials (400s, not
    # 500s); throttles that count the client by the TRUSTED_PROXIES rule and let requests
    # through while the cache is down.
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    # API tokens first: their WWW-Authenticate header makes a missing login a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.core.api.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "apps.core.api.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # A service's django ValidationError is a 400 naming the fields; Conflict is a 409.
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.core.api.AnonRateThrottle",
        "apps.core.api.UserRateThrottle",
    ],
    # "anon" per client address; "user" per person, whether by token or session; the rest
    # are actions' own scopes (apps.core.api.ScopedRateThrottle, the view's throttle_scope).
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="600/hour"),
        "user": env.str("API_USER_RATE", default="6000/hour"),
        "mirror-check": env.str("API_CHECK_RATE", default="10/hour"),
        "import": env.str("API_IMPORT_RATE", default="30/hour"),
        "publish": env.str("API_PUBLISH_RATE", default="30/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Portal API",
    "DESCRIPTION": """Servers, sponsors, mirrors and releases of the distribution.

**Authentication.** Reads of what the public pages show need no credentials. To write, or to
read what only owners and staff see, make a token at `/my/tokens/` (signed in) and send it
in a header: `Authorization: Token <key>` (or `Authorization: Bearer <key>`). A token acts
as the person who made it; revoking it takes effect at once. The browsable API also accepts
the site's session.

**Errors** are JSON: `{"detail": "..."}`, or for a 400 each field with its reasons
(`{"name": ["..."]}`). 401: no or a bad credential (the reason says which); 403: not
allowed; 409: conflicts with the present state; 429: too many requests (see `Retry-After`);
503: the database is down, try again after `Retry-After` seconds.

**Versioning.** Everything under `/api/v1/` stays compatible: fields and endpoints may be
added, never removed or changed in meaning. A breaking change comes as `/api/v2/`, with
`/api/v1/` kept until its announced removal.""",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # drf-spectacular-sidecar: Swagger UI loads from our static files only. (No Redoc: its
    # page asks Google Fonts and cdn.redoc.ly, so it would not work offline.)
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # One stable name per choice set, where fields of the same name ("status", "state",
    # "kind") carry different sets in different apps.
    "ENUM_NAME_OVERRIDES": {
        "MirrorStatusEnum": "apps.mirrors.choices.MirrorStatus",
        "ContentStateEnum": "apps.mirrors.choices.ContentState",
        "ImageStateEnum": "apps.mirrors.choices.ImageState",
        "SweepStateEnum": "apps.mirrors.choices.SweepState",
        "CheckKindEnum": "apps.mirrors.choices.CheckKind",
        "ReleaseStatusEnum": "apps.releases.choices.ReleaseStatus",
        "ImageKindEnum": "apps.releases.choices.ImageKind",
        "RepositoryKindEnum": "apps.releases.choices.RepositoryKind",  # g-releases
        "ServerRoleEnum": "apps.servers.choices.ServerRole",
        "ServerStatusEnum": "apps.servers.choices.ServerStatus",
        "ServerHealthEnum": "apps.servers.choices.ServerCondition",
        "StateTypeEnum": "apps.servers.choices.StateType",
        "SponsorKindEnum": "apps.sponsors.choices.SponsorKind",
        "SponsorStateEnum": "apps.sponsors.choices.SponsorState",
    },
    # Every operation documents the JSON errors it may answer (apps/core/api_schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.api_schema.error_responses_add",
    ],
}
