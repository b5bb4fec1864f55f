"""The servers app's models, one module per concern: the inventory (servers, roles,
daily traffic) and the per-server keys that servers push their readings with."""

from .inventory import Role, Server, ServerQuerySet, ServerTraffic
from .push import ServerPushToken

__all__ = ["Role", "Server", "ServerPushToken", "ServerQuerySet", "ServerTraffic"]
