"""exportinfra and importinfra: one YAML file per object, read back through the services all
or nothing; export, import into an empty database and export again gives the same bytes."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.mirrors.choices import Approval, MirrorTier, Protocol
from apps.mirrors.models import Mirror
from apps.mirrors.tests.factories import MirrorFactory, MirrorURLFactory, NetblockFactory
from apps.releases.tests.factories import (
    ArchitectureFactory,
    ImageFactory,
    ReleaseFactory,
    RepositoryFactory,
)  # fmt: skip
from apps.servers.models import Server
from apps.servers.tests.factories import ServerFactory
from apps.sponsors.models import Sponsor
from apps.sponsors.tests.factories import SponsorFactory


@pytest.fixture
def world(db):
    five, four = ReleaseFactory(version="5.0"), ReleaseFactory(major=4, version="4.4")
    x86, i386 = ArchitectureFactory(name="x86_64"), ArchitectureFactory(name="i386")
    os_repo, updates = RepositoryFactory(name="os"), RepositoryFactory(name="updates")
    dvd = ImageFactory(release=five, architecture=x86, name="CentOS-5.0-x86_64-bin-DVD.iso")
    uni = SponsorFactory(name="Uni Karlsruhe", slug="uni-karlsruhe", country="DE",
                         description="Our campus.\n\nSince *2005*.",
                         sponsor_since=dt.date(2005, 3, 1))  # fmt: skip
    SponsorFactory(name="Hoster Ltd", slug="hoster", website="https://hoster.example/")
    box = ServerFactory(hostname="master.example.org", roles=["mirror-master", "dns"],
                        sponsor=uni, country="DE", ipv6="2001:db8::1",
                        datacentre="KA hall 2", notes="Rack 4")  # fmt: skip
    master = MirrorFactory(name="master.example.org", tier=MirrorTier.MASTER, server=box,
                           sponsor=uni, country="DE", continent="EU")  # fmt: skip
    MirrorURLFactory(mirror=master, protocol=Protocol.HTTPS, url="https://master.example.org/c/")
    edge = MirrorFactory(name="mirror.example.ac.uk", upstream=master, asn=786, private=True,
                         transfer_quota_gb=25000,
                         approval=Approval.PENDING, latitude=51.5, longitude=-0.12)  # fmt: skip
    MirrorURLFactory(mirror=edge, url="http://mirror.example.ac.uk/centos/")
    MirrorURLFactory(mirror=edge, protocol=Protocol.RSYNC, url="rsync://mirror.example.ac.uk/c/")
    NetblockFactory(mirror=edge, cidr="198.51.100.0/24")
    NetblockFactory(mirror=edge, cidr="2001:db8:100::/48")
    edge.releases.set([five, four])
    edge.architectures.set([x86, i386])
    edge.repositories.set([os_repo, updates])
    edge.images.set([dvd])
    return edge


def export(directory: Path) -> dict[str, bytes]:
    call_command("exportinfra", str(directory), stdout=StringIO())
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*.yaml"))}  # fmt: skip


def import_(directory: Path, *flags) -> str:
    out = StringIO()
    call_command("importinfra", str(directory), *flags, stdout=out)
    return out.getvalue()


def empty_the_infrastructure():
    Mirror.objects.all().delete()
    Server.objects.all().delete()
    Sponsor.objects.all().delete()


def test_a_file_per_object_fit_for_git(world, tmp_path):
    files = export(tmp_path)
    assert sorted(files) == [
        "mirrors/master.example.org.yaml", "mirrors/mirror.example.ac.uk.yaml",
        "servers/master.example.org.yaml", "sponsors/hoster.yaml", "sponsors/uni-karlsruhe.yaml",
    ]  # fmt: skip
    edge = files["mirrors/mirror.example.ac.uk.yaml"].decode()
    assert "upstream: master.example.org\n" in edge and "transfer_quota_gb: 25000\n" in edge
    assert "- url: http://mirror.example.ac.uk/centos/\n" in edge
    assert "- 198.51.100.0/24\n" in edge and "- 5.0/x86_64/CentOS-5.0-x86_64-bin-DVD.iso" in edge
    assert "releases:\n- '4.4'\n- '5.0'\n" in edge
    assert "admin@" not in edge  # people stay out of git
    assert "description: |-\n  Our campus.\n\n  Since *2005*.\n" in (
        files["sponsors/uni-karlsruhe.yaml"].decode()
    )
    assert export(tmp_path) == files  # stable: the same bytes twice


def test_export_import_into_an_empty_database_export_again_gives_the_same_bytes(world, tmp_path):
    first = export(tmp_path / "a")
    empty_the_infrastructure()
    out = import_(tmp_path / "a")
    assert "create mirrors/mirror.example.ac.uk.yaml" in out and "5 changed, 0 unchanged" in out
    again = export(tmp_path / "b")
    assert again == first
    edge = Mirror.objects.get(name="mirror.example.ac.uk")
    assert edge.upstream.name == "master.example.org" and edge.netblocks.count() == 2
    assert Server.objects.get().services.exists()  # the server_save service derived them
    assert "0 changed, 5 unchanged" in import_(tmp_path / "a")


def test_a_dry_run_says_what_would_change_and_changes_nothing(world, tmp_path):
    export(tmp_path)
    path = tmp_path / "servers/master.example.org.yaml"
    path.write_text(path.read_text().replace("city: Dallas", "city: Karlsruhe"))
    out = import_(tmp_path, "--dry-run")
    assert "would update servers/master.example.org.yaml: city" in out
    assert Server.objects.get().city == "Dallas"
    import_(tmp_path)
    assert Server.objects.get().city == "Karlsruhe"


def test_every_error_names_its_file_and_line_and_nothing_changes(world, tmp_path):
    export(tmp_path)
    server = tmp_path / "servers/master.example.org.yaml"
    text = server.read_text().replace("- dns\n", "- dns\n- toaster\n")
    server.write_text(text.replace("city: Dallas", "city: Karlsruhe"))
    role_line = text.splitlines().index("- dns") + 2
    edge = tmp_path / "mirrors/mirror.example.ac.uk.yaml"
    lines = edge.read_text().replace("198.51.100.0/24", "198.51.100.0/33").splitlines()
    edge.write_text("\n".join(lines) + "\n")
    cidr_line = lines.index("- 198.51.100.0/33") + 1
    (tmp_path / "sponsors/new.yaml").write_text("---\nname: New\nslug: new\nkind: company\n"
                                                "colour: red\n")  # fmt: skip
    with pytest.raises(CommandError) as failed:
        import_(tmp_path)
    message = str(failed.value)
    assert f"servers/master.example.org.yaml:{role_line}: roles: unknown role 'toaster'" in message
    assert f"mirrors/mirror.example.ac.uk.yaml:{cidr_line}: netblocks:" in message
    assert "sponsors/new.yaml:5: unknown field 'colour'" in message
    assert "nothing changed" in message
    assert Server.objects.get().city == "Dallas" and not Sponsor.objects.filter(slug="new")
    assert Mirror.objects.get(name="mirror.example.ac.uk").netblocks.count() == 2


def test_a_file_that_is_not_yaml_is_named_with_its_line(world, tmp_path):
    export(tmp_path)
    (tmp_path / "servers/broken.yaml").write_text("---\nhostname: x\nroles: [dns\n")
    with pytest.raises(CommandError, match=r"servers/broken.yaml:\d+: not YAML"):
        import_(tmp_path)
