"""Bulk requests run as bulk SQL: statement budgets of the hot paths.

Every count includes the per-request configuration version check (1 query), the savepoints the
write path opens (2 per level, inside the test transaction), the exchange log row with its
savepoint (3) and the triage lookup of open failures of the written entities (1 per 5,000
items, exchangelog.triage). The client is force-authenticated, so authentication costs no
query here; with session authentication add 2 (session and user).
"""

import json
import re

from django.db import connection

import pytest

from tests.api.conftest import add_item, count_rows, insert_row

N = 1000


def item(i, **values):
    return {"code": f"C{i:05d}", "title": f"n{i}", "qty": i, **values}


@pytest.fixture
def warm(api, items_endpoint):
    """Compile the endpoint first: compiling is once per configuration version, not per request."""
    api.get("items")
    return api


@pytest.fixture
def stored(warm):
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO dxa_item (code, name, qty) VALUES (%s, %s, %s)",
            [(f"C{i:05d}", f"n{i}", i) for i in range(N)],
        )
        cursor.execute("SELECT id_item FROM dxa_item ORDER BY id_item")
        return [row[0] for row in cursor.fetchall()]


def statements(captured, verb):
    """Return the captured statements starting with `verb` (an executemany counts once)."""
    texts = [re.sub(r"^\d+ times: ", "", q["sql"].lstrip()) for q in captured]
    return [text for text in texts if text.upper().startswith(verb.upper())]


def test_post_of_1000_rows_is_a_handful_of_statements(warm, django_assert_max_num_queries):
    with django_assert_max_num_queries(10) as captured:
        response = warm.post("items", {"data": [item(i) for i in range(N)]})
    assert response.status_code == 201
    assert len(statements(captured, "INSERT INTO " + connection.ops.quote_name("dxa_item"))) == 1
    assert count_rows("dxa_item") == N


def test_post_with_two_shapes_of_rows_is_one_insert_per_shape(warm, django_assert_max_num_queries):
    data = [item(i, label="x") if i % 2 else item(i) for i in range(N)]
    with django_assert_max_num_queries(11) as captured:
        response = warm.post("items", {"data": data})
    assert response.status_code == 201
    assert len(statements(captured, "INSERT INTO " + connection.ops.quote_name("dxa_item"))) == 2
    assert [row["code"] for row in response.json()["data"]] == [d["code"] for d in data]


def test_non_transactional_post_of_1000_rows_is_bulk_too(warm, django_assert_max_num_queries):
    headers = {"X-Is-Transactional": "false"}
    with django_assert_max_num_queries(10):
        response = warm.post("items", {"data": [item(i) for i in range(N)]}, headers=headers)
    assert response.status_code == 201
    assert len(response.json()["data"]) == N


def test_post_with_a_foreign_key_checks_it_in_one_query(
    api, parts_endpoint, django_assert_max_num_queries
):
    parent = add_item("AA")
    api.get("parts")
    data = [{"fk_item": parent, "sku": f"s{i}"} for i in range(N)]
    with django_assert_max_num_queries(11):
        response = api.post("parts", {"data": data})
    assert response.status_code == 201


def test_patch_of_1000_rows_is_not_2000_round_trips(stored, warm, django_assert_max_num_queries):
    data = [{"id_item": pk, "qty": 7} for pk in stored]
    with django_assert_max_num_queries(12) as captured:
        response = warm.patch("items", {"data": data})
    assert response.status_code == 200
    # one lookup of all identifiers and one batched UPDATE; PostgreSQL's UPDATE … RETURNING
    # gives the rows back, elsewhere one more SELECT reads them
    reads = 1 if connection.vendor == "postgresql" else 2
    assert len(statements(captured, "SELECT " + connection.ops.quote_name("id_item"))) == reads
    assert len(statements(captured, "UPDATE")) == 1
    assert {row["qty"] for row in response.json()["data"]} == {7}


def test_put_of_1000_rows_updating_and_creating_is_bulk(
    stored, warm, django_assert_max_num_queries
):
    data = [item(i, id_item=pk, is_active=True) for i, pk in enumerate(stored[:500])]
    data += [item(N + i, is_active=True) for i in range(500)]
    with django_assert_max_num_queries(13):
        response = warm.put("items", {"data": data})
    assert response.status_code == 200
    assert count_rows("dxa_item") == N + 500


def test_a_page_read_is_one_query(stored, warm, django_assert_num_queries):
    with django_assert_num_queries(2):  # version check + the page
        response = warm.get("items", **{"page[offset]": "100", "page[limit]": "500"})
    assert len(response.json()["data"]) == 500
    with django_assert_num_queries(2):
        response = warm.get(
            "items", **{"filter[i.qty]": '{"in": [1, 2, 3]}', "filter[i.code]": "C00002"}
        )
    assert len(response.json()["data"]) == 1


def test_default_page_of_1000_is_one_query(stored, warm, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = warm.get("items")
    assert len(response.json()["data"]) == N


def test_get_one_is_one_query(stored, warm, django_assert_num_queries):
    with django_assert_num_queries(2):
        assert warm.get(f"items/{stored[5]}").status_code == 200


def test_include_costs_one_query_per_relation_level(api, parts_endpoint, django_assert_num_queries):
    for i in range(50):
        parent = add_item(f"P{i:03d}")
        insert_row("dxa_part", fk_item=parent, sku=f"s{i}a")
        insert_row("dxa_part", fk_item=parent, sku=f"s{i}b")
    api.get("items", include="itemParts")  # compiles both endpoints
    with django_assert_num_queries(3):
        response = api.get("items", include="itemParts")
    assert all(len(row["itemParts"]) == 2 for row in response.json()["data"])


def test_delete_of_1000_rows_is_a_handful_of_statements(
    stored, warm, django_assert_max_num_queries
):
    warm.delete(f"items/{stored[0]}")  # the first DELETE per version looks up referencing keys
    # version, rows, one probe per referencing foreign key, the DELETE in a savepoint, the log
    with django_assert_max_num_queries(9):
        in_filter = json.dumps({"in": list(range(1, N))})
        response = warm.delete("items", **{"filter[i.qty]": in_filter})
    assert response.status_code == 204
    assert count_rows("dxa_item") == 0


@pytest.mark.parametrize("transactional", [True, False])
def test_one_item_the_database_refuses_among_1000_costs_a_few_bulk_retries(
    warm, transactional, django_assert_max_num_queries
):
    """The bulk INSERT fails on one duplicate code; halving the batch finds the item with a few
    bulk statements per halving and a chunk of 16 item by item, not a savepoint per item."""
    add_item(item(500)["code"])
    headers = {} if transactional else {"X-Is-Transactional": "false"}
    with django_assert_max_num_queries(150) as captured:
        response = warm.post("items", {"data": [item(i) for i in range(N)]}, headers=headers)
    inserts = statements(captured, "INSERT INTO " + connection.ops.quote_name("dxa_item"))
    assert len(inserts) < 60
    if transactional:
        assert response.status_code == 400
        assert ["items[500]" in e["message"] for e in response.json()] == [True]
        assert count_rows("dxa_item") == 1
    else:
        assert response.status_code == 201
        body = response.json()
        assert ["items[500]" in e["message"] for e in body["errors"]] == [True]
        assert len(body["data"]) == N - 1
        assert count_rows("dxa_item") == N
