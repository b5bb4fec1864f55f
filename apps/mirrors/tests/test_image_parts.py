"""ISO images beyond their size, against the real farm: byte ranges of each image a mirror
serves whole, compared with the master's same bytes, and rarely the whole image with its
sha256. A mirror with altered or zeroed bytes is "incomplete" for that image, the range
named on its page, and out of the image's metalink until it serves it right; a server that
ignores Range costs no download; a wrong size is named too."""

# The fixtures of test_health_loop.py are imported, then asked for by name.
# ruff: noqa: F811
from __future__ import annotations

import pytest
from django.urls import reverse

from apps.core.http import FetchError
from apps.core.testing.mirrorfarm import Behaviour, MirrorFarm
from apps.mirrors.choices import CheckKind, ImageState
from apps.mirrors.models import Check, MirrorImageState

from .fixtures import sweep

pytestmark = [pytest.mark.django_db]

NET = "CentOS-5.0-{arch}-netinstall.iso"  # 256 KiB
DVD = "CentOS-5.0-{arch}-bin-DVD.iso"  # 1 MiB


@pytest.fixture
def farm(master_tree):
    farm = MirrorFarm(master_tree, https=False)
    farm.add_mirror("good", Behaviour.CURRENT)
    farm.add_mirror("altered", Behaviour.CORRUPT_ISO, iso_bad_offset=200_000)
    farm.add_mirror("zeroed", Behaviour.ZEROED_ISO, iso_bad_offset=200_000)
    farm.add_mirror("norange", Behaviour.IGNORE_RANGE)
    farm.add_mirror("short", Behaviour.WRONG_ISO_SIZE)
    with farm:
        yield farm


def states(mirror) -> dict[str, tuple[str, str]]:
    return {
        s.image.name: (s.state, s.detail)
        for s in MirrorImageState.objects.filter(mirror=mirror).select_related("image")
    }


def metalink(live, name: str) -> str:
    return live(f"/isoredirect/5.0/isos/x86_64/{name}.metalink?cc=GB")


@pytest.fixture
def ranges(health_settings):
    health_settings.MIRROR_CHECK_SAMPLE_PACKAGES = 0
    health_settings.MIRROR_CHECK_IMAGE_RANGES = 100
    health_settings.MIRROR_CHECK_IMAGE_RANGE_BYTES = 1 << 20  # one range, all of each image
    health_settings.MIRROR_CHECK_IMAGE_FULL_RATE = 0.0
    health_settings.DELIVERY_GRACE_SECONDS = 0
    return health_settings


def test_an_image_with_bytes_not_the_masters_is_incomplete_and_leaves_its_metalink(
    network, farm, live, ranges, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    sweep(capture)
    good, altered, zeroed = network["good"], network["altered"], network["zeroed"]
    norange, short = network["norange"], network["short"]
    for mirror in (good, norange):
        assert {state for state, _ in states(mirror).values()} == {ImageState.PRESENT}
    for mirror in (altered, zeroed):
        for arch in ("x86_64", "i386"):
            for name, last in ((NET.format(arch=arch), 262143), (DVD.format(arch=arch), 1048575)):
                assert states(mirror)[name] == (
                    ImageState.INCOMPLETE,
                    f"5.0/isos/{arch}/{name}: bytes 0-{last}: not the master's bytes",
                )
    net = NET.format(arch="x86_64")
    assert states(short)[net] == (
        ImageState.WRONG_SIZE,
        f"5.0/isos/x86_64/{net}: {256 * 1024 - 4096} bytes, the master's {256 * 1024}",
    )

    # Ranges were asked only of images served whole.
    parts = Check.objects.filter(kind=CheckKind.IMAGE_PART)
    assert not parts.filter(mirror=short).exists()
    assert parts.filter(mirror=good, error="", http_status=206).count() == 4

    # The image's metalink leaves out the mirrors that do not serve it right, only for it.
    listed = metalink(live, net)
    assert good.urls.get().url in listed and norange.urls.get().url in listed
    for mirror in (altered, zeroed, short):
        assert mirror.urls.get().url not in listed

    # The page names the range.
    page = client.get(reverse("mirrors:detail", args=[altered.pk])).content.decode()
    assert "Incomplete" in page and f"{net}: bytes 0-262143: not the master&#x27;s bytes" in page

    # No new ranges: the named one is asked again, and is still wrong.
    ranges.MIRROR_CHECK_IMAGE_RANGES = 0
    sweep(capture)
    assert states(altered)[net][0] == ImageState.INCOMPLETE
    # Served right again: present, back in the metalink.
    farm.set_behaviour("altered", Behaviour.CURRENT)
    sweep(capture)
    assert states(altered)[net] == (ImageState.PRESENT, "")
    assert altered.urls.get().url in metalink(live, net)


def test_a_server_that_ignores_range_costs_no_download(
    network, farm, ranges, django_capture_on_commit_callbacks
):
    ranges.MIRROR_CHECK_IMAGE_RANGE_BYTES = 64 << 10
    ranges.MIRROR_CHECK_IMAGE_RANGES = 6
    sweep(django_capture_on_commit_callbacks)
    parts = Check.objects.filter(kind=CheckKind.IMAGE_PART)
    # Cut off at the announced length (1 MiB or 256 KiB for 64 KiB asked): nothing read.
    cut = parts.filter(mirror=network["norange"])
    assert cut.count() == 6
    assert set(cut.values_list("error", "bytes")) == {(FetchError.TOO_LARGE, 0)}
    assert {s for s, _ in states(network["norange"]).values()} == {ImageState.PRESENT}
    assert set(parts.filter(mirror=network["good"]).values_list("http_status", "bytes")) == {
        (206, 64 << 10)
    }


def test_rarely_a_whole_image_with_its_sha256(
    network, farm, live, ranges, django_capture_on_commit_callbacks
):
    ranges.MIRROR_CHECK_IMAGE_RANGES = 0
    ranges.MIRROR_CHECK_IMAGE_FULL_RATE = 1.0
    ranges.MIRROR_CHECK_IMAGE_FULL_MAX_BYTES = 512 << 10  # the netinstall images only
    sweep(django_capture_on_commit_callbacks)
    whole = Check.objects.filter(kind=CheckKind.IMAGE_PART)
    assert set(whole.filter(mirror=network["good"]).values_list("http_status", "bytes")) == {
        (200, 256 << 10)
    }
    (found,) = [s for s in states(network["zeroed"]).values() if s[0] != ImageState.PRESENT]
    assert found[0] == ImageState.INCOMPLETE
    assert "netinstall.iso: sha256 " in found[1] and ", the master's " in found[1]
    assert {s for s, _ in states(network["good"]).values()} == {ImageState.PRESENT}
