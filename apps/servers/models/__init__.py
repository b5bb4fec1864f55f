"""The servers app's models, one module per concern: the inventory (servers, roles,
daily traffic), the per-server keys that servers push their readings with, the service
checks (services, their states and history: a server's condition) and bandwidth: SNMP
targets, counter samples and periods of traffic."""

from .inventory import Role, Server, ServerQuerySet, ServerTraffic
from .push import ServerPushToken
from .service_checks import ServerService, ServiceCheckResult
from .traffic import SnmpTarget, TrafficPeriod, TrafficSample

__all__ = [
    "Role", "Server", "ServerPushToken", "ServerQuerySet", "ServerService",
    "ServerTraffic", "ServiceCheckResult", "SnmpTarget", "TrafficPeriod", "TrafficSample",
]  # fmt: skip
