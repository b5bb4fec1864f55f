"""Benchmark of a GeoIP country lookup: raw maxminddb against geoip2.database.Reader.

    .venv/bin/python bench/geoip_lookup.py
    .venv/bin/python bench/geoip_lookup.py --lookups 1000000 --db /path/to/GeoLite2-City.mmdb

Looks up the same random IPv4 and IPv6 addresses (seeded; 1 in 5 IPv6) in the database
(Geoacumen's country database by default) with maxminddb's C extension (MODE_MMAP_EXT,
`reader.get`, as apps.core.geo.GeoIP does per mirrorlist request, without its cache) and
with geoip2.database.Reader opened in the same mode (`.country()`, or `.city()` for a city
database, building its typed model), and prints lookups/s of each, best of --repeat runs.
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import sys
import time


def addresses(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        if rng.random() < 0.2:
            found.append(str(ipaddress.IPv6Address((0x2000 << 112) | rng.getrandbits(112))))
        else:
            found.append(str(ipaddress.IPv4Address(rng.randrange(1 << 24, 224 << 24))))
    return found


def best_rate(lookup, ips: list[str], repeat: int) -> tuple[float, int]:
    best, hits = 0.0, 0
    for _ in range(repeat):
        hits = 0
        started = time.perf_counter()
        for ip in ips:
            if lookup(ip) is not None:
                hits += 1
        best = max(best, len(ips) / (time.perf_counter() - started))
    return best, hits


def main(argv: list[str] | None = None) -> int:
    import geoip2.database
    import geoip2.errors
    import maxminddb

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2007)
    parser.add_argument("--db", help="mmdb file (default: Geoacumen's country database)")
    args = parser.parse_args(argv)
    if args.db is None:
        import geoacumen

        args.db = geoacumen.db_path
    ips = addresses(args.lookups, args.seed)

    raw = maxminddb.open_database(args.db, maxminddb.MODE_MMAP_EXT)
    database_type = raw.metadata().database_type
    typed = geoip2.database.Reader(args.db, mode=maxminddb.MODE_MMAP_EXT)
    method = typed.city if "City" in database_type else typed.country

    def typed_lookup(ip: str):
        try:
            return method(ip)
        except geoip2.errors.AddressNotFoundError:
            return None

    print(f"{database_type}: {args.lookups:,} random addresses, best of {args.repeat}")
    results = {}
    for name, lookup in (
        ("maxminddb (C extension, reader.get)", raw.get),
        (f"geoip2.database.Reader.{method.__name__}() (MODE_MMAP_EXT)", typed_lookup),
    ):
        rate, hits = best_rate(lookup, ips, args.repeat)
        results[name] = rate
        print(f"  {name:<55} {rate:>12,.0f} lookups/s  ({hits:,} found)")
    first, second = results.values()
    print(f"  raw maxminddb is {first / second:.1f}x geoip2")
    raw.close()
    typed.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
