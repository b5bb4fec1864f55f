"""The rules of mirrors, their URLs and netblocks."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.mirrors.choices import Approval, MirrorStatus
from apps.mirrors.models import Mirror, MirrorURL, Netblock

from .factories import MirrorFactory, MirrorURLFactory

pytestmark = pytest.mark.django_db


def test_serving_needs_approval_the_owners_switch_and_up():
    serving = MirrorFactory(name="ok.example.org")
    MirrorFactory(approval=Approval.PENDING)
    MirrorFactory(approval=Approval.DISABLED)
    MirrorFactory(approval=Approval.APPROVED, suspended_at=timezone.now())
    MirrorFactory(owner_active=False)
    MirrorFactory(status=MirrorStatus.DOWN)
    MirrorFactory(status=MirrorStatus.UNKNOWN)
    assert list(Mirror.objects.serving()) == [serving]
    assert serving.is_serving
    assert Mirror.objects.active().count() == 3  # serving + down + unknown


def test_a_mirror_cannot_sync_from_itself_or_in_a_loop():
    a = MirrorFactory()
    b = MirrorFactory(upstream=a)
    c = MirrorFactory(upstream=b)
    a.upstream = a
    with pytest.raises(ValidationError, match="cannot sync from itself"):
        a.full_clean()
    a.upstream = c
    with pytest.raises(ValidationError, match="loop"):
        a.full_clean()
    a.upstream = None
    a.full_clean()


def test_url_scheme_must_match_protocol_and_ends_with_a_slash():
    url = MirrorURL(mirror=MirrorFactory(), protocol="https", url="http://m.example.org/centos")
    with pytest.raises(ValidationError, match="https://"):
        url.full_clean()
    url.url = "https://m.example.org/centos"
    url.full_clean()
    assert url.url == "https://m.example.org/centos/"


def test_urls_are_unique():
    MirrorURLFactory(url="http://m.example.org/centos/")
    with pytest.raises(ValidationError):
        MirrorURL(
            mirror=MirrorFactory(), protocol="http", url="http://m.example.org/centos/"
        ).full_clean()


def test_netblocks_are_validated_and_normalised():
    mirror = MirrorFactory()
    with pytest.raises(ValidationError, match="not a network"):
        Netblock(mirror=mirror, cidr="300.1.2.0/24").full_clean()
    block = Netblock.objects.create(mirror=mirror, cidr="192.0.2.77/24")
    assert block.cidr == "192.0.2.0/24"
    assert str(Netblock.objects.create(mirror=mirror, cidr="2001:DB8::/32")) == "2001:db8::/32"


def test_count_by_country():
    MirrorFactory.create_batch(3, country="US")
    MirrorFactory(country="PR")
    assert list(Mirror.objects.count_by_country()) == [
        {"country": "US", "count": 3},
        {"country": "PR", "count": 1},
    ]
