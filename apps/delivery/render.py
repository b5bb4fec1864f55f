"""The bodies the delivery endpoints answer with, built as strings (no template engine on
the hot path): the yum mirrorlist, the metalink 3.0 that dnf/librepo reads, and the
metalink 3/4 that aria2 and download managers read for an ISO."""

from __future__ import annotations

import base64
import logging
from email.utils import formatdate

from .entries import DEFAULT_PROTOCOLS, Choice, Target, url_for

log = logging.getLogger(__name__)


def safe_text(value) -> bool:
    """True for printable ASCII without spaces: what a URL, or a name inside one, must be
    to go into a mirrorlist line, an XML element or a header. A CR/LF, NUL or other
    control character (or a Unicode line separator) would start a line of its own."""
    return isinstance(value, str) and value.isascii() and value.isprintable() and " " not in value


def _printable(value):
    """`value` with each non-printable character as "?" (a non-string as it is)."""
    if not isinstance(value, str) or value.isprintable():
        return value
    return "".join(c if c.isprintable() else "?" for c in value)


def snapshot_data_clean(data: dict) -> dict:
    """Drop from a parsed snapshot, in place, every URL and path no answer may carry, and
    mask such characters in mirror names (shown by debug=1): done once when a snapshot is
    loaded, so the request path can emit what it holds as it is. Logs what it dropped."""
    dropped: list[str] = []
    if data.get("master_url") and not safe_text(data["master_url"]):  # a master's row
        dropped.append("the master URL")
        data["master_url"] = ""
    for mirror in data.get("mirrors", ()):
        urls = mirror.get("urls") or {}
        for protocol, entry in list(urls.items()):
            if not (safe_text(protocol) and entry and safe_text(entry[0])):
                dropped.append(f"mirror {mirror.get('id')} {protocol} URL")
                del urls[protocol]
        mirror["name"] = _printable(mirror.get("name"))
        mirror["cc"] = _printable(mirror.get("cc"))
    repos = data.get("repos", {})
    for key, repo in list(repos.items()):
        if not (safe_text(key) and safe_text(repo.get("path"))):
            dropped.append(f"repository {key!r}")
            del repos[key]
    images = data.get("images", {})
    for key, folder in list(images.items()):
        if not (safe_text(key) and safe_text(folder.get("path"))):
            dropped.append(f"image folder {key!r}")
            del images[key]
            continue
        files = folder.get("files", {})
        for name in [n for n in files if not safe_text(n)]:
            dropped.append(f"image {name!r}")
            del files[name]
    if dropped:
        log.warning(
            "snapshot %s: left out %d entries with unsafe characters: %s",
            data.get("version"),
            len(dropped),
            "; ".join(dropped[:10]),
        )
    return data


def _esc(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def http_date(epoch: float) -> str:
    return formatdate(epoch, usegmt=True)


def iso_time(epoch: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def mirrorlist_text(choices: list[Choice], *, comments: list[str] = (), debug: bool = False) -> str:
    """One base URL per line, as yum reads it; yum skips lines starting with '#'."""
    lines = [f"# {c}" for c in comments]
    for choice in choices:
        if debug:
            mirror = choice.mirror  # a private mirror is never named in a public answer
            where = (
                f" {mirror.cc} {'(private)' if mirror.private else mirror.name}" if mirror else ""
            )
            lines.append(f"# bucket={choice.bucket}{where}")
        lines.append(choice.url)
    return "\n".join(lines) + "\n"


def _hashes(sha256: str, sha512: str = "", indent: str = "") -> str:
    parts = [f'{indent}  <hash type="sha256">{sha256}</hash>\n'] if sha256 else []
    if sha512:
        parts.append(f'{indent}  <hash type="sha512">{sha512}</hash>\n')
    if not parts:
        return ""
    return f"{indent}<verification>\n{''.join(parts)}{indent}</verification>\n"


def _url_elements(choices: list[Choice], suffix: str = "", first: int = 0) -> str:
    """<url> elements best first: dnf tries them in document order."""
    out = []
    for rank, choice in enumerate(choices, start=first):
        url = choice.url + suffix
        protocol = url.split(":", 1)[0]
        location = f' location="{choice.country}"' if choice.country else ""
        preference = max(1, 100 - rank)
        out.append(
            f'    <url protocol="{protocol}" type="{protocol}"{location} '
            f'preference="{preference}">{_esc(url)}</url>\n'
        )
    return "".join(out)


def metalink_repomd(target: Target, choices: list[Choice], *, built_at: float) -> str:
    """Metalink 3.0 for repodata/repomd.xml in MirrorManager's shape: size, mm0:timestamp,
    sha256/sha512, the recent versions as mm0:alternates, the mirrors in order (the
    front joins the same text from `Answers`' pieces)."""
    return (
        _repomd_head(target, http_date(built_at))
        + _url_elements(choices, "repodata/repomd.xml")
        + _REPOMD_TAIL
    )


_REPOMD_TAIL = "   </resources>\n  </file>\n </files>\n</metalink>\n"


def _repomd_head(target: Target, pubdate: str) -> str:
    """Everything of a repomd.xml metalink before the first <url>."""
    head = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<metalink version="3.0" xmlns="http://www.metalinker.org/" type="dynamic" '
        f'pubdate="{pubdate}" generator="portal" '
        'xmlns:mm0="http://fedorahosted.org/mirrormanager">\n'
        " <files>\n"
        '  <file name="repomd.xml">\n'
    )
    body = []
    if target.versions:
        ts, sha256, sha512, size = target.versions[0]
        body.append(f"   <mm0:timestamp>{ts}</mm0:timestamp>\n   <size>{size}</size>\n")
        body.append(_hashes(sha256, sha512, "   "))
        if len(target.versions) > 1:
            body.append("   <mm0:alternates>\n")
            for ts, sha256, sha512, size in target.versions[1:]:
                body.append(
                    "    <mm0:alternate>\n"
                    f"     <mm0:timestamp>{ts}</mm0:timestamp>\n"
                    f"     <size>{size}</size>\n"
                    + _hashes(sha256, sha512, "     ")
                    + "    </mm0:alternate>\n"
                )
            body.append("   </mm0:alternates>\n")
    body.append('   <resources maxconnections="1">\n')
    return head + "".join(body)


def metalink_file(target: Target, choices: list[Choice], *, built_at: float) -> str:
    """Metalink 3.0 for one ISO (aria2 reads it and checks the sha256)."""
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<metalink version="3.0" xmlns="http://www.metalinker.org/" type="dynamic" '
        f'pubdate="{http_date(built_at)}" generator="portal">\n'
        " <files>\n"
        f'  <file name="{_esc(target.name)}">\n'
        f"   <size>{target.size}</size>\n"
        + _hashes(target.sha256, "", "   ")
        + '   <resources maxconnections="1">\n'
        + _url_elements(choices)
        + "   </resources>\n  </file>\n </files>\n</metalink>\n"
    )


def meta4_file(target: Target, choices: list[Choice], *, built_at: float) -> str:
    """Metalink 4 (RFC 5854) for one ISO."""
    urls = "".join(
        f"    <url{f' location={chr(34)}{c.country.lower()}{chr(34)}' if c.country else ''} "
        f'priority="{rank}">{_esc(c.url)}</url>\n'
        for rank, c in enumerate(choices, start=1)
    )
    hash_line = f'    <hash type="sha-256">{target.sha256}</hash>\n' if target.sha256 else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<metalink xmlns="urn:ietf:params:xml:ns:metalink">\n'
        f"  <published>{iso_time(built_at)}</published>\n"
        "  <generator>portal</generator>\n"
        f'  <file name="{_esc(target.name)}">\n'
        f"    <size>{target.size}</size>\n"
        f"{hash_line}{urls}"
        "  </file>\n</metalink>\n"
    )


def link_headers(choices: list[Choice]) -> list[tuple[str, str]]:
    """RFC 6249 Link rel=duplicate for the mirrors after the first."""
    return [
        (
            "Link",
            f"<{c.url}>; rel=duplicate; pri={rank}"
            + (f"; geo={c.country.lower()}" if c.country else ""),
        )
        for rank, c in enumerate(choices, start=1)
    ]


def digest_header(sha256_hex: str) -> tuple[str, str] | None:
    """RFC 3230 instance digest (RFC 5843's SHA-256: base64 of the raw digest)."""
    if not sha256_hex:
        return None
    try:
        raw = bytes.fromhex(sha256_hex)
    except ValueError:
        return None
    return ("Digest", "SHA-256=" + base64.b64encode(raw).decode())


class Answers:
    """What the answers of one snapshot share, rendered when it is loaded: each mirror's
    `<url>` element up to its preference (per protocol choice), each repository's metalink
    head (hashes, alternates, the date) and escaped path, each ISO's Digest header. A
    request only draws and joins. Holds the snapshot's mirrors, never the snapshot."""

    def __init__(self, mirrors, *, built_at: float, repos, files):
        self.mirrors = mirrors
        self.pubdate = http_date(built_at)
        self._pieces: dict[tuple, list] = {}
        self._heads = {t.key: _repomd_head(t, self.pubdate) for t in repos}
        self._paths = {t.key: _esc(t.path + "repodata/repomd.xml") for t in repos}
        self.digests = {t.key: digest_header(t.sha256) for t in files}
        self.url_pieces(DEFAULT_PROTOCOLS)

    def url_pieces(self, protocols) -> list[tuple[str, str] | None]:
        """Per mirror: (its <url> element up to the preference's value, its escaped base
        URL) for `protocols` (once per protocol choice: four at most)."""
        found = self._pieces.get(protocols)
        if found is None:
            found = self._pieces[protocols] = [_piece(m, protocols) for m in self.mirrors]
        return found

    def metalink_repomd(self, target: Target, indexes: list[int], protocols, snapshot) -> str:
        """`metalink_repomd`'s text for the mirrors `indexes` (-1: the master), from the
        pieces."""
        head, path = self._heads[target.key], self._paths[target.key]
        pieces = self.url_pieces(protocols)
        out = [head]
        for rank, index in enumerate(indexes):
            if index >= 0:
                piece = pieces[index]
                out.append(f'{piece[0]}{100 - rank if rank < 99 else 1}">{piece[1]}{path}</url>\n')
            else:
                master = Choice((target.master or snapshot.master_url) + target.path, "master")
                out.append(_url_elements([master], "repodata/repomd.xml", rank))
        out.append(_REPOMD_TAIL)
        return "".join(out)


def _piece(mirror, protocols) -> tuple[str, str] | None:
    found = url_for(mirror, protocols)
    if not found:
        return None
    base = found[0]
    protocol = base.split(":", 1)[0]
    location = f' location="{mirror.cc}"' if mirror.cc else ""
    return f'    <url protocol="{protocol}" type="{protocol}"{location} preference="', _esc(base)
