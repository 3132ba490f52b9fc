"""`/metrics` under gunicorn with two worker processes: one scrape sums every worker's requests,
and a worker killed with SIGKILL takes none of the counts it made with it."""

import http.client
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.auth.conftest import TABLE, grant, make_endpoint, make_key
from tests.support.servers import database_url, free_port, start_server, stop_server

pytestmark = pytest.mark.multiprocess
REQUESTS = 40


@pytest.fixture
def served(transactional_db, things_table, superuser, tmp_path):
    """(port, server process, superuser API key, metrics folder) of gunicorn with 2 sync
    workers serving `things`."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (name, qty) VALUES ('alpha', 1)")
    key, raw = make_key(superuser)
    grant(make_endpoint(), "view", api_key=key)
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": "metrics-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-01",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_CONN_MAX_AGE": "0",
        "GUNICORN_ACCESS_LOG": "",
    }
    port = free_port()
    try:
        # sync workers (one request at a time each): concurrent requests must use both
        process = start_server(port, env, workers=2, threads=1, server="gunicorn")
        yield port, process, raw, tmp_path / "metrics"
        stop_server(process)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")


def get(port, path, key):
    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection_.request("GET", path, headers={"X-Api-Key": key})
    response = connection_.getresponse()
    body = response.read()
    connection_.close()
    return response.status, body


def served_count(port, key):
    """Return the scrape's count of GET /dynamic-entity/things answered 200."""
    status, body = get(port, "/metrics", key)
    assert status == 200, body
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            if sample.name == "dataexchange_requests_total" and sample.labels == {
                "endpoint": "things",
                "method": "GET",
                "status": "200",
            }:
                return sample.value
    return 0


def worker_pids(master_pid):
    """Return the pids of the processes whose parent is `master_pid` (gunicorn's workers)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master_pid:
                pids.append(int(entry))
    return pids


def both_workers(master_pid):
    """Return the two workers' pids once both have started (the port opens with the first)."""
    deadline = time.monotonic() + 20
    while len(workers := worker_pids(master_pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(workers) == 2
    return workers


def test_one_scrape_counts_the_requests_of_every_worker(served):
    port, process, key, folder = served
    workers = both_workers(process.pid)
    sent = 0
    # until both workers have served some (each writes its counters to a file of its own)
    while not {f"counter_{pid}.db" for pid in workers} <= {p.name for p in folder.iterdir()}:
        assert sent < 20 * REQUESTS, "one worker served every request"
        with ThreadPoolExecutor(4) as pool:
            answers = pool.map(
                lambda _: get(port, "/dynamic-entity/things", key)[0], range(REQUESTS)
            )
        assert list(answers) == [200] * REQUESTS
        sent += REQUESTS
    assert served_count(port, key) == sent

    os.kill(workers[0], signal.SIGKILL)  # gunicorn starts another; the counts stay
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and sorted(worker_pids(process.pid)) in ([], [workers[1]]):
        time.sleep(0.1)
    assert served_count(port, key) == sent
