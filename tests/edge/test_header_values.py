"""Part B request headers are strict (issue item 8): a value outside the documented forms of
`X-Dry-Run`, `Prefer` (`count=`) or `If-Match` is refused with 400 `1410` before anything is
read or written, on every method; `X-Is-Transactional` keeps SPEC A6 exactly."""

import pytest

from tests.auth.conftest import thing_id, thing_rows
from tests.edge.conftest import URL, header_error, send

DRY_RUN_REASON = "expected `true`, `false`, `1` or `0`"
PREFER_REASON = "the only `count` preference is `count=exact`"
IF_MATCH_REASON = 'expected `*` or quoted entity tags (`"<tag>", ...`)'
METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]


def entity_request(method, name="alpha"):
    """Return (path, body) of a request of `method` on the row called `name`."""
    path = f"{URL}/{thing_id(name)}"
    if method == "POST":
        return URL, {"data": [{"name": "gamma"}]}
    if method in {"PATCH", "PUT"}:
        return path, {"data": {"name": "renamed"}}
    return path, None


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("value", ["XVy}dl", "yes", "tru", "true!", "2", "on"])
def test_a_mistyped_dry_run_is_refused_and_writes_nothing(client, things, as_boss, method, value):
    """The schemathesis finding: `DELETE /{id}` with `X-Dry-Run: XVy}dl` deleted the row."""
    before = thing_rows()
    path, body = entity_request(method)
    response = send(client, method, path, body, HTTP_X_DRY_RUN=value, **as_boss)
    assert response.status_code == 400
    assert response.json() == header_error("X-Dry-Run", DRY_RUN_REASON)
    assert thing_rows() == before


@pytest.mark.parametrize("value", ["true", "TRUE", " True ", "1"])
def test_dry_run_words(client, things, as_boss, value):
    before = thing_rows()
    path, _ = entity_request("DELETE")
    response = send(client, "DELETE", path, HTTP_X_DRY_RUN=value, **as_boss)
    assert (response.status_code, response["X-Dry-Run"]) == (204, "true")
    assert thing_rows() == before


@pytest.mark.parametrize("value", ["false", "FALSE", " 0 ", ""])
def test_no_dry_run_words(client, things, as_boss, value):
    path, _ = entity_request("DELETE")
    response = send(client, "DELETE", path, HTTP_X_DRY_RUN=value, **as_boss)
    assert response.status_code == 204 and "X-Dry-Run" not in response
    assert [row[1] for row in thing_rows()] == ["beta"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("value", ["count=estimated", "count", "count=", "return=minimal, count=1"])
def test_an_unknown_count_preference_is_refused(client, things, as_boss, method, value):
    before = thing_rows()
    path, body = entity_request(method)
    response = send(client, method, path, body, HTTP_PREFER=value, **as_boss)
    assert response.json() == header_error("Prefer", PREFER_REASON)
    assert thing_rows() == before


@pytest.mark.parametrize(
    "value", ["count=exact", "COUNT=Exact", 'count="exact"', "return=minimal, count=exact;x=1"]
)
def test_count_exact_in_its_forms(client, things, as_boss, value):
    response = client.get(URL, HTTP_PREFER=value, **as_boss)
    assert response.status_code == 200 and response["X-Total-Count"] == "2"


@pytest.mark.parametrize("value", ["return=minimal", "respond-async, wait=5", "handling=lenient"])
def test_other_preferences_are_ignored(client, things, as_boss, value):
    """RFC 7240: a preference the server does not know is ignored."""
    response = client.get(URL, HTTP_PREFER=value, **as_boss)
    assert response.status_code == 200 and "X-Total-Count" not in response


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("value", ["garbage", '"a" "b"', "W/x", '"unterminated', "**", "*, *"])
def test_a_malformed_if_match_is_refused(client, things, as_boss, method, value):
    before = thing_rows()
    path, body = entity_request(method)
    response = send(client, method, path, body, HTTP_IF_MATCH=value, **as_boss)
    assert response.json() == header_error("If-Match", IF_MATCH_REASON)
    assert thing_rows() == before


@pytest.mark.parametrize(("value", "status"), [("*", 200), (' "nope", W/"x" ,', 412), ("", 412)])
def test_well_formed_if_match_is_compared(client, things, as_boss, value, status):
    path, body = entity_request("PATCH")
    response = send(client, "PATCH", path, body, HTTP_IF_MATCH=value, **as_boss)
    assert response.status_code == status


@pytest.mark.parametrize(("value", "stored"), [("maybe", 0), ("TRUE", 0), ("0", 1)])
def test_is_transactional_stays_lenient(client, things, as_boss, value, stored):
    """SPEC A6: only `false`/`0` switch transactions off; anything else is transactional."""
    body = {"data": [{"name": "gamma"}, {"name": "alpha"}]}  # the second is a duplicate
    response = send(client, "POST", URL, body, HTTP_X_IS_TRANSACTIONAL=value, **as_boss)
    assert response.status_code in {201, 400}
    assert sum(row[1] == "gamma" for row in thing_rows()) == stored


def test_header_values_are_checked_before_credentials(client, things):
    response = client.delete(f"{URL}/1", HTTP_X_DRY_RUN="nope")
    assert response.json() == header_error("X-Dry-Run", DRY_RUN_REASON)
