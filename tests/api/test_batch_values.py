"""A batch stores exactly what the same items sent one by one store, for every type.

Batches take bulk paths that single items do not (on PostgreSQL the values of a batch travel as
one JSON document typed by the table's row type, see engine/query/sql.py); these tests compare
the two through the API, value by value, on each backend's own column types.
"""

from django.db import connection

import pytest

from tests.api.conftest import make_endpoint
from tests.support.ddl import column_type

TABLE = "dxa_sample"
# Per backend: (timestamp without time zone, timestamp with time zone, JSON document) types.
TYPES = {
    "sqlite": ("DATETIME", "DATETIME", "TEXT"),
    "postgresql": ("TIMESTAMP", "TIMESTAMPTZ", "JSONB"),
    "mysql": ("DATETIME(6)", "TIMESTAMP(6) NULL", "JSON"),
}
FIELDS = [
    dict(column_name="id_sample", type="integer", is_creatable=False, is_editable=False),
    dict(column_name="code", type="string", is_required=True),
    dict(column_name="local_at", type="datetime"),
    dict(column_name="aware_at", type="datetime"),
    dict(column_name="amount", type="decimal", precision=14, scale=4),
    dict(column_name="ratio", type="float"),
    dict(column_name="flag", type="boolean"),
    dict(column_name="day", type="date"),
    dict(column_name="doc", type="string"),
]
VALUES = {
    "local_at": "2026-01-01T10:00:00+02:00",
    "aware_at": "2026-06-30T23:30:00.250000-05:30",
    "amount": "12345678.1234",
    "ratio": 0.1,
    "flag": False,
    "day": "2026-02-28",
    "doc": '{"a": 1, "b": [true, null]}',
}
COMPARED = [name for name in VALUES if name != "doc"]


@pytest.fixture(scope="module")
def sample_table(django_db_setup, django_db_blocker):
    local, aware, document = TYPES[connection.vendor]
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (id_sample {column_type('pk')},"
            f" code VARCHAR(20) NOT NULL UNIQUE, local_at {local} NULL, aware_at {aware},"
            " amount DECIMAL(14,4) NULL, ratio DOUBLE PRECISION NULL, flag BOOLEAN NULL,"
            f" day DATE NULL, doc {document} NULL)"
        )
    yield TABLE
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


@pytest.fixture
def samples(db, sample_table):
    return make_endpoint("samples", TABLE, "id_sample", FIELDS)


def stored_documents(codes):
    """Return {code: the doc column as the database holds it, read as JSON where it can be}."""
    column = "doc::text" if connection.vendor == "postgresql" else "doc"
    placeholders = ", ".join(["%s"] * len(codes))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code, {column} FROM {TABLE} WHERE code IN ({placeholders})", codes)
        return dict(cursor.fetchall())


def by_code(response):
    return {row["code"]: row for row in response.json()["data"]}


def test_a_batch_stores_what_single_items_store(api, samples):
    single = api.post("samples", {"data": [{"code": "one", **VALUES}]})
    batch = api.post("samples", {"data": [{"code": f"b{i}", **VALUES} for i in range(3)]})
    assert single.status_code == batch.status_code == 201, batch.content
    alone = by_code(single)["one"]
    for row in by_code(batch).values():
        assert {k: row[k] for k in COMPARED} == {k: alone[k] for k in COMPARED}
    # the instants, in UTC; a column without time zone holds the UTC time
    assert alone["local_at"] == "2026-01-01T08:00:00+00:00"
    assert alone["aware_at"] == "2026-07-01T05:00:00.250000+00:00"
    assert alone["amount"] == "12345678.1234"
    assert alone["ratio"] == 0.1
    assert alone["flag"] is False and alone["day"] == "2026-02-28"


def test_a_json_column_stores_the_document_the_string_holds(api, samples):
    api.post("samples", {"data": [{"code": "one", "doc": VALUES["doc"]}]})
    api.post("samples", {"data": [{"code": f"b{i}", "doc": VALUES["doc"]} for i in range(2)]})
    documents = stored_documents(["one", "b0", "b1"])
    assert documents["b0"] == documents["b1"] == documents["one"]
    if connection.vendor == "postgresql":
        assert documents["one"] == '{"a": 1, "b": [true, null]}'  # an object, not a string


def test_a_batch_update_stores_what_single_updates_store(api, samples):
    created = by_code(api.post("samples", {"data": [{"code": f"c{i}"} for i in range(3)]}))
    ids = [created[f"c{i}"]["id_sample"] for i in range(3)]
    single = api.patch(f"samples/{ids[0]}", {"data": VALUES})
    batch = api.patch("samples", {"data": [{"id_sample": pk, **VALUES} for pk in ids[1:]]})
    assert single.status_code == batch.status_code == 200, batch.content
    alone = single.json()["data"]
    for row in batch.json()["data"]:
        assert {k: row[k] for k in COMPARED} == {k: alone[k] for k in COMPARED}
    read = by_code(api.get("samples"))
    assert {k: read["c2"][k] for k in COMPARED} == {k: alone[k] for k in COMPARED}
    documents = stored_documents(["c0", "c1", "c2"])
    assert documents["c0"] == documents["c1"] == documents["c2"]


def test_a_batch_update_can_clear_values(api, samples):
    created = by_code(
        api.post("samples", {"data": [{"code": f"n{i}", **VALUES} for i in range(2)]})
    )
    cleared = {name: None for name in VALUES}
    body = [{"id_sample": row["id_sample"], **cleared} for row in created.values()]
    response = api.patch("samples", {"data": body})
    assert response.status_code == 200, response.content
    for row in response.json()["data"]:
        assert all(row[name] is None for name in VALUES)


def test_the_same_row_twice_in_a_batch_ends_with_the_last_values(api, samples):
    pk = api.post("samples", {"data": [{"code": "twice"}]}).json()["data"][0]["id_sample"]
    body = [{"id_sample": pk, "amount": "1.5"}, {"id_sample": pk, "amount": "2.5"}]
    response = api.patch("samples", {"data": body})
    assert response.status_code == 200, response.content
    assert api.get(f"samples/{pk}").json()["data"]["amount"] == "2.5000"


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite ignores VARCHAR lengths")
def test_a_value_the_database_refuses_fails_its_own_item_in_a_batch(api, samples):
    """A code longer than its column (the endpoint sets no max_length) is refused by the
    database; the bulk statement fails as a whole and the item-by-item retry names the item."""
    data = [{"code": "ok1"}, {"code": "x" * 30}, {"code": "ok2"}]
    response = api.post("samples", {"data": data}, headers={"X-Is-Transactional": "false"})
    assert response.status_code == 201, response.content
    assert [row["code"] for row in response.json()["data"]] == ["ok1", "ok2"]
    assert ["samples[1]" in e["message"] for e in response.json()["errors"]] == [True]
    assert sorted(stored_documents(["ok1", "ok2", "x" * 30])) == ["ok1", "ok2"]


@pytest.mark.parametrize("name", ["local_at", "aware_at"])
def test_a_datetime_filter_with_an_offset_finds_the_same_instant(api, samples, name):
    api.post("samples", {"data": [{"code": "t", **VALUES}, {"code": "u"}]})
    utc = api.get("samples", **{"filter[samples.code]": "t"}).json()["data"][0][name]
    response = api.get("samples", **{f"filter[samples.{name}]": VALUES[name]})
    assert [row["code"] for row in response.json()["data"]] == ["t"]
    response = api.get("samples", **{f"filter[samples.{name}]": utc})
    assert [row["code"] for row in response.json()["data"]] == ["t"]


EXOTIC_TABLE = "dxa_exotic"
EXOTIC_COLUMNS = {  # PostgreSQL column type → a value sent as the field's API type
    "uid": ("UUID", "string", "8a3c5f0e-2f1b-4c3e-9a7d-1e2f3a4b5c6d"),
    "span": ("INTERVAL", "string", "1 day 02:03:04"),
    "blob": ("BYTEA", "string", "\\x0102ff"),
    "mood": ("dxa_mood", "string", "happy"),
    "tags": ("TEXT[]", "string", "{a,b}"),
    "addr": ("INET", "string", "10.1.2.3"),
    "code3": ("CHAR(3)", "string", "ab"),
    "at_time": ("TIME", "string", "12:34:56"),
    "small": ("SMALLINT", "integer", 7),
    "big": ("BIGINT", "integer", 2**62),
    "real_number": ("REAL", "float", 1.5),
    "plain_numeric": ("NUMERIC", "decimal", "123456789012345678901234567890.123456789"),
}


@pytest.fixture
def exotic(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL column types")
    columns = ", ".join(f"{name} {ddl} NULL" for name, (ddl, _, _) in EXOTIC_COLUMNS.items())
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS dxa_exotic")
        cursor.execute("DROP TYPE IF EXISTS dxa_mood")
        cursor.execute("CREATE TYPE dxa_mood AS ENUM ('sad', 'happy')")
        cursor.execute(f"CREATE TABLE {EXOTIC_TABLE} (id SERIAL PRIMARY KEY, {columns})")
    fields = [dict(column_name="id", type="integer", is_creatable=False, is_editable=False)]
    fields += [dict(column_name=name, type=kind) for name, (_, kind, _) in EXOTIC_COLUMNS.items()]
    return make_endpoint("exotics", EXOTIC_TABLE, "id", fields)


def test_a_batch_of_postgresql_types_stores_what_single_items_store(api, exotic):
    values = {name: value for name, (_, _, value) in EXOTIC_COLUMNS.items()}
    single = api.post("exotics", {"data": [values]})
    batch = api.post("exotics", {"data": [values, values]})
    assert single.status_code == batch.status_code == 201, batch.content
    alone = single.json()["data"][0]
    for row in batch.json()["data"]:
        assert {k: row[k] for k in values} == {k: alone[k] for k in values}
    ids = [row["id"] for row in batch.json()["data"]]
    changed = {**values, "mood": "sad", "small": 8, "tags": "{c}"}
    patched = api.patch("exotics", {"data": [{"id": pk, **changed} for pk in ids]})
    one = api.patch(f"exotics/{alone['id']}", {"data": changed})
    assert patched.status_code == one.status_code == 200, patched.content
    for row in patched.json()["data"]:
        assert {k: row[k] for k in values} == {k: one.json()["data"][k] for k in values}
    assert one.json()["data"]["mood"] == "sad" and one.json()["data"]["small"] == 8
