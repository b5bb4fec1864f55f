"""Reads of the infrastructure as YAML: the sponsors, servers and mirrors as one document per
object, keyed by the file each goes to (`servers/<hostname>.yaml`), in a stable order."""

from __future__ import annotations

import re

from django.db.models import Prefetch

from apps.mirrors.models import Mirror, MirrorURL
from apps.servers.models import Server
from apps.sponsors.models import Sponsor

# The fields each document holds, in the order they are written. What the portal learns by
# itself (condition, check results, traffic) and people (owners, contacts) stay out.
SPONSOR_FIELDS = ("name", "slug", "kind", "country", "website", "sponsor_since", "active",
                  "description")  # fmt: skip
SERVER_FIELDS = ("hostname", "sponsor", "roles", "country", "city", "datacentre", "ipv4",
                 "ipv6", "status", "bandwidth_mbps", "notes")  # fmt: skip
MIRROR_FIELDS = ("name", "organisation", "sponsor", "server", "tier", "upstream", "country",
                 "continent", "latitude", "longitude", "bandwidth_mbps", "transfer_quota_gb",
                 "private", "asn", "approval", "approval_reason", "owner_active", "urls",
                 "netblocks", "releases", "architectures", "repositories", "images",
                 "notes")  # fmt: skip
FOLDERS = ("sponsors", "servers", "mirrors")


def file_name(folder: str, name: str) -> str:
    return f"{folder}/{re.sub(r'[^A-Za-z0-9._-]+', '_', name)}.yaml"


def _sponsor(sponsor: Sponsor) -> dict:
    return {
        "name": sponsor.name, "slug": sponsor.slug, "kind": sponsor.kind,
        "country": sponsor.country.code or "", "website": sponsor.website,
        "sponsor_since": sponsor.sponsor_since.isoformat() if sponsor.sponsor_since else None,
        "active": sponsor.active, "description": sponsor.description,
    }  # fmt: skip


def _server(server: Server) -> dict:
    return {
        "hostname": server.hostname,
        "sponsor": server.sponsor.slug if server.sponsor else None,
        "roles": sorted(role.name for role in server.roles.all()),
        "country": server.country.code, "city": server.city, "datacentre": server.datacentre,
        "ipv4": server.ipv4, "ipv6": server.ipv6, "status": server.status,
        "bandwidth_mbps": server.bandwidth_mbps, "notes": server.notes,
    }  # fmt: skip


def image_key(image) -> str:
    return f"{image.release.version}/{image.architecture.name}/{image.name}"


def _mirror(mirror: Mirror) -> dict:
    return {
        "name": mirror.name, "organisation": mirror.organisation,
        "sponsor": mirror.sponsor.slug if mirror.sponsor else None,
        "server": mirror.server.hostname if mirror.server else None,
        "tier": mirror.tier, "upstream": mirror.upstream.name if mirror.upstream else None,
        "country": mirror.country.code, "continent": mirror.continent,
        "latitude": mirror.latitude, "longitude": mirror.longitude,
        "bandwidth_mbps": mirror.bandwidth_mbps, "transfer_quota_gb": mirror.transfer_quota_gb,
        "private": mirror.private, "asn": mirror.asn,
        "approval": mirror.approval, "approval_reason": mirror.approval_reason,
        "owner_active": mirror.owner_active,
        "urls": [
            {"url": u.url, "protocol": u.protocol, "ipv4": u.ipv4, "ipv6": u.ipv6}
            for u in sorted(mirror.urls.all(), key=lambda u: u.url)
        ],
        "netblocks": sorted(n.cidr for n in mirror.netblocks.all()),
        "releases": sorted(r.version for r in mirror.releases.all()),
        "architectures": sorted(a.name for a in mirror.architectures.all()),
        "repositories": sorted(r.name for r in mirror.repositories.all()),
        "images": sorted(image_key(i) for i in mirror.images.all()),
        "notes": mirror.notes,
    }  # fmt: skip


def infra_documents() -> dict[str, dict]:
    """Every sponsor, server and mirror as the document its file holds, by file name."""
    documents = {}
    for sponsor in Sponsor.objects.order_by("slug"):
        documents[file_name("sponsors", sponsor.slug)] = _sponsor(sponsor)
    servers = Server.objects.select_related("sponsor").prefetch_related("roles")
    for server in servers.order_by("hostname"):
        documents[file_name("servers", server.hostname)] = _server(server)
    mirrors = (
        Mirror.objects.select_related("sponsor", "server", "upstream")
        .prefetch_related(
            Prefetch("urls", MirrorURL.objects.order_by("url")),
            "netblocks",
            "releases",
            "architectures",
            "repositories",
            "images__release",
            "images__architecture",
        )  # fmt: skip
        .order_by("name")
    )
    for mirror in mirrors:
        documents[file_name("mirrors", mirror.name)] = _mirror(mirror)
    return dict(sorted(documents.items()))
