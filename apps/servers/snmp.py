"""Reading interface counters over SNMP v2c with pysnmp: sysUpTime, and for each interface
(the one configured, or every one but loopbacks from an ifName walk) ifHCInOctets,
ifHCOutOctets and ifHighSpeed. Many agents at once, bounded, each with a timeout. No
Django here: the poll service (services/traffic_poll.py) gives the targets and keeps what
comes back."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field

from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    get_cmd,
    walk_cmd,
)

SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
IF_HC_IN_OCTETS = "1.3.6.1.2.1.31.1.1.1.6"
IF_HC_OUT_OCTETS = "1.3.6.1.2.1.31.1.1.1.10"
IF_HIGH_SPEED = "1.3.6.1.2.1.31.1.1.1.15"  # Mbit/s
MAX_INTERFACES = 16


@dataclass(frozen=True)
class Agent:
    """Where to ask: `key` names the target for the caller (a server's id)."""

    key: int
    host: str
    port: int
    community: str
    if_index: int | None = None


@dataclass(frozen=True)
class InterfaceReading:
    name: str  # "ifIndex 2 (eth0)"
    in_octets: int
    out_octets: int
    speed_mbps: int | None


@dataclass
class AgentReading:
    key: int
    at: dt.datetime
    uptime_ticks: int | None = None
    interfaces: list[InterfaceReading] = field(default_factory=list)
    error: str = ""


class SnmpError(Exception):
    pass


async def _get(engine, agent: Agent, transport, oids: list[str]) -> list:
    error, status, index, binds = await get_cmd(
        engine,
        CommunityData(agent.community, mpModel=1),  # noqa: S508 - v2c is what the agents speak
        transport,
        ContextData(),
        *(ObjectType(ObjectIdentity(oid)) for oid in oids),
    )
    if error:
        raise SnmpError(str(error))
    if status:
        raise SnmpError(f"{status.prettyPrint()} at {binds[int(index) - 1][0] if index else '?'}")
    values = [value for _, value in binds]
    for oid, value in zip(oids, values, strict=True):
        if value.__class__.__name__ in ("NoSuchObject", "NoSuchInstance", "EndOfMibView"):
            raise SnmpError(f"the agent has no {oid}")
    return values


async def _interfaces(engine, agent: Agent, transport) -> list[tuple[int, str]]:
    """(ifIndex, ifName) of every interface but loopbacks."""
    found = []
    async for error, status, _, binds in walk_cmd(
        engine,
        CommunityData(agent.community, mpModel=1),  # noqa: S508 - v2c is what the agents speak
        transport,
        ContextData(),
        ObjectType(ObjectIdentity(IF_NAME)),
        lexicographicMode=False,
    ):
        if error or status:
            raise SnmpError(str(error or status.prettyPrint()))
        for oid, value in binds:
            name = value.prettyPrint()
            if not name.startswith("lo"):
                found.append((int(oid[-1]), name))
        if len(found) >= MAX_INTERFACES:
            break
    return found


async def _read(engine, agent: Agent, timeout: float) -> AgentReading:
    reading = AgentReading(key=agent.key, at=dt.datetime.now(dt.UTC))
    try:
        transport = await UdpTransportTarget.create(
            (agent.host, agent.port), timeout=timeout, retries=1
        )
        if agent.if_index is not None:
            names = [(agent.if_index, "")]
        else:
            names = await _interfaces(engine, agent, transport)
            if not names:
                raise SnmpError("the agent lists no interface but loopbacks")
        oids = [SYS_UPTIME]
        for index, _ in names:
            oids += [f"{IF_HC_IN_OCTETS}.{index}", f"{IF_HC_OUT_OCTETS}.{index}"]
            oids.append(f"{IF_HIGH_SPEED}.{index}")
        reading.at = dt.datetime.now(dt.UTC)
        values = await _get(engine, agent, transport, oids)
        reading.uptime_ticks = int(values[0])
        for n, (index, name) in enumerate(names):
            in_octets, out_octets, speed = values[1 + 3 * n : 4 + 3 * n]
            reading.interfaces.append(
                InterfaceReading(
                    name=f"ifIndex {index}" + (f" ({name})" if name else ""),
                    in_octets=int(in_octets),
                    out_octets=int(out_octets),
                    speed_mbps=int(speed) or None,
                )
            )
    except SnmpError as error:
        reading.error = str(error)[:300]
    except Exception as error:  # a name that does not resolve, a socket error
        reading.error = f"{type(error).__name__}: {error}"[:300]
    return reading


async def _read_all(agents: list[Agent], *, concurrency: int, timeout: float):
    engine = SnmpEngine()
    limit = asyncio.Semaphore(max(1, concurrency))

    async def one(agent: Agent) -> AgentReading:
        async with limit:
            try:
                # Two tries of `timeout` each, a walk and a get: bounded all the same.
                return await asyncio.wait_for(_read(engine, agent, timeout), 6 * timeout)
            except TimeoutError:
                return AgentReading(
                    key=agent.key, at=dt.datetime.now(dt.UTC), error="no answer (timeout)"
                )

    try:
        return await asyncio.gather(*(one(agent) for agent in agents))
    finally:
        engine.close_dispatcher()


def agents_read(
    agents: list[Agent], *, concurrency: int = 20, timeout: float = 3.0
) -> list[AgentReading]:
    """Read every agent, `concurrency` at a time; a silent or failing agent gives a reading
    with `error` set, never an exception."""
    if not agents:
        return []
    return asyncio.run(_read_all(agents, concurrency=concurrency, timeout=timeout))
