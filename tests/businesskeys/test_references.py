"""References by business key (issue 19): objects under reference fields, resolved in bulk."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from rest_framework.test import APIClient

from dataexchange.auth.models import EndpointPermission
from tests.businesskeys.conftest import ids
from tests.support.client import Api


def prices():
    """Return {(sku, currency code): gross} of the stored prices."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.sku, c.code, r.gross FROM bk_price r"
            " JOIN bk_product p ON p.id_product = r.fk_product"
            " JOIN bk_currency c ON c.id_currency = r.fk_currency"
        )
        return {(sku, code): gross for sku, code, gross in cursor.fetchall()}


def price(sku, code, gross):
    return {"fk_product": {"sku": sku}, "fk_currency": {"code": code}, "gross": gross}


def test_items_referencing_the_same_and_different_rows(api, catalogue):
    items = [price("A-1", "EUR", 100), price("A-1", "USD", 110), price("B-2", "EUR", 200)]
    status, body, _ = api("POST", "prices", {"data": items})
    assert status == 201, body
    products = ids("bk_product", "sku", "id_product")
    currencies = ids("bk_currency", "code", "id_currency")
    # The answer holds the stored rows: the numeric ids the keys resolved to.
    assert [(row["fk_product"], row["fk_currency"]) for row in body["data"]] == [
        (products["A-1"], currencies["EUR"]),
        (products["A-1"], currencies["USD"]),
        (products["B-2"], currencies["EUR"]),
    ]
    assert prices() == {("A-1", "EUR"): 100, ("A-1", "USD"): 110, ("B-2", "EUR"): 200}


def test_numeric_id_and_key_object_mix_in_one_batch(api, catalogue):
    currencies = ids("bk_currency", "code", "id_currency")
    items = [price("A-1", "EUR", 1), {**price("B-2", "EUR", 2), "fk_currency": currencies["CHF"]}]
    status, body, _ = api("POST", "prices", {"data": items})
    assert status == 201, body
    assert prices() == {("A-1", "EUR"): 1, ("B-2", "CHF"): 2}


def test_a_key_matching_nothing_is_an_item_error_naming_path_and_value(api, catalogue):
    items = [price("A-1", "EUR", 1), price("NOPE", "EUR", 2), price("B-2", "XXX", 3)]
    status, body, _ = api("POST", "prices", {"data": items})
    assert status == 400
    assert body == [
        {
            "message": 'No entity of `products` has the business key {sku: "NOPE"} referenced '
            "by `prices[1].fk_product`.",
            "status": 400,
            "code": "1434",
        },
        {
            "message": 'No entity of `currencies` has the business key {code: "XXX"} '
            "referenced by `prices[2].fk_currency`.",
            "status": 400,
            "code": "1434",
        },
    ]
    assert prices() == {}  # transactional: nothing of the batch is stored


def test_non_transactional_stores_the_items_whose_keys_resolve(api, catalogue):
    items = [price("A-1", "EUR", 1), price("NOPE", "EUR", 2)]
    status, body, _ = api(
        "POST", "prices", {"data": items}, headers={"X-Is-Transactional": "false"}
    )
    assert [e["code"] for e in body["errors"]] == ["1434"]
    assert prices() == {("A-1", "EUR"): 1}


def test_wrong_key_objects_keep_their_own_errors(api, catalogue):
    items = [
        {"fk_product": {"name": "A-1"}, "fk_currency": {"code": "EUR"}},  # not a key
        {"fk_product": {"sku": 7}, "fk_currency": {"code": "EUR"}},  # wrong type
        {"fk_product": {"sku": "A-1"}, "fk_currency": {"code": "EUR", "name": "x"}},
    ]
    status, body, _ = api("POST", "prices", {"data": items})
    assert status == 400
    assert [(e["code"], e["message"]) for e in body] == [
        (
            "1432",
            "Invalid business key `prices[0].fk_product`: send an object with exactly the "
            "fields of one business key of `products`: {sku}.",
        ),
        (
            "1433",
            "Invalid business key value `prices[1].fk_product.sku` for field `sku` of `products`.",
        ),
        (
            "1432",
            "Invalid business key `prices[2].fk_currency`: send an object with exactly the "
            "fields of one business key of `currencies`: {code}.",
        ),
    ]


def test_a_referenced_endpoint_without_business_keys(api, catalogue):
    catalogue["currencies"].business_keys = []
    catalogue["currencies"].save()
    status, body, _ = api("POST", "prices", {"data": [price("A-1", "EUR", 1)]})
    assert status == 400
    assert body[0]["code"] == "1436"
    assert body[0]["message"] == (
        "`prices[0].fk_currency` references `currencies`, which declares no business key: "
        "send its `id_currency` value."
    )


def test_objects_elsewhere_keep_their_spec_meaning(api, catalogue):
    # An object under a field no relation links stays an unknown relation (SPEC A2, 1313) ...
    status, body, _ = api("POST", "prices", {"data": [{"gross": {"code": "EUR"}}]})
    assert status == 400 and body[0]["code"] == "1313"
    # ... and an object under a relation name stays a nested write.
    status, body, _ = api(
        "POST",
        "products",
        {"data": [{"sku": "N-1", "productPrices": {"fk_currency": {"code": "CHF"}, "gross": 9}}]},
    )
    assert status == 201, body
    assert prices() == {("N-1", "CHF"): 9}


def test_nested_children_reference_rows_by_key_at_any_depth(api, catalogue):
    body = {
        "data": [
            {
                "sku": "C-3",
                "productPrices": [
                    {"fk_currency": {"code": "EUR"}, "gross": 30},
                    {"fk_currency": {"code": "USD"}, "gross": 31},
                ],
                "productTexts": [{"fk_locale": {"locale_name": "de_DE"}, "title": "Drei"}],
            }
        ]
    }
    status, answer, _ = api("POST", "products", body)
    assert status == 201, answer
    assert prices() == {("C-3", "EUR"): 30, ("C-3", "USD"): 31}
    locales = ids("bk_locale", "locale_name", "id_locale")
    assert answer["data"][0]["productTexts"][0]["fk_locale"] == locales["de_DE"]


def test_nested_child_key_matching_nothing_names_the_nested_path(api, catalogue):
    body = {"data": [{"sku": "D-4", "productPrices": [{"fk_currency": {"code": "GBP"}}]}]}
    status, answer, _ = api("POST", "products", body)
    assert status == 400
    assert answer[0]["message"] == (
        'No entity of `currencies` has the business key {code: "GBP"} referenced by '
        "`products[0].prices[0].fk_currency`."
    )


def test_referencing_needs_view_on_the_referenced_endpoint(catalogue, django_user_model):
    user = django_user_model.objects.create_user("bk-writer", password=None)
    for alias, flags in (("prices", {"can_create": True, "can_view": True}),
                         ("products", {"can_view": True})):  # fmt: skip
        EndpointPermission.objects.create(endpoint=catalogue[alias], user=user, **flags)
    client = APIClient()
    client.force_authenticate(user=user)
    api = Api(client)
    status, body, _ = api("POST", "prices", {"data": [price("A-1", "EUR", 1)]})
    assert status == 403
    assert body == [
        {"message": "Permission denied: `view` on `currencies`.", "status": 403, "code": "1404"}
    ]
    # Numeric ids need no view on the referenced endpoint, as before.
    currencies = ids("bk_currency", "code", "id_currency")
    item = {**price("A-1", "EUR", 1), "fk_currency": currencies["EUR"]}
    status, body, _ = api("POST", "prices", {"data": [item]})
    assert status == 201, body
    EndpointPermission.objects.create(endpoint=catalogue["currencies"], user=user, can_view=True)
    status, body, _ = api("POST", "prices", {"data": [price("B-2", "EUR", 1)]})
    assert status == 201, body


def test_csv_columns_name_a_reference_field_and_a_key_field(api, catalogue):
    csv = "fk_product.sku,fk_currency.code,gross\nA-1,EUR,10\nB-2,CHF,20\n"
    response = api.request("POST", "prices", raw=csv, content_type="text/csv")
    assert response.status_code == 201, response.content
    assert prices() == {("A-1", "EUR"): 10, ("B-2", "CHF"): 20}


def test_csv_key_cells_are_typed_by_the_referenced_key_field(api, catalogue):
    csv = "fk_product.sku,fk_currency.code\n123,EUR\n"  # `123` is a SKU: a string
    response = api.request("POST", "prices", raw=csv, content_type="text/csv")
    assert response.status_code == 400
    assert response.json()[0]["message"] == (
        'No entity of `products` has the business key {sku: "123"} referenced by '
        "`prices[0].fk_product`."
    )


@pytest.fixture
def many_products(catalogue):
    """1,000 more products (S-0000 … S-0999)."""
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO bk_product (sku, name) VALUES (%s, %s)",
            [(f"S-{n:04d}", "x") for n in range(1000)],
        )
    return catalogue


def test_statement_count_is_bounded_for_a_thousand_distinct_references(api, many_products):
    items = [price(f"S-{n:04d}", "EUR", n) for n in range(1000)]
    status, _, _ = api("POST", "prices", {"data": [price("A-1", "EUR", 0)]})
    assert status == 201  # endpoints compiled: what follows is the write alone
    with CaptureQueriesContext(connection) as queries:
        status, body, _ = api("POST", "prices", {"data": items})
    assert status == 201, body[:3] if isinstance(body, list) else body
    statements = [q["sql"] for q in queries.captured_queries]
    lookups = [s for s in statements if "bk_product" in s]
    assert len(lookups) == 1, lookups  # one query for the 1,000 product keys
    assert len([s for s in statements if "bk_currency" in s]) == 1
    # Everything else is independent of the batch size too (bulk insert, the exchange log).
    assert len(queries.captured_queries) < 30, len(queries.captured_queries)
    assert len(prices()) == 1001


def test_the_openapi_document_accepts_the_key_object_forms(api, catalogue):
    status, document, _ = api("GET", "/api/schema/", headers={"Accept": "application/json"})
    assert status == 200
    schemas = document["components"]["schemas"]
    assert schemas["currencies.BusinessKey"]["required"] == ["code"]
    create = schemas["prices.Create"]["properties"]
    assert create["fk_currency"]["oneOf"][1] == {
        "$ref": "#/components/schemas/currencies.BusinessKey"
    }
    assert create["fk_currency"]["oneOf"][0]["type"] == "integer"
    # An update item picks its row by the identifier (sent, not null) or by the whole business
    # key; a null identifier is "not sent".
    by_id, by_key = schemas["prices.Update"]["anyOf"]
    assert by_id["required"] == ["id_price"]
    assert by_id["properties"]["id_price"]["type"] == "integer"
    assert "nullable" not in by_id["properties"]["id_price"]
    assert schemas["prices.Update"]["properties"]["id_price"]["nullable"] is True
    assert by_key == {"required": ["fk_product", "fk_currency"]}


def test_a_key_value_holding_nul_matches_nothing_on_every_database(api, catalogue):
    """PostgreSQL text cannot hold NUL (its driver refuses to send one) and MariaDB's
    collations ignore it: such a key names no row anywhere, as a filter value does."""
    status, body, _ = api("POST", "prices", {"data": [price("A-1\x00", "EUR", 1)]})
    assert status == 400
    assert body == [
        {
            "message": 'No entity of `products` has the business key {sku: "A-1\\u0000"} '
            "referenced by `prices[0].fk_product`.",
            "status": 400,
            "code": "1434",
        }
    ]
    assert prices() == {}
