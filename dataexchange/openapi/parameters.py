"""Parameters of the dynamic routes: one table entry per parameter and the operations it applies to.

Adding a parameter (the Part B extensions: sort, fields, Prefer, X-Dry-Run, If-Match) is one entry
in `PARAMETERS` with a builder `(endpoint, ctx) → parameter dict or None`.
"""

from dataclasses import dataclass

from dataexchange import conf
from dataexchange.openapi.schemas import integer_range, typed_schema

INCLUDE_DEPTH = 3  # relation chains listed in the `include` enum, counted in relations
INCLUDE_MAX_CHAINS = 200
MAX_OFFSET = 2**63 - 1  # SQL OFFSET is a 64-bit integer

# Operators of `filter[...]={"<op>": value}`, one row each (SPEC A3; Part B adds more).
FILTER_OPERATORS = (("in", "one of the listed values", '{"in":["DE","AT"]}'),)


@dataclass(frozen=True)
class ParameterSpec:
    """A parameter and the operation kinds (see operations.OPERATIONS) it belongs to; a shared
    one is the same for every endpoint."""

    kinds: frozenset
    build: object
    shared: bool = False


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


def filter_parameter(endpoint, ctx):
    """Return `filter` (deepObject): one property `<alias>.<field>` per field (SPEC A3)."""
    properties = {
        f"{endpoint.alias}.{field.name}": typed_schema(field, integer_range(endpoint, field))
        for field in endpoint.fields
    }
    operators = "; ".join(f"`{example}`: {meaning}" for _, meaning, example in FILTER_OPERATORS)
    return {
        "name": "filter",
        "in": "query",
        "style": "deepObject",
        "explode": True,
        "description": (
            "Filters combined with AND, as `filter[<anything>.<field>]=<value>`; the part "
            "before the first dot is ignored. A plain value compares for equality; a JSON "
            f"object with exactly one operator key means: {operators}. Unknown fields are "
            "rejected with `1315`, a key without a dot with `011`."
        ),
        "schema": {"type": "object", "properties": properties, "additionalProperties": False},
    }


def page_parameter(endpoint, ctx):
    """Return `page` (deepObject): offset and limit, applied only when both are given."""
    return {
        "name": "page",
        "in": "query",
        "style": "deepObject",
        "explode": True,
        "description": (
            "Paging, `page[offset]` and `page[limit]`; applied only when both are given, "
            f"otherwise offset 0 and limit {conf.get('DEFAULT_PAGE_LIMIT')}. A limit above "
            f"{endpoint.max_page_limit} is rejected with `1402`."
        ),
        "schema": {
            "type": "object",
            "properties": {
                "offset": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET},
                "limit": {"type": "integer", "minimum": 0, "maximum": endpoint.max_page_limit},
            },
            "additionalProperties": False,
        },
    }


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
            "apply to the root rows only. An unknown relation is rejected with `1313`."
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
            "Only `false` or `0` switch transactions off: then each root item is written in its "
            "own transaction and the body is always `{data, errors}`. Anything else, or no "
            "header, writes the whole request in one transaction."
        ),
        "schema": {"type": "string", "enum": ["true", "false", "1", "0"], "default": "true"},
    }


READS = frozenset({"get-collection"})
ENTITY = frozenset({"get-entity", "update-entity", "upsert-entity", "delete-entity"})
WRITES = frozenset(
    {"save-collection", "update-collection", "update-entity", "upsert-collection", "upsert-entity"}
)

PARAMETERS = (
    ParameterSpec(ENTITY, id_parameter),
    ParameterSpec(frozenset({"get-collection", "delete-collection"}), filter_parameter),
    ParameterSpec(READS, page_parameter),
    ParameterSpec(frozenset({"get-collection", "get-entity"}), include_parameter),
    ParameterSpec(WRITES, transactional_header, shared=True),
)


def parameters_for(kind, endpoint, ctx, registry):
    """Return references to the parameters of operation `kind` on `endpoint`, in table order,
    adding each to `registry` (components/parameters) under `[<alias>.]<name>`."""
    refs = []
    for spec in PARAMETERS:
        if kind not in spec.kinds:
            continue
        parameter = spec.build(endpoint, ctx)
        if parameter is None:
            continue
        name = parameter["name"] if spec.shared else f"{endpoint.alias}.{parameter['name']}"
        registry[name] = parameter
        refs.append({"$ref": f"#/components/parameters/{name}"})
    return refs
