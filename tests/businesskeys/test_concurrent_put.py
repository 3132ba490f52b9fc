"""Two concurrent PUTs of the same new business key store one row: the database settles the race
on the key's unique index (`ON CONFLICT` / `ON DUPLICATE KEY`), not a lookup in Python."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.contrib.auth import get_user_model
from django.db import connection

import pytest
from rest_framework.test import APIClient

from dataexchange.engine.execute import write
from tests.businesskeys.conftest import configure, seed
from tests.support.client import Api

pytestmark = pytest.mark.skipif(
    "connection.vendor == 'sqlite'", reason="two writers at once: PostgreSQL and MariaDB"
)


def test_two_concurrent_puts_of_one_new_sku_create_one_row(transactional_db, monkeypatch):
    seed()
    configure()
    user = get_user_model().objects.create_superuser("bk-race", "race@example.com", None)
    barrier = threading.Barrier(2, timeout=30)
    looked_up = write.find_by_business_keys

    def find_then_wait(endpoint, nodes):
        """Both requests look the key up (and find nothing) before either inserts."""
        found = looked_up(endpoint, nodes)
        barrier.wait()
        return found

    monkeypatch.setattr(write, "find_by_business_keys", find_then_wait)

    def put(name):
        client = APIClient()
        client.force_authenticate(user=user)
        try:
            return Api(client)("PUT", "products", {"data": [{"sku": "RACE-1", "name": name}]})[:2]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(put, ["first", "second"]))
    assert [status for status, _ in answers] == [200, 200], answers
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_product, name FROM bk_product WHERE sku = 'RACE-1'")
        rows = list(cursor.fetchall())
    assert len(rows) == 1, rows
    # Both answers show the one row; the later writer's name is stored.
    assert {body["data"][0]["id_product"] for _, body in answers} == {rows[0][0]}
    assert rows[0][1] in ("first", "second")
