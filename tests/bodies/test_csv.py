"""CSV write bodies (`Content-Type: text/csv`): a header row of visible names, one item per row,
cells converted by the field's type, empty cell = not sent, `\\N` = null (docs/bulk.md)."""

import datetime as dt
from decimal import Decimal

import pytest

from tests.bodies.conftest import CSV, insert, row_count, rows


def post(api, text, *, path="items", headers=None, content_type=CSV):
    body = text if isinstance(text, bytes) else text.encode()
    return api.post(path, raw=body, content_type=content_type, headers=headers)


def send(api, method, text, *, path="items", headers=None, content_type=CSV):
    body = text if isinstance(text, bytes) else text.encode()
    return api.request(method, path, raw=body, content_type=content_type, headers=headers)


def one_error(response):
    (error,) = response.json()
    return error["code"], error["status"], error["message"]


class TestCreate:
    def test_rows_are_created_with_values_of_their_types(self, api, items):
        text = (
            "code,name,price,qty,is_active,ratio,born\n"
            "A1,Apple,1.50,10,true,0.5,2024-01-31\n"
            "B2,Banana,20,0,0,2e1,2024-02-01\n"
        )
        response = post(api, text)
        assert response.status_code == 201, response.content
        data = response.json()["data"]
        assert [row["code"] for row in data] == ["A1", "B2"]
        assert data[0]["price"] == "1.50" and data[0]["qty"] == 10 and data[0]["is_active"]
        assert rows() == [
            ("A1", "Apple", Decimal("1.50"), 10, True, 0.5, dt.date(2024, 1, 31)),
            ("B2", "Banana", Decimal("20.00"), 0, False, 20.0, dt.date(2024, 2, 1)),
        ]
        assert response["Content-Type"] == "application/json"

    def test_an_empty_cell_is_not_sent_and_the_null_token_is_null(self, api, items):
        response = post(api, "code,name,qty\nA1,,\\N\n")
        assert response.status_code == 201, response.content
        assert rows("code, name, qty") == [("A1", None, None)]

    def test_columns_may_come_in_any_order_and_a_subset(self, api, items):
        assert post(api, "qty,code\n3,A1\n").status_code == 201
        assert rows("code, qty") == [("A1", 3)]

    def test_quoted_cells_hold_commas_quotes_and_newlines(self, api, items):
        text = 'code,name\nA1,"Apple, red ""Gala""\nsecond line"\nB2,plain\n'
        assert post(api, text).status_code == 201
        assert rows("code, name") == [("A1", 'Apple, red "Gala"\nsecond line'), ("B2", "plain")]

    def test_crlf_line_ends_a_bom_and_a_charset_parameter_are_read(self, api, items):
        text = "\ufeffcode,name\r\nA1,Äpfel\r\nB2,\r\n".encode()
        response = post(api, text, content_type="text/csv; charset=UTF-8")
        assert response.status_code == 201, response.content
        assert rows("code, name") == [("A1", "Äpfel"), ("B2", None)]

    def test_blank_lines_are_skipped(self, api, items):
        assert post(api, "code\n\nA1\n\nB2").status_code == 201
        assert row_count() == 2

    def test_the_identifier_key_reads_as_the_identifier_field(self, api, items):
        pk = insert("A1", name="old")
        response = send(api, "PATCH", f"identifier,name\n{pk},new\n")
        assert response.status_code == 200, response.content
        assert rows("code, name") == [("A1", "new")]


class TestPatchAndPut:
    def test_patch_leaves_empty_cells_alone_and_writes_null_for_the_token(self, api, items):
        a = insert("A1", name="Apple", qty=5, price=Decimal("1.00"))
        b = insert("B2", name="Banana", qty=6, price=Decimal("2.00"))
        text = f"id_item,name,qty,price\n{a},,7,\\N\n{b},Berry,,\n"
        response = send(api, "PATCH", text)
        assert response.status_code == 200, response.content
        assert rows("code, name, qty, price") == [
            ("A1", "Apple", 7, None),
            ("B2", "Berry", 6, Decimal("2.00")),
        ]

    def test_put_resets_fields_not_sent(self, api, items):
        a = insert("A1", name="Apple", qty=5)
        response = send(api, "PUT", f"id_item,code,qty\n{a},A1,8\n,C3,1\n")
        assert response.status_code == 200, response.content
        assert rows("code, name, qty") == [("A1", None, 8), ("C3", None, 1)]

    def test_a_single_route_takes_exactly_one_row(self, api, items):
        a = insert("A1", name="Apple")
        response = send(api, "PATCH", "name\nApfel\n", path=f"items/{a}")
        assert response.status_code == 200, response.content
        assert response.json()["data"]["name"] == "Apfel"
        response = send(api, "PATCH", "name\nx\ny\n", path=f"items/{a}")
        assert one_error(response)[0] == "1301"
        assert rows("code, name") == [("A1", "Apfel")]


class TestTypeErrors:
    def test_a_cell_that_does_not_fit_is_the_item_error_json_gets(self, api, items):
        response = post(api, "code,qty,is_active,ratio\nA1,1,true,1\nB2,two,maybe,nan\n")
        assert response.status_code == 400
        assert [(e["code"], e["message"]) for e in response.json()] == [
            ("1305", "Invalid data type `items[1]` for field `qty`"),
            ("1305", "Invalid data type `items[1]` for field `is_active`"),
            (
                "1306",
                "Invalid data value `items[1]` for field: `is_active`. Field rules: ",
            ),
            ("1305", "Invalid data type `items[1]` for field `ratio`"),
        ]
        assert row_count() == 0

    def test_non_transactional_requests_keep_the_good_rows(self, api, items):
        headers = {"X-Is-Transactional": "false"}
        text = "code,qty,price\nA1,1,1.5\nB2,1.5,2\nC3,-1,x\nD4,4,4\n"
        response = post(api, text, headers=headers)
        assert response.status_code == 201, response.content
        body = response.json()
        assert [row["code"] for row in body["data"]] == ["A1", "D4"]
        assert [(e["code"], e["message"]) for e in body["errors"]] == [
            ("1305", "Invalid data type `items[1]` for field `qty`"),
            (
                "1306",
                "Invalid data value `items[2]` for field: `qty`. Field rules: min: 0, "
                "max: 2147483647",
            ),
            (
                "1305",
                "Invalid data type `items[2]` for field `price`",
            ),
            (
                "1306",
                "Invalid data value `items[2]` for field: `price`. Field rules: precision: 8, "
                "scale: 2",
            ),
        ]
        assert rows("code") == [("A1",), ("D4",)]

    def test_an_unknown_column_is_the_unknown_field_error(self, api, items):
        response = post(api, "code,colour\nA1,red\nB2,\n")
        assert [(e["code"], e["message"]) for e in response.json()] == [
            ("1311", "The provided `items[0].colour` is incorrect or invalid."),
        ]
        assert row_count() == 0

    def test_a_required_field_left_empty_is_missing(self, api, items):
        response = post(api, "code,name\n,Nameless\n")
        assert one_error(response) == (
            "1307",
            400,
            "The required field must not be empty. Field: `items[0].code`",
        )


class TestMalformed:
    @pytest.mark.parametrize(
        ("text", "position", "reason"),
        [
            ("code,name\nA1,x\nB2\n", "row 2 (line 3)", "1 cells where the header names 2"),
            ("code,name\nA1,x,y\n", "row 1 (line 2)", "3 cells where the header names 2"),
            ('code,name\nA1,"x\nB2,y\n', "row 1 (line 3)", "unexpected end of data"),
            ('code,name\nA1,"x"y\n', "row 1 (line 2)", "',' expected after '\"'"),
            ("code,,name\nA1,x,y\n", "line 1", "column 2 of the header has no name"),
            ("code,name,code\nA1,x,y\n", "line 1", "column `code` appears twice in the header"),
        ],
    )
    def test_a_body_that_is_not_csv_is_refused_whole_naming_row_and_line(
        self, api, items, text, position, reason
    ):
        response = post(api, text)
        assert one_error(response) == ("1418", 400, f"Invalid CSV body at {position}: {reason}.")
        assert row_count() == 0

    def test_bytes_that_are_not_utf8_name_their_line(self, api, items):
        response = post(api, "code,name\nA1,ok\nB2,M\xfcller\n".encode("latin-1"))
        assert one_error(response) == (
            "1418",
            400,
            "Invalid CSV body at line 3: the line is not valid UTF-8.",
        )

    @pytest.mark.parametrize("charset", ["latin-1", "utf-16", "x" * 60])
    def test_a_charset_other_than_utf8_is_unsupported(self, api, items, charset):
        response = post(api, "code\nA1\n", content_type=f"text/csv; charset={charset}")
        assert one_error(response) == (
            "1419",
            415,
            f"Unsupported charset `{charset[:40]}` for `text/csv` bodies: send UTF-8.",
        )

    @pytest.mark.parametrize("text", ["", "code,name\n", "code\n\n\n"])
    def test_a_body_without_rows_is_the_data_format_error(self, api, items, text):
        assert one_error(post(api, text))[0] == "1301"

    def test_a_cell_longer_than_the_csv_field_limit_is_refused(self, api, items):
        response = post(api, "code,name\nA1," + "x" * 200_000 + "\n")
        code, status, message = one_error(response)
        assert (code, status) == ("1418", 400)
        assert message.startswith("Invalid CSV body at row 1 (line 2): field larger than")

    def test_hostile_header_names_are_unknown_fields_not_sql(self, api, items):
        header = 'code,"name""; DROP TABLE bod_item; --",<script>'
        response = post(api, f"{header}\nA1,x,y\n")
        assert [e["code"] for e in response.json()] == ["1311", "1311"]
        assert response.json()[0]["message"] == (
            'The provided `items[0].name"; DROP TABLE bod_item; --` is incorrect or invalid.'
        )
        assert row_count() == 0


class TestLimits:
    def test_the_batch_limit_counts_rows(self, api, items):
        items.max_batch_size = 2
        items.save()
        response = post(api, "code\nA1\nB2\nC3\n")
        assert one_error(response) == (
            "1401",
            413,
            "Batch of 3 items exceeds the maximum of 2 for `items`.",
        )

    def test_json_is_read_whatever_other_content_type_is_sent(self, api, items):
        body = b'{"data":[{"code":"A1"}]}'
        for content_type in ("text/plain", "application/xml; charset=latin-1", ""):
            response = post(api, body, content_type=content_type)
            assert response.status_code == 201, (content_type, response.content)
            api.delete("items", **{"filter[items.code]": "A1"})
