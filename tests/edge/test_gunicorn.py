"""The production server: gunicorn started with `-c gunicorn.conf.py` serves long filters (issue
item 12), bounds chunked bodies, and writes access log lines with the request id and without the
API key."""

import http.client
import json
import os
import time
from urllib.parse import quote

from django.db import connection

import pytest

from tests.auth.conftest import TABLE, grant, make_endpoint, make_key
from tests.support.servers import ROOT, database_url, free_port, start_server, stop_server

pytestmark = pytest.mark.multiprocess


@pytest.fixture
def served(transactional_db, things_table, superuser, tmp_path):
    """(port, access log path, api key) of a gunicorn serving `things` with two rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (name, qty) VALUES ('alpha', 1), ('beta', 2)")
    key, raw = make_key(superuser)
    grant(make_endpoint(), "view", "create", api_key=key)
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "GUNICORN_CMD_ARGS": f"-c {ROOT / 'gunicorn.conf.py'}",
        "GUNICORN_ACCESS_LOG": str(log),
        "DATABASE_URL": database_url(),
        "DEBUG": "0",
        "SECRET_KEY": "edge-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz-0123",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_CONN_MAX_AGE": "0",
    }
    port = free_port()
    try:
        process = start_server(port, env, server="gunicorn")
        yield port, log, raw
        stop_server(process)
    finally:  # the rows are committed: remove them even when the server did not start
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")


def call(port, method, path, body=None, headers=None):
    """Return (status, headers, parsed JSON body or None) of one request."""
    connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection_.request(method, path, body=body, headers=headers or {})
    response = connection_.getresponse()
    content = response.read()
    connection_.close()
    return response.status, response.headers, json.loads(content) if content else None


def test_an_11_kb_in_filter_is_served(served):
    port, _, key = served
    ids = [1, *range(100000, 101200)]  # 1,200 six-digit ids and the row with qty 1
    in_filter = json.dumps({"in": ids}, separators=(",", ":"))
    path = "/dynamic-entity/things?filter[things.qty]=" + quote(in_filter)
    assert len(path) > 10_800  # about 11 KB, beyond gunicorn's own maximum line (8,190)
    status, headers, body = call(port, "GET", path, headers={"X-Api-Key": key})
    assert status == 200 and [row["name"] for row in body["data"]] == ["alpha"]
    assert headers["Cache-Control"] == "no-store"


def test_beyond_the_cap_the_app_answers_414(served):
    port, _, key = served
    status, _, body = call(port, "GET", f"/dynamic-entity/things?q={'x' * 70000}")
    assert status == 414
    assert body == [
        {
            "message": "Query string of 70002 bytes exceeds the maximum of 65536 bytes.",
            "status": 414,
            "code": "1413",
        }
    ]


def test_chunked_bodies_are_read_and_bounded(served):
    port, _, key = served
    json_type = {"Content-Type": "application/json", "X-Api-Key": key}
    chunks = iter([b'{"data": [{"name": ', b'"gamma"}]}'])
    status, _, body = call(port, "POST", "/dynamic-entity/things", chunks, json_type)
    assert status == 201 and body["data"][0]["name"] == "gamma"
    status, _, body = call(port, "POST", "/token", iter([b"x" * 70000]), json_type)
    assert status == 413 and body[0]["code"] == "1408"


def log_line(log, marker, seconds=10):
    """Return the access log line holding `marker`, waiting for gunicorn to write it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        lines = [line for line in log.read_text().splitlines() if marker in line]
        if lines:
            return lines[0]
        time.sleep(0.05)
    pytest.fail(f"no access log line with {marker}")


def test_access_log_has_the_request_id_and_no_api_key(served):
    port, log, key = served
    status, headers, _ = call(port, "GET", f"/dynamic-entity/things?api_key={key}&x=1")
    assert status == 200
    line = log_line(log, headers["X-Request-Id"])
    assert key not in log.read_text()
    assert '"GET /dynamic-entity/things?api_key=[redacted]&x=1 HTTP/1.1" 200' in line
    assert line.endswith(f"request_id={headers['X-Request-Id']}")
