"""SPEC B1: a caller with a write grant but not `view` gets back only what it sent.

Before this rule a dry-run PATCH of bare identifiers answered the full stored rows, so `update`
alone could copy a table batch by batch."""

import pytest

from tests.api.conftest import fetch_rows

DRY = {"X-Dry-Run": "true"}


def test_dry_run_patch_of_identifiers_reads_nothing_without_view(caller, rows):
    clerk = caller({"items": ["update"]})
    body = {"data": [{"id_item": rows["AA"]}, {"id_item": rows["BB"]}]}
    response = clerk.patch("items", body, headers=DRY)
    assert response.status_code == 200
    assert response.json() == {"data": [{"id_item": rows["AA"]}, {"id_item": rows["BB"]}]}


def test_patch_without_view_answers_the_identifier_and_the_sent_fields(caller, rows):
    clerk = caller({"items": ["update"]})
    response = clerk.patch("items", {"data": [{"id_item": rows["AB"], "title": "New", "qty": 7}]})
    assert response.json() == {"data": [{"id_item": rows["AB"], "title": "New", "qty": 7}]}
    stored = fetch_rows("dxa_item", "id_item", "code, name, qty")
    assert {"code": "AB", "name": "New", "qty": 7} in stored  # the write itself happened


def test_sent_values_come_back_as_stored(caller, rows):
    clerk = caller({"items": ["update"]})
    response = clerk.patch(f"items/{rows['AA']}", {"data": {"price": 5}})
    assert response.json() == {"data": {"id_item": rows["AA"], "price": "5.00"}}


def test_the_identifier_key_names_the_identifier_field(caller, rows):
    clerk = caller({"items": ["update"]})
    response = clerk.patch("items", {"data": [{"identifier": rows["BA"], "label": None}]})
    assert response.json() == {"data": [{"id_item": rows["BA"], "label": None}]}


def test_post_without_view_hides_database_defaults(caller, items_endpoint):
    clerk = caller({"items": ["create"]})
    response = clerk.post("items", {"data": [{"code": "NEW", "title": "Fresh"}]})
    assert response.status_code == 201
    (row,) = response.json()["data"]
    assert set(row) == {"id_item", "code", "title"}  # not `origin` (a default) nor `is_active`
    assert row["code"] == "NEW" and isinstance(row["id_item"], int)


def test_put_one_without_view_answers_only_the_identifier_and_sent_fields(caller, rows):
    clerk = caller({"items": ["update", "create"]})
    sent = {"code": "AA", "title": "Reset", "is_active": False}
    response = clerk.put(f"items/{rows['AA']}", {"data": sent})
    assert response.status_code == 200
    assert response.json() == {"data": {"id_item": rows["AA"], **sent}}  # not the reset nulls


def test_non_transactional_rows_are_restricted_too(caller, rows):
    clerk = caller({"items": ["update"]})
    body = {"data": [{"id_item": rows["AA"]}, {"id_item": 999999}]}
    response = clerk.patch("items", body, headers={"X-Is-Transactional": "false", **DRY})
    assert response.json()["data"] == [{"id_item": rows["AA"]}]
    assert [e["code"] for e in response.json()["errors"]] == ["1303"]


@pytest.mark.parametrize("grants", [["update", "view"], None])
def test_callers_who_may_view_get_the_full_rows(caller, api, rows, grants):
    client = caller({"items": grants}) if grants else api
    response = client.patch("items", {"data": [{"id_item": rows["AA"]}]}, headers=DRY)
    (row,) = response.json()["data"]
    assert row["title"] == "Secret AA" and row["label"] == "hidden" and row["price"] == "9.99"
    assert row["origin"] == "db" and len(row) == 11


def nested_body():
    return {"data": [{"code": "P1", "title": "Parent", "itemParts": [{"sku": "S-1"}]}]}


def test_children_follow_their_own_endpoints_view_grant(caller, parts_endpoint):
    clerk = caller({"items": ["create", "view"], "parts": ["create"]})
    (row,) = clerk.post("items", nested_body()).json()["data"]
    assert row["origin"] == "db" and row["title"] == "Parent"  # items: viewable, full row
    (part,) = row["itemParts"]
    assert set(part) == {"id_part", "sku"}  # parts: not viewable; fk_item was not sent


def test_a_viewable_child_under_a_hidden_parent_is_whole(caller, parts_endpoint):
    clerk = caller({"items": ["create"], "parts": ["create", "view"]})
    (row,) = clerk.post("items", nested_body()).json()["data"]
    assert set(row) == {"id_item", "code", "title", "itemParts"}
    (part,) = row["itemParts"]
    assert part == {"id_part": part["id_part"], "fk_item": row["id_item"], "sku": "S-1"}


def test_no_etag_for_a_caller_who_may_not_view(caller, rows):
    """An ETag is a hash of the whole stored row: a non-viewer could test guesses against it."""
    clerk = caller({"items": ["update"]})
    response = clerk.patch(f"items/{rows['AA']}", {"data": {"qty": 8}})
    assert response.status_code == 200
    assert "ETag" not in response


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_if_match_needs_view(caller, rows, method, items_endpoint):
    """Comparing a guessed tag with the row's reads the row: If-Match needs `view`."""
    from dataexchange.models import Endpoint

    Endpoint.objects.filter(alias="items").update(is_deletable=True)
    clerk = caller({"items": ["update", "create", "delete"]})
    body = None if method == "delete" else {"data": {"qty": 8}}
    headers = {"If-Match": '"guess"', **DRY}
    response = clerk.request(method.upper(), f"items/{rows['AA']}", body, headers=headers)
    assert response.status_code == 403
    assert response.json() == [
        {"message": "Permission denied: `view` on `items`.", "status": 403, "code": "1404"}
    ]
