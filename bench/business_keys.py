"""POST of 1,000 rows whose two foreign keys are given by business key, against the same POST with
numeric ids (issue 19: target ratio ≥ 0.8), on PostgreSQL.

    .venv/bin/python bench/business_keys.py [--rounds 9] [--rows 1000] [--database NAME]

Prepares its own database (default `dataexchange_bench_bk`: migrations, the demo catalogue with
at least `--rows` abstract products, the demo endpoints with their business keys), then per round
POSTs `--rows` price-products twice, in alternating order: once with `fk_product_abstract` and
`fk_currency` as numeric ids, once as `{"sku": ...}` and `{"code": ...}`, each product a different
one (so the batch holds `--rows` distinct product keys). Requests go through the whole Django
stack in this process (middleware, view, permissions, engine, exchange log, commit), without an
HTTP server: the ratio compares the server-side cost of the two bodies. The rows are deleted after
each round. Prints per form the median wall time and rows/s, and the median CPU time of this
process plus its PostgreSQL backend (from /proc, Linux), which a busy shared machine disturbs far
less than the wall clock; the ratios of both, and the load average.
"""

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def use_database(name):
    """Point Django at PostgreSQL database `name`, creating it when missing."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        if not db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            db.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{name}",
        DEBUG="0",
        LOG_LEVEL="ERROR",
        SECRET_KEY="benchmark-only-secret-key-not-for-production-0123456789",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")


def prepare(rows):
    """Migrate, load the demo catalogue and endpoints; return (API client, [(id, sku)], EUR)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from rest_framework.test import APIClient

    call_command("migrate", verbosity=0)
    call_command("load_demo", products=rows, quiet=True)
    demo = ROOT / "dataexchange" / "demo" / "endpoints.json"
    call_command("import_endpoints", str(demo), update=True, verbosity=0)
    user = get_user_model().objects.filter(username="bench-bk").first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench-bk", "bk@example.com", None)
    client = APIClient()
    client.force_authenticate(user=user)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_product_abstract, sku FROM spy_product_abstract"
            " ORDER BY id_product_abstract LIMIT %s",
            [rows],
        )
        products = cursor.fetchall()
        cursor.execute("SELECT id_currency, code FROM spy_currency WHERE code = 'EUR'")
        currency = cursor.fetchone()
    if len(products) < rows:
        raise SystemExit(f"only {len(products)} abstract products; need {rows}")
    return client, products, currency


def bodies(products, currency):
    """Return the two bodies: numeric ids, and business keys."""
    by_id = [
        {"fk_product_abstract": pid, "fk_currency": currency[0], "gross_price": n}
        for n, (pid, _) in enumerate(products)
    ]
    by_key = [
        {
            "fk_product_abstract": {"sku": sku},
            "fk_currency": {"code": currency[1]},
            "gross_price": n,
        }
        for n, (_, sku) in enumerate(products)
    ]
    return {"ids": {"data": by_id}, "keys": {"data": by_key}}


TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu():
    """Return the CPU seconds this connection's PostgreSQL backend has used so far."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def post(client, body):
    """POST `body` to price-products; return (wall seconds, CPU seconds of this process and
    of its database backend)."""
    import orjson

    payload = orjson.dumps(body)
    cpu_db = backend_cpu()
    cpu = time.process_time()
    started = time.perf_counter()
    response = client.generic(
        "POST", "/dynamic-entity/price-products", payload, content_type="application/json"
    )
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if response.status_code != 201:
        raise SystemExit(f"POST answered {response.status_code}: {response.content[:500]!r}")
    return elapsed, cpu + backend_cpu() - cpu_db


def clean(first_id):
    """Delete the prices the benchmark stored (those above `first_id`)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM spy_price_product WHERE id_price_product > %s", [first_id])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--database", default="dataexchange_bench_bk")
    args = parser.parse_args()
    use_database(args.database)
    client, products, currency = prepare(args.rows)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id_price_product), 0) FROM spy_price_product")
        first_id = cursor.fetchone()[0]
    forms = bodies(products, currency)
    for name in forms:  # warm up: compiled endpoints, prepared statements, caches
        post(client, forms[name])
        clean(first_id)
    gc.collect()
    gc.freeze()  # as gunicorn.conf.py does after boot: the collector skips the warm heap
    times = {name: [] for name in forms}
    order = list(forms)
    for _ in range(args.rounds):
        for name in order:
            times[name].append(post(client, forms[name]))
            clean(first_id)
        order.reverse()  # alternate which form goes first
    load = os.getloadavg()
    rates, cpus = {}, {}
    for name, samples in times.items():
        median = statistics.median(wall for wall, _ in samples)
        cpus[name] = statistics.median(cpu for _, cpu in samples)
        rates[name] = args.rows / median
        print(f"POST {args.rows} rows, keys as {name:4}: wall median {median * 1000:6.1f} ms"
              f" ({rates[name]:5.0f} rows/s), CPU median {cpus[name] * 1000:6.1f} ms"
              f" ({args.rows / cpus[name]:5.0f} rows per CPU second); walls: "
              + ", ".join(f"{wall * 1000:.0f}" for wall, _ in samples) + " ms")  # fmt: skip
    print(f"ratio keys/ids (rows/s): wall {rates['keys'] / rates['ids']:.2f}, "
          f"CPU {cpus['ids'] / cpus['keys']:.2f}  (target >= 0.8)")  # fmt: skip
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
