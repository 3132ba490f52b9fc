"""SPEC B8: `ETag` on GET one and `/{id}` writes; `If-Match` on PATCH/PUT/DELETE `/{id}` → 412."""

import re

import pytest

from .conftest import error


def changed(path):
    return error("1407", 412, f"The entity `{path}` was changed since it was read.")


def etag(api, path, **params):
    status, _, response = api("get", path, **params)
    assert status == 200
    return response["ETag"]


def test_get_one_has_a_stable_strong_etag(sample, api):
    tag = etag(api, f"items/{sample['A1']}")
    assert re.fullmatch(r'"[0-9a-f]{16}"', tag)
    assert etag(api, f"items/{sample['A1']}") == tag
    assert etag(api, f"items/{sample['F6']}") != tag


def test_etag_ignores_fields_and_include(sample, api):
    path = f"items/{sample['A1']}"
    assert etag(api, path, fields="code") == etag(api, path, include="itemParts") == etag(api, path)


def test_collection_has_no_etag(sample, api):
    assert "ETag" not in api("get", "items")[2]


def test_patch_with_current_tag_succeeds_and_returns_the_new_tag(sample, api):
    path = f"items/{sample['A1']}"
    tag = etag(api, path)
    status, body, response = api(
        "patch", path, {"data": {"name": "pear"}}, headers={"If-Match": tag}
    )
    assert status == 200 and body["data"]["name"] == "pear"
    assert response["ETag"] != tag and response["ETag"] == etag(api, path)


@pytest.mark.parametrize(
    ("method", "body", "error_path"),
    [
        ("patch", {"data": {"name": "late"}}, "items[0]"),
        ("put", {"data": {"code": "A1", "name": "late", "is_active": True}}, "items[0]"),
        ("delete", None, "items"),
    ],
)
def test_stale_tag_is_412_and_changes_nothing(sample, api, method, body, error_path):
    path = f"items/{sample['A1']}"
    stale = etag(api, path)
    api("patch", path, {"data": {"qty": 11}})  # someone else writes meanwhile
    current = etag(api, path)
    status, answer, response = api(method, path, body, headers={"If-Match": stale})
    assert (status, answer) == (412, changed(error_path))
    assert "ETag" not in response and etag(api, path) == current


@pytest.mark.parametrize(
    ("header", "ok"),
    [
        ("*", True),
        ('"0000000000000000", {tag}', True),
        ('"0000000000000000"', False),
        ("W/{tag}", False),  # If-Match compares strongly
        (" , ", False),  # an empty list: no tag matches (a malformed value is 1410)
    ],
)
def test_if_match_forms(sample, api, header, ok):
    path = f"items/{sample['B2']}"
    header = header.format(tag=etag(api, path))
    status, _, _ = api("patch", path, {"data": {"name": "x"}}, headers={"If-Match": header})
    assert status == (200 if ok else 412)


def test_delete_with_current_tag(sample, api):
    path = f"items/{sample['B2']}"
    status, _, _ = api("delete", path, headers={"If-Match": etag(api, path)})
    assert status == 204
    assert api("get", path)[0] == 404


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_missing_row_fails_the_precondition(sample, api, method):
    body = None if method == "delete" else {"data": {"code": "ZZ", "name": "z"}}
    status, answer, _ = api(method, "items/999999", body, headers={"If-Match": "*"})
    assert (status, answer[0]["code"]) == (412, "1407")


def test_without_if_match_nothing_changes(sample, api):
    path = f"items/{sample['A1']}"
    status, _, response = api(
        "put", path, {"data": {"code": "A1", "name": "plain", "is_active": True}}
    )
    assert status == 200 and response["ETag"] == etag(api, path)


def test_if_match_is_ignored_on_collection_routes(sample, api):
    body = {"data": [{"id_item": sample["A1"], "name": "x"}]}
    status, _, response = api("patch", "items", body, headers={"If-Match": '"nope"'})
    assert status == 200 and "ETag" not in response


def test_not_deletable_wins_over_if_match(sample, api):
    from dataexchange.models import Endpoint

    Endpoint.objects.filter(alias="items").update(is_deletable=False)
    from dataexchange import registry

    registry.clear()
    status, body, _ = api("delete", f"items/{sample['A1']}", headers={"If-Match": '"nope"'})
    assert (status, body[0]["code"]) == (405, "1318")


def test_string_identifier_and_dry_run(endpoints, api):
    status, _, response = api("post", "codes", {"data": [{"code": "K1", "name": "k"}]})
    tag = etag(api, "codes/K1")
    headers = {"If-Match": tag, "X-Dry-Run": "true"}
    status, body, response = api("patch", "codes/K1", {"data": {"qty": 3}}, headers=headers)
    assert status == 200 and body["data"]["qty"] == 3 and response["ETag"] != tag
    assert etag(api, "codes/K1") == tag  # rolled back


def test_non_transactional_single_write_is_tagged(sample, api):
    path = f"items/{sample['C3']}"
    headers = {"If-Match": etag(api, path), "X-Is-Transactional": "false"}
    status, body, response = api("patch", path, {"data": {"qty": 1}}, headers=headers)
    assert status == 200 and body["errors"] == [] and response["ETag"] == etag(api, path)
