"""Real RPM repositories for the farm: a few tiny packages built by rpmbuild and the
metadata made by createrepo_c, compressed with gzip, xz or zstd.

createrepo_c 0.17 (Debian 12) knows gz and xz only (`--general-compress-type zstd` is
"Unknown/Unsupported"); zstd is what createrepo_c 0.20 and later write by default, so for
it the primary.xml createrepo_c made is recompressed with zstd and repomd.xml's entry
rewritten as createrepo_c writes it (checksum, location, size)."""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

COMPRESSIONS = ("gz", "xz", "zstd")


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed")
    return found


def build_rpms(dest: Path, names: list[str], *, timeout: float = 60) -> list[Path]:
    """One tiny noarch package per name (no files), built by rpmbuild into dest."""
    rpmbuild = _binary("rpmbuild")
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rpmrepo-") as top:
        for index, name in enumerate(names):
            spec = Path(top, f"{name}.spec")
            spec.write_text(
                f"Name: {name}\nVersion: 1.{index}\nRelease: 1\nSummary: {name}\nLicense: MIT\n"
                f"BuildArch: noarch\n%description\n{name} for the mirror farm\n%files\n"
            )
            subprocess.run(  # noqa: S603  (our own arguments)
                [rpmbuild, "--quiet", "-bb", "--define", f"_topdir {top}/top",
                 "--define", f"_rpmdir {top}/out", "--define", "_build_id_links none",
                 str(spec)],
                check=True, timeout=timeout, capture_output=True,
            )  # fmt: skip
        built = sorted(Path(top, "out").rglob("*.rpm"))
        return [Path(shutil.copy2(rpm, dest / rpm.name)) for rpm in built]


def createrepo(repo_dir: Path, compress: str, *, timeout: float = 60) -> Path:
    """createrepo_c over repo_dir (its packages under Packages/), the XML metadata
    compressed with `compress` (gz, xz or zstd); returns the repomd.xml."""
    if compress not in COMPRESSIONS:
        raise ValueError(f"{compress}: not one of {COMPRESSIONS}")
    native = "gz" if compress == "zstd" else compress
    subprocess.run(  # noqa: S603  (our own arguments)
        [_binary("createrepo_c"), "--quiet", "--no-database",
         f"--general-compress-type={native}", str(repo_dir)],
        check=True, timeout=timeout, capture_output=True,
    )  # fmt: skip
    repomd = repo_dir / "repodata" / "repomd.xml"
    if compress == "zstd":
        _recompress_zstd(repo_dir, repomd)
    return repomd


def _recompress_zstd(repo_dir: Path, repomd: Path) -> None:
    import zstandard

    text = repomd.read_text()
    for href in re.findall(r'<location href="(repodata/[^"]+\.xml\.gz)"/>', text):
        old = repo_dir / href
        packed = zstandard.ZstdCompressor(level=10).compress(gzip.decompress(old.read_bytes()))
        digest = hashlib.sha256(packed).hexdigest()
        new_href = f"repodata/{digest}-{old.name.split('-', 1)[1].removesuffix('.gz')}.zst"
        (repo_dir / new_href).write_bytes(packed)
        old.unlink()
        block = re.search(rf"<data [^>]*>(?:(?!</data>).)*{re.escape(href)}.*?</data>", text, re.S)
        entry = re.sub(r'<checksum type="sha256">\w+<', f'<checksum type="sha256">{digest}<',
                       block.group(0))  # fmt: skip
        entry = entry.replace(href, new_href)
        entry = re.sub(r"<size>\d+</size>", f"<size>{len(packed)}</size>", entry)
        text = text.replace(block.group(0), entry)
    repomd.write_text(text)
