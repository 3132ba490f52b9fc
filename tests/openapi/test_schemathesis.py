"""The bounded schemathesis run of CI: the document describes the API the server runs.

A live server on the demo configuration (in its own process, on its own temporary SQLite
database: migrated, a small demo catalogue, the demo endpoints) is tested with every check of
schemathesis, in positive and negative mode, in two phases: `examples` on every operation but
`/token` (whose throttles guard logins), and `coverage` on the operations of `countries`
(deletable, with a relation) and `currencies` (not deletable: DELETE is undocumented there).
Batch, page and delete limits are lowered so that boundary cases stay small; the run takes about
three minutes and runs once per `make test`, in the SQLite pass.

A failure fails the test unless `accepted_reason` explains it by the state of the data
(duplicates, missing rows) or by a documented Spryker-compatible choice (docs/openapi.md).
`SCHEMATHESIS_ARGS` replaces the phase options (e.g. `--phases coverage`) of both runs.
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

from tests.openapi.schemathesis_failures import Failure, accepted_reason, read_failures

ROOT = Path(__file__).resolve().parents[2]
DEMO_ENDPOINTS = ROOT / "dataexchange" / "demo" / "endpoints.json"
USER, PASSWORD = "schemathesis", "Schemathesis-pass-1!"
# Every operation through its examples; every case of the coverage phase on two endpoints.
RUNS = {
    "examples": ["--phases", "examples"],
    "coverage": [
        "--phases",
        "coverage",
        "--include-path-regex",
        r"^/dynamic-entity/(countries|currencies)(/|$)",
    ],
}
SCHEMATHESIS_TIMEOUT = 600
# Small limits keep the boundary cases (a batch of `maxItems` items) fast.
LIMITS = "max_batch_size=3, max_page_limit=20, max_delete_rows=5"


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
        f"from dataexchange.models import Endpoint; Endpoint.objects.update({LIMITS})",
    )
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_superuser({USER!r}, 'st@example.com', {PASSWORD!r})",
    )
    return env


@pytest.mark.multiprocess
def test_schemathesis_finds_the_document_exact(live_server_env, tmp_path):
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
        results = {
            name: run_schemathesis(schema, base, token, tmp_path / name, args)
            for name, args in RUNS.items()
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    problems = []
    for name, (result, failures) in results.items():
        assert "Test cases:" in result.stdout, result.stdout[-5000:] + result.stderr[-5000:]
        problems += [f"{name}: {failure}" for failure in failures if not accepted_reason(failure)]
    assert not problems, "\n".join(problems[:40])


def run_schemathesis(schema, base, token, report_dir, args, timeout=SCHEMATHESIS_TIMEOUT):
    """Run the schemathesis CLI; return its result and the failures of its NDJSON report."""
    if "SCHEMATHESIS_ARGS" in os.environ:
        args = shlex.split(os.environ["SCHEMATHESIS_ARGS"])
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        str(schema),
        "--url",
        base,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--mode",
        "all",
        "--exclude-path",
        "/token",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-shrink",
        "--continue-on-failure",
        "--seed",
        "20261203",
        "--suppress-health-check",  # they judge data generation, not the API
        "all",
        "--report",
        "ndjson",
        "--report-dir",
        str(report_dir),
        *args,
    ]
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "SCHEMATHESIS_TELEMETRY": "false",
        "SCHEMATHESIS_HOOKS": "tests.openapi.schemathesis_hooks",
        "PYTHONPATH": str(ROOT),
    }
    # In a directory of its own: schemathesis keeps (and replays) a cache of crashes where it runs.
    result = subprocess.run(
        command,
        cwd=report_dir.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    reports = sorted(report_dir.glob("*.ndjson"))
    return result, [failure for report in reports for failure in read_failures(report)]


def test_the_media_type_of_a_fuzzed_case_is_its_content_type_header():
    from tests.openapi.schemathesis_failures import content_type

    request = {"request": {"headers": {"Content-Type": ["text/csv; charset=utf-8"]}}}
    assert content_type(request) == "text/csv"
    assert content_type({"request": {"headers": {}}}) is None


def test_hook_knows_the_documented_idempotency_key_pattern():
    from dataexchange.openapi.parameters import IDEMPOTENCY_KEY_PATTERN, IF_MATCH_PATTERN
    from tests.openapi import schemathesis_failures, schemathesis_hooks

    assert schemathesis_hooks.IDEMPOTENCY_KEY_PATTERN == IDEMPOTENCY_KEY_PATTERN
    assert schemathesis_failures.HEADER_PATTERNS == {
        "if-match": IF_MATCH_PATTERN,
        "idempotency-key": IDEMPOTENCY_KEY_PATTERN,
    }


def failure(check="positive_data_acceptance", **fields):
    values = dict(title="", operation="POST /dynamic-entity/countries", message="", method="POST")
    return Failure(check=check, **{"status": 400, **values, **fields})


@pytest.mark.parametrize(
    "case, accepted",
    [
        (failure(codes=frozenset({"1309"})), True),
        (failure(codes=frozenset({"1302"}), messages=("... Field must not be null.",)), False),
        (failure(codes=frozenset({"1302"}), messages=("Failed to persist ...",)), True),
        (failure(codes=frozenset({"1302", "1308"}), messages=("Failed ...", "Entity ...")), True),
        (failure(codes=frozenset({"1301"})), False),
        (failure(codes=frozenset({"1301"}), media_type="text/csv"), True),
        (failure(codes=frozenset({"1410"}), headers={"if-match": '"0123456789abcdef"'}), False),
        (failure(codes=frozenset({"1410"}), headers={"if-match": "0"}), True),
        (failure("unsupported_method", status=404, codes=frozenset({"007"})), True),
        (failure("unsupported_method", status=405, codes=frozenset({"1318"})), False),
        (failure("negative_data_rejection", status=200, message="parameter `page[limit]`"), True),
        (failure("negative_data_rejection", status=200, message="parameter `X-Dry-Run`"), False),
        (failure("negative_data_rejection", status=200, query={"fields": [""]}), True),
        (failure("negative_data_rejection", status=200, query={"sort": "qty,"}), True),
        (failure("negative_data_rejection", status=200, query={"sort": ["nope"]}), False),
        (failure(status=412, codes=frozenset({"1407"})), True),
        (failure(method="DELETE", codes=frozenset({"1317"})), True),
        (failure("negative_data_rejection", status=200, query={"include": [""]}), True),
        (failure("negative_data_rejection", status=413, codes=frozenset({"1401"})), True),
        (failure("response_schema_conformance", status=200), False),
        (failure("not_a_server_error", status=500), False),
    ],
)
def test_only_state_and_documented_choices_are_accepted(case, accepted):
    assert (accepted_reason(case) is not None) is accepted
