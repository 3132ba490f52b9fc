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
