"""Introspection: real tables and columns on every backend, disallowed tables, alias proposals."""

import pytest

from dataexchange import introspection

pytestmark = pytest.mark.django_db

NEVER_EXPOSED = (
    "auth_user",
    "auth_group",
    "auth_permission",
    "auth_user_groups",
    "auth_group_permissions",
    "django_session",
    "django_admin_log",
    "django_content_type",
    "django_migrations",
    "dataexchange_endpoint",
    "dataexchange_endpointfield",
    "dataexchange_endpointrelation",
    "dataexchange_configurationversion",
)


def test_the_configuration_and_django_tables_are_disallowed():
    blocked = introspection.disallowed_tables()
    for table in NEVER_EXPOSED:
        assert table in blocked
        assert introspection.is_disallowed(table.upper())
    assert not introspection.is_disallowed("dxt_widget")
    allowed = introspection.allowed_table_names()
    assert "dxt_widget" in allowed and "spy_country" in allowed
    assert not set(NEVER_EXPOSED) & set(allowed)


def test_a_setting_adds_disallowed_tables(settings):
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "DISALLOWED_TABLES": ["DXT_Part"]}
    assert introspection.is_disallowed("dxt_part")
    assert "dxt_part" not in introspection.allowed_table_names()


def test_describe_table_reads_keys_sizes_and_defaults():
    part = introspection.describe_table("dxt_part")
    assert part.primary_key == "id_part"
    assert part.unique_columns == {"id_part", "sku"}
    assert part.foreign_keys == (
        introspection.ForeignKey("dxt_part", "fk_widget", "dxt_widget", "id_widget"),
    )
    sku = part.column("sku")
    assert (sku.api_type, sku.max_length, sku.is_required, sku.is_unique) == (
        "string",
        64,
        True,
        True,
    )
    identifier = part.column("id_part")
    assert identifier.is_auto and identifier.is_primary_key and not identifier.is_required
    widget = introspection.describe_table("dxt_widget")
    stock, label = widget.column("stock"), widget.column("label")
    assert (stock.has_default, stock.is_required) == (True, False)
    assert (label.nullable, label.has_default, label.is_required) == (True, False, False)
    assert widget.column("is_active").api_type == "boolean"
    assert introspection.describe_table("dxt_missing") is None


def test_referencing_foreign_keys_and_self_references():
    assert introspection.ForeignKey(
        "dxt_part", "fk_widget", "dxt_widget", "id_widget"
    ) in introspection.referencing_foreign_keys("dxt_widget")
    assert introspection.describe_table("dxt_tree").foreign_keys == (
        introspection.ForeignKey("dxt_tree", "fk_parent", "dxt_tree", "id_tree"),
    )


@pytest.mark.parametrize(
    ("table", "alias"),
    [
        ("spy_mime_type", "mime-types"),
        ("spy_country", "countries"),
        ("spy_category", "categories"),
        ("spy_tax_set", "tax-sets"),
        ("spy_address", "addresses"),
        ("spy_product_abstract", "product-abstracts"),
        ("spy_product_abstract_localized_attributes", "product-abstract-localized-attributes"),
        ("pyz_box", "boxes"),
        ("spy_stock_product", "stock-products"),
        ("spy_day", "days"),
        ("orders", "orders"),
    ],
)
def test_alias_proposals(table, alias):
    assert introspection.propose_alias(table) == alias
