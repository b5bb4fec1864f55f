"""manage.py runportal: the web server, a Celery worker and Celery beat, together.

For a laptop: Ctrl-C stops all three. A worker or beat that dies is started again; if the
web server dies, the others are stopped too.
"""

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

RESTART_SECONDS = 5.0


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="Where the web server listens."
        )

    def handle(self, *args, addr, **options):
        python = sys.executable
        var = settings.VAR_DIR
        # Beat reads its schedule from the database: make sure the periodic tasks exist.
        call_command("setupschedule", stdout=self.stdout)
        var.mkdir(parents=True, exist_ok=True)
        commands = {
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
            "worker": [python, "-m", "celery", "-A", "portal", "worker", "-l", "info",
                       "--concurrency", "2", "-n", "portal@%h"],
            "beat": [python, "-m", "celery", "-A", "portal", "beat", "-l", "info",
                     "--pidfile", str(var / "celerybeat.pid")],
        }  # fmt: skip
        processes = {}
        for name, command in commands.items():
            processes[name] = subprocess.Popen(command, cwd=settings.BASE_DIR)  # noqa: S603
        self.stdout.write(
            self.style.SUCCESS(
                f"Portal running on http://{addr}/ (web, worker, beat). Ctrl-C stops it."
            )
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
                            commands[name], cwd=settings.BASE_DIR
                        )
                        restarts[name] = now + RESTART_SECONDS
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
