"""Helpers for the tests of a production deployment: the environment production runs with,
free ports, the tools a test drives (skipped on a laptop without them, a failure in CI)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from apps.core.testing.ports import free_port  # noqa: F401  (the deploy tests import it from here)
from apps.core.testing.services import program_path

ROOT = Path(__file__).resolve().parents[2]
REDIS_CACHE = "redis://127.0.0.1:6379/2"  # rate limits shared by every worker


def production_env(**extra) -> dict:
    """os.environ with production's settings (DEBUG=False) on top, then `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(
        DEBUG="False",
        SECRET_KEY="a-long-random-production-secret-" + "x7Qp2Lm9Zr4Tn8Vb3Kc6" * 2,
        ALLOWED_HOSTS="portal.example.org",
        DATABASE_URL="sqlite:////tmp/portal-deploy-check.sqlite3",
        CACHE_URL=REDIS_CACHE,
        TRUSTED_PROXIES="127.0.0.1,::1",
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def require_binary(name: str) -> str:
    return program_path(name, "apt-get install it; .ci/run does")


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60.0) -> None:
    """Until 127.0.0.1:port accepts a connection; fail with the process's output if it dies."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = process.stdout.read() if process.stdout else ""
            pytest.fail(f"the server exited with {process.returncode}:\n{out}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


def stop(process: subprocess.Popen) -> str:
    """Terminate, wait (kill after 15 s); the output it printed."""
    if process.poll() is None:
        process.terminate()
    try:
        out, _ = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out or ""
