"""Build the paths, component schemas and tags of every endpoint a caller may use.

Input is a `DocContext`: the compiled endpoints of one configuration version and the
(alias, action) pairs the caller is granted. Output is plain OpenAPI dicts, merged into
drf-spectacular's document by `generator.py`.
"""

from dataclasses import dataclass

from dataexchange import conf
from dataexchange.engine.plan.walk import follow
from dataexchange.openapi import schemas
from dataexchange.openapi.operations import OPERATIONS, build_operation, is_available, tag_name


@dataclass(frozen=True)
class DocContext:
    """What the document of one caller depends on."""

    snapshot: object
    endpoints: tuple  # compiled active endpoints, sorted by alias
    allowed: frozenset  # (alias, action) pairs granted to the caller

    def can(self, alias, *actions):
        return all((alias, action) in self.allowed for action in actions)

    def relations(self, endpoint):
        """Yield (name, relation, child endpoint or None) for each relation of `endpoint`."""
        for name in endpoint.relations:
            yield name, *follow(self.snapshot, endpoint, name)

    def readable_relations(self, endpoint):
        """Return {relation name: child endpoint} the caller may include (view on the child)."""
        return {
            name: child
            for name, _, child in self.relations(endpoint)
            if child is not None and self.can(child.alias, "view")
        }

    def writable_relations(self, endpoint, kind):
        """Return {name: (relation, child)} the caller may write items of `kind` under."""
        actions = schemas.item_actions(kind)
        return {
            name: (relation, child)
            for name, relation, child in self.relations(endpoint)
            if relation.editable and child is not None and self.can(child.alias, *actions)
        }

    def key_references(self, endpoint):
        """Return {field name: referenced endpoint} of the fields the caller may send as a
        business-key reference: the referenced endpoint declares keys and the caller may view
        it (issue 19)."""
        found = {}
        for name, reference in endpoint.references.items():
            if name in endpoint.relations:
                continue
            target = self.snapshot.get(reference.alias)
            if target is not None and target.business_keys and self.can(target.alias, "view"):
                found[name] = target
        return found


@dataclass(frozen=True)
class EndpointDocument:
    """The part of the document that describes the endpoints."""

    paths: dict
    components: dict  # schemas, parameters, responses, headers
    tags: list


def build_endpoint_document(ctx):
    """Return the paths, schemas and tags of every endpoint with an operation the caller may use."""
    prefix = "/" + conf.get("ROUTE_PREFIX").strip("/")
    paths, tags = {}, []
    components = {"schemas": {}, "parameters": {}, "responses": {}, "headers": {}}
    for endpoint in ctx.endpoints:
        operations = [op for op in OPERATIONS if is_available(op, endpoint, ctx)]
        if not operations:
            continue
        names = envelope_schemas(endpoint, ctx, components["schemas"])
        for operation in operations:
            if operation.item_kind:
                names["items"][(operation.item_kind, operation.single)] = item_schemas(
                    endpoint,
                    operation.item_kind,
                    ctx,
                    components["schemas"],
                    single=operation.single,
                )
            path = f"{prefix}/{endpoint.alias}" + ("/{id}" if operation.single else "")
            paths.setdefault(path, {})[operation.method] = build_operation(
                operation, endpoint, ctx, names, components
            )
        tags.append({"name": tag_name(endpoint.alias), "description": tag_description(endpoint)})
    return EndpointDocument(paths, components, tags)


def tag_description(endpoint):
    return endpoint.description or f"Rows of the `{endpoint.alias}` resource."


def envelope_schemas(endpoint, ctx, components):
    """Add the row and response-body schemas of `endpoint`; return their names."""
    alias = endpoint.alias
    relations = {name: child.alias for name, child in ctx.readable_relations(endpoint).items()}
    row = schemas.ref(schemas.row_name(alias))
    errors = schemas.ref(schemas.ERROR_LIST)
    empty = {"type": "array", "maxItems": 0, "description": "No item succeeded."}
    names = {
        "collection": f"{alias}.Collection",
        "entity": f"{alias}.Entity",
        "collection-partial": f"{alias}.CollectionNonTransactional",
        "entity-partial": f"{alias}.EntityNonTransactional",
        "collection-read": f"{alias}.SparseCollection",
        "entity-read": f"{alias}.SparseEntity",
        "items": {},
    }
    full = components[schemas.row_name(alias)] = schemas.row_schema(endpoint, relations)
    sparse = {key: value for key, value in full.items() if key != "required"}
    viewer = ctx.can(alias, "view")
    sparse["description"] = (
        "A row as GET answers it: every field, or with `fields` only those asked for."
        if viewer
        else "A row as writes answer it without `view`: the identifier and the fields sent."
    )
    components[schemas.sparse_row_name(alias)] = sparse
    sparse_row = schemas.ref(schemas.sparse_row_name(alias))
    components[names["collection-read"]] = envelope({"type": "array", "items": sparse_row})
    components[names["entity-read"]] = envelope(sparse_row)
    components[names["collection"]] = envelope({"type": "array", "items": row})
    components[names["entity"]] = envelope(row)
    written = row if viewer else sparse_row  # SPEC B1: non-viewers see less
    components[names["collection-partial"]] = envelope({"type": "array", "items": written}, errors)
    components[names["entity-partial"]] = envelope({"anyOf": [written, empty]}, errors)
    return names


def envelope(data, errors=None):
    """Return the schema of a `{"data": ...}` body, with `errors` for non-transactional writes."""
    properties = {"data": data}
    if errors:
        properties["errors"] = errors
    return {"type": "object", "properties": properties, "required": list(properties)}


def item_schemas(endpoint, kind, ctx, components, *, single=False, exempt=None):
    """Add the item schema of `kind` for `endpoint` and of the children it may nest; return its
    name. Cycles of relations end at names already added."""
    exempt_field = endpoint.by_column.get(exempt) if exempt else None
    if exempt_field is not None and not schemas.ITEM_KINDS[kind].must_send(
        exempt_field, selects_row=True
    ):
        exempt_field = None  # the exemption changes nothing: share the plain item schema
    name = schemas.item_name(
        endpoint.alias, kind, single, exempt_field.name if exempt_field else None
    )
    if name in components:
        return name
    components[name] = {}  # reserve the name before recursing
    relations = {
        relation_name: item_schemas(child, kind, ctx, components, exempt=relation.child_column)
        for relation_name, (relation, child) in ctx.writable_relations(endpoint, kind).items()
    }
    references = {
        field_name: key_schema(target, components)
        for field_name, target in ctx.key_references(endpoint).items()
    }
    components[name] = schemas.item_schema(
        endpoint,
        kind,
        single=single,
        exempt=exempt_field.column if exempt_field else None,
        relations=relations,
        references=references,
    )
    return name


def key_schema(endpoint, components):
    """Add the schema of a reference to a row of `endpoint` by one of its business keys; return
    its name."""
    name = schemas.business_key_name(endpoint.alias)
    if name not in components:
        components[name] = schemas.business_key_schema(endpoint)
    return name
