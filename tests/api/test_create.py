"""POST: bodies, stored rows read back, nulls dropped, request order (SPEC A2, A5)."""

import pytest

from tests.api.conftest import count_rows, fetch_rows

INVALID_FORMAT = [
    {
        "message": (
            "Invalid or missing data format. Please ensure that the data is provided in the "
            "correct format. Example request body: {'data':[{...},{...},..]}"
        ),
        "status": 400,
        "code": "1301",
    }
]


def test_post_creates_a_batch_and_returns_stored_rows_in_request_order(api, items_endpoint):
    body = {
        "data": [
            {"code": "ZZ", "title": "Last", "price": "1.5", "qty": 4, "ratio": 1.25},
            {"code": "AA", "title": "First", "is_active": False, "url": "/a/b"},
            {"code": "MM", "title": "Middle", "label": "mid", "rank": 3},
        ]
    }
    response = api.post("items", body)
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json"
    rows = response.json()["data"]
    assert [row["code"] for row in rows] == ["ZZ", "AA", "MM"]
    ids = [row["id_item"] for row in rows]
    assert len(set(ids)) == 3 and all(isinstance(i, int) for i in ids)
    assert rows[0] == {
        "id_item": ids[0],
        "code": "ZZ",
        "title": "Last",
        "label": None,
        "price": "1.50",
        "qty": 4,
        "rank": None,
        "is_active": True,  # database default
        "ratio": 1.25,
        "url": None,
        "origin": "db",  # database default of a non-creatable column
    }
    assert rows[1]["is_active"] is False and rows[1]["url"] == "/a/b"
    assert rows[2]["label"] == "mid" and rows[2]["rank"] == 3
    stored = fetch_rows("dxa_item", "code", "code, name")
    assert stored == [
        {"code": "AA", "name": "First"},
        {"code": "MM", "name": "Middle"},
        {"code": "ZZ", "name": "Last"},
    ]


def test_response_equals_what_a_get_reads_back(api, items_endpoint):
    created = api.post("items", {"data": [{"code": "AA", "title": "t", "price": 2}]}).json()
    row = created["data"][0]
    assert api.get(f"items/{row['id_item']}").json() == {"data": row}


def test_post_drops_null_values_so_database_defaults_apply(api, items_endpoint):
    body = {"data": [{"code": "AA", "title": "t", "is_active": None, "origin": None, "qty": None}]}
    response = api.post("items", body)
    assert response.status_code == 201, response.content
    row = response.json()["data"][0]
    assert (row["is_active"], row["origin"], row["qty"]) == (True, "db", None)


def test_unicode_strings_round_trip(api, items_endpoint):
    response = api.post("items", {"data": [{"code": "ÄÖ", "title": "Grüße 🌍"}]})
    assert response.status_code == 201, response.content
    row = response.json()["data"][0]
    assert (row["code"], row["title"]) == ("ÄÖ", "Grüße 🌍")
    assert api.get("items", **{"filter[i.code]": "ÄÖ"}).json()["data"][0]["title"] == "Grüße 🌍"


def test_creatable_identifier_may_be_sent(api, settings_endpoint):
    response = api.post("settings", {"data": [{"key": "k1", "value": "v"}, {"key": "k2"}]})
    assert response.status_code == 201
    assert [(r["key"], r["value"]) for r in response.json()["data"]] == [("k1", "v"), ("k2", None)]


def test_the_identifier_key_is_not_an_unknown_field(api, items_endpoint):
    response = api.post("items", {"data": [{"code": "AA", "title": "t", "identifier": 5}]})
    assert response.status_code == 201, response.content
    assert count_rows("dxa_item") == 1


def test_large_batch_is_created_in_order(api, items_endpoint):
    data = [{"code": f"C{i:04d}", "title": f"n{i}"} for i in range(300, 0, -1)]
    response = api.post("items", {"data": data})
    assert response.status_code == 201
    assert [row["code"] for row in response.json()["data"]] == [d["code"] for d in data]
    assert count_rows("dxa_item") == 300


def test_items_with_different_keys_keep_request_order(api, items_endpoint):
    data = [
        {"code": "A1", "title": "t"},
        {"code": "A2", "title": "t", "qty": 1},
        {"code": "A3", "title": "t"},
        {"code": "A4", "title": "t", "qty": 2, "label": "x"},
        {"code": "A5", "title": "t", "qty": 3},
    ]
    rows = api.post("items", {"data": data}).json()["data"]
    assert [(r["code"], r["qty"], r["label"]) for r in rows] == [
        ("A1", None, None),
        ("A2", 1, None),
        ("A3", None, None),
        ("A4", 2, "x"),
        ("A5", 3, None),
    ]


# --- A2 bodies: 1301 -----------------------------------------------------------------------------

BAD_COLLECTION_BODIES = [
    None,  # no body
    "",
    "not json",
    "{",
    "null",
    "[]",
    '[{"code": "AA"}]',  # no envelope
    "{}",  # no data
    '{"items": [{"code": "AA"}]}',
    '{"data": []}',
    '{"data": {}}',
    '{"data": null}',
    '{"data": "AA"}',
    '{"data": [1]}',
    '{"data": ["AA"]}',
    '{"data": [null]}',
    '{"data": [[{"code": "AA"}]]}',
    '{"data": [{"code": "AA", "title": "t"}, 5]}',  # one non-object item
]


@pytest.mark.parametrize("raw", BAD_COLLECTION_BODIES)
@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT"])
def test_bad_collection_body_is_1301(api, items_endpoint, method, raw):
    response = api.request(method, "items", raw=raw)
    assert (response.status_code, response.json()) == (400, INVALID_FORMAT)
    assert count_rows("dxa_item") == 0


BAD_SINGLE_BODIES = [None, "not json", "{}", '{"data": {}}', '{"data": []}', '{"data": "x"}']
# a list where an object is due, and a null
BAD_SINGLE_BODIES += ['{"data": [{"code": "AA"}]}', '{"data": null}']


@pytest.mark.parametrize("raw", BAD_SINGLE_BODIES)
@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_bad_single_body_is_1301(api, items_endpoint, method, raw):
    response = api.request(method, "items/1", raw=raw)
    assert (response.status_code, response.json()) == (400, INVALID_FORMAT)
