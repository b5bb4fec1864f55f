"""The ISO redirect's answers (/isoredirect/...): a folder sends command-line clients to a
mirror's folder; a file is a 302 to the closest mirror with Link and Digest headers, or its
metalink (3 or 4) or torrent with web seeds. Part of the front's request path: no Django."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import render, replies
from . import usage as kinds
from .replies import METALINK3, METALINK4, no_snapshot, nobody, parse_query
from .replies import redirect as _redirect
from .replies import reply as _reply

if TYPE_CHECKING:
    from .front import DeliveryFront


def isoredirect(front: DeliveryFront, environ, start_response):
    """/isoredirect/<release>/isos/<arch>/[<file>[.metalink|.meta4|.torrent]]

    A protocol other than http, https or ftp is a 400, for a folder as for a file (as for
    the mirrorlist)."""
    parts = environ["PATH_INFO"][len("/isoredirect/") :].split("/")
    if len(parts) == 3:
        parts.append("")
    if len(parts) != 4 or parts[1] != "isos" or not parts[0] or not parts[2]:
        return _reply(
            environ,
            start_response,
            "404 Not Found",
            b"ask for /isoredirect/<release>/isos/<arch>/[<file>]\n",
        )
    release, _, arch, name = parts
    snapshot = front.store.snapshot
    if snapshot is None:
        return no_snapshot(environ, start_response)
    if name == replies.CHECKSUM_NAME:
        return replies.checksum_reply(environ, start_response, snapshot, release, arch)
    folder, kind = not name, None
    for suffix in (".metalink", ".meta4", ".torrent"):
        if name.endswith(suffix):
            kind, name = suffix, name[: -len(suffix)]
            break
    if folder:
        target, reason = snapshot.folder_target(release, arch)
    else:
        target, reason = snapshot.file_target(release, arch, name)
    if target is None:
        return _reply(environ, start_response, "404 Not Found", (reason + "\n").encode())
    params = parse_query(environ.get("QUERY_STRING", ""))
    protocol, bad = front._protocol(params)
    if bad:
        return _reply(environ, start_response, "400 Bad Request", bad.encode())
    client = front._client(environ, params)
    if folder:
        # Command-line clients go straight to a mirror's folder (browsers get Django's
        # page, or this 302 when they omit the trailing slash).
        choices = snapshot.draw(target, client, count=1, protocol=protocol, rng=front.rng)
        if not choices:
            return nobody(environ, start_response, target)
        return _redirect(environ, start_response, choices[0].url, front._snapshot_headers(snapshot))
    if kind is None:
        return _file_redirect(front, environ, start_response, snapshot, target, client, protocol)
    return _file_document(front, environ, start_response, snapshot, target, client, protocol, kind)


def _file_redirect(front, environ, start_response, snapshot, target, client, protocol):
    """A 302 to the closest mirror, the next ones as Link headers, and the Digest."""
    headers = front._snapshot_headers(snapshot)
    choices = snapshot.draw(
        target, client, count=1 + front.link_count, protocol=protocol, rng=front.rng
    )
    if not choices:
        return nobody(environ, start_response, target)
    headers += render.link_headers(choices[1:])
    headers.append(("Link", f'<{target.name}.meta4>; rel=describedby; type="{METALINK4}"'))
    digest = snapshot.answers.digests.get(target.key)
    if digest:
        headers.append(digest)
    front._count(kinds.ISO, client, target)
    return _redirect(environ, start_response, choices[0].url, headers)


def _file_document(front, environ, start_response, snapshot, target, client, protocol, kind):
    """The file's metalink (3 or 4), or its torrent with the mirrors as web seeds."""
    headers = front._snapshot_headers(snapshot)
    choices = snapshot.draw(
        target, client, count=front.metalink_count, protocol=protocol, rng=front.rng
    )
    if kind == ".torrent":
        if not target.torrent:
            return _reply(
                environ,
                start_response,
                "404 Not Found",
                f"no torrent for {target.name} yet\n".encode(),
            )
        from .torrents import torrent_with_webseeds

        body = torrent_with_webseeds(target.torrent, [c.url for c in choices])
        headers.append(("Content-Disposition", f'attachment; filename="{target.name}.torrent"'))
        front._count(kinds.TORRENT, client, target)
        return _reply(
            environ, start_response, "200 OK", body, "application/x-bittorrent", extra=headers
        )
    front._count(kinds.ISO_METALINK, client, target)
    if kind == ".meta4":
        body = render.meta4_file(target, choices, built_at=snapshot.built_at)
        return _reply(environ, start_response, "200 OK", body.encode(), METALINK4, extra=headers)
    body = render.metalink_file(target, choices, built_at=snapshot.built_at)
    return _reply(environ, start_response, "200 OK", body.encode(), METALINK3, extra=headers)
