"""End-to-end webhook delivery: rate and lag from commit to the receiver, with 1 and 2 workers.

    .venv/bin/python bench/webhooks.py [--workers 1 2] [--burst 2000] [--lag-rows 300]
                                       [--lag-interval 0.02] [--pump-interval 1.0]

On PostgreSQL, in its own database `dataexchange_bench_webhooks`: a tracked table
`bench_hook` served as `bench-hooks` (capture triggers installed), one subscription of every
entity event to a receiver in this process (a threaded http.server on 127.0.0.1 answering 200),
and for each worker count that many task workers (`manage.py db_worker`, the embedded database
backend). This process runs the pump (`webhooks.pump`, what the scheduler fires) every
`--pump-interval` seconds; the default schedule fires it every 5 s, which adds up to that much
lag. Two measurements per worker count:

- burst: `--burst` rows inserted by plain SQL in one transaction; deliveries/s from the commit
  to the last arrival;
- lag: `--lag-rows` rows inserted one per transaction every `--lag-interval` s; per row the
  time from its commit to its arrival at the receiver, p50 / p99 / max.

Prints the load average before and after, as the figures depend on it.
"""

import argparse
import http.server
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run  # noqa: E402  (the path above first)

run.use_database("dataexchange_bench_webhooks")
os.environ["DATA_EXCHANGE_WEBHOOKS_ALLOW_PRIVATE"] = "true"  # the receiver is on loopback
ALIAS, TABLE = "bench-hooks", "bench_hook"


class Receiver:
    """Record the arrival time of every webhook, by the row's identifier."""

    def __init__(self):
        self.arrived = {}
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                now = time.time()
                identifier = json.loads(body).get("identifier")
                with receiver.lock:
                    receiver.arrived.setdefault(identifier, now)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def count(self, prefix):
        with self.lock:
            return sum(1 for key in self.arrived if str(key).startswith(prefix))


def prepare(receiver):
    """Migrate, create the tracked table, its endpoint, its triggers and the subscription."""
    run.ensure_database()
    run.sh(sys.executable, "manage.py", "migrate", "--verbosity", "0")
    import django

    django.setup()
    from django.db import connection

    from dataexchange.changes.capture import triggers_sync
    from dataexchange.changes.feed import latest_position, sequence_pending
    from dataexchange.models import Endpoint, EndpointField
    from dataexchange.webhooks.keys import secret_generate
    from dataexchange.webhooks.models import Subscription

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (id SERIAL PRIMARY KEY, code VARCHAR(40) NOT NULL UNIQUE,"
            " qty INTEGER NOT NULL DEFAULT 0)"
        )
    Endpoint.objects.filter(alias=ALIAS).delete()
    endpoint = Endpoint.objects.create(
        alias=ALIAS, table_name=TABLE, identifier="code", is_active=True, track_changes=True
    )
    for position, (column, type_) in enumerate((("id", "integer"), ("code", "string"),
                                                  ("qty", "integer"))):  # fmt: skip
        EndpointField.objects.create(
            endpoint=endpoint, position=position, column_name=column, visible_name=column,
            type=type_,
        )  # fmt: skip
    triggers_sync()
    sequence_pending()
    Subscription.objects.all().delete()
    subscription = Subscription.objects.create(
        name="bench", url=receiver.url, secret=secret_generate(), cursor=latest_position(),
        events=["entity.created", "entity.updated", "entity.deleted"],
    )  # fmt: skip
    subscription.endpoints.set([endpoint])


def cleanup():
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "webhooks_attempt",
            "webhooks_delivery",
            "django_tasks_database_dbtaskresult",
        ):
            cursor.execute(f"DELETE FROM {table}")


def start_workers(count):
    command = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
               "--interval", "0.1"]  # fmt: skip
    env = {**os.environ, **run.ENV}
    return [subprocess.Popen(command, cwd=ROOT, env=env) for _ in range(count)]


def cpu_seconds(pid):
    """Return the CPU time (user + system) process `pid` has used, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(processes):
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=120)


class Pump:
    """Fire the pump every `interval` seconds in a thread, as the scheduler fires it."""

    def __init__(self, interval):
        self.interval, self.running = interval, True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        from django.db import connection

        from dataexchange.webhooks.pump import webhooks_pump

        while self.running:
            webhooks_pump()
            time.sleep(self.interval)
        connection.close()

    def stop(self):
        self.running = False
        self.thread.join()


def insert(codes):
    """Insert rows `codes` by plain SQL in one transaction; return the time of the commit."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {TABLE} (code, qty) VALUES (%s, 1)", [[c] for c in codes])
    return time.time()


def wait_all(receiver, prefix, count, timeout=600):
    deadline = time.monotonic() + timeout
    while receiver.count(prefix) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {receiver.count(prefix)} of {count} arrived")
        time.sleep(0.01)


def burst(receiver, tag, rows):
    prefix = f"B{tag}-"
    committed = insert([f"{prefix}{n}" for n in range(rows)])
    wait_all(receiver, prefix, rows)
    last = max(t for k, t in receiver.arrived.items() if str(k).startswith(prefix))
    return rows / (last - committed), last - committed


def lag(receiver, tag, rows, interval):
    prefix = f"L{tag}-"
    commits = {}
    for n in range(rows):
        code = f"{prefix}{n}"
        commits[code] = insert([code])
        time.sleep(interval)
    wait_all(receiver, prefix, rows)
    lags = sorted(receiver.arrived[code] - at for code, at in commits.items())
    return statistics.median(lags), lags[int(len(lags) * 0.99) - 1], lags[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--lag-rows", type=int, default=300)
    parser.add_argument("--lag-interval", type=float, default=0.02)
    parser.add_argument("--pump-interval", type=float, default=1.0)
    args = parser.parse_args()
    receiver = Receiver()
    prepare(receiver)
    print(f"load average before: {os.getloadavg()}")
    print(f"pump every {args.pump_interval} s; burst {args.burst} rows; lag {args.lag_rows} rows"
          f" one per {args.lag_interval} s")  # fmt: skip
    for workers in args.workers:
        cleanup()
        processes = start_workers(workers)
        pump = Pump(args.pump_interval)
        try:
            time.sleep(2)  # the workers' start-up is not the delivery's
            started = sum(cpu_seconds(process.pid) for process in processes)
            rate, seconds = burst(receiver, workers, args.burst)
            p50, p99, worst = lag(receiver, workers, args.lag_rows, args.lag_interval)
            used = sum(cpu_seconds(process.pid) for process in processes) - started
        finally:
            pump.stop()
            stop(processes)
        print(f"\n{workers} task worker(s):")
        print(f"  burst: {args.burst} deliveries in {seconds:.2f} s = {rate:,.0f} deliveries/s")
        print(f"  lag commit → receiver: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms,"
              f" max {worst * 1000:.0f} ms")  # fmt: skip
        per = used / (args.burst + args.lag_rows) * 1000
        print(f"  task worker CPU: {per:.1f} ms per delivery (claim, sign, send, record)")
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
