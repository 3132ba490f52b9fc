"""Benchmark Data Exchange against a bare psycopg + orjson WSGI app on PostgreSQL.

    .venv/bin/python bench/run.py [--rounds 3] [--duration 4] [--workers 2] [--only-ratios]
    .venv/bin/python bench/run.py --only nested [--database NAME] [--port N]

Prepares `dataexchange_bench` (migrations, demo schema and configuration, a 100,000-row
`bench_product` table with its endpoint), then runs each scenario against the service (gunicorn,
DEBUG off) and the reference server (bench/reference.py, gunicorn, same worker count), one server
at a time, alternating, and prints medians and the service/ceiling ratios, the nested create and
the configuration-change latency. Then (unless --only-ratios) it runs
bench/exchange_log_overhead.py (the log's cost per request) and bench/stream_memory.py (peak
memory while streaming 1,000,000 rows), which print their own figures.
"""

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "dataexchange_bench"
ENV = {
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "BENCH_PG_DSN": f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}",
    "DEBUG": "0",
    "SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "ERROR",
    "DB_CONN_MAX_AGE": "600",
}
os.environ.update(ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
SERVICE_PORT, REFERENCE_PORT = 8101, 8102
ROWS = 100_000
PATH = "/dynamic-entity/bench-products"


def sh(*args, **kwargs):
    """Run a command in the project root with the benchmark environment; fail loudly."""
    subprocess.run(args, cwd=ROOT, check=True, env={**os.environ, **ENV}, **kwargs)


def use_database(name):
    """Point this process and the servers it starts at database `name` (before Django starts)."""
    global DB_NAME
    DB_NAME = name
    ENV["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    ENV["BENCH_PG_DSN"] = f"postgresql://postgres@127.0.0.1:5432/{name}"
    os.environ.update(ENV)


def ensure_database():
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone():
            c.execute(f'CREATE DATABASE "{DB_NAME}"')


def prepare():
    """Create schema, demo data, the bench table and its endpoint; return a bearer token."""
    ensure_database()
    python = sys.executable
    sh(python, "manage.py", "migrate", "--verbosity", "0")
    sh(python, "manage.py", "load_demo", "--products", "2000", "--verbosity", "0")
    demo = ROOT / "dataexchange/demo/endpoints.json"
    if demo.exists():
        sh(
            python,
            "manage.py",
            "import_endpoints",
            str(demo),
            "--update",
            stdout=subprocess.DEVNULL,
        )
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_product")
        cursor.execute(
            "CREATE TABLE bench_product (id SERIAL PRIMARY KEY, sku VARCHAR(64) NOT NULL UNIQUE,"
            " name VARCHAR(255) NOT NULL, price NUMERIC(10, 2), stock INTEGER NOT NULL DEFAULT 0,"
            " is_active BOOLEAN NOT NULL DEFAULT TRUE, created_at TIMESTAMPTZ DEFAULT now())"
        )
        cursor.execute(
            "INSERT INTO bench_product (sku, name, price, stock, is_active)"
            " SELECT 'SKU-' || g, 'Product ' || g, (g % 1000) + 0.99, g % 50, g % 3 <> 0"
            f" FROM generate_series(1, {ROWS}) AS g"
        )
        cursor.execute("ANALYZE bench_product")
    configure_endpoint()
    return issue_token()


def configure_endpoint():
    from dataexchange.models import Endpoint, EndpointField

    Endpoint.objects.filter(alias="bench-products").delete()
    endpoint = Endpoint.objects.create(
        alias="bench-products", table_name="bench_product", identifier="id", is_active=True,
        max_batch_size=5000,
    )  # fmt: skip
    fields = [
        ("id", "integer", {"is_creatable": False, "is_editable": False}),
        ("sku", "string", {"is_required": True, "max_length": 64}),
        ("name", "string", {"is_required": True, "max_length": 255}),
        ("price", "decimal", {"precision": 10, "scale": 2}),
        ("stock", "integer", {"min_value": 0}),
        ("is_active", "boolean", {}),
        ("created_at", "datetime", {"is_creatable": False, "is_editable": False}),
    ]
    for position, (column, type_, options) in enumerate(fields):
        EndpointField.objects.create(
            endpoint=endpoint, position=position, column_name=column, visible_name=column,
            type=type_, **options,
        )  # fmt: skip


def issue_token():
    from django.contrib.auth import get_user_model

    from dataexchange.auth.models import AccessToken

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    _, raw_access, _ = AccessToken.objects.issue(user)
    return raw_access


class Server:
    """A gunicorn process serving `app` on `port` until stopped, with the production settings of
    gunicorn.conf.py (both servers, so that they compare fairly)."""

    def __init__(self, app, port, workers, extra_env=None):
        self.port = port
        command = [
            str(Path(sys.executable).parent / "gunicorn"), app,
            "-c", str(ROOT / "gunicorn.conf.py"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
            "--log-level", "warning", "--access-logfile", "/dev/null",
        ]  # fmt: skip
        env = {**os.environ, **ENV, **(extra_env or {})}
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server on port {port} did not start")

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=20)


def wrk(port, path, token, duration):
    """Return (req/s, p50 ms, p99 ms) of a wrk run."""
    out = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{duration}s", "--latency",
         "-H", f"Authorization: Bearer {token}", "-H", "Accept: application/json",
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", out)[1])
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors[1]} error responses on {path}:\n{out}")
    return rps, p50, p99


def _ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def request(port, method, path, token, body=None, headers=None, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    payload = orjson.dumps(body) if body is not None else None
    conn.request(method, path, payload, {
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})
    })  # fmt: skip
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def timed_write(port, method, path, token, body, expect):
    start = time.perf_counter()
    status, data = request(port, method, path, token, body)
    elapsed = time.perf_counter() - start
    if status != expect:
        raise RuntimeError(f"{method} {path} → {status}: {data[:300]!r}")
    return elapsed, data


def write_scenarios(port, token, tag, repeats):
    """Return rows/s medians for POST, PATCH and PUT of 1,000 rows."""
    results = {"POST 1000 rows": [], "PATCH 1000 rows": [], "PUT 1000 rows": []}
    for n in range(repeats):
        items = [
            {"sku": f"B-{tag}-{n}-{i}", "name": f"Bench {i}", "price": "9.99", "stock": i % 7,
             "is_active": True}
            for i in range(1000)
        ]  # fmt: skip
        elapsed, data = timed_write(port, "POST", PATH, token, {"data": items}, 201)
        results["POST 1000 rows"].append(1000 / elapsed)
        ids = [row["id"] for row in orjson.loads(data)["data"]]
        patch = [{"id": i, "name": f"Patched {i}", "stock": 3} for i in ids]
        elapsed, _ = timed_write(port, "PATCH", PATH, token, {"data": patch}, 200)
        results["PATCH 1000 rows"].append(1000 / elapsed)
        put = [
            {"id": i, "sku": f"B-{tag}-{n}-{k}", "name": "Put", "price": "1.50", "stock": 1,
             "is_active": False}
            for k, i in enumerate(ids)
        ]  # fmt: skip
        elapsed, _ = timed_write(port, "PUT", PATH, token, {"data": put}, 200)
        results["PUT 1000 rows"].append(1000 / elapsed)
    cleanup()
    return {name: statistics.median(values) for name, values in results.items()}


def cleanup():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_product WHERE sku LIKE 'B-%%'")


def read_scenarios(port, token, duration):
    # Warm up both routes first (connections, prepared statements, compiled endpoint), as a
    # server in service is warm; the figures then measure the steady state.
    for path in (f"{PATH}?page[offset]=5000&page[limit]=100", f"{PATH}/4242"):
        wrk(port, path, token, 1)
    page = wrk(port, f"{PATH}?page[offset]=5000&page[limit]=100", token, duration)
    one = wrk(port, f"{PATH}/4242", token, duration)
    return {
        "GET page of 100 (req/s)": page[0],
        "GET page of 100 p50 (ms)": page[1],
        "GET page of 100 p99 (ms)": page[2],
        "GET one by id (req/s)": one[0],
    }


def nested_scenario(port, token, repeats, workers=2):
    """Return items/s for creating 100 product abstracts with 2 products, 2 localized
    attributes and 2 prices each in one request (demo configuration).

    Every worker first serves one such request, all at once so that each takes one: the first
    nested write a worker serves compiles the four endpoints it reaches (about 25 ms each), a
    one-off cost that would otherwise land in the two or three requests timed."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_locale FROM spy_locale ORDER BY id_locale LIMIT 2")
        locales = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT id_currency FROM spy_currency ORDER BY id_currency LIMIT 1")
        currency = cursor.fetchone()[0]

    def post(n):
        body = {"data": nested_items(f"{time.time_ns()}-{n}", locales, currency)}
        return timed_write(port, "POST", "/dynamic-entity/product-abstracts", token, body, 201)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(post, range(-workers, 0)))
    return statistics.median(100 / post(n)[0] for n in range(repeats))


def nested_items(stamp, locales, currency):
    """Return 100 product abstracts, each with 2 products, 2 localized attributes, 2 prices."""
    return [
        {
            "sku": f"NB-{stamp}-{i}",
            "attributes": "{}",
            "productAbstractProducts": [
                {"sku": f"NB-{stamp}-{i}-{k}", "attributes": "{}"} for k in range(2)
            ],
            "productAbstractLocalizedAttributes": [
                {"fk_locale": loc, "name": f"Nested {i}", "attributes": "{}"} for loc in locales
            ],
            "productAbstractPriceProducts": [
                {"fk_currency": currency, "gross_price": 1000 + k, "net_price": 900}
                for k in range(2)
            ],
        }
        for i in range(100)
    ]


def config_change_latency(port, token):
    """Return seconds from a configuration save until 20 consecutive responses show it."""
    from dataexchange.models import EndpointField

    field = EndpointField.objects.get(endpoint__alias="bench-products", column_name="name")
    field.visible_name = "title"
    field.save()
    start = time.perf_counter()
    streak, first_seen = 0, None
    while time.perf_counter() - start < 10:
        _, data = request(port, "GET", f"{PATH}/1", token)
        if b'"title"' in data:
            first_seen = first_seen or time.perf_counter()
            streak += 1
            if streak >= 20:
                break
        else:
            streak, first_seen = 0, None
    field.visible_name = "name"
    field.save()
    return (first_seen - start) if first_seen else float("inf")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=4, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--only",
        choices=["nested"],
        help="run one scenario alone against the service (nested: the nested create)",
    )
    parser.add_argument("--database", help="bench database name (default dataexchange_bench)")
    parser.add_argument("--port", type=int, help="the service's port (default 8101)")
    parser.add_argument(
        "--only-ratios",
        action="store_true",
        help="skip the exchange-log cost and 1,000,000-row streaming measurements",
    )
    args = parser.parse_args()
    if args.database:
        use_database(args.database)
    global SERVICE_PORT
    SERVICE_PORT = args.port or SERVICE_PORT
    token = prepare()
    if args.only == "nested":
        return only_nested(token, args)
    service, reference = {}, {}
    for _ in range(args.rounds):
        for app, port, store in (
            ("core.wsgi", SERVICE_PORT, service),
            ("bench.reference:app", REFERENCE_PORT, reference),
        ):
            server = Server(app, port, args.workers)
            try:
                for name, value in read_scenarios(port, token, args.duration).items():
                    store.setdefault(name, []).append(value)
                for name, value in write_scenarios(port, token, app[:4], 2).items():
                    store.setdefault(name, []).append(value)
                if app == "core.wsgi" and (ROOT / "dataexchange/demo/endpoints.json").exists():
                    store.setdefault("nested create (items/s)", []).append(
                        nested_scenario(port, token, 2, args.workers)
                    )
                    store.setdefault("config change → all workers (s)", []).append(
                        config_change_latency(port, token)
                    )
            finally:
                server.stop()
    report(service, reference, args)
    if not args.only_ratios:
        extras()


def only_nested(token, args):
    """Run the nested create alone: per round a fresh service and the median of 3 requests
    (after the warm-up); print each round's figure and the median of the rounds."""
    rates = []
    for _ in range(args.rounds):
        server = Server("core.wsgi", SERVICE_PORT, args.workers)
        try:
            rates.append(nested_scenario(SERVICE_PORT, token, 3, args.workers))
        finally:
            server.stop()
        print(f"nested create: {rates[-1]:.0f} items/s")
    median = statistics.median(rates)
    print(f"nested create (items/s), median of {args.rounds} rounds: {median:.0f}")


def extras():
    """Run the exchange-log cost and streaming-memory benchmarks, each printing its figures."""
    python = sys.executable
    sh(python, "bench/exchange_log_overhead.py", "--requests", "200", "--rounds", "3")
    print("\nStreaming 1,000,000 rows (CSV), PostgreSQL:")
    sh(python, "bench/stream_memory.py", "--rows", "1000000", "--format", "csv")


def report(service, reference, args):
    print(f"\nData Exchange benchmark — PostgreSQL, {ROWS:,} rows, gunicorn -w {args.workers}, "
          f"medians of {args.rounds} rounds\n")  # fmt: skip
    print(f"{'scenario':36} {'service':>12} {'ceiling':>12} {'ratio':>7}")
    for name, values in service.items():
        ours = statistics.median(values)
        theirs = statistics.median(reference[name]) if name in reference else None
        ratio = ""
        if theirs:
            ratio = f"{(theirs / ours if '(ms)' in name else ours / theirs):.2f}"
        ceiling = f"{theirs:12.2f}" if theirs is not None else " " * 12
        print(f"{name:36} {ours:12.2f} {ceiling} {ratio:>7}")


if __name__ == "__main__":
    main()
