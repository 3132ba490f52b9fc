"""The documentation of the change feed: `GET /changes/<alias>` of every tracked endpoint the
caller may view, with the endpoint's own row schema for `data`. Written from the contract."""

from dataexchange.engine.plan.types import TYPES
from dataexchange.openapi import schemas
from dataexchange.openapi.jobs import errors
from dataexchange.openapi.operations import tag_name

FEED_DESCRIPTION = (
    "Every insert, update and delete of the endpoint's table, whoever made it (the API, the "
    "admin, or SQL straight into the database), in the order the transactions committed. "
    "Follow it with `after=<nextCursor>`: no change is ever skipped. `data` is the row as the "
    "endpoint shows it *now*: `null` for a delete, and for a change whose row was deleted since "
    "(its delete follows). Take `limit=0` before an initial full load, then follow from that "
    "cursor. A cursor older than the kept changes answers `410` `1428`: load in full again."
)
PARAMETERS = [
    {
        "name": "after",
        "in": "query",
        "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
        "description": (
            "An opaque cursor: a `cursor` or `nextCursor` this feed returned. Absent: from the "
            "oldest kept change. Malformed: `1429`."
        ),
    },
    {
        "name": "limit",
        "in": "query",
        "schema": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 100},
        "description": (
            "Changes per page (`DATA_EXCHANGE_CHANGES['MAX_LIMIT']` at most, `1430` beyond); "
            "`0` answers only the current `nextCursor`."
        ),
    },
    {
        "name": "wait",
        "in": "query",
        "schema": {"type": "number", "minimum": 0, "maximum": 30, "default": 0},
        "description": (
            "Seconds to wait for a first change when there is none (long polling); the answer "
            "comes as soon as one commits. When too many requests of the server process wait "
            "already, the answer comes at once."
        ),
    },
]


def feed_paths(ctx):
    """Return ({path: operations}, {schema name: schema}) of the feeds the caller may read."""
    paths, components = {}, {}
    for endpoint in ctx.endpoints:
        if not endpoint.track_changes or not ctx.can(endpoint.alias, "view"):
            continue
        name = f"{endpoint.alias}.Changes"
        components[name] = feed_schema(endpoint)
        paths[f"/changes/{endpoint.alias}"] = {"get": feed_operation(endpoint, name)}
    return paths, components


def feed_operation(endpoint, schema_name):
    return {
        "operationId": f"get-changes-{endpoint.alias}",
        "summary": f"Follow the changes of `{endpoint.alias}`.",
        "description": FEED_DESCRIPTION,
        "tags": [tag_name(endpoint.alias)],
        "parameters": PARAMETERS,
        "responses": {
            "200": {
                "description": "The changes after the cursor, in order, and the next cursor.",
                "content": {"application/json": {"schema": schemas.ref(schema_name)}},
            },
            **errors("001", "002", "007", "1404", "1409", "1428", "1429", "1430"),
        },
    }


def feed_schema(endpoint):
    """Return the schema of a feed page of `endpoint`."""
    identifier = dict(TYPES[endpoint.identifier.type].json_schema)
    row = schemas.ref(schemas.row_name(endpoint.alias))
    change = {
        "type": "object",
        "properties": {
            "cursor": {"type": "string", "description": "Follow on from this change."},
            "operation": {"type": "string", "enum": ["create", "update", "delete"]},
            "identifier": identifier,
            "data": {
                "anyOf": [row],
                "nullable": True,
                "description": "The row now; null for a delete or a row deleted since.",
            },
            "changedAt": {"type": "string", "format": "date-time"},
        },
        "required": ["cursor", "operation", "identifier", "data", "changedAt"],
    }
    return {
        "type": "object",
        "properties": {
            "data": {"type": "array", "items": change},
            "nextCursor": {"type": "string", "description": "`after` of the next request."},
        },
        "required": ["data", "nextCursor"],
    }
