"""rsync:// URLs, asked with the rsync client under the same rules as the http ones: the
name resolved and checked here (SSRF), rsync connected to the checked address itself (an
IP literal in the URL it is given: it resolves nothing), bounded in time (its own connect
and I/O timeouts, and the process killed at the client's deadline), no shell, no
environment of ours (no RSYNC_PROXY, RSYNC_CONNECT_PROG, no password prompt).

A GET copies the file into a temporary folder (at most max_bytes) and reads it: content,
size and modification time; a HEAD lists it (`--list-only`): size and modification time.
"""

from __future__ import annotations

import asyncio
import calendar
import math
import os
import re
import shutil
import tempfile
import time
from typing import TYPE_CHECKING
from urllib.parse import unquote

from .targets import Failure, FetchError, FetchResult, addresses_of, family_of, http_date
from .targets import target_parse as _target_parse

if TYPE_CHECKING:
    from .client import ProbeSession, SafeClient

OUTPUT_CAP = 64 * 1024
# "-rw-r--r--             11 2024/01/02 03:04:05 TIME" (sizes may have commas)
_LISTING = re.compile(r"^(\S{10})\s+([\d,.]+)\s+(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)\s+(.+)$")


def rsync_binary() -> str | None:
    return shutil.which("rsync")


async def rsync_exchange(
    client: SafeClient, session: ProbeSession, url: str, result: FetchResult, *,
    family: str | None = None,
) -> None:  # fmt: skip
    """Fill `result` for an rsync URL, or raise Failure (SafeClient.fetch records it)."""
    target = _target_parse(url)
    path = unquote(target.path)
    if path.count("/") < 2 or any(ord(ch) < 32 for ch in path):
        raise Failure(FetchError.OTHER, f"bad rsync URL: {url[:100]}")  # /module/file at least
    addresses = addresses_of(await session.addresses(target), family, target.host)
    address = addresses[0]
    result.family = family_of(address)
    result.final_url = url
    binary = rsync_binary()
    if binary is None:
        raise Failure(FetchError.OTHER, "the rsync client is not installed")
    shown = f"[{address}]" if ":" in address else address
    source = f"rsync://{shown}:{target.port}{path}"
    with tempfile.TemporaryDirectory(prefix="portal-rsync-") as folder:
        argv = [
            binary, "--no-motd",
            f"--contimeout={max(1, math.ceil(client.connect_timeout))}",
            f"--timeout={max(1, math.ceil(client.timeout))}",
        ]  # fmt: skip
        if result.method == "HEAD":
            argv += ["--list-only", source]
        else:
            argv += ["--times", f"--max-size={client.max_bytes}b", source, folder + "/"]
        code, out, err = await _run(argv, folder, client.timeout)
        if code != 0:
            raise _failure(code, err, client)
        if result.method == "HEAD":
            size, mtime = _listing_parse(out)
        else:
            name = os.path.join(folder, path.rstrip("/").rpartition("/")[2])
            if not os.path.isfile(name):
                if "skipping directory" in err or "skipping non-regular" in err:
                    raise Failure(FetchError.WRONG_CONTENT, "not a file")
                raise Failure(FetchError.TOO_LARGE, f"larger than {client.max_bytes} bytes")
            with open(name, "rb") as handle:
                result.body = handle.read(client.max_bytes + 1)
            result.nbytes = len(result.body)
            size, mtime = result.nbytes, int(os.stat(name).st_mtime)
    result.content_length = size
    result.last_modified = http_date(mtime) if mtime is not None else ""


async def _run(argv: list[str], home: str, timeout: float) -> tuple[int, str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LC_ALL": "C",
        "TZ": "UTC",  # --list-only prints local times
        "RSYNC_PASSWORD": "",  # a module that wants a password fails instead of prompting
    }
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        start_new_session=True,  # no terminal to ask a password on
    )
    try:
        async with asyncio.timeout(timeout):
            out, err = await asyncio.gather(_read_capped(proc.stdout), _read_capped(proc.stderr))
            code = await proc.wait()
    except TimeoutError:
        raise Failure(FetchError.TIMEOUT, f"no answer within {timeout:g} s") from None
    finally:
        if proc.returncode is None:  # timed out or cancelled: never leave it running
            proc.kill()
            await asyncio.shield(proc.wait())
    return code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


async def _read_capped(stream: asyncio.StreamReader | None) -> bytes:
    """Everything up to OUTPUT_CAP; the rest is read and dropped, so the process ends."""
    kept = bytearray()
    while stream is not None and (chunk := await stream.read(65536)):
        if len(kept) < OUTPUT_CAP:
            kept += chunk[: OUTPUT_CAP - len(kept)]
    return bytes(kept)


def _failure(code: int, err: str, client: SafeClient) -> Failure:
    lines = [line.strip() for line in err.splitlines() if line.strip()]
    first = next((line for line in lines if "@ERROR" in line or "failed" in line), "")
    detail = (first or (lines[0] if lines else f"rsync exited with {code}"))[:200]
    if "Connection refused" in err:
        return Failure(FetchError.REFUSED, detail)
    if code in (30, 35) or "timed out" in err or "timeout" in err.lower():
        return Failure(FetchError.TIMEOUT, detail)
    if "Unknown module" in err or "No such file or directory" in err:
        return Failure(FetchError.NOT_FOUND, detail)
    if "@ERROR" in err:  # auth failed, access denied, max connections
        return Failure(FetchError.LOGIN, detail)
    if code in (5, 12, 13):  # protocol start, data stream, diagnostics: not an rsync daemon
        return Failure(FetchError.WRONG_CONTENT, detail)
    return Failure(FetchError.OTHER, detail)


def _listing_parse(out: str) -> tuple[int, int | None]:
    """(size, mtime) of the one file a --list-only listed; Failure if it listed no file."""
    for line in out.splitlines():
        match = _LISTING.match(line.strip())
        if match:
            if match[1][0] != "-":
                raise Failure(FetchError.WRONG_CONTENT, "not a file")
            when = time.strptime(match[3], "%Y/%m/%d %H:%M:%S")
            return int(match[2].replace(",", "").replace(".", "")), calendar.timegm(when)
    raise Failure(FetchError.NOT_FOUND, "the listing holds no file")
