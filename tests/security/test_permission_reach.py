"""Grants on a parent endpoint must not reach its children: an include reads the child
endpoint, a nested write writes it, so each needs the child's own permission (SPEC B1)."""

import pytest

from dataexchange.models import Endpoint
from tests.auth.conftest import bearer, grant


def denied(action, alias):
    return [
        {"message": f"Permission denied: `{action}` on `{alias}`.", "status": 403, "code": "1404"}
    ]


@pytest.fixture
def country_clerk(demo_endpoints, user):
    grant(Endpoint.objects.get(alias="countries"), "view", "create", "update", user=user)
    return bearer(user)


def test_child_endpoint_alone_is_refused(client, country_clerk):
    response = client.get("/dynamic-entity/tax-rates", **country_clerk)
    assert response.json() == denied("view", "tax-rates")


def test_include_needs_view_on_the_child(client, country_clerk):
    response = client.get(
        "/dynamic-entity/countries", {"include": "countryTaxRates"}, **country_clerk
    )
    assert response.json() == denied("view", "tax-rates")


def test_nested_create_needs_create_on_the_child(client, country_clerk):
    body = {
        "data": [
            {
                "iso2_code": "XQ",
                "iso3_code": "XQQ",
                "name": "Nowhere",
                "countryTaxRates": [{"fk_tax_set": 1, "name": "Nowhere", "rate": "1.00"}],
            }
        ]
    }
    response = client.post("/dynamic-entity/countries", body, format="json", **country_clerk)
    assert response.json() == denied("create", "tax-rates")
