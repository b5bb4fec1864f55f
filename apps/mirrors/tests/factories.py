import factory

from ..choices import Approval, MirrorStatus, MirrorTier, Protocol
from ..models import Mirror, MirrorURL, Netblock
from ..registration_help import suggestion_for


class MirrorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mirror

    name = factory.Sequence(lambda n: f"mirror{n}.example.org")
    organisation = "Example University"
    country = "GB"
    continent = "EU"
    latitude = 54.0
    longitude = -2.0
    contact_email = factory.LazyAttribute(lambda o: f"admin@{o.name}")
    bandwidth_mbps = 1000
    tier = MirrorTier.EXTERNAL
    approval = Approval.APPROVED
    status = MirrorStatus.UP


class MirrorURLFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MirrorURL

    mirror = factory.SubFactory(MirrorFactory)
    protocol = Protocol.HTTP
    url = factory.LazyAttribute(lambda o: f"{o.protocol}://{o.mirror.name}/centos/")


class NetblockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Netblock

    mirror = factory.SubFactory(MirrorFactory)
    cidr = "198.51.100.0/24"


def master_mirror_create(base_url: str, *, name: str = "master.farm.test") -> Mirror:
    """The master as the portal knows it: an approved mirror of tier master with one URL."""
    master = MirrorFactory(name=name, tier=MirrorTier.MASTER, contact_email="")
    protocol = Protocol.HTTPS if base_url.startswith("https:") else Protocol.HTTP
    MirrorURLFactory(mirror=master, protocol=protocol, url=base_url)
    return master


def internal_mirror_create(name: str, country: str, *, state: str = "current", **fields) -> Mirror:
    """An approved, up internal mirror with one repository state (`state`): with the default
    "current" it is one msync may hand out."""
    from apps.core.geo import continent_of
    from apps.releases.tests.factories import (
        ArchitectureFactory,
        ReleaseFactory,
        RepositoryFactory,
    )

    from ..models import MirrorRepositoryState

    fields.setdefault("continent", continent_of(country) or "")
    mirror = MirrorFactory(name=name, tier=MirrorTier.INTERNAL, country=country, **fields)
    MirrorRepositoryState.objects.create(
        mirror=mirror, release=ReleaseFactory(version="5.0", minor=0),
        repository=RepositoryFactory(), architecture=ArchitectureFactory(), state=state,
    )  # fmt: skip
    return mirror


# The registration form (/mirrors/register/): what a person sends, and the errors shown.
def form_data(**changes) -> dict:
    data = {
        "name": "mirror.example.net", "organisation": "Example Net", "country": "FR",
        "contact_email": "ops@example.net", "bandwidth_mbps": "1000",
        "url_http": "http://127.0.0.250/centos/", "ipv4": "on", "netblocks": "", "asn": "",
    }  # fmt: skip
    data.update(changes)
    if "upstream_shown" not in data:  # what the page would have shown for this country
        data["upstream_shown"] = str(suggestion_for(data["country"]).mirror_id or "")
    return {k: v for k, v in data.items() if v is not None}


def field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))
