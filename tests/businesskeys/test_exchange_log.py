"""The exchange log finds items by their business-key values (issue 19)."""

from dataexchange.exchangelog.admin.filters import search_exchanges, search_items
from dataexchange.exchangelog.models import Exchange, ExchangeItem


def test_exchanges_and_items_are_found_by_business_key_values(api, catalogue, settings):
    settings.EXCHANGE_LOG = {**settings.EXCHANGE_LOG, "ITEMS": "all"}
    status, _, _ = api("PUT", "products", {"data": [{"sku": "LOG-1", "name": "logged"}]})
    assert status == 200
    item = {"fk_product": {"sku": "LOG-1"}, "fk_currency": {"code": "EUR"}, "gross": 5}
    status, _, _ = api("POST", "prices", {"data": [item]})
    assert status == 201
    put, post = Exchange.objects.order_by("created_at")
    assert set(search_exchanges(Exchange.objects.all(), "LOG-1")) == {put}
    # The price's composite key reads as its references were sent: product SKU / currency code.
    assert set(search_exchanges(Exchange.objects.all(), "LOG-1/EUR")) == {post}
    assert [i.business_key for i in search_items(ExchangeItem.objects.all(), "LOG-1/EUR")] == [
        "LOG-1/EUR"
    ]
    assert [i.exchange_id for i in search_items(ExchangeItem.objects.all(), "LOG-1")] == [put.pk]


def test_a_failed_item_is_found_by_the_key_it_sent(api, catalogue):
    item = {"fk_product": {"sku": "GONE"}, "fk_currency": {"code": "EUR"}}
    status, _, _ = api("POST", "prices", {"data": [item]})
    assert status == 400
    (found,) = search_items(ExchangeItem.objects.all(), "GONE/EUR")
    assert found.error_code == "1434"


def test_a_failed_create_is_resolved_by_a_later_write_of_its_business_key(api, catalogue):
    """A failed create has no identifier; the same SKU written later resolves it (issue 20)."""
    failing = [{"sku": "FIX-1", "colour": "red"}, {"sku": "FIX-2", "colour": "blue"}]
    headers = {"X-Is-Transactional": "false"}
    status, _, _ = api("POST", "products", {"data": failing}, headers=headers)
    assert status == 400
    first, second = ExchangeItem.objects.filter(business_key__in=["FIX-1", "FIX-2"]).order_by(
        "index"
    )
    assert (first.identifier, first.triage) == ("", ExchangeItem.Triage.OPEN)
    status, _, _ = api("POST", "products", {"data": [{"sku": "FIX-1", "name": "fixed"}]})
    assert status == 201
    fixed = Exchange.objects.latest("created_at")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.triage == ExchangeItem.Triage.RESOLVED
    assert first.triaged_by == f"automatically: written successfully by request {fixed.pk}"
    assert second.triage == ExchangeItem.Triage.OPEN  # another SKU: still open


def test_a_failed_composite_key_is_resolved_by_the_same_key(api, catalogue):
    price = {"fk_product": {"sku": "LATER"}, "fk_currency": {"code": "EUR"}, "gross": 1}
    assert api("POST", "prices", {"data": [price]})[0] == 400
    (failed,) = ExchangeItem.objects.filter(business_key="LATER/EUR")
    assert api("POST", "products", {"data": [{"sku": "LATER"}]})[0] == 201
    failed.refresh_from_db()
    assert failed.triage == ExchangeItem.Triage.OPEN  # a product is another entity
    assert api("POST", "prices", {"data": [price]})[0] == 201
    failed.refresh_from_db()
    assert failed.triage == ExchangeItem.Triage.RESOLVED


def test_resolving_rides_on_the_exchange_insert_where_the_database_can(api, catalogue):
    """PostgreSQL: a successful write looks for open failures inside its exchange's INSERT, so
    triage costs no round trip; elsewhere one SELECT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api("GET", "products")
    with CaptureQueriesContext(connection) as queries:
        assert api("POST", "products", {"data": [{"sku": "RIDE-1"}]})[0] == 201
    lookups = [q["sql"] for q in queries.captured_queries if "triage" in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(lookups) == 1 and lookups[0].startswith("WITH resolved AS (UPDATE")
        assert "INSERT INTO" in lookups[0]
    else:
        assert len(lookups) == 1 and lookups[0].startswith("SELECT")
