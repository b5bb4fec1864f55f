"""The servers as infrastructure-as-code tools read them: Ansible's dynamic inventory (groups
by role, country, continent, sponsor, condition (named health_*) and status, in the style of
NetBox's inventory plugin) and the node a Puppet external node classifier (ENC) asks for."""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import Prefetch

from apps.core.geo import continent_of

from ..models import Server, ServerService


def group_name(prefix: str, value: str) -> str:
    """`role_mirror_master`, `country_de`: what Ansible accepts as a group name (letters,
    digits and underscores, lower case), as NetBox's plugin spells its groups."""
    return f"{prefix}_{re.sub(r'[^a-z0-9]+', '_', value.lower()).strip('_')}"


def _inventory_servers():
    services = ServerService.objects.filter(enabled=True).only(
        "server_id", "name", "plugin", "passive", "state"
    )
    return (
        Server.objects.in_service()
        .select_related("sponsor")
        .prefetch_related("roles", Prefetch("services", services, to_attr="checked"))
        .order_by("hostname")
    )


def _host_vars(server: Server) -> dict:
    roles = sorted(role.name for role in server.roles.all())
    country = server.country.code or ""
    sponsor = server.sponsor
    return {
        "ansible_host": server.ipv4 or server.ipv6 or server.hostname,
        "ipv4": server.ipv4,
        "ipv6": server.ipv6,
        "roles": roles,
        "sponsor": {"name": sponsor.name, "slug": sponsor.slug} if sponsor else None,
        "country": country,
        "continent": continent_of(country) or "",
        "city": server.city,
        "datacentre": server.datacentre,
        "status": server.status,
        "health": server.condition,  # the inventory keeps its name (documented groups)
        "bandwidth_mbps": server.bandwidth_mbps,
        "services": [
            {"name": s.name, "plugin": s.plugin, "passive": s.passive, "state": s.state}
            for s in sorted(server.checked, key=lambda s: s.name)
        ],
    }


def _groups_of(hostvars: dict) -> list[str]:
    groups = [group_name("role", role) for role in hostvars["roles"]]
    if hostvars["country"]:
        groups.append(group_name("country", hostvars["country"]))
    if hostvars["continent"]:
        groups.append(group_name("continent", hostvars["continent"]))
    if hostvars["sponsor"]:
        groups.append(group_name("sponsor", hostvars["sponsor"]["slug"]))
    groups.append(group_name("health", hostvars["health"]))
    groups.append(group_name("status", hostvars["status"]))
    return groups


def ansible_inventory() -> dict:
    """Ansible's dynamic-inventory JSON for the servers in service: each group with its
    hosts (sorted), `all` with every group as a child, and `_meta.hostvars` so that
    Ansible needs no `--host` call per server. Three queries, whatever the count."""
    groups: dict[str, list[str]] = {}
    hostvars: dict[str, dict] = {}
    for server in _inventory_servers():
        hostvars[server.hostname] = host = _host_vars(server)
        for group in _groups_of(host):
            groups.setdefault(group, []).append(server.hostname)
    inventory: dict = {
        name: {"hosts": hosts, "vars": {}, "children": []} for name, hosts in sorted(groups.items())
    }
    inventory["all"] = {"hosts": [], "vars": {}, "children": sorted(groups)}
    inventory["_meta"] = {"hostvars": hostvars}
    return inventory


def puppet_node(hostname: str) -> dict | None:
    """What a Puppet ENC prints for one server in service: a `role::<role>` class per role,
    the server's facts as parameters, and the environment; None for an unknown server."""
    server = _inventory_servers().filter(hostname=hostname).first()
    if server is None:
        return None
    host = _host_vars(server)
    parameters = {
        key: value
        for key, value in host.items()
        if key not in {"services", "ansible_host"} and value not in (None, "")
    }
    if host["sponsor"]:
        parameters["sponsor"] = host["sponsor"]["slug"]
    parameters["services"] = [s["name"] for s in host["services"]]
    return {
        "classes": {f"role::{role.replace('-', '_')}": {} for role in host["roles"]},
        "parameters": parameters,
        "environment": settings.PUPPET_ENVIRONMENT,
    }
