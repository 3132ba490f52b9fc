"""The document of a fixed configuration: valid OpenAPI 3, golden, and exact per operation."""

import io
import json
import os

from django.core.management import call_command

import pytest
from openapi_spec_validator import validate

from tests.openapi.conftest import GOLDEN, client_for, fetch_document
from tests.openapi.test_schemathesis import DEMO_ENDPOINTS
from tests.support.golden import assert_same_text

PREFIX = "/dynamic-entity"
GADGET_NAMES = (
    "id_gadget", "brand", "code", "price", "weight", "stock", "active", "released", "created_at",
    "kind", "url",
)  # fmt: skip


def assert_golden(document, name):
    """Compare with tests/openapi/golden/<name>.json; DX_UPDATE_GOLDEN=1 rewrites the file."""
    path = GOLDEN / f"{name}.json"
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("DX_UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert path.exists(), f"{path} is missing; run with DX_UPDATE_GOLDEN=1 to write it"
    assert_same_text(text, path.read_text(), f"{name}.json")


@pytest.fixture
def document(configuration, superuser):
    return fetch_document(client_for(superuser))


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_document_validates_against_openapi_3(configuration, superuser, fmt):
    validate(fetch_document(client_for(superuser), fmt))


def test_document_of_anonymous_caller_validates(configuration):
    validate(fetch_document(client_for()))


def test_golden_test_configuration(document):
    assert_golden(document, "test_configuration")


def test_golden_demo_configuration(db, superuser):
    if not DEMO_ENDPOINTS.exists():
        pytest.skip("no demo endpoint configuration")
    call_command("import_endpoints", str(DEMO_ENDPOINTS), stdout=io.StringIO())
    document = fetch_document(client_for(superuser))
    validate(document)
    assert_golden(document, "demo_configuration")


def test_operation_ids_and_summaries_follow_spryker(document):
    operations = {
        (path, method): (op["operationId"], op["summary"])
        for path, item in document["paths"].items()
        if path.startswith(PREFIX)
        for method, op in item.items()
    }
    assert operations == {
        (f"{PREFIX}/brands", "get"): (
            "get-collection-dynamic-api-brands",
            "Get collection of entities for defined resource.",
        ),
        (f"{PREFIX}/brands", "post"): (
            "save-collection-dynamic-api-brands",
            "Save collection of brands",
        ),
        (f"{PREFIX}/brands", "patch"): (
            "update-collection-dynamic-api-brands",
            "Update collection of brands",
        ),
        (f"{PREFIX}/brands", "put"): (
            "upsert-collection-dynamic-api-brands",
            "Upsert collection of brands entities",
        ),
        (f"{PREFIX}/brands/{{id}}", "get"): (
            "get-entity-dynamic-api-brands",
            "Get item of entities for defined resource.",
        ),
        (f"{PREFIX}/brands/{{id}}", "patch"): (
            "update-entity-dynamic-api-brands",
            "Update entity of brands",
        ),
        (f"{PREFIX}/brands/{{id}}", "put"): (
            "upsert-entity-dynamic-api-brands",
            "Upsert entity of brands",
        ),
        (f"{PREFIX}/gadgets", "get"): (
            "get-collection-dynamic-api-gadgets",
            "Get collection of entities for defined resource.",
        ),
        (f"{PREFIX}/gadgets", "post"): (
            "save-collection-dynamic-api-gadgets",
            "Save collection of gadgets",
        ),
        (f"{PREFIX}/gadgets", "patch"): (
            "update-collection-dynamic-api-gadgets",
            "Update collection of gadgets",
        ),
        (f"{PREFIX}/gadgets", "put"): (
            "upsert-collection-dynamic-api-gadgets",
            "Upsert collection of gadgets entities",
        ),
        (f"{PREFIX}/gadgets", "delete"): (
            "delete-collection-dynamic-api-gadgets",
            "Delete collection of gadgets",
        ),
        (f"{PREFIX}/gadgets/{{id}}", "get"): (
            "get-entity-dynamic-api-gadgets",
            "Get item of entities for defined resource.",
        ),
        (f"{PREFIX}/gadgets/{{id}}", "patch"): (
            "update-entity-dynamic-api-gadgets",
            "Update entity of gadgets",
        ),
        (f"{PREFIX}/gadgets/{{id}}", "put"): (
            "upsert-entity-dynamic-api-gadgets",
            "Upsert entity of gadgets",
        ),
        (f"{PREFIX}/gadgets/{{id}}", "delete"): (
            "delete-entity-dynamic-api-gadgets",
            "Delete entity of gadgets",
        ),
    }


def test_row_schema_carries_types_and_read_only_identifier(document):
    row = document["components"]["schemas"]["gadgets.Row"]
    props = row["properties"]
    assert props["id_gadget"] == {
        "title": "id_gadget",
        "type": "integer",
        "description": "Unique identifier for the entity",
        "readOnly": True,
    }
    assert props["code"]["description"] == "Article code."
    assert props["code"]["example"] == "AB-1" and props["code"]["x-examples"] == ["AB-1", "CD-2"]
    assert props["price"]["type"] == "string" and props["price"]["format"] == "decimal"
    assert props["price"]["example"] == "19.99" and props["price"]["nullable"] is True
    assert props["weight"]["type"] == "number" and props["weight"]["format"] == "float"
    assert props["released"]["format"] == "date"
    assert props["created_at"]["format"] == "date-time"
    assert "nullable" not in props["stock"]  # NOT NULL column
    # Stored rows may predate the rules: rows promise types only.
    assert "maxLength" not in props["code"] and "enum" not in props["kind"]
    assert row["required"] == list(props)


def test_request_schemas_carry_the_rules(document):
    props = document["components"]["schemas"]["gadgets.Create"]["properties"]
    assert props["code"]["minLength"] == 2 and props["code"]["maxLength"] == 20
    assert props["stock"] == {
        "title": "stock",
        "type": "integer",
        "minimum": 0,
        "maximum": 1000,
        "example": 5,
        "nullable": True,
    }
    assert props["brand"]["minimum"] == -(2**31) and props["brand"]["maximum"] == 2**31 - 1
    assert props["kind"]["enum"] == ["tool", "toy"]
    assert props["url"]["x-constraints"] == ["url"] and props["url"]["pattern"].startswith("^/$")
    assert props["price"]["description"] == (
        "Decimal with precision 8 and scale 2. A string, or a JSON number (read to 15 "
        "significant digits); rows return a string."
    )
    assert props["price"]["oneOf"][1] == {
        "type": "number",
        "minimum": -999999.99,
        "maximum": 999999.99,
        "multipleOf": 0.01,
    }


@pytest.mark.parametrize(
    ("precision", "scale", "number"),
    [
        (8, 2, {"minimum": -999999.99, "maximum": 999999.99, "multipleOf": 0.01}),
        (5, 0, {"minimum": -99999, "maximum": 99999, "multipleOf": 1}),
        (2, 2, {"minimum": -0.99, "maximum": 0.99, "multipleOf": 0.01}),
        # 15 significant digits: 10 integer digits leave 5 of the 10 fraction digits
        (20, 10, {"minimum": -9999999999.99999, "maximum": 9999999999.99999, "multipleOf": 1e-10}),
        (30, 0, {"minimum": -(10**15 - 1), "maximum": 10**15 - 1, "multipleOf": 1}),
        (None, None, {}),
    ],
)
def test_a_decimal_number_stays_within_what_the_server_reads(precision, scale, number):
    from dataexchange.openapi.schemas import decimal_number_schema

    assert decimal_number_schema(precision, scale) == {"type": "number", **number}


@pytest.mark.parametrize(
    ("value", "valid"),
    [("19.99", True), ("-1", True), ("000123456.5000", True), ("1234567", False), ("1.234", False)],
)
def test_decimal_pattern_matches_precision_and_scale(document, value, valid):
    import re

    price = document["components"]["schemas"]["gadgets.Create"]["properties"]["price"]
    pattern = price["oneOf"][0]["pattern"]
    assert bool(re.search(pattern, value)) is valid


def test_create_schema_holds_creatable_fields_and_required_list(document):
    create = document["components"]["schemas"]["gadgets.Create"]
    assert "id_gadget" not in create["properties"] and "created_at" not in create["properties"]
    assert create["required"] == ["brand", "code"]
    assert create["additionalProperties"] is False


def test_update_schemas_hold_editable_fields_and_the_selecting_identifier(document):
    schemas = document["components"]["schemas"]
    update = schemas["gadgets.Update"]
    assert update["required"] == ["id_gadget"]
    assert "created_at" not in update["properties"]
    assert "id_gadget" not in schemas["gadgets.UpdateEntity"]["properties"]
    # `{"data": {}}` is refused with 1301 (SPEC A2, tests/api/test_create.py BAD_SINGLE_BODIES)
    assert schemas["gadgets.UpdateEntity"]["minProperties"] == 1
    assert schemas["gadgets.UpsertEntity"]["minProperties"] == 1
    assert "minProperties" not in update
    assert "name" not in schemas["brands.Update"]["properties"]  # not editable
    assert "name" in schemas["brands.Create"]["properties"]


def test_children_of_a_relation_are_exempt_from_their_foreign_key(document):
    schemas = document["components"]["schemas"]
    child = schemas["brands.Create"]["properties"]["brandGadgets"]
    item = {"$ref": "#/components/schemas/gadgets.Create.via.brand"}
    # A list of child items, empty included, or one child item (SPEC A2, A9).
    assert child["anyOf"] == [{"type": "array", "items": item}, item]
    assert schemas["gadgets.Create.via.brand"]["required"] == ["code"]


def resolve(document, item):
    """Return the object a `$ref` points at (or `item` itself)."""
    if "$ref" not in item:
        return item
    section, name = item["$ref"].split("/")[2:]
    return document["components"][section][name]


def parameters(document, operation):
    return {p["name"]: p for p in (resolve(document, p) for p in operation["parameters"])}


def test_parameters_filter_page_include_and_transactional_header(document):
    params = parameters(document, document["paths"][f"{PREFIX}/brands"]["get"])
    filters = ["filter[brands.id_brand]", "filter[brands.code]", "filter[brands.name]"]
    assert list(params) == [*filters, "page[offset]", "page[limit]", "include", "sort"] + [
        "fields",
        "Prefer",
    ]
    assert params["page[limit]"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 10000}
    assert params["page[offset]"]["schema"]["minimum"] == 0
    assert "example" not in params["page[offset]"] and "default" not in params["page[limit]"]
    assert params["include"]["schema"]["items"]["enum"] == ["brandGadgets"]
    post = document["paths"][f"{PREFIX}/brands"]["post"]
    assert list(parameters(document, post)) == [
        "X-Is-Transactional",
        "X-Dry-Run",
        "Idempotency-Key",
        "Prefer",
    ]
    # SPEC A6: any value but `false` and `0` is transactional, so the header is free text.
    assert parameters(document, post)["X-Is-Transactional"]["schema"] == {
        "type": "string",
        "default": "true",
    }
    one = document["paths"][f"{PREFIX}/gadgets/{{id}}"]["get"]
    assert list(parameters(document, one)) == ["id", "fields"]


def test_responses_cover_success_non_transactional_and_error_codes(document):
    post = document["paths"][f"{PREFIX}/gadgets"]["post"]
    assert post["responses"]["201"]["content"]["application/json"]["schema"] == {
        "anyOf": [
            {"$ref": "#/components/schemas/gadgets.Collection"},
            {"$ref": "#/components/schemas/gadgets.CollectionNonTransactional"},
        ]
    }
    assert post["responses"]["422"]["x-error-codes"] == ["1314", "1420"]
    assert resolve(document, post["responses"]["409"])["x-error-codes"] == ["1421"]
    assert resolve(document, post["responses"]["415"])["x-error-codes"] == ["010", "1419"]
    assert "1418" in post["responses"]["400"]["x-error-codes"]
    assert list(post["requestBody"]["content"]) == [
        "application/json",
        "text/csv",
        "application/x-ndjson",
    ]
    assert "1307" in post["responses"]["400"]["x-error-codes"]
    forbidden = resolve(document, post["responses"]["403"])
    assert forbidden["x-error-codes"] == ["1404"] and forbidden["x-error-without-code"] is True
    delete = document["paths"][f"{PREFIX}/gadgets/{{id}}"]["delete"]
    assert delete["responses"]["204"] == {
        "description": "No content.",
        "headers": {
            "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
            "X-Dry-Run": {"$ref": "#/components/headers/X-Dry-Run"},
            "Idempotent-Replayed": {"$ref": "#/components/headers/Idempotent-Replayed"},
        },
    }
    assert resolve(document, delete["responses"]["404"])["x-error-codes"] == ["1303"]
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["message", "status", "code"]


def test_extension_parameters_per_operation(document):
    """SPEC B4, B5, B7, B8: sort, fields, Prefer, X-Dry-Run, If-Match and Idempotency-Key
    where they apply."""
    key = "Idempotency-Key"
    paths = document["paths"]
    collection, entity = paths[f"{PREFIX}/gadgets"], paths[f"{PREFIX}/gadgets/{{id}}"]
    filters = [f"filter[gadgets.{name}]" for name in GADGET_NAMES]
    page = ["page[offset]", "page[limit]"]
    names = {
        (path, method): list(parameters(document, operation))
        for path, operations in (("collection", collection), ("entity", entity))
        for method, operation in operations.items()
    }
    assert names == {
        ("collection", "get"): [*filters, *page, "sort", "fields", "Prefer"],
        ("collection", "post"): ["X-Is-Transactional", "X-Dry-Run", key, "Prefer"],
        ("collection", "patch"): ["X-Is-Transactional", "X-Dry-Run", key, "Prefer"],
        ("collection", "put"): ["X-Is-Transactional", "X-Dry-Run", key, "Prefer"],
        ("collection", "delete"): [*filters, "X-Dry-Run", key, "Prefer"],
        ("entity", "get"): ["id", "fields"],
        ("entity", "patch"): ["id", "X-Is-Transactional", "X-Dry-Run", "If-Match", key, "Prefer"],
        ("entity", "put"): ["id", "X-Is-Transactional", "X-Dry-Run", "If-Match", key, "Prefer"],
        ("entity", "delete"): ["id", "X-Dry-Run", "If-Match", key, "Prefer"],
    }
    assert parameters(document, entity["delete"])[key]["in"] == "header"
    params = parameters(document, collection["get"])
    sort = params["sort"]["schema"]["items"]["enum"]
    assert sort[:2] == ["id_gadget", "brand"] and "-id_gadget" in sort and "-url" in sort
    assert params["fields"]["schema"]["items"]["enum"][0] == "id_gadget"
    # RFC 7240: unknown preferences are ignored, so `Prefer` is free text on every route.
    assert params["Prefer"]["schema"] == {"type": "string"}
    prefer = parameters(document, collection["post"])["Prefer"]
    assert prefer["schema"] == {"type": "string"} and "`respond-async`" in prefer["description"]
    accepted = collection["post"]["responses"]["202"]
    assert {"Location", "Preference-Applied"} <= set(accepted["headers"])
    assert accepted["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Job"}
    assert set(document["paths"]["/jobs/{id}"]) == {"get", "delete"}
    assert "/jobs/{id}/results" in document["paths"]
    dry_run = parameters(document, collection["post"])["X-Dry-Run"]
    assert dry_run["in"] == "header"
    assert dry_run["schema"]["enum"] == ["true", "false", "1", "0", ""]  # "": no header
    assert parameters(document, entity["delete"])["If-Match"]["in"] == "header"


def test_no_parameter_carries_an_example_that_swagger_would_send(document):
    """Swagger UI's "Try it out" pre-fills parameters from `example`: an `If-Match` example made
    every conditional write fail with 412 `1407`, a fixed `Idempotency-Key` made the second
    write fail with 422 `1420`, and filter and page values emptied every list."""
    for name, parameter in document["components"]["parameters"].items():
        assert "example" not in parameter and "examples" not in parameter, name
        assert "example" not in parameter.get("schema", {}), name


def test_no_error_code_list_holds_null(document):
    """The code-less 403 of SPEC A8 is a sentence, not a `null` code."""
    for name, response in document["components"]["responses"].items():
        assert None not in response.get("x-error-codes", []) and "null" not in name
        assert "- `null`" not in response["description"], name
    forbidden = document["components"]["responses"]["WriteError403-nocode-1404"]
    assert '`Unauthorized request.` with `"code": null`' in forbidden["description"]
    for path, item in document["paths"].items():
        for operation in item.values():
            codes = operation.get("description", "").split(". ")[0]
            assert not path.startswith(PREFIX) or codes.startswith("Error codes: ")
            assert "`null`" not in codes
            for response in operation["responses"].values():
                assert None not in response.get("x-error-codes", [])


def test_filter_parameters_are_text_holding_a_value_or_one_operator(document):
    """SPEC A3, B3: the server reads `filter[<alias>.<field>]` as text, a plain value or a
    one-key JSON operator object; the operand schemas of the field's operators are listed."""
    params = parameters(document, document["paths"][f"{PREFIX}/gadgets"]["get"])
    stock = params["filter[gadgets.stock]"]
    assert stock["in"] == "query" and stock["schema"] == {"type": "string"}
    assert "style" not in stock and "explode" not in stock
    ops = stock["x-filter-operators"]
    value = {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}
    assert list(ops) == ["in", "notIn", "ne", "gt", "gte", "lt", "lte", "between", "isNull"]
    assert ops["gt"] == value and ops["in"] == {"type": "array", "items": value}
    assert ops["between"] == {"type": "array", "items": value, "minItems": 2, "maxItems": 2}
    assert ops["isNull"] == {"type": "boolean"}
    code_ops = params["filter[gadgets.code]"]["x-filter-operators"]
    assert code_ops["like"] == code_ops["ilike"] == {"type": "string"}
    active_ops = params["filter[gadgets.active]"]["x-filter-operators"]
    assert list(active_ops) == ["in", "notIn", "ne", "isNull"]
    assert "`1405`" in stock["description"]
    assert '`filter[gadgets.stock]={"gt":5}`' in stock["description"]


def test_filter_operators_match_the_engine():
    from dataexchange.engine.plan.operators import LIST_OPERATORS, OPERATORS, ORDERED_TYPES
    from dataexchange.openapi.parameters import FILTER_OPERATORS

    documented = {op.name: op for op in FILTER_OPERATORS}
    assert set(documented) == set(OPERATORS) | {"in"} and "in" in LIST_OPERATORS
    for name, engine in OPERATORS.items():
        assert (documented[name].types == frozenset(ORDERED_TYPES)) is engine.ordered


def test_extension_responses_headers_media_and_errors(document):
    """SPEC B5–B9: response headers, CSV/NDJSON exports, and the codes 1405–1407."""
    paths = document["paths"]
    collection, entity = paths[f"{PREFIX}/gadgets"], paths[f"{PREFIX}/gadgets/{{id}}"]
    ok = collection["get"]["responses"]["200"]
    assert list(ok["content"]) == ["application/json", "text/csv", "application/x-ndjson"]
    assert list(ok["headers"]) == [
        "X-Request-Id",
        "X-Total-Count",
        "Preference-Applied",
        "Content-Disposition",
    ]
    assert list(entity["get"]["responses"]["200"]["headers"]) == ["X-Request-Id", "ETag"]
    sparse = document["components"]["schemas"]["gadgets.SparseRow"]  # `fields` drops keys
    assert "required" not in sparse
    assert ok["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/gadgets.SparseCollection"
    }
    for method in ("patch", "put"):
        headers = entity[method]["responses"]["200"]["headers"]
        assert list(headers) == ["X-Request-Id", "ETag", "X-Dry-Run", "Idempotent-Replayed"]
        assert list(collection[method]["responses"]["200"]["headers"]) == [
            "X-Request-Id",
            "X-Dry-Run",
            "Idempotent-Replayed",
        ]
    headers = document["components"]["headers"]
    assert headers["X-Request-Id"]["required"] is True
    for path in (collection, entity):
        for method, operation in path.items():
            for status, response in operation["responses"].items():
                response = resolve(document, response)
                assert "X-Request-Id" in response["headers"], (method, status)
                assert ("X-Dry-Run" in response["headers"]) is (method != "get"), (method, status)

    def codes(operation):
        return {
            code
            for response in operation["responses"].values()
            for code in resolve(document, response).get("x-error-codes", [])
        }

    expected = {
        ("collection", "get"): {"1405", "1406"},
        ("entity", "get"): {"1406"},
        ("collection", "delete"): {"1405", "1406"},
        ("entity", "delete"): {"1406", "1407"},
        ("entity", "patch"): {"1407"},
        ("entity", "put"): {"1407"},
        ("collection", "patch"): set(),
        ("collection", "put"): set(),
        ("collection", "post"): set(),
    }
    routes = {"collection": collection, "entity": entity}
    for (route, method), extension_codes in expected.items():
        operation = routes[route][method]
        assert codes(operation) & {"1405", "1406", "1407"} == extension_codes, method
        for code in extension_codes:
            assert f"`{code}`" in operation["description"]
    assert resolve(document, entity["put"]["responses"]["412"])["x-error-codes"] == ["1407"]


def test_security_schemes_and_token_endpoint(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearerAuth"]["description"],
    }
    assert schemes["apiKeyHeader"]["name"] == "X-Api-Key"
    assert schemes["apiKeyQuery"] == {"type": "apiKey", "in": "query", "name": "api_key"}
    token = document["paths"]["/token"]["post"]
    assert token["security"] == []
    assert set(token["responses"]) >= {"200", "400"}


def test_spectacular_command_writes_the_full_document(configuration, tmp_path):
    target = tmp_path / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(target))
    document = json.loads(target.read_text())
    validate(document)
    assert f"{PREFIX}/gadgets/{{id}}" in document["paths"]


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE"])
def test_allow_names_exactly_the_documented_methods(document, client, method):
    """Spryker answers a method a route does not serve with 404 `007`; its `Allow` header lists
    the methods the document gives the route (HEAD beside GET): no DELETE on `brands`, which is
    not deletable, and no POST on `/{id}`."""
    for path, item in document["paths"].items():
        if not path.startswith(PREFIX):
            continue
        url = path.replace("{id}", "1")
        response = client.generic(method, url)
        assert response.status_code == 404 and response.json()[0]["code"] == "007"
        allowed = {m.strip().lower() for m in response["Allow"].split(",")}
        assert allowed == set(item) | {"head"}, path
