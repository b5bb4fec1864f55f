"""A port nobody listens on yet, for the servers the tests start (a farm mirror, Redis,
rsync, snmpd, nginx, the portal itself)."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1", kind: int = socket.SOCK_STREAM) -> int:
    """A free TCP (or, with kind=socket.SOCK_DGRAM, UDP) port on `host`'s IPv4 address."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
