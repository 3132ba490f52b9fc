"""gunicorn settings for Data Exchange: `gunicorn -c gunicorn.conf.py` (serves `core.wsgi`).

The defaults are the production choice of docs/performance.md ("The server"): gthread workers,
one per CPU, 4 threads each; on the 2-core benchmark machine that is 2 workers × 4 threads, the
fastest configuration that also passes the fault drill (tests/faults). Each thread keeps its own
database connection (`DB_CONN_MAX_AGE`): plan for workers × threads connections per host.

Environment variables (all optional): `GUNICORN_BIND` (default `0.0.0.0:8000`),
`WEB_CONCURRENCY` (worker processes, default one per CPU), `GUNICORN_THREADS` (threads per
worker, default 4; 1 runs gunicorn's sync worker), `GUNICORN_TIMEOUT` (seconds a worker may stay
silent, default 30), `GUNICORN_GRACEFUL_TIMEOUT` (seconds to finish requests on SIGTERM/SIGHUP,
default 30), `GUNICORN_KEEPALIVE` (seconds, default 5), `GUNICORN_ACCESS_LOG` (file, `-` for
stdout (default), empty to switch it off), `LOG_LEVEL` (default `warning`).
"""

import gc
import multiprocessing
import os
import tempfile
from pathlib import Path

chdir = str(Path(__file__).resolve().parent)  # the project, whatever the working directory
wsgi_app = "core.wsgi"
bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))

# Long filters (`{"in": [...1,100 ids...]}`) make long request lines; gunicorn's own maximum
# (8,190 bytes) refuses them. 0 lifts its limit, and the application answers 414 `1413` beyond
# DATA_EXCHANGE_MAX_QUERY_STRING_BYTES (64 KiB). Let the reverse proxy in front bound the line.
limit_request_line = 0

# One line per request with the response's X-Request-Id (the exchange log's id), credentials
# masked by dataexchange.api.accesslog (never `api_key=...`).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms '
    "request_id=%({x-request-id}o)s"
)
logger_class = "dataexchange.api.accesslog.AccessLogger"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "warning").lower()


# `/metrics` sums the samples of every worker (dataexchange.metrics): prometheus-client's
# multiprocess mode, in which each worker writes its samples to files in this folder. It must be
# set before any worker imports prometheus_client, hence here; a folder of this server's own
# unless PROMETHEUS_MULTIPROC_DIR names one (which must then serve this server alone).
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="dataexchange-metrics-"))


def on_starting(server):
    """Start the metrics from zero: drop the sample files a previous run left in the folder."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink(missing_ok=True)


def child_exit(server, worker):
    """Let the metrics forget a dead worker's live gauges (its counters stay in the sums)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Load the URLconf (the views, DRF, the engine), then move everything the worker loaded out
    of the garbage collector's sight: a full collection otherwise walks those ~90,000 objects
    (tens of milliseconds) every few large requests, a pause that lands in one request (a nested
    create of 700 rows triggers one every ten or so). Objects created later are collected as
    usual."""
    from django.apps import apps

    if apps.ready:  # a Django application (the benchmark's bare ceiling is not one)
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 (imports the views now, not on a request)
    gc.collect()
    gc.freeze()
