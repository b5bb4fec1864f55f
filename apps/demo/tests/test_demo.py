"""The demo data reproduces the 2007 talk: its servers, roles and mirror table."""

import datetime as dt
import re
from pathlib import Path

from django.core import serializers
from django.core.management import call_command
from django_countries import countries

from apps.demo.services import demo_load
from apps.mirrors.choices import MirrorTier
from apps.mirrors.models import Mirror, MirrorURL
from apps.releases.models import Image, Release, RepositoryVersion
from apps.servers.choices import ServerRole
from apps.servers.models import Server, ServerTraffic
from apps.servers.selectors.traffic import busiest_week, traffic_weekly
from apps.sponsors.models import Sponsor

# The "CentOS Mirror Locations" slide, as the talk prints it.
SEED_TABLE = """
Australia - 3	Hungary - 1	Romania - 3
Austria - 2	India - 1	Russian Federation - 1
Bangladesh - 1	Indonesia - 1	Singapore - 2
Belgium - 2	Ireland - 1	Slovenia - 2
Brazil - 1	Israel - 3	South Africa - 1
Bulgaria - 1	Italy - 3	Spain - 3
Canada - 3	Japan - 5	Sweden - 2
Chile - 4	Korea, Republic of - 3	Taiwan - 5
China - 5	Luxembourg - 1	Turkey - 1
Czech Republic - 4	Netherlands - 4	Ukraine - 1
Denmark - 2	New Zealand - 1	United Kingdom - 6
Finland - 2	Norway - 1	United States - 49
France - 5	Poland - 4	Venezuela - 1
Germany - 6	Portugal - 2
Greece - 4	Puerto Rico 1
"""
# Names the talk uses that ISO 3166 spells otherwise.
NAME_TO_CODE = {
    "Korea, Republic of": "KR",
    "Russian Federation": "RU",
    "Czech Republic": "CZ",
    "Taiwan": "TW",
    "Turkey": "TR",
    "United Kingdom": "GB",
    "United States": "US",
    "Venezuela": "VE",
}
SEED_FILE = (
    Path(__file__).resolve().parents[3].parent
    / "shared/seed/centos-infrastructure-and-roadmap-2007.txt"
)


def seed_counts() -> dict[str, int]:
    counts = {}
    for cell in re.findall(r"([A-Z][A-Za-z ,]+?)\s*-?\s*(\d+)", SEED_TABLE):
        name, count = cell[0].strip(), int(cell[1])
        code = NAME_TO_CODE.get(name) or countries.by_name(name)
        assert code, f"no ISO code for {name!r}"
        counts[code] = count
    return counts


def test_seed_table_is_the_talks():
    counts = seed_counts()
    assert len(counts) == 43
    assert sum(counts.values()) == 154
    if SEED_FILE.exists():  # beside the project in development and CI
        talk = SEED_FILE.read_text()
        for row in SEED_TABLE.strip().splitlines():
            assert row.split("\t")[0] in talk


def test_external_mirrors_match_the_seed_table(demo):
    externals = Mirror.objects.external()
    by_country = {row["country"]: row["count"] for row in externals.count_by_country()}
    assert by_country == seed_counts()
    assert externals.count() == 154
    assert not externals.exclude(name__endswith=".test").exists()


def test_servers_have_the_talks_roles(demo):
    assert Server.objects.count() == 33
    for role in (
        ServerRole.DNS, ServerRole.WEBSITE, ServerRole.WIKI, ServerRole.MIRROR_MASTER,
        ServerRole.VAULT, ServerRole.MAILMAN, ServerRole.BETA_MASTER, ServerRole.BUILD_MASTER,
    ):  # fmt: skip
        assert Server.objects.with_role(role).exists(), role
    assert not Server.objects.exclude(hostname__endswith=".example.org").exists()
    assert not Server.objects.filter(sponsor__isnull=True).exists()
    kinds = set(Sponsor.objects.filter(servers__isnull=False).values_list("kind", flat=True))
    assert {"university", "hosting"} <= kinds
    # A year of traffic (ISO 2006) and the last sixty days; the busiest week is 4.4's,
    # 20.74 TB out to the byte, as the seed says.
    assert ServerTraffic.objects.filter(day__year=2006).values("day").distinct().count() == 364
    busiest = busiest_week(traffic_weekly())
    assert busiest["monday"] == dt.date(2006, 8, 28)
    assert busiest["bytes_out"] == 20_740_000_000_000
    assert busiest["label"] == "CentOS 4.4 release week: 20.74 TB"


def test_releases_and_images(demo):
    assert list(Release.objects.values_list("version", flat=True)) == [
        "5.0", "4.5", "4.4", "3.9", "3.8",
    ]  # fmt: skip
    assert set(Release.objects.end_of_life().values_list("version", flat=True)) == {"3.8", "4.4"}
    five = Release.objects.get(version="5.0")
    assert {"i386", "x86_64"} <= set(five.architectures.values_list("name", flat=True))
    assert Image.objects.filter(release=five, name="CentOS-5.0-i386-bin-DVD.iso").exists()
    assert RepositoryVersion.objects.filter(release=five, repository__name="updates").count() > 0


def test_mirrors_sync_in_a_tree(demo):
    masters = set(Mirror.objects.filter(tier=MirrorTier.MASTER))
    assert len(masters) == 2
    for mirror in Mirror.objects.internal():
        assert mirror.upstream in masters
        assert mirror.server is not None
    for mirror in Mirror.objects.external().select_related("upstream"):
        # Every external mirror reaches a master in at most three hops, without loops.
        node, hops = mirror, 0
        while node.upstream is not None:
            node, hops = node.upstream, hops + 1
            assert hops <= 3
        assert node in masters
    assert (
        MirrorURL.objects.filter(mirror__tier=MirrorTier.EXTERNAL, protocol="http").count() == 154
    )


def test_loading_twice_gives_the_same_database(demo):
    def dump():
        models = [
            Sponsor,
            Server,
            Mirror,
            MirrorURL,
            Release,
            Image,
            RepositoryVersion,
            ServerTraffic,
        ]
        text = serializers.serialize("json", [o for m in models for o in m.objects.order_by("pk")])
        return re.sub(r'"(created|modified)": "[^"]*"', "", text)

    first = dump()  # the demo fixture's load, then a second one
    demo_load(now=demo.now + dt.timedelta(minutes=30))  # same hour
    assert dump() == first


def test_loaddemo_command(db, capsys):
    """Into an empty database (this test does not ask for the shared demo)."""
    assert not Mirror.objects.exists()
    call_command("loaddemo")
    out = capsys.readouterr().out
    # "Demo data loaded: 5 releases, 33 servers, ..., 154 external mirrors."
    summary = re.fullmatch(r"Demo data loaded: (.*)\.\n", out)
    assert summary, out
    counts = {name: int(n) for n, name in re.findall(r"(\d+) ([a-z ]+)", summary[1])}
    assert counts["external mirrors"] == 154
    assert counts["servers"] == 33
    assert counts["releases"] == 5
