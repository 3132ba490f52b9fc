"""PUT: upsert with reset, create when the identifier is absent or creatable, 1308 (SPEC A5)."""

import pytest

from tests.api.conftest import add_item, count_rows, fetch_rows, make_endpoint


@pytest.fixture
def item(items_endpoint):
    return add_item("AA", "First", label="l", qty=1, price="2.5", item_rank=3, url="/u", ratio=0.5)


def test_put_updates_and_resets_unsent_fields_to_null(api, item):
    body = {"data": [{"id_item": item, "code": "AB", "title": "New", "is_active": False}]}
    response = api.put("items", body)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "data": [
            {
                "id_item": item,
                "code": "AB",
                "title": "New",
                "label": None,
                "price": None,
                "qty": None,
                "rank": None,
                "is_active": False,
                "ratio": None,
                "url": None,
                # not editable, so a PUT cannot change it (SPEC A4 1304); see the report
                "origin": "db",
            }
        ]
    }


def test_put_resets_fields_sent_as_null(api, item):
    body = {"data": [{"id_item": item, "code": "AA", "title": "t", "label": None, "qty": 5}]}
    body["data"][0]["is_active"] = True
    row = api.put("items", body).json()["data"][0]
    assert (row["label"], row["qty"], row["price"]) == (None, 5, None)


def test_put_resets_a_field_whose_visible_name_differs_from_its_column(api, item):
    body = {"data": [{"id_item": item, "code": "AA", "title": "t", "is_active": True}]}
    row = api.put("items", body).json()["data"][0]
    assert row["title"] == "t"  # sent under its visible name, so not reset


def test_put_resetting_a_not_null_column_is_1302(api, item):
    response = api.put("items", {"data": [{"id_item": item, "code": "AA", "title": "t"}]})
    assert response.status_code == 400
    assert response.json() == [
        {
            "message": (
                "Failed to persist the data for `items[0].is_active`. Please verify the provided"
                " data and try again. Field must not be null."
            ),
            "status": 400,
            "code": "1302",
        }
    ]


def test_put_one_updates_and_returns_an_object(api, item):
    body = {"data": {"code": "AC", "title": "One", "qty": 2, "is_active": True}}
    response = api.put(f"items/{item}", body)
    assert response.status_code == 200, response.content
    row = response.json()["data"]
    assert (row["id_item"], row["code"], row["qty"], row["label"]) == (item, "AC", 2, None)


def test_put_without_identifier_creates_with_status_200(api, items_endpoint):
    response = api.put("items", {"data": [{"code": "NW", "title": "New", "qty": 3}]})
    assert response.status_code == 200, response.content
    row = response.json()["data"][0]
    assert (row["code"], row["qty"], row["is_active"]) == ("NW", 3, True)
    assert isinstance(row["id_item"], int)
    assert count_rows("dxa_item") == 1


def test_put_mixes_updates_and_creates_in_request_order(api, item):
    data = [
        {"code": "C1", "title": "created"},
        {"id_item": item, "code": "AA", "title": "updated", "is_active": True},
        {"code": "C2", "title": "created too"},
    ]
    response = api.put("items", {"data": data})
    assert response.status_code == 200, response.content
    rows = response.json()["data"]
    assert [(r["code"], r["title"]) for r in rows] == [
        ("C1", "created"),
        ("AA", "updated"),
        ("C2", "created too"),
    ]
    assert rows[1]["id_item"] == item
    assert count_rows("dxa_item") == 3


def test_unknown_identifier_that_is_not_creatable_is_1308(api, item):
    response = api.put("items", {"data": [{"id_item": 999999, "code": "ZZ", "title": "t"}]})
    assert response.status_code == 400
    assert response.json() == [
        {
            "message": (
                "Entity `items[0].id_item: 999999` not found by identifier, and new identifier"
                " can not be persisted. Please update the request."
            ),
            "status": 400,
            "code": "1308",
        }
    ]
    assert count_rows("dxa_item") == 1


def test_put_one_unknown_and_not_creatable_is_1308(api, item):
    response = api.put("items/999999", {"data": {"code": "ZZ", "title": "t"}})
    assert response.status_code == 400
    assert response.json()[0]["message"] == (
        "Entity `items[0].id_item: 999999` not found by identifier, and new identifier can not"
        " be persisted. Please update the request."
    )


def test_unknown_identifier_that_is_creatable_creates_the_row(api, settings_endpoint):
    response = api.put("settings", {"data": [{"key": "fresh", "value": "v"}]})
    assert response.status_code == 200, response.content
    assert response.json()["data"][0]["key"] == "fresh"
    # the required identifier is sent in the body too: the URL does not count as sending it
    response = api.put("settings/other", {"data": {"key": "other", "value": "w"}})
    assert response.status_code == 200, response.content
    assert (response.json()["data"]["key"], response.json()["data"]["value"]) == ("other", "w")
    keys = [r["setting_key"] for r in fetch_rows("dxa_setting", "setting_key")]
    assert keys == ["fresh", "other"]


def test_put_existing_by_string_identifier_resets(api, settings_endpoint):
    api.post("settings", {"data": [{"key": "k", "value": "v"}]})
    response = api.put("settings", {"data": [{"key": "k"}]})
    assert response.status_code == 200, response.content
    assert response.json()["data"][0]["value"] is None
    assert count_rows("dxa_setting") == 1


def test_put_enforces_required_fields_even_for_updates(api, item):
    response = api.put("items", {"data": [{"id_item": item, "title": "no code"}]})
    assert response.status_code == 400
    assert response.json() == [
        {
            "message": "The required field must not be empty. Field: `items[0].code`",
            "status": 400,
            "code": "1307",
        }
    ]
    assert fetch_rows("dxa_item", "id_item", "name")[0]["name"] == "First"


def test_identifier_in_the_body_of_an_id_route_is_1304_when_not_editable(api, item):
    response = api.put(f"items/{item}", {"data": {"id_item": item, "code": "AA", "title": "t"}})
    assert response.status_code == 400
    assert [e["code"] for e in response.json()] == ["1304"]


def test_identifier_key_selects_the_row(api, item):
    body = {"data": [{"identifier": item, "code": "AA", "title": "k", "is_active": True}]}
    response = api.put("items", body)
    assert response.status_code == 200, response.content
    assert response.json()["data"][0]["id_item"] == item
    assert count_rows("dxa_item") == 1


@pytest.fixture
def numbered(db):
    """`numbered` over dxa_item: an integer identifier the client may choose (creatable)."""
    fields = [
        dict(column_name="id_item", type="integer", is_creatable=True, is_editable=False),
        dict(column_name="code", type="string"),
        dict(column_name="name", visible_name="title", type="string"),
    ]
    return make_endpoint("numbered", "dxa_item", "id_item", fields)


@pytest.mark.parametrize(
    ("url_id", "error"),
    [
        ("abc", ("1305", "Invalid data type `numbered[0]` for field `id_item`")),
        ("1.5", ("1305", "Invalid data type `numbered[0]` for field `id_item`")),
        (
            str(2**31),
            (
                "1306",
                "Invalid data value `numbered[0]` for field: `id_item`. Field rules: "
                "min: -2147483648, max: 2147483647",
            ),
        ),
    ],
)
def test_put_one_with_an_id_the_identifier_cannot_hold_is_refused(api, numbered, url_id, error):
    """The upsert would store the URL's id: it is checked as the identifier's value (before,
    `abc` created a row with a generated identifier, and SQLite stored 2**31)."""
    response = api.put(f"numbered/{url_id}", {"data": {"code": "ZZ", "title": "t"}})
    assert response.status_code == 400
    assert [(e["code"], e["message"]) for e in response.json()] == [error]
    assert count_rows("dxa_item") == 0


def test_put_one_creates_the_row_with_the_id_of_the_url(api, numbered):
    response = api.put("numbered/77", {"data": {"code": "ZZ", "title": "t"}})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["id_item"] == 77


def test_patch_one_with_a_non_numeric_id_stays_1303(api, numbered):
    response = api.patch("numbered/abc", {"data": {"code": "ZZ"}})
    assert (response.status_code, response.json()[0]["code"]) == (404, "1303")
