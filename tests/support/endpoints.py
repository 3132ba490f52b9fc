"""Endpoint configurations for tests, created through the ORM as the admin creates them."""

from dataexchange.changes.capture import triggers_sync
from dataexchange.models import Endpoint, EndpointField


def field_spec(field):
    """Return the EndpointField values of `field`: a dict of them, or a (column, type, options)
    tuple; the visible name defaults to the column name."""
    if not isinstance(field, dict):
        column, type_, options = field
        field = dict(column_name=column, type=type_, **options)
    spec = dict(field)
    spec.setdefault("visible_name", spec["column_name"])
    return spec


def make_endpoint(
    alias,
    table,
    identifier,
    fields,
    *,
    active=True,
    deletable=False,
    description="",
    track_changes=False,
):
    """Create an endpoint with its fields (dicts of EndpointField values or (column, type,
    options) tuples, in position order); return the Endpoint row. With `track_changes`, the
    capture triggers are installed too, as an admin save would."""
    endpoint = Endpoint.objects.create(
        alias=alias,
        table_name=table,
        identifier=identifier,
        is_active=active,
        is_deletable=deletable,
        description=description,
        track_changes=track_changes,
    )
    for position, field in enumerate(fields):
        EndpointField.objects.create(endpoint=endpoint, position=position, **field_spec(field))
    if track_changes:
        triggers_sync()
    return endpoint
