"""A small, fixed configuration over the demo commerce tables (core/models.py), made with the ORM.

Used by the golden document of the demo configuration and by the schemathesis run; it covers every
type, required/creatable/editable rules, a string identifier, relations (one self-chained) and both
deletable and non-deletable endpoints.
"""

from dataexchange.models import Endpoint, EndpointField, EndpointRelation

LOCKED = {"is_creatable": False, "is_editable": False}

ENDPOINTS = {
    "countries": (
        "spy_country",
        "iso2_code",
        False,
        [
            ("id_country", "integer", LOCKED),
            ("iso2_code", "string", {"is_required": True, "min_length": 2, "max_length": 2}),
            ("iso3_code", "string", {"min_length": 3, "max_length": 3, "examples": "DEU, AUT"}),
            ("name", "string", {"max_length": 255, "description": "English name."}),
            ("postal_code_mandatory", "boolean", {}),
            ("postal_code_regex", "string", {"max_length": 500}),
        ],
    ),
    "currencies": (
        "spy_currency",
        "id_currency",
        True,
        [
            ("id_currency", "integer", LOCKED),
            ("code", "string", {"is_required": True, "max_length": 5}),
            ("name", "string", {"max_length": 255}),
            ("symbol", "string", {"max_length": 255}),
        ],
    ),
    "tax-sets": (
        "spy_tax_set",
        "id_tax_set",
        True,
        [
            ("id_tax_set", "integer", LOCKED),
            ("name", "string", {"is_required": True, "max_length": 255}),
            ("created_at", "datetime", LOCKED),
        ],
    ),
    "tax-rates": (
        "spy_tax_rate",
        "id_tax_rate",
        True,
        [
            ("id_tax_rate", "integer", LOCKED),
            ("fk_tax_set", "integer", {"is_required": True}),
            ("fk_country", "integer", {}),
            ("name", "string", {"is_required": True, "max_length": 255}),
            ("rate", "decimal", {"is_required": True, "precision": 8, "scale": 2}),
        ],
    ),
    "product-abstracts": (
        "spy_product_abstract",
        "id_product_abstract",
        False,
        [
            ("id_product_abstract", "integer", LOCKED),
            ("sku", "string", {"is_required": True, "max_length": 255}),
            ("attributes", "string", {}),
            ("fk_tax_set", "integer", {}),
            ("approval_status", "string", {"enum_values": ["approved", "draft"]}),
            ("new_from", "datetime", {}),
        ],
    ),
    "products": (
        "spy_product",
        "id_product",
        True,
        [
            ("id_product", "integer", LOCKED),
            ("fk_product_abstract", "integer", {"is_required": True}),
            ("sku", "string", {"is_required": True, "max_length": 255}),
            ("is_active", "boolean", {}),
        ],
    ),
}

RELATIONS = (
    ("tax-sets", "taxRates", "tax-rates", "fk_tax_set", "id_tax_set", True),
    ("countries", "countryTaxRates", "tax-rates", "fk_country", "id_country", False),
    (
        "product-abstracts",
        "products",
        "products",
        "fk_product_abstract",
        "id_product_abstract",
        True,
    ),
)


def configure_demo():
    """Create the demo endpoints and relations; return {alias: Endpoint}."""
    endpoints = {}
    for alias, (table, identifier, deletable, fields) in ENDPOINTS.items():
        endpoint = endpoints[alias] = Endpoint.objects.create(
            alias=alias,
            table_name=table,
            identifier=identifier,
            is_active=True,
            is_deletable=deletable,
        )
        for position, (column, field_type, options) in enumerate(fields):
            EndpointField.objects.create(
                endpoint=endpoint,
                position=position,
                column_name=column,
                visible_name=column,
                type=field_type,
                **options,
            )
    for parent, name, child, child_field, parent_field, editable in RELATIONS:
        EndpointRelation.objects.create(
            parent=endpoints[parent],
            child=endpoints[child],
            name=name,
            child_field=child_field,
            parent_field=parent_field,
            is_editable=editable,
        )
    return endpoints
