"""Real server processes for multiprocess tests: gunicorn on the committed test database."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

import pytest

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    """Return a DATABASE_URL naming the test database this process uses."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        name = settings["NAME"]
        if "memory" in str(name):
            pytest.fail("SQLite test database is in memory; the multiprocess hook did not run")
        return f"sqlite:///{name}"
    scheme = "postgres" if connection.vendor == "postgresql" else "mysql"
    auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
    host = settings["HOST"] or "127.0.0.1"
    return f"{scheme}://{auth}@{host}:{settings['PORT']}/{settings['NAME']}"


def free_port():
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port, env, workers=1):
    """Start gunicorn serving the project on `port`; fail the test if it does not come up."""
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [
        gunicorn, "core.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--log-level", "error",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail(f"server on port {port} did not start")


def stop_server(process):
    """Stop a server started by `start_server` and wait for it."""
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)
