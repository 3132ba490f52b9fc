"""The demo schema as the database sees it: tables, columns, keys and database defaults.

Other code (the demo endpoint configuration, the raw-SQL API) depends on these exact names.
"""

from decimal import Decimal

from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

import pytest

from core import models

# Table -> its columns; a trailing "?" marks a nullable column.
SCHEMA = {
    "spy_locale": "id_locale locale_name is_active",
    "spy_country": "id_country iso2_code iso3_code? name? postal_code_mandatory? "
    "postal_code_regex?",
    "spy_currency": "id_currency code name? symbol?",
    "spy_tax_set": "id_tax_set name created_at? updated_at?",
    "spy_tax_rate": "id_tax_rate fk_country? fk_tax_set? name rate created_at? updated_at?",
    "spy_product_abstract": "id_product_abstract sku attributes fk_tax_set? approval_status? "
    "color_code? new_from? new_to? created_at? updated_at?",
    "spy_product": "id_product fk_product_abstract sku attributes is_active "
    "is_quantity_splittable created_at? updated_at?",
    "spy_product_abstract_localized_attributes": "id_abstract_attributes fk_product_abstract "
    "fk_locale name description? meta_title? meta_keywords? meta_description? attributes",
    "spy_stock": "id_stock name is_active",
    "spy_stock_product": "id_stock_product fk_product fk_stock quantity is_never_out_of_stock",
    "spy_price_product": "id_price_product fk_product_abstract? fk_product? fk_currency "
    "price_type gross_price? net_price?",
    "spy_url": "id_url fk_locale url fk_resource_product_abstract? fk_resource_categorynode?",
    "spy_mime_type": "id_mime_type name comment? is_allowed",
    "spy_category": "id_category category_key? is_active is_in_menu is_clickable is_searchable",
    "spy_category_node": "id_category_node fk_category fk_parent_category_node? is_main is_root "
    "node_order",
}

UNIQUE = [
    ("spy_locale", ["locale_name"]),
    ("spy_country", ["iso2_code"]),
    ("spy_country", ["iso3_code"]),
    ("spy_currency", ["code"]),
    ("spy_tax_set", ["name"]),
    ("spy_product_abstract", ["sku"]),
    ("spy_product", ["sku"]),
    ("spy_product_abstract_localized_attributes", ["fk_locale", "fk_product_abstract"]),
    ("spy_stock", ["name"]),
    ("spy_stock_product", ["fk_product", "fk_stock"]),
    ("spy_url", ["url"]),
    ("spy_mime_type", ["name"]),
    ("spy_category", ["category_key"]),
]

FOREIGN_KEYS = [
    ("spy_tax_rate", "fk_country", "spy_country", "id_country"),
    ("spy_tax_rate", "fk_tax_set", "spy_tax_set", "id_tax_set"),
    ("spy_product_abstract", "fk_tax_set", "spy_tax_set", "id_tax_set"),
    ("spy_product", "fk_product_abstract", "spy_product_abstract", "id_product_abstract"),
    (
        "spy_product_abstract_localized_attributes",
        "fk_product_abstract",
        "spy_product_abstract",
        "id_product_abstract",
    ),
    ("spy_product_abstract_localized_attributes", "fk_locale", "spy_locale", "id_locale"),
    ("spy_stock_product", "fk_product", "spy_product", "id_product"),
    ("spy_stock_product", "fk_stock", "spy_stock", "id_stock"),
    ("spy_price_product", "fk_product_abstract", "spy_product_abstract", "id_product_abstract"),
    ("spy_price_product", "fk_product", "spy_product", "id_product"),
    ("spy_price_product", "fk_currency", "spy_currency", "id_currency"),
    ("spy_url", "fk_locale", "spy_locale", "id_locale"),
    ("spy_url", "fk_resource_product_abstract", "spy_product_abstract", "id_product_abstract"),
    ("spy_url", "fk_resource_categorynode", "spy_category_node", "id_category_node"),
    ("spy_category_node", "fk_category", "spy_category", "id_category"),
    ("spy_category_node", "fk_parent_category_node", "spy_category_node", "id_category_node"),
]


def columns(table):
    with connection.cursor() as cursor:
        return {
            info.name: info.null_ok
            for info in connection.introspection.get_table_description(cursor, table)
        }


def constraints(table):
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table).values()


def insert(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_every_demo_table_exists():
    assert set(SCHEMA) <= set(connection.introspection.table_names())


@pytest.mark.django_db
@pytest.mark.parametrize("table", SCHEMA)
def test_columns_and_nullability(table):
    expected = {name.rstrip("?"): name.endswith("?") for name in SCHEMA[table].split()}
    assert columns(table) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "unique_columns"), UNIQUE)
def test_unique_keys(table, unique_columns):
    assert any(
        c["unique"] and sorted(c["columns"]) == sorted(unique_columns) for c in constraints(table)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "column", "target", "target_column"), FOREIGN_KEYS)
def test_foreign_keys(table, column, target, target_column):
    assert any(
        c["foreign_key"] == (target, target_column) and c["columns"] == [column]
        for c in constraints(table)
    )


@pytest.mark.django_db
def test_primary_keys_are_plain_integers():
    for model in (models.Locale, models.Product, models.CategoryNode):
        assert model._meta.pk.get_internal_type() == "AutoField"


@pytest.mark.django_db
def test_models_match_migrations():
    call_command("makemigrations", "core", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_raw_inserts_get_database_defaults():
    """The API inserts with raw SQL naming only the given columns; the database fills the rest."""
    insert("INSERT INTO spy_locale (locale_name) VALUES (%s)", ["xx_XX"])
    insert("INSERT INTO spy_country (iso2_code) VALUES (%s)", ["XX"])
    insert("INSERT INTO spy_currency (code) VALUES (%s)", ["XXX"])
    insert("INSERT INTO spy_tax_set (name) VALUES (%s)", ["Test Taxes"])
    insert("INSERT INTO spy_product_abstract (sku) VALUES (%s)", ["T-1"])
    abstract = models.ProductAbstract.objects.get(sku="T-1")
    insert(
        "INSERT INTO spy_product (fk_product_abstract, sku) VALUES (%s, %s)", [abstract.pk, "T-1-1"]
    )
    product = models.Product.objects.get(sku="T-1-1")
    locale = models.Locale.objects.get(locale_name="xx_XX")
    insert(
        "INSERT INTO spy_product_abstract_localized_attributes "
        "(fk_product_abstract, fk_locale, name) VALUES (%s, %s, %s)",
        [abstract.pk, locale.pk, "Test"],
    )
    insert("INSERT INTO spy_stock (name) VALUES (%s)", ["Test stock"])
    stock = models.Stock.objects.get(name="Test stock")
    insert(
        "INSERT INTO spy_stock_product (fk_product, fk_stock) VALUES (%s, %s)",
        [product.pk, stock.pk],
    )
    currency = models.Currency.objects.get(code="XXX")
    insert("INSERT INTO spy_price_product (fk_currency) VALUES (%s)", [currency.pk])
    insert("INSERT INTO spy_mime_type (name) VALUES (%s)", ["test/x"])
    insert("INSERT INTO spy_category (category_key) VALUES (%s)", ["test"])
    category = models.Category.objects.get(category_key="test")
    insert("INSERT INTO spy_category_node (fk_category) VALUES (%s)", [category.pk])

    assert locale.is_active is True
    assert models.Country.objects.get(iso2_code="XX").postal_code_mandatory is False
    tax_set = models.TaxSet.objects.get(name="Test Taxes")
    assert tax_set.created_at is not None and tax_set.updated_at is not None
    assert (abstract.attributes, abstract.created_at is not None) == ("{}", True)
    assert (product.attributes, product.is_active, product.is_quantity_splittable) == (
        "{}",
        True,
        True,
    )
    assert models.ProductAbstractLocalizedAttributes.objects.get(name="Test").attributes == "{}"
    assert stock.is_active is True
    stock_product = models.StockProduct.objects.get(fk_stock=stock)
    assert (stock_product.quantity, stock_product.is_never_out_of_stock) == (Decimal(0), False)
    assert models.PriceProduct.objects.get(fk_currency=currency).price_type == "DEFAULT"
    assert models.MimeType.objects.get(name="test/x").is_allowed is False
    assert (category.is_active, category.is_in_menu, category.is_clickable) == (True, True, True)
    assert category.is_searchable is True
    node = models.CategoryNode.objects.get(fk_category=category)
    assert (node.is_main, node.is_root, node.node_order) == (True, False, 0)


@pytest.mark.django_db
def test_unique_keys_are_enforced():
    insert("INSERT INTO spy_locale (locale_name) VALUES (%s)", ["xx_XX"])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert("INSERT INTO spy_locale (locale_name) VALUES (%s)", ["xx_XX"])


@pytest.mark.django_db
def test_foreign_keys_are_enforced():
    # SQLite and PostgreSQL check Django's deferred constraints at commit; check them now instead.
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(
            "INSERT INTO spy_product (fk_product_abstract, sku) VALUES (%s, %s)", [987654, "orphan"]
        )
        connection.check_constraints(table_names=["spy_product"])
