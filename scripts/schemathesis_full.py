"""Run schemathesis with every phase, positive and negative, against a live demo server.

The CI run (tests/openapi/test_schemathesis.py) is bounded to the examples phase everywhere and
the coverage phase on two endpoints; this one is for a maintainer who wants to know whether the
document still describes the server exactly: examples, coverage, fuzzing and stateful phases on
every operation but `/token`, in both modes, within a time budget, on the database of
`--database-url` (PostgreSQL by default). It prepares a fresh database the way the CI run does
(migrated, a small demo catalogue, the demo endpoints with lowered limits, a superuser), serves
it with `runserver` (DEBUG off, as deployed), and prints the failures grouped by what they are:
accepted by the CI rules (state of the data, documented Spryker-compatible choices) or not.

    .venv/bin/python scripts/schemathesis_full.py                      # PostgreSQL, 600 s
    .venv/bin/python scripts/schemathesis_full.py --max-time 120 \\
        --database-url mysql://root@127.0.0.1:3306/dx_schemathesis --phases examples,coverage

The database named in the URL is dropped and created again (never point it at real data).
Exit status: 0 when every failure is accepted, 1 otherwise.
"""

import argparse
import collections
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.openapi.schemathesis_failures import accepted_reason  # noqa: E402
from tests.openapi.test_schemathesis import (  # noqa: E402
    DEMO_ENDPOINTS,
    LIMITS,
    PASSWORD,
    USER,
    access_token,
    fetch_document,
    free_port,
    manage,
    run_schemathesis,
    wait_until_up,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/dx_schemathesis_full"
PHASES = "examples,coverage,fuzzing,stateful"


def recreate_database(url):
    """Drop and create the database of a PostgreSQL or MariaDB URL (SQLite: remove the file)."""
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    if parts.scheme == "sqlite":
        Path(parts.path).unlink(missing_ok=True)
    elif parts.scheme.startswith("postgres"):
        import psycopg

        with psycopg.connect(
            host=parts.hostname, port=parts.port or 5432, user=user, password=password,
            dbname="postgres", autocommit=True,
        ) as conn:  # fmt: skip
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        import MySQLdb

        conn = MySQLdb.connect(
            host=parts.hostname, port=parts.port or 3306, user=user, password=password
        )
        cursor = conn.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        conn.close()


def prepare(url):
    """Return the environment of a server on a fresh demo database at `url`."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "1",
        "DATA_EXCHANGE_RATE_USER": "",
        "DATA_EXCHANGE_RATE_API_KEY": "",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DX_TEST_DB_NAME", None)
    recreate_database(url)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_demo", "--products", "20", "--quiet")
    manage(env, "import_endpoints", str(DEMO_ENDPOINTS))
    manage(
        env, "shell", "-c",
        f"from dataexchange.models import Endpoint; Endpoint.objects.update({LIMITS})",
    )  # fmt: skip
    manage(
        env, "shell", "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_superuser({USER!r}, 'st@example.com', {PASSWORD!r})",
    )  # fmt: skip
    return env


def summarise(failures):
    """Print the failures grouped by rule (accepted) or by check, operation and codes."""
    accepted, refused = collections.Counter(), collections.Counter()
    examples = {}
    for failure in failures:
        reason = accepted_reason(failure)
        if reason:
            accepted[reason] += 1
            continue
        codes = ",".join(sorted(failure.codes)) or "-"
        key = (failure.check, failure.method, failure.operation, failure.status, codes)
        refused[key] += 1
        examples.setdefault(key, str(failure))
    print(f"\nAccepted failures: {sum(accepted.values())}")
    for reason, count in accepted.most_common():
        print(f"  {count:6}  {reason}")
    print(f"Failures not accepted: {sum(refused.values())}")
    for key, count in refused.most_common():
        print(f"  {count:6}  {examples[key][:400]}")
    return sum(refused.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--max-time", type=int, default=600, help="seconds (default 600)")
    parser.add_argument("--phases", default=PHASES)
    parser.add_argument("--include-path-regex", help="only these operations' paths")
    options = parser.parse_args()
    env = prepare(options.database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    work = Path(tempfile.mkdtemp(prefix="dx-schemathesis-"))
    log = work / "server.log"
    # Served as deployed, DEBUG off: Django's debug pages (an HTML 404 for `/jobs/not-a-uuid`)
    # are not the API's answers; its 404 handler answers JSON `007` there. No persistent
    # connections: runserver serves each request in a new thread, whose kept connection would
    # stay open until PostgreSQL refuses new clients (503 `1415` for the rest of the run).
    served = {
        **env, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "DB_CONN_MAX_AGE": "0",
    }  # fmt: skip
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT, env=served, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until_up(base, server, log)
        token = access_token(base)
        schema = work / "schema.json"
        fetch_document(base, token, schema)
        args = ["--phases", options.phases, "--max-time", str(options.max_time)]
        if options.include_path_regex:
            args += ["--include-path-regex", options.include_path_regex]
        result, failures = run_schemathesis(
            schema, base, token, work / "report", args, timeout=options.max_time + 600
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    summary = result.stdout.rfind(" SUMMARY ")
    print(
        result.stdout[summary:] if summary >= 0 else result.stdout[-3000:] + result.stderr[-3000:]
    )
    print(f"Reports, schema and server log: {work}")
    return 1 if summarise(failures) else 0


if __name__ == "__main__":
    sys.exit(main())
