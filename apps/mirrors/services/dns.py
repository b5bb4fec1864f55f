"""msync in the DNS, as the 2007 setup did it (Geo::IP-enabled PowerDNS): the answer of
apps.mirrors.selectors.msync for every country, continent and internal netblock, written as
a PowerDNS GeoIP backend zone file (YAML) or a plain BIND zone. `manage.py exportdns` runs it.

In the GeoIP file, the service `msync.<zone>` tries `%cc.msync.<zone>` (the client's
country, from EDNS Client Subnet when the resolver sends it), then
`%cn.continent.msync.<zone>` (its continent, when the database has one), then
`world.msync.<zone>`: the answer for a client nobody can locate. An internal mirror's
netblocks map straight to it (the netblock bucket)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass

import yaml
from django.utils import timezone

from apps.core.buckets import Place
from apps.core.geo import COUNTRIES

from ..choices import Protocol
from ..selectors.msync import Candidates, Upstream, msync_candidates, msync_place, msync_rank

FORMATS = ("pdns-geoip", "bind")
WORLD = "world"
CONTINENTS = ("AF", "AN", "AS", "EU", "NA", "OC", "SA")


@dataclass(frozen=True)
class Answer:
    """What one name answers: the mirror msync chose and its addresses (or, for a mirror
    without a known address, its host name as a CNAME)."""

    mirror: str
    ipv4: str | None
    ipv6: str | None
    cname: str | None


def dns_answers(candidates: Candidates | None = None) -> tuple[dict[str, Answer], dict]:
    """{label: Answer} for each country code ("de"), continent ("eu.continent") and WORLD, and
    {netblock: Answer} for the internal mirrors' netblocks. A label whose answer cannot be
    written (no mirror at all) is left out."""
    candidates = candidates or msync_candidates()
    places = {cc.lower(): msync_place(cc) for cc in COUNTRIES}
    # Continents under their own label: AF, AS, NA and SA are also country codes.
    places.update({f"{cn.lower()}.continent": Place(None, cn, frozenset()) for cn in CONTINENTS})
    places[WORLD] = Place(None, None, frozenset())
    answers = {}
    for label, place in places.items():
        answer = _first_answer(u for _, u, _ in msync_rank(candidates, place=place))
        if answer is not None:
            answers[label] = answer
    netblocks = {}
    for mirror in candidates.internal:
        answer = _first_answer([mirror])
        for network in mirror.networks if answer else ():
            netblocks[str(network)] = answer
    return answers, netblocks


def _first_answer(ranked) -> Answer | None:
    """The first ranked mirror the DNS can name: by its server's addresses, else its host."""
    fallback = None
    for upstream in ranked:
        if upstream.ipv4 or upstream.ipv6:
            return Answer(upstream.name, upstream.ipv4, upstream.ipv6, None)
        if fallback is None and (host := _host(upstream)):
            fallback = Answer(upstream.name, None, None, host)
    return fallback


def _host(upstream: Upstream) -> str | None:
    from urllib.parse import urlsplit

    for protocol in (Protocol.RSYNC, Protocol.HTTPS, Protocol.HTTP, Protocol.FTP):
        if url := upstream.urls.get(protocol):
            return urlsplit(url).hostname
    return None


def _records(answer: Answer) -> list[dict]:
    if answer.cname:
        return [{"cname": answer.cname.rstrip(".") + "."}]
    records = [{"a": answer.ipv4}] if answer.ipv4 else []
    return records + ([{"aaaa": answer.ipv6}] if answer.ipv6 else [])


def _serial(now: dt.datetime) -> int:
    return int(now.strftime("%Y%m%d%H"))  # ten digits: fits the SOA's 32 bits


def dns_geoip_yaml(
    *, zone: str, answers: dict, netblocks: dict, ttl: int = 300, now=None,
    nameserver: str | None = None,
) -> str:  # fmt: skip
    """The PowerDNS GeoIP backend zone file (geoip-zones-file)."""
    zone = zone.rstrip(".").lower()
    service = f"msync.{zone}"
    nameserver = nameserver or f"ns1.{zone}"
    soa = f"{nameserver} hostmaster.{zone} {_serial(now or timezone.now())} 7200 3600 1209600 {ttl}"
    records: dict[str, list] = {zone: [{"soa": soa}, {"ns": nameserver}]}
    for label, answer in sorted(answers.items()):
        records[f"{label}.{service}"] = _records(answer)
    targets: dict[str, object] = {
        "default": [f"%cc.{service}", f"%cn.continent.{service}", f"{WORLD}.{service}"]
    }
    for index, (network, answer) in enumerate(sorted(netblocks.items()), start=1):
        records[f"netblock{index}.{service}"] = _records(answer)
        targets[network] = f"netblock{index}.{service}"
    document = {
        "domains": [
            {"domain": zone, "ttl": ttl, "records": records, "services": {service: targets}}
        ]
    }
    header = f"# msync answers for {service}, written by manage.py exportdns.\n"
    return header + yaml.safe_dump(document, sort_keys=False, default_flow_style=False)


def dns_bind_zone(
    *, zone: str, answers: dict, netblocks: dict, ttl: int = 300, now=None,
    nameserver: str | None = None,
) -> str:  # fmt: skip
    """A plain BIND zone: `msync` answers the WORLD choice, `<cc>.msync` and `<cn>.msync` each
    country's and `<cn>.continent.msync` each continent's (for views with geoip ACLs)."""
    zone = zone.rstrip(".").lower()
    nameserver = (nameserver or f"ns1.{zone}").rstrip(".") + "."
    lines = [
        f"; msync answers for msync.{zone}, written by manage.py exportdns.",
        f"$ORIGIN {zone}.",
        f"$TTL {ttl}",
        f"@ IN SOA {nameserver} hostmaster.{zone}. ({_serial(now or timezone.now())} 7200 3600 "
        f"1209600 {ttl})",
        f"@ IN NS {nameserver}",
    ]
    named = [("msync", answers[WORLD])] if WORLD in answers else []
    named += [(f"{label}.msync", a) for label, a in sorted(answers.items()) if label != WORLD]
    for name, answer in named:
        for record in _records(answer):
            for kind, value in record.items():
                lines.append(f"{name} IN {kind.upper()} {value}")
    return "\n".join(lines) + "\n"


def dns_zone_export(*, path: str, fmt: str, zone: str, ttl: int = 300, nameserver=None) -> dict:
    """Write the zone file for `fmt` to `path` atomically (a server reloading it never reads
    half a file); return what was written (names, netblocks, the world answer)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    answers, netblocks = dns_answers()
    render = dns_geoip_yaml if fmt == "pdns-geoip" else dns_bind_zone
    text = render(zone=zone, answers=answers, netblocks=netblocks, ttl=ttl, nameserver=nameserver)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".exportdns-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    world = answers.get(WORLD)
    return {"names": len(answers), "netblocks": len(netblocks), "world": world and world.mirror}
