"""The masters: the top of the sync tree, and the answer of last resort; and the masters of
their own that a release's secondary architectures may live on."""

from __future__ import annotations

from apps.releases.choices import ArchitectureTier
from apps.releases.models import ReleaseArchitecture

from ..choices import Approval, MirrorTier, Protocol
from ..models import MirrorURL


def master_base_urls() -> list[str]:
    """The http(s) base URLs of the approved masters, https first, each ending in a slash.

    The master refresh reads the first; the delivery answers fall back to it. An admin
    changes it by editing the master mirror, with no restart.
    """
    rows = (
        MirrorURL.objects.filter(
            mirror__tier=MirrorTier.MASTER,
            mirror__approval=Approval.APPROVED,
            protocol__in=[Protocol.HTTPS, Protocol.HTTP],
        )
        .order_by("mirror__name", "-protocol", "url")
        .values_list("url", flat=True)
    )
    return [url if url.endswith("/") else url + "/" for url in rows]


def architecture_masters() -> dict[tuple[int, int], str]:
    """{(release id, architecture id): base URL ending in a slash} of the secondary
    architectures that live on a master of their own (ReleaseArchitecture.master_url).

    The master refresh reads their repositories and images there, so the mirrors' copies
    are judged against that master, and the delivery answers fall back to it. The others
    live on the master of master_base_urls. One query.
    """
    rows = (
        ReleaseArchitecture.objects.filter(tier=ArchitectureTier.SECONDARY)
        .exclude(master_url="")
        .values_list("release_id", "architecture_id", "master_url")
    )
    return {(r, a): url if url.endswith("/") else url + "/" for r, a, url in rows}
