"""runportal keeps its Celery worker and beat alive: one that dies (a Redis outage used to
end the worker for good) is started again, and the web server is not touched."""

import signal
import socket
import subprocess
import sys
import time

import pytest

from .deployment import ROOT, free_port, manage, production_env, stop, wait_for_port


def _children(psutil, parent_pid: int, word: str) -> list:
    """runportal's own processes whose command line holds `word` (celery's worker, beat)."""
    parent = psutil.Process(parent_pid)
    return [
        p for p in parent.children(recursive=True)
        if {"celery", word} <= set(p.cmdline()) and p.ppid() == parent_pid
    ]  # fmt: skip


def _wait_for(condition, seconds: float, what: str, log) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"{what} within {seconds:.0f} s; runportal said:\n{log.read_text()}")


def test_a_killed_worker_and_beat_are_started_again(tmp_path, collected_static):
    psutil = pytest.importorskip("psutil")
    env = production_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}", STATIC_ROOT=str(collected_static),
        ALLOWED_HOSTS="127.0.0.1", CELERY_BROKER_URL="memory://", MIRROR_CHECK_PERIODIC="False",
        SERVER_CHECK_PERIODIC="False", TRAFFIC_POLL_PERIODIC="False",
        MIRROR_HEALTH_ENABLED="False", DELIVERY_SNAPSHOT_CACHE=str(tmp_path / "snapshot.json"),
        METRICS_DIR=str(tmp_path / "metrics"),
    )  # fmt: skip
    assert manage("migrate", "--noinput", env=env).returncode == 0
    port, log_path = free_port(), tmp_path / "runportal.log"
    portal = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runportal", "--addr", f"127.0.0.1:{port}",
         "--web-workers", "1"],
        cwd=ROOT, env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(port, portal, seconds=120)
        for word, name in (("worker", "worker"), ("beat", "beat")):
            first = _wait_for(lambda w=word: _children(psutil, portal.pid, w), 60,
                              f"no celery {word} started", log_path)[0]  # fmt: skip
            first.send_signal(signal.SIGKILL)
            _wait_for(
                lambda n=name: f"{n} exited with -9; restarting." in log_path.read_text(),
                30, f"runportal did not notice the killed {name}", log_path,
            )  # fmt: skip
            again = _wait_for(
                lambda w=word, pid=first.pid: [
                    p for p in _children(psutil, portal.pid, w) if p.pid != pid
                ], 30, f"no new celery {word}", log_path,
            )  # fmt: skip
            assert again[0].is_running()
        assert portal.poll() is None, log_path.read_text()  # the web server kept serving
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # the web server still accepts
    finally:
        stop(portal)
