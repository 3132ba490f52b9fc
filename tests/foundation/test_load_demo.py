"""`manage.py load_demo`: complete, exactly sized, deterministic and idempotent on every backend."""

import io
import json
import time

from django.core.management import CommandError, call_command

import pytest

from core import models
from core.demo.catalog import product_spec
from core.demo.progress import Progress
from core.demo.reference import PRODUCT_LOCALES

DEMO_MODELS = [
    models.Locale,
    models.Country,
    models.Currency,
    models.TaxSet,
    models.TaxRate,
    models.Stock,
    models.MimeType,
    models.Category,
    models.CategoryNode,
    models.ProductAbstract,
    models.Product,
    models.ProductAbstractLocalizedAttributes,
    models.PriceProduct,
    models.StockProduct,
    models.Url,
]

pytestmark = pytest.mark.django_db


def load_demo(products, **options):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("load_demo", products=products, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def row_counts():
    return {model._meta.db_table: model.objects.count() for model in DEMO_MODELS}


def test_reference_data_is_complete():
    load_demo(0, quiet=True)
    assert models.Country.objects.count() >= 249
    germany = models.Country.objects.get(iso2_code="DE")
    assert (germany.iso3_code, germany.name) == ("DEU", "Germany")
    assert germany.postal_code_mandatory is True
    currencies = set(models.Currency.objects.values_list("code", flat=True))
    assert {"EUR", "USD", "CHF", "GBP"} <= currencies
    assert models.Currency.objects.get(code="EUR").symbol == "€"
    assert set(PRODUCT_LOCALES) <= set(models.Locale.objects.values_list("locale_name", flat=True))
    assert models.TaxRate.objects.filter(fk_country__iso2_code="DE").count() == 2
    assert models.Stock.objects.filter(is_active=True).count() >= 2
    assert models.MimeType.objects.filter(is_allowed=True).exists()
    assert models.MimeType.objects.filter(is_allowed=False).exists()
    assert models.ProductAbstract.objects.count() == 0


def test_category_tree_has_three_levels():
    load_demo(0, quiet=True)
    root = models.CategoryNode.objects.get(is_root=True)
    children = models.CategoryNode.objects.filter(fk_parent_category_node=root)
    grandchildren = models.CategoryNode.objects.filter(fk_parent_category_node__in=children)
    assert children.count() >= 3 and grandchildren.count() >= 3
    assert models.Url.objects.filter(fk_resource_categorynode=root).count() == len(PRODUCT_LOCALES)


def test_loads_exactly_the_requested_products_with_their_rows():
    load_demo(30, quiet=True)
    assert models.ProductAbstract.objects.count() == 30
    for abstract in models.ProductAbstract.objects.prefetch_related("products"):
        assert 1 <= len(abstract.products.all()) <= 3
        assert json.loads(abstract.attributes)["brand"]
    locales = len(PRODUCT_LOCALES)
    assert models.ProductAbstractLocalizedAttributes.objects.count() == 30 * locales
    assert models.Url.objects.filter(fk_resource_product_abstract__isnull=False).count() == (
        30 * locales
    )
    abstract_prices = models.PriceProduct.objects.filter(fk_product_abstract__isnull=False)
    assert set(abstract_prices.values_list("fk_currency__code", flat=True)) == {"EUR", "CHF"}
    assert abstract_prices.filter(price_type="DEFAULT").count() == 60
    assert models.StockProduct.objects.count() >= models.Product.objects.count()


def test_products_are_deterministic():
    load_demo(5, quiet=True)
    spec = product_spec(3)
    abstract = models.ProductAbstract.objects.get(sku="100004")
    assert spec == product_spec(3)
    assert abstract.attributes == spec.attributes
    english = abstract.localized_attributes.get(fk_locale__locale_name="en_US")
    assert english.name == spec.texts[0].name
    assert sorted(abstract.products.values_list("sku", flat=True)) == [
        variant.sku for variant in spec.variants
    ]


def test_running_twice_changes_nothing():
    load_demo(20, quiet=True)
    first = row_counts()
    load_demo(20, quiet=True)
    assert row_counts() == first


def test_more_products_adds_only_the_missing_ones():
    load_demo(10, quiet=True)
    before = set(models.ProductAbstract.objects.values_list("sku", "id_product_abstract"))
    load_demo(25, quiet=True)
    after = set(models.ProductAbstract.objects.values_list("sku", "id_product_abstract"))
    assert before < after and len(after) == 25
    load_demo(5, quiet=True)
    assert models.ProductAbstract.objects.count() == 25


def test_reports_unless_quiet():
    stdout, stderr = load_demo(3)
    assert "Demo data ready" in stdout and "3 abstract products" in stdout
    assert "Demo products" in stderr
    assert load_demo(3, quiet=True) == ("", "")
    assert load_demo(3, verbosity=0) == ("", "")


def test_rejects_a_negative_count():
    with pytest.raises(CommandError, match="--products"):
        load_demo(-1)


def test_default_size_loads_well_under_a_minute():
    started = time.monotonic()
    load_demo(2000, quiet=True)
    assert models.ProductAbstract.objects.count() == 2000
    assert time.monotonic() - started < 60


def test_progress_bar_draws_on_terminals_and_summarises_elsewhere():
    drawn = []
    with Progress(4, label="Items", write=drawn.append, tty=True) as bar:
        bar.advance(2)
    assert drawn[1] == "\rItems [###############...............]  50% 2/4"
    assert drawn[-1].startswith("\rItems [") and drawn[-1].endswith("s\n")
    printed = []
    with Progress(4, label="Items", write=printed.append, tty=False) as bar:
        bar.advance(4)
    assert len(printed) == 1 and "100% 4/4 in" in printed[0]
    silent = []
    with Progress(4, label="Items", write=silent.append, tty=True, enabled=False) as bar:
        bar.advance(4)
    assert silent == []
