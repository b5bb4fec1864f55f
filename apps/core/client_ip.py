"""Who the client is: the peer's address, or the one a trusted reverse proxy forwarded.

The one rule for the whole portal (the delivery front's ClientLocator and the API
throttles): X-Forwarded-For is believed only when the peer is a trusted proxy, and is walked
from the right, skipping trusted hops, so a client cannot smuggle in an address by sending
the header itself. The first untrusted hop is the client.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable


class TrustedProxies:
    """Networks ("10.0.0.0/8", "192.0.2.7") whose X-Forwarded-For we believe; `ip in it`
    is memoised (it is on every request's path)."""

    def __init__(self, networks: Iterable[str] = ()):
        self.networks = tuple(
            ipaddress.ip_network(n.strip(), strict=False) for n in networks if n.strip()
        )
        self._contains = functools.lru_cache(maxsize=4096)(self._contains_uncached)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __contains__(self, ip: str) -> bool:
        return bool(self.networks) and self._contains(ip)

    def _contains_uncached(self, ip: str) -> bool:
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return False
        return any(addr in net for net in self.networks)


@functools.lru_cache(maxsize=8)
def trusted_proxies(networks: tuple[str, ...]) -> TrustedProxies:
    """One TrustedProxies per setting value (settings.TRUSTED_PROXIES as a tuple)."""
    return TrustedProxies(networks)


@functools.lru_cache(maxsize=65536)
def valid_ip(value: str) -> bool:
    """Whether `value` is an IPv4 or IPv6 address (the one such test of the portal)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted) -> str:
    """The client's address from the peer (REMOTE_ADDR) and X-Forwarded-For.

    `trusted` is a TrustedProxies, or anything `in` works on; with none, or an untrusted
    peer, the header is ignored. A malformed hop where the client should be gives the peer.
    """
    peer = remote_addr or ""
    if not trusted or peer not in trusted or not forwarded_for:
        return peer
    for hop in reversed(forwarded_for.split(",")):
        hop = hop.strip()
        if hop and hop not in trusted:
            return hop if valid_ip(hop) else peer
    return peer
