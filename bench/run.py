"""Benchmark Data Exchange against a bare psycopg + orjson WSGI app on PostgreSQL.

    .venv/bin/python bench/run.py [--server granian] [--rounds 3] [--duration 3] [--only-ratios]
    .venv/bin/python bench/run.py --servers all --only-ratios     # every server, one run
    .venv/bin/python bench/run.py --only nested [--database NAME] [--port N]

Prepares `dataexchange_bench` (migrations, demo schema and configuration, a 100,000-row
`bench_product` table with its endpoint, deletable), then, per round and per server, runs each
scenario against the service (DEBUG off) and the ceiling (bench/reference.py, no authentication;
`--auth-ceiling` adds it with the token check as a second column) on the same server with the same
workers and threads, one process tree at a time, alternating, and prints per server the medians and
the service/ceiling ratios: wrk at 8 and 16 connections for GET page of 100, GET one, and POST,
PATCH, PUT and DELETE of one row (Lua scripts make every POST, PATCH and PUT body and every
DELETE target its own row), one client's median latency for GET one and POST one, writes of 1,000
rows, the nested create and the configuration-change latency. With several servers it ends with
the service's figures side by side. Then (unless --only-ratios) it runs
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
        max_batch_size=5000, is_deletable=True,
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


SERVERS = ("gunicorn-sync", "gunicorn-gthread", "granian")
DEFAULT_SERVER = "gunicorn-gthread"  # the production command's server (README, docs/performance.md)
APPS = {  # column name → (WSGI target, extra environment)
    "service": ("core.wsgi:application", {}),
    "ceiling": ("bench.reference:app", {"BENCH_REFERENCE_AUTH": "0"}),
    "ceiling+auth": ("bench.reference:app", {"BENCH_REFERENCE_AUTH": "1"}),
}


def server_command(kind, app, port, workers, threads):
    """Return the command line serving WSGI `app` on `port` under server `kind`."""
    bin_dir = Path(sys.executable).parent
    if kind == "granian":
        return [
            str(bin_dir / "granian"), "--interface", "wsgi", app, "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers), "--blocking-threads", str(threads),
            "--working-dir", str(ROOT), "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
    # gunicorn with the production settings of gunicorn.conf.py, the access log off (granian's
    # is off too: the comparison is of the servers, not of their loggers).
    worker = ["-k", "sync", "--threads", "1"] if kind == "gunicorn-sync" else [
        "-k", "gthread", "--threads", str(threads)]  # fmt: skip
    return [
        str(bin_dir / "gunicorn"), app, "-c", str(ROOT / "gunicorn.conf.py"), *worker,
        "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
    ]  # fmt: skip


class Server:
    """A server process tree serving `app` on `port` until stopped: gunicorn (sync or gthread
    workers, with gunicorn.conf.py's settings) or granian in WSGI mode, same workers and threads."""

    def __init__(self, app, port, workers, extra_env=None, kind="gunicorn-sync", threads=4):
        self.port = port
        command = server_command(kind, app, port, workers, threads)
        env = {**os.environ, **ENV, "GUNICORN_ACCESS_LOG": "", **(extra_env or {})}
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{kind} on port {port} exited with {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server on port {port} did not start")

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


# wrk Lua: each thread numbers its requests; `tid` (0, 1, ...) is set by setup() per thread, so
# that two threads never build the same body or target the same row.
LUA_COMMON = """
local next_tid = 0
function setup(thread) thread:set("tid", next_tid); next_tid = next_tid + 1 end
counter = 0
"""
LUA = {
    "POST": """
request = function()
  counter = counter + 1
  local sku = "W-{tag}-" .. tid .. "-" .. counter
  return wrk.format("POST", "{path}", nil, '{{"data":[{{"sku":"' .. sku ..
    '","name":"Bench","price":"9.99","stock":1,"is_active":true}}]}}')
end
""",
    "PATCH": """
request = function()
  counter = counter + 1
  local id = {lo} + (tid + counter * {threads}) % {span}
  return wrk.format("PATCH", "{path}/" .. id, nil,
    '{{"data":{{"name":"Patched","stock":' .. (counter % 50) .. '}}}}')
end
""",
    "PUT": """
request = function()
  counter = counter + 1
  local id = {lo} + (tid + counter * {threads}) % {span}
  return wrk.format("PUT", "{path}/" .. id, nil, '{{"data":{{"sku":"SKU-' .. id ..
    '","name":"Put","price":"1.50","stock":' .. (counter % 50) .. ',"is_active":true}}}}')
end
""",
    "DELETE": """
request = function()
  local id = {lo} + tid + counter * {threads}
  counter = counter + 1
  if id > {hi} then error("the pre-created rows ran out: raise the estimate in bench/run.py") end
  return wrk.format("DELETE", "{path}/" .. id, nil, nil)
end
""",
}
# PATCH and PUT of one row cycle through rows 20,001-90,000: away from the rows the reads fetch
# (4242 and 5001-5100); PUT sends the row's own sku, so that it stays unique.
UPDATED_ROWS = (20_001, 70_000)
WRK_THREADS = 2


def lua_script(method, **params):
    """Write the wrk script of `method` with `params` to a file; return its path."""
    source = LUA_COMMON + LUA[method].format(path=PATH, threads=WRK_THREADS, **params)
    path = Path(f"/tmp/dx-bench-{os.getpid()}-{method.lower()}.lua")
    path.write_text(source)
    return str(path)


def wrk(port, path, token, duration, connections=8, script=None, threads=WRK_THREADS):
    """Return (req/s, p50 ms, p99 ms) of a wrk run; fail on any non-2xx answer."""
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
        "-H", f"Authorization: Bearer {token}", "-H", "Accept: application/json",
        "-H", "Content-Type: application/json",
    ]  # fmt: skip
    if script:
        command += ["-s", script]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True
    )  # fmt: skip
    if out.returncode or "Requests/sec" not in out.stdout:
        raise RuntimeError(f"wrk failed on {path}:\n{out.stdout}\n{out.stderr}")
    out = out.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = _ms(re.search(r"50%\s+([\d.]+\w+)", out)[1])
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"wrk saw {errors[1]} error responses on {path}:\n{out}")
    if re.search(r"\b0 requests in", out) and duration > 1:  # a warm-up may meet cold workers
        raise RuntimeError(f"no answer at all in {duration} s on {path}:\n{out}")
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


def batch_scenarios(port, token, tag, repeats):
    """Return rows/s medians for POST, PATCH and PUT of 1,000 rows (one client)."""
    results = {"POST 1000 rows (rows/s)": [], "PATCH 1000 rows (rows/s)": [],
               "PUT 1000 rows (rows/s)": []}  # fmt: skip
    for n in range(repeats):
        items = [
            {"sku": f"B-{tag}-{n}-{i}", "name": f"Bench {i}", "price": "9.99", "stock": i % 7,
             "is_active": True}
            for i in range(1000)
        ]  # fmt: skip
        elapsed, data = timed_write(port, "POST", PATH, token, {"data": items}, 201)
        results["POST 1000 rows (rows/s)"].append(1000 / elapsed)
        ids = [row["id"] for row in orjson.loads(data)["data"]]
        patch = [{"id": i, "name": f"Patched {i}", "stock": 3} for i in ids]
        elapsed, _ = timed_write(port, "PATCH", PATH, token, {"data": patch}, 200)
        results["PATCH 1000 rows (rows/s)"].append(1000 / elapsed)
        put = [
            {"id": i, "sku": f"B-{tag}-{n}-{k}", "name": "Put", "price": "1.50", "stock": 1,
             "is_active": False}
            for k, i in enumerate(ids)
        ]  # fmt: skip
        elapsed, _ = timed_write(port, "PUT", PATH, token, {"data": put}, 200)
        results["PUT 1000 rows (rows/s)"].append(1000 / elapsed)
    return {name: statistics.median(values) for name, values in results.items()}


def cleanup():
    """Remove the rows the write scenarios created."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_product WHERE sku ~ '^[BWD]-'")


def rows_to_delete(count):
    """Insert `count` rows for the DELETE scenario; return the (first, last) of their ids."""
    from django.db import connection

    stamp = time.time_ns()
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH new AS (INSERT INTO bench_product (sku, name, price, stock)"
            " SELECT 'D-' || %s || '-' || g, 'Doomed', 1.00, 1 FROM generate_series(1, %s) AS g"
            " RETURNING id) SELECT min(id), max(id), count(*) FROM new",
            [stamp, count],
        )
        first, last, n = cursor.fetchone()
    if last - first + 1 != n:  # the DELETE script walks the ids: they must be consecutive
        raise RuntimeError(f"rows to delete are not consecutive: {first}..{last} for {n}")
    return first, last


def load_scenarios(port, token, duration, concurrencies):
    """Run the wrk scenarios (each warmed up for a second first); return {name: value}."""
    results = {}
    for name, path, script_for in (
        ("GET page of 100", f"{PATH}?page[offset]=5000&page[limit]=100", None),
        ("GET one by id", f"{PATH}/4242", None),
        ("POST 1 row", PATH, lambda: lua_script("POST", tag=time.time_ns())),
        (
            "PATCH 1 row",
            PATH,
            lambda: lua_script("PATCH", lo=UPDATED_ROWS[0], span=UPDATED_ROWS[1]),
        ),  # fmt: skip
        ("PUT 1 row", PATH, lambda: lua_script("PUT", lo=UPDATED_ROWS[0], span=UPDATED_ROWS[1])),
        ("DELETE 1 row", PATH, None),
    ):
        for warm, connections in ((True, concurrencies[0]), *((False, c) for c in concurrencies)):
            seconds = 1 if warm else duration
            if name == "DELETE 1 row":
                # Rows for 8,000 req/s; the fastest ceiling seen deletes about 3,000 a second.
                lo, hi = rows_to_delete(8_000 * seconds + 2_000)
                script = lua_script("DELETE", lo=lo, hi=hi)
            else:
                script = script_for() if script_for else None
            rps, p50, p99 = wrk(port, path, token, seconds, connections, script)
            if warm:
                continue
            results[f"{name} c={connections} (req/s)"] = rps
            if name == "GET page of 100":
                results[f"{name} c={connections} p50 (ms)"] = p50
                results[f"{name} c={connections} p99 (ms)"] = p99
    for name, path, script in (
        ("GET one", f"{PATH}/4242", None),
        ("POST 1 row", PATH, lua_script("POST", tag=time.time_ns())),
    ):
        _, p50, _ = wrk(port, path, token, max(2, duration // 2), 1, script, threads=1)
        results[f"{name}, one client, p50 (ms)"] = p50
    return results


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
    parser.add_argument(
        "--server", "--servers", default=DEFAULT_SERVER, metavar="NAME[,NAME...]|all",
        help=f"{', '.join(SERVERS)}, several comma-separated, or all (default {DEFAULT_SERVER})",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run (3)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (4; sync: 1)")
    parser.add_argument("--auth-ceiling", action="store_true",
                        help="also measure the ceiling with the service's token check")  # fmt: skip
    parser.add_argument("--database", default=DB_NAME, help=f"bench database ({DB_NAME})")
    parser.add_argument("--port", type=int, default=8101, help="first of 3 ports (8101)")
    parser.add_argument(
        "--only",
        choices=["nested"],
        help="run one scenario alone against the service (nested: the nested create)",
    )
    parser.add_argument(
        "--only-ratios",
        action="store_true",
        help="skip the exchange-log cost and 1,000,000-row streaming measurements",
    )
    args = parser.parse_args()
    servers = SERVERS if args.server == "all" else tuple(args.server.split(","))
    unknown = set(servers) - set(SERVERS)
    if unknown:
        parser.error(f"unknown server {', '.join(sorted(unknown))}: choose from {SERVERS}")
    columns = ["service", "ceiling", *(["ceiling+auth"] if args.auth_ceiling else [])]
    use_database(args.database)
    token = prepare()
    if args.only == "nested":
        return only_nested(token, args, servers[0])
    results = {kind: {column: {} for column in columns} for kind in servers}
    for n in range(args.rounds):
        for kind in servers:
            for offset, column in enumerate(columns):
                measure(kind, column, args, args.port + offset, token, results[kind][column], n)
    print_report(results, columns, args)
    if not args.only_ratios:
        extras()


def measure(kind, column, args, port, token, store, round_):
    """Serve `column`'s app under `kind` and add one round of every scenario to `store`."""
    app, env = APPS[column]
    server = Server(app, port, args.workers, env, kind=kind, threads=args.threads)
    try:
        wait_ready(port, token)
        figures = load_scenarios(port, token, args.duration, (8, 16))
        figures.update(batch_scenarios(port, token, f"{column[:4]}{round_}", 2))
        if column == "service" and (ROOT / "dataexchange/demo/endpoints.json").exists():
            figures["nested create (items/s)"] = nested_scenario(port, token, 2, args.workers)
            figures["config change → all workers (s)"] = config_change_latency(port, token)
    finally:
        server.stop()
        cleanup()
    for name, value in figures.items():
        store.setdefault(name, []).append(value)


def only_nested(token, args, kind):
    """Run the nested create alone: per round a fresh service and the median of 3 requests
    (after the warm-up); print each round's figure and the median of the rounds."""
    rates = []
    for _ in range(args.rounds):
        server = Server("core.wsgi", args.port, args.workers, kind=kind, threads=args.threads)
        try:
            rates.append(nested_scenario(args.port, token, 3, args.workers))
        finally:
            server.stop()
        print(f"nested create: {rates[-1]:.0f} items/s")
    median = statistics.median(rates)
    print(f"nested create (items/s), median of {args.rounds} rounds: {median:.0f}")


def wait_ready(port, token, seconds=60):
    """Wait until every worker answers: the port accepts connections as soon as the server
    listens, while workers may still be importing Django (seconds on a busy machine)."""
    deadline, streak = time.monotonic() + seconds, 0
    while streak < 20:
        try:
            status, _ = request(port, "GET", f"{PATH}/4242", token, timeout=5)
        except OSError:
            status = None
        streak = streak + 1 if status == 200 else 0
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server on port {port} did not answer 200 in {seconds} s")
        if not streak:
            time.sleep(0.1)


def extras():
    """Run the exchange-log cost and streaming-memory benchmarks, each printing its figures."""
    python = sys.executable
    sh(python, "bench/exchange_log_overhead.py", "--requests", "200", "--rounds", "3")
    print("\nStreaming 1,000,000 rows (CSV), PostgreSQL:")
    sh(python, "bench/stream_memory.py", "--rows", "1000000", "--format", "csv")


def lower_is_better(name):
    return "(ms)" in name or "(s)" in name


def ratio(ours, theirs, name):
    """service/ceiling, as a share of the ceiling's performance (≥ 1 is as fast or faster)."""
    if not ours or not theirs:
        return ""
    return f"{(theirs / ours if lower_is_better(name) else ours / theirs):.2f}"


def describe(kind, args):
    threads = 1 if kind == "gunicorn-sync" else args.threads
    return f"{kind}, {args.workers} workers × {threads} thread{'s' if threads > 1 else ''}"


def postgres_version():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]


def print_report(results, columns, args):
    """Print a Markdown table per server (medians and ratios), then the servers side by side."""
    version = postgres_version()
    for kind, by_column in results.items():
        print(f"\n**{describe(kind, args)}** — PostgreSQL {version}, {ROWS:,} rows, wrk -t2 "
              f"{args.duration} s per run, medians of {args.rounds} rounds\n")  # fmt: skip
        ceilings = columns[1:]
        header = ["scenario", "service"] + [x for c in ceilings for x in (c, "ratio")]
        print("| " + " | ".join(header) + " |")
        print("| --- |" + " ---: |" * (len(header) - 1))
        for name, values in by_column["service"].items():
            ours = statistics.median(values)
            cells = [name, f"{ours:.2f}"]
            for column in ceilings:
                theirs = by_column[column].get(name)
                theirs = statistics.median(theirs) if theirs else None
                cells += [f"{theirs:.2f}" if theirs else "", ratio(ours, theirs, name)]
            print("| " + " | ".join(cells) + " |")
    if len(results) > 1:
        print(f"\n**The service on each server** — medians of {args.rounds} rounds "
              "(ratio to the ceiling on the same server)\n")  # fmt: skip
        print("| scenario | " + " | ".join(results) + " |")
        print("| --- |" + " ---: |" * len(results))
        for name in next(iter(results.values()))["service"]:
            cells = [name]
            for by_column in results.values():
                ours = statistics.median(by_column["service"][name])
                theirs = by_column["ceiling"].get(name)
                share = ratio(ours, statistics.median(theirs), name) if theirs else ""
                cells.append(f"{ours:.2f}" + (f" ({share})" if share else ""))
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
