"""Measure what an Idempotency-Key costs the synchronous 1,000-row POST, at the median, on
PostgreSQL.

    .venv/bin/python bench/idempotency_overhead.py [--requests 40] [--rounds 3]

On a database of its own (`dataexchange_bench_idem`), under gunicorn (one worker, DEBUG off,
the exchange log on as in production), the same 1,000-row POST is sent one request at a time,
alternating without and with a fresh `Idempotency-Key`; then a replay of a kept answer. Printed:
each median, the difference (the key's cost end to end: claim in its own short transaction,
the answer stored in the data's transaction), and the in-process time of claiming and keeping,
timed around those two functions. Target: a cost of at most 1 ms at the median.
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


def batch(tag):
    rows = [{"sku": f"{tag}-{i}", "name": "Product", "stock": i % 50} for i in range(ROWS)]
    return {"data": rows}


def timed(token, body, headers=None, expect=201):
    """Return the seconds one POST took."""
    start = time.perf_counter()
    status, data = run.request(PORT, "POST", PATH, token, body, headers)
    elapsed = time.perf_counter() - start
    if status != expect:
        raise RuntimeError(f"POST → {status}: {data[:300]!r}")
    return elapsed


def one_round(token, n, samples):
    """Alternate POSTs without and with a fresh key; then replays of one kept answer."""
    for _ in range(n):
        stamp = uuid.uuid4().hex[:12]
        samples["without key"].append(timed(token, batch(f"a{stamp}")))
        key = {"Idempotency-Key": f"bench-{stamp}"}
        samples["with key"].append(timed(token, batch(f"b{stamp}"), key))
    stamp = uuid.uuid4().hex[:12]
    body, key = batch(f"r{stamp}"), {"Idempotency-Key": f"replay-{stamp}"}
    timed(token, body, key)
    samples["replay"].extend(timed(token, body, key) for _ in range(n))


def in_process(token, n):
    """Return the median seconds of claiming plus keeping, timed inside one process."""
    from django.conf import settings
    from django.test import Client

    from dataexchange.api import idempotency as layer
    from dataexchange.idempotency import store

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    claims, keeps = [], []
    layer.idempotency_claim = timing(store.idempotency_claim, claims)
    store.Keeper.__call__ = timing(store.Keeper.__call__, keeps)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    import orjson

    for _ in range(n):
        stamp = uuid.uuid4().hex[:12]
        response = client.post(
            PATH,
            orjson.dumps(batch(f"p{stamp}")),
            content_type="application/json",
            headers={"Idempotency-Key": f"inproc-{stamp}"},
        )
        assert response.status_code == 201, response.content[:300]
    return claims, keeps


def timing(function, spent):
    def timed_call(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    return timed_call


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="requests per scenario")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    token = prepare()
    samples = {"without key": [], "with key": [], "replay": []}
    for _ in range(args.rounds):
        server = run.Server("core.wsgi", PORT, 1, ENV)
        try:
            one_round(token, args.requests, samples)
        finally:
            server.stop()
    claims, keeps = in_process(token, args.requests)
    medians = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    print(f"\nIdempotency-Key cost — POST {ROWS} rows, PostgreSQL, gunicorn -w 1, median ms")
    print(f"  {args.rounds} rounds × {args.requests} requests per scenario\n")
    for name, value in medians.items():
        print(f"{name:24} {value:9.2f}")
    print(f"{'cost (with - without)':24} {medians['with key'] - medians['without key']:9.2f}")
    for name, values in (("claim in process", claims), ("keep in process", keeps)):
        print(f"{name:24} {statistics.median(values) * 1000:9.2f}")
    both = [a + b for a, b in zip(claims, keeps)]
    print(f"{'claim + keep in process':24} {statistics.median(both) * 1000:9.2f}")


if __name__ == "__main__":
    main()
