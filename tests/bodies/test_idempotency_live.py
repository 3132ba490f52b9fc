"""Idempotency-Key against a real gunicorn with real connections: a retry while the first request
runs (409), a first request whose claim was taken over after its lease (rolled back, the retry
stores the rows), and a client that hangs up before reading the answer and retries: every row is
stored exactly once. The table has no unique column, so a write run twice would show twice."""

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request

from django.contrib.auth import get_user_model
from django.db import connection

import pytest

from dataexchange.auth.models import AccessToken
from dataexchange.idempotency.models import IdempotencyKey
from tests.concurrency.test_server_cut import WAITING, table_locked
from tests.support.ddl import create_tables, drop_tables
from tests.support.endpoints import make_endpoint
from tests.support.servers import database_url, start_server, stop_server

pytestmark = [pytest.mark.multiprocess, pytest.mark.django_db(transaction=True)]

TABLE = "cc_item"  # the name test_server_cut's lock helpers use
PORTS = range(8471, 8480)  # this area's ports
BODY = {"data": [{"name": "first"}, {"name": "second"}]}
KEY = "live-key-1"
needs_server_db = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="no lock to hold a request with on SQLite"
)


@pytest.fixture
def live():
    """Create the table and its endpoint; yield (start(**env) -> port, token)."""
    create_tables({TABLE: "id {pk}, name VARCHAR(40)"})
    make_endpoint(
        "live",
        TABLE,
        "id",
        [dict(column_name="id", type="integer", is_creatable=False, is_editable=False),
         dict(column_name="name", type="string")],
    )  # fmt: skip
    user = get_user_model().objects.create_superuser("live", "live@example.com", "pw")
    token = AccessToken.objects.issue(user)[1]
    started = []

    def start(**extra):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DEBUG": "0",
            "SECRET_KEY": "idempotency-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1",
            "GUNICORN_CMD_ARGS": "--threads 4",
            **extra,
        }
        port = next(p for p in PORTS if port_is_free(p))
        started.append(start_server(port, env, workers=1))
        warm_up(port, token)
        return port

    yield start, token
    for process in started:
        stop_server(process)
    drop_tables(TABLE)


def warm_up(port, token):
    """Read once, so that the server has compiled the endpoint (its introspection would wait
    for a lock the tests hold) before a test holds the table."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/dynamic-entity/live",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200


def port_is_free(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def post(port, token, body=BODY, key=KEY):
    """POST `body` with the key; return (status, headers, parsed body)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/dynamic-entity/live",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.loads(error.read())


def in_thread(function, *args):
    """Run `function(*args)` in a thread; return (thread, answers list)."""
    answers = []
    thread = threading.Thread(target=lambda: answers.append(function(*args)))
    thread.start()
    return thread, answers


def wait_for_waiting_backend(cursor, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cursor.execute(WAITING[connection.vendor])
        if cursor.fetchone() is not None:
            return
        time.sleep(0.05)
    pytest.fail("no server connection waited for the table lock")


def stored_names():
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name FROM {TABLE} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


@needs_server_db
def test_a_retry_while_the_first_runs_is_409_then_replays(live):
    start, token = live
    port = start()
    with table_locked() as watching:
        first, answers = in_thread(post, port, token)
        wait_for_waiting_backend(watching)
        status, headers, body = post(port, token)
        assert (status, [e["code"] for e in body]) == (409, ["1421"])
        assert int(headers["Retry-After"]) >= 1
    first.join(timeout=60)
    status, headers, original = answers[0]
    assert status == 201 and "Idempotent-Replayed" not in headers
    status, headers, replayed = post(port, token)
    assert (status, headers["Idempotent-Replayed"], replayed) == (201, "true", original)
    assert stored_names() == ["first", "second"]


@needs_server_db
def test_a_request_whose_claim_was_taken_over_rolls_back(live):
    start, token = live
    port = start(DATA_EXCHANGE_IDEMPOTENCY_LEASE_SECONDS="1")
    with table_locked() as watching:
        first, first_answers = in_thread(post, port, token)
        wait_for_waiting_backend(watching)
        time.sleep(1.2)  # the first request's lease ends while it waits
        second, second_answers = in_thread(post, port, token)
        time.sleep(0.5)  # the second took the claim over and waits for the lock too
    first.join(timeout=60)
    second.join(timeout=60)
    statuses = sorted(answer[0] for answer in (*first_answers, *second_answers))
    assert statuses == [201, 409]
    assert stored_names() == ["first", "second"]
    assert post(port, token)[1]["Idempotent-Replayed"] == "true"
    assert stored_names() == ["first", "second"]


def send_and_hang_up(port, token):
    """Send the keyed POST on a raw socket and close it without reading a byte of the answer."""
    body = json.dumps(BODY).encode()
    head = (
        "POST /dynamic-entity/live HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Idempotency-Key: {KEY}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head.encode() + body)


def wait_for_claim(timeout=20):
    """Wait until the hung-up request has claimed its key (so the retry is a retry)."""
    deadline = time.monotonic() + timeout
    while not IdempotencyKey.objects.exists():
        if time.monotonic() > deadline:
            pytest.fail("the request never claimed its key")
        time.sleep(0.05)


def retry_until_answered(port, token, timeout=30):
    """Retry the keyed POST while it is still running (409); return the answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = post(port, token)
        if answer[0] != 409:
            return answer
        time.sleep(0.1)
    pytest.fail("the first request never finished")


def test_a_client_that_hung_up_retries_and_each_row_is_stored_once(live):
    start, token = live
    port = start()
    if connection.vendor == "sqlite":
        send_and_hang_up(port, token)
        wait_for_claim()
    else:
        with table_locked() as watching:  # hang up while the write is still waiting
            send_and_hang_up(port, token)
            wait_for_waiting_backend(watching)
    status, headers, body = retry_until_answered(port, token)
    assert (status, headers["Idempotent-Replayed"]) == (201, "true")
    assert [row["name"] for row in body["data"]] == ["first", "second"]
    assert stored_names() == ["first", "second"]
