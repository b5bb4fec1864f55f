"""System checks for an operator: what `manage.py check --deploy` (and the production start,
`runportal` and the systemd units) must refuse or point out."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Settings the portal once read and no longer does: set, they would be ignored without a
# word. Each says what replaced it.
REMOVED_SETTINGS = {
    "MASTER_URL": "the master is the approved mirror of tier master in the database: "
    "`manage.py setmaster URL` or PUT /api/v1/master/ makes or changes it",
    "MIRROR_CHECK_DISABLE_AFTER": "renamed MIRROR_CHECK_SUSPEND_AFTER",
}


@register(Tags.security, deploy=True)
def static_manifest_check(app_configs, **kwargs):
    """DEBUG=False renders every page through the staticfiles manifest: without it, a 500."""
    if settings.DEBUG:
        return []
    from .staticfiles import manifest_problem

    problem = manifest_problem()
    return [Error(problem, id="core.E001")] if problem else []


@register(Tags.security, deploy=True)
def tls_proxy_check(app_configs, **kwargs):
    """Production redirects plain HTTP to https and expects a TLS proxy in front."""
    if settings.DEBUG or not settings.SECURE_SSL_REDIRECT or settings.TRUSTED_PROXIES:
        return []
    return [
        Warning(
            "SECURE_SSL_REDIRECT is on and TRUSTED_PROXIES is empty: every plain-HTTP page "
            "answers 301 to https, and no proxy's X-Forwarded-Proto is believed.",
            hint="Put the portal behind a TLS proxy (deploy/nginx-portal.conf) and list it in "
            "TRUSTED_PROXIES; or set SECURE_SSL_REDIRECT=False when granian serves TLS itself.",
            id="core.W002",
        )
    ]


@register()
def removed_settings_check(app_configs, **kwargs):
    return [
        Warning(
            f"{name} is set in the environment but the portal no longer reads it: {instead}.",
            hint=f"Remove {name} from the environment (or .env).",
            id="core.W001",
        )
        for name, instead in REMOVED_SETTINGS.items()
        if name in os.environ
    ]
