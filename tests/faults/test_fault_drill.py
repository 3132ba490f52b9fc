"""Fault drill: nothing acknowledged is lost while workers die and connections are cut.

A real server in the production setting (2 workers × 4 threads: gunicorn's gthread workers, or
granian with DX_TEST_SERVER=granian) takes concurrent 50-item POST batches with unique keys while
the test SIGKILLs a worker and cuts every database connection of the server, in turns, about
every two seconds. Afterwards: the server is still running; every batch answered 201 is stored
whole and has its exchange record; no batch is stored in part; no answer is a 5xx other than 503
`1415` with Retry-After; after the last fault the service answers again within a second. Runs on
PostgreSQL and MariaDB (SQLite has no connections to cut), bounded to about half a minute per
database.
"""

import json
import os
import random
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid

from django.contrib.auth import get_user_model
from django.db import connection, connections

import pytest

from dataexchange.auth.models import AccessToken
from dataexchange.exchangelog.models import Exchange
from tests.support.dbsessions import end_sessions, session_id
from tests.support.ddl import column_type
from tests.support.endpoints import make_endpoint
from tests.support.servers import database_url, free_port, start_server, stop_server

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(connection.vendor == "sqlite", reason="no connections to cut on SQLite"),
]

DRILL_SECONDS = float(os.environ.get("DX_FAULT_DRILL_SECONDS", "25"))
FAULT_EVERY = 2.0
CLIENTS = 4
BATCH = 50
TABLE = "fd_item"


@pytest.fixture
def server(transactional_db):
    """A server (2 workers × 4 threads) on the test database serving `fd-items`; yield (port,
    process, token)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (id {column_type('pk')}, batch VARCHAR(40) NOT NULL,"
            " seq INTEGER NOT NULL, code VARCHAR(60) NOT NULL UNIQUE)"
        )
    fields = [
        {"column_name": "id", "type": "integer", "is_creatable": False, "is_editable": False},
        {"column_name": "batch", "type": "string", "is_required": True},
        {"column_name": "seq", "type": "integer", "is_required": True},
        {"column_name": "code", "type": "string", "is_required": True},
    ]
    make_endpoint("fd-items", TABLE, "id", fields)
    user = get_user_model().objects.create_superuser("drill", password="drill-pass-123")
    _, token, _ = AccessToken.objects.issue(user)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": "fault-drill-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_CONN_MAX_AGE": "600",
    }
    port = free_port()
    process = start_server(port, env, workers=2, threads=4)
    yield port, process, token
    stop_server(process)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Drill:
    """Clients posting batches and a fault injector, with what each of them saw."""

    def __init__(self, port, process, token):
        self.url = f"http://127.0.0.1:{port}/dynamic-entity/fd-items"
        self.process, self.token = process, token
        self.outcomes = []  # (batch, status or None, headers, body)
        self.faults = {"worker killed": 0, "connections cut": 0}
        self.last_fault = 0.0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.own_connection = session_id()  # the test's: never cut

    def request(self, method, body=None, timeout=15):
        """Return (status, headers with lower-case names, body bytes), or (None, {}, error text)
        when no answer came."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, lowered(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, lowered(error.headers), error.read()
        except (OSError, urllib.error.URLError) as error:  # the worker died mid-request
            return None, {}, str(error).encode()

    def client(self):
        while not self.stop.is_set():
            batch = uuid.uuid4().hex
            items = [{"batch": batch, "seq": i, "code": f"{batch}-{i}"} for i in range(BATCH)]
            status, headers, body = self.request("POST", {"data": items})
            with self.lock:
                self.outcomes.append((batch, status, headers, body))

    def injector(self):
        kinds = [self.kill_worker, self.cut_connections]
        turn = 0
        while not self.stop.wait(FAULT_EVERY * random.uniform(0.6, 1.4)):
            kinds[turn % 2]()
            turn += 1
            self.last_fault = time.monotonic()

    def kill_worker(self):
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        if children:
            os.kill(int(random.choice(children)), signal.SIGKILL)
            self.faults["worker killed"] += 1

    def cut_connections(self):
        cut = server_connections_cut(self.own_connection)
        self.faults["connections cut"] += 1 if cut else 0


def lowered(headers):
    """Header names are case-insensitive: gunicorn sends `Retry-After`, granian `retry-after`."""
    return {name.lower(): value for name, value in headers.items()}


def server_connections_cut(own):
    """End every connection to the test database but `own`; return how many there were."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            ids = [i for i in other_connection_ids(cursor) if i != own]
    finally:
        other.close()
    end_sessions(*ids)
    return len(ids)


def other_connection_ids(cursor):
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
    else:
        cursor.execute(
            "SELECT id FROM information_schema.PROCESSLIST WHERE db = DATABASE()"
            " AND id <> CONNECTION_ID()"
        )
    return [row[0] for row in cursor.fetchall()]


def stored_counts():
    """Return {batch: rows stored}."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT batch, COUNT(*) FROM {TABLE} GROUP BY batch")
        return dict(cursor.fetchall())


def recovery_seconds(drill):
    """Return how long after the last fault the service first answered a read with 200."""
    while time.monotonic() - drill.last_fault < 5:
        status, _, _ = drill.request("GET", timeout=2)
        if status == 200:
            return time.monotonic() - drill.last_fault
        time.sleep(0.02)
    return float("inf")


def test_nothing_acknowledged_is_lost_under_faults(server, capsys):
    drill = Drill(*server)
    threads = [threading.Thread(target=drill.client) for _ in range(CLIENTS)]
    injector = threading.Thread(target=drill.injector)
    for thread in [*threads, injector]:
        thread.start()
    time.sleep(DRILL_SECONDS)
    drill.stop.set()
    injector.join()
    drill.cut_connections()  # the last fault: every connection of the server at once
    drill.last_fault = time.monotonic()
    recovered = recovery_seconds(drill)
    for thread in threads:
        thread.join()

    stored = stored_counts()
    acknowledged = [o for o in drill.outcomes if o[1] == 201]
    unavailable = [o for o in drill.outcomes if o[1] == 503]
    no_answer = [o for o in drill.outcomes if o[1] is None]
    with capsys.disabled():
        print(
            f"\nfault drill on {connection.vendor}: {len(drill.outcomes)} requests, "
            f"{len(acknowledged)} acknowledged (201), {len(unavailable)} answered 503, "
            f"{len(no_answer)} without answer (worker killed), faults injected: "
            f"{drill.faults}, service answered again {recovered * 1000:.0f} ms after the last"
        )
    assert drill.process.poll() is None, "the server exited under the faults (see its log above)"
    bad = [o for o in drill.outcomes if o[1] is not None and o[1] not in (201, 503)]
    assert not bad, f"unexpected answers: {[(o[1], o[3][:300]) for o in bad]}"
    for _, _, headers, body in unavailable:
        assert headers.get("retry-after"), headers
        assert [e["code"] for e in json.loads(body)] == ["1415"]
    assert len(acknowledged) > 20 and sum(drill.faults.values()) >= 8
    partial = {batch: n for batch, n in stored.items() if n != BATCH}
    assert not partial, f"batches stored in part: {partial}"
    lost = [o[0] for o in acknowledged if stored.get(o[0]) != BATCH]
    assert not lost, f"acknowledged batches not stored: {lost}"
    request_ids = [o[2]["x-request-id"] for o in acknowledged]
    recorded = set(
        str(i) for i in Exchange.objects.filter(id__in=request_ids).values_list("id", flat=True)
    )
    missing = [i for i in request_ids if i not in recorded]
    assert not missing, f"acknowledged writes without exchange record: {missing}"
    assert recovered < 1.0, f"service answered again only {recovered:.2f} s after the last fault"
