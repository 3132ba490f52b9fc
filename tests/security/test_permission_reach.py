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


def test_replay_is_refused_where_the_api_is(client, country_clerk, superuser, user):
    """Replay takes the API's permission path: a clerk who may create countries but not tax
    rates cannot replay a logged country whose nested tax rates would be created."""
    from django.db import connection

    from dataexchange.exchangelog.models import Exchange, ExchangeItem
    from dataexchange.exchangelog.replay import items_replay

    with connection.cursor() as cursor:  # ids differ per database: sequences never roll back
        cursor.execute("SELECT MIN(id_tax_set) FROM spy_tax_set")
        (tax_set,) = cursor.fetchone()
    nested = {
        "iso2_code": "XQ",
        "iso3_code": "XQQ",
        "name": "Nowhere",
        "countryTaxRates": [{"fk_tax_set": tax_set, "name": "Nowhere", "rate": "1.00"}],
    }
    invalid = {"iso2_code": "TOOLONG", "iso3_code": "XQR", "name": "Bad"}
    body = {"data": [nested, invalid]}
    response = client.post("/dynamic-entity/countries", body, format="json", **bearer(superuser))
    assert response.status_code == 400  # transactional: the nested country was rolled back
    original = ExchangeItem.objects.get(index=0, status="rolled_back")
    # The API refuses the clerk the same items ...
    refused = client.post(
        "/dynamic-entity/countries", {"data": [nested]}, format="json", **country_clerk
    )
    assert refused.json() == denied("create", "tax-rates")
    # ... and so does replay, storing nothing.
    (replay,) = items_replay(items=ExchangeItem.objects.filter(pk=original.pk), user=user)
    assert (replay.status, replay.http_status, replay.error_codes) == ("rejected", 403, ",1404,")
    assert replay.errors == denied("create", "tax-rates")
    assert not Exchange.objects.filter(path="", status="processed").exists()
    stored = client.get(
        "/dynamic-entity/countries", {"filter[countries.iso2_code]": "XQ"}, **bearer(superuser)
    )
    assert stored.json() == {"data": []}
