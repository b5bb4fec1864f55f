"""manage.py runportal: the web server, a Celery worker and Celery beat, together.

For a laptop: Ctrl-C stops all three. A worker or beat that dies is started again; if the
web server dies, the others are stopped too. With DEBUG=False (one machine in production,
the Procfile's way) it first collects the static files, refuses to start with unapplied
migrations or a failing `check --deploy`, and serves through granian instead of runserver.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connections
from django.db.migrations.executor import MigrationExecutor

# What docs/delivery.md measured best on two cores (--blocking-threads 2).
GRANIAN = ["-m", "granian", "--interface", "wsgi", "--blocking-threads", "2", "--no-ws",
           "--no-access-log"]  # fmt: skip

RESTART_SECONDS = 5.0


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="Where the web server listens."
        )
        parser.add_argument(
            "--web-workers", type=int, default=2, help="granian's workers (DEBUG=False only)."
        )

    def handle(self, *args, addr, web_workers, **options):
        python = sys.executable
        var = settings.VAR_DIR
        web = [python, "manage.py", "runserver", addr, "--noreload"]
        if not settings.DEBUG:
            self._production_ready()
            host, _, port = addr.rpartition(":")
            web = [python, *GRANIAN, "--workers", str(web_workers), "--host", host.strip("[]"),
                   "--port", port, "portal.wsgi:application"]  # fmt: skip
        # Beat reads its schedule from the database: make sure the periodic tasks exist.
        call_command("setupschedule", stdout=self.stdout)
        var.mkdir(parents=True, exist_ok=True)
        commands = {
            "web": web,
            "worker": [python, "-m", "celery", "-A", "portal", "worker", "-l", "info",
                       "--concurrency", "2", "-n", "portal@%h"],
            "beat": [python, "-m", "celery", "-A", "portal", "beat", "-l", "info",
                     "--pidfile", str(var / "celerybeat.pid")],
        }  # fmt: skip
        processes = {}
        for name, command in commands.items():
            # Each in a session of its own, stopped as a whole: a granian stopped while its
            # workers start would otherwise leave them running, holding the port.
            processes[name] = subprocess.Popen(  # noqa: S603
                command, cwd=settings.BASE_DIR, start_new_session=True
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Portal running on http://{addr}/ (web, worker, beat). Ctrl-C stops it."
            )
        )

        if not settings.DEBUG and settings.SECURE_SSL_REDIRECT:
            self.stdout.write(
                "Plain HTTP is answered 301 to https (SECURE_SSL_REDIRECT): serve the portal "
                "behind a TLS proxy listed in TRUSTED_PROXIES (deploy/nginx-portal.conf)."
            )
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        restarts = dict.fromkeys(commands, 0.0)  # when each may be started again
        try:
            while not stopping:
                for name, process in list(processes.items()):
                    if process.poll() is None:
                        continue
                    if name == "web":
                        self.stderr.write(f"web exited with {process.returncode}; stopping.")
                        stopping = True
                        break
                    # A worker or beat that dies (say, Redis went away) is started again,
                    # at most every RESTART_SECONDS; what it was asked meanwhile waits in
                    # the outbox (apps.core.outbox).
                    now = time.monotonic()
                    if now >= restarts[name]:
                        self.stderr.write(f"{name} exited with {process.returncode}; restarting.")
                        processes[name] = subprocess.Popen(  # noqa: S603
                            commands[name], cwd=settings.BASE_DIR, start_new_session=True
                        )
                        restarts[name] = now + RESTART_SECONDS
                time.sleep(0.5)
        finally:
            for process in processes.values():
                _signal_group(process, signal.SIGTERM)
            deadline = time.monotonic() + 10
            for process in processes.values():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                _signal_group(process, signal.SIGKILL)  # whatever is left of it

    def _production_ready(self) -> None:
        """Collect the static files; refuse, in one line, unapplied migrations or an error
        from `check --deploy` (its warnings are printed and do not stop the start)."""
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Static files collected in {settings.STATIC_ROOT}.")
        try:
            executor = MigrationExecutor(connections["default"])
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except OperationalError as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise CommandError(f"The database does not answer: {reason}") from exc
        if pending:
            raise CommandError(
                f"{len(pending)} migrations are not applied: run `manage.py migrate` first."
            )
        call_command("check", deploy=True, fail_level="ERROR", stdout=self.stdout)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
        os.killpg(process.pid, signum)
