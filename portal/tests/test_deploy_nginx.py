"""The tested configuration in deploy/: nginx's site in front of the portal under granian,
started as the systemd unit starts it (DEBUG=False, the demo data, 127.0.0.1 only), asked by
curl; the Celery units' commands start a real worker and beat; the Procfile says the same."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .deployment import (
    ROOT,
    free_port,
    manage,
    production_env,
    require_binary,
    stop,
    wait_for_port,
)

DEPLOY = ROOT / "deploy"
HOST = "portal.example.org"
MIRRORLIST = "/mirrorlist?release=5&repo=os&arch=x86_64"
pytestmark = [pytest.mark.timeout(300)]


def unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / name)
    return parser["Service"]


def unit_commands(name: str, key: str, **replace: str) -> list[list[str]]:
    """The unit's commands (ExecStartPre may repeat: configparser keeps the last, so read the
    file), run from this checkout: its interpreter for /srv/portal/.venv/bin/python."""
    found = []
    for line in (DEPLOY / name).read_text().splitlines():
        if line.startswith(key + "="):
            command = line.split("=", 1)[1].replace("/srv/portal/.venv/bin/python", sys.executable)
            for old, new in replace.items():
                command = command.replace(old, new)
            found.append(shlex.split(command.replace("%%", "%")))
    return found


def curl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603  (our own arguments)
        [require_binary("curl"), "-sS", "--max-time", "20", *args],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip


def head_and_body(result: subprocess.CompletedProcess) -> tuple[int, dict, str]:
    head, _, body = result.stdout.partition("\n\n")  # text mode: \r\n read as \n
    lines = head.splitlines()
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    return int(lines[0].split()[1]), headers, body


@pytest.fixture(scope="module")
def stack(tmp_path_factory, collected_static):
    """PostgreSQL or a fresh SQLite file with the demo data; granian from the web unit on a
    free port; nginx from the site file with ports, paths and a trustme certificate."""
    import trustme

    nginx = require_binary("nginx")
    tmp = tmp_path_factory.mktemp("deploy")
    media = tmp / "media"
    (media / "sponsors").mkdir(parents=True)
    (media / "sponsors" / "logo.txt").write_text("a sponsor's logo\n")
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp / 'portal.sqlite3'}",
        STATIC_ROOT=str(collected_static),
        MEDIA_ROOT=str(media),
        ALLOWED_HOSTS=f"{HOST},127.0.0.1",
        DELIVERY_SNAPSHOT_CACHE=str(tmp / "snapshot.json"),
        CELERY_BROKER_URL="redis://127.0.0.1:6379/2",
        MIRROR_CHECK_PERIODIC="False",
        SERVER_CHECK_PERIODIC="False",
        TRAFFIC_POLL_PERIODIC="False",
        MIRROR_HEALTH_ENABLED="False",
        METRICS_DIR=str(tmp / "metrics"),
    )
    for args in (("migrate", "--noinput"), ("loaddemo",)):
        done = manage(*args, env={**env, "DEBUG": "True"}, timeout=240)
        assert done.returncode == 0, done.stdout + done.stderr
    web_port, http_port, https_port = free_port(), free_port(), free_port()
    for command in unit_commands("portal-web.service", "ExecStartPre"):
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
        assert done.returncode == 0, done.stdout + done.stderr
    [command] = unit_commands("portal-web.service", "ExecStart", **{"8000": str(web_port)})
    web = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,  # noqa: S603
                           stderr=subprocess.STDOUT, text=True)  # fmt: skip

    ca = trustme.CA()
    cert = ca.issue_cert(HOST)
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp / "tls.pem"))
    ca.cert_pem.write_to_path(str(tmp / "ca.pem"))
    site = (DEPLOY / "nginx-portal.conf").read_text()
    for old, new in {
        "127.0.0.1:8000": f"127.0.0.1:{web_port}",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        f"/etc/letsencrypt/live/{HOST}/fullchain.pem": str(tmp / "tls.pem"),
        f"/etc/letsencrypt/live/{HOST}/privkey.pem": str(tmp / "tls.pem"),
        "/srv/portal/staticfiles/": f"{collected_static}/",
        "/srv/portal/var/media/": f"{media}/",
    }.items():
        assert old in site, old
        site = site.replace(old, new)
    (tmp / "portal.conf").write_text(site)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {tmp}/nginx.pid;\n"
        f"error_log {tmp}/nginx-error.log warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log {tmp}/access.log;\n"
        f"  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;\n"
        f"  fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi;"
        f" scgi_temp_path {tmp}/scgi;\n  include {tmp}/portal.conf;\n}}\n"
    )
    checked = subprocess.run([nginx, "-t", "-c", str(conf), "-p", str(tmp)],  # noqa: S603
                             capture_output=True, text=True, timeout=30)  # fmt: skip
    front = subprocess.Popen(  # noqa: S603
        [nginx, "-c", str(conf), "-p", str(tmp)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        wait_for_port(web_port, web, seconds=90)
        wait_for_port(https_port, front)
        yield {
            "tmp": tmp, "env": env, "nginx_t": checked, "static": collected_static,
            "web": f"http://127.0.0.1:{web_port}", "http": f"http://127.0.0.1:{http_port}",
            "https": f"https://{HOST}:{https_port}",
            "tls": ["--resolve", f"{HOST}:{https_port}:127.0.0.1", "--cacert", str(tmp / "ca.pem")],
        }  # fmt: skip
    finally:
        stop(front)
        stop(web)


def test_nginx_accepts_the_site(stack):
    assert stack["nginx_t"].returncode == 0, stack["nginx_t"].stderr
    assert "syntax is ok" in stack["nginx_t"].stderr


def test_a_page_through_nginx_over_https_with_debug_off(stack):
    status, headers, body = head_and_body(curl("-i", *stack["tls"], stack["https"] + "/servers/"))
    assert status == 200, body[:500]  # the proxy's X-Forwarded-Proto is believed: no 301
    assert "strict-transport-security" in headers
    found = re.search(r"/static/css/portal\.[0-9a-f]{12}\.css", body)
    assert found, body[:1000]
    css = found.group(0)
    status, headers, _ = head_and_body(curl("-i", *stack["tls"], stack["https"] + css))
    assert status == 200 and headers["cache-control"] == "public, max-age=31536000, immutable"


def test_static_and_media_are_served_by_nginx(stack):
    # A file the web server never indexed (written after it started): only nginx has it.
    (stack["static"] / "probe.txt").write_text("served by nginx\n")
    answer = curl(*stack["tls"], stack["https"] + "/static/probe.txt")
    assert answer.stdout == "served by nginx\n"
    direct = curl("-o", "/dev/null", "-w", "%{http_code}", stack["web"] + "/static/probe.txt",
                  "-H", "X-Forwarded-Proto: https", "-H", f"Host: {HOST}")  # fmt: skip
    assert direct.stdout == "404"
    status, headers, body = head_and_body(
        curl("-i", *stack["tls"], stack["https"] + "/media/sponsors/logo.txt")
    )
    assert (status, body) == (200, "a sponsor's logo\n")
    assert "sandbox" in headers["content-security-policy"]


def test_plain_http_moves_to_https_but_yum_is_answered(stack):
    moved = curl("-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                 stack["http"] + "/servers/", "-H", f"Host: {HOST}")  # fmt: skip
    assert moved.stdout == f"301 https://{HOST}/servers/"
    status, headers, body = head_and_body(curl("-i", stack["http"] + MIRRORLIST))
    assert status == 200 and headers["content-type"].startswith("text/plain")
    urls = body.split()
    assert len(urls) == 10 and all(u.startswith(("http://", "https://")) for u in urls)


def test_the_client_address_and_scheme_come_from_nginx(stack):
    # From 127.0.0.2 (not a trusted proxy) through nginx: the portal sees 127.0.0.2, not the
    # address the client claims; straight to granian its X-Forwarded-Proto is not believed.
    whereami = curl("--interface", "127.0.0.2", *stack["tls"], "-H", "X-Forwarded-For: 203.0.113.9",
                    stack["https"] + "/api/v1/delivery/whereami/")  # fmt: skip
    assert '"ip":"127.0.0.2"' in whereami.stdout.replace(" ", ""), whereami.stdout
    spoofed = curl("--interface", "127.0.0.2", "-o", "/dev/null", "-w", "%{http_code}",
                   "-H", "X-Forwarded-Proto: https", "-H", f"Host: {HOST}",
                   stack["web"] + "/servers/")  # fmt: skip
    assert spoofed.stdout == "301"


@pytest.mark.parametrize("name", ["portal-worker.service", "portal-beat.service"])
def test_the_celery_units_start_and_restart_on_failure(stack, name):
    assert unit(name)["Restart"] == "on-failure"
    for pre in unit_commands(name, "ExecStartPre"):
        done = subprocess.run(pre, cwd=ROOT, env=stack["env"], capture_output=True, text=True)  # noqa: S603
        assert done.returncode == 0, done.stderr
    [command] = unit_commands(name, "ExecStart")
    process = subprocess.Popen(  # noqa: S603
        command, cwd=ROOT, env=stack["env"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    ready = "ready." if "worker" in name else "beat: Starting..."
    deadline, log = time.monotonic() + 60, []
    try:
        os.set_blocking(process.stdout.fileno(), False)
        while time.monotonic() < deadline and not any(ready in line for line in log):
            assert process.poll() is None, "".join(log)
            log += process.stdout.readlines()
            time.sleep(0.2)
    finally:
        os.set_blocking(process.stdout.fileno(), True)
        log.append(stop(process))
    assert any(ready in line for line in log), "".join(log)


def test_the_web_unit_and_the_procfile(stack):
    assert unit("portal-web.service")["Restart"] == "on-failure"
    procfile = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )  # fmt: skip
    assert set(procfile) == {"web", "worker", "beat"}  # exactly one beat
    assert procfile["web"].index("collectstatic") < procfile["web"].index("granian")


def test_systemd_accepts_the_units(tmp_path):
    """`systemd-analyze verify` on the units as installed here (this checkout for /srv/portal,
    root for the portal user): unknown keys and missing programs are errors."""
    analyze = require_binary("systemd-analyze")
    python = str(Path(sys.executable))
    for path in [*DEPLOY.glob("*.service"), *DEPLOY.glob("*.timer")]:
        text = path.read_text().replace("/srv/portal/.venv/bin/python", python)
        text = text.replace("/srv/portal", str(ROOT)).replace("=portal\n", "=root\n")
        text = text.replace("EnvironmentFile=/etc/portal/env", "EnvironmentFile=-/etc/portal/env")
        (tmp_path / path.name).write_text(text)
    units = sorted(str(p) for p in tmp_path.iterdir())
    assert len(units) == 5  # web, worker, beat, and the backup's service and timer
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True,  # noqa: S603
                            timeout=60)  # fmt: skip
    assert result.returncode == 0 and result.stderr == "", result.stderr
