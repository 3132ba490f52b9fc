"""Parameters of the dynamic routes: one table entry per parameter and the operations it applies to.

A parameter is one entry in `PARAMETERS` with a builder `(endpoint, ctx) → parameter dict, list of
them, or None`; the Part B extensions (SPEC B3–B8) are `sort`, `fields`, `Prefer`, `X-Dry-Run`,
`If-Match`, `Idempotency-Key` and the filter operators of the engine's `OPERATOR_TABLE`.
"""

import re
from dataclasses import dataclass

from dataexchange import conf
from dataexchange.engine.plan.operators import OPERATOR_TABLE
from dataexchange.openapi.jobs import PREFER_ASYNC
from dataexchange.openapi.schemas import integer_range, typed_schema

INCLUDE_DEPTH = 3  # relation chains listed in the `include` enum, counted in relations
INCLUDE_MAX_CHAINS = 200
MAX_OFFSET = 2**63 - 1  # SQL OFFSET is a 64-bit integer
# `*` or entity tags (engine.concurrency.parse_if_match also takes non-ASCII tag characters).
IF_MATCH_PATTERN = r'^[ \t]*(\*|(W/)?"[!#-~]*"([ \t]*,[ \t]*(W/)?"[!#-~]*")*)[ \t]*$'
# idempotency.keys: what a key may hold, as sent without quotes (leading and trailing blanks
# belong to the header's syntax, not to the key)
IDEMPOTENCY_KEY_PATTERN = r"^[!#-\[\]-~]([ !#-\[\]-~]{0,253}[!#-\[\]-~])?$"


FILTER_OPERATORS = OPERATOR_TABLE  # the engine's table, in document order


@dataclass(frozen=True)
class ParameterSpec:
    """A parameter and the operation kinds (see operations.OPERATIONS) it belongs to; a shared
    one is the same for every endpoint."""

    kinds: frozenset
    build: object
    shared: bool = False
    key: str | None = None  # its name in components/parameters, when not its own name


def id_parameter(endpoint, ctx):
    """Return the `{id}` path parameter, typed like the identifier field."""
    field = endpoint.identifier
    schema = typed_schema(field, integer_range(endpoint, field))
    if schema["type"] == "string":
        schema["pattern"] = "^[^/]+$"  # a slash would leave the route
    return {
        "name": "id",
        "in": "path",
        "required": True,
        "description": f"Value of the identifier field `{field.name}`.",
        "schema": schema,
    }


def filter_parameters(endpoint, ctx):
    """Return one `filter[<alias>.<field>]` string parameter per field (SPEC A3, B3).

    The server reads each value as text: a one-key JSON object naming an operator, or else a
    plain value compared for equality. So the parameter is a string (a JSON-encoded plain value
    would carry quotes), and the operator objects it may hold are described in
    `x-filter-operators` (name → operand schema) and in the description."""
    return [filter_parameter(endpoint, field) for field in endpoint.fields]


def filter_parameter(endpoint, field):
    """Return the filter parameter of one field."""
    value = typed_schema(field, integer_range(endpoint, field))
    operators = [op for op in FILTER_OPERATORS if op.applies_to(field.type)]
    listed = "; ".join(f"`{op.example}`: {op.meaning}" for op in operators)
    return {
        "name": f"filter[{endpoint.alias}.{field.name}]",
        "in": "query",
        "description": (
            f"Filter on `{field.name}` ({field.type}); filters combine with AND and the part "
            "before the first dot of the name is ignored. A plain value, sent as is (no "
            "quotes), compares for equality; a value that can never equal one of the field's "
            "type matches no row. An operator is sent as a one-key JSON object, "
            f'`filter[{endpoint.alias}.{field.name}]={{"gt":5}}`: {listed}. `IN` is accepted '
            "for `in`; any other object is compared as a plain string. Operands have the "
            "field's type (numbers may also be numeric strings); `null` is never an operand, "
            "use `isNull`. NULL columns match no comparison (`ne`, `notIn`, `gt`, ...). An "
            "operand that does not fit its operator or field is rejected with `1405`."
        ),
        "schema": {"type": "string"},
        "x-filter-operators": {op.name: operand_schema(op, value) for op in operators},
    }


def operand_schema(operator, value):
    """Return the schema of an operator's operand, given the schema of one field value."""
    if operator.shape == "list":
        return {"type": "array", "items": value}
    if operator.shape == "pair":
        return {"type": "array", "items": value, "minItems": 2, "maxItems": 2}
    if operator.shape == "flag":
        return {"type": "boolean"}
    if operator.shape == "pattern":
        return {"type": "string"}
    return dict(value)


def page_parameters(endpoint, ctx):
    """Return `page[offset]` and `page[limit]` (SPEC A3): applied only when both are given.

    Spryker ignores paging values that are not non-negative integers (the defaults apply);
    so does this API, and the document says so rather than promising a refusal."""
    both = (
        f"Applied only when both `page[offset]` and `page[limit]` are given, otherwise offset 0 "
        f"and limit {conf.get('DEFAULT_PAGE_LIMIT')}. A value that is not a non-negative "
        "integer is ignored as Spryker ignores it (the defaults apply)."
    )
    return [
        {
            "name": "page[offset]",
            "in": "query",
            "description": f"Rows to skip. {both}",
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
        },
        {
            "name": "page[limit]",
            "in": "query",
            "description": (
                f"Rows to return at most; above {endpoint.max_page_limit} it is rejected with "
                f"`1402`. {both}"
            ),
            "schema": {"type": "integer", "minimum": 0, "maximum": endpoint.max_page_limit},
        },
    ]


def include_parameter(endpoint, ctx):
    """Return `include`: comma-separated relation chains (`a.b,c`), or None without relations."""
    chains = include_chains(endpoint, ctx)
    if not chains:
        return None
    return {
        "name": "include",
        "in": "query",
        "style": "form",
        "explode": False,
        "description": (
            "Relations whose rows are nested in each row under the relation's name, "
            "comma-separated; a dotted chain follows relation by relation. Filters and paging "
            "apply to the root rows only. An unknown relation is rejected with `1313`; empty "
            "names are ignored (`include=` includes nothing)."
        ),
        "schema": {
            "type": "array",
            "uniqueItems": True,
            "items": {"type": "string", "enum": chains},
        },
    }


def include_chains(endpoint, ctx):
    """Return the relation chains the caller may include, breadth-first, bounded."""
    chains, level = [], [("", endpoint)]
    for _ in range(INCLUDE_DEPTH):
        next_level = []
        for prefix, parent in level:
            for name, child in ctx.readable_relations(parent).items():
                chain = f"{prefix}{name}"
                chains.append(chain)
                next_level.append((f"{chain}.", child))
        level = next_level
    return chains[:INCLUDE_MAX_CHAINS]


def transactional_header(endpoint, ctx):
    """Return `X-Is-Transactional` (SPEC A6)."""
    return {
        "name": "X-Is-Transactional",
        "in": "header",
        "description": (
            "Only the exact values `false` or `0` switch transactions off: then each root item is "
            "written in its own transaction and the body is always `{data, errors}`. Any other "
            "value (`true`, `1`, `False`, ...), or no header, writes the whole request in one "
            "transaction, as Spryker does: the value is free text, never refused."
        ),
        "schema": {"type": "string", "default": "true"},
    }


def sort_parameter(endpoint, ctx):
    """Return `sort` (SPEC B4): comma-separated field names, `-` for descending."""
    names = [field.name for field in endpoint.fields]
    return {
        "name": "sort",
        "in": "query",
        "style": "form",
        "explode": False,
        "description": (
            "Order of the rows: field names, comma-separated, each ascending or, with a `-` "
            "prefix, descending (`sort=name,-id`). The identifier always breaks ties; NULL sorts "
            "first ascending and last descending. Without `sort` rows are ordered by the "
            "identifier. An unknown name is rejected with `1406`; empty names are ignored "
            "(`sort=` is no sort)."
        ),
        "schema": {
            "type": "array",
            "items": {"type": "string", "enum": [*names, *(f"-{name}" for name in names)]},
        },
    }


def fields_parameter(endpoint, ctx):
    """Return `fields` (SPEC B4): the comma-separated field names to return."""
    return {
        "name": "fields",
        "in": "query",
        "style": "form",
        "explode": False,
        "description": (
            "Sparse rows: only these fields, comma-separated, in this order (the identifier "
            "is not added); included relations are still nested. An unknown name is rejected "
            "with `1406`; empty names are ignored (`fields=` returns every field)."
        ),
        "schema": {
            "type": "array",
            "items": {"type": "string", "enum": [field.name for field in endpoint.fields]},
        },
    }


def prefer_header(endpoint, ctx):
    """Return `Prefer` (SPEC B5): `count=exact` asks for `X-Total-Count`."""
    return {
        "name": "Prefer",
        "in": "header",
        "description": (
            "`count=exact` (RFC 7240; other preferences may be listed beside it) counts every "
            "row matching the filters, regardless of paging, into the `X-Total-Count` response "
            "header and answers `Preference-Applied: count=exact`. Any other `count=` value is "
            "rejected with `1410`; preferences other than `count` are ignored, as RFC 7240 "
            "asks, so the value is free text."
        ),
        "schema": {"type": "string"},
    }


def dry_run_header(endpoint, ctx):
    """Return `X-Dry-Run` (SPEC B7)."""
    return {
        "name": "X-Dry-Run",
        "in": "header",
        "description": (
            "`true` (or `1`; any case) runs the request completely, validation and writes "
            "included, in a transaction that is always rolled back, and answers what the request "
            "would have answered, with `X-Dry-Run: true`. Nothing is kept, but PostgreSQL "
            "sequences and MariaDB auto-increment counters advance. `false`, `0` or an empty "
            "value is no dry run; any other value is rejected with `1410` before anything is "
            "written."
        ),
        # "": an empty header is no header (engine.execute.dryrun.parse_dry_run)
        "schema": {"type": "string", "enum": ["true", "false", "1", "0", ""], "default": "false"},
    }


def if_match_header(endpoint, ctx):
    """Return `If-Match` (SPEC B8)."""
    return {
        "name": "If-Match",
        "in": "header",
        "description": (
            "Write only if the row is unchanged: `*` (any existing row) or one or more quoted "
            'ETags of `GET /{id}`, comma-separated; weak tags (`W/"..."`) never match. When '
            "no tag matches, or the row does not exist, nothing is written and the answer is "
            "412 `1407`. Any other value is rejected with `1410`."
        ),
        "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
    }


def idempotency_key_header(endpoint, ctx):
    """Return `Idempotency-Key` (IETF draft "The Idempotency-Key HTTP Header Field")."""
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "description": (
            "A key you choose per request (a UUID, say) so that retrying is safe: the first "
            "answer is kept for 24 hours with the data it wrote, in the same transaction, and a "
            "retry with the same key, method, path, query, body and the headers that change a "
            "write (`Content-Type`, `X-Is-Transactional`, `X-Dry-Run`, `If-Match`, `Prefer`) "
            "gets that answer again, with `Idempotent-Replayed: true`, without running. Keys "
            "are per caller. The same key with another request is refused with 422 `1420`; a "
            "retry while the first request runs gets 409 `1421` with `Retry-After`. Requests "
            "refused before they ran (e.g. `1301`, `1404`) keep nothing. 1 to 255 printable "
            'ASCII characters without `"` or `\\`, optionally in double quotes; anything '
            "else is rejected with `1410`."
        ),
        "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
    }


def prefer_async_header(endpoint, ctx):
    """Return `Prefer: respond-async` on writes: a job, 202 (openapi.jobs)."""
    return PREFER_ASYNC


READS = frozenset({"get-collection"})
ENTITY = frozenset({"get-entity", "update-entity", "upsert-entity", "delete-entity"})
WRITES = frozenset(
    {"save-collection", "update-collection", "update-entity", "upsert-collection", "upsert-entity"}
)
DELETES = frozenset({"delete-collection", "delete-entity"})
CONDITIONAL = frozenset({"update-entity", "upsert-entity", "delete-entity"})

PARAMETERS = (
    ParameterSpec(ENTITY, id_parameter),
    ParameterSpec(frozenset({"get-collection", "delete-collection"}), filter_parameters),
    ParameterSpec(READS, page_parameters),
    ParameterSpec(frozenset({"get-collection", "get-entity"}), include_parameter),
    ParameterSpec(READS, sort_parameter),
    ParameterSpec(frozenset({"get-collection", "get-entity"}), fields_parameter),
    ParameterSpec(READS, prefer_header, shared=True),
    ParameterSpec(WRITES, transactional_header, shared=True),
    ParameterSpec(WRITES | DELETES, dry_run_header, shared=True),
    ParameterSpec(CONDITIONAL, if_match_header, shared=True),
    ParameterSpec(WRITES | DELETES, idempotency_key_header, shared=True),
    ParameterSpec(WRITES | DELETES, prefer_async_header, shared=True, key="Prefer.respond-async"),
)


def component_name(name):
    """Return a parameter name as a component key (`^[A-Za-z0-9._-]+$`): `page[offset]` is
    `page.offset`."""
    return re.sub(r"[^A-Za-z0-9._-]+", ".", name).strip(".")


def parameters_for(kind, endpoint, ctx, registry):
    """Return references to the parameters of operation `kind` on `endpoint`, in table order,
    adding each to `registry` (components/parameters) under `[<alias>.]<name>`."""
    refs = []
    for spec in PARAMETERS:
        if kind not in spec.kinds:
            continue
        built = spec.build(endpoint, ctx)
        for parameter in built if isinstance(built, list) else [built] if built else []:
            name = spec.key or component_name(parameter["name"])
            if not spec.shared:
                name = f"{endpoint.alias}.{name}"
            registry[name] = parameter
            refs.append({"$ref": f"#/components/parameters/{name}"})
    return refs
