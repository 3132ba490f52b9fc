"""The operations of one endpoint: Spryker's operationIds and summaries, bodies and error codes.

`OPERATIONS` holds one row per (method, route) of SPEC A1 with what the document needs about it;
`build_operation` turns a row into an OpenAPI operation for one compiled endpoint.
"""

from dataclasses import dataclass

from rest_framework.settings import api_settings

from dataexchange.engine.plan.reach import METHOD_ACTIONS
from dataexchange.errors import CATALOGUE
from dataexchange.openapi import jobs, schemas
from dataexchange.openapi.examples import body_example
from dataexchange.openapi.parameters import parameters_for

IDEMPOTENCY_ERRORS = ("1420", "1421")  # Idempotency-Key: another request, still running
UNAUTHORIZED = None  # the 403 "Unauthorized request." error has no code (SPEC A8)
# How the document names that error: in prose, never as a `null` entry of a list of codes.
UNAUTHORIZED_NOTE = (
    'Without credentials the answer is 403 `Unauthorized request.` with `"code": null`.'
)
# Every route: credentials, permission, Accept, throttling, the request guard (header values,
# query string size and count, malformed requests) and an unavailable database.
COMMON_ERRORS = (
    "001", "002", UNAUTHORIZED, "1404", "010", "1409", "1410", "1413", "1414", "1416", "1415",
    "500",
)  # fmt: skip
WRITE_ERRORS = (
    "1301", "1302", "1304", "1305", "1306", "1309", "1311", "1313", "1314", "1316", "1412",
    "1418", "1419", *IDEMPOTENCY_ERRORS,
)  # fmt: skip
BATCH_ERRORS = ("1401", "1408")
# Business keys (issue 19): references to other endpoints' rows by key; rows picked by key.
REFERENCE_ERRORS = ("1432", "1433", "1434", "1436")
ADDRESSING_ERRORS = ("1435",)
# Statuses a non-transactional write answers with {data, errors} when every item failed.
PER_ITEM_STATUSES = (400, 404, 422)
PER_ITEM_NOTE = "With `X-Is-Transactional: false` the body is `{data, errors}`."
NOT_VIEWER_NOTE = (
    "You may not view this resource: each row holds only its identifier and the fields you sent."
)
READ_METHODS = ("get",)
# Response headers (components/headers), SPEC B5–B9.
HEADERS = {
    "X-Request-Id": {
        "description": "The id under which the exchange is logged.",
        "required": True,
        "schema": {"type": "string"},
    },
    "X-Total-Count": {
        "description": (
            "With `Prefer: count=exact`: the number of rows matching the filters, regardless "
            "of paging."
        ),
        "schema": {"type": "integer", "minimum": 0},
    },
    "Preference-Applied": {
        "description": "`count=exact` when `X-Total-Count` answers `Prefer: count=exact`.",
        "schema": {"type": "string", "enum": ["count=exact"]},
    },
    "ETag": {
        "description": (
            "Strong tag of the stored row (its configured fields, whatever `fields` and "
            "`include` say), for `If-Match` on PATCH, PUT and DELETE `/{id}`."
        ),
        "schema": {"type": "string", "pattern": '^"[0-9a-f]{16}"$'},
    },
    "X-Dry-Run": {
        "description": "`true` when the request was a dry run: nothing was kept.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Idempotent-Replayed": {
        "description": (
            "`true` when this is the kept answer of an earlier request with the same "
            "`Idempotency-Key`: nothing ran again."
        ),
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Content-Disposition": {
        "description": 'On CSV exports: `attachment; filename="<resource>.csv"`.',
        "schema": {"type": "string"},
    },
}
ETAG_KINDS = ("get-entity", "update-entity", "upsert-entity")
# Streamed exports of GET collection (SPEC B6), beside JSON.
STREAM_MEDIA = {
    "text/csv": {
        "schema": {
            "type": "string",
            "description": (
                "RFC 4180 CSV (`text/csv; charset=utf-8`): a header row of field names, then "
                "one record per row; null is an empty cell; an included relation is a column "
                "holding the JSON array of its rows. String cells starting with `=`, `+`, `-`, "
                "`@`, tab, CR or LF get a leading `'` so spreadsheets do not run them as "
                "formulas; `Accept: text/csv; escape=none` (or NDJSON) gives exact values."
            ),
        }
    },
    "application/x-ndjson": {
        "schema": {
            "type": "string",
            "description": "One JSON row per line, each exactly a row of the JSON response.",
        }
    },
}
# Write bodies beside JSON (engine.parse.bodies), UTF-8 only (`1419` for another charset).
BODY_MEDIA = {
    "text/csv": {
        "schema": {
            "type": "string",
            "description": (
                "RFC 4180 CSV in UTF-8 (a byte order mark is skipped; lines end in LF or CRLF): "
                "a header row of field names (or `identifier`), then one item per row. An empty "
                "cell means the field is not sent (PATCH leaves it alone); the cell `\\N` "
                "sends null. Cells are read by the field's type: integers as `-?[0-9]+`, "
                "booleans as `true`/`false`/`1`/`0`, floats as JSON numbers, the rest as text; "
                "a cell that does not fit gets the item errors a JSON item gets (`1305`, "
                "`1306`, naming the item by its 0-based row index). No relations; an empty "
                "string only through JSON or NDJSON. A body that is not CSV (syntax, a row "
                "with more or fewer cells than the header, an empty or repeated column name) "
                "is refused whole with `1418`, naming row and line."
            ),
        }
    },
    "application/x-ndjson": {
        "schema": {
            "type": "string",
            "description": (
                "One JSON object per line, each exactly an item of the JSON body; blank lines "
                "are skipped. A line that is not a JSON object is refused whole with `1418`, "
                "naming the line."
            ),
        }
    },
}
STATUS_TEXT = {
    200: "OK.",
    201: "Created entities.",
    204: "No content.",
    400: "Bad request.",
    401: "Invalid or missing access token.",
    403: "Unauthorized request.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "Conflict: a request with this `Idempotency-Key` is still running.",
    412: "Precondition failed.",
    413: "Request too large.",
    414: "Query string too long.",
    415: "Unsupported media type (`Accept`, or the charset of a CSV or NDJSON body).",
    422: "Unprocessable entity.",
    429: "Too many requests.",
    500: "Internal server error.",
    503: "Service temporarily unavailable: retry after `Retry-After` seconds.",
}


@dataclass(frozen=True)
class Operation:
    """One route and method of SPEC A1 as the document shows it."""

    kind: str  # operationId prefix; the operationId is `<kind>-dynamic-api-<alias>`
    method: str
    single: bool  # the `/{id}` route
    summary: str
    item_kind: str | None  # schemas.ITEM_KINDS key of the request items, None without a body
    success: int
    errors: tuple  # catalogue codes beyond COMMON_ERRORS

    @property
    def actions(self):
        """Return the permissions the operation needs (SPEC B1), as the API checks them."""
        return METHOD_ACTIONS[self.method.upper()]


OPERATIONS = (
    Operation(
        "get-collection",
        "get",
        False,
        "Get collection of entities for defined resource.",
        None,
        200,
        ("011", "1313", "1315", "1402", "1405", "1406"),
    ),
    Operation(
        "get-entity",
        "get",
        True,
        "Get item of entities for defined resource.",
        None,
        200,
        ("1313", "1303", "1406"),
    ),
    Operation(
        "save-collection",
        "post",
        False,
        "Save collection of {alias}",
        "create",
        201,
        (*WRITE_ERRORS, "1307", *BATCH_ERRORS),
    ),
    Operation(
        "update-collection",
        "patch",
        False,
        "Update collection of {alias}",
        "update",
        200,
        (*WRITE_ERRORS, "1303", "1310", *BATCH_ERRORS),
    ),
    Operation(
        "update-entity",
        "patch",
        True,
        "Update entity of {alias}",
        "update",
        200,
        (*WRITE_ERRORS, "1303", "1310", "1408", "1407"),
    ),
    Operation(
        "upsert-collection",
        "put",
        False,
        "Upsert collection of {alias} entities",
        "upsert",
        200,
        (*WRITE_ERRORS, "1307", "1308", *BATCH_ERRORS),
    ),
    Operation(
        "upsert-entity",
        "put",
        True,
        "Upsert entity of {alias}",
        "upsert",
        200,
        (*WRITE_ERRORS, "1307", "1308", "1408", "1407"),
    ),
    Operation(
        "delete-collection",
        "delete",
        False,
        "Delete collection of {alias}",
        None,
        204,
        (
            "011",
            "1315",
            "1303",
            "1317",
            "1403",
            "1405",
            "1406",
            "1411",
            "1417",
            *IDEMPOTENCY_ERRORS,
        ),  # fmt: skip
    ),
    Operation(
        "delete-entity",
        "delete",
        True,
        "Delete entity of {alias}",
        None,
        204,
        ("1303", "1317", "1406", "1407", "1417", *IDEMPOTENCY_ERRORS),
    ),
)


def is_available(operation, endpoint, ctx):
    """Return whether the caller may use `operation` on `endpoint` (DELETE only if deletable)."""
    if operation.method == "delete" and not endpoint.deletable:
        return False
    return all(ctx.can(endpoint.alias, action) for action in operation.actions)


def build_operation(operation, endpoint, ctx, names, components):
    """Return the OpenAPI operation object; `names` holds the endpoint's schema names and the
    shared parameters and responses are added to `components`."""
    alias = endpoint.alias
    viewer = ctx.can(alias, "view")
    codes = error_codes(operation, viewer) + business_key_codes(operation, endpoint, ctx)
    result = {
        "operationId": f"{operation.kind}-dynamic-api-{alias}",
        "summary": operation.summary.format(alias=alias),
        "description": f"Error codes: {code_list(ordered(codes))}. {UNAUTHORIZED_NOTE}",
        "tags": [tag_name(alias)],
        "parameters": parameters_for(operation.kind, endpoint, ctx, components["parameters"]),
    }
    if operation.item_kind:
        result["requestBody"] = request_body(operation, endpoint, names)
    result["responses"] = {
        **success_response(operation, names, components["headers"], viewer),
        **error_responses(operation, codes, names, components),
    }
    if operation.method not in READ_METHODS:  # Prefer: respond-async
        result["responses"]["202"] = jobs.ACCEPTED
        result["responses"] = dict(sorted(result["responses"].items()))
    if not result["parameters"]:
        del result["parameters"]
    return result


def tag_name(alias):
    return f"dynamic-entity-{alias}"


def error_codes(operation, viewer=True):
    """Return the codes an operation may answer, without 1409 when nothing throttles and
    without a DELETE's 1303 for a caller who may not view (it answers 204 instead)."""
    codes = (*operation.errors, *COMMON_ERRORS)
    if not api_settings.DEFAULT_THROTTLE_CLASSES:
        codes = tuple(code for code in codes if code != "1409")
    if operation.method == "delete" and not viewer:
        codes = tuple(code for code in codes if code != "1303")
    return codes


def business_key_codes(operation, endpoint, ctx):
    """Return the business-key codes a write of `endpoint` may answer: reference errors when
    a field may be sent as a key object, 1435 when a PATCH item may pick its row by key."""
    if not operation.item_kind:
        return ()
    codes = REFERENCE_ERRORS if ctx.key_references(endpoint) else ()
    if endpoint.business_keys and operation.method == "patch" and not operation.single:
        codes += ADDRESSING_ERRORS
    return codes


def status_of(code):
    return 403 if code is UNAUTHORIZED else CATALOGUE[code][0]


def message_of(code):
    return "Unauthorized request." if code is UNAUTHORIZED else CATALOGUE[code][1]


def ordered(codes):
    """Return error codes by HTTP status, then code."""
    return sorted(codes, key=lambda c: (status_of(c), c or ""))


def code_list(codes):
    """Return the codes as a Markdown list in one line; the code-less 403 is left to prose."""
    return ", ".join(f"`{code}`" for code in codes if code is not UNAUTHORIZED)


def codes_description(title, codes):
    """Return `title` and a Markdown list of error codes with their status and message template;
    the code-less 403 (SPEC A8) is a sentence, not a `null` entry."""
    lines = [
        f"- `{code}` ({status_of(code)}): {message_of(code)}"
        if code is not UNAUTHORIZED
        else f"- {UNAUTHORIZED_NOTE}"
        for code in codes
    ]
    return f"{title}\n\n" + "\n".join(lines)


def request_body(operation, endpoint, names):
    """Return the requestBody: `{"data": [item, ...]}`, or `{"data": item}` on `/{id}`."""
    item = schemas.ref(names["items"][(operation.item_kind, operation.single)])
    if operation.single:
        data = item
    else:
        data = {"type": "array", "minItems": 1, "maxItems": endpoint.max_batch_size, "items": item}
    example = body_example(endpoint, operation.item_kind, single=operation.single)
    return {
        "required": True,
        "description": (
            "Items keyed by field names; a relation name may hold a list of child items, "
            "written with their parent. The same items may come as CSV (`text/csv`) or NDJSON "
            "(`application/x-ndjson`), chosen by `Content-Type`. The example is one flat item "
            "that succeeds as sent where the identifier it names exists (a unique field gets a "
            "value unlikely to be taken)."
        ),
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"data": data},
                    "required": ["data"],
                },
                "example": example,
            },
            **BODY_MEDIA,
        },
    }


def success_response(operation, names, registry, viewer=True):
    """Return the success response: rows, or the non-transactional `{data, errors}` body; on GET
    collection also the CSV and NDJSON exports; with the response headers of the operation.
    A caller who may not view gets sparse rows from writes (SPEC B1)."""
    status = operation.success
    if status == 204:
        response = {"description": STATUS_TEXT[204]}
    else:
        shape = "entity" if operation.single else "collection"
        # `fields` may leave fields out of reads; writes show non-viewers what they sent
        read = operation.method in READ_METHODS or not viewer
        options = [schemas.ref(names[f"{shape}-read" if read else shape])]
        if operation.item_kind:
            options.append(schemas.ref(names[f"{shape}-partial"]))
        schema = options[0] if len(options) == 1 else {"anyOf": options}
        response = json_response(STATUS_TEXT[status], schema)
        if operation.item_kind and not viewer:
            response["description"] += " " + NOT_VIEWER_NOTE
    if operation.kind == "get-collection":
        response["description"] += (
            " With `Accept: text/csv` or `application/x-ndjson` every matching row is streamed "
            "(paging only when both `page[offset]` and `page[limit]` are given). CSV string "
            "cells starting with `=`, `+`, `-`, `@`, tab, CR or LF get a leading `'`; "
            "`Accept: text/csv; escape=none` gives the exact values."
        )
        response["content"].update(STREAM_MEDIA)
        header_names = ("X-Total-Count", "Preference-Applied", "Content-Disposition")
    elif operation.kind in ETAG_KINDS:
        header_names = ("ETag",)
    else:
        header_names = ()
    response["headers"] = response_headers(operation, header_names, registry)
    return {str(status): response}


def response_headers(operation, names, registry):
    """Return references to the response headers `names` plus those of every response of
    `operation` (X-Request-Id; X-Dry-Run on writes), adding them to `registry`."""
    names = ["X-Request-Id", *names]
    if operation.method not in READ_METHODS:
        names.extend(("X-Dry-Run", "Idempotent-Replayed"))
    refs = {}
    for name in names:
        registry[name] = HEADERS[name]
        refs[name] = {"$ref": f"#/components/headers/{name}"}
    return refs


def error_responses(operation, codes, names, components):
    """Return one response per error status, listing the codes that answer with it. Responses
    that do not depend on the endpoint are shared through components/responses; those of writes
    (named `WriteError-...`) also answer `X-Dry-Run`."""
    registry = components["responses"]
    headers = response_headers(operation, (), components["headers"])
    prefix = "Error" if operation.method in READ_METHODS else "WriteError"
    by_status = {}
    for code in codes:
        by_status.setdefault(status_of(code), []).append(code)
    responses = {}
    for status in sorted(by_status):
        codes_here = ordered(by_status[status])
        schema = schemas.ref(schemas.ERROR_LIST)
        per_item = operation.item_kind and status in PER_ITEM_STATUSES
        if per_item:
            shape = "entity" if operation.single else "collection"
            schema = {"anyOf": [schema, schemas.ref(names[f"{shape}-partial"])]}
        if per_item:  # one per endpoint: codes only, their messages are in the API description
            description = f"{STATUS_TEXT[status]} Codes: {code_list(codes_here)}. {PER_ITEM_NOTE}"
            responses[str(status)] = json_response(description, schema)
            responses[str(status)]["headers"] = headers
            responses[str(status)]["x-error-codes"] = codes_here
            continue
        response = json_response(codes_description(STATUS_TEXT[status], codes_here), schema)
        response["headers"] = headers
        response["x-error-codes"] = [code for code in codes_here if code is not UNAUTHORIZED]
        if UNAUTHORIZED in codes_here:
            response["x-error-without-code"] = True
        name = prefix + "-".join([str(status), *(code or "nocode" for code in codes_here)])
        registry[name] = response
        responses[str(status)] = {"$ref": f"#/components/responses/{name}"}
    return responses


def json_response(description, schema):
    return {"description": description, "content": {"application/json": {"schema": schema}}}
