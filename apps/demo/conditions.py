"""The demo's service checks: each server's services from its roles and a day of plausible
results, replayed through the servers' state machine (no plugin is run against the demo's
made-up hosts): one disk filling up, one busy build host, one web server down for good,
and a DNS server that flapped once and recovered."""

from __future__ import annotations

import datetime as dt
import random

from apps.servers.choices import ServerCondition
from apps.servers.models import Server, ServiceCheckResult
from apps.servers.services.condition_plugins import PluginResult
from apps.servers.services.condition_readings import disk_judge, load_judge
from apps.servers.services.condition_services import server_services_derive
from apps.servers.services.condition_states import service_results_replay

HOURS = 24
OK, WARNING, CRITICAL = ServerCondition.OK, ServerCondition.WARNING, ServerCondition.CRITICAL


def _active(plugin: str, server: Server, rng: random.Random, down: bool) -> PluginResult:
    ms = rng.uniform(0.004, 0.25)
    perf = [{"label": "time", "value": round(ms, 6), "uom": "s", "warn": "", "crit": "",
             "min": 0.0, "max": None}]  # fmt: skip
    if down:
        return PluginResult(CRITICAL, f"CRITICAL - Socket timeout: {server.ipv4}: No route to host",
                            exit_code=2)  # fmt: skip
    if plugin in ("http", "https"):
        size = rng.randint(4000, 60000)
        perf.append({"label": "size", "value": float(size), "uom": "B", "warn": "", "crit": "",
                     "min": 0.0, "max": None})  # fmt: skip
        return PluginResult(OK, f"HTTP OK: HTTP/1.1 200 OK - {size} bytes in {ms:.3f} second "
                            "response time", perfdata=perf, exit_code=0)  # fmt: skip
    text = {
        "dns": f"DNS OK - {ms:.3f} seconds response time ({server.hostname}. 3600 IN A)",
        "rsync": f"TCP OK - {ms:.3f} second response time on port 873",
        "rsync-modules": f"RSYNC OK - 3 modules listed in {ms:.3f} s",
        "smtp": f"SMTP OK - {ms:.3f} sec. response time",
    }.get(plugin, "OK")
    return PluginResult(OK, text, perfdata=perf, exit_code=0)


def demo_conditions_load(*, servers: list[Server], now: dt.datetime, seed: int) -> int:
    """Write the demo's services and their last day of results (replacing earlier ones)."""
    rng = random.Random(seed)
    ServiceCheckResult.objects.filter(service__server__in=servers).delete()
    written = 0
    for index, server in enumerate(servers):
        for service in server_services_derive(server=server):
            service.state, service.state_type, service.attempt = OK, "hard", 1
            service.last_hard_state, service.last_check = OK, None
            service.last_state_change = service.last_hard_state_change = None
            results = []
            for hour in range(HOURS, 0, -1):
                when = now - dt.timedelta(hours=hour, minutes=rng.randint(0, 4))
                if service.plugin == "disk":
                    free = 40 - (HOURS - hour) * 1.1 if index == 9 else rng.uniform(35, 80)
                    result = disk_judge(
                        {"/": round(free, 1), "/var": round(rng.uniform(30, 70), 1)}
                    )
                elif service.plugin == "load":
                    busy = index == 21 and hour < 8
                    base = rng.uniform(9, 11) if busy else rng.uniform(0.1, 2.5)
                    result = load_judge(
                        [round(base, 2), round(base * 0.9, 2), round(base * 0.7, 2)]
                    )
                else:
                    down = index == 27 and hour <= 6
                    flap = server.hostname.startswith("ns") and index % 2 == 0 and hour in (14, 13)
                    result = _active(service.plugin, server, rng, down or flap)
                results.append((when, result))
            service.save()
            written += service_results_replay(service=service, results=results)
    return written
