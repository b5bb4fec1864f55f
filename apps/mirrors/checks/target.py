"""One file to probe on a mirror: a leaf the engine and the checks of packages and images
build on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Target:
    """One file to probe on a mirror, relative to the top of its tree."""

    kind: str  # CheckKind
    path: str
    key: object = None  # (release_id, repository_id, architecture_id) or an image id
    known: frozenset[str] = frozenset()  # repomd.xml: sha256 of the master's versions
    newest: str = ""  # repomd.xml: sha256 of the master's newest version
    size: int | None = None  # a package: its size in the master's primary.xml
    sha256: str = ""  # a package asked whole: its sha256 (empty: a HEAD, the size compared)
    span: tuple[int, int] | None = None  # an image part: its bytes (None: the whole image)
