"""Running a Monitoring Plugin the way nagios does: the command from its entry in
settings.SERVER_CHECK_PLUGINS with the server's values filled in (no shell), a timeout that
kills the plugin's whole process group, the exit code as the state (0 OK, 1 WARNING,
2 CRITICAL, 3 UNKNOWN; anything else UNKNOWN), and the output in the plugin format: a first
line `TEXT | perfdata`, long output lines, and more perfdata after a later `|`.
See https://www.monitoring-plugins.org/doc/guidelines.html."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..choices import ServerCondition

STATES = {
    0: ServerCondition.OK,
    1: ServerCondition.WARNING,
    2: ServerCondition.CRITICAL,
    3: ServerCondition.UNKNOWN,
}
MAX_OUTPUT = 8192  # bytes kept of a plugin's output, as nagios' MAX_PLUGIN_OUTPUT_LENGTH
_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C"}

# 'label'=value[UOM];[warn];[crit];[min];[max]; a quoted label may hold spaces and ''.
_PERF_ITEM = re.compile(r"\s*(?:'((?:[^']|'')+)'|([^'=\s]+))=(\S*)")
_VALUE = re.compile(r"^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|U)([^\d;.+-][^;]*)?$")
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")


@dataclass(slots=True)
class PluginResult:
    """What one run of a plugin said."""

    state: str
    output: str
    long_output: str = ""
    perfdata: list[dict] = field(default_factory=list)
    exit_code: int | None = None
    duration_ms: int | None = None


class CommandError(ValueError):
    """The plugin's entry or the service's values cannot make a command."""


def perfdata_parse(text: str) -> list[dict]:
    """Parse plugin performance data into one dict per label: value (a float, or None for
    `U`), uom, warn and crit (ranges, as given), min and max (floats or None). Malformed
    items are skipped: perfdata must never fail a check."""
    items = []
    position = 0
    while position < len(text):
        match = _PERF_ITEM.match(text, position)
        if match is None:
            # Skip a malformed word and go on with the next.
            rest = text[position:].lstrip()
            if not rest:
                break
            skip = rest.split(None, 1)
            position = len(text) - (len(skip[1]) if len(skip) > 1 else 0)
            continue
        position = match.end()
        label = match.group(1).replace("''", "'") if match.group(1) else match.group(2)
        fields = match.group(3).split(";")
        value = _VALUE.match(fields[0])
        if value is None:
            continue
        number, uom = value.group(1), (value.group(2) or "")
        fields += [""] * (5 - len(fields))
        items.append(
            {
                "label": label,
                "value": None if number == "U" else float(number),
                "uom": uom,
                "warn": fields[1],
                "crit": fields[2],
                "min": float(fields[3]) if _NUMBER.match(fields[3]) else None,
                "max": float(fields[4]) if _NUMBER.match(fields[4]) else None,
            }
        )
    return items


def output_parse(text: str) -> tuple[str, str, list[dict]]:
    """Split a plugin's output into its first line, its long output and its perfdata."""
    lines = text.strip("\n").splitlines() or [""]
    first, _, perf = lines[0].partition("|")
    long_lines, perf_parts = [], [perf]
    in_perf = False
    for line in lines[1:]:
        if in_perf:
            perf_parts.append(line)
            continue
        text_part, bar, more = line.partition("|")
        long_lines.append(text_part.rstrip() if bar else line)
        if bar:
            perf_parts.append(more)
            in_perf = True
    long_output = "\n".join(long_lines).strip("\n")
    return first.strip(), long_output, perfdata_parse(" ".join(perf_parts))


def command_build(entry: Mapping, values: Mapping[str, object]) -> list[str]:
    """The plugin's argv: each item of entry["command"] with {name}s filled from the
    entry's "defaults" and `values`. An item that is itself a list is an optional group
    (e.g. ["-p", "{port}"]), left out unless all its names have a value."""
    given = {k: v for k, v in values.items() if v not in (None, "")}
    defaults = {
        k: _fill(v, given) if isinstance(v, str) else v
        for k, v in entry.get("defaults", {}).items()
    }  # a default may name a value: "query": "{hostname}"
    merged = {**defaults, **given}
    argv: list[str] = []
    for item in entry.get("command") or ():
        if isinstance(item, (list, tuple)):
            try:
                group = [str(part).format_map(merged) for part in item]
            except KeyError:
                continue
            argv.extend(group)
        else:
            try:
                argv.append(str(item).format_map(merged))
            except KeyError as missing:
                raise CommandError(f"the plugin needs a value for {missing}") from None
    if not argv:
        raise CommandError("the plugin has no command")
    return argv


def _fill(text: str, values: Mapping) -> str:
    try:
        return text.format_map(values)
    except (KeyError, ValueError):
        return text


def plugin_run(argv: Sequence[str], *, timeout: float) -> PluginResult:
    """Run a plugin and read its answer; a timeout, a crash or an exit code outside 0-3 is
    an UNKNOWN whose output says what happened."""
    started = time.monotonic()
    try:
        process = subprocess.Popen(  # noqa: S603 (argv from settings, no shell)
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_ENV,
            start_new_session=True,  # its own process group: a timeout kills its children too
        )
    except OSError as exc:
        return PluginResult(
            ServerCondition.UNKNOWN, f"UNKNOWN - cannot run {argv[0]}: {exc.strerror}"
        )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        return PluginResult(
            ServerCondition.UNKNOWN,
            f"UNKNOWN - plugin timed out after {timeout:g} s",
            duration_ms=round((time.monotonic() - started) * 1000),
        )
    duration_ms = round((time.monotonic() - started) * 1000)
    code = process.returncode
    text = stdout[:MAX_OUTPUT].decode("utf-8", "replace")
    if not text.strip():
        text = stderr[:MAX_OUTPUT].decode("utf-8", "replace")
    first, long_output, perfdata = output_parse(text)
    state = STATES.get(code)
    if state is None:
        reason = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        first = f"UNKNOWN - plugin ended with {reason}" + (f": {first}" if first else "")
        state = ServerCondition.UNKNOWN
    elif not first:
        first = f"{state.label.upper()} - the plugin printed nothing"
    return PluginResult(state, first, long_output, perfdata, code, duration_ms)


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
