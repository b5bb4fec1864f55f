"""A worker that only serves the delivery paths never builds Django's request handler (its
middleware and URL conf): portal/wsgi.py builds it on the first request the front hands on,
and that request is answered as before."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from portal.tests.deployment import ROOT, manage, production_env

WORKER = """
import json, sys
from wsgiref.util import setup_testing_defaults
from portal.wsgi import application

def ask(path, query=""):
    environ = {"PATH_INFO": path, "QUERY_STRING": query, "HTTP_HOST": "portal.example.org",
               "REMOTE_ADDR": "127.0.0.1"}
    setup_testing_defaults(environ)
    answer = {}
    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)
    answer["body"] = b"".join(application(environ, start_response)).decode()
    return answer

def handler_loaded():
    return "django.core.handlers.wsgi" in sys.modules

seen = {"at_start": handler_loaded()}
seen["mirrorlist"] = ask("/mirrorlist", "release=5&arch=x86_64&repo=os&cc=GB")
seen["after_mirrorlist"] = handler_loaded()
seen["page"] = ask("/")
seen["after_page"] = handler_loaded()
print(json.dumps(seen))
"""


@pytest.mark.django_db
def test_delivery_worker_never_builds_django_handler(published, tmp_path):
    row, _ = published
    cache = tmp_path / "snapshot.json"
    cache.write_bytes(bytes(row.blob))
    env = production_env(
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        DELIVERY_SNAPSHOT_CACHE=str(cache),
        DELIVERY_POLL_SECONDS="0",
        SECURE_SSL_REDIRECT="False",
    )
    for command in (("migrate", "--verbosity", "0"), ("collectstatic", "--noinput", "-v", "0")):
        done = manage(*command, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
    done = subprocess.run(  # noqa: S603  (our own interpreter)
        [sys.executable, "-c", WORKER], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["mirrorlist"]["status"] == "200 OK"
    urls = seen["mirrorlist"]["body"].splitlines()
    assert urls and all(url.startswith(("http://", "https://", "ftp://")) for url in urls)
    assert not seen["at_start"] and not seen["after_mirrorlist"]
    assert seen["page"]["status"] == "200 OK"
    assert seen["page"]["headers"]["Content-Type"].startswith("text/html")
    assert "<html" in seen["page"]["body"]
    assert seen["after_page"]
