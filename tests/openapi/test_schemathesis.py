"""Schemathesis against a live server on the demo configuration: no 500s, and every response
conforms to the schema the document gives for it (valid requests, as documented).

The server runs in its own process on its own temporary SQLite database (migrated, a small demo
catalogue, the demo endpoints imported), so the run is the same whichever database the suite uses;
it runs once, in the SQLite pass. `SCHEMATHESIS_ARGS` adds options (e.g. `--max-examples 50`).
"""

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from django.db import connection

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO_ENDPOINTS = ROOT / "dataexchange" / "demo" / "endpoints.json"
USER, PASSWORD = "schemathesis", "Schemathesis-pass-1!"
CHECKS = "not_a_server_error,response_schema_conformance"
# Positive data in the examples and fuzzing phases: about two minutes on the demo configuration.
# The coverage phase alone takes over ten minutes. Negative data (`--mode all`) still meets the
# engine's 500s on integers beyond 64 bits in ids, filters and paging (reported, not fixed here).
DEFAULT_ARGS = "--phases examples,fuzzing --mode positive --max-examples 6 --seed 20261127"
SCHEMATHESIS_TIMEOUT = 600


def manage(env, *args, **kwargs):
    """Run `manage.py` with `env`; fail with its output when it fails."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base, server, log, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            urllib.request.urlopen(f"{base}/api/schema/", timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the server at {base} did not start")


def access_token(base):
    """Return a bearer token from `POST /token` (password grant)."""
    body = urllib.parse.urlencode(
        {"grant_type": "password", "username": USER, "password": PASSWORD}
    ).encode()
    with urllib.request.urlopen(f"{base}/token", data=body, timeout=30) as response:
        return json.load(response)["access_token"]


def fetch_document(base, token, target):
    request = urllib.request.Request(
        f"{base}/api/schema/?format=json", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        target.write_bytes(response.read())


@pytest.fixture
def live_server_env(tmp_path):
    """Prepare a migrated temporary database with demo data, endpoints and a superuser."""
    if connection.vendor != "sqlite":
        pytest.skip("runs once, in the SQLite pass: the server uses its own SQLite database")
    if not DEMO_ENDPOINTS.exists():
        pytest.skip("no demo endpoint configuration")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'schemathesis.sqlite3'}",
        "DEBUG": "1",
        "DATA_EXCHANGE_RATE_USER": "",
        "DATA_EXCHANGE_RATE_API_KEY": "",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DX_TEST_DB_NAME", None)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_demo", "--products", "20", "--quiet")
    manage(env, "import_endpoints", str(DEMO_ENDPOINTS))
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_superuser({USER!r}, 'st@example.com', {PASSWORD!r})",
    )
    return env


@pytest.mark.multiprocess
def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server_env, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    with log.open("w") as output:  # a file, not a pipe: nobody reads it while the run goes on
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=live_server_env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(base, server, log)
        token = access_token(base)
        schema = tmp_path / "schema.json"
        fetch_document(base, token, schema)
        result = run_schemathesis(schema, base, token, tmp_path)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]


def run_schemathesis(schema, base, token, tmp_path):
    """Run the schemathesis CLI on every operation but /token (its throttles guard logins)."""
    args = shlex.split(os.environ.get("SCHEMATHESIS_ARGS", DEFAULT_ARGS))
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        str(schema),
        "--url",
        base,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--exclude-path",
        "/token",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-shrink",
        "--continue-on-failure",
        "--suppress-health-check",  # they judge data generation, not the API
        "all",
        *args,
    ]
    return subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=SCHEMATHESIS_TIMEOUT,
        env={**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_TELEMETRY": "false"},
    )
