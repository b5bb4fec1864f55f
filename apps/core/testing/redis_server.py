"""A private redis-server for tests that stop and start Redis: the shared one on 6379 serves
other tests running at the same time, so it is never the one taken down."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from .ports import free_port
from .services import program_path


class RedisServer:
    """redis-server on 127.0.0.1:<port>, stopped and started on demand (no persistence)."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.folder = tempfile.mkdtemp(prefix="redis-outage-")

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        binary = program_path("redis-server", "apt-get install redis-server")
        self.process = subprocess.Popen(  # noqa: S603  (a fixed command)
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.folder],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_redis():
    """A started private Redis (`.stop()`, `.start()`, `.url(db)`), gone after the test."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()
