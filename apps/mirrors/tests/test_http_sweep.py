"""A real sweep over TLS and host names: the farm's mirrors by name (a resolver hook, no
DNS traffic) and over https with a certificate from a throwaway CA."""

import pytest

from apps.core.testing.mirrorfarm import Behaviour
from apps.mirrors import services
from apps.mirrors.choices import CheckError, MirrorStatus
from apps.mirrors.models import Check

from .factories import MirrorFactory, MirrorURLFactory

pytestmark = [pytest.mark.django_db]


def test_a_sweep_by_name_over_https(master_catalogue, check_settings, farm_names):
    farm = farm_names
    farm.add_mirror("tls-hang", Behaviour.HANG)
    mirrors = {}
    for name, url in (
        ("current", farm["current"].https_url),
        ("named", farm["current"].named_url),
        ("tls-hang", farm["tls-hang"].https_url),
    ):
        mirrors[name] = MirrorFactory(name=f"{name}.sweep.test", status="unknown")
        MirrorURLFactory(mirror=mirrors[name], url=url)
    untrusted = MirrorFactory(name="untrusted.sweep.test", status="unknown")
    alias = farm.alias("untrusted.example.org", "current")  # not in the certificate
    MirrorURLFactory(mirror=untrusted, url=f"https://{alias}:{farm.https_port}/centos/")

    services.sweep_run(mirror_ids=[m.pk for m in (*mirrors.values(), untrusted)])

    by_mirror = {}
    for check in Check.objects.all():
        by_mirror.setdefault(check.mirror_id, []).append(check)
    current = by_mirror[mirrors["current"].pk]
    assert len(current) == 1 + 6 + 4 + 3 + 2  # TIME, 6 repomd.xml, 4 ISOs, 3 packages, 2 ranges
    assert all(c.error == "" and c.url.startswith("https://current.farm.test:") for c in current)
    assert all(c.error == "" for c in by_mirror[mirrors["named"].pk])
    assert [c.error for c in by_mirror[mirrors["tls-hang"].pk]] == [CheckError.TIMEOUT]
    assert [c.error for c in by_mirror[untrusted.pk]] == [CheckError.TLS]
    assert "current.farm.test" in farm.sni and "untrusted.example.org" in farm.sni
    for name, status in (("current", MirrorStatus.UP), ("tls-hang", MirrorStatus.DOWN)):
        mirrors[name].refresh_from_db()
        assert mirrors[name].status == status
