"""A real Celery worker in another process, for tests that need one: it consumes one
queue of its own and is stopped (its log kept) when the test is done."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

WORKER = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
from portal.celery import app
app.conf.task_default_queue = os.environ["TEST_QUEUE"]  # chunks follow the sweep's queue
beat = []
if os.environ.get("TEST_BEAT"):  # beat in the worker, from the database's schedule only
    app.conf.beat_schedule = {}
    beat = ["--beat", "--scheduler=django_celery_beat.schedulers:DatabaseScheduler"]
app.worker_main(["worker", "--pool=solo", "--loglevel=INFO", "-Q", os.environ["TEST_QUEUE"],
                 "--without-mingle", "--without-gossip", "--without-heartbeat", *beat])
"""


class Worker:
    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.log = ""

    def alive(self) -> bool:
        return self.process.poll() is None


@contextlib.contextmanager
def celery_worker(
    *, queue: str, broker: str, database_url: str, beat: bool = False, **env: str
):  # fmt: skip
    """Start a worker on `queue` with the given settings (as environment variables); with
    `beat`, Celery beat runs inside it and sends the database's periodic tasks (those of
    django-celery-beat, as `setupschedule` makes them) to that queue."""
    process = subprocess.Popen(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker,
            "TEST_QUEUE": queue,
            **({"TEST_BEAT": "1"} if beat else {}),
            **env,
        },  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    worker = Worker(process)
    try:
        yield worker
    finally:
        process.terminate()
        try:
            worker.log, _ = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            worker.log, _ = process.communicate()
