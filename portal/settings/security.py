"""Deploy behind TLS, accounts, rate limits, log-in limits, Content-Security-Policy."""

from .base import DEBUG, LOGGING, env
from .database import CACHES

# --- Deploy (README, "Running it for real"; deploy/) ----------------------------------
# Production expects a TLS proxy in front (deploy/nginx-portal.conf): plain HTTP is answered
# 301 to https (SECURE_SSL_REDIRECT, on by default), and the proxy's X-Forwarded-Proto says
# which scheme the client used. That header is believed only from TRUSTED_PROXIES, as
# X-Forwarded-For is; behind one, REMOTE_ADDR is the client's (apps.core.forwarded).
# `check --deploy` refuses a missing staticfiles manifest (run `collectstatic`; runportal
# and the units do) and warns of settings the portal no longer reads (apps.core.checks).
SECURE_SSL_REDIRECT = False if DEBUG else env.bool("SECURE_SSL_REDIRECT", default=True)
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# --- Accounts (django-allauth) and rate limits (django-ratelimit) --------------
# Volunteers sign up with their email address, confirm it, then log in with it; the admin
# keeps its own log-in page. Both libraries count attempts in the default cache, which
# must be shared by every worker in production (CACHE_URL=redis://...).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out log-in
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "mirrors:mine"
ACCOUNT_LOGIN_METHODS = {"email", "username"}  # either: staff log in with their user name
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[CentOS mirrors] "
ACCOUNT_RATE_LIMITS = {
    "signup": env.str("RATE_SIGNUP", default="10/h/ip"),
    "login": env.str("RATE_LOGIN", default="30/m/ip"),
    # Wrong passwords are counted by django-axes for every way in (below), not here: keyed by
    # the account alone, allauth's count let anyone lock a volunteer out from everywhere.
    "login_failed": None,
    "reset_password": env.str("RATE_RESET_PASSWORD", default="20/m/ip,5/m/key"),
}
# The owners' forms (register, edit, windows, invites): POSTs per client and per hour.
MIRROR_FORM_RATE = env.str("MIRROR_FORM_RATE", default="30/h")
# New API tokens (/my/tokens/): POSTs per person and per hour.
TOKEN_FORM_RATE = env.str("TOKEN_FORM_RATE", default="30/h")
RATELIMIT_USE_CACHE = "default"
if DEBUG and not CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # One process (a laptop, a test) counts well enough in its own memory; several workers
    # each count apart, so production must set CACHE_URL=redis://... (check --deploy says).
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
else:
    # django-ratelimit 4.1 lists django-redis, not Django's own RedisCache, as supported;
    # Django's has the atomic incr the rate limits' counts need.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# --- Log-in limits (django-axes, apps.core.logins) ------------------------------
# One limiter for the admin's log-in, the volunteers' log-in and HTTP Basic on the API:
# LOGIN_FAILURE_LIMIT wrong passwords for one account from one client address lock that
# pair for LOGIN_LOCKOUT_MINUTES (a 429), so an attacker cannot lock the owner out from
# elsewhere. Attempts live in the database (staff see and clear them in the admin: Axes).
# API tokens are not counted: each has 256 random bits, so nobody guesses one, and the API's
# throttles bound the tries anyway. HTTP Basic on the API is off unless API_BASIC_AUTH is set.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
API_BASIC_AUTH = env.bool("API_BASIC_AUTH", default=False)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = LOGIN_LOCKOUT_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # failures only: no row per successful log-in
AXES_USERNAME_CALLABLE = "apps.core.logins.login_key"
AXES_CLIENT_IP_CALLABLE = "apps.core.logins.login_address"
AXES_LOCKOUT_CALLABLE = "apps.core.logins.locked_out"
AXES_VERBOSE = False
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # lockouts; not a line per log-in

# --- Content-Security-Policy (django-csp) ----------------------------------------
# The second line behind escaping: scripts, styles, images, fonts and requests from this
# site only; no inline script, no <style> element, no style attribute (the charts size their
# bars with classes, static/css/sizes.css), no plugin, no framing. CSP_REPORT_URI, when
# set, is where browsers report what the policy blocked.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Swagger UI's icons are data: URLs
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"report-uri": [env.str("CSP_REPORT_URI")]} if env.str("CSP_REPORT_URI", "") else {}),
    },
}
# django-ratelimit: a count the cache could not give lets the request through.
RATELIMIT_FAIL_OPEN = True
