"""The pieces without a server: nagios' transitions, the plugin output and perfdata
format, command templating, odd exit codes, and the beat schedule of the rounds."""

from __future__ import annotations

import sys

import pytest
from django.core.management import call_command

from apps.servers.services.condition_plugins import (
    CommandError,
    command_build,
    output_parse,
    perfdata_parse,
    plugin_run,
)
from apps.servers.services.condition_states import state_next


def run(states: list[str], max_attempts: int = 3) -> list[tuple]:
    state, state_type, attempt, hard = "ok", "hard", 1, "ok"
    seen = []
    for result in states:
        step = state_next(
            state=state, state_type=state_type, attempt=attempt, last_hard_state=hard,
            result=result, max_attempts=max_attempts,
        )  # fmt: skip
        state, state_type, attempt = step.state, step.state_type, step.attempt
        hard = step.state if step.state_type == "hard" else hard
        seen.append((state, state_type, attempt, step.hard_change))
    return seen


def test_nagios_transitions():
    assert run(["critical", "critical", "critical", "critical", "ok"]) == [
        ("critical", "soft", 1, False), ("critical", "soft", 2, False),
        ("critical", "hard", 3, True), ("critical", "hard", 3, False), ("ok", "hard", 1, True),
    ]  # fmt: skip
    # A soft problem that clears is a soft recovery: no hard change, no email.
    assert run(["warning", "ok"]) == [("warning", "soft", 1, False), ("ok", "hard", 1, False)]
    # The state may change while soft; a hard problem changing state is a hard change.
    assert run(["warning", "critical", "critical", "warning"]) == [
        ("warning", "soft", 1, False), ("critical", "soft", 2, False),
        ("critical", "hard", 3, True), ("warning", "hard", 3, True),
    ]  # fmt: skip
    assert run(["unknown"], max_attempts=1) == [("unknown", "hard", 1, True)]


def test_output_and_perfdata_format():
    first, long_output, perf = output_parse(
        "HTTP OK: 200 | time=0.004s;1;2;0.000 size=120B;;;0\nline two\nline three | a=1 \n b=U\n"
    )
    assert first == "HTTP OK: 200" and long_output == "line two\nline three"
    assert [(p["label"], p["value"], p["uom"]) for p in perf] == [
        ("time", 0.004, "s"), ("size", 120.0, "B"), ("a", 1.0, ""), ("b", None, "")
    ]  # fmt: skip
    assert perf[0]["warn"] == "1" and perf[0]["crit"] == "2" and perf[0]["min"] == 0.0
    odd = perfdata_parse("'it''s here'=-1.5e2KB;@10:20;~:5 junk =3 x=abc c=10c")
    assert [(p["label"], p["value"], p["uom"], p["warn"]) for p in odd] == [
        ("it's here", -150.0, "KB", "@10:20"), ("c", 10.0, "c", "")
    ]  # fmt: skip
    assert output_parse("") == ("", "", [])


def test_commands_are_templated_without_a_shell():
    entry = {"command": ["check", "-H", "{address}", ["-p", "{port}"], ["-m", "{module}"],
                         "-l", "{query}"], "defaults": {"query": "{hostname}"}}  # fmt: skip
    argv = command_build(entry, {"address": "192.0.2.1; rm -rf /", "hostname": "a.org", "port": 8})
    assert argv == ["check", "-H", "192.0.2.1; rm -rf /", "-p", "8", "-l", "a.org"]
    with pytest.raises(CommandError, match="'address'"):
        command_build(entry, {"hostname": "a.org"})


def test_odd_exit_codes_and_missing_plugins_are_unknown():
    crash = plugin_run([sys.executable, "-c", "print('half a line'); raise SystemExit(7)"],
                       timeout=5)  # fmt: skip
    assert crash.state == "unknown" and crash.exit_code == 7
    assert crash.output == "UNKNOWN - plugin ended with exit code 7: half a line"
    missing = plugin_run(["/nonexistent/check_nothing"], timeout=5)
    assert missing.state == "unknown" and "cannot run /nonexistent/check_nothing" in missing.output
    quick = plugin_run([sys.executable, "-c", "import time; time.sleep(5)"], timeout=0.3)
    assert quick.output == "UNKNOWN - plugin timed out after 0.3 s" and quick.duration_ms < 2000


@pytest.mark.django_db
def test_setupschedule_adds_the_round_of_server_checks(settings):
    from django_celery_beat.models import PeriodicTask

    settings.SERVER_CHECK_PERIODIC = False
    call_command("setupschedule")
    call_command("setupschedule", "--enable")
    task = PeriodicTask.objects.get(task="servers.service_checks_round")
    assert task.enabled and task.interval.every == settings.SERVER_CHECK_ROUND_SECONDS
