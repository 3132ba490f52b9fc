"""PATCH and PUT collection items addressed by a business key instead of the identifier."""

from django.db import connection

from tests.businesskeys.conftest import ids


def products():
    with connection.cursor() as cursor:
        cursor.execute("SELECT sku, name FROM bk_product")
        return dict(cursor.fetchall())


def test_patch_by_key_updates_that_row(api, catalogue):
    before = ids("bk_product", "sku", "id_product")
    status, body, _ = api("PATCH", "products", {"data": [{"sku": "A-1", "name": "Alpha"}]})
    assert status == 200, body
    assert body["data"][0]["id_product"] == before["A-1"]
    assert products() == {"A-1": "Alpha", "B-2": "B-2"}


def test_a_key_holding_nul_matches_nothing_on_every_database(api, catalogue):
    """No row holds a NUL (PostgreSQL cannot even be asked): the key matches nothing, 1435."""
    status, body, _ = api("PATCH", "products", {"data": [{"sku": "A\u0000B", "name": "x"}]})
    assert status == 404 and body[0]["code"] == "1435"


def test_patch_by_a_key_matching_nothing(api, catalogue):
    status, body, _ = api(
        "PATCH", "products", {"data": [{"sku": "A-1", "name": "x"}, {"sku": "Z-9", "name": "y"}]}
    )
    assert status == 404
    assert body == [
        {
            "message": "The entity `products[1]` could not be found by its business key "
            '{sku: "Z-9"}.',
            "status": 404,
            "code": "1435",
        }
    ]
    assert products()["A-1"] == "A-1"  # transactional: rolled back


def test_patch_without_identifier_or_key_still_needs_the_identifier(api, catalogue):
    status, body, _ = api("PATCH", "products", {"data": [{"name": "x"}]})
    assert status == 400 and body[0]["code"] == "1310"


def test_the_identifier_wins_over_a_key(api, catalogue):
    before = ids("bk_product", "sku", "id_product")
    item = {"id_product": before["B-2"], "sku": "B-3", "name": "renamed"}
    status, body, _ = api("PATCH", "products", {"data": [item]})
    assert status == 200, body
    assert products() == {"A-1": "A-1", "B-3": "renamed"}


def test_put_by_key_creates_when_missing_and_updates_when_present(api, catalogue):
    items = [{"sku": "A-1"}, {"sku": "N-1", "name": "New"}]  # name reset (PUT)
    status, body, _ = api("PUT", "products", {"data": items})
    assert status == 200, body
    assert products() == {"A-1": None, "B-2": "B-2", "N-1": "New"}
    before = ids("bk_product", "sku", "id_product")
    status, body, _ = api("PUT", "products", {"data": [{"sku": "N-1", "name": "Newer"}]})
    assert status == 200, body
    assert body["data"][0]["id_product"] == before["N-1"]
    assert products()["N-1"] == "Newer"


def test_put_twice_the_same_new_key_in_one_batch_stores_one_row(api, catalogue):
    items = [{"sku": "N-2", "name": "first"}, {"sku": "N-2", "name": "second"}]
    status, body, _ = api("PUT", "products", {"data": items})
    assert status == 200, body
    assert products()["N-2"] == "second"
    assert len(products()) == 3


def test_composite_key_of_plain_values(api, catalogue):
    product = ids("bk_product", "sku", "id_product")["A-1"]
    locale = ids("bk_locale", "locale_name", "id_locale")["de_DE"]
    item = {"fk_product": product, "fk_locale": locale, "title": "Eins"}
    for title in ("Eins", "Uno"):
        status, body, _ = api("PUT", "texts", {"data": [{**item, "title": title}]})
        assert status == 200, body
    with connection.cursor() as cursor:
        cursor.execute("SELECT fk_product, fk_locale, title FROM bk_text")
        assert list(cursor.fetchall()) == [(product, locale, "Uno")]


def test_composite_key_whose_parts_are_references(api, catalogue):
    """The ERP's view of a price: product by SKU, currency by ISO code, no ids at all."""
    item = {"fk_product": {"sku": "A-1"}, "fk_currency": {"code": "EUR"}}
    for gross in (100, 120):
        status, body, _ = api("PUT", "prices", {"data": [{**item, "gross": gross}]})
        assert status == 200, body
    status, body, _ = api("PATCH", "prices", {"data": [{**item, "gross": 130}]})
    assert status == 200, body
    with connection.cursor() as cursor:
        cursor.execute("SELECT gross FROM bk_price")
        assert list(cursor.fetchall()) == [(130,)]
    status, body, _ = api(
        "PATCH", "prices", {"data": [{**item, "fk_currency": {"code": "USD"}, "gross": 1}]}
    )
    assert status == 404 and body[0]["code"] == "1435"
