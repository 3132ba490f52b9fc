"""The demo commerce schema (modelled on Spryker's tables); see core/demo/.

Table and column names are a contract: the demo endpoint configuration names them. Every column
with a default has a database default (`db_default`) because the API inserts with raw SQL.
"""

from decimal import Decimal

from django.db import models
from django.db.models.functions import Now


class Locale(models.Model):
    """A shop locale such as en_US; localized attributes and URLs hang off it."""

    id_locale = models.AutoField(primary_key=True, db_column="id_locale")
    locale_name = models.CharField(max_length=5, unique=True)
    is_active = models.BooleanField(db_default=True)

    class Meta:
        db_table = "spy_locale"

    def __str__(self):
        return self.locale_name


class Country(models.Model):
    """An ISO 3166 country, with the postal code rules addresses are checked against."""

    id_country = models.AutoField(primary_key=True, db_column="id_country")
    iso2_code = models.CharField(max_length=2, unique=True)
    iso3_code = models.CharField(max_length=3, unique=True, null=True)
    name = models.CharField(max_length=255, null=True)
    postal_code_mandatory = models.BooleanField(null=True, db_default=False)
    postal_code_regex = models.CharField(max_length=500, null=True)

    class Meta:
        db_table = "spy_country"

    def __str__(self):
        return self.iso2_code


class Currency(models.Model):
    """An ISO 4217 currency that prices are given in."""

    id_currency = models.AutoField(primary_key=True, db_column="id_currency")
    code = models.CharField(max_length=5, unique=True)
    name = models.CharField(max_length=255, null=True)
    symbol = models.CharField(max_length=255, null=True)

    class Meta:
        db_table = "spy_currency"

    def __str__(self):
        return self.code


class TaxSet(models.Model):
    """A named group of tax rates (standard, reduced, ...) that products point at."""

    id_tax_set = models.AutoField(primary_key=True, db_column="id_tax_set")
    name = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(null=True, db_default=Now())
    updated_at = models.DateTimeField(null=True, db_default=Now())

    class Meta:
        db_table = "spy_tax_set"

    def __str__(self):
        return self.name


class TaxRate(models.Model):
    """One country's rate within a tax set; no country means it applies everywhere."""

    id_tax_rate = models.AutoField(primary_key=True, db_column="id_tax_rate")
    fk_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        db_column="fk_country",
        related_name="tax_rates",
    )
    fk_tax_set = models.ForeignKey(
        TaxSet,
        on_delete=models.CASCADE,
        null=True,
        db_column="fk_tax_set",
        related_name="tax_rates",
    )
    name = models.CharField(max_length=255)
    rate = models.DecimalField(max_digits=8, decimal_places=2)
    created_at = models.DateTimeField(null=True, db_default=Now())
    updated_at = models.DateTimeField(null=True, db_default=Now())

    class Meta:
        db_table = "spy_tax_rate"

    def __str__(self):
        return f"{self.name} ({self.rate}%)"


class ProductAbstract(models.Model):
    """A sellable product family; its concrete products are the variants in stock."""

    id_product_abstract = models.AutoField(primary_key=True, db_column="id_product_abstract")
    sku = models.CharField(max_length=255, unique=True)
    attributes = models.TextField(db_default="{}", help_text="JSON object held as text.")
    fk_tax_set = models.ForeignKey(
        TaxSet,
        on_delete=models.PROTECT,
        null=True,
        db_column="fk_tax_set",
        related_name="product_abstracts",
    )
    approval_status = models.CharField(max_length=64, null=True)
    color_code = models.CharField(max_length=8, null=True)
    new_from = models.DateTimeField(null=True)
    new_to = models.DateTimeField(null=True)
    created_at = models.DateTimeField(null=True, db_default=Now())
    updated_at = models.DateTimeField(null=True, db_default=Now())

    class Meta:
        db_table = "spy_product_abstract"

    def __str__(self):
        return self.sku


class Product(models.Model):
    """A concrete product (one variant of an abstract product) with its own SKU."""

    id_product = models.AutoField(primary_key=True, db_column="id_product")
    fk_product_abstract = models.ForeignKey(
        ProductAbstract,
        on_delete=models.CASCADE,
        db_column="fk_product_abstract",
        related_name="products",
    )
    sku = models.CharField(max_length=255, unique=True)
    attributes = models.TextField(db_default="{}", help_text="JSON object held as text.")
    is_active = models.BooleanField(db_default=True)
    is_quantity_splittable = models.BooleanField(db_default=True)
    created_at = models.DateTimeField(null=True, db_default=Now())
    updated_at = models.DateTimeField(null=True, db_default=Now())

    class Meta:
        db_table = "spy_product"

    def __str__(self):
        return self.sku


class ProductAbstractLocalizedAttributes(models.Model):
    """An abstract product's name, description and SEO texts in one locale."""

    id_abstract_attributes = models.AutoField(primary_key=True, db_column="id_abstract_attributes")
    fk_product_abstract = models.ForeignKey(
        ProductAbstract,
        on_delete=models.CASCADE,
        db_column="fk_product_abstract",
        related_name="localized_attributes",
    )
    fk_locale = models.ForeignKey(
        Locale,
        on_delete=models.PROTECT,
        db_column="fk_locale",
        related_name="product_abstract_attributes",
    )
    name = models.CharField(max_length=255)
    description = models.TextField(null=True)
    meta_title = models.CharField(max_length=255, null=True)
    meta_keywords = models.CharField(max_length=255, null=True)
    meta_description = models.TextField(null=True)
    attributes = models.TextField(db_default="{}", help_text="JSON object held as text.")

    class Meta:
        db_table = "spy_product_abstract_localized_attributes"
        verbose_name_plural = "product abstract localized attributes"
        constraints = [
            models.UniqueConstraint(
                fields=["fk_locale", "fk_product_abstract"],
                name="spy_abstract_attributes_unique_locale",
            )
        ]

    def __str__(self):
        return self.name


class Stock(models.Model):
    """A warehouse that holds quantities of concrete products."""

    id_stock = models.AutoField(primary_key=True, db_column="id_stock")
    name = models.CharField(max_length=255, unique=True)
    is_active = models.BooleanField(db_default=True)

    class Meta:
        db_table = "spy_stock"

    def __str__(self):
        return self.name


class StockProduct(models.Model):
    """How many of one concrete product one warehouse holds."""

    id_stock_product = models.AutoField(primary_key=True, db_column="id_stock_product")
    fk_product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        db_column="fk_product",
        related_name="stock_products",
    )
    fk_stock = models.ForeignKey(
        Stock,
        on_delete=models.PROTECT,
        db_column="fk_stock",
        related_name="stock_products",
    )
    quantity = models.DecimalField(max_digits=20, decimal_places=10, db_default=Decimal("0"))
    is_never_out_of_stock = models.BooleanField(db_default=False)

    class Meta:
        db_table = "spy_stock_product"
        constraints = [
            models.UniqueConstraint(
                fields=["fk_product", "fk_stock"], name="spy_stock_product_unique_product_stock"
            )
        ]

    def __str__(self):
        return f"{self.fk_product_id}@{self.fk_stock_id}: {self.quantity}"


class PriceProduct(models.Model):
    """A price in cents for an abstract or a concrete product, in one currency and price type."""

    id_price_product = models.AutoField(primary_key=True, db_column="id_price_product")
    fk_product_abstract = models.ForeignKey(
        ProductAbstract,
        on_delete=models.CASCADE,
        null=True,
        db_column="fk_product_abstract",
        related_name="prices",
    )
    fk_product = models.ForeignKey(
        Product,
        on_delete=models.CASCADE,
        null=True,
        db_column="fk_product",
        related_name="prices",
    )
    fk_currency = models.ForeignKey(
        Currency,
        on_delete=models.PROTECT,
        db_column="fk_currency",
        related_name="prices",
    )
    price_type = models.CharField(max_length=32, db_default="DEFAULT")
    gross_price = models.IntegerField(null=True, help_text="In cents.")
    net_price = models.IntegerField(null=True, help_text="In cents.")

    class Meta:
        db_table = "spy_price_product"

    def __str__(self):
        return f"{self.price_type} {self.gross_price} ({self.fk_currency_id})"


class Url(models.Model):
    """A storefront URL in one locale, pointing at an abstract product or a category node."""

    id_url = models.AutoField(primary_key=True, db_column="id_url")
    fk_locale = models.ForeignKey(
        Locale,
        on_delete=models.PROTECT,
        db_column="fk_locale",
        related_name="urls",
    )
    url = models.CharField(max_length=255, unique=True)
    fk_resource_product_abstract = models.ForeignKey(
        ProductAbstract,
        on_delete=models.CASCADE,
        null=True,
        db_column="fk_resource_product_abstract",
        related_name="urls",
    )
    fk_resource_categorynode = models.ForeignKey(
        "CategoryNode",
        on_delete=models.CASCADE,
        null=True,
        db_column="fk_resource_categorynode",
        related_name="urls",
    )

    class Meta:
        db_table = "spy_url"

    def __str__(self):
        return self.url


class MimeType(models.Model):
    """A file type, and whether uploads of it are allowed."""

    id_mime_type = models.AutoField(primary_key=True, db_column="id_mime_type")
    name = models.CharField(max_length=255, unique=True)
    comment = models.CharField(max_length=255, null=True)
    is_allowed = models.BooleanField(db_default=False)

    class Meta:
        db_table = "spy_mime_type"

    def __str__(self):
        return self.name


class Category(models.Model):
    """A product category; where it sits in the tree is its category node's business."""

    id_category = models.AutoField(primary_key=True, db_column="id_category")
    category_key = models.CharField(max_length=255, unique=True, null=True)
    is_active = models.BooleanField(db_default=True)
    is_in_menu = models.BooleanField(db_default=True)
    is_clickable = models.BooleanField(db_default=True)
    is_searchable = models.BooleanField(db_default=True)

    class Meta:
        db_table = "spy_category"
        verbose_name_plural = "categories"

    def __str__(self):
        return self.category_key or f"category {self.pk}"


class CategoryNode(models.Model):
    """A category's place in the category tree, under its parent node."""

    id_category_node = models.AutoField(primary_key=True, db_column="id_category_node")
    fk_category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        db_column="fk_category",
        related_name="nodes",
    )
    fk_parent_category_node = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        db_column="fk_parent_category_node",
        related_name="children",
    )
    is_main = models.BooleanField(db_default=True)
    is_root = models.BooleanField(db_default=False)
    node_order = models.IntegerField(db_default=0)

    class Meta:
        db_table = "spy_category_node"

    def __str__(self):
        return f"node {self.pk} of category {self.fk_category_id}"
