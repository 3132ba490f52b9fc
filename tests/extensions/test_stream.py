"""SPEC B6: streaming export as CSV or NDJSON, chunked by keyset on (sort fields, identifier)."""

import csv
import datetime as dt
import io
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from dataexchange import registry
from dataexchange.engine.parse.params import RawQuery, parse_names
from dataexchange.engine.plan.read_plan import plan_read
from dataexchange.engine.query.keyset import row_chunks
from dataexchange.engine.render.stream import stream_format

from .conftest import BULK_ROWS, error, filter_param

CSV = "text/csv"
NDJSON = "application/x-ndjson"


def export(api, accept, path="items", **params):
    status, body, response = api("get", path, headers={"Accept": accept}, **params)
    assert status == 200 and response.streaming, body
    return response, b"".join(response.streaming_content).decode()


def csv_rows(text):
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_renders_values_as_json_does(sample, api):
    response, text = export(api, CSV, sort="code")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="items.csv"'
    lines = text.split("\r\n")
    assert lines[0] == "id_item,code,name,price,qty,is_active,ratio,born,seen"
    assert lines[-1] == ""  # every record ends with CRLF
    header, a1, b2, c3, *_ = csv_rows(text)
    assert a1[1:] == [
        "A1", "apple", "1.50", "10", "true", "0.5", "2024-01-01", "2024-01-01T08:00:00+00:00"
    ]  # fmt: skip
    assert b2[4:7] == ["0", "false", ""]
    assert c3[3] == "" and c3[6] == "2.25" and c3[7:] == ["", ""]


def test_csv_quotes_per_rfc_4180(endpoints, api):
    awkward = 'say "hi", then\nleave'
    api("post", "codes", {"data": [{"code": "Q1", "name": awkward}, {"code": "Q2", "name": ""}]})
    _, text = export(api, CSV, "codes")
    assert '"say ""hi"", then\nleave"' in text
    assert csv_rows(text) == [["code", "name", "qty"], ["Q1", awkward, ""], ["Q2", "", ""]]


def test_ndjson_lines_equal_the_json_rows(sample, api):
    _, body, _ = api("get", "items", include="itemParts")
    response, text = export(api, NDJSON, include="itemParts")
    assert response["Content-Type"] == "application/x-ndjson"
    lines = text.split("\n")
    assert lines[-1] == "" and [json.loads(line) for line in lines[:-1]] == body["data"]


def test_stream_honours_filters_sort_fields_and_paging(sample, api):
    params = {
        **filter_param("qty", {"gte": 5}),
        "sort": "-qty",
        "fields": "code,qty",
        "page[offset]": "1",
        "page[limit]": "2",
    }
    _, text = export(api, CSV, **params)
    assert csv_rows(text) == [["code", "qty"], ["F6", "10"], ["E5", "7"]]
    _, text = export(api, NDJSON, **{k: v for k, v in params.items() if "page" not in k})
    assert [json.loads(line)["code"] for line in text.split()] == ["A1", "F6", "E5", "C3"]


def test_csv_include_adds_json_columns(sample, api):
    _, text = export(api, CSV, fields="code", include="itemParts", sort="code")
    header, a1, b2, *_ = csv_rows(text)
    assert header == ["code", "itemParts"] and b2 == ["B2", ""]
    assert [part["sku"] for part in json.loads(a1[1])] == ["A1-a", "A1-b"]


def test_empty_result_is_only_the_header(sample, api):
    _, text = export(api, CSV, fields="code", **filter_param("qty", {"gt": 100}))
    assert text == "code\r\n"
    _, text = export(api, NDJSON, **filter_param("qty", "not a number"))
    assert text == ""


def test_bad_parameters_answer_json_errors_before_streaming(sample, api):
    status, body, response = api("get", "items", headers={"Accept": CSV}, sort="nope")
    assert not response.streaming and response["Content-Type"] == "application/json"
    assert (status, body) == (
        400,
        error("1406", 400, "Sort field `nope` for table alias `items` not found."),
    )


def test_stream_answers_total_count_when_preferred(sample, api):
    headers = {"Accept": NDJSON, "Prefer": "count=exact"}
    _, _, response = api("get", "items", headers=headers, **filter_param("is_active", "0"))
    assert response["X-Total-Count"] == "2"
    assert len(b"".join(response.streaming_content).splitlines()) == 2


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/csv", CSV),
        ("application/x-ndjson", NDJSON),
        ("application/json, text/csv", None),
        ("text/csv, application/json", CSV),
        ("text/csv;q=0.5, application/json", None),
        ("application/json;q=0.2, application/x-ndjson;q=0.9", NDJSON),
        ("*/*", None),
        ("text/csv;q=0", None),
        ("", None),
    ],
)
def test_accept_negotiation(accept, expected):
    assert stream_format(accept) == expected


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "items/1"), ("post", "items"), ("patch", "items"), ("delete", "items/1")],
)
def test_streaming_types_are_415_outside_get_collection(sample, api, method, path):
    status, body, _ = api(method, path, headers={"Accept": CSV})
    assert (status, body) == (415, error("010", 415, "Unsupported `Accept` format used."))


def test_other_types_stay_415(sample, api):
    status, _, _ = api("get", "items", headers={"Accept": "text/html"})
    assert status == 415


def test_first_byte_before_any_query(endpoints, api):
    _, _, response = api("get", "bulk", headers={"Accept": CSV})
    pieces = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as queries:
        assert next(pieces) == b"id_bulk,label,grp,amount\r\n"
        assert len(queries) == 0
        next(pieces)
        assert len(queries) == 1
    response.close()


def test_bulk_export_streams_every_row_with_bounded_queries(endpoints, api):
    _, _, response = api("get", "bulk", headers={"Accept": CSV})
    with CaptureQueriesContext(connection) as queries:
        lines = b"".join(response.streaming_content).split(b"\r\n")
    response.close()
    ids = [int(line.split(b",", 1)[0]) for line in lines[1:-1]]
    assert len(ids) == BULK_ROWS and ids == sorted(set(ids))
    assert len(queries) <= BULK_ROWS // 2000 + 2  # one small first chunk, then 2,000 a query


def expected_order(sort):
    """Return bulk ids in the order of `sort` on (grp, amount), NULL smallest, id last."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_bulk, grp, amount FROM ext_bulk")
        rows = cursor.fetchall()

    def key(row):
        parts = []
        for name in sort.split(","):
            value = row[{"grp": 1, "amount": 2}[name.lstrip("-")]]
            rank = (0, 0) if value is None else (1, value)
            if name.startswith("-"):
                rank = (-rank[0], -rank[1])
            parts.append(rank)
        return (*parts, row[0])

    return [row[0] for row in sorted(rows, key=key)]


@pytest.mark.parametrize("sort", ["grp,-amount", "-amount", "-grp,amount"])
def test_bulk_keyset_with_sort_and_nulls_sends_each_row_once_in_order(endpoints, api, sort):
    _, text = export(api, NDJSON, "bulk", sort=sort, fields="id_bulk")
    ids = [json.loads(line)["id_bulk"] for line in text.split()]
    assert ids == expected_order(sort)


@pytest.mark.parametrize(
    "sort", ["", "-qty", "qty,-code", "-is_active,price", "name", "-name,ratio", "born,-seen"]
)
@pytest.mark.parametrize("path", ["items", "codes"])
def test_keyset_chunks_of_one_row_match_the_page_order(sample, api, sort, path):
    if path == "codes":
        api("post", "codes", {"data": [
            {"code": c, "name": n, "qty": q}
            for c, n, q in [("b", "x", 1), ("a", None, 1), ("C", "x", None), ("d", "X", 2)]
        ]})  # fmt: skip
        sort = ",".join(s for s in sort.split(",") if s.lstrip("-") in {"", "qty", "name", "code"})
    _, body, _ = api("get", path, sort=sort)
    endpoint = registry.snapshot().get(path)
    plan = plan_read(None, endpoint, RawQuery((), None, None, (), sort=parse_names(sort)))
    identifier = endpoint.column_index[endpoint.identifier.column]
    chunks = list(row_chunks(endpoint, plan, first=1, size=1))
    assert all(len(chunk) == 1 for chunk in chunks)
    streamed = [chunk[0][identifier] for chunk in chunks]
    assert streamed == [row[endpoint.identifier.name] for row in body["data"]]


def insert_odd_rows():
    """Single-precision floats (lossy as text) and, on SQLite, timestamps stored as other tools
    write them: values whose round trip through Python does not compare equal in SQL."""
    sqlite = connection.vendor == "sqlite"
    stamps = ["2024-01-01T08:00:00", "2024-01-01 08:00:00.5", "2024-01-01T08:00:00Z"]
    rows = [(0.1, 0), (0.1, 0), (0.1, 1), (0.3, 1), (None, 2), (0.7, 2), (0.1, 0), (1e-3, None)]
    with connection.cursor() as cursor:
        for value, stamp in rows:
            if stamp is not None and not sqlite:
                stamp = dt.datetime.fromisoformat(stamps[stamp].replace("Z", ""))
            elif stamp is not None:
                stamp = stamps[stamp]
            cursor.execute("INSERT INTO ext_odd (f, ts) VALUES (%s, %s)", [value, stamp])


@pytest.mark.parametrize("sort", ["f", "-f", "ts", "-ts,f", "f,-ts"])
def test_keyset_compares_with_stored_values(endpoints, api, sort):
    insert_odd_rows()
    _, body, _ = api("get", "odd", sort=sort)
    endpoint = registry.snapshot().get("odd")
    plan = plan_read(None, endpoint, RawQuery((), None, None, (), sort=parse_names(sort)))
    streamed = [chunk[0][0] for chunk in row_chunks(endpoint, plan, first=1, size=1)]
    assert streamed == [row["id_odd"] for row in body["data"]]
