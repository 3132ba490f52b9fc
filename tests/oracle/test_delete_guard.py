"""Collection DELETE guardrails and DELETE answers for callers who may not view (SPEC B1, B2):
a cap on the rows one DELETE removes (1411), no paging on DELETE (1417), and no yes/no answer
about rows a caller cannot read."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from dataexchange.models import Endpoint
from tests.api.conftest import count_rows, errors_of

DRY = {"X-Dry-Run": "true"}
LIKE_A = {"filter[i.code]": json.dumps({"like": "A%"})}


def cap_items(cap):
    endpoint = Endpoint.objects.get(alias="items")
    endpoint.max_delete_rows = cap
    endpoint.save()  # bumps the configuration version


def test_a_delete_matching_more_rows_than_the_cap_is_1411_and_deletes_nothing(api, rows):
    cap_items(2)
    response = api.delete("items", **{"filter[i.qty]": json.dumps({"gte": 2})})
    assert errors_of(response) == [
        (
            "1411",
            400,
            "Deleting more than 2 rows at once is not allowed for `items`. Narrow the filter "
            "and repeat.",
        )
    ]
    assert count_rows("dxa_item") == 4


def test_a_delete_within_the_cap_deletes(api, rows):
    cap_items(2)
    assert api.delete("items", **LIKE_A).status_code == 204
    assert count_rows("dxa_item") == 2


def test_a_filter_matching_everything_is_held_by_the_cap(api, rows):
    cap_items(3)
    response = api.delete("items", **{"filter[i.id_item]": json.dumps({"ne": -1})})
    assert (response.status_code, response.json()[0]["code"]) == (400, "1411")
    assert count_rows("dxa_item") == 4


def test_the_global_default_applies_without_an_endpoint_value(api, rows, settings):
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "MAX_DELETE_ROWS": 1}
    response = api.delete("items", **LIKE_A)
    assert response.json()[0]["message"].startswith("Deleting more than 1 rows at once")
    assert count_rows("dxa_item") == 4


def test_the_cap_is_checked_by_reading_cap_plus_one_rows_not_by_counting(api, rows):
    cap_items(2)
    api.get("items")  # compile the endpoint first: introspection is not what is counted
    with CaptureQueriesContext(connection) as queries:
        api.delete("items", **{"filter[i.qty]": json.dumps({"gte": 1})})
    table = connection.ops.quote_name("dxa_item")
    selects = [q["sql"] for q in queries if f"FROM {table}" in q["sql"]]
    assert len(selects) == 1 and "LIMIT 3" in selects[0] and "COUNT" not in selects[0].upper()


def test_the_cap_does_not_limit_delete_by_id(api, rows):
    cap_items(1)
    assert api.delete(f"items/{rows['AA']}").status_code == 204


@pytest.mark.parametrize(
    "paging",
    [{"page[limit]": "1"}, {"page[offset]": "0"}, {"page[offset]": "0", "page[limit]": "1"}],
)
def test_paging_on_delete_is_refused(api, rows, paging):
    response = api.delete("items", **LIKE_A, **paging)
    assert errors_of(response) == [
        (
            "1417",
            400,
            "Paging is not supported by DELETE on `items`. Narrow the filter instead.",
        )
    ]
    assert count_rows("dxa_item") == 4


def test_paging_on_delete_by_id_is_refused(api, rows):
    response = api.delete(f"items/{rows['AA']}", **{"page[limit]": "1"})
    assert (response.status_code, response.json()[0]["code"]) == (400, "1417")
    assert count_rows("dxa_item") == 4


@pytest.mark.parametrize(
    "pattern", ["A%", "Z%"], ids=["rows-match", "nothing-matches"]
)  # fmt: skip
def test_a_dry_run_delete_is_no_oracle_without_view(caller, rows, pattern):
    clerk = caller({"items": ["delete"]})
    response = clerk.delete(
        "items", headers=DRY, **{"filter[i.title]": json.dumps({"like": pattern})}
    )
    assert (response.status_code, response.content) == (204, b"")
    assert count_rows("dxa_item") == 4


@pytest.mark.parametrize("value", ["Z%", "two"], ids=["no-row", "impossible-value"])
def test_a_delete_matching_nothing_is_204_without_view(caller, rows, value):
    clerk = caller({"items": ["delete"]})
    field = "code" if value.endswith("%") else "qty"
    op = {"like": value} if value.endswith("%") else value
    filter_value = json.dumps(op) if isinstance(op, dict) else op
    assert clerk.delete("items", **{f"filter[i.{field}]": filter_value}).status_code == 204


@pytest.mark.parametrize("path", ["items/999999", "items/abc"])
def test_delete_of_a_missing_id_is_204_without_view(caller, rows, path):
    clerk = caller({"items": ["delete"]})
    assert clerk.delete(path).status_code == 204
    assert count_rows("dxa_item") == 4


def test_delete_without_view_still_deletes(caller, rows):
    clerk = caller({"items": ["delete"]})
    assert clerk.delete(f"items/{rows['AA']}").status_code == 204
    assert clerk.delete("items", **LIKE_A).status_code == 204
    assert count_rows("dxa_item") == 2


def test_callers_with_view_keep_1303(caller, rows):
    clerk = caller({"items": ["delete", "view"]})
    for response in (
        clerk.delete("items", **{"filter[i.code]": "ZZ"}),
        clerk.delete("items/999999"),
    ):
        assert (response.status_code, response.json()[0]["code"]) == (404, "1303")


def test_a_non_viewer_still_gets_the_other_errors(caller, rows):
    clerk = caller({"items": ["delete"]})
    assert clerk.delete("items").json()[0]["code"] == "1403"
    assert clerk.delete("items", **{"filter[i.colour]": "x"}).json()[0]["code"] == "1315"
