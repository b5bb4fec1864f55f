"""The few lines contrib's scripts share: GET one path of the portal's API with the token
from the environment (PORTAL_URL, PORTAL_TOKEN), standard library only, so that the
scripts run on any Ansible control node or Puppet server with a python3."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 30


class NotFound(Exception):
    """The portal answered 404."""


def api_get(path: str) -> object:
    """The JSON at PORTAL_URL + path; exits with a message on a missing setting or an
    answer other than 200 (NotFound for a 404, which a caller may expect)."""
    base = os.environ.get("PORTAL_URL", "").rstrip("/")
    token = os.environ.get("PORTAL_TOKEN", "")
    if not base.startswith(("http://", "https://")) or not token:
        sys.exit(
            "Set PORTAL_URL (e.g. https://portal.example.org) and PORTAL_TOKEN (a staff token)."
        )
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        base + path, headers={"Authorization": f"Token {token}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise NotFound(path) from error
        sys.exit(f"{base}{path}: HTTP {error.code} {error.reason}")
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        sys.exit(f"{base}{path}: {error}")
