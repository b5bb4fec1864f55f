"""MirrorFarm: many simulated mirrors, one per 127.0.0.0/8 address, run in one thread."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import ipaddress
import os
import random
import shutil
import socket
import ssl
import tempfile
import threading
import weakref
from pathlib import Path

from .behaviours import Behaviour, MirrorOptions, SimMirror
from .http import _blackhole, _listen, _nobody_listens, _unblackhole, _unlisten
from .tree import MasterTree

LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")


def _loopback(address: str | ipaddress.IPv4Address) -> ipaddress.IPv4Address:
    addr = ipaddress.IPv4Address(address)
    if addr not in LOOPBACK:
        raise ValueError(f"{addr} is outside 127.0.0.0/8")
    return addr


def _norm_prefix(prefix: str) -> str:
    return "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"


def _pick_port(address: str, rng: random.Random) -> int:
    """A free port below the ephemeral range, where client sockets won't take it meanwhile."""
    for _ in range(50):
        port = rng.randrange(20000, 32768)
        if _nobody_listens(address, port):
            return port
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


class MirrorFarm:
    """Simulated mirrors, each on its own 127.0.0.X address and the same port, served by one
    background thread running an asyncio loop. The master is the first address.

    With https (the default) every mirror also serves TLS on `https_port` with a certificate
    for *.farm.test from a throwaway CA (trustme; `ca_file` is its PEM), and answers its host
    name (`mirror.host`, e.g. current.farm.test) through `resolve`, a resolver hook for the
    client: no DNS traffic. `sni` lists the server names the TLS handshakes asked for.
    """

    def __init__(
        self,
        master_tree: MasterTree | Path | None,
        port: int | None = None,
        *,
        prefix: str = "/centos/",
        base_address: str = "127.0.0.2",
        https: bool = True,
    ):
        self.tree = master_tree if isinstance(master_tree, MasterTree) else None
        self.prefix = _norm_prefix(prefix)
        self._fixed_port = port is not None
        self._next = _loopback(base_address)
        self.port = port if port is not None else _pick_port(str(self._next), random.Random())
        self.names: dict[str, str | list[str]] = {}  # host name -> address(es), for resolve
        self.sni: list[str | None] = []
        self.tls: ssl.SSLContext | None = None
        self.ca = self.ca_file = None
        self.https_port = 0
        if https:
            self._tls_setup()
        self.mirrors: dict[str, SimMirror] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        master_dir = None if master_tree is None or self.tree else Path(master_tree)
        self.master = self.add_mirror("master", Behaviour.CURRENT, tree_dir=master_dir)

    def _tls_setup(self) -> None:
        import trustme  # a test-only package

        self.ca = trustme.CA()
        cert = self.ca.issue_cert("*.farm.test", "farm.test")
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(self.tls)
        self.tls.sni_callback = lambda sslobj, name, context: self.sni.append(name)
        folder = tempfile.mkdtemp(prefix="mirrorfarm-ca-")
        weakref.finalize(self, shutil.rmtree, folder, True)
        self.ca_file = os.path.join(folder, "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_file)
        self.https_port = _pick_port(str(self._next), random.Random())

    def resolve(self, host: str, port: int = 0) -> list[str]:
        """A resolver hook (apps.core.http.SafeClient.resolver): the farm's names only."""
        try:
            found = self.names[host.lower().rstrip(".")]
        except KeyError:
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: not a farm name") from None
        return list(found) if isinstance(found, list) else [found]

    def dual(self, ipv4: str, ipv6: str) -> str:
        """Make the host name of mirror `ipv4` resolve to its address and to that of mirror
        `ipv6` (on ::1, same port): a dual-stack host whose two sides may differ."""
        host = self.mirrors[ipv4].host
        self.names[host] = [self.mirrors[ipv4].address, self.mirrors[ipv6].address]
        return host

    def alias(self, name: str, mirror: str) -> str:
        """Make another host name (an IDN one, say) resolve to a mirror; its ASCII form."""
        from apps.core.http import idna_host

        host = idna_host(name)
        self.names[host] = self.mirrors[mirror].address
        return host

    def __enter__(self) -> MirrorFarm:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __getitem__(self, name: str) -> SimMirror:
        return self.mirrors[name]

    @property
    def running(self) -> bool:
        return self._thread is not None

    def add_mirror(
        self, name: str, behaviour: Behaviour = Behaviour.CURRENT, *, address: str = "",
        **options,
    ) -> SimMirror:  # fmt: skip
        """Add a mirror on the next free address (or on `address`, a loopback one such as
        ::1); options are MirrorOptions fields."""
        if name in self.mirrors:
            raise ValueError(f"mirror {name!r} exists")
        opts = MirrorOptions(**options)
        self._check(behaviour, opts)
        if address:
            if not ipaddress.ip_address(address).is_loopback:
                raise ValueError(f"{address} is not a loopback address")
        else:
            address = _loopback(self._next)
            self._next += 1
        mirror = SimMirror(name, str(address), self.port, self.prefix, self.tree, behaviour, opts)
        mirror.tls, mirror.https_port = self.tls, self.https_port
        self.mirrors[name] = mirror
        self.names[mirror.host] = mirror.address
        if self.running:
            try:
                self._call(self._bind(mirror))
            except BaseException:
                del self.mirrors[name]
                raise
        return mirror

    def set_behaviour(self, name: str, behaviour: Behaviour, **options) -> SimMirror:
        """Change a mirror's behaviour (and options) while running; effective on return.

        Switching to REFUSED closes the listener and its connections; leaving REFUSED
        listens again; leaving HANG resets the hung connections.
        """
        mirror = self.mirrors[name]
        opts = dataclasses.replace(mirror.options, **options)
        self._check(behaviour, opts)
        if self.running:
            self._call(self._switch(mirror, behaviour, opts))
        else:
            mirror.behaviour, mirror.options = behaviour, opts
        return mirror

    def start(self) -> MirrorFarm:
        if self.running:
            return self
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="mirrorfarm", daemon=True
        )
        self._thread.start()
        try:
            self._call(self._bind_all())
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Close every socket, hung connections included; returns within about 2 s."""
        if not self.running:
            return
        try:
            self._call(self._shutdown(), timeout=1.5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(0.5)
            if not self._thread.is_alive():
                self._loop.close()
            self._thread = self._loop = None

    # -- in the loop thread --

    def _call(self, coro, timeout: float = 10.0):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _check(self, behaviour: Behaviour, opts: MirrorOptions) -> None:
        if behaviour is Behaviour.BEHIND or opts.behind_from:
            if opts.tree_dir is not None or self.tree is None:
                raise ValueError("BEHIND needs the generated master tree, not a tree_dir")
            self.tree.behind_map(opts.versions_behind)  # validate now, not at the first request

    async def _bind(self, mirror: SimMirror) -> None:
        mirror.port, mirror.https_port = self.port, self.https_port
        if mirror.behaviour is Behaviour.REFUSED:
            for port in (self.port, self.https_port) if self.tls else (self.port,):
                if not _nobody_listens(mirror.address, port):
                    raise OSError(errno.EADDRINUSE, f"{mirror.address}:{port} is in use")
            return
        if mirror.behaviour is Behaviour.BLACKHOLE:
            _blackhole(mirror)
            return
        await _listen(mirror)

    async def _bind_all(self) -> None:
        for _attempt in range(10):
            try:
                for mirror in self.mirrors.values():
                    await self._bind(mirror)
                return
            except OSError as exc:
                for mirror in self.mirrors.values():
                    _unlisten(mirror)
                if self._fixed_port or exc.errno != errno.EADDRINUSE:
                    raise
                # someone holds this port on one of our addresses: move every mirror
                self.port = _pick_port(self.master.address, random.Random())
                if self.tls is not None:
                    self.https_port = _pick_port(self.master.address, random.Random())
        raise OSError(errno.EADDRINUSE, "no common free port found for the farm")

    async def _switch(self, mirror: SimMirror, behaviour: Behaviour, opts: MirrorOptions):
        old = mirror.behaviour
        mirror.behaviour, mirror.options = behaviour, opts
        quiet = (Behaviour.REFUSED, Behaviour.BLACKHOLE)  # no listener of ours
        if old is Behaviour.BLACKHOLE and behaviour is not Behaviour.BLACKHOLE:
            _unblackhole(mirror)
        if behaviour in quiet and old not in quiet:
            _unlisten(mirror)
        elif old in quiet and behaviour not in quiet:
            await _listen(mirror)
        if behaviour is Behaviour.BLACKHOLE and old is not Behaviour.BLACKHOLE:
            _blackhole(mirror)
        elif old is Behaviour.HANG and behaviour is not Behaviour.HANG:
            mirror._close_connections()

    async def _shutdown(self) -> None:
        for mirror in self.mirrors.values():
            _unlisten(mirror)
            _unblackhole(mirror)
        # aborted transports close their sockets and cancelled answers unwind next iteration
        for _ in range(3):
            await asyncio.sleep(0)
