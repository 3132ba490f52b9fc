"""The worked example of docs/extensions.md#business-keys on the demo schema and configuration."""

import io

from django.core.management import call_command

import pytest

from core.models import Currency, PriceProduct, ProductAbstract
from tests.api.test_demo_countries import ENDPOINTS_FILE


@pytest.fixture
def demo(demo_data):
    call_command("import_endpoints", str(ENDPOINTS_FILE), stdout=io.StringIO())


def test_prices_by_sku_and_iso_code(api, demo):
    item = {"fk_product_abstract": {"sku": "100001"}, "fk_currency": {"code": "EUR"}}
    status, body, _ = api("POST", "price-products", {"data": [{**item, "gross_price": 1999}]})
    assert status == 201, body
    stored = PriceProduct.objects.get(pk=body["data"][0]["id_price_product"])
    assert stored.fk_product_abstract.sku == "100001"
    assert stored.fk_currency_id == Currency.objects.get(code="EUR").pk

    csv = "fk_product_abstract.sku,fk_currency.code,gross_price\n100002,CHF,2199\n"
    response = api.request("POST", "price-products", raw=csv, content_type="text/csv")
    assert response.status_code == 201, response.content
    assert PriceProduct.objects.filter(
        fk_product_abstract__sku="100002", fk_currency__code="CHF", gross_price=2199
    ).exists()

    status, body, _ = api(
        "POST", "price-products", {"data": [{**item, "fk_product_abstract": {"sku": "nope"}}]}
    )
    assert status == 400
    assert body[0]["message"] == (
        'No entity of `product-abstracts` has the business key {sku: "nope"} referenced by '
        "`price-products[0].fk_product_abstract`."
    )


def test_products_patched_and_upserted_by_sku(api, demo):
    status, body, _ = api(
        "PATCH", "product-abstracts", {"data": [{"sku": "100001", "color_code": "#FF0000"}]}
    )
    assert status == 200, body
    assert ProductAbstract.objects.get(sku="100001").color_code == "#FF0000"
    status, body, _ = api(
        "PUT", "product-abstracts", {"data": [{"sku": "ERP-4711", "attributes": "{}"}]}
    )
    assert status == 200, body
    assert ProductAbstract.objects.filter(sku="ERP-4711").count() == 1
