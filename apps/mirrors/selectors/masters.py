"""The masters: the top of the sync tree, and the answer of last resort."""

from __future__ import annotations

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
