"""Measure what an Idempotency-Key costs a synchronous POST of 1,000 rows and of 1 row, at the
median, on PostgreSQL.

    .venv/bin/python bench/idempotency_overhead.py [--requests 40] [--rounds 3]

On a database of its own (`dataexchange_bench_idem`), under gunicorn (one worker, DEBUG off,
the exchange log on as in production), the same POST is sent one request at a time, in pairs
without and with a fresh `Idempotency-Key` (each pair in the other order than the last, so that
neither side always runs second); then replays of a kept answer. Printed per size: each median,
the key's cost end to end (the difference of the medians, and the median of the differences
within pairs), and the in-process time of claiming (one INSERT committed on its own) and keeping
(compress the answer, one UPDATE in the data's transaction), timed around those two functions;
and the load average, since the machine is shared. Target: a cost of at most 1 ms at the median.
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

DB_NAME = "dataexchange_bench_idem"
ENV = {
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "BENCH_PG_DSN": f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}",
}
PORT = 8472
PATH = "/dynamic-entity/bench-idem-products"
ROWS = 1000


def prepare():
    """Create the database, schema and an empty product table with its endpoint; return a
    token."""
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

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_idem_product")
        cursor.execute(
            "CREATE TABLE bench_idem_product (id SERIAL PRIMARY KEY, sku VARCHAR(64) NOT NULL"
            " UNIQUE, name VARCHAR(255) NOT NULL, stock INTEGER NOT NULL DEFAULT 0)"
        )
        cursor.execute("TRUNCATE idempotency_idempotencykey")
    configure_endpoint("bench-idem-products", "bench_idem_product")
    return run.issue_token()


def batch(tag, rows):
    items = [{"sku": f"{tag}-{i}", "name": "Product", "stock": i % 50} for i in range(rows)]
    return {"data": items}


def timed(token, body, headers=None, expect=201):
    """Return the seconds one POST took."""
    start = time.perf_counter()
    status, data = run.request(PORT, "POST", PATH, token, body, headers)
    elapsed = time.perf_counter() - start
    if status != expect:
        raise RuntimeError(f"POST → {status}: {data[:300]!r}")
    return elapsed


def one_round(token, rows, n, samples):
    """Send n pairs of POSTs without and with a fresh key; then n replays of one kept answer."""
    for i in range(n):
        stamp = uuid.uuid4().hex[:12]
        plain, keyed = batch(f"a{stamp}", rows), batch(f"b{stamp}", rows)
        key = {"Idempotency-Key": stamp}
        if i % 2:
            with_key = timed(token, keyed, key)
            without = timed(token, plain)
        else:
            without = timed(token, plain)
            with_key = timed(token, keyed, key)
        samples["without key"].append(without)
        samples["with key"].append(with_key)
    stamp = uuid.uuid4().hex[:12]
    body, key = batch(f"r{stamp}", rows), {"Idempotency-Key": f"replay-{stamp}"}
    timed(token, body, key)
    samples["replay"].extend(timed(token, body, key) for _ in range(n))


def in_process(token, rows, n):
    """Serve n pairs of POSTs without and with a fresh key in this process; return the seconds
    of each claim and each keep, and the CPU seconds (this process's, plus its PostgreSQL
    backend's) of each request without and with a key: what the key costs in work, which,
    unlike the time it adds, does not grow with the machine's load."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    import orjson

    from dataexchange.api import idempotency as layer
    from dataexchange.idempotency import store

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    claims, keeps, cpu = [], [], {"without key": [], "with key": []}
    claim, keep = store.idempotency_claim, store.Keeper.__call__
    layer.idempotency_claim = timing(claim, claims)
    store.Keeper.__call__ = timing(keep, keeps)
    client = Client(headers={"Authorization": f"Bearer {token}"})

    def post(tag, headers):
        start = cpu_seconds(connection)
        response = client.post(
            PATH, orjson.dumps(batch(tag, rows)), content_type="application/json", headers=headers
        )
        assert response.status_code == 201, response.content[:300]
        return cpu_seconds(connection) - start

    try:
        post(f"warm{uuid.uuid4().hex[:12]}", {})
        for _ in range(n):
            stamp = uuid.uuid4().hex[:12]
            cpu["without key"].append(post(f"q{stamp}", {}))
            cpu["with key"].append(post(f"p{stamp}", {"Idempotency-Key": f"inproc-{stamp}"}))
    finally:
        layer.idempotency_claim, store.Keeper.__call__ = claim, keep
    return claims, keeps, cpu


def cpu_seconds(connection):
    """Return the CPU seconds this process and the backend of its connection have run (the
    backend's from /proc/<pid>/schedstat, in nanoseconds; the server runs on this host)."""
    connection.ensure_connection()
    with open(f"/proc/{connection.connection.info.backend_pid}/schedstat") as stat:
        backend = int(stat.read().split()[0]) / 1e9
    return time.process_time() + backend


def timing(function, spent):
    def timed_call(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    return timed_call


def ms(values):
    return statistics.median(values) * 1000


def report(rows, samples, claims, keeps, cpu):
    print(f"\nPOST {rows:,} row{'s' if rows > 1 else ''}, median ms")
    medians = {name: ms(values) for name, values in samples.items()}
    for name, value in medians.items():
        print(f"  {name:30} {value:9.2f}")
    pairs = [b - a for a, b in zip(samples["without key"], samples["with key"])]
    cost = medians["with key"] - medians["without key"]
    print(f"  {'cost (difference of medians)':30} {cost:9.2f}")
    print(f"  {'cost (median of pair diffs)':30} {ms(pairs):9.2f}")
    print(f"  {'claim in process':30} {ms(claims):9.2f}")
    print(f"  {'keep in process':30} {ms(keeps):9.2f}")
    both = [a + b for a, b in zip(claims, keeps)]
    print(f"  {'claim + keep in process':30} {ms(both):9.2f}")
    for name, values in cpu.items():
        print(f"  {'CPU ' + name + ' (in process)':30} {ms(values):9.2f}")
    print(f"  {'CPU cost (difference)':30} {ms(cpu['with key']) - ms(cpu['without key']):9.2f}")
    cpu_pairs = [b - a for a, b in zip(cpu["without key"], cpu["with key"])]
    print(f"  {'CPU cost (median pair diff)':30} {ms(cpu_pairs):9.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="pairs per size and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default=f"{ROWS},1", help="rows per POST, comma-separated")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    token = prepare()
    load_before = os.getloadavg()
    samples = {rows: {"without key": [], "with key": [], "replay": []} for rows in sizes}
    for _ in range(args.rounds):
        server = run.Server("core.wsgi", PORT, 1, ENV)
        try:
            for rows in sizes:
                one_round(token, rows, args.requests, samples[rows])
        finally:
            server.stop()
    in_proc = {rows: in_process(token, rows, args.requests) for rows in sizes}
    load_after = os.getloadavg()
    print("\nIdempotency-Key cost — PostgreSQL, gunicorn -w 1, exchange log on")
    print(f"  {args.rounds} rounds × {args.requests} pairs per size")
    print(f"  load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)")
    for rows in sizes:
        report(rows, samples[rows], *in_proc[rows])


if __name__ == "__main__":
    main()
