"""Load demo reference data: locales, countries, currencies, taxes, stocks, mime types, categories.

Every loader skips rows whose natural key already exists and returns how many rows it created.
"""

from decimal import Decimal

from django.db import transaction

import pycountry

from core.models import (
    Category,
    CategoryNode,
    Country,
    Currency,
    Locale,
    MimeType,
    Stock,
    TaxRate,
    TaxSet,
    Url,
)

BATCH_SIZE = 500

# Locale name -> active. Products get localized attributes and URLs in the active ones.
LOCALES = {
    "en_US": True,
    "de_DE": True,
    "fr_FR": True,
    "es_ES": False,
    "it_IT": False,
    "nl_NL": False,
    "pl_PL": False,
    "pt_PT": False,
}
PRODUCT_LOCALES = tuple(name for name, active in LOCALES.items() if active)

# ISO 3166 alpha-2 -> postal code regex, for the countries whose addresses require one.
POSTAL_CODE_REGEXES = {
    "AT": r"^\d{4}$",
    "BE": r"^\d{4}$",
    "CH": r"^\d{4}$",
    "DE": r"^\d{5}$",
    "ES": r"^\d{5}$",
    "FR": r"^\d{5}$",
    "GB": r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$",
    "IT": r"^\d{5}$",
    "NL": r"^\d{4} ?[A-Z]{2}$",
    "PL": r"^\d{2}-\d{3}$",
    "SE": r"^\d{3} ?\d{2}$",
    "US": r"^\d{5}(-\d{4})?$",
}

CURRENCY_SYMBOLS = {
    "CHF": "CHF",
    "CNY": "¥",
    "DKK": "kr.",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "NOK": "kr",
    "PLN": "zł",
    "SEK": "kr",
    "USD": "$",
}

STANDARD_TAXES = "Standard Taxes"
REDUCED_TAXES = "Reduced Taxes"
TAX_EXEMPT = "Tax Exempt"

# ISO 3166 alpha-2 -> (standard VAT rate, reduced VAT rate) in percent.
VAT_RATES = {
    "AT": ("20.00", "10.00"),
    "BE": ("21.00", "6.00"),
    "CH": ("8.10", "2.60"),
    "DE": ("19.00", "7.00"),
    "ES": ("21.00", "10.00"),
    "FR": ("20.00", "5.50"),
    "GB": ("20.00", "5.00"),
    "IT": ("22.00", "10.00"),
    "NL": ("21.00", "9.00"),
    "PL": ("23.00", "8.00"),
    "SE": ("25.00", "12.00"),
}

# Stock name -> active.
STOCKS = {"Warehouse1": True, "Warehouse2": True, "Warehouse3": False}

# (name, comment, is_allowed)
MIME_TYPES = (
    ("image/jpeg", "JPEG image", True),
    ("image/png", "PNG image", True),
    ("image/gif", "GIF image", True),
    ("image/webp", "WebP image", True),
    ("image/svg+xml", "SVG image; may carry scripts", False),
    ("application/pdf", "PDF document", True),
    ("text/csv", "Comma-separated values", True),
    ("text/plain", "Plain text", True),
    ("application/json", "JSON document", True),
    ("application/xml", "XML document", True),
    ("application/zip", "ZIP archive", False),
    ("application/vnd.ms-excel", "Excel 97-2003 workbook", False),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel workbook",
        True,
    ),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word document",
        True,
    ),
    ("video/mp4", "MP4 video", True),
    ("audio/mpeg", "MP3 audio", False),
    ("application/x-msdownload", "Windows executable", False),
    ("application/javascript", "JavaScript", False),
    ("text/html", "HTML page", False),
)

# The category tree: the root's key, then (child key, (grandchild keys...)).
CATEGORY_ROOT = "demoshop"
CATEGORY_TREE = (
    ("computers", ("notebooks", "tablets")),
    ("telecom-and-navigation", ("smartphones", "smartwatches")),
    ("cameras-and-camcorders", ("digital-cameras", "action-cameras")),
    ("audio-and-video", ("headphones", "televisions")),
    ("gift-cards", ()),
)


def create_missing(model, key, objects):
    """Insert the `objects` whose `key` value is not in the table yet; return how many."""
    objects = list(objects)
    existing = set(
        model.objects.filter(**{f"{key}__in": [getattr(obj, key) for obj in objects]}).values_list(
            key, flat=True
        )
    )
    missing = [obj for obj in objects if getattr(obj, key) not in existing]
    model.objects.bulk_create(missing, batch_size=BATCH_SIZE)
    return len(missing)


def load_locales():
    """Create the demo locales."""
    return create_missing(
        Locale,
        "locale_name",
        (Locale(locale_name=name, is_active=active) for name, active in LOCALES.items()),
    )


def load_countries():
    """Create every ISO 3166 country, with postal code rules for some."""
    countries = (
        Country(
            iso2_code=country.alpha_2,
            iso3_code=country.alpha_3,
            name=country.name,
            postal_code_mandatory=country.alpha_2 in POSTAL_CODE_REGEXES,
            postal_code_regex=POSTAL_CODE_REGEXES.get(country.alpha_2),
        )
        for country in pycountry.countries
    )
    return create_missing(Country, "iso2_code", countries)


def load_currencies():
    """Create every ISO 4217 currency, with symbols for the common ones."""
    currencies = (
        Currency(
            code=currency.alpha_3,
            name=currency.name,
            symbol=CURRENCY_SYMBOLS.get(currency.alpha_3),
        )
        for currency in pycountry.currencies
    )
    return create_missing(Currency, "code", currencies)


def load_taxes():
    """Create the tax sets and their per-country rates; return the number of rows created."""
    created = create_missing(
        TaxSet, "name", (TaxSet(name=name) for name in (STANDARD_TAXES, REDUCED_TAXES, TAX_EXEMPT))
    )
    tax_sets = dict(TaxSet.objects.values_list("name", "pk"))
    countries = dict(Country.objects.filter(iso2_code__in=VAT_RATES).values_list("iso2_code", "pk"))
    names = {iso2: pycountry.countries.get(alpha_2=iso2).name for iso2 in VAT_RATES}
    wanted = [TaxRate(name="Tax Exempt", rate=Decimal("0"), fk_tax_set_id=tax_sets[TAX_EXEMPT])]
    for iso2, (standard, reduced) in VAT_RATES.items():
        for set_name, rate, kind in (
            (STANDARD_TAXES, standard, "Standard"),
            (REDUCED_TAXES, reduced, "Reduced"),
        ):
            wanted.append(
                TaxRate(
                    name=f"{names[iso2]} {kind}",
                    rate=Decimal(rate),
                    fk_country_id=countries[iso2],
                    fk_tax_set_id=tax_sets[set_name],
                )
            )
    existing = set(TaxRate.objects.values_list("fk_tax_set_id", "name"))
    missing = [rate for rate in wanted if (rate.fk_tax_set_id, rate.name) not in existing]
    TaxRate.objects.bulk_create(missing)
    return created + len(missing)


def load_stocks():
    """Create the demo warehouses."""
    return create_missing(
        Stock, "name", (Stock(name=name, is_active=active) for name, active in STOCKS.items())
    )


def load_mime_types():
    """Create the demo mime types, some allowed for upload."""
    return create_missing(
        MimeType,
        "name",
        (
            MimeType(name=name, comment=comment, is_allowed=allowed)
            for name, comment, allowed in MIME_TYPES
        ),
    )


def category_paths():
    """Return (category key, parent key or None, URL path below the root) parent-first."""
    paths = [(CATEGORY_ROOT, None, "")]
    for child, grandchildren in CATEGORY_TREE:
        paths.append((child, CATEGORY_ROOT, child))
        paths.extend((grand, child, f"{child}/{grand}") for grand in grandchildren)
    return paths


def load_categories():
    """Create the categories, one main node each under its parent's node, and their URLs."""
    paths = category_paths()
    created = create_missing(
        Category, "category_key", (Category(category_key=key) for key, _, _ in paths)
    )
    categories = dict(Category.objects.values_list("category_key", "pk"))
    nodes = dict(
        CategoryNode.objects.filter(is_main=True).values_list("fk_category__category_key", "pk")
    )
    for order, (key, parent, _) in enumerate(paths):
        if key in nodes:
            continue
        # Paths come parent-first, so the parent's node exists by now.
        node = CategoryNode.objects.create(
            fk_category_id=categories[key],
            fk_parent_category_node_id=nodes[parent] if parent else None,
            is_root=parent is None,
            node_order=len(paths) - order,
        )
        nodes[key] = node.pk
        created += 1
    return created + _load_category_urls(paths, nodes)


def _load_category_urls(paths, nodes):
    locales = dict(
        Locale.objects.filter(locale_name__in=PRODUCT_LOCALES).values_list("locale_name", "pk")
    )
    urls = (
        Url(
            url=f"/{locale[:2]}/{path}".rstrip("/"),
            fk_locale_id=locale_id,
            fk_resource_categorynode_id=nodes[key],
        )
        for locale, locale_id in locales.items()
        for key, _, path in paths
    )
    return create_missing(Url, "url", urls)


REFERENCE_LOADERS = (
    load_locales,
    load_countries,
    load_currencies,
    load_taxes,
    load_stocks,
    load_mime_types,
    load_categories,
)


@transaction.atomic
def load_reference_data():
    """Load every kind of reference data in dependency order; return the rows created."""
    return sum(loader() for loader in REFERENCE_LOADERS)
