"""Soak Data Exchange: minutes of steady mixed reads and writes; errors, p99 and worker RSS.

    .venv/bin/python bench/soak.py [--minutes 10] [--rate 100] [--workers 2] [--warmup 30]

Prepares its own PostgreSQL database `dataexchange_soak` with bench/run.py's machinery (schema,
demo data, the 100,000-row `bench_product` table, its endpoint, a token), serves it with gunicorn
(bench/run.py's command; gunicorn also reads the repository's gunicorn.conf.py when there is one,
with worker recycling switched off, since recycling would hide a leak) and sends an open-loop,
steady schedule of requests to 127.0.0.1: request n is due at n / rate seconds, whatever the
server's pace, and its latency counts from that moment. The mix, per 20 requests: 8 GET page of
100, 6 GET one, 2 PATCH one row, 1 POST 1 row, 1 POST 100 rows, 2 DELETE of the rows it created
(filter `in` on their ids). Every minute it prints requests, errors, p50/p99 latency and the
workers' resident memory; then the RSS slope (least squares, MiB per minute per worker) over the
measured minutes and over their second half, and a verdict: PASS needs 0 errors, no worker
replaced, and a second-half slope within --max-slope (a leak keeps its pace; settling slows).
Exit status 1 when it fails. A growing `max lag` column means the server cannot keep the rate
(requests wait for a free worker): choose a rate the machine sustains.
"""

import argparse
import http.client
import itertools
import statistics
import sys
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import run  # noqa: E402  (sets the benchmark environment on import)

DB_NAME = "dataexchange_soak"
PORT = 8141
PATH = run.PATH
MIB = 1024 * 1024
TIMEOUT = 30  # seconds a request may take before it counts as an error
MAX_DELETE = 100  # ids per DELETE, to keep the query string short
# The fixed order of one cycle of 20 requests (writes spread out, DELETEs after the POSTs).
CYCLE = (
    "post_many", "page", "one", "page", "patch", "one", "page", "post_one", "page", "one",
    "delete", "page", "one", "patch", "page", "one", "page", "one", "page", "delete",
)  # fmt: skip
LABELS = {
    "page": "GET page of 100",
    "one": "GET one",
    "patch": "PATCH 1 row",
    "post_one": "POST 1 row",
    "post_many": "POST 100 rows",
    "delete": "DELETE created",
}


@dataclass(frozen=True)
class Call:
    """One request of the mix: what to send and the status that means success."""

    kind: str
    method: str
    path: str
    body: dict | None
    expect: int
    deletes: int = 0


@dataclass(frozen=True)
class Outcome:
    """What became of one scheduled request (times in seconds from the start of the load)."""

    kind: str
    due: float
    latency: float
    lag: float
    error: str | None


class Mix:
    """Build the requests of the soak in the fixed ratio; remember created ids to delete them."""

    def __init__(self):
        self.serial = itertools.count()
        self.created = deque()
        self.lock = threading.Lock()
        self.deleted = 0
        self.idle_deletes = 0

    def next(self, n):
        """Return the Call of request number `n`, or None when there is nothing to delete yet."""
        kind = CYCLE[n % len(CYCLE)]
        return getattr(self, kind)(n)

    def page(self, n):
        offset = (n * 7919) % (run.ROWS - 100)
        return Call("page", "GET", f"{PATH}?page[offset]={offset}&page[limit]=100", None, 200)

    def one(self, n):
        return Call("one", "GET", f"{PATH}/{1 + (n * 104729) % run.ROWS}", None, 200)

    def patch(self, n):
        body = {"data": {"stock": n % 50}}
        return Call("patch", "PATCH", f"{PATH}/{1 + (n * 15485863) % run.ROWS}", body, 200)

    def post_one(self, n):
        return Call("post_one", "POST", PATH, {"data": self.rows(1)}, 201)

    def post_many(self, n):
        return Call("post_many", "POST", PATH, {"data": self.rows(100)}, 201)

    def delete(self, n):
        with self.lock:
            ids = [self.created.popleft() for _ in range(min(MAX_DELETE, len(self.created)))]
        if not ids:
            self.idle_deletes += 1
            return None
        where = quote(orjson.dumps({"in": ids}).decode(), safe=",:[]")
        return Call("delete", "DELETE", f"{PATH}?filter[p.id]={where}", None, 204, len(ids))

    def rows(self, count):
        return [
            {"sku": f"B-soak-{next(self.serial)}", "name": "Soak", "price": "4.20", "stock": 1}
            for _ in range(count)
        ]

    def succeeded(self, call, data):
        """Note the rows a successful write created or deleted."""
        ids = [row["id"] for row in orjson.loads(data)["data"]] if call.method == "POST" else []
        with self.lock:
            self.created.extend(ids)
            self.deleted += call.deletes


def fire(mix, token, call, start, due, outcomes):
    """Send `call` (due at `start + due`) and append its Outcome to `outcomes`."""
    sent = time.perf_counter()
    if sent - start > due + TIMEOUT:
        error = f"not sent: the client fell more than {TIMEOUT} s behind the schedule"
    else:
        error = send(mix, token, call)
    done = time.perf_counter() - start
    outcomes.append(Outcome(call.kind, due, done - due, sent - start - due, error))


def send(mix, token, call):
    """Send `call`; return None on the expected status, else a description of the error."""
    where = f"{call.method} {call.path[:60]}"
    try:
        status, data = run.request(PORT, call.method, call.path, token, call.body, None, TIMEOUT)
    except (OSError, http.client.HTTPException) as exc:
        return f"{where} → {type(exc).__name__}: {exc}"
    if status != call.expect:
        return f"{where} → {status}: {data[:200]!r}"
    mix.succeeded(call, data)
    return None


def drive(mix, token, rate, seconds, concurrency):
    """Send the schedule (request n due at n / rate) for `seconds`; return the Outcomes."""
    outcomes = []
    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency, thread_name_prefix="soak") as pool:
        for n in itertools.count():
            due = n / rate
            if due >= seconds:
                break
            pause = start + due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            call = mix.next(n)
            if call is not None:
                pool.submit(fire, mix, token, call, start, due, outcomes)
    return outcomes


class RssSampler(threading.Thread):
    """Sample the resident memory of a gunicorn master's workers every `interval` seconds."""

    def __init__(self, master, interval):
        super().__init__(daemon=True)
        self.master, self.interval = master, interval
        self.samples = []  # (seconds from start, {pid: bytes})
        self.halt = threading.Event()
        self.start_time = time.perf_counter()

    def run(self):
        while not self.halt.wait(self.interval):
            self.samples.append((time.perf_counter() - self.start_time, worker_rss(self.master)))


def worker_rss(master):
    """Return {pid: resident bytes} of the worker processes of the gunicorn `master`."""
    found = {}
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue  # exited between the two reads
        kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
        found[int(pid)] = int(kib) * 1024
    return found


def percentile(values, fraction):
    """Return the `fraction` quantile of `values` (nearest rank), 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def slope(points):
    """Return the least-squares slope of (x, y) points, 0 for fewer than two."""
    if len(points) < 2:
        return 0.0
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


def per_worker_mib(sample):
    """Return the mean resident MiB per worker of one sample's {pid: bytes}."""
    return statistics.fmean(sample.values()) / MIB if sample else 0.0


def minute_rows(outcomes, samples, warmup):
    """Yield (label, requests, errors, p50 ms, p99 ms, max lag ms, RSS sum, RSS per worker)."""
    minutes = {}
    for outcome in outcomes:
        minutes.setdefault(minute_of(outcome.due, warmup), []).append(outcome)
    for minute in sorted(minutes):
        batch = minutes[minute]
        latencies = [o.latency * 1000 for o in batch]
        rss = [s for t, s in samples if minute_of(t, warmup) == minute and s]
        total = statistics.fmean(sum(s.values()) for s in rss) / MIB if rss else 0.0
        worker = statistics.fmean(per_worker_mib(s) for s in rss) if rss else 0.0
        label = "warm-up" if minute < 0 else str(minute + 1)
        yield (
            label, len(batch), sum(1 for o in batch if o.error), percentile(latencies, 0.5),
            percentile(latencies, 0.99), max(o.lag for o in batch) * 1000, total, worker,
        )  # fmt: skip


def minute_of(seconds, warmup):
    """Return the measured minute (0-based) of a moment, or -1 during the warm-up."""
    return -1 if seconds < warmup else int((seconds - warmup) // 60)


def report(outcomes, samples, mix, args):
    """Print the per-minute table, the per-kind p99, the RSS slope and the verdict; return it."""
    print(f"\n{'minute':>7} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'max lag ms':>10} {'RSS MiB (all)':>14} {'RSS MiB/worker':>15}")  # fmt: skip
    for row in minute_rows(outcomes, samples, args.warmup):
        print("{:>7} {:>9} {:>7} {:>8.1f} {:>8.1f} {:>10.1f} {:>14.1f} {:>15.1f}".format(*row))
    measured = [o for o in outcomes if o.due >= args.warmup]
    by_kind = {kind: [o.latency * 1000 for o in measured if o.kind == kind] for kind in LABELS}
    print("\np99 by request after the warm-up (ms): " + ", ".join(
        f"{LABELS[kind]} {percentile(values, 0.99):.1f}" for kind, values in by_kind.items()
    ))  # fmt: skip
    errors = [o.error for o in outcomes if o.error]
    for error in errors[:10]:
        print("  error:", error)
    print(f"requests {len(outcomes)}, errors {len(errors)}; rows created and deleted "
          f"{mix.deleted} (left to clean up {len(mix.created)}), "
          f"DELETE slots with nothing to delete {mix.idle_deletes}")  # fmt: skip
    return verdict(errors, samples, args)


def verdict(errors, samples, args):
    """Print the RSS slopes and the verdict; return True when the soak passed.

    The verdict takes the slope of the second half of the measured minutes: a process's memory
    settles (allocator arenas, caches) at a falling pace, while a leak grows as fast late as early.
    """
    measured = [(t / 60, per_worker_mib(s)) for t, s in samples if t >= args.warmup and s]
    growth = slope(measured[len(measured) // 2 :])
    pids = [set(s) for _, s in samples if s]
    replaced = len(set().union(*pids) - pids[0]) if pids else 0
    print(f"worker RSS slope, MiB/min per worker: {slope(measured):+.3f} over the measured "
          f"minutes, {growth:+.3f} over their second half ({len(measured)} samples); "
          f"workers replaced during the run: {replaced}")  # fmt: skip
    flat = growth <= args.max_slope
    passed = not errors and flat and not replaced
    print(f"verdict: {'PASS' if passed else 'FAIL'} — errors {len(errors)} (must be 0); RSS "
          f"{'flat' if flat else 'GROWING'} (second-half slope ≤ {args.max_slope} MiB/min per "
          f"worker){'; workers were replaced (crash or timeout?)' if replaced else ''}"
          f"{'; short run: the slope is only indicative' if args.minutes < 5 else ''}")  # fmt: skip
    return passed


def serve(args):
    """Return a started gunicorn serving the API (gunicorn.conf.py's settings if present)."""
    conf = ROOT / "gunicorn.conf.py"
    print(f"gunicorn: -w {args.workers}; gunicorn.conf.py "
          f"{'read (max_requests off)' if conf.exists() else 'absent'}")  # fmt: skip
    # Command-line options win over GUNICORN_CMD_ARGS, which wins over gunicorn.conf.py.
    return run.Server("core.wsgi", PORT, args.workers, {"GUNICORN_CMD_ARGS": "--max-requests 0"})


def prepare():
    """Prepare the soak database with bench/run.py's machinery; return a bearer token."""
    run.use_database(DB_NAME)
    token = run.prepare()
    from dataexchange.models import Endpoint

    endpoint = Endpoint.objects.get(alias="bench-products")
    endpoint.is_deletable = True
    endpoint.save()
    return token


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10, help="measured minutes (10)")
    parser.add_argument("--rate", type=float, default=100, help="requests per second (100)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--warmup", type=float, default=30, help="unmeasured seconds first (30)")
    parser.add_argument("--concurrency", type=int, default=64, help="client threads (64)")
    parser.add_argument("--sample", type=float, default=5, help="seconds between RSS samples")
    parser.add_argument("--max-slope", type=float, default=0.5, help="MiB/min per worker (0.5)")
    args = parser.parse_args()
    token = prepare()
    server = serve(args)
    mix = Mix()
    sampler = RssSampler(server.process.pid, args.sample)
    print(f"soak: {args.minutes:g} min (+{args.warmup:g} s warm-up) at {args.rate:g} req/s, "
          f"PostgreSQL, {run.ROWS:,} rows, mix per 20: 8 GET page, 6 GET one, 2 PATCH, "
          "1 POST 1, 1 POST 100, 2 DELETE created", flush=True)  # fmt: skip
    try:
        sampler.start()
        outcomes = drive(mix, token, args.rate, args.warmup + args.minutes * 60, args.concurrency)
        sampler.halt.set()
    finally:
        server.stop()
        run.cleanup()
    sys.exit(0 if report(outcomes, sampler.samples, mix, args) else 1)


if __name__ == "__main__":
    main()
