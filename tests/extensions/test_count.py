"""SPEC B5: `Prefer: count=exact` adds `X-Total-Count` (one COUNT query, paging ignored)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from .conftest import filter_param


def test_no_preference_no_header(sample, api):
    status, _, response = api("get", "items")
    assert status == 200
    assert "X-Total-Count" not in response and "Preference-Applied" not in response


@pytest.mark.parametrize(
    "prefer", ["count=exact", "COUNT=Exact", "return=minimal, count=exact", "count=exact; x=1"]
)
def test_exact_count_of_all_rows_ignores_paging(sample, api, prefer):
    params = {"page[offset]": "4", "page[limit]": "1"}
    status, body, response = api("get", "items", headers={"Prefer": prefer}, **params)
    assert status == 200 and len(body["data"]) == 1
    assert response["X-Total-Count"] == "6"
    assert response["Preference-Applied"] == "count=exact"


def test_count_honours_filters(sample, api):
    params = {**filter_param("qty", {"gte": 5}), **filter_param("is_active", "1")}
    _, body, response = api("get", "items", headers={"Prefer": "count=exact"}, **params)
    assert response["X-Total-Count"] == str(len(body["data"])) == "3"


def test_impossible_filter_counts_zero_without_query(sample, api):
    _, body, response = api(
        "get", "items", headers={"Prefer": "count=exact"}, **{"filter[items.qty]": "abc"}
    )
    assert body == {"data": []} and response["X-Total-Count"] == "0"


def test_other_preferences_are_ignored(sample, api):
    status, _, response = api("get", "items", headers={"Prefer": "return=minimal"})
    assert status == 200 and "X-Total-Count" not in response


def test_count_costs_one_query(sample, api):
    api("get", "items")  # warm the compiled endpoint
    with CaptureQueriesContext(connection) as plain:
        api("get", "items")
    with CaptureQueriesContext(connection) as counted:
        api("get", "items", headers={"Prefer": "count=exact"})
    assert len(counted) == len(plain) + 1
    assert sum("COUNT(*)" in query["sql"] for query in counted.captured_queries) == 1
