"""The service checks against real servers on 127.0.0.x with Debian's Monitoring Plugins:
OK from a healthy server, SOFT then HARD after three failures when it stops, one email on
the hard change, recovery, perfdata kept; DNS (dnsmasq via check_dig), TCP, SMTP (aiosmtpd)
and rsync module listings; a plugin named only in settings; a timeout as UNKNOWN."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command

from apps.servers import services
from apps.servers.models import Server, ServerService
from apps.servers.services.condition_services import service_checks_run, services_run_due

from .condition_targets import (
    dns_server,
    need,
    rsync_daemon,
    smtp_server,
    tcp_listener,
    web_server,
)

pytestmark = pytest.mark.django_db
PLUGINS = "/usr/lib/nagios/plugins"


@pytest.fixture(autouse=True)
def _checks(settings):
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.SERVER_CHECK_EMAILS = ["infra@example.org"]
    settings.SERVER_CHECK_TIMEOUT = 5


def server_with(hostname: str, address: str, roles: list[str]) -> Server:
    return services.server_save(
        server=Server(hostname=hostname, ipv4=address, country="GB"), roles=roles
    )


def check(service: ServerService, callbacks) -> ServerService:
    with callbacks(execute=True):
        service_checks_run(
            services=[ServerService.objects.select_related("server").get(pk=service.pk)]
        )
    service.refresh_from_db()
    return service


def test_roles_make_the_services_and_a_role_change_remakes_them():
    server = server_with("www.example.org", "127.0.0.2", ["website", "dns"])
    names = set(server.services.values_list("name", flat=True))
    assert names == {"HTTP", "HTTPS", "DNS", "Disk", "Load"}
    hand = ServerService.objects.create(server=server, name="SSH", plugin="ssh")
    services.server_save(server=server, roles=["mirror-master"])
    names = set(server.services.values_list("name", flat=True))
    assert names == {"HTTP", "rsync", "rsync modules", "Disk", "Load", "SSH"}
    assert ServerService.objects.get(pk=hand.pk).derived is False


def test_http_ok_soft_hard_email_and_recovery(django_capture_on_commit_callbacks):
    need(f"{PLUGINS}/check_http")
    with web_server("127.0.0.2") as web:
        server = server_with("www.example.org", web.host, ["website"])
        http = server.services.get(name="HTTP")
        http.arguments = {"port": web.port}
        http.save()
        http = check(http, django_capture_on_commit_callbacks)
        assert (http.state, http.state_type, http.attempt) == ("ok", "hard", 1)
        assert http.output.startswith("HTTP OK: HTTP/1.0 200 OK")
        perf = {p["label"]: p for p in http.perfdata}
        assert perf["time"]["uom"] == "s" and perf["time"]["value"] >= 0
        assert perf["size"]["uom"] == "B" and perf["size"]["value"] > 40  # headers and page
        server.refresh_from_db()
        assert server.condition == "ok" and mail.outbox == []

        web.stop()
        seen = []
        for _ in range(3):
            http = check(http, django_capture_on_commit_callbacks)
            seen.append((http.state, http.state_type, http.attempt))
        assert seen == [
            ("critical", "soft", 1), ("critical", "soft", 2), ("critical", "hard", 3)
        ]  # fmt: skip
        assert "Connection refused" in http.output
        server.refresh_from_db()
        assert server.condition == "critical"
        assert len(mail.outbox) == 1
        alert = mail.outbox[0]
        assert (
            alert.subject
            == "[CentOS mirrors] ** PROBLEM Service Alert: www.example.org/HTTP is CRITICAL **"
        )
        assert alert.to == ["infra@example.org"] and "Connection refused" in alert.body

        http = check(http, django_capture_on_commit_callbacks)  # still down: no new email
        assert (http.state_type, len(mail.outbox)) == ("hard", 1)

        web.start()
        http = check(http, django_capture_on_commit_callbacks)
        assert (http.state, http.state_type, http.attempt) == ("ok", "hard", 1)
        assert mail.outbox[1].subject.startswith("[CentOS mirrors] ** RECOVERY Service Alert")
        history = list(http.results.order_by("checked_at", "pk").values_list("state", "state_type"))
        assert history == [("ok", "hard")] + [("critical", "soft")] * 2 + [
            ("critical", "hard")
        ] * 2 + [("ok", "hard")]  # fmt: skip
        assert http.results.filter(hard_change=True).count() == 2


def test_dns_tcp_smtp_and_rsync_modules(tmp_path, django_capture_on_commit_callbacks):
    for plugin in ("check_dig", "check_tcp", "check_smtp"):
        need(f"{PLUGINS}/{plugin}")
    need("dig")
    with (
        dns_server("127.0.0.3", {"ns1.example.org": "192.0.2.53"}) as dns_port,
        tcp_listener("127.0.0.4") as tcp_port,
        smtp_server("127.0.0.5") as smtp_port,
        rsync_daemon(tmp_path, "127.0.0.6") as rsync_port,
    ):
        ns = server_with("ns1.example.org", "127.0.0.3", ["dns"])
        lists = server_with("lists.example.org", "127.0.0.5", ["mailman"])
        master = server_with("master.example.org", "127.0.0.6", ["mirror-master"])
        ServerService.objects.filter(server=ns, name="DNS").update(
            arguments={"port": dns_port, "expect": "192.0.2.53"}
        )
        ServerService.objects.filter(server=lists, name="SMTP").update(
            arguments={"port": smtp_port}
        )
        # The port check points at the plain listener; the listing at the rsync daemon.
        tcp = ServerService.objects.get(server=master, name="rsync")
        tcp.arguments = {"port": tcp_port, "address": "127.0.0.4"}
        tcp.save()
        modules = ServerService.objects.get(server=master, name="rsync modules")
        modules.arguments = {"port": rsync_port, "module": "centos", "address": "127.0.0.6"}
        modules.save()

        dns = check(ns.services.get(name="DNS"), django_capture_on_commit_callbacks)
        assert dns.state == "ok", dns.output
        assert dns.output.startswith("DNS OK") and "192.0.2.53" in dns.output
        smtp = check(lists.services.get(name="SMTP"), django_capture_on_commit_callbacks)
        assert smtp.state == "ok" and smtp.output.startswith("SMTP OK"), smtp.output
        assert any(p["label"] == "time" for p in smtp.perfdata)
        tcp = check(tcp, django_capture_on_commit_callbacks)
        assert tcp.state == "ok" and tcp.output.startswith("TCP OK"), tcp.output
        modules = check(modules, django_capture_on_commit_callbacks)
        assert modules.state == "ok", modules.output
        assert modules.output.startswith("RSYNC OK - 2 modules listed")
        assert modules.long_output.split() == ["centos", "centos-vault"]
        assert {p["label"]: p["value"] for p in modules.perfdata}["modules"] == 2.0

        ServerService.objects.filter(pk=modules.pk).update(
            arguments={"port": rsync_port, "module": "fedora", "address": "127.0.0.6"}
        )
        missing = check(modules, django_capture_on_commit_callbacks)
        assert missing.state == "critical" and "module 'fedora' is not listed" in missing.output


CUSTOM = """#!/bin/sh
echo "QUEUE WARNING - $2 jobs waiting | jobs=$2;10;50;0; 'oldest job'=75s;60;300
build01 stuck
build02 stuck | builders=2;;;0;8"
exit 1
"""


def test_a_plugin_named_in_settings_runs_without_code(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    script = tmp_path / "check_queue"
    script.write_text(CUSTOM)
    script.chmod(0o755)
    settings.SERVER_CHECK_PLUGINS = {
        **settings.SERVER_CHECK_PLUGINS,
        "queue": {"label": "Build queue", "command": [str(script), "-w", "{jobs}"]},
    }
    settings.SERVER_CHECK_ROLES = {**settings.SERVER_CHECK_ROLES, "build-master": ["queue"]}
    build = server_with("build.example.org", "127.0.0.7", ["build-master"])
    service = build.services.get(name="Build queue")
    service.arguments = {"jobs": 17}
    service.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert services_run_due() == {"checked": 1, "stale": 0}
    service.refresh_from_db()
    assert (service.state, service.state_type) == ("warning", "soft")
    assert service.output == "QUEUE WARNING - 17 jobs waiting"
    assert service.long_output == "build01 stuck\nbuild02 stuck"
    keys = ("label", "value", "uom", "warn", "crit", "min", "max")
    assert [tuple(p[k] for k in keys) for p in service.perfdata] == [
        ("jobs", 17.0, "", "10", "50", 0.0, None),
        ("oldest job", 75.0, "s", "60", "300", None, None),
        ("builders", 2.0, "", "", "", 0.0, 8.0),
    ]
    # Not due again until its retry interval: a second round runs nothing.
    assert services_run_due() == {"checked": 0, "stale": 0}


def test_a_hung_plugin_is_killed_and_unknown(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    script = tmp_path / "check_hang"
    script.write_text("#!/bin/sh\nsleep 30 &\nsleep 30\n")
    script.chmod(0o755)
    settings.SERVER_CHECK_TIMEOUT = 0
    settings.SERVER_CHECK_PLUGINS = {"hang": {"label": "Hang", "command": [str(script)]}}
    settings.SERVER_CHECK_ROLES = {"vault": ["hang"]}
    vault = server_with("vault.example.org", "127.0.0.8", ["vault"])
    hang = check(vault.services.get(name="Hang"), django_capture_on_commit_callbacks)
    assert (hang.state, hang.state_type) == ("unknown", "soft")
    assert hang.output == "UNKNOWN - plugin timed out after 2 s"
    assert hang.results.get().duration_ms < 4000


def test_checkservers_runs_a_round_in_the_foreground(capsys):
    need(f"{PLUGINS}/check_http")
    with web_server("127.0.0.9") as web:
        server = server_with("wiki.example.org", web.host, ["wiki"])
        ServerService.objects.filter(server=server, name="HTTP").update(
            arguments={"port": web.port}
        )
        ServerService.objects.filter(server=server, name="HTTPS").update(enabled=False)
        call_command("checkservers", "wiki.example.org")
    out = capsys.readouterr().out
    assert "wiki.example.org" in out and "HTTP " in out and "OK       HARD 1/3  HTTP OK" in out
    assert "1 checks run" in out


def test_a_server_the_policy_forbids_is_not_probed(settings, django_capture_on_commit_callbacks):
    settings.MIRROR_CHECK_ALLOW_NETWORKS = []
    server = server_with("www.example.org", "127.0.0.2", ["website"])
    http = check(server.services.get(name="HTTP"), django_capture_on_commit_callbacks)
    assert http.state == "unknown" and "not an address the checks may probe" in http.output
