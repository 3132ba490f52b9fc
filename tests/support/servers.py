"""Real server processes for multiprocess tests, on the committed test database.

The server is gunicorn unless `DX_TEST_SERVER=granian` (granian in WSGI mode, workers respawned
when they die) or a test asks for one by name; both serve `core.wsgi` with the given workers and
threads per worker (by default, gunicorn.conf.py's threads).
"""

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


SERVERS = ("gunicorn", "granian")


def server_name(server=None):
    """Return the server a test runs: `server`, else DX_TEST_SERVER, else gunicorn."""
    name = server or os.environ.get("DX_TEST_SERVER") or "gunicorn"
    if name not in SERVERS:
        pytest.fail(f"DX_TEST_SERVER={name!r} is not one of {SERVERS}")
    return name


def server_command(name, port, workers, threads):
    """Return the command line serving the project on `port` under server `name`."""
    bin_dir = Path(sys.executable).parent
    if name == "granian":
        return [
            str(bin_dir / "granian"), "--interface", "wsgi", "core.wsgi:application",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--blocking-threads", str(threads or 4), "--respawn-failed-workers",
            "--log-level", "error", "--no-access-log",
        ]  # fmt: skip
    command = [
        str(bin_dir / "gunicorn"), "core.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--log-level", "error",
    ]  # fmt: skip
    # None: gunicorn.conf.py's threads (it reads the file from its working directory).
    return command + (["--threads", str(threads)] if threads is not None else [])


def start_server(port, env, workers=1, threads=None, server=None):
    """Start a server (see `server_name`) serving the project on `port`; fail the test if it
    does not come up."""
    command = server_command(server_name(server), port, workers, threads)
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
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:  # the whole group has already exited (a test may check that)
        pass
    process.wait(timeout=20)
