"""Parse public mirror lists, so the portal can be tried on real-world data.

The format is the one Debian's python-apt-common ships in
/usr/share/python-apt/templates/*.mirrors: `#LOC:CC` starts a country, each
following line is a mirror's base URL. A file is parsed whole before anything
is written; any bad line stops the import with its line number, and the
writes happen in one transaction.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django_countries import countries

from .choices import Protocol
from .models import Mirror
from .validators import mirror_url_validate

SCHEMES = {p.value for p in Protocol}
MAX_NAME = Mirror._meta.get_field("name").max_length


class MirrorListError(ValueError):
    """A mirror list that cannot be imported; names the line at fault."""

    def __init__(self, line_number: int, message: str, line: str = ""):
        self.line_number = line_number
        self.line = line
        shown = line.strip()
        if len(shown) > 100:
            shown = shown[:100] + "..."
        detail = f": {shown!r}" if shown else ""
        where = f"line {line_number}: " if line_number else ""  # 0: the file as a whole
        super().__init__(f"{where}{message}{detail}")


@dataclass
class ImportedMirror:
    """One host found in a list, with every URL it was listed under."""

    name: str
    country: str
    urls: list[tuple[str, str, int]] = field(default_factory=list)  # (protocol, url, line)


@dataclass(frozen=True)
class ImportResult:
    mirrors_created: int
    mirrors_updated: int
    urls_created: int
    countries: int
    # Hosts listed with neither an HTTP nor an HTTPS URL, left out as the registration form
    # and the API refuse them: "line N: host ...".
    skipped: tuple[str, ...] = ()


WEB_SCHEMES = {Protocol.HTTP, Protocol.HTTPS}


def list_decode(raw: bytes) -> str:
    """A list's bytes as text, or a MirrorListError naming the line and the byte (counted
    from 1 in the file and in the line) where the UTF-8 breaks: a binary file included."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise MirrorListError(
            line,
            f"byte {exc.start + 1} (column {column}) is not UTF-8 text ({exc.reason})",
        ) from exc


def parse_apt_mirrors(text: str) -> list[ImportedMirror]:
    """Parse the python-apt `.mirrors` format into one record per (country, host)."""
    mirrors: OrderedDict[tuple[str, str], ImportedMirror] = OrderedDict()
    country: str | None = None
    seen_urls: set[str] = set()
    # Split on "\n" only: a stray CR, VT or U+2028 inside a line is damage to report (with
    # the line number an editor shows), not a line break.
    lines = text.split("\n")
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if not line.replace("\t", " ").isprintable():
            raise MirrorListError(
                number,
                "the line contains a control character (such as a NUL or a stray line break)",
                raw,
            )
        if number == len(lines):  # text.split("\n") ends with "" after a final newline
            raise MirrorListError(
                number, "the last line has no newline: the file may be truncated", raw
            )
        if line.startswith("#LOC:"):
            code = line[len("#LOC:") :].strip().upper()
            if len(code) != 2 or not code.isalpha() or code not in dict(countries):
                raise MirrorListError(number, f"unknown country code {code!r}", raw)
            country = code
            continue
        if line.startswith("#"):
            continue  # a comment
        if line.startswith("mirror://"):
            continue  # a pointer to another list (apt's mirror method), not a mirror
        url = _validate_url(number, raw, line)
        if country is None:
            raise MirrorListError(number, "a URL before any #LOC:CC line", raw)
        if url in seen_urls:
            raise MirrorListError(number, "this URL is listed twice", raw)
        seen_urls.add(url)
        host = urlsplit(url).hostname or ""
        record = mirrors.setdefault((country, host), ImportedMirror(name=host, country=country))
        record.urls.append((urlsplit(url).scheme, url, number))
    if not mirrors:
        raise MirrorListError(0, "no mirror found: is this a python-apt .mirrors file?")
    return _unique_names(list(mirrors.values()))


def _validate_url(number: int, raw: str, line: str) -> str:
    """The URL in its normal form, by the mirrors' one URL check, or a MirrorListError."""
    if any(ch.isspace() for ch in line):
        raise MirrorListError(number, "a URL cannot contain spaces", raw)
    scheme = line.split("://", 1)[0].lower() if "://" in line else ""
    if scheme not in SCHEMES:
        raise MirrorListError(
            number, f"expected a URL starting with one of {', '.join(sorted(SCHEMES))}://", raw
        )
    try:
        return mirror_url_validate(line)
    except ValidationError as exc:
        detail = " ".join(exc.messages).rstrip(".")
        if exc.code != "host":
            message = detail[:1].lower() + detail[1:]
        elif "no host name" in detail:
            message = "the URL has no valid host name"
        else:
            message = f"the URL has no valid host name ({detail})"
        raise MirrorListError(number, message, raw) from exc


def _unique_names(records: list[ImportedMirror]) -> list[ImportedMirror]:
    """A host listed in several countries (a CDN) becomes one mirror per country."""
    by_name: dict[str, int] = {}
    for record in records:
        by_name[record.name] = by_name.get(record.name, 0) + 1
    for record in records:
        if by_name[record.name] > 1:
            record.name = f"{record.name} ({record.country})"
        if len(record.name) > MAX_NAME:
            raise MirrorListError(
                record.urls[0][2],
                f"the mirror's name {record.name!r} is over {MAX_NAME} characters long",
            )
    return records
