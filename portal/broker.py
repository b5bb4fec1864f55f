"""Celery's Redis transport, made to survive a Redis outage (kombu 5.7 with redis-py 8).

When the broker goes away, the worker's consumer first collects its connection (which
clears the transport's `client`) and then closes it; closing the channel tries to put its
unacknowledged messages (say, a task waiting for its countdown) back in Redis, and kombu
builds that Redis client from `transport.client`, now None. The AttributeError is not a
connection error, so the worker stops for good: "Unrecoverable error: AttributeError(
"'NoneType' object has no attribute 'hostname'")". Here the transport keeps its client
once it has one: the restore either succeeds (Redis is back) or fails with a connection
error that kombu ignores, and the messages come back when Redis's visibility timeout runs
out. portal/celery.py installs it for redis:// and rediss:// broker URLs.
"""

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import redis as kombu_redis


class Transport(kombu_redis.Transport):
    """kombu's Redis transport whose `client` (the Connection it serves) is never reset."""

    _kept_client = None

    @property
    def client(self):
        return self._kept_client

    @client.setter
    def client(self, value):
        if value is not None:
            self._kept_client = value


def install() -> None:
    """Make redis:// and rediss:// broker URLs use this transport."""
    for scheme in ("redis", "rediss"):
        TRANSPORT_ALIASES[scheme] = f"{__name__}:Transport"
