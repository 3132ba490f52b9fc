"""The request metrics, and how one API request is counted.

prometheus-client in its multiprocess mode when `PROMETHEUS_MULTIPROC_DIR` is set (gunicorn.conf.py
sets it before any worker starts, so every worker writes its samples to files in that folder and
one scrape sums them); a plain in-process registry otherwise (runserver, tests in one process).

Labels are bounded: `endpoint` is a configured alias or `-` (an unknown alias in a URL never
becomes a label, so a caller cannot grow the series without end), `method` one of the API's
methods, `status` the HTTP status code, `code` an error code of the catalogue.
"""

import time

from prometheus_client import Counter, Histogram

from dataexchange.exchangelog.recorder import DRY_RUN_HEADER, response_errors
from dataexchange.registry import served_alias

NO_ENDPOINT = "-"
METHODS = frozenset(("GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"))
# Seconds; small requests take 1–10 ms, a batch of thousands a second or more.
LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
)  # fmt: skip

REQUESTS = Counter(
    "dataexchange_requests",
    "API requests answered, by endpoint, method and HTTP status.",
    ("endpoint", "method", "status"),
)
LATENCY = Histogram(
    "dataexchange_request_duration_seconds",
    "Time from the request reaching the API view to its response being ready.",
    ("endpoint", "method"),
    buckets=LATENCY_BUCKETS,
)
ITEMS = Counter(
    "dataexchange_items",
    "Items of write requests processed, by endpoint, method and outcome (stored or failed).",
    ("endpoint", "method", "outcome"),
)
FAILURES = Counter(
    "dataexchange_failures",
    "Errors answered, by endpoint and error code (item errors and whole-request errors).",
    ("endpoint", "code"),
)


# (endpoint, method, status) → the two children a request updates: `labels()` validates and
# looks its arguments up on every call; this dict lookup is all the hot path pays. Bounded like
# the labels themselves (served aliases × methods × statuses).
_children = {}
_item_children = {}  # (endpoint, method, outcome) → the ITEMS child


def observe_request(view, method, response):
    """Count one answered API request: its status and latency, its items, its error codes.

    `view.kwargs["alias"]` is the alias of the URL (a label only if it names a served endpoint);
    `view.trace` has the start time and, for a write that reached the engine, the outcomes."""
    endpoint = served_alias(view.kwargs.get("alias")) or NO_ENDPOINT
    method = method if method in METHODS else "OTHER"
    trace = view.trace
    key = (endpoint, method, response.status_code)
    try:
        counter, latency = _children[key]
    except KeyError:
        counter, latency = _children.setdefault(
            key, (REQUESTS.labels(*key), LATENCY.labels(endpoint, method))
        )
    counter.inc()
    latency.observe(time.perf_counter() - trace.started)
    if trace.outcomes:
        dry_run = response.get(DRY_RUN_HEADER) == "true"
        observe_items(endpoint, method, trace.outcomes, trace.transactional, dry_run)
    elif response.status_code >= 400:
        for error in response_errors(response):
            FAILURES.labels(endpoint, code_of(error)).inc()


def observe_items(endpoint, method, outcomes, transactional, dry_run=False):
    """Count the items of one write (a request or a job's chunk) by outcome, and their errors.

    Outcomes: `stored`, `failed`, `rolled_back` (valid, but the transactional batch failed) and
    `validated` (a dry run: valid, not stored)."""
    failed = 0
    for outcome in outcomes:
        if outcome.errors:
            failed += 1
            for error in outcome.errors:
                FAILURES.labels(endpoint, code_of(error)).inc()
    if failed:
        items_child(endpoint, method, "failed").inc(failed)
    valid = len(outcomes) - failed
    if valid:
        if dry_run:
            outcome = "validated"
        elif failed and transactional:
            outcome = "rolled_back"
        else:
            outcome = "stored"
        items_child(endpoint, method, outcome).inc(valid)


def items_child(*labels):
    """Return the ITEMS child of `labels` (endpoint, method, outcome), looked up once."""
    try:
        return _item_children[labels]
    except KeyError:
        return _item_children.setdefault(labels, ITEMS.labels(*labels))


def code_of(error):
    """Return the error code of an error object (a dict or an ApiError), as a short string."""
    code = error.get("code") if isinstance(error, dict) else getattr(error, "code", None)
    return str(code)[:8] if code is not None else "unknown"
