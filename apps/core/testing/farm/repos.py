"""One repository version's files (repomd.xml, primary.xml, packages) and the ISOs."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import random
from dataclasses import dataclass
from pathlib import Path

HISTORY_STEP = 2 * 3600  # seconds between two generated versions of a repository
DENSE_ISO_LIMIT = 8 << 20  # ISOs up to this size are fully random; larger ones are sparse
SPARSE_HEAD, SPARSE_TAIL = 1 << 20, 64 << 10
CHUNK = 64 << 10

_XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
_METADATA = {
    # kind: (root element, namespaces); zero packages keeps the repository valid and tiny
    "primary": (
        "metadata",
        'xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm"',
    ),
    "filelists": ("filelists", 'xmlns="http://linux.duke.edu/metadata/filelists"'),
    "other": ("otherdata", 'xmlns="http://linux.duke.edu/metadata/other"'),
}


@dataclass(frozen=True, eq=False)
class RepoVersion:
    """One generated version of a repository's metadata."""

    timestamp: int
    repomd_bytes: bytes
    sha256: str  # of repomd_bytes
    sha512: str
    size: int
    files: dict[str, bytes]  # "repodata/<sha>-primary.xml.gz" -> content, and so on


def _repo_version(version: str, repo: str, arch: str, timestamp: int) -> RepoVersion:
    files: dict[str, bytes] = {}
    data = []
    packages = _packages(version, repo, arch, timestamp)
    for href, body, _when in packages:
        files[href] = body
    for kind, (element, ns) in _METADATA.items():
        listed = _primary_packages(packages, arch) if kind == "primary" else ""
        count = len(packages) if kind == "primary" else 0
        raw = f'{_XML_DECL}<{element} {ns} packages="{count}">\n{listed}</{element}>\n'.encode()
        # the gzip mtime differs per version, so each version has its own checksums and names
        gz = gzip.compress(raw, mtime=timestamp)
        sha = hashlib.sha256(gz).hexdigest()
        href = f"repodata/{sha}-{kind}.xml.gz"
        files[href] = gz
        data.append(
            f'  <data type="{kind}">\n'
            f'    <checksum type="sha256">{sha}</checksum>\n'
            f'    <open-checksum type="sha256">{hashlib.sha256(raw).hexdigest()}</open-checksum>\n'
            f'    <location href="{href}"/>\n'
            f"    <timestamp>{timestamp}</timestamp>\n"
            f"    <size>{len(gz)}</size>\n"
            f"    <open-size>{len(raw)}</open-size>\n"
            f"  </data>\n"
        )
    # tags make every repository's repomd.xml distinct, as createrepo --content/--repo would
    repomd = (
        f"{_XML_DECL}"
        '<repomd xmlns="http://linux.duke.edu/metadata/repo" '
        'xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n'
        f"  <revision>{timestamp}</revision>\n"
        f"  <tags>\n    <content>binary-{arch}</content>\n    <repo>{repo}</repo>\n"
        f'    <distro cpeid="cpe:/o:centos:centos:{version.split(".")[0]}">'
        f"CentOS {version}</distro>\n  </tags>\n"
        f"{''.join(data)}</repomd>\n"
    ).encode()
    return RepoVersion(
        timestamp=timestamp,
        repomd_bytes=repomd,
        sha256=hashlib.sha256(repomd).hexdigest(),
        sha512=hashlib.sha512(repomd).hexdigest(),
        size=len(repomd),
        files=files,
    )


PACKAGES_PER_VERSION = 4  # in each version's primary.xml, served under Packages/


def _packages(version: str, repo: str, arch: str, timestamp: int) -> list[tuple[str, bytes, int]]:
    """A version's packages: (href, content, build time), the newest first, a few KB each."""
    rng = random.Random(f"{version}/{repo}/{arch}/{timestamp}")
    return [
        (f"Packages/pkg{i}-{repo}-{timestamp}-1.{arch}.rpm", rng.randbytes(2048 + 512 * i),
         timestamp - 3600 * i)
        for i in range(PACKAGES_PER_VERSION)
    ]  # fmt: skip


def _primary_packages(packages: list[tuple[str, bytes, int]], arch: str) -> str:
    return "".join(
        f'<package type="rpm"><name>{href.split("/")[1].rsplit("-", 3)[0]}</name>'
        f"<arch>{arch}</arch>"
        f'<checksum type="sha256" pkgid="YES">{hashlib.sha256(body).hexdigest()}</checksum>'
        f'<time file="{when}" build="{when}"/>'
        f'<size package="{len(body)}" installed="{len(body)}" archive="{len(body)}"/>'
        f'<location href="{href}"/></package>\n'
        for href, body, when in packages
    )


def _write_iso(path: Path, size: int, seed: str) -> str:
    """Write deterministic pseudo-random content; big images get a random head and tail
    around a hole so they cost little disk and time. Returns the sha256."""
    rng = random.Random(seed)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        if size <= DENSE_ISO_LIMIT:
            data = rng.randbytes(size)
            f.write(data)
            digest.update(data)
        else:
            head, tail = rng.randbytes(SPARSE_HEAD), rng.randbytes(SPARSE_TAIL)
            f.write(head)
            f.seek(size - len(tail))
            f.write(tail)
            digest.update(head)
            zeros, left = bytes(CHUNK * 16), size - len(head) - len(tail)
            while left:
                n = min(left, len(zeros))
                digest.update(zeros[:n])
                left -= n
            digest.update(tail)
    return digest.hexdigest()


def _content_type(relpath: str) -> str:
    if relpath == "TIME" or relpath.endswith(".txt"):
        return "text/plain"
    for suffix, ctype in (
        (".xml", "text/xml"),
        (".gz", "application/x-gzip"),
        (".iso", "application/octet-stream"),
        (".rpm", "application/x-rpm"),
    ):
        if relpath.endswith(suffix):
            return ctype
    return mimetypes.guess_type(relpath)[0] or "application/octet-stream"
