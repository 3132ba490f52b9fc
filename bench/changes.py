"""Measure what change capture costs the 1,000-row POST and PATCH, and how fast the feed reads,
on PostgreSQL.

    .venv/bin/python bench/changes.py [--requests 10] [--rounds 2]

On a database of its own (`dataexchange_bench_changes`), under gunicorn (one worker, DEBUG off,
the exchange log on as in production), two identical tables are exposed, one with `trackChanges`
(its capture triggers installed as an admin save installs them) and one without. The same 1,000-row
POST, then a PATCH of those 1,000 rows, then five one-row POSTs, is sent one request at a time,
alternating untracked and tracked. Printed: each median, the ratio untracked/tracked time
(the tracked endpoint's share of the untracked throughput; target ≥ 0.85), then the sequencer's
rate (entries numbered per second) and the feed's read rate over HTTP (entries per second, pages
of 1,000 with their rows).

Then the same two statements without HTTP (`--sql-rounds`, 0 to skip): the 1,000-row
`INSERT … SELECT FROM json_populate_recordset` and `UPDATE … FROM` the engine runs, each in its
own transaction, alternating the tables; the median and best time of each statement (the
triggers run inside it), and the median COMMIT apart. On a loaded machine, with a database
server other processes keep flushing, these show what capture costs the database with little
of the noise a whole request collects.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import run  # noqa: E402  (sets the benchmark environment on import)
from bench.exchange_log_overhead import configure_endpoint  # noqa: E402

DB_NAME = "dataexchange_bench_changes"
ENV = {
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "BENCH_PG_DSN": f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}",
}
PORT = 8473
ROWS = 1000
ENDPOINTS = {"untracked": "bench-chg-off", "tracked": "bench-chg-on"}
TABLES = {"untracked": "bench_chg_off", "tracked": "bench_chg_on"}


def prepare():
    """Create the database, schema and the two tables with their endpoints; return a token."""
    import psycopg

    os.environ.update(ENV)
    run.ENV.update(ENV)
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone():
            c.execute(f'CREATE DATABASE "{DB_NAME}"')
    run.sh(sys.executable, "manage.py", "migrate", "--verbosity", "0")
    import django

    django.setup()
    from django.db import connection

    from dataexchange.changes.capture import triggers_sync
    from dataexchange.models import Endpoint

    with connection.cursor() as cursor:
        for table in TABLES.values():
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(
                f"CREATE TABLE {table} (id SERIAL PRIMARY KEY, sku VARCHAR(64) NOT NULL"
                " UNIQUE, name VARCHAR(255) NOT NULL, stock INTEGER NOT NULL DEFAULT 0)"
            )
        cursor.execute("TRUNCATE dataexchange_change_entry")
        cursor.execute("DELETE FROM dataexchange_change_sequence")
    for kind, alias in ENDPOINTS.items():
        configure_endpoint(alias, TABLES[kind])
    Endpoint.objects.filter(alias=ENDPOINTS["tracked"]).update(track_changes=True)
    triggers_sync()
    return run.issue_token()


def timed(token, method, path, body, expect):
    """Return (seconds, parsed body) of one request."""
    import orjson

    start = time.perf_counter()
    status, data = run.request(PORT, method, path, token, body)
    elapsed = time.perf_counter() - start
    if status != expect:
        raise RuntimeError(f"{method} {path} → {status}: {data[:300]!r}")
    return elapsed, orjson.loads(data) if data else None


def one_round(token, n, samples):
    """Alternate untracked and tracked: POST 1,000 rows, then PATCH those rows."""
    for _ in range(n):
        stamp = uuid.uuid4().hex[:12]
        for kind, alias in ENDPOINTS.items():
            path = f"/dynamic-entity/{alias}"
            rows = [
                {"sku": f"{stamp}-{i}", "name": "Product", "stock": i % 50} for i in range(ROWS)
            ]
            seconds, created = timed(token, "POST", path, {"data": rows}, 201)
            samples[f"POST {kind}"].append(seconds)
            patch = [{"id": row["id"], "stock": row["stock"] + 1} for row in created["data"]]
            seconds, _ = timed(token, "PATCH", path, {"data": patch}, 200)
            samples[f"PATCH {kind}"].append(seconds)
            for i in range(5):  # the statement trigger's fixed cost shows on one-row writes
                one = {"data": [{"sku": f"{stamp}-one-{i}", "name": "Product"}]}
                samples[f"POST-1 {kind}"].append(timed(token, "POST", path, one, 201)[0])


def sequencing_rate():
    """Return (entries, seconds) of numbering every pending entry in this process."""
    from dataexchange.changes.sequencer import sequence_pending

    start = time.perf_counter()
    numbered = sequence_pending()
    return numbered, time.perf_counter() - start


def feed_rate(token):
    """Return (entries, seconds) of reading the tracked endpoint's whole feed over HTTP."""
    server = run.Server("core.wsgi", PORT, 1, ENV)
    try:
        cursor, total = None, 0
        start = time.perf_counter()
        while True:
            query = "?limit=1000" + (f"&after={cursor}" if cursor else "")
            _, page = timed(token, "GET", f"/changes/{ENDPOINTS['tracked']}{query}", None, 200)
            total += len(page["data"])
            cursor = page["nextCursor"]
            if not page["data"]:
                return total, time.perf_counter() - start
    finally:
        server.stop()


def sql_rates(rounds):
    """Return {"INSERT untracked": [(statement seconds, COMMIT seconds), ...], ...} of the bare
    1,000-row statements, each in its own transaction."""
    import json

    import psycopg

    samples = {f"{s} {k}": [] for s in ("INSERT", "UPDATE") for k in TABLES}

    def timed_statement(connection, name, sql, rows):
        start = time.perf_counter()
        with connection.transaction():
            result = connection.execute(sql, [json.dumps(rows)])
            ran = time.perf_counter()
            ids = result.fetchall() if result.description else None
        samples[name].append((ran - start, time.perf_counter() - ran))
        return ids

    with psycopg.connect(ENV["BENCH_PG_DSN"], autocommit=True) as connection:
        for n in range(rounds):
            for kind, table in TABLES.items():
                source = f"json_populate_recordset(NULL::{table}, %s)"
                rows = [{"sku": f"sql-{n}-{i}", "name": "Product", "stock": i} for i in range(ROWS)]
                ids = timed_statement(
                    connection, f"INSERT {kind}",
                    f"INSERT INTO {table} (sku, name, stock) SELECT sku, name, stock FROM {source}"
                    " RETURNING id", rows,
                )  # fmt: skip
                changes = [{"id": i, "stock": n + 1} for (i,) in ids]
                timed_statement(
                    connection, f"UPDATE {kind}",
                    f"UPDATE {table} AS dst SET stock = src.stock FROM {source} AS src"
                    " WHERE dst.id = src.id", changes,
                )  # fmt: skip
    return samples


def print_sql(samples, rounds):
    """Print median and best statement time of each bare statement, their ratios, and the
    median COMMIT (the flush of more WAL, and whatever else the server is flushing then)."""
    print(f"\nthe statements alone, no HTTP, {rounds} each, ms: median / best, and median COMMIT")
    for statement in ("INSERT", "UPDATE"):
        off, on = samples[f"{statement} untracked"], samples[f"{statement} tracked"]
        ran = [sorted(run for run, _ in values) for values in (off, on)]
        medians = [statistics.median(values) * 1000 for values in ran]
        bests = [values[0] * 1000 for values in ran]
        commits = [statistics.median(c for _, c in values) * 1000 for values in (off, on)]
        print(
            f"{statement:6} untracked {medians[0]:6.2f} / {bests[0]:6.2f} + {commits[0]:5.2f}"
            f"  tracked {medians[1]:6.2f} / {bests[1]:6.2f} + {commits[1]:5.2f}"
            f"  ratio {medians[0] / medians[1]:4.2f} / {bests[0] / bests[1]:4.2f}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10, help="requests per scenario")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sql-rounds", type=int, default=60, help="bare statements, each")
    args = parser.parse_args()
    token = prepare()
    methods = ("POST", "PATCH", "POST-1")
    samples = {f"{m} {k}": [] for m in methods for k in ENDPOINTS}
    for _ in range(args.rounds):
        server = run.Server("core.wsgi", PORT, 1, ENV)
        try:
            one_round(token, args.requests, samples)
        finally:
            server.stop()
    numbered, sequencing = sequencing_rate()
    read, reading = feed_rate(token)
    medians = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    print(f"\nChange capture — {ROWS}-row batches, PostgreSQL, gunicorn -w 1, median ms")
    print(f"  {args.rounds} rounds × {args.requests} requests per scenario")
    print(f"  load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    for method in methods:
        off, on = medians[f"{method} untracked"], medians[f"{method} tracked"]
        print(f"{method:6} untracked {off:8.1f}  tracked {on:8.1f}  ratio {off / on:5.2f}")
    print("(POST-1: a one-row POST)")
    print(f"\nsequencer: {numbered} entries in {sequencing:.2f} s = {numbered / sequencing:,.0f}/s")
    print(f"feed read: {read} entries in {reading:.2f} s = {read / reading:,.0f}/s (with rows)")
    if args.sql_rounds:
        print_sql(sql_rates(args.sql_rounds), args.sql_rounds)


if __name__ == "__main__":
    main()
