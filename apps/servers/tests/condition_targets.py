"""Real servers for the service checks to probe, each on its own 127.0.0.x address and an
ephemeral or free high port, started and always stopped by the test: HTTP (http.server in a
thread), DNS (Debian's dnsmasq), a TCP listener, SMTP (aiosmtpd) and an rsync daemon."""

from __future__ import annotations

import contextlib
import http.server
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

from apps.core.testing.ports import free_port
from apps.core.testing.services import program_path


def need(program: str) -> str:
    """The program's path, or a skip (a failure where REQUIRE_SERVICES is set, as in CI)."""
    if os.access(program, os.X_OK):
        return program
    return program_path(program, "CI installs it")


def wait_for_port(host: str, port: int, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listens on {host}:{port}")


class _Page(http.server.BaseHTTPRequestHandler):
    body = b"<html><body>The project's website</body></html>\n"

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


class WebServer:
    """A web server that can be stopped and started again on the same address and port."""

    def __init__(self, host: str = "127.0.0.2"):
        self.host, self.port = host, free_port(host)
        self.httpd = None

    def start(self) -> WebServer:
        self.httpd = http.server.ThreadingHTTPServer((self.host, self.port), _Page)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None


@contextlib.contextmanager
def web_server(host: str = "127.0.0.2"):
    server = WebServer(host).start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def process(argv: list[str], host: str, port: int, *, udp: bool = False):
    """A daemon run in the foreground, stopped at the end whatever happens."""
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if udp:
            time.sleep(0.3)  # dnsmasq binds at once; no connect to wait on for UDP
        else:
            wait_for_port(host, port)
        if child.poll() is not None:
            raise RuntimeError(f"{argv[0]} stopped: {child.stderr.read().decode()}")
        yield port
    finally:
        child.terminate()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        child.stderr.close()


@contextlib.contextmanager
def dns_server(host: str = "127.0.0.3", records: dict[str, str] | None = None):
    """dnsmasq answering only its host records, on UDP and TCP `port`."""
    dnsmasq = need("dnsmasq")
    port = free_port(host, socket.SOCK_DGRAM)
    argv = [dnsmasq, "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
            f"--port={port}", f"--listen-address={host}", "--bind-interfaces",
            "--pid-file=", "--user=root"]  # fmt: skip
    argv += [f"--host-record={name},{address}" for name, address in (records or {}).items()]
    with process(argv, host, port) as bound:
        yield bound


@contextlib.contextmanager
def tcp_listener(host: str = "127.0.0.4"):
    """A socket that accepts connections and closes them (check_tcp's healthy target)."""
    listener = socket.create_server((host, 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            with contextlib.suppress(OSError):
                connection, _ = listener.accept()
                connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        listener.close()


@contextlib.contextmanager
def smtp_server(host: str = "127.0.0.5"):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    controller = Controller(Sink(), hostname=host, port=free_port(host))
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@contextlib.contextmanager
def rsync_daemon(root: Path, host: str = "127.0.0.6", modules=("centos", "centos-vault")):
    """rsync --daemon in the foreground serving `modules` (read only) from `root`."""
    rsync = need("rsync")
    port = free_port(host)
    config = root / "rsyncd.conf"
    lines = ["use chroot = no", "read only = yes", f"pid file = {root / 'rsyncd.pid'}"]
    for module in modules:
        (root / module).mkdir(parents=True, exist_ok=True)
        lines += [f"[{module}]", f"path = {root / module}", f"comment = {module} tree"]
    config.write_text("\n".join(lines) + "\n")
    argv = [rsync, "--daemon", "--no-detach", f"--address={host}", f"--port={port}",
            f"--config={config}", f"--log-file={root / 'rsyncd.log'}"]  # fmt: skip
    with process(argv, host, port) as bound:
        yield bound
