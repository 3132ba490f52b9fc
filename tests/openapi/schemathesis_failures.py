"""The failures of a schemathesis NDJSON report, and which of them the bounded run accepts.

Accepted are only failures explained by the state of the data or by a documented choice
(docs/openapi.md, "What schemathesis may report"); everything else fails the test:

- state: a schema-valid write refused because a unique value exists (`1309`), a row named by
  an identifier does not exist (`1303`, `1308`), an `If-Match` tag is not the row's current
  one (412 `1407`), a deleted row is still referenced (`1317`), a foreign key names a
  missing row (`1302`
  without "must not be null"), a business key names no row (`1434` for a reference, `1435`
  for a PATCH by key), or a filtered DELETE matches more rows than its cap (`1411`);
- a filtered DELETE without any filter (`1403`): "at least one of these parameters" cannot be
  said in OpenAPI 3.0; a batch whose items at every depth exceed the endpoint's limit (413
  `1401`): `maxItems` bounds the root items only;
- CSV and NDJSON bodies: their content is described in words, the schema is a string;
- Spryker's answer to a method a route does not serve: 404 `007` (or the request guard's 400
  `1410` for a bad header, which runs first);
- Spryker ignores paging values that are not non-negative integers; empty names in `sort`,
  `fields` and `include` are ignored too (`fields=` returns every field), as their
  descriptions say;
- a schema-violating request refused with a 4xx status schemathesis does not list (413
  `1401`, 412 `1407`): it was refused;
- a "valid" header value that does not match its documented pattern (the coverage phase sends
  some), refused with `1410`.
"""

import base64
import json
import re
from dataclasses import dataclass, field

# 1407: an `If-Match` tag, valid in form, that is not the row's current one; 1317: a DELETE of
# a row other rows still reference.
STATE_CODES = frozenset({"1309", "1303", "1308", "1317", "1407", "1411", "1434", "1435"})
NOT_NULL = "Field must not be null"
TEXT_MEDIA = ("text/csv", "application/x-ndjson")
SPRYKER_NOT_FOUND = "007"
BAD_HEADER = "1410"
NAME_LISTS = ("sort", "fields", "include")  # comma-separated names; empty ones are ignored
# Header patterns of the document (openapi.parameters), for "valid" values that are not.
HEADER_PATTERNS = {
    "if-match": r'^[ \t]*(\*|(W/)?"[!#-~]*"([ \t]*,[ \t]*(W/)?"[!#-~]*")*)[ \t]*$',
    "idempotency-key": r"^[!#-\[\]-~]([ !#-\[\]-~]{0,253}[!#-\[\]-~])?$",
}


@dataclass(frozen=True)
class Failure:
    """One failed check of one request."""

    check: str  # e.g. positive_data_acceptance
    title: str
    operation: str  # "POST /dynamic-entity/countries"
    message: str
    method: str | None
    status: int | None
    codes: frozenset = frozenset()  # error codes of the response body
    messages: tuple = ()
    media_type: str | None = None
    headers: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)

    def __str__(self):
        codes = ",".join(sorted(self.codes)) or "-"
        lines = [line for line in self.message.splitlines() if line.strip()] or [self.title]
        return f"{self.check} {self.method} {self.operation} -> {self.status} [{codes}]: " + (
            " / ".join(lines[:3])
        )


def read_failures(path):
    """Return the Failures recorded in a schemathesis NDJSON report."""
    failures = []
    with open(path) as report:
        for line in report:
            event = json.loads(line)
            if "ScenarioFinished" in event:
                failures += scenario_failures(event["ScenarioFinished"]["recorder"])
    return failures


def scenario_failures(recorder):
    failures = []
    for case_id, checks in recorder.get("checks", {}).items():
        case = recorder.get("cases", {}).get(case_id, {}).get("value", {})
        interaction = recorder.get("interactions", {}).get(case_id) or {}
        response = interaction.get("response") or {}
        codes, messages = error_codes(response)
        for check in checks:
            if check["status"] == "success":
                continue
            info = check.get("failure_info", {}).get("failure", {})
            failures.append(
                Failure(
                    check=check["name"],
                    title=info.get("title", ""),
                    operation=info.get("operation", recorder.get("label", "")),
                    message=info.get("message", ""),
                    method=interaction.get("request", {}).get("method") or case.get("method"),
                    status=response.get("status_code"),
                    codes=codes,
                    messages=messages,
                    media_type=case.get("media_type") or content_type(interaction),
                    headers={k.lower(): v for k, v in (case.get("headers") or {}).items()},
                    query=case.get("query") or {},
                )
            )
    return failures


def content_type(interaction):
    """Return the media type a request was sent with (the fuzzing and stateful phases record
    no `media_type` in their cases), or None."""
    headers = (interaction.get("request") or {}).get("headers") or {}
    for name, values in headers.items():
        if name.lower() == "content-type" and values:
            value = values[0] if isinstance(values, list) else values
            return value.split(";")[0].strip().lower()
    return None


def error_codes(response):
    """Return (codes, messages) of an error list or `{data, errors}` body."""
    try:
        body = json.loads(base64.b64decode((response.get("content") or {}).get("$base64", "")))
    except ValueError:
        return frozenset(), ()
    errors = body.get("errors") if isinstance(body, dict) else body
    if not isinstance(errors, list):
        return frozenset(), ()
    errors = [e for e in errors if isinstance(e, dict)]
    codes = frozenset(str(e.get("code")) for e in errors)
    return codes, tuple(e.get("message", "") for e in errors)


def accepted_reason(failure):
    """Return why `failure` is accepted (see the module docstring), or None."""
    for reason, rule in RULES:
        if rule(failure):
            return reason
    return None


def _state(failure):
    if failure.check != "positive_data_acceptance" or not failure.codes:
        return False
    foreign_key = not any(NOT_NULL in m for m in failure.messages)  # 1302: a missing parent
    return failure.codes <= STATE_CODES | ({"1302"} if foreign_key else set())


def _nested_batch(failure):
    return failure.check == "positive_data_acceptance" and failure.codes == {"1401"}


def _unfiltered_delete(failure):
    return (
        failure.check == "positive_data_acceptance"
        and failure.method == "DELETE"
        and failure.codes == {"1403"}
    )


def _text_body(failure):
    return failure.check == "positive_data_acceptance" and failure.media_type in TEXT_MEDIA


def _spryker_method(failure):
    return failure.check == "unsupported_method" and (
        failure.codes in ({SPRYKER_NOT_FOUND}, {BAD_HEADER})
    )


def _ignored_paging(failure):
    return (
        failure.check == "negative_data_rejection"
        and failure.status == 200
        and "parameter `page[" in failure.message
    )


def _blank_names(failure):
    if failure.check != "negative_data_rejection" or failure.status != 200:
        return False
    for name in NAME_LISTS:
        value = failure.query.get(name)
        names = value if isinstance(value, list) else str(value).split(",")
        if value is not None and any(not str(n).strip() for n in names):
            return True
    return False


def _refused_otherwise(failure):
    return (
        failure.check == "negative_data_rejection"
        and failure.status is not None
        and 400 <= failure.status < 500
    )


def _header_not_matching(failure):
    if failure.check != "positive_data_acceptance" or failure.codes != {BAD_HEADER}:
        return False
    return any(
        isinstance(failure.headers.get(name), str) and not re.match(pattern, failure.headers[name])
        for name, pattern in HEADER_PATTERNS.items()
    )


RULES = (
    ("state of the data", _state),
    ("the batch limit counts nested items too (1401)", _nested_batch),
    ("DELETE by filter without a filter (1403)", _unfiltered_delete),
    ("CSV and NDJSON content is described in words", _text_body),
    ("Spryker answers unserved methods 404 007", _spryker_method),
    ("Spryker ignores bad paging values", _ignored_paging),
    ("empty names in `sort`, `fields` and `include` are ignored", _blank_names),
    ("refused with a 4xx status schemathesis does not list", _refused_otherwise),
    ("a 'valid' header value that breaks its documented pattern", _header_not_matching),
)
