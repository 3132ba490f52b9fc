"""Endpoint configurations for tests, created through the ORM as the admin creates them."""

from dataexchange.models import Endpoint, EndpointField


def make_endpoint(
    alias, table, identifier, fields, *, active=True, deletable=False, description=""
):
    """Create an endpoint with its fields (dicts of EndpointField values; visible name defaults
    to the column name)."""
    endpoint = Endpoint.objects.create(
        alias=alias,
        table_name=table,
        identifier=identifier,
        is_active=active,
        is_deletable=deletable,
        description=description,
    )
    for position, spec in enumerate(fields):
        spec = dict(spec)
        spec.setdefault("visible_name", spec["column_name"])
        EndpointField.objects.create(endpoint=endpoint, position=position, **spec)
    return endpoint
