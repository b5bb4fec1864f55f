"""The front's WSGI plumbing: the query string, plain answers and redirects. An answer notes
its status in the environ (STATUS_KEY), where the front's tallies read it."""

from __future__ import annotations

from urllib.parse import unquote_plus

TEXT = "text/plain; charset=utf-8"
STATUS_KEY = "delivery.status"
NOSNIFF = ("X-Content-Type-Options", "nosniff")
# Strict-Transport-Security on answers to https requests, as Django's SecurityMiddleware
# sends it on the pages: set once per process from SECURE_HSTS_SECONDS (hsts_configure).
_hsts: tuple[str, str] | None = None


METALINK3 = "application/metalink+xml"
METALINK4 = "application/metalink4+xml"


def hsts_configure(seconds: int, *, subdomains: bool = False, preload: bool = False) -> None:
    global _hsts
    value = f"max-age={seconds}" + ("; includeSubDomains" if subdomains else "")
    _hsts = (
        ("Strict-Transport-Security", value + ("; preload" if preload else "")) if seconds else None
    )


def _https(environ) -> bool:
    # Over plain http a browser ignores the header (RFC 6797 8.1), so believing a client's
    # own X-Forwarded-Proto costs nothing; behind a TLS proxy it is how https is seen.
    return (
        environ.get("wsgi.url_scheme") == "https"
        or environ.get("HTTP_X_FORWARDED_PROTO") == "https"
    )


def parse_query(query: str) -> dict[str, str]:
    """The query string as a dict (last value wins); parse_qsl costs several times more
    on the hot path, and most values need no unquoting."""
    params: dict[str, str] = {}
    if not query:
        return params
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        if "%" in key or "+" in key:
            key = unquote_plus(key)
        params[key] = value
    return params


def reply(environ, start_response, status: str, body: bytes, content_type: str = TEXT, extra=()):
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), NOSNIFF, *extra]
    if _hsts is not None and _https(environ):
        headers.append(_hsts)
    environ[STATUS_KEY] = status
    start_response(status, headers)
    return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [body]


def redirect(environ, start_response, url: str, extra=()):
    body = f"302 Found: {url}\n".encode()
    return reply(environ, start_response, "302 Found", body, extra=[("Location", url), *extra])


def no_snapshot(environ, start_response):
    return reply(
        environ,
        start_response,
        "503 Service Unavailable",
        b"no mirror snapshot loaded yet; try again shortly\n",
        extra=[("Retry-After", "10")],
    )


def nobody(environ, start_response, target):
    """No mirror qualifies and the snapshot names no master: say so, never a blank list."""
    return reply(
        environ,
        start_response,
        "503 Service Unavailable",
        f"no mirror serves {target.key} now and no master mirror is configured\n".encode(),
        extra=[("Retry-After", "60")],
    )


# The folder's checksum file, in `sha256sum -c`'s format, from the snapshot's hashes (the
# master's): downloaders verify an image without knowing which mirror served it.
CHECKSUM_NAME = "sha256sum.txt"


def checksum_reply(environ, start_response, snapshot, release: str, arch: str):
    folder, reason = snapshot.folder_target(release, arch)
    if folder is None:
        return reply(environ, start_response, "404 Not Found", (reason + "\n").encode())
    lines = [f"{t.sha256}  {t.name}\n" for t in snapshot.folder_files[folder.key] if t.sha256]
    return reply(environ, start_response, "200 OK", "".join(lines).encode())
