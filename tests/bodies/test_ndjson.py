"""NDJSON write bodies (`Content-Type: application/x-ndjson`): one JSON object per line, read as
the items of a JSON body (docs/bulk.md)."""

import pytest

from tests.bodies.conftest import NDJSON, insert, row_count, rows


def send(api, method, text, *, path="items", headers=None, content_type=NDJSON):
    body = text if isinstance(text, bytes) else text.encode()
    return api.request(method, path, raw=body, content_type=content_type, headers=headers)


def one_error(response):
    (error,) = response.json()
    return error["code"], error["status"], error["message"]


def test_each_line_is_an_item(api, items):
    text = '{"code":"A1","qty":1}\n\n{"code":"B2","name":"Banana"}\r\n   \n{"code":"C3"}'
    response = send(api, "POST", text)
    assert response.status_code == 201, response.content
    assert [row["code"] for row in response.json()["data"]] == ["A1", "B2", "C3"]
    assert rows("code, name, qty") == [("A1", None, 1), ("B2", "Banana", None), ("C3", None, None)]


def test_patch_writes_explicit_nulls_and_leaves_missing_keys(api, items):
    a = insert("A1", name="Apple", qty=5)
    response = send(api, "PATCH", f'{{"id_item":{a},"name":null}}\n')
    assert response.status_code == 200, response.content
    assert rows("code, name, qty") == [("A1", None, 5)]


def test_put_and_single_routes(api, items):
    a = insert("A1", name="Apple", qty=5)
    response = send(api, "PUT", '{"code":"A1","qty":2}\n', path=f"items/{a}")
    assert response.status_code == 200, response.content
    assert rows("code, name, qty") == [("A1", None, 2)]
    response = send(api, "PUT", '{"code":"A1"}\n{"code":"A1"}\n', path=f"items/{a}")
    assert one_error(response)[0] == "1301"


def test_items_get_the_json_errors_and_non_transactional_keeps_good_lines(api, items):
    text = '{"code":"A1"}\n{"code":"B2","qty":"2"}\n{"code":"C3","colour":"red"}\n'
    response = send(api, "POST", text, headers={"X-Is-Transactional": "0"})
    assert response.status_code == 201
    body = response.json()
    assert [row["code"] for row in body["data"]] == ["A1"]
    assert [(e["code"], e["message"]) for e in body["errors"]] == [
        ("1305", "Invalid data type `items[1]` for field `qty`"),
        ("1311", "The provided `items[2].colour` is incorrect or invalid."),
    ]
    assert rows("code") == [("A1",)]


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('{"code":"A1"}\n{"code":\n', 2, "the line is not valid JSON in UTF-8"),
        ('{"code":"A1"}\n\n["A2"]\n', 3, "the line is not a JSON object"),
        ('{"code":"A1"}\n"A2"\n', 2, "the line is not a JSON object"),
        ('{"code":"A1"} {"code":"A2"}\n', 1, "the line is not valid JSON in UTF-8"),
    ],
)
def test_a_line_that_is_not_an_object_is_refused_naming_it(api, items, text, line, reason):
    response = send(api, "POST", text)
    assert one_error(response) == ("1418", 400, f"Invalid NDJSON body at line {line}: {reason}.")
    assert row_count() == 0


def test_bytes_that_are_not_utf8_name_their_line(api, items):
    response = send(api, "POST", '{"code":"A1"}\n{"code":"\xe9"}\n'.encode("latin-1"))
    assert one_error(response) == (
        "1418",
        400,
        "Invalid NDJSON body at line 2: the line is not valid JSON in UTF-8.",
    )


def test_a_bom_is_skipped(api, items):
    assert send(api, "POST", '\ufeff{"code":"A1"}\n'.encode()).status_code == 201


def test_a_charset_other_than_utf8_is_unsupported(api, items):
    response = send(api, "POST", '{"code":"A1"}', content_type=f"{NDJSON}; charset=utf-16")
    assert one_error(response)[:2] == ("1419", 415)


@pytest.mark.parametrize("text", ["", "\n\n", "  \r\n"])
def test_a_body_without_lines_is_the_data_format_error(api, items, text):
    assert one_error(send(api, "POST", text))[0] == "1301"


def test_a_line_nested_too_deep_is_refused(api, items, settings):
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "MAX_JSON_DEPTH": 4}
    assert send(api, "POST", '{"code":"A1","r":[]}').status_code == 400  # 1313: depth is fine
    response = send(api, "POST", '{"code":"A1","r":[{}]}')
    assert one_error(response)[0] == "1412"


def test_the_batch_limit_counts_lines(api, items):
    items.max_batch_size = 1
    items.save()
    assert one_error(send(api, "POST", '{"code":"A1"}\n{"code":"B2"}'))[0] == "1401"
