"""delivery_load.py's request mix: the catalogue of URLs, the GeoIP address pools and
the wrk Lua scripts that draw from them."""

from __future__ import annotations

import http.client
import random
import time
import urllib.request
from collections import Counter
from pathlib import Path

from delivery_setup import CACHED_PATH, IPV6_SHARE, MIX, POOL_SIZES, V6_SKIP, V6_UNICAST


def wait_for(url: str, seconds: float = 60) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# --- the request mix -----------------------------------------------------------------


def catalogue() -> dict[str, list[str]]:
    """Every URL of the mix, from the rows (what the snapshot was built from): a mirrorlist
    and a metalink per release/repository/arch with repository versions, and the redirect
    of every ISO."""
    from apps.releases.models import Image, RepositoryVersion

    combos = sorted(
        set(
            RepositoryVersion.objects.values_list(
                "release__version", "repository__name", "architecture__name"
            )
        )
    )
    images = sorted(
        Image.objects.values_list("release__version", "architecture__name", "name").distinct()
    )
    return {
        "mirrorlist": [f"/mirrorlist?release={v}&repo={r}&arch={a}" for v, r, a in combos],
        "metalink": [f"/metalink?repo={r}-{v}&arch={a}" for v, r, a in combos],
        "iso": [f"/isoredirect/{v}/isos/{a}/{n}" for v, a, n in images],
    }


def geoip_pools(seed: int = 11) -> dict[tuple[str, bool], list]:
    """Networks of the GeoIP database the front reads (Geoacumen unless GEOIP_PATH is set),
    sampled uniformly per (IP version, has a country); a reservoir per pool. Private and
    reserved ranges are left out, as are IPv6 ranges that only re-encode IPv4."""
    import maxminddb
    from django.conf import settings

    path = settings.GEOIP_PATH
    if not path:
        import geoacumen

        path = geoacumen.db_path
    rng = random.Random(seed)
    pools: dict[tuple[str, bool], list] = {key: [] for key in POOL_SIZES}
    seen: Counter = Counter()
    with maxminddb.open_database(path) as reader:
        for net, record in reader:
            if not net.is_global:
                continue
            version = "v4" if net.version == 4 else "v6"
            if version == "v6" and (
                not net.subnet_of(V6_UNICAST) or any(net.subnet_of(s) for s in V6_SKIP)
            ):
                continue
            place = record.get("country") or record.get("registered_country") or {}
            code = place.get("iso_code") if isinstance(place, dict) else None
            key = (version, isinstance(code, str) and len(code) == 2 and code.isalpha())
            seen[key] += 1
            pool, size = pools[key], POOL_SIZES[key]
            if len(pool) < size:
                pool.append(net)
            else:
                j = rng.randrange(seen[key])
                if j < size:
                    pool[j] = net
    return pools


def draw_address(rng: random.Random, pools, no_country: float) -> str:
    """What the Lua script does per request, in Python (for the sample and the shares)."""
    version = "v6" if rng.random() < IPV6_SHARE else "v4"
    pool = pools[(version, rng.random() >= no_country)]
    net = pool[rng.randrange(len(pool))]
    return str(net[rng.randrange(net.num_addresses)])


def draw_path(rng: random.Random, urls: dict[str, list[str]]) -> str:
    r = rng.random()
    kind = "mirrorlist" if r < MIX["mirrorlist"] else "metalink" if r < 0.9 else "iso"
    return urls[kind][rng.randrange(len(urls[kind]))]


def _lua_list(items) -> str:
    return "{" + ",".join(items) + "}"


def mix_script(tmp: Path, pools, urls: dict[str, list[str]], no_country: float) -> Path:
    """wrk's Lua: per request a kind (70/20/10), a URL of that kind and a fresh address.

    IPv4 networks are {first address, size}; IPv6 ones the eight 16-bit groups of the
    network address and the prefix length, the host bits drawn per group."""
    v4 = {
        has: _lua_list(
            f"{{{int(n.network_address)},{n.num_addresses}}}" for n in pools[("v4", has)]
        )
        for has in (True, False)
    }
    v6 = {}
    for has in (True, False):
        rows = []
        for n in pools[("v6", has)]:
            groups = n.network_address.exploded.split(":")
            rows.append("{" + ",".join(str(int(g, 16)) for g in groups) + f",{n.prefixlen}}}")
        v6[has] = _lua_list(rows)
    quoted = {k: _lua_list(f'"{u}"' for u in v) for k, v in urls.items()}
    script = tmp / "mix.lua"
    script.write_text(
        f"local V4 = {v4[True]}\nlocal V4NONE = {v4[False]}\n"
        f"local V6 = {v6[True]}\nlocal V6NONE = {v6[False]}\n"
        f"local ML = {quoted['mirrorlist']}\nlocal MD = {quoted['metalink']}\n"
        f"local ISO = {quoted['iso']}\n"
        f"local IPV6, NOCC = {IPV6_SHARE}, {no_country}\n"
        f"local P_ML, P_MD = {MIX['mirrorlist']}, {MIX['mirrorlist'] + MIX['metalink']}\n"
        """
local random, floor, format = math.random, math.floor, string.format
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
function init(args)
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
  for _ = 1, 10 do random() end
end
local function ip4(t)
  local n = t[1] + random(0, t[2] - 1)
  return format("%d.%d.%d.%d", floor(n / 16777216) % 256, floor(n / 65536) % 256,
                floor(n / 256) % 256, n % 256)
end
local g = {0, 0, 0, 0, 0, 0, 0, 0}
local function ip6(t)
  local p = t[9]
  for i = 1, 8 do
    local fixed = p - 16 * (i - 1)
    if fixed >= 16 then g[i] = t[i]
    elseif fixed <= 0 then g[i] = random(0, 65535)
    else g[i] = t[i] + random(0, 2 ^ (16 - fixed) - 1) end
  end
  return format("%x:%x:%x:%x:%x:%x:%x:%x", g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8])
end
local headers = {}
request = function()
  local ip
  if random() < IPV6 then
    if random() < NOCC then ip = ip6(V6NONE[random(#V6NONE)]) else ip = ip6(V6[random(#V6)]) end
  else
    if random() < NOCC then ip = ip4(V4NONE[random(#V4NONE)]) else ip = ip4(V4[random(#V4)]) end
  end
  headers["X-Forwarded-For"] = ip
  local r, path = random()
  if r < P_ML then path = ML[random(#ML)]
  elseif r < P_MD then path = MD[random(#MD)]
  else path = ISO[random(#ISO)] end
  return wrk.format("GET", path, headers)
end
"""
    )
    return script


def cached_script(tmp: Path, seed: int = 7) -> tuple[Path, int]:
    """The old default: one URL, `ip=` cycling over 1,000 random IPv4 addresses; the
    script and how many of those addresses GeoIP has no country for."""
    from django.conf import settings

    from apps.core.geo import GeoIP

    rng = random.Random(seed)
    ips = [
        f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        for _ in range(1000)
    ]
    script = tmp / "cached.lua"
    script.write_text(
        "local ips = {" + ",".join(f'"{ip}"' for ip in ips) + "}\n"
        "local i = 0\n"
        "request = function()\n"
        "  i = i + 1\n"
        f'  return wrk.format("GET", "{CACHED_PATH}&ip=" .. ips[(i % #ips) + 1])\n'
        "end\n"
    )
    geoip = GeoIP(settings.GEOIP_PATH)
    return script, sum(geoip.country(ip) is None for ip in ips)


def fetch(port: int, path: str, forwarded: str | None = None):
    """(status, headers, body, bytes on the wire) of one GET, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"X-Forwarded-For": forwarded} if forwarded else {})
        resp = conn.getresponse()
        body = resp.read()
        headers = resp.getheaders()
    finally:
        conn.close()
    head = len(f"HTTP/1.1 {resp.status} {resp.reason}\r\n") + 2
    head += sum(len(k) + len(v) + 4 for k, v in headers)
    return resp.status, headers, body, head + len(body)


# --- the servers -----------------------------------------------------------------------
