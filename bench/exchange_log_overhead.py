"""Measure what the exchange log costs the API per request, at the median, on PostgreSQL.

    .venv/bin/python bench/exchange_log_overhead.py [--requests 300] [--rounds 3]

Two measurements, on a database of its own, with reads logged too (the worst case):
1. end to end: the API under gunicorn (one worker, DEBUG off) with the log off
   (EXCHANGE_LOG_ENABLED=0) and on, alternating round by round, the same requests sent one at
   a time, back to back (so a log written after a response delays the next request); each
   scenario's median latency both ways and the difference. Noisy on a busy machine.
2. in process: the worker time the log takes per request (`exchange_record` in the view plus
   the write after the response), timed directly around those two functions; its median.
Reuses the performance benchmark's server and client helpers (bench/run.py).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import run  # noqa: E402  (sets the benchmark environment on import)

DB_NAME = "dataexchange_bench_log"
ENV = {
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "BENCH_PG_DSN": f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}",
}
PORT = 8131
PATH = "/dynamic-entity/bench-log-products"
MODES = {
    "off": {"EXCHANGE_LOG_ENABLED": "0"},
    "on": {"EXCHANGE_LOG_ENABLED": "1", "EXCHANGE_LOG_READS": "1"},
}


def prepare():
    """Create the database, schema, a 10,000-row table with its endpoint; return a token."""
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
        cursor.execute("DROP TABLE IF EXISTS bench_log_product")
        cursor.execute(
            "CREATE TABLE bench_log_product (id SERIAL PRIMARY KEY, sku VARCHAR(64) NOT NULL"
            " UNIQUE, name VARCHAR(255) NOT NULL, stock INTEGER NOT NULL DEFAULT 0)"
        )
        cursor.execute(
            "INSERT INTO bench_log_product (sku, name, stock) SELECT 'SKU-' || g,"
            " 'Product ' || g, g % 50 FROM generate_series(1, 10000) AS g"
        )
    configure_endpoint()
    return run.issue_token()


def configure_endpoint(alias="bench-log-products", table="bench_log_product"):
    """Expose `table` (id, sku, name, stock) as endpoint `alias`, anew."""
    from dataexchange.models import Endpoint, EndpointField

    Endpoint.objects.filter(alias=alias).delete()
    endpoint = Endpoint.objects.create(
        alias=alias, table_name=table, identifier="id", is_active=True, max_batch_size=5000,
    )  # fmt: skip
    fields = [
        ("id", "integer", {"is_creatable": False, "is_editable": False}),
        ("sku", "string", {"is_required": True, "max_length": 64}),
        ("name", "string", {"is_required": True, "max_length": 255}),
        ("stock", "integer", {"min_value": 0}),
    ]
    for position, (column, type_, options) in enumerate(fields):
        EndpointField.objects.create(
            endpoint=endpoint, position=position, column_name=column, visible_name=column,
            type=type_, **options,
        )  # fmt: skip


def timed(token, method, path, body, expect):
    """Return the seconds one request took."""
    start = time.perf_counter()
    status, data = run.request(PORT, method, path, token, body)
    elapsed = time.perf_counter() - start
    if status != expect:
        raise RuntimeError(f"{method} {path} → {status}: {data[:300]!r}")
    return elapsed


def scenarios(token, tag, n):
    """Return {scenario: [seconds, ...]} for one round against the running server."""
    stamp = f"{tag}-{time.time_ns()}"
    batch = [{"sku": f"L-{stamp}-b{i}", "name": "Batch", "stock": 1} for i in range(1000)]
    broken = [*batch[:999], {"sku": "x"}]  # 999 rolled back + 1 failed item rows
    return {
        "GET one": [timed(token, "GET", f"{PATH}/{1 + i}", None, 200) for i in range(n)],
        "POST 1 item": [
            timed(token, "POST", PATH, {"data": [{"sku": f"L-{stamp}-{i}", "name": "n"}]}, 201)
            for i in range(n)
        ],
        "POST 1 item failing (1307)": [
            timed(token, "POST", PATH, {"data": [{"sku": f"F-{i}"}]}, 400) for i in range(n)
        ],
        "POST 1000 rows": [timed(token, "POST", PATH, {"data": batch}, 201)],
        "POST 1000 rows, 1 failing": [
            timed(token, "POST", PATH, {"data": broken}, 400) for _ in range(max(3, n // 50))
        ],
    }


def in_process(token, n):
    """Return {scenario: [seconds the log took per request]} measured inside one process."""
    from django.conf import settings
    from django.test import Client

    from dataexchange.exchangelog import recorder

    settings.EXCHANGE_LOG = {**settings.EXCHANGE_LOG, "ENABLED": True, "LOG_READS": True}
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    spent = []
    # Per logged request: answering X-Request-Id and gathering facts (exchange_record), and
    # writing the rows (exchange_save: in the data's transaction for writes, after the
    # response for reads and refused requests).
    for name in ("exchange_record", "exchange_save"):
        original = getattr(recorder, name)
        setattr(recorder, name, timing(original, spent))

    client = Client(headers={"Authorization": f"Bearer {token}"})
    run.request = lambda port, method, path, token, body=None, headers=None: call(
        client, method, path, body
    )
    results, offset = {}, 0
    for name, values in scenarios(token, f"in{time.time_ns()}", n).items():
        pairs = spent[offset : offset + 2 * len(values)]  # record and save, per request
        results[name] = [a + b for a, b in zip(pairs[::2], pairs[1::2])]
        offset += 2 * len(values)
    return results


def timing(function, spent):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    return timed


def call(client, method, path, body):
    import orjson

    payload = orjson.dumps(body) if body is not None else b""
    response = client.generic(method, path, payload, content_type="application/json")
    return response.status_code, response.content


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per scenario")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    token = prepare()
    samples = {mode: {} for mode in MODES}
    for round_ in range(args.rounds):
        for mode, env in MODES.items():
            server = run.Server("core.wsgi", PORT, 1, {**ENV, **env})
            try:
                for name, values in scenarios(token, f"{mode}{round_}", args.requests).items():
                    samples[mode].setdefault(name, []).extend(values)
            finally:
                server.stop()
    print(f"\nExchange log cost — PostgreSQL, gunicorn -w 1, {args.rounds} rounds, median ms\n")
    inside = in_process(token, args.requests)
    print(f"{'scenario':30} {'log off':>9} {'log on':>9} {'cost':>8} {'in process':>11}")
    for name, off in samples["off"].items():
        a, b = statistics.median(off) * 1000, statistics.median(samples["on"][name]) * 1000
        c = statistics.median(inside[name]) * 1000
        print(f"{name:30} {a:9.2f} {b:9.2f} {b - a:8.2f} {c:11.2f}")


if __name__ == "__main__":
    main()
