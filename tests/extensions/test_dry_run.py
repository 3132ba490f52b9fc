"""SPEC B7: `X-Dry-Run: true` validates and writes in a transaction that is always rolled back."""

from django.db import connection

import pytest

from .conftest import error

DRY = {"X-Dry-Run": "true"}


def count(table):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return cursor.fetchone()[0]


def snapshot():
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM ext_item ORDER BY id_item")
        items = cursor.fetchall()
        cursor.execute("SELECT * FROM ext_part ORDER BY id_part")
        return items, cursor.fetchall()


def without_ids(value):
    """Drop generated keys: a rolled-back insert still consumes its sequence value (PG, MariaDB)."""
    if isinstance(value, list):
        return [without_ids(item) for item in value]
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items() if not k.startswith(("id_", "fk_"))}
    return value


def test_post_answers_what_it_would_have_and_writes_nothing(sample, api):
    body = {"data": [{"code": "N1", "name": "new", "itemParts": [{"sku": "N1-a"}]}]}
    before = snapshot()
    status, dry, response = api("post", "items", body, headers=DRY)
    assert (status, response["X-Dry-Run"]) == (201, "true")
    assert dry["data"][0]["is_active"] is True  # the database default, read back
    assert dry["data"][0]["itemParts"][0]["fk_item"] == dry["data"][0]["id_item"]
    assert snapshot() == before
    status, real, response = api("post", "items", body)
    assert status == 201 and "X-Dry-Run" not in response
    assert without_ids(real["data"]) == without_ids(dry["data"])
    assert count("ext_item") == 7


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("patch", "items", {"data": [{"id_item": "{A1}", "name": "pear"}]}, 200),
        ("patch", "items/{A1}", {"data": {"name": "pear"}}, 200),
        ("put", "items/{B2}", {"data": {"code": "B2", "name": "reset", "is_active": False}}, 200),
        ("put", "items", {"data": [{"code": "P1", "name": "created"}]}, 200),
        ("delete", "items/{B2}", None, 204),
        ("delete", "items?filter[items.qty]=%7B%22lte%22%3A5%7D", None, 204),
    ],
)
def test_every_write_method_is_rolled_back(sample, api, method, path, body, expected):
    path = path.format(**sample)
    if body is not None and "id_item" in str(body):
        body = {"data": [{**body["data"][0], "id_item": sample["A1"]}]}
    before = snapshot()
    status, dry, response = api(method, path, body, headers=DRY)
    assert (status, response["X-Dry-Run"]) == (expected, "true"), dry
    assert snapshot() == before
    status, real, _ = api(method, path, body)
    assert (status, without_ids(real)) == (expected, without_ids(dry))


def test_errors_are_answered_with_the_header(sample, api):
    status, body, response = api("post", "items", {"data": [{"name": "no code"}]}, headers=DRY)
    assert status == 400 and body[0]["code"] == "1307" and response["X-Dry-Run"] == "true"


def test_blocked_delete_is_reported_and_nothing_is_deleted(sample, api):
    status, body, response = api("delete", f"items/{sample['A1']}", headers=DRY)
    assert (status, response["X-Dry-Run"]) == (400, "true")
    assert body[0]["code"] == "1317"
    assert count("ext_item") == 6


def test_non_transactional_items_are_all_rolled_back(sample, api):
    body = {"data": [{"code": "N1", "name": "ok"}, {"code": "A1", "name": "duplicate"}]}
    headers = {**DRY, "X-Is-Transactional": "false"}
    status, dry, _ = api("post", "items", body, headers=headers)
    assert status == 201 and len(dry["data"]) == 1 and dry["errors"][0]["code"] == "1309"
    assert count("ext_item") == 6


@pytest.mark.parametrize(
    ("value", "dry"),
    # "": an empty header is no header, as the document's enum says
    [("TRUE", True), (" true ", True), ("1", True), ("false", False), ("0", False), ("", False)],
)
def test_true_or_1_asks_for_a_dry_run(sample, api, value, dry):
    status, _, response = api(
        "post", "codes", {"data": [{"code": "X"}]}, headers={"x-dry-run": value}
    )
    assert status == 201 and ("X-Dry-Run" in response) is dry
    assert count("ext_code") == (0 if dry else 1)


def test_reads_ignore_the_header(sample, api):
    status, _, response = api("get", "items", headers=DRY)
    assert status == 200 and "X-Dry-Run" not in response


def test_dry_run_rolls_back_a_real_transaction(transactional_db, endpoints, api):
    """Outside a test transaction the dry run is the outermost transaction, not a savepoint."""
    try:
        body = {"data": [{"code": "T1", "name": "x"}, {"code": "T1", "name": "dup"}]}
        headers = {**DRY, "X-Is-Transactional": "0"}
        status, dry, _ = api("post", "items", body, headers=headers)
        assert status == 201 and len(dry["data"]) == 1
        assert count("ext_item") == 0
        status, _, _ = api("delete", "items", headers=DRY, **{"filter[items.code]": "T1"})
        assert status == 404
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM ext_part")
            cursor.execute("DELETE FROM ext_item")


def test_unknown_error_path_keeps_spryker_body(sample, api):
    status, body, _ = api("patch", "items/999999", {"data": {"name": "x"}}, headers=DRY)
    message = "The entity `items[0]` could not be found in the database."
    assert (status, body) == (404, error("1303", 404, message))
