"""SPEC B6: the CSV export defuses spreadsheet formulas in string cells by default (as the
exchange-log export does) and gives exact values with `Accept: text/csv; escape=none`."""

import csv
import io
import json

import pytest

from dataexchange.engine.render.stream import CSV, CSV_EXACT, NDJSON, stream_format
from tests.api.conftest import add_item

FORMULAS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR", "\nLF"]


@pytest.fixture
def formulas(items_endpoint):
    """One item per dangerous start, each with negative numbers in its numeric columns."""
    for index, text in enumerate(FORMULAS):
        add_item(f"F{index}", name=text, label="-label", price="-5.00", item_rank=-5, ratio=-1.5)


def export(api, accept):
    response = api.get("items", headers={"Accept": accept}, fields="code,title,label,price,rank")
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode()
    header, *records = csv.reader(io.StringIO(text, newline=""))
    return response, header, records


def test_string_cells_are_defused_by_default(api, formulas):
    response, header, records = export(api, "text/csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert header == ["code", "title", "label", "price", "rank"]
    assert [record[1] for record in records] == ["'" + text for text in FORMULAS]
    assert {record[2] for record in records} == {"'-label"}


def test_numbers_are_never_defused(api, formulas):
    _, _, records = export(api, "text/csv")
    assert {(record[3], record[4]) for record in records} == {("-5.00", "-5")}


@pytest.mark.parametrize(
    "accept", ["text/csv; escape=none", "text/csv;escape=NONE", 'text/csv; q=0.9; escape="none"']
)
def test_escape_none_gives_the_exact_values(api, formulas, accept):
    response, _, records = export(api, accept)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert [record[1] for record in records] == FORMULAS
    assert {(record[2], record[3], record[4]) for record in records} == {("-label", "-5.00", "-5")}


def test_ndjson_is_exact(api, formulas):
    response = api.get("items", headers={"Accept": NDJSON}, fields="title")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["title"] for line in lines] == FORMULAS


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("text/csv", CSV),
        ("text/csv; escape=none", CSV_EXACT),
        ("text/csv; escape=formulas", CSV),
        ("application/json, text/csv; escape=none; q=0.5", None),
        ("text/csv; escape=none, application/x-ndjson; q=0.5", CSV_EXACT),
    ],
)
def test_accept_parameters(accept, expected):
    assert stream_format(accept) == expected
