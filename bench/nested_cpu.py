"""CPU per nested create: the gunicorn workers' and PostgreSQL's, which a shared, busy machine
disturbs far less than the wall clock.

    .venv/bin/python bench/nested_cpu.py [--requests 40] [--database NAME] [--port 8103]

Prepares the database as bench/run.py does, starts `gunicorn core.wsgi -w 2` (with
gunicorn.conf.py), warms every worker, then sends the nested create of bench/run.py
(`nested_items`: 700 rows, 100 items) `--requests` times one after the other and prints the CPU
time per request of the workers and of the database backends serving them (from /proc, Linux),
and the median wall time.
"""

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import run  # noqa: E402 (the path above first)

TICK = os.sysconf("SC_CLK_TCK")
PATH = "/dynamic-entity/product-abstracts"


def cpu_seconds(pids):
    """Return the user + system CPU seconds the processes `pids` have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def children_of(pid):
    """Return the ids of the processes whose parent is `pid` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def backends():
    """Return the ids of the database's server processes other than this one's."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [run.DB_NAME],
        )
        return [row[0] for row in cursor.fetchall()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database", help="bench database name (default dataexchange_bench)")
    parser.add_argument("--port", type=int, default=8103)
    args = parser.parse_args()
    if args.database:
        run.use_database(args.database)
    token = run.prepare()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_locale FROM spy_locale ORDER BY id_locale LIMIT 2")
        locales = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT id_currency FROM spy_currency ORDER BY id_currency LIMIT 1")
        currency = cursor.fetchone()[0]

    def post(n):
        body = {"data": run.nested_items(f"{time.time_ns()}-{n}", locales, currency)}
        return run.timed_write(args.port, "POST", PATH, token, body, 201)[0]

    server = run.Server("core.wsgi", args.port, 2)
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(post, range(-2, 0)))
        workers, servers = children_of(server.process.pid), backends()
        before = cpu_seconds(workers), cpu_seconds(servers)
        walls = [post(n) for n in range(args.requests)]
        after = cpu_seconds(workers), cpu_seconds(servers)
    finally:
        server.stop()
    per = [(b - a) / args.requests * 1000 for a, b in zip(before, after)]
    wall = statistics.median(walls)
    print(f"nested create: workers {per[0]:.1f} ms CPU, PostgreSQL {per[1]:.1f} ms CPU per "
          f"request; wall median {wall * 1000:.1f} ms ({100 / wall:.0f} items/s)")  # fmt: skip


if __name__ == "__main__":
    main()
