"""SQL injection attempts in every place a request carries text into SQL: each is refused (or,
for values, stored or compared verbatim) and the table is unchanged and still there."""

from urllib.parse import urlencode

import pytest

from tests.auth.conftest import TABLE, bearer, thing_id, thing_rows
from tests.security.conftest import table_exists

URL = "/dynamic-entity/things"
DROP = f"'; DROP TABLE {TABLE}; --"
NOT_FOUND = [{"message": "Not found", "status": 404, "code": "007"}]


@pytest.fixture
def as_boss(superuser):
    return bearer(superuser)


@pytest.fixture
def unchanged(things):
    """Assert after the test that the things table holds exactly what it held before."""
    before = thing_rows()
    yield
    assert table_exists(TABLE)
    assert thing_rows() == before


def error(code, status, message):
    return [{"message": message, "status": status, "code": code}]


@pytest.mark.parametrize(
    "path",
    [
        f"things;DROP%20TABLE%20{TABLE}",
        "things'--",
        "things%27%20OR%20%271%27=%271",
        "things%20UNION%20SELECT%20*%20FROM%20auth_user",
        "things%00",
        "things%3B",
    ],
)
def test_alias(client, unchanged, as_boss, path):
    response = client.get(f"/dynamic-entity/{path}", **as_boss)
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    "entity_id",
    [
        "1%20OR%201=1",
        f"1{DROP}".replace(" ", "%20").replace(";", "%3B"),
        "0%20UNION%20SELECT%20password%20FROM%20auth_user",
        "1)%20OR%20(1=1",
    ],
)
@pytest.mark.parametrize("method", ["get", "delete"])
def test_id(client, unchanged, as_boss, entity_id, method):
    response = getattr(client, method)(f"{URL}/{entity_id}", **as_boss)
    assert response.status_code == 404
    assert response.json() == error(
        "1303", 404, "The entity `things` could not be found in the database."
    )


def test_id_in_patch_body(client, unchanged, as_boss):
    body = {"data": [{"id_thing": "1 OR 1=1", "qty": 0}]}
    response = client.patch(URL, body, format="json", **as_boss)
    assert response.json() == error(
        "1305", 400, "Invalid data type `things[0]` for field `id_thing`"
    )


@pytest.mark.parametrize(
    "key",
    [
        f"filter[things.name;DROP TABLE {TABLE}]",
        "filter[things.name) OR (1=1]",
        "filter[things.name` = 1 OR `name]",
        'filter[things.name" = 1 OR "name]',
    ],
)
def test_filter_key(client, unchanged, as_boss, key):
    response = client.get(URL, {key: "alpha"}, **as_boss)
    field = key[len("filter[things.") : -1]
    assert response.status_code == 400
    assert response.json() == error(
        "1315", 400, f"Filter field `{field}` for table alias `things` not found."
    )


@pytest.mark.parametrize(
    "field, value",
    [
        ("name", "' OR '1'='1"),
        ("name", DROP),
        ("name", "{\"in\":[\"alpha') OR ('1'='1\"]}"),
        ("qty", "1 OR 1=1"),
        ("qty", '{"in":["1) OR (1=1"]}'),
        ("id_thing", "0 UNION SELECT 1"),
    ],
)
def test_filter_value_is_compared_not_executed(client, unchanged, as_boss, field, value):
    response = client.get(URL, {f"filter[things.{field}]": value}, **as_boss)
    assert response.status_code == 200
    assert response.json() == {"data": []}


def test_filter_value_on_delete(client, unchanged, as_boss):
    query = urlencode({"filter[things.name]": "' OR '1'='1"})
    response = client.delete(f"{URL}?{query}", **as_boss)
    assert response.status_code == 404
    assert response.json() == error(
        "1303", 404, "The entity `things` could not be found in the database."
    )


@pytest.mark.parametrize("include", [f"x;DROP TABLE {TABLE}", "things) OR (1=1", "a.b;--"])
def test_include(client, unchanged, as_boss, include):
    response = client.get(URL, {"include": include}, **as_boss)
    relation = include.split(",")[0].split(".")[0]
    assert response.status_code == 400
    assert response.json() == error(
        "1313",
        400,
        f"Relation `{relation}` not found. Please check the requested relation name and try again.",
    )


@pytest.mark.parametrize("sort", [f"name;DROP TABLE {TABLE}", "name) OR (1=1", "-name--"])
def test_sort(client, unchanged, as_boss, sort):
    response = client.get(URL, {"sort": sort}, **as_boss)
    field = sort.lstrip("-")
    assert response.status_code == 400
    assert response.json() == error(
        "1406", 400, f"Sort field `{field}` for table alias `things` not found."
    )


@pytest.mark.parametrize(
    "field",
    [
        f"name; DROP TABLE {TABLE}; --",
        "name) VALUES ('x'); --",
        'name" = 1 --',
        "name`, `qty",
    ],
)
def test_field_name_in_body(client, unchanged, as_boss, field):
    response = client.post(URL, {"data": [{field: "x", "name": "gamma"}]}, format="json", **as_boss)
    assert response.status_code == 400
    assert response.json() == error(
        "1311", 400, f"The provided `things[0].{field}` is incorrect or invalid."
    )


@pytest.mark.parametrize("method", ["patch", "put"])
def test_field_name_in_single_update_body(client, unchanged, as_boss, method):
    field = f"qty = 0; DROP TABLE {TABLE}; --"
    url = f"{URL}/{thing_id('alpha')}"
    body = {"data": {"name": "alpha", field: 1}}
    response = getattr(client, method)(url, body, format="json", **as_boss)
    assert response.status_code == 400
    assert response.json() == error(
        "1311", 400, f"The provided `things[0].{field}` is incorrect or invalid."
    )


def test_string_value_is_stored_verbatim(client, things, as_boss):
    before = thing_rows()
    response = client.post(URL, {"data": [{"name": DROP}]}, format="json", **as_boss)
    assert response.status_code == 201
    assert response.json()["data"][0]["name"] == DROP
    assert table_exists(TABLE)
    assert thing_rows()[: len(before)] == before
    assert thing_rows()[-1][1] == DROP
