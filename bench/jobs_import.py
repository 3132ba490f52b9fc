"""Import a 1,000,000-row CSV into the 100,000-row product table as one asynchronous job.

    .venv/bin/python bench/jobs_import.py [--rows 1000000] [--workers 1 2] [--chunk-size 1000]

On PostgreSQL, in its own database `dataexchange_bench_jobs` prepared as `bench/run.py` prepares
its own (the 100,000-row `bench_product` table and its endpoint). It writes the CSV to a
temporary file, starts gunicorn (one web worker, DEBUG off) and, for each worker count, that
many task workers (`manage.py db_worker`, the embedded database backend), sends the file as one
`POST /dynamic-entity/bench-products` with `Prefer: respond-async` and `X-Is-Transactional:
false`, and polls `GET /jobs/<id>` until the job ends. It prints per run: the time to answer 202
(the body streamed into chunks), the time to first progress, rows/s (from the job's start to its
end, and from the POST to the end), and the peak RSS (VmHWM) of the web worker and of each task
worker. The imported rows are deleted between runs.
"""

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run  # noqa: E402  (the path above first)

run.use_database("dataexchange_bench_jobs")
PORT = 8481
MB = 1024 * 1024


def write_csv(rows):
    """Write the import file (sku J-<n>, all valid) and return its path and size."""
    path = Path(tempfile.gettempdir()) / f"bench_jobs_{rows}.csv"
    if not path.exists():
        with path.open("w") as out:
            out.write("sku,name,price,stock,is_active\n")
            for n in range(rows):
                out.write(f"J-{n},Imported product {n},{n % 1000}.50,{n % 40},true\n")
    return path, path.stat().st_size


def peak_rss(pid):
    """Return the peak resident set size (VmHWM) of process `pid` in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid):
    """Return the CPU time (user + system) process `pid` has used, in seconds: on a shared
    machine a steadier figure than the wall clock."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid):
    """Return the ids of the child processes of `pid` (gunicorn's workers)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def post_file(path, size, token):
    """Send the CSV as one asynchronous POST; return (status, body, seconds)."""
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "text/csv",
        "Content-Length": str(size),
        "Prefer": "respond-async",
        "X-Is-Transactional": "false",
    }
    start = time.perf_counter()
    with path.open("rb") as body:
        conn.request("POST", run.PATH, body, headers)
        response = conn.getresponse()
        data = response.read()
    conn.close()
    return response.status, data, time.perf_counter() - start


def get_job(location, token):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    conn.request("GET", location, headers={"Authorization": f"Bearer {token}"})
    data = conn.getresponse().read()
    conn.close()
    return orjson.loads(data)["data"]


def start_workers(count):
    """Start `count` task workers (db_worker), DEBUG off, as the benchmark's services run."""
    command = [
        sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay",
        "--interval", "0.1",
    ]  # fmt: skip
    env = {**os.environ, **run.ENV}
    return [
        subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True) for _ in range(count)
    ]


def stop(processes):
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)


def cleanup():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_product WHERE sku LIKE 'J-%%'")
        cursor.execute("DELETE FROM jobs_jobchunk")
        cursor.execute("DELETE FROM jobs_job")
        cursor.execute("DELETE FROM django_tasks_database_dbtaskresult")
        cursor.execute("VACUUM ANALYZE bench_product")


def bare_copy(path, rows):
    """Return the ceiling: rows/s of the same CSV copied straight into `bench_product` by one
    psycopg `COPY ... FROM STDIN (FORMAT csv)` in this process (no API, no validation, no
    results; the imported rows deleted afterwards), measured in the same run as the job so
    that a busy machine still gives a ratio."""
    import psycopg

    cleanup()
    statement = (
        "COPY bench_product (sku, name, price, stock, is_active) FROM STDIN"
        " (FORMAT csv, HEADER true)"
    )
    with psycopg.connect(run.ENV["BENCH_PG_DSN"]) as conn:
        start = time.perf_counter()
        with conn.cursor().copy(statement) as copy, path.open("rb") as body:
            while data := body.read(1024 * 1024):
                copy.write(data)
        conn.commit()
        seconds = time.perf_counter() - start
    cleanup()
    return rows / seconds


def load_average():
    """Return the 1-minute load average of the machine."""
    return os.getloadavg()[0]


def import_once(path, size, token, workers, server):
    """Run one import with `workers` task workers; return its figures."""
    cleanup()
    processes = start_workers(workers)
    try:
        time.sleep(2)  # the workers' start-up is not the import's
        (web_pid,) = children(server.process.pid)
        web_cpu = cpu_seconds(web_pid)
        workers_cpu = sum(cpu_seconds(process.pid) for process in processes)
        posted = time.perf_counter()
        status, data, accept_seconds = post_file(path, size, token)
        web_cpu = cpu_seconds(web_pid) - web_cpu
        if status != 202:
            raise RuntimeError(f"POST answered {status}: {data[:300]!r}")
        location = f"/jobs/{orjson.loads(data)['data']['id']}"
        first_progress, job = None, None
        while True:
            job = get_job(location, token)
            done = job["items"]["succeeded"] + job["items"]["failed"]
            if first_progress is None and done:
                first_progress = time.perf_counter() - posted
            if job["finished_at"]:
                break
            time.sleep(0.2)
        ended = time.perf_counter() - posted
        workers_cpu = sum(cpu_seconds(process.pid) for process in processes) - workers_cpu
        web = max(peak_rss(pid) for pid in children(server.process.pid))
        task_workers = [peak_rss(process.pid) for process in processes]
    finally:
        stop(processes)
    from datetime import datetime

    ceiling = bare_copy(path, job["items"]["total"])
    started = datetime.fromisoformat(job["started_at"])
    finished = datetime.fromisoformat(job["finished_at"])
    return {
        "workers": workers,
        "status": job["status"],
        "items": job["items"],
        "accept_s": accept_seconds,
        "first_progress_s": first_progress,
        "job_s": (finished - started).total_seconds(),
        "total_s": ended,
        "web_rss": web,
        "worker_rss": task_workers,
        "load": load_average(),
        "web_cpu": web_cpu,
        "workers_cpu": workers_cpu,
        "ceiling": ceiling,
    }


def report(result, rows):
    items = result["items"]
    print(f"\n{result['workers']} task worker(s): job {result['status']}, {items}")
    print(f"  202 answered after          {result['accept_s']:8.2f} s (body streamed into chunks)")
    print(f"  first progress after        {result['first_progress_s']:8.2f} s")
    print(
        f"  rows/s (job start → end)    {rows / result['job_s']:8.0f}   ({result['job_s']:.1f} s)"
    )
    total = result["total_s"]
    print(f"  rows/s (POST → end)         {rows / total:8.0f}   ({total:.1f} s)")
    ratio = rows / result["job_s"] / result["ceiling"]
    print(f"  bare COPY ceiling (rows/s)  {result['ceiling']:8.0f}   (job/ceiling {ratio:.2f})")
    print(f"  load average (1 min)        {result['load']:8.2f}")
    print(f"  CPU web worker until 202    {result['web_cpu']:8.1f} s")
    per_row = result["workers_cpu"] / rows * 1e6
    print(f"  CPU task worker(s)          {result['workers_cpu']:8.1f} s   ({per_row:.1f} us/row)")
    print(f"  peak RSS web worker         {result['web_rss'] / MB:8.1f} MiB")
    peaks = ", ".join(f"{value / MB:.1f}" for value in result["worker_rss"])
    print(f"  peak RSS task worker(s)     {peaks} MiB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--chunk-size", type=int, default=1000)
    args = parser.parse_args()
    os.environ["DATA_EXCHANGE_JOBS_CHUNK_SIZE"] = run.ENV["DATA_EXCHANGE_JOBS_CHUNK_SIZE"] = str(
        args.chunk_size
    )
    token = run.prepare()
    path, size = write_csv(args.rows)
    print(f"CSV: {args.rows:,} rows, {size / MB:.1f} MiB; chunks of {args.chunk_size} rows")
    # The upload is read into chunks within the request: gunicorn must let it take its time.
    server = run.Server("core.wsgi", PORT, 1, {"GUNICORN_TIMEOUT": "900"})
    try:
        for workers in args.workers:
            report(import_once(path, size, token, workers, server), args.rows)
    finally:
        server.stop()
        cleanup()


if __name__ == "__main__":
    main()
