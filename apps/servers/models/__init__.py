"""The servers app's models, one module per concern: the inventory (servers, roles,
daily traffic), the per-server keys that servers push their readings with, and the health
checks (services, their states and history)."""

from .health import ServerService, ServiceCheckResult
from .inventory import Role, Server, ServerQuerySet, ServerTraffic
from .push import ServerPushToken

__all__ = [
    "Role", "Server", "ServerPushToken", "ServerQuerySet", "ServerService",
    "ServerTraffic", "ServiceCheckResult",
]  # fmt: skip
