"""Production settings: Django's deployment checks, the static files' manifest (refused when
missing, re-read when collected while running), settings that no longer exist, the https
redirect and X-Forwarded-Proto only from TRUSTED_PROXIES, and runportal's production start."""

import shutil
import signal
import subprocess
import sys
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client

from .deployment import ROOT, free_port, manage, production_env, stop

GRANIAN = [sys.executable, "-m", "granian", "--interface", "wsgi", "--workers", "1", "--no-ws"]


def test_check_deploy_is_clean(collected_static):
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    env=production_env(STATIC_ROOT=str(collected_static)))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_collected_static(tmp_path):
    result = manage("check", "--deploy", env=production_env(STATIC_ROOT=str(tmp_path)))
    assert result.returncode == 1
    assert "(core.E001) Static files are not collected" in result.stderr
    assert "manage.py collectstatic --noinput" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    env.pop("SECRET_KEY")
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_setting_that_no_longer_exists_is_reported_at_start(collected_static):
    env = production_env(STATIC_ROOT=str(collected_static), MASTER_URL="http://m.example.org/")
    result = manage("check", "--deploy", env=env)
    assert result.returncode == 0  # a warning: the portal runs, and says so
    assert "(core.W001) MASTER_URL is set in the environment but the portal no longer reads" in (
        result.stderr
    )
    assert "manage.py setmaster URL" in result.stderr


def test_tls_is_expected_from_a_trusted_proxy(collected_static):
    env = production_env(STATIC_ROOT=str(collected_static), TRUSTED_PROXIES="")
    result = manage("check", "--deploy", env=env)
    assert "(core.W002) SECURE_SSL_REDIRECT is on and TRUSTED_PROXIES is empty" in result.stderr
    env["SECURE_SSL_REDIRECT"] = "False"  # granian serving TLS itself
    assert "core.W002" not in manage("check", "--deploy", env=env).stderr


def test_the_web_server_refuses_to_start_without_collected_static(tmp_path):
    env = production_env(STATIC_ROOT=str(tmp_path / "empty"))
    result = subprocess.run(  # noqa: S603
        [*GRANIAN, "--host", "127.0.0.1", "--port", "0", "portal.wsgi:application"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "Static files" in line]
    assert lines and lines[0].startswith("Static files are not collected ("), result.stderr


@pytest.fixture
def production_pages(settings, tmp_path):
    """This process renders pages as production does: through the manifest storage."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "apps.core.staticfiles.ManifestStorage"},
    }
    return settings.STATIC_ROOT


@pytest.mark.django_db
def test_static_collected_while_running_needs_no_restart(production_pages, collected_static):
    browser = Client(raise_request_exception=False)
    assert browser.get("/").status_code == 500  # no manifest: the state wsgi.py refuses
    shutil.copytree(collected_static, production_pages)
    page = browser.get("/")
    assert page.status_code == 200
    assert b"/static/css/portal." in page.content and b"/static/css/portal.css" not in page.content


@pytest.fixture
def behind_a_proxy(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["10.0.0.1"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("peer", "proto", "code"),
    [
        ("10.0.0.1", "https", 200),  # the TLS proxy says the client used https
        ("10.0.0.1", "http", 301),  # the proxy says plain http: to https
        ("192.0.2.5", "https", 301),  # anyone else's header is not believed
        ("192.0.2.5", None, 301),  # no proxy at all: the explicit redirect
    ],
)
def test_x_forwarded_proto_only_from_trusted_proxies(behind_a_proxy, peer, proto, code):
    headers = {"HTTP_X_FORWARDED_PROTO": proto} if proto else {}
    answer = Client().get("/servers/", REMOTE_ADDR=peer, **headers)
    assert answer.status_code == code
    if code == 301:
        assert answer["Location"] == "https://testserver/servers/"


@pytest.mark.django_db
def test_without_the_redirect_plain_http_is_served(settings):
    settings.SECURE_SSL_REDIRECT = False
    assert Client().get("/servers/", REMOTE_ADDR="192.0.2.5").status_code == 200


def test_runportal_in_production_collects_static_and_refuses_unapplied_migrations(tmp_path):
    env = production_env(STATIC_ROOT=str(tmp_path / "static"),
                         DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}")  # fmt: skip
    result = manage("runportal", "--addr", "127.0.0.1:0", env=env)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith("migrations are not applied: run `manage.py migrate` first.")
    )
    assert (tmp_path / "static" / "staticfiles.json").is_file()


@pytest.mark.django_db
def test_behind_a_proxy_the_log_in_limit_counts_each_client(behind_a_proxy, settings):
    """Every request comes from nginx's address: the limit must count the forwarded client,
    or one stranger's wrong passwords would lock every visitor out."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}
    cache.clear()
    user = get_user_model().objects.create_user("vol", "vol@example.org", "pw-9-correct-horse")
    user.emailaddress_set.create(email="vol@example.org", verified=True, primary=True)
    browser = Client()

    def refused(client_ip: str) -> bool:
        answer = browser.post(
            "/accounts/login/", {"login": "vol@example.org", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=client_ip,
            HTTP_X_FORWARDED_PROTO="https", secure=True,
        )  # fmt: skip
        assert answer.status_code == 200
        return "Too many failed login attempts" in answer.content.decode()

    assert [refused("198.51.100.7") for _ in range(4)] == [False, False, False, True]
    assert not refused("203.0.113.50")  # another visitor, through the same proxy
    cache.clear()


def test_runportal_stopped_while_starting_leaves_nothing_running(tmp_path, collected_static):
    """Ctrl-C while granian's workers start: everything runportal started stops with it
    (a granian stopped at that moment used to leave its workers holding the port)."""
    psutil = pytest.importorskip("psutil")
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}", STATIC_ROOT=str(collected_static),
        ALLOWED_HOSTS="127.0.0.1", CELERY_BROKER_URL="memory://", MIRROR_CHECK_PERIODIC="False",
        SERVER_CHECK_PERIODIC="False", TRAFFIC_POLL_PERIODIC="False",
        MIRROR_HEALTH_ENABLED="False", DELIVERY_SNAPSHOT_CACHE=str(tmp_path / "snapshot.json"),
        METRICS_DIR=str(tmp_path / "metrics"),
    )  # fmt: skip
    assert manage("migrate", "--noinput", env=env).returncode == 0
    port, log = free_port(), (tmp_path / "runportal.log").open("w")
    portal = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runportal", "--addr", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while "Spawning worker-2" not in (tmp_path / "runportal.log").read_text():
            assert portal.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        portal.send_signal(signal.SIGINT)  # while granian's workers start
        portal.wait(timeout=60)
    finally:
        stop(portal)
    mine = str(port)
    left = [p for p in psutil.process_iter(["cmdline"]) if mine in (p.info["cmdline"] or [])]
    for process in left:  # ours: don't leave them to the next test
        process.kill()
    assert [p.info["cmdline"] for p in left] == [], (tmp_path / "runportal.log").read_text()


def test_runportal_in_production_says_when_the_database_does_not_answer(tmp_path):
    nowhere = f"postgres://portal@127.0.0.1:{free_port()}/portal"  # nothing listens there
    env = production_env(STATIC_ROOT=str(tmp_path / "static"), DATABASE_URL=nowhere)
    result = manage("runportal", env=env)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("CommandError: The database does not answer: connection to server at")
    ), result.stderr
