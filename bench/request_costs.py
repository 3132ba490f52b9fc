"""Where a small request's work goes, counted rather than timed (repeatable on a busy machine).

    .venv/bin/python bench/request_costs.py [--database dataexchange_bench]

Runs GET one, GET page of 100, POST/PATCH/PUT/DELETE of one row in process through core.wsgi's
handler (bearer token, exchange log on, PostgreSQL database prepared by bench/run.py) and prints,
per request: the SQL statements sent (each a round trip, BEGIN/SAVEPOINT/COMMIT included), the
Python function calls made, and those calls by pipeline stage (each call counted in the
innermost stage running it). CPU time follows the calls closely; bench/run.py gives the rates.
"""

import argparse
import collections
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# code name (or name@file) → stage shown
STAGES = {
    "__call__@wsgi.py": "Django handler and middleware",
    "send@dispatcher.py": "Django request signals",
    "dispatch@views.py": "view (route, Accept, headers)",
    "authenticate@credentials.py": "credentials (DRF classes)",
    "find_access": "credentials (DRF classes)",
    "find_access_with": "credentials (DRF classes)",  # read ahead: with the data, one statement
    "check_throttles": "throttles",
    "api_request_from": "parse (ApiRequest)",
    "serve": "engine: plan and permissions",
    "plan_read": "engine: plan and permissions",
    "serve_read_ahead": "engine: plan and permissions",
    "read_row": "engine: execute and render",
    "read_page": "engine: execute and render",
    "run_write": "engine: execute and render",
    "run_delete": "engine: execute and render",
    "write_result": "engine: execute and render",
    "tag_written": "engine: execute and render",
    "write_with_record": "transaction (BEGIN/COMMIT)",
    "__enter__@transaction.py": "transaction (BEGIN/COMMIT)",
    "__exit__@transaction.py": "transaction (BEGIN/COMMIT)",
    "exchange_save": "exchange record",
    "exchange_record": "exchange record",
    "http_response": "render (HttpResponse)",
    "_execute_gen": "driver (psycopg)",
    "_exec_command": "driver (psycopg)",
}
# psycopg's entry points that send one statement and wait for its answer (one round trip):
# a cursor's execute, and the generator running BEGIN, SAVEPOINT, RELEASE, COMMIT…
STATEMENTS = {"execute@cursor.py", "executemany@cursor.py", "_exec_command@_connection_base.py"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="dataexchange_bench")
    args = parser.parse_args()
    os.environ.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{args.database}",
        DEBUG="0",
        SECRET_KEY="benchmark-only-secret-key-not-for-production-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DB_CONN_MAX_AGE="600",
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    import django

    django.setup()
    from django.db import connection

    import orjson

    from bench.run import PATH, issue_token
    from core.wsgi import application as wsgi_application

    token, app, created = issue_token(), wsgi_application, []

    def call(method, path, body=None):
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path.split("?")[0],
            "QUERY_STRING": path.partition("?")[2], "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http",
            "HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_ACCEPT": "application/json",
            "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(body or b""),
            "wsgi.errors": sys.stderr, "SERVER_PROTOCOL": "HTTP/1.1",
        }  # fmt: skip
        if body is not None:
            environ.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
        status = []
        response = app(environ, lambda s, h, e=None: status.append(s))
        content = b"".join(response)
        response.close()
        if not status[0].startswith("2"):
            raise RuntimeError(f"{method} {path}: {status[0]} {content[:200]!r}")
        return content

    def post():
        item = {"sku": f"RC-{time.time_ns()}", "name": "x", "price": "1.00", "stock": 1}
        content = call("POST", PATH, orjson.dumps({"data": [item]}))
        created.append(orjson.loads(content)["data"][0]["id"])

    scenarios = {
        "GET one": lambda: call("GET", f"{PATH}/4242"),
        "GET page of 100": lambda: call("GET", f"{PATH}?page[offset]=5000&page[limit]=100"),
        "POST 1 row": post,
        "PATCH 1 row": lambda: call(
            "PATCH", f"{PATH}/4243", orjson.dumps({"data": {"name": f"n{time.time_ns()}"}})
        ),
        "PUT 1 row": lambda: call(
            "PUT",
            f"{PATH}/4244",
            orjson.dumps(
                {
                    "data": {
                        "sku": "SKU-4244",
                        "name": f"n{time.time_ns()}",
                        "price": "1.00",
                        "stock": 2,
                        "is_active": True,
                    }
                }
            ),
        ),  # fmt: skip
        "DELETE 1 row": lambda: call("DELETE", f"{PATH}/{created.pop()}"),
    }
    try:
        for name, run in scenarios.items():
            for _ in range(20):  # warm: compiled endpoint, prepared statements, caches
                if name == "DELETE 1 row":
                    post()
                run()
            if name == "DELETE 1 row":
                post()
            report(name, count(run))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM bench_product WHERE sku LIKE 'RC-%%'")


def count(run):
    """Run `run()` once under a profile hook; return (statements, calls, calls by stage)."""
    stages, stack, totals = collections.Counter(), [], collections.Counter()
    counted = []  # generator frames already counted (each resumption is a new "call"), kept
    # alive so that no later frame gets the same id

    def hook(frame, event, arg):
        if event == "call":
            code = frame.f_code
            name = code.co_name
            stage = STAGES.get(f"{name}@{os.path.basename(code.co_filename)}") or STAGES.get(name)
            stack.append(stage)
            totals["calls"] += 1
            where = f"{name}@{os.path.basename(code.co_filename)}"
            if where in STATEMENTS and "psycopg" in code.co_filename:
                if not any(frame is seen for seen in counted):
                    counted.append(frame)
                    totals["statements"] += 1
            for stage in reversed(stack):
                if stage:
                    stages[stage] += 1
                    break
        elif event == "return" and stack:
            stack.pop()

    sys.setprofile(hook)
    try:
        run()
    finally:
        sys.setprofile(None)
    return totals["statements"], totals["calls"], stages


def report(name, counted):
    statements, calls, stages = counted
    print(f"\n{name}: {statements} statements, {calls} Python calls")
    for stage, n in stages.most_common():
        print(f"  {n:5}  {stage}")


if __name__ == "__main__":
    main()
