"""Fixtures of the business-key tests (issue 19): a small catalogue on raw-SQL tables.

    bk_currency (code unique)   bk_locale (locale_name unique)   bk_product (sku unique)
          └── currencyPrices ──▶ bk_price ◀── productPrices ──┘
                                 unique (fk_product, fk_currency)
    bk_product ── productTexts ──▶ bk_text ◀── localeTexts ── bk_locale
                                   unique (fk_product, fk_locale)

The tables are created once per session (MariaDB commits DDL); endpoints per test, through the
ORM as the admin creates them.
"""

from functools import partial

import pytest
from rest_framework.test import APIClient

from dataexchange.models import EndpointRelation
from tests.support.client import Api
from tests.support.ddl import create_tables
from tests.support.endpoints import make_endpoint
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)

TABLES = {
    "bk_currency": "id_currency {pk}, code VARCHAR(3) NOT NULL, name VARCHAR(40) NULL,"
    " CONSTRAINT bk_currency_code_uniq UNIQUE (code)",
    "bk_locale": "id_locale {pk}, locale_name VARCHAR(5) NOT NULL,"
    " CONSTRAINT bk_locale_name_uniq UNIQUE (locale_name)",
    "bk_product": "id_product {pk}, sku VARCHAR(40) NOT NULL, name VARCHAR(80) NULL,"
    " CONSTRAINT bk_product_sku_uniq UNIQUE (sku)",
    "bk_price": "id_price {pk}, fk_product INTEGER NOT NULL, fk_currency INTEGER NOT NULL,"
    " gross INTEGER NULL,"
    " CONSTRAINT bk_price_key UNIQUE (fk_product, fk_currency),"
    " CONSTRAINT bk_price_product FOREIGN KEY (fk_product) REFERENCES bk_product (id_product),"
    " CONSTRAINT bk_price_currency FOREIGN KEY (fk_currency) REFERENCES bk_currency (id_currency)",
    "bk_text": "id_text {pk}, fk_product INTEGER NOT NULL, fk_locale INTEGER NOT NULL,"
    " title VARCHAR(80) NULL,"
    " CONSTRAINT bk_text_key UNIQUE (fk_product, fk_locale),"
    " CONSTRAINT bk_text_product FOREIGN KEY (fk_product) REFERENCES bk_product (id_product),"
    " CONSTRAINT bk_text_locale FOREIGN KEY (fk_locale) REFERENCES bk_locale (id_locale)",
}

ID = {"is_creatable": False, "is_editable": False}
endpoint = partial(make_endpoint, deletable=True)


@pytest.fixture(scope="session", autouse=True)
def bk_tables(django_db_setup, django_db_blocker):
    """Create the bk_* tables in the test database for the whole session."""
    with django_db_blocker.unblock():
        create_tables(TABLES)
    return tuple(TABLES)


def configure():
    """Configure the five endpoints, their relations and business keys; return them by alias."""
    eps = {
        "currencies": endpoint(
            "currencies", "bk_currency", "id_currency",
            [("id_currency", "integer", ID), ("code", "string", {"is_required": True}),
             ("name", "string", {})],
        ),
        "locales": endpoint(
            "locales", "bk_locale", "id_locale",
            [("id_locale", "integer", ID), ("locale_name", "string", {"is_required": True})],
        ),
        "products": endpoint(
            "products", "bk_product", "id_product",
            [("id_product", "integer", ID),
             ("sku", "string", {"is_required": True, "max_length": 40}),
             ("name", "string", {})],
        ),
        "prices": endpoint(
            "prices", "bk_price", "id_price",
            [("id_price", "integer", ID), ("fk_product", "integer", {"is_required": True}),
             ("fk_currency", "integer", {"is_required": True}), ("gross", "integer", {})],
        ),
        "texts": endpoint(
            "texts", "bk_text", "id_text",
            [("id_text", "integer", ID), ("fk_product", "integer", {"is_required": True}),
             ("fk_locale", "integer", {"is_required": True}), ("title", "string", {})],
        ),
    }  # fmt: skip
    keys = {
        "currencies": [["code"]],
        "locales": [["locale_name"]],
        "products": [["sku"]],
        "prices": [["fk_product", "fk_currency"]],
        "texts": [["fk_product", "fk_locale"]],
    }
    for alias, key in keys.items():
        eps[alias].business_keys = key
        eps[alias].save()
    rel = EndpointRelation.objects.create
    rel(parent=eps["products"], name="productPrices", child=eps["prices"],
        child_field="fk_product", parent_field="id_product")  # fmt: skip
    rel(parent=eps["currencies"], name="currencyPrices", child=eps["prices"],
        child_field="fk_currency", parent_field="id_currency")  # fmt: skip
    rel(parent=eps["products"], name="productTexts", child=eps["texts"],
        child_field="fk_product", parent_field="id_product")  # fmt: skip
    rel(parent=eps["locales"], name="localeTexts", child=eps["texts"],
        child_field="fk_locale", parent_field="id_locale")  # fmt: skip
    return eps


def seed():
    """Insert three currencies, two locales and two products through the ORM's connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("bk_text", "bk_price", "bk_product", "bk_locale", "bk_currency"):
            cursor.execute(f"DELETE FROM {table}")
        for code in ("EUR", "USD", "CHF"):
            cursor.execute("INSERT INTO bk_currency (code, name) VALUES (%s, %s)", [code, code])
        for name in ("de_DE", "en_US"):
            cursor.execute("INSERT INTO bk_locale (locale_name) VALUES (%s)", [name])
        for sku in ("A-1", "B-2"):
            cursor.execute("INSERT INTO bk_product (sku, name) VALUES (%s, %s)", [sku, sku])


def ids(table, key_column, id_column):
    """Return {key: id} of a table's rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key_column}, {id_column} FROM {table}")
        return dict(cursor.fetchall())


@pytest.fixture
def catalogue(db):
    """The configured endpoints over seeded tables (rolled back with the test)."""
    seed()
    return configure()


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("bk-boss", "bk@example.com", None)


@pytest.fixture
def api(superuser):
    """An Api client authenticated as a superuser."""
    client = APIClient()
    client.force_authenticate(user=superuser)
    return Api(client)
