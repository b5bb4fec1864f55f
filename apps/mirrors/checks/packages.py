"""Content beyond the metadata: the packages a repository version lists (read from the
master's primary.xml), the few asked of a mirror that serves that version, and what its
answers say. No database here."""

from __future__ import annotations

import gzip
import heapq
import io
import lzma
import random
import re
import xml.etree.ElementTree as ET  # noqa: S405  (the master's file; no DTD, size capped)
from collections.abc import Sequence

import zstandard

from ..choices import CheckKind
from .target import Target

_NS = "{http://linux.duke.edu/metadata/common}"
_PRIMARY_RE = re.compile(rb'<data\s+type="primary"\s*>.*?<location\s+href="([^"]+)"', re.DOTALL)

# A package as kept on its RepositoryVersion: [href, size, sha256, build time]
Package = list


def primary_href(repomd: bytes) -> str | None:
    """Where a repomd.xml says its primary.xml is (relative to the repository)."""
    found = _PRIMARY_RE.search(repomd)
    return found.group(1).decode("utf-8", "replace") if found else None


# What createrepo_c writes: --compress-type / --general-compress-type gz, xz or zstd.
_XZ, _ZSTD = b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd"
_UNREADABLE = (ET.ParseError, OSError, EOFError, ValueError, lzma.LZMAError, zstandard.ZstdError)
PRIMARY_MAX_EXPANSION = 64  # an unpacked primary.xml is read up to 64 times its packed size


class _Capped(io.RawIOBase):
    """A stream that ends in ValueError past `limit` bytes (a decompression bomb)."""

    def __init__(self, stream, limit: int):
        self._stream, self._left = stream, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        self._left -= len(data)
        if self._left < 0:
            raise ValueError("unpacks to more than the limit")
        buffer[: len(data)] = data
        return len(data)


def unpacked(data: bytes) -> io.RawIOBase:
    """The uncompressed stream of a metadata file: gzip, xz, zstd or plain, by its magic."""
    stream = io.BytesIO(data)
    if data[:2] == b"\x1f\x8b":
        stream = gzip.GzipFile(fileobj=stream)
    elif data[:6] == _XZ:
        stream = lzma.LZMAFile(stream)  # noqa: SIM115  (closed with the BytesIO)
    elif data[:4] == _ZSTD:
        stream = zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)
    return _Capped(stream, max(len(data), 1 << 20) * PRIMARY_MAX_EXPANSION)


def primary_newest(data: bytes, *, keep: int) -> list[Package]:
    """The `keep` newest packages of a primary.xml (gzip, xz, zstd or plain), newest first;
    ValueError if it is not one. Read as a stream: a distribution's primary.xml holds tens of
    thousands."""
    stream = unpacked(data)
    newest: list[tuple[int, str, int, str]] = []
    try:
        for _event, element in ET.iterparse(stream, events=("end",)):  # noqa: S314
            if element.tag != _NS + "package":
                continue
            location = element.find(_NS + "location")
            size = element.find(_NS + "size")
            when = element.find(_NS + "time")
            checksum = element.find(_NS + "checksum")
            if location is not None and size is not None:
                item = (
                    int((when.get("file") if when is not None else None) or 0),
                    location.get("href", ""),
                    int(size.get("package") or 0),
                    (checksum.text or "").strip()
                    if checksum is not None and checksum.get("type") == "sha256"
                    else "",
                )
                if item[1] and item[2] > 0:
                    if len(newest) < keep:
                        heapq.heappush(newest, item)
                    else:
                        heapq.heappushpop(newest, item)
            element.clear()
    except _UNREADABLE as exc:
        raise ValueError(f"not a primary.xml: {exc}") from exc
    return [[href, size, sha256, when] for when, href, size, sha256 in sorted(newest, reverse=True)]


def packages_sample(
    pools: Sequence[tuple[object, str, Sequence[Package]]],
    *,
    count: int,
    full_rate: float,
    full_max_bytes: int,
    rng: random.Random,
) -> list[Target]:
    """`count` package targets chosen at random from the pools (key, repository path, the
    newest version's packages newest first), the newer the likelier (weight 1/(rank+1));
    each asked whole, its checksum compared, with probability `full_rate` when it is at
    most `full_max_bytes` (else a HEAD, its size compared)."""
    choices = [
        (key, base, package, 1.0 / (rank + 1))
        for key, base, packages in pools
        for rank, package in enumerate(packages)
    ]
    picked: list[Target] = []
    while choices and len(picked) < count:
        index = rng.choices(range(len(choices)), weights=[c[3] for c in choices])[0]
        key, base, (href, size, sha256, _when), _weight = choices.pop(index)
        full = bool(sha256) and size <= full_max_bytes and rng.random() < full_rate
        picked.append(
            Target(CheckKind.PACKAGE, base + href, key, size=size, sha256=sha256 if full else "")
        )
    return picked


def package_problem(target: Target, status: int | None, length: int | None, sha256: str | None):
    """What is wrong with a mirror's answer for a sampled package ("" when nothing is, None
    when the answer says nothing: a timeout or a refused connection is no verdict)."""
    if status == 404 or status == 410:
        return f"{target.path}: missing ({status})"
    if status is None or not 200 <= status < 300:
        return None
    if length is not None and length != target.size:
        return f"{target.path}: {length} bytes, the master's {target.size}"
    if target.sha256 and sha256 is not None and sha256 != target.sha256:
        return f"{target.path}: sha256 {sha256[:12]}..., the master's {target.sha256[:12]}..."
    return ""
