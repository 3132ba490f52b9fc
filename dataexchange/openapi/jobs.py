"""The documentation of asynchronous jobs: `Prefer: respond-async` and its 202 on every write,
and the `/jobs/{id}` routes. Written from the contract, like `/token`."""

from dataexchange.errors import CATALOGUE

TAG = {
    "name": "jobs",
    "description": (
        "Asynchronous writes: a write sent with `Prefer: respond-async` answers `202 Accepted` "
        "with `Location: /jobs/{id}`; workers process it in chunks through the same pipeline as "
        "a synchronous write. Only the caller who created a job (or a superuser) sees it."
    ),
}

ERROR_REF = {"$ref": "#/components/schemas/ErrorList"}
JOB_REF = {"$ref": "#/components/schemas/Job"}
ITEM_ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "status": {"type": "integer"},
        "message": {"type": "string"},
    },
    "required": ["code", "status", "message"],
}
TIMESTAMP = {"type": "string", "format": "date-time", "nullable": True}

SCHEMAS = {
    "Job": {
        "type": "object",
        "properties": {
            "data": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "status": {
                        "type": "string",
                        "enum": [
                            "queued",
                            "running",
                            "succeeded",
                            "partially_failed",
                            "failed",
                            "cancelled",
                        ],  # fmt: skip
                    },
                    "endpoint": {"type": "string"},
                    "method": {"type": "string", "enum": ["POST", "PATCH", "PUT", "DELETE"]},
                    "entity_id": {"type": "string", "nullable": True},
                    "transactional": {"type": "boolean"},
                    "items": {
                        "type": "object",
                        "properties": {
                            "total": {"type": "integer"},
                            "succeeded": {"type": "integer"},
                            "failed": {"type": "integer", "description": "Failed or rolled back."},
                        },
                        "required": ["total", "succeeded", "failed"],
                    },
                    "progress": {"type": "number", "minimum": 0, "maximum": 1},
                    "created_at": TIMESTAMP,
                    "started_at": TIMESTAMP,
                    "finished_at": TIMESTAMP,
                    "caller": {"type": "string"},
                    "request_id": {
                        "type": "string",
                        "nullable": True,
                        "description": "The exchange of the job in the exchange log.",
                    },
                    "errors": ERROR_REF,
                    "links": {
                        "type": "object",
                        "properties": {"self": {"type": "string"}, "results": {"type": "string"}},
                        "required": ["self", "results"],
                    },
                },
                "required": ["id", "status", "endpoint", "method", "items", "links"],
            }
        },
        "required": ["data"],
    },
    "JobResult": {
        "type": "object",
        "properties": {
            "index": {"type": "integer", "description": "The item's position in the body."},
            "status": {"type": "string", "enum": ["succeeded", "failed", "rolled_back"]},
            "identifier": {"description": "The stored identifier of a succeeded item."},
            "errors": {"type": "array", "items": ITEM_ERROR},
        },
        "required": ["index", "status"],
    },
    "JobResults": {
        "type": "object",
        "properties": {
            "data": {"type": "array", "items": {"$ref": "#/components/schemas/JobResult"}}
        },
        "required": ["data"],
    },
}

PREFER_ASYNC = {
    "name": "Prefer",
    "in": "header",
    "description": (
        "`respond-async` (RFC 7240) answers `202 Accepted` at once with `Location: /jobs/{id}` "
        "and `Preference-Applied: respond-async`; the body (JSON, CSV or NDJSON) is stored in "
        "chunks and written by workers, each item validated, permission-checked and logged as "
        "in a synchronous write. A transactional job (the default) stores nothing if any item "
        "fails and holds at most `DATA_EXCHANGE_JOBS['MAX_TRANSACTIONAL_ITEMS']` items "
        "(`1425` beyond); send `X-Is-Transactional: false` for larger imports. Dry runs and "
        "`If-Match` writes are answered synchronously (the preference is not applied). Other "
        "preferences are ignored, as RFC 7240 asks (a `count` other than `count=exact` is "
        "rejected with `1410`), so the value is free text."
    ),
    "schema": {"type": "string"},
}


def header(description, schema=None):
    return {"description": description, "schema": schema or {"type": "string"}}


ACCEPTED = {
    "description": (
        "Accepted: the job is stored and will be processed; poll `Location` for its status and "
        "`Location`/results for the item results."
    ),
    "headers": {
        "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
        "Location": header("`/jobs/{id}`: the job's status."),
        "Preference-Applied": header("`respond-async`.", {"type": "string"}),
        "X-Dry-Run": {"$ref": "#/components/headers/X-Dry-Run"},
        "Idempotent-Replayed": {"$ref": "#/components/headers/Idempotent-Replayed"},
    },
    "content": {"application/json": {"schema": JOB_REF}},
}

JOB_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
    "description": "The job's id (from `Location`).",
}
PAGE = [
    {
        "name": f"page[{name}]",
        "in": "query",
        "schema": {"type": "integer", "minimum": 0},
        "description": description,
    }
    for name, description in (
        ("offset", "First item index of the page (with `page[limit]`)."),
        ("limit", "Items per page (with `page[offset]`); `1402` above the page maximum."),
    )
]


def errors(*codes):
    """Return the error responses answering `codes`, one per HTTP status."""
    by_status = {}
    for code in codes:
        status, message = CATALOGUE[code]
        by_status.setdefault(status, []).append(f"- `{code}`: {message}")
    by_status.setdefault(403, []).append("- `null`: Unauthorized request.")
    return {
        str(status): {
            "description": "\n".join(lines),
            "content": {"application/json": {"schema": ERROR_REF}},
        }
        for status, lines in sorted(by_status.items())
    }


COMMON = ("001", "002", "007", "1409")
STREAMS = {
    "application/x-ndjson": {
        "schema": {"type": "string", "description": "One JobResult per line, in body order."}
    },
    "text/csv": {
        "schema": {
            "type": "string",
            "description": (
                "A header row `index,status,identifier,code,message,errors` (the first error's "
                "code and message; every error as JSON), then one record per item."
            ),
        }
    },
}

PATHS = {
    "/jobs/{id}": {
        "get": {
            "operationId": "get-job",
            "summary": "Get the status of an asynchronous write.",
            "description": "Status, item counts, timings and caller of the job.",
            "tags": ["jobs"],
            "parameters": [JOB_ID],
            "responses": {
                "200": {
                    "description": "The job.",
                    "content": {"application/json": {"schema": JOB_REF}},
                },
                **errors(*COMMON),
            },
        },
        "delete": {
            "operationId": "cancel-job",
            "summary": "Cancel an asynchronous write between chunks.",
            "description": (
                "Chunks not taken yet are dropped; a chunk being processed finishes (its rows "
                "commit with their results). A finished job answers `1426`."
            ),
            "tags": ["jobs"],
            "parameters": [JOB_ID],
            "responses": {
                "200": {
                    "description": "The cancelled job.",
                    "content": {"application/json": {"schema": JOB_REF}},
                },
                **errors(*COMMON, "1426"),
            },
        },
    },
    "/jobs/{id}/results": {
        "get": {
            "operationId": "get-job-results",
            "summary": "Get the per-item results of an asynchronous write.",
            "description": (
                "The result of every processed item, in body order: its stored identifier, or "
                "the same error objects a synchronous write answers. A JSON page by "
                "`page[offset]`/`page[limit]`, or every result streamed with `Accept: "
                "application/x-ndjson` or `text/csv`."
            ),
            "tags": ["jobs"],
            "parameters": [JOB_ID, *PAGE],
            "responses": {
                "200": {
                    "description": "The results.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/JobResults"}},
                        **STREAMS,
                    },
                },
                **errors(*COMMON, "010", "1402"),
            },
        }
    },
}
