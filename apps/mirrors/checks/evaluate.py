"""What a mirror's answers mean: repomd.xml versions, timestamp files and ISO sizes.

Pure functions over bytes and numbers, shared by the master refresh and the mirror checks.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET  # noqa: S405  (no DTDs accepted, body size capped)
from dataclasses import dataclass

from ..choices import ContentState, ImageState

_TIME_RE = re.compile(rb"\s*(\d{9,12})(?:\.\d+)?\s*(?:\n.*)?", re.DOTALL)


@dataclass(frozen=True, slots=True)
class RepomdInfo:
    """A repomd.xml: its version (timestamp) and the checksums that identify it."""

    timestamp: int
    sha256: str
    sha512: str
    size: int


@dataclass(frozen=True, slots=True)
class KnownVersion:
    """One of the master's recent versions of a repository."""

    sha256: str
    timestamp: int
    published_at: float  # Unix time


def repomd_parse(data: bytes) -> RepomdInfo:
    """Read a repomd.xml; ValueError if it is not one.

    The version is the newest <timestamp> of its data entries or, failing that, <revision>
    (createrepo_c writes a revision that is a timestamp too).
    """
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ValueError("repomd.xml with a DTD")  # entity expansion is an attack, not a repo
    try:
        root = ET.fromstring(data)  # noqa: S314
    except ET.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from exc
    if _local(root.tag) != "repomd":
        raise ValueError(f"root element is <{_local(root.tag)}>, not <repomd>")
    stamps = [
        int(float(el.text))
        for el in root.iter()
        if _local(el.tag) == "timestamp" and el.text and _number(el.text)
    ]
    if not stamps:
        stamps = [
            int(float(el.text))
            for el in root.iter()
            if _local(el.tag) == "revision" and el.text and _number(el.text)
        ]
    if not stamps:
        raise ValueError("repomd.xml without <timestamp> or <revision>")
    return RepomdInfo(
        timestamp=max(stamps),
        sha256=hashlib.sha256(data).hexdigest(),
        sha512=hashlib.sha512(data).hexdigest(),
        size=len(data),
    )


def timestamp_parse(data: bytes) -> int:
    """The Unix time in a TIME file (first token); ValueError if it holds something else."""
    match = _TIME_RE.fullmatch(data[:200])
    if not match:
        raise ValueError("not a timestamp file")
    return int(match.group(1))


def repository_state_evaluate(
    sha256: str | None, timestamp: int | None, versions: list[KnownVersion], now: float
) -> tuple[str, int | None, int | None]:
    """(state, lag_seconds, timestamp) of a mirror's repomd.xml given the master's
    versions, newest first; sha256 None means the mirror has none.

    Current only when it is byte for byte the newest version (clients verify the hash);
    behind when it is an older one, or any other repomd.xml; lag is now minus the
    publication time of the version the mirror has (its own timestamp when the master does
    not list it).
    """
    if sha256 is None:
        return ContentState.MISSING, None, None
    if versions and sha256 == versions[0].sha256:
        return ContentState.CURRENT, 0, versions[0].timestamp
    for version in versions[1:]:
        if sha256 == version.sha256:
            return ContentState.BEHIND, max(0, round(now - version.published_at)), version.timestamp
    stamp = timestamp or 0
    return ContentState.BEHIND, max(0, round(now - stamp)), timestamp


# Checksum files beside the images, in the order the master refresh believes them.
CHECKSUM_FILES = ("sha256sum.txt", "SHA256SUMS", "CHECKSUM")
_GNU_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *]([^\x00-\x1f/]+)$")
_BSD_LINE = re.compile(r"^SHA256 \(([^\x00-\x1f/]+)\) = ([0-9a-fA-F]{64})$")
_SIZE_LINE = re.compile(r"^# ([^\x00-\x1f/]+): (\d+) bytes$")


@dataclass(frozen=True)
class ChecksumEntry:
    sha256: str
    size: int | None = None


def checksum_file_parse(data: bytes) -> dict[str, ChecksumEntry]:
    """The sha256 (and, in a Fedora-style CHECKSUM, the size) of each file named in a
    checksum file: GNU `sha256sum` lines, BSD `SHA256 (name) = hex` lines, with or without
    an OpenPGP clear-signature around them. Lines of other shapes are ignored."""
    text = data.decode("utf-8", "replace")
    hashes: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if match := _GNU_LINE.match(line):
            hashes.setdefault(match[2].strip(), match[1].lower())
        elif match := _BSD_LINE.match(line):
            hashes.setdefault(match[1].strip(), match[2].lower())
        elif match := _SIZE_LINE.match(line):
            sizes[match[1].strip()] = int(match[2])
    return {name: ChecksumEntry(sha, sizes.get(name)) for name, sha in hashes.items()}


def image_state_evaluate(status: int | None, content_length: int | None, size: int | None) -> str:
    if size is None:  # the master has not told its size yet: nothing to compare with
        return ImageState.UNKNOWN
    if status == 200 and content_length == size:
        return ImageState.PRESENT
    if status == 200 and content_length is not None:
        return ImageState.WRONG_SIZE
    return ImageState.MISSING


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
