"""Write the demo data: reference data, then generated products in batches, skipping existing ones.

A batch of abstract products goes in with all its rows (variants, texts, prices, stock, URLs) in one
transaction, so an interrupted run leaves whole products and the next run completes the rest.
"""

from dataclasses import dataclass

from django.db import transaction

from core.demo.catalog import product_sku, product_spec
from core.demo.reference import load_reference_data
from core.models import (
    Currency,
    Locale,
    PriceProduct,
    Product,
    ProductAbstract,
    ProductAbstractLocalizedAttributes,
    Stock,
    StockProduct,
    TaxSet,
    Url,
)

PRODUCT_BATCH = 250
INSERT_BATCH = 1000


@dataclass(frozen=True)
class DemoLoadResult:
    """What one `demo_load` run created, and how many abstract products exist afterwards."""

    reference_rows: int
    products_created: int
    products_total: int


@dataclass(frozen=True)
class _Keys:
    """Primary keys of the reference rows that product rows point at, by natural key."""

    locales: dict
    currencies: dict
    stocks: dict
    tax_sets: dict

    @classmethod
    def fetch(cls):
        return cls(
            locales=dict(Locale.objects.values_list("locale_name", "pk")),
            currencies=dict(Currency.objects.values_list("code", "pk")),
            stocks=dict(Stock.objects.values_list("name", "pk")),
            tax_sets=dict(TaxSet.objects.values_list("name", "pk")),
        )


def demo_load(*, products, on_progress=None):
    """Load the reference data and generated products 0..`products`-1 that are still missing.

    `on_progress(count)` is called after each batch with the number of products it covered.
    """
    reference_rows = load_reference_data()
    keys = _Keys.fetch()
    created = 0
    for start in range(0, products, PRODUCT_BATCH):
        indexes = range(start, min(start + PRODUCT_BATCH, products))
        created += _load_products(indexes, keys)
        if on_progress:
            on_progress(len(indexes))
    return DemoLoadResult(reference_rows, created, ProductAbstract.objects.count())


@transaction.atomic
def _load_products(indexes, keys):
    """Create the products among `indexes` whose SKU is not in the table yet; return how many."""
    skus = {product_sku(index): index for index in indexes}
    existing = set(ProductAbstract.objects.filter(sku__in=skus).values_list("sku", flat=True))
    specs = [product_spec(index) for sku, index in skus.items() if sku not in existing]
    if not specs:
        return 0
    abstract_ids = _insert_abstracts(specs, keys)
    product_ids = _insert_variants(specs, abstract_ids)
    _bulk(ProductAbstractLocalizedAttributes, _localized_rows(specs, abstract_ids, keys))
    _bulk(Url, _url_rows(specs, abstract_ids, keys))
    _bulk(PriceProduct, _price_rows(specs, abstract_ids, product_ids, keys))
    _bulk(StockProduct, _stock_rows(specs, product_ids, keys))
    return len(specs)


def _bulk(model, rows):
    model.objects.bulk_create(rows, batch_size=INSERT_BATCH)


def _insert_abstracts(specs, keys):
    """Insert the abstract products; return {sku: id}, read back as not all backends return ids."""
    _bulk(
        ProductAbstract,
        [
            ProductAbstract(
                sku=spec.sku,
                attributes=spec.attributes,
                fk_tax_set_id=keys.tax_sets[spec.tax_set],
                approval_status=spec.approval_status,
                color_code=spec.color_code,
                new_from=spec.new_from,
                new_to=spec.new_to,
            )
            for spec in specs
        ],
    )
    skus = [spec.sku for spec in specs]
    return dict(ProductAbstract.objects.filter(sku__in=skus).values_list("sku", "pk"))


def _insert_variants(specs, abstract_ids):
    """Insert the concrete products; return {sku: id}."""
    rows = [
        Product(
            fk_product_abstract_id=abstract_ids[spec.sku],
            sku=variant.sku,
            attributes=variant.attributes,
            is_active=variant.is_active,
        )
        for spec in specs
        for variant in spec.variants
    ]
    _bulk(Product, rows)
    skus = [row.sku for row in rows]
    return dict(Product.objects.filter(sku__in=skus).values_list("sku", "pk"))


def _localized_rows(specs, abstract_ids, keys):
    return [
        ProductAbstractLocalizedAttributes(
            fk_product_abstract_id=abstract_ids[spec.sku],
            fk_locale_id=keys.locales[text.locale],
            name=text.name,
            description=text.description,
            meta_title=text.name,
            meta_keywords=text.meta_keywords,
            meta_description=text.meta_description,
        )
        for spec in specs
        for text in spec.texts
    ]


def _url_rows(specs, abstract_ids, keys):
    return [
        Url(
            fk_locale_id=keys.locales[text.locale],
            url=text.url,
            fk_resource_product_abstract_id=abstract_ids[spec.sku],
        )
        for spec in specs
        for text in spec.texts
    ]


def _price_rows(specs, abstract_ids, product_ids, keys):
    def price(item, **owner):
        return PriceProduct(
            fk_currency_id=keys.currencies[item.currency],
            price_type=item.price_type,
            gross_price=item.gross,
            net_price=item.net,
            **owner,
        )

    rows = []
    for spec in specs:
        rows += [price(item, fk_product_abstract_id=abstract_ids[spec.sku]) for item in spec.prices]
        for variant in spec.variants:
            rows += [price(item, fk_product_id=product_ids[variant.sku]) for item in variant.prices]
    return rows


def _stock_rows(specs, product_ids, keys):
    return [
        StockProduct(
            fk_product_id=product_ids[variant.sku],
            fk_stock_id=keys.stocks[stocked.stock],
            quantity=stocked.quantity,
            is_never_out_of_stock=stocked.is_never_out_of_stock,
        )
        for spec in specs
        for variant in spec.variants
        for stocked in variant.stock
    ]
