"""Reads of the servers app, one module per concern: the servers (servers), their condition
(conditions), the inventory for Ansible and Puppet (inventory) and their bandwidth (traffic)."""

from .servers import (
    server_in_service_count,
    server_list,
    server_states,
    service_states,
    traffic_sparkline,
)

__all__ = [
    "server_in_service_count",
    "server_list",
    "server_states",
    "service_states",
    "traffic_sparkline",
]
