"""Generate demo products from word lists: product `i` is always the same, whatever else exists.

Nothing here touches the database; `core.demo.loader` writes what `product_spec` returns.
"""

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils.text import slugify

from core.demo.reference import PRODUCT_LOCALES, REDUCED_TAXES, STANDARD_TAXES, TAX_EXEMPT

FIRST_SKU = 100001
SEED = "dataexchange-demo"


@dataclass(frozen=True)
class Family:
    """A kind of product: its category, brand/model lines, one varying option and a price range."""

    category: str
    lines: tuple[tuple[str, str], ...]
    option_key: str
    options: tuple[str, ...]
    euros: tuple[int, int]


@dataclass(frozen=True)
class Color:
    key: str
    hex: str
    names: dict


FAMILIES = (
    Family(
        "smartphones",
        (
            ("Samsung", "Galaxy S21"),
            ("Samsung", "Galaxy S23"),
            ("Samsung", "Galaxy A54"),
            ("Apple", "iPhone 13"),
            ("Apple", "iPhone 15 Pro"),
            ("Google", "Pixel 7"),
            ("Google", "Pixel 8a"),
            ("Xiaomi", "Redmi Note 12"),
            ("Sony", "Xperia 5 IV"),
            ("Motorola", "Edge 40"),
            ("OnePlus", "11"),
            ("Nokia", "G42"),
        ),
        "storage_capacity",
        ("64GB", "128GB", "256GB", "512GB"),
        (199, 1299),
    ),
    Family(
        "notebooks",
        (
            ("Lenovo", "ThinkPad X1 Carbon"),
            ("Lenovo", "ThinkPad T14"),
            ("Dell", "XPS 13"),
            ("Dell", "Latitude 5440"),
            ("HP", "EliteBook 840"),
            ("HP", "Pavilion 15"),
            ("Apple", "MacBook Air 13"),
            ("Apple", "MacBook Pro 14"),
            ("Asus", "ZenBook 14"),
            ("Acer", "Swift 3"),
            ("Microsoft", "Surface Laptop 5"),
        ),
        "memory",
        ("8GB RAM", "16GB RAM", "32GB RAM"),
        (499, 2999),
    ),
    Family(
        "tablets",
        (
            ("Apple", "iPad Air"),
            ("Apple", "iPad mini"),
            ("Samsung", "Galaxy Tab S9"),
            ("Lenovo", "Tab P11"),
            ("Microsoft", "Surface Pro 9"),
            ("Amazon", "Fire HD 10"),
        ),
        "storage_capacity",
        ("32GB", "64GB", "128GB", "256GB"),
        (149, 1399),
    ),
    Family(
        "digital-cameras",
        (
            ("Canon", "EOS R6"),
            ("Canon", "EOS 250D"),
            ("Sony", "Alpha 7 IV"),
            ("Nikon", "Z6 II"),
            ("Fujifilm", "X-T5"),
            ("Panasonic", "Lumix GH6"),
            ("Olympus", "OM-D E-M10"),
        ),
        "kit",
        ("Body", "Kit 18-55mm", "Kit 24-105mm"),
        (449, 2799),
    ),
    Family(
        "action-cameras",
        (("GoPro", "Hero 12"), ("DJI", "Osmo Action 4"), ("Insta360", "X3")),
        "bundle",
        ("Standard", "Creator Edition"),
        (199, 599),
    ),
    Family(
        "headphones",
        (
            ("Sony", "WH-1000XM5"),
            ("Bose", "QuietComfort 45"),
            ("Apple", "AirPods Pro"),
            ("Sennheiser", "Momentum 4"),
            ("JBL", "Tune 760NC"),
            ("Beats", "Studio Pro"),
        ),
        "connection",
        ("Wireless", "USB-C"),
        (49, 449),
    ),
    Family(
        "smartwatches",
        (
            ("Apple", "Watch Series 9"),
            ("Samsung", "Galaxy Watch 6"),
            ("Garmin", "Fenix 7"),
            ("Fitbit", "Sense 2"),
        ),
        "case_size",
        ("40mm", "44mm", "45mm"),
        (149, 899),
    ),
    Family(
        "televisions",
        (
            ("Samsung", "QLED Q80C"),
            ("LG", "OLED C3"),
            ("Sony", "Bravia XR A80L"),
            ("Philips", "Ambilight PUS8808"),
            ("TCL", "C745"),
        ),
        "screen_size",
        ('43"', '55"', '65"', '75"'),
        (399, 3499),
    ),
)

COLORS = (
    Color("black", "#000000", {"en_US": "Black", "de_DE": "Schwarz", "fr_FR": "Noir"}),
    Color("white", "#FFFFFF", {"en_US": "White", "de_DE": "Weiß", "fr_FR": "Blanc"}),
    Color("silver", "#C0C0C0", {"en_US": "Silver", "de_DE": "Silber", "fr_FR": "Argent"}),
    Color("space-gray", "#4B4B4D", {"en_US": "Space Gray", "de_DE": "Spacegrau", "fr_FR": "Gris"}),
    Color("blue", "#1F4E9C", {"en_US": "Blue", "de_DE": "Blau", "fr_FR": "Bleu"}),
    Color("red", "#C1121F", {"en_US": "Red", "de_DE": "Rot", "fr_FR": "Rouge"}),
    Color("green", "#2D6A4F", {"en_US": "Green", "de_DE": "Grün", "fr_FR": "Vert"}),
    Color("gold", "#D4AF37", {"en_US": "Gold", "de_DE": "Gold", "fr_FR": "Or"}),
    Color("midnight", "#191970", {"en_US": "Midnight", "de_DE": "Mitternacht", "fr_FR": "Minuit"}),
)

# Locale -> (description template, the word joining an option, closing sentences).
TEXTS = {
    "en_US": (
        "The {brand} {model} in {color}{option}. {feature}",
        "with",
        (
            "Free shipping within the EU.",
            "Two-year manufacturer warranty included.",
            "Energy-efficient and built to last.",
            "Ships within two working days.",
            "Rated excellent by our customers.",
        ),
    ),
    "de_DE": (
        "Das {brand} {model} in {color}{option}. {feature}",
        "mit",
        (
            "Versandkostenfrei innerhalb der EU.",
            "Inklusive zwei Jahren Herstellergarantie.",
            "Energieeffizient und langlebig.",
            "Versand innerhalb von zwei Werktagen.",
            "Von unseren Kunden als hervorragend bewertet.",
        ),
    ),
    "fr_FR": (
        "Le {brand} {model} en {color}{option}. {feature}",
        "avec",
        (
            "Livraison gratuite dans l'UE.",
            "Garantie constructeur de deux ans incluse.",
            "Économe en énergie et conçu pour durer.",
            "Expédié sous deux jours ouvrés.",
            "Très bien noté par nos clients.",
        ),
    ),
}

# (currency, gross price factor against EUR, VAT divisor for the net price)
CURRENCIES = (("EUR", Decimal("1"), Decimal("1.19")), ("CHF", Decimal("1.05"), Decimal("1.081")))
TAX_SET_WEIGHTS = ((STANDARD_TAXES, 90), (REDUCED_TAXES, 7), (TAX_EXEMPT, 3))
APPROVAL_WEIGHTS = (("approved", 90), ("waiting_for_approval", 6), ("draft", 4))
NEW_SINCE = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Price:
    currency: str
    price_type: str
    gross: int
    net: int


@dataclass(frozen=True)
class Stocked:
    stock: str
    quantity: Decimal
    is_never_out_of_stock: bool


@dataclass(frozen=True)
class Variant:
    """A concrete product of a generated abstract product."""

    sku: str
    attributes: str
    is_active: bool
    prices: tuple[Price, ...]
    stock: tuple[Stocked, ...]


@dataclass(frozen=True)
class LocalizedText:
    locale: str
    name: str
    description: str
    meta_keywords: str
    meta_description: str
    url: str


@dataclass(frozen=True)
class ProductSpec:
    """Everything written for one generated abstract product and its variants."""

    sku: str
    attributes: str
    tax_set: str
    approval_status: str
    color_code: str
    new_from: datetime | None
    new_to: datetime | None
    texts: tuple[LocalizedText, ...]
    prices: tuple[Price, ...]
    variants: tuple[Variant, ...]


def product_sku(index):
    """Return the SKU of generated abstract product `index` (0-based): 100001, 100002, ..."""
    return str(FIRST_SKU + index)


def product_spec(index):
    """Return generated abstract product `index`; the same index always gives the same product."""
    rng = random.Random(f"{SEED}-{index}")
    sku = product_sku(index)
    family = rng.choice(FAMILIES)
    brand, model = rng.choice(family.lines)
    option = rng.choice(family.options)
    colors = rng.sample(COLORS, rng.randint(1, 3))
    gross_eur = rng.randint(*family.euros) * 100 - 1
    new_from = NEW_SINCE + timedelta(days=rng.randint(0, 364)) if rng.random() < 0.15 else None
    words = {"brand": brand, "model": model, "option": option, "category": family.category}
    return ProductSpec(
        sku=sku,
        attributes=_json({"brand": brand, "model": model, family.option_key: option}),
        tax_set=_weighted(rng, TAX_SET_WEIGHTS),
        approval_status=_weighted(rng, APPROVAL_WEIGHTS),
        color_code=colors[0].hex,
        new_from=new_from,
        new_to=new_from + timedelta(days=30) if new_from else None,
        texts=tuple(_text(rng, locale, sku, colors[0], words) for locale in PRODUCT_LOCALES),
        prices=_prices(gross_eur, original=rng.random() < 0.25),
        variants=tuple(
            _variant(rng, f"{sku}_{number}", color, gross_eur)
            for number, color in enumerate(colors, start=1)
        ),
    )


def _text(rng, locale, sku, color, words):
    template, joiner, features = TEXTS[locale]
    color_name = color.names[locale]
    name = f"{words['brand']} {words['model']} {words['option']} {color_name}"
    description = template.format(
        brand=words["brand"],
        model=words["model"],
        color=color_name,
        option=f" {joiner} {words['option']}",
        feature=rng.choice(features),
    )
    return LocalizedText(
        locale=locale,
        name=name,
        description=description,
        meta_keywords=",".join((words["brand"], words["model"], words["category"])),
        meta_description=description.split(". ")[0] + ".",
        url=f"/{locale[:2]}/{_slug(name)}-{sku}",
    )


def _variant(rng, sku, color, gross_eur):
    stock = [Stocked("Warehouse1", Decimal(rng.randint(0, 200)), rng.random() < 0.05)]
    if rng.random() < 0.5:
        stock.append(Stocked("Warehouse2", Decimal(rng.randint(0, 50)), False))
    return Variant(
        sku=sku,
        attributes=_json({"color": color.key}),
        is_active=rng.random() < 0.95,
        prices=_prices(gross_eur + rng.choice((0, 0, 1000, 2000)), original=False),
        stock=tuple(stock),
    )


def _prices(gross_eur, *, original):
    """Return DEFAULT prices in every demo currency, and ORIGINAL (pre-sale) ones if asked."""
    prices = []
    types = (("DEFAULT", Decimal("1")), ("ORIGINAL", Decimal("1.2")))
    for price_type, markup in types if original else types[:1]:
        for currency, factor, vat in CURRENCIES:
            gross = _cents(gross_eur * factor * markup)
            prices.append(Price(currency, price_type, gross, _cents(gross / vat)))
    return tuple(prices)


def _cents(amount):
    return int(amount.quantize(Decimal("1")))


def _weighted(rng, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _json(value):
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _slug(text):
    for german, ascii_ in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(german, ascii_)
    return slugify(text)
