"""The demo data's tables: the talk's mirror table and cities, the donated servers and
their sponsors, the releases with their architectures, repositories and images."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from apps.releases.choices import ReleaseStatus
from apps.servers.choices import ServerRole
from apps.sponsors.choices import SponsorKind

SEED = 2007

# The talk's "CentOS Mirror Locations" table: 43 countries, 154 external mirrors.
SEED_MIRROR_COUNTS: dict[str, int] = {
    "AU": 3, "AT": 2, "BD": 1, "BE": 2, "BR": 1, "BG": 1, "CA": 3, "CL": 4, "CN": 5,
    "CZ": 4, "DK": 2, "FI": 2, "FR": 5, "DE": 6, "GR": 4, "HU": 1, "IN": 1, "ID": 1,
    "IE": 1, "IL": 3, "IT": 3, "JP": 5, "KR": 3, "LU": 1, "NL": 4, "NZ": 1, "NO": 1,
    "PL": 4, "PT": 2, "PR": 1, "RO": 3, "RU": 1, "SG": 2, "SI": 2, "ZA": 1, "ES": 3,
    "SE": 2, "TW": 5, "TR": 1, "UA": 1, "GB": 6, "US": 49, "VE": 1,
}  # fmt: skip

CITIES: dict[str, tuple[str, ...]] = {
    "AU": ("Sydney", "Melbourne", "Brisbane"), "AT": ("Vienna", "Graz"), "BD": ("Dhaka",),
    "BE": ("Brussels", "Leuven"), "BR": ("Sao Paulo",), "BG": ("Sofia",),
    "CA": ("Toronto", "Montreal", "Vancouver"), "CL": ("Santiago", "Valparaiso"),
    "CN": ("Beijing", "Shanghai", "Hangzhou"), "CZ": ("Prague", "Brno"),
    "DK": ("Copenhagen", "Aarhus"), "FI": ("Helsinki", "Espoo"),
    "FR": ("Paris", "Lyon", "Strasbourg"), "DE": ("Berlin", "Frankfurt", "Munich", "Aachen"),
    "GR": ("Athens", "Thessaloniki"), "HU": ("Budapest",), "IN": ("Bangalore",),
    "ID": ("Jakarta",), "IE": ("Dublin",), "IL": ("Tel Aviv", "Haifa", "Jerusalem"),
    "IT": ("Milan", "Rome", "Bologna"), "JP": ("Tokyo", "Osaka", "Tsukuba"),
    "KR": ("Seoul", "Daejeon"), "LU": ("Luxembourg",), "NL": ("Amsterdam", "Utrecht", "Delft"),
    "NZ": ("Auckland",), "NO": ("Oslo",), "PL": ("Warsaw", "Krakow", "Poznan"),
    "PT": ("Lisbon", "Porto"), "PR": ("San Juan",), "RO": ("Bucharest", "Cluj"),
    "RU": ("Moscow",), "SG": ("Singapore",), "SI": ("Ljubljana", "Maribor"),
    "ZA": ("Johannesburg",), "ES": ("Madrid", "Barcelona", "Valencia"),
    "SE": ("Stockholm", "Uppsala"), "TW": ("Taipei", "Hsinchu", "Taichung"),
    "TR": ("Ankara",), "UA": ("Kyiv",), "GB": ("London", "Manchester", "Warwick", "Kent"),
    "US": ("Dallas", "Chicago", "Atlanta", "Seattle", "Boston", "San Jose", "New York",
           "Raleigh", "Columbus", "Denver", "Phoenix", "Salt Lake City", "Pittsburgh"),
    "VE": ("Caracas",),
}  # fmt: skip

ORGANISATION_PATTERNS = (
    ("University of {city}", SponsorKind.UNIVERSITY),
    ("{city} Hosting", SponsorKind.HOSTING),
    ("{city} Institute of Technology", SponsorKind.UNIVERSITY),
    ("{city} Internet Exchange", SponsorKind.COMPANY),
    ("{city} Data Centre", SponsorKind.HOSTING),
    ("{city} Linux Users Group", SponsorKind.INDIVIDUAL),
)

# Sponsors of the donated servers: universities and hosting companies.
SERVER_SPONSORS = (
    ("Lone Star Hosting", SponsorKind.HOSTING, "US", "Dallas"),
    ("Midwest University", SponsorKind.UNIVERSITY, "US", "Chicago"),
    ("Peachtree Networks", SponsorKind.HOSTING, "US", "Atlanta"),
    ("Cascade Colocation", SponsorKind.HOSTING, "US", "Seattle"),
    ("Thames Valley University", SponsorKind.UNIVERSITY, "GB", "Warwick"),
    ("Albion Dedicated Servers", SponsorKind.HOSTING, "GB", "London"),
    ("Rhein-Main Rechenzentrum", SponsorKind.HOSTING, "DE", "Frankfurt"),
    ("Technische Hochschule Nord", SponsorKind.UNIVERSITY, "DE", "Aachen"),
    ("Polder Hosting", SponsorKind.HOSTING, "NL", "Amsterdam"),
    ("Nordic University Network", SponsorKind.UNIVERSITY, "SE", "Uppsala"),
    ("Maple Leaf Hosting", SponsorKind.HOSTING, "CA", "Toronto"),
    ("Sakura Internet Research", SponsorKind.COMPANY, "JP", "Tokyo"),
    ("Southern Cross University", SponsorKind.UNIVERSITY, "AU", "Sydney"),
    ("Pampas Datacenter", SponsorKind.HOSTING, "CL", "Santiago"),
)

# 33 donated servers: (host name, roles, sponsor index, datacentre).
SERVERS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("ns1.example.org", (ServerRole.DNS,), 0),
    ("ns2.example.org", (ServerRole.DNS,), 5),
    ("ns3.example.org", (ServerRole.DNS,), 11),
    ("www1.example.org", (ServerRole.WEBSITE,), 0),
    ("www2.example.org", (ServerRole.WEBSITE,), 6),
    ("wiki.example.org", (ServerRole.WIKI,), 1),
    ("msync1.example.org", (ServerRole.MIRROR_MASTER,), 0),
    ("msync2.example.org", (ServerRole.MIRROR_MASTER,), 6),
    ("vault.example.org", (ServerRole.VAULT,), 2),
    ("lists.example.org", (ServerRole.MAILMAN,), 4),
    ("beta.example.org", (ServerRole.BETA_MASTER,), 3),
    ("build-i386.example.org", (ServerRole.BUILD_MASTER,), 1),
    ("build-x86-64.example.org", (ServerRole.BUILD_MASTER,), 1),
    ("build-ppc.example.org", (ServerRole.BUILD_MASTER,), 7),
    ("mirror-us1.example.org", (ServerRole.INTERNAL_MIRROR,), 0),
    ("mirror-us2.example.org", (ServerRole.INTERNAL_MIRROR,), 1),
    ("mirror-us3.example.org", (ServerRole.INTERNAL_MIRROR,), 2),
    ("mirror-us4.example.org", (ServerRole.INTERNAL_MIRROR,), 3),
    ("mirror-ca1.example.org", (ServerRole.INTERNAL_MIRROR,), 10),
    ("mirror-uk1.example.org", (ServerRole.INTERNAL_MIRROR,), 4),
    ("mirror-uk2.example.org", (ServerRole.INTERNAL_MIRROR,), 5),
    ("mirror-de1.example.org", (ServerRole.INTERNAL_MIRROR,), 6),
    ("mirror-de2.example.org", (ServerRole.INTERNAL_MIRROR,), 7),
    ("mirror-nl1.example.org", (ServerRole.INTERNAL_MIRROR,), 8),
    ("mirror-se1.example.org", (ServerRole.INTERNAL_MIRROR,), 9),
    ("mirror-jp1.example.org", (ServerRole.INTERNAL_MIRROR,), 11),
    ("mirror-au1.example.org", (ServerRole.INTERNAL_MIRROR,), 12),
    ("mirror-cl1.example.org", (ServerRole.INTERNAL_MIRROR,), 13),
    ("mirror-us5.example.org", (ServerRole.INTERNAL_MIRROR, ServerRole.DNS), 0),
    ("mirror-nl2.example.org", (ServerRole.INTERNAL_MIRROR, ServerRole.WEBSITE), 8),
    ("mirror-jp2.example.org", (ServerRole.INTERNAL_MIRROR,), 11),
    ("mirror-uk3.example.org", (ServerRole.INTERNAL_MIRROR, ServerRole.WIKI), 4),
    ("mirror-de3.example.org", (ServerRole.INTERNAL_MIRROR, ServerRole.MAILMAN), 6),
)

ARCHITECTURES = {
    "i386": "32-bit x86",
    "x86_64": "64-bit x86 (AMD64, Intel EM64T)",
    "ia64": "Intel Itanium",
    "ppc": "PowerPC 32-bit",
    "ppc64": "PowerPC 64-bit",
    "s390": "IBM S/390",
    "s390x": "IBM zSeries",
    "alpha": "DEC Alpha",
    "sparc": "SPARC and Niagara",
    "arm": "ARM (embedded)",
}

REPOSITORIES = {
    "os": "The release as shipped on the ISO images.",
    "updates": "Security and bug-fix updates.",
    "extras": "Packages that add to the release without replacing any.",
    "addons": "Packages built from upstream sources outside the release.",
    "centosplus": "Packages that replace base packages; use with care.",
    "contrib": "Packages contributed by users.",
    "fasttrack": "Updates that upstream will ship in the next point release.",
}


@dataclass(frozen=True)
class ReleaseSpec:
    version: str
    status: str
    released_on: dt.date
    arches: tuple[str, ...]
    repos: tuple[str, ...]


RELEASES = (
    ReleaseSpec("3.8", ReleaseStatus.END_OF_LIFE, dt.date(2006, 8, 25),
                ("i386", "x86_64", "ia64", "s390", "s390x"),
                ("os", "updates", "extras", "addons", "centosplus", "contrib")),
    ReleaseSpec("3.9", ReleaseStatus.CURRENT, dt.date(2007, 7, 26),
                ("i386", "x86_64", "ia64", "s390", "s390x"),
                ("os", "updates", "extras", "addons", "centosplus", "contrib")),
    ReleaseSpec("4.4", ReleaseStatus.END_OF_LIFE, dt.date(2006, 8, 30),
                ("i386", "x86_64", "ia64", "ppc", "s390", "s390x", "alpha", "sparc"),
                ("os", "updates", "extras", "addons", "centosplus", "contrib", "fasttrack")),
    ReleaseSpec("4.5", ReleaseStatus.CURRENT, dt.date(2007, 5, 17),
                ("i386", "x86_64", "ia64", "ppc", "s390", "s390x", "alpha", "sparc"),
                ("os", "updates", "extras", "addons", "centosplus", "contrib", "fasttrack")),
    ReleaseSpec("5.0", ReleaseStatus.CURRENT, dt.date(2007, 4, 12),
                ("i386", "x86_64", "ia64", "ppc", "ppc64"),
                ("os", "updates", "extras", "centosplus", "fasttrack")),
)  # fmt: skip

# Architectures that get ISO images (the others are served as trees only).
ISO_ARCHES = ("i386", "x86_64", "ppc")
BANDWIDTHS = (100, 155, 622, 1000, 1000, 2500, 10000)
REPOSITORY_HISTORY = 3  # versions of each repository kept for alternates

# The seed's busiest week: 20.74 TB out when 4.4 came out (its ISO week, from Monday).
BUSIEST_WEEK_2006 = dt.date(2006, 8, 28)
BUSIEST_WEEK_BYTES = 20_740_000_000_000
