"""Names resolved in the event loop, at the caller's own concurrency: c-ares (through aiodns)
instead of `loop.getaddrinfo`, which runs in the loop's default thread pool (a few threads),
so that a sweep whose names answer slowly or never waits on a few lookups at a time.

One resolver belongs to one client (a sweep's chunk, a health round): it remembers each
name's answer (and failure) for as long as that client lives, and a name asked by many
probes at once is looked up once. Without aiodns the system's resolver is used as before.
"""

from __future__ import annotations

import asyncio
import socket
import weakref
from collections.abc import Sequence

try:
    import aiodns
except ImportError:  # pragma: no cover  (a pinned requirement; the fallback keeps tools working)
    aiodns = None


RECEIVE_BUFFER = 4 << 20  # bytes (the kernel caps it at net.core.rmem_max)


class CaresResolver:
    """resolver(host, port) -> addresses, with the answers remembered per event loop.

    `servers`: "address" or "address:port" (empty: the system's /etc/resolv.conf);
    `timeout` seconds per try and `tries` tries per server, so that a name whose servers
    never answer fails in about timeout x tries, not in the C library's 30 s.
    """

    def __init__(self, servers: Sequence[str] = (), *, timeout: float = 2.0, tries: int = 2):
        self.servers = list(servers)
        self.timeout = timeout
        self.tries = tries
        self._loops: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.lookups = 0  # names asked of the servers (not answered from memory)

    def _state(self) -> tuple[object, dict[str, asyncio.Future]]:
        loop = asyncio.get_running_loop()
        state = self._loops.get(loop)
        if state is None:
            resolver = aiodns.DNSResolver(
                nameservers=self.servers or None, timeout=self.timeout, tries=self.tries,
                # a thousand answers may arrive at once: the default buffer (208 KB) drops
                # them, and each dropped answer costs a try's timeout
                socket_receive_buffer_size=RECEIVE_BUFFER,
            )  # fmt: skip
            state = self._loops[loop] = (resolver, {})
        return state

    async def __call__(self, host: str, port: int) -> list[str]:
        name = host.encode("idna").decode("ascii").lower()  # UnicodeError: the caller's
        resolver, answers = self._state()
        answer = answers.get(name)
        if answer is None:
            answer = answers[name] = asyncio.ensure_future(self._lookup(resolver, name))
            self.lookups += 1
        # Shielded: a probe cancelled while waiting leaves the answer to the others.
        return list(await asyncio.shield(answer))

    @staticmethod
    async def _lookup(resolver, name: str) -> list[str]:
        try:
            found = await resolver.getaddrinfo(
                name, family=socket.AF_UNSPEC, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
        except aiodns.error.DNSError as exc:
            code, message = (exc.args + (0, "lookup failed"))[:2]
            raise socket.gaierror(code, message) from None
        return list(dict.fromkeys(node.addr[0].decode() for node in found.nodes))


def resolver_build(servers: Sequence[str] = (), *, timeout: float = 2.0, tries: int = 2):
    """A CaresResolver when aiodns is installed, else None (the system's resolver)."""
    if aiodns is None:  # pragma: no cover
        return None
    return CaresResolver(servers, timeout=timeout, tries=tries)
