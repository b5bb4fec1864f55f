"""Torrents of the ISO images (torf): the piece hashes are computed once from the file's
bytes and stored; the mirrors that have the file are added as web seeds when served."""

from __future__ import annotations

import base64
import hashlib
import io
import tempfile
from pathlib import Path

import torf


def torrent_metainfo_build(
    *, source: Path, name: str, trackers=(), webseeds=(), comment: str = ""
) -> tuple[bytes, int]:
    """(bencoded torrent, piece size) for the file at `source`, named `name`."""
    torrent = torf.Torrent(
        path=source,
        name=name,
        trackers=list(trackers) or None,
        webseeds=list(webseeds) or None,
        private=False,
        comment=comment or None,
        created_by="portal",
    )
    torrent.generate(threads=1)
    return torrent.dump(), torrent.piece_size


def torrent_with_webseeds(metainfo_b64: str, urls: list[str]) -> bytes:
    """The stored torrent with `urls` (the chosen mirrors' file URLs) as web seeds (BEP 19)."""
    torrent = torf.Torrent.read_stream(io.BytesIO(base64.b64decode(metainfo_b64)), validate=False)
    torrent.webseeds = urls
    return torrent.dump(validate=False)


def download_to(
    url: str, dest: Path, *, size: int | None, sha256: str = "", timeout: float = 30.0
) -> None:
    """Fetch `url` into `dest`, checking status, size and sha256 (the master's file)."""
    import httpx

    digest = hashlib.sha256()
    written = 0
    with httpx.stream(
        "GET", url, timeout=httpx.Timeout(timeout, connect=10.0), follow_redirects=False
    ) as response:
        response.raise_for_status()
        with open(dest, "wb") as f:
            for chunk in response.iter_bytes(1 << 20):
                f.write(chunk)
                digest.update(chunk)
                written += len(chunk)
    if size is not None and written != size:
        raise ValueError(f"{url}: got {written} bytes, expected {size}")
    if sha256 and digest.hexdigest() != sha256:
        raise ValueError(f"{url}: sha256 {digest.hexdigest()} is not the image's {sha256}")


def temporary_dir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="portal-torrent-")
