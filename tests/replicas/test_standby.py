"""Read replicas against a real PostgreSQL streaming standby (issue 16, point 6).

The test starts its own primary and standby clusters (`clusters.py`), migrates the primary, and
runs gunicorn with DATABASE_URL = primary and DATABASE_REPLICA_URLS = standby. Replay on the
standby is paused, so its lag is total and deterministic: a read served by the standby cannot see
a row written after the pause, a read served by the primary must.

PostgreSQL only (standbys are PostgreSQL's); on PostgreSQL the module fails, not skips, when the
clusters cannot be started.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings

import pytest

from dataexchange.auth.models import hash_secret
from tests.replicas import clusters
from tests.support.servers import ROOT, free_port, start_server, stop_server

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="streaming standbys are PostgreSQL's",
    ),
]
WINDOW = 2  # DATA_EXCHANGE_READ_YOUR_WRITES_SECONDS of the servers
ITEMS = "/dynamic-entity/rp-items"


@pytest.fixture(scope="module")
def pair():
    """A primary and its streaming standby, migrated and seeded: (primary, standby, tokens)."""
    primary, standby, cleanup = clusters.start_pair()
    try:
        env = {**os.environ, "DATABASE_URL": primary.url, "PYTHONPATH": str(ROOT)}
        env.pop("DATABASE_REPLICA_URLS", None)
        run = dict(cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        migrated = subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **run)
        assert migrated.returncode == 0, migrated.stderr
        seeded = subprocess.run(
            [sys.executable, "tests/replicas/seed.py"],
            **{**run, "env": {**env, "DJANGO_SETTINGS_MODULE": "core.settings"}},
        )
        assert seeded.returncode == 0, seeded.stderr
        clusters.wait_replayed(primary, standby)
        yield primary, standby, json.loads(seeded.stdout)
    finally:
        cleanup()


@pytest.fixture(scope="module")
def servers(pair):
    """Servers A and B read from the standby; C's replica is a closed port. One worker each:
    A and B stand for two hosts."""
    primary, standby, _ = pair
    env = {
        **os.environ,
        "DATABASE_URL": primary.url,
        "DEBUG": "0",
        "SECRET_KEY": "read-replica-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_CONN_MAX_AGE": "60",
        "DATA_EXCHANGE_READ_YOUR_WRITES_SECONDS": str(WINDOW),
    }
    dead = f"postgres://postgres@127.0.0.1:{free_port()}/{clusters.DATABASE}"
    replicas = {"a": standby.url, "b": standby.url, "c": dead}
    ports = {name: free_port() for name in replicas}
    processes = [
        start_server(ports[name], {**env, "DATABASE_REPLICA_URLS": url}, threads=1)
        for name, url in replicas.items()
    ]
    yield ports
    for process in processes:
        stop_server(process)


@pytest.fixture
def paused(pair):
    """Pause replay on the standby for the test; resume it and let it catch up afterwards."""
    primary, standby, _ = pair
    clusters.pause_replay(standby)
    yield primary
    clusters.resume_replay(standby)
    clusters.wait_replayed(primary, standby)


@pytest.fixture
def tokens(pair):
    return pair[2]


def call(port, path, token, method="GET", body=None, accept="application/json"):
    """Return (status, body) of an API request; the body parsed as JSON when it is JSON."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Accept": accept}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw and accept == "application/json" else raw.decode()


def ids(port, token):
    """Return the ids of the rows a GET of the collection answers."""
    status, body = call(port, ITEMS, token)
    assert status == 200, body
    return {row["id"] for row in body["data"]}


def insert(primary, row_id, name="after the pause"):
    """Insert a row with plain SQL on the primary."""
    with primary.connect() as db:
        db.execute("INSERT INTO rp_item (id, name) VALUES (%s, %s)", (row_id, name))


def test_a_reader_is_served_by_the_paused_standby_and_a_writer_by_the_primary(
    servers, paused, tokens, pair
):
    insert(paused, 10)
    reader, writer = tokens["reader"], tokens["writer"]
    assert ids(servers["a"], reader) == {1}
    assert call(servers["a"], f"{ITEMS}/10", reader)[0] == 404  # the standby lacks it
    created = call(servers["a"], ITEMS, writer, "POST", {"data": [{"id": 11, "name": "mine"}]})
    assert created[0] == 201, created
    # The writer reads its own write, on the other host too; the reader still does not.
    assert ids(servers["b"], writer) == {1, 10, 11}
    assert call(servers["a"], f"{ITEMS}/11", writer) == (
        200,
        {"data": {"id": 11, "name": "mine"}},
    )
    assert ids(servers["b"], reader) == {1}
    time.sleep(WINDOW + 0.2)  # past the window, the writer reads the standby again
    assert ids(servers["a"], writer) == {1}
    clusters.resume_replay(pair[1])
    clusters.wait_replayed(*pair[:2])
    assert ids(servers["a"], reader) == {1, 10, 11}
    assert ids(servers["b"], reader) == {1, 10, 11}


def test_a_token_revoked_after_the_pause_is_refused(servers, paused, tokens):
    token = tokens["revoked"]
    assert call(servers["a"], ITEMS, token)[0] == 200
    with paused.connect() as db:
        db.execute(
            "UPDATE dataexchange_auth_accesstoken SET revoked_at = now() WHERE access_hash = %s",
            (hash_secret(token),),
        )
    for port in (servers["a"], servers["b"]):
        assert call(port, ITEMS, token) == (
            401,
            [{"message": "Invalid access token.", "status": 401, "code": "001"}],
        )


def test_reads_inside_a_write_use_the_primary(servers, paused, tokens):
    insert(paused, 20)
    patched = call(servers["a"], f"{ITEMS}/20", tokens["patcher"], "PATCH", {"data": {"name": "x"}})
    assert patched == (200, {"data": {"id": 20, "name": "x"}})


def test_a_streamed_export_reads_the_standby(servers, paused, tokens):
    insert(paused, 30)
    status, text = call(servers["a"], ITEMS, tokens["streamer"], accept="application/x-ndjson")
    assert status == 200
    streamed = {json.loads(line)["id"] for line in text.splitlines()}
    assert 1 in streamed
    assert 30 not in streamed


def test_an_unreachable_replica_falls_back_to_the_primary(servers, paused, tokens):
    insert(paused, 40)
    assert 40 in ids(servers["c"], tokens["reader"])
    assert 40 not in ids(servers["a"], tokens["reader"])


def test_a_lost_replica_connection_is_read_again_on_the_primary(servers, pair, paused, tokens):
    standby = pair[1]
    insert(paused, 50)
    assert 50 not in ids(servers["a"], tokens["waiter"])  # A now holds a standby connection
    with standby.connect() as db:
        db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
    assert 50 in ids(servers["a"], tokens["waiter"])  # answered by the primary, no 503
    assert 50 not in ids(servers["a"], tokens["waiter"])  # a fresh standby connection
