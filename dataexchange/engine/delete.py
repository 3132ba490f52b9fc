"""Execute stage for DELETE: rows still referenced by a foreign key are reported, the rest go."""

from django.db import IntegrityError, connection, transaction

from dataexchange.engine import sql
from dataexchange.engine.read import identifier_condition
from dataexchange.engine.read_plan import plan_read
from dataexchange.errors import ApiException, fail, make_error


def run_delete(snapshot, endpoint, raw_query, *, url_id=None):
    """Delete one row (`url_id`) or the rows matching the filters; raise the errors (SPEC A5)."""
    if not endpoint.deletable:
        fail("1318", aliasName=endpoint.alias)
    plan = plan_read(snapshot, endpoint, raw_query, paged=False)
    conditions = list(plan.conditions)
    if url_id is None and not raw_query.filters:
        fail("1403", aliasName=endpoint.alias)
    if url_id is not None:
        condition = identifier_condition(endpoint, url_id)
        if condition is None:
            fail("1303", errorPath=endpoint.alias)
        conditions.append(condition)
    rows = [] if plan.impossible else sql.select(endpoint, conditions)
    if not rows:
        fail("1303", errorPath=endpoint.alias)
    blocked = blocked_rows(endpoint, rows)
    free = [row for row in rows if id(row) not in blocked]
    if free:
        position = endpoint.column_index[endpoint.identifier.column]
        try:
            with transaction.atomic():
                sql.delete_in(endpoint, endpoint.identifier.quoted, [r[position] for r in free])
        except IntegrityError:
            blocked.update(delete_one_by_one(endpoint, free))
    if blocked:
        raise ApiException([blocked[key] for key in sorted(blocked, key=_order(rows))])


def _order(rows):
    positions = {id(row): index for index, row in enumerate(rows)}
    return lambda key: positions.get(key, 0)


def blocked_rows(endpoint, rows):
    """Return {id(row): 1317 error} for rows another table still refers to."""
    blocked = {}
    quote = connection.ops.quote_name
    for fk in endpoint.referencing_foreign_keys():
        position = _position(endpoint, fk.ref_column)
        if position is None:
            continue
        values = {row[position] for row in rows if row[position] is not None}
        if not values:
            continue
        used = {str(v) for v in sql.existing_values(quote(fk.table), quote(fk.column), values)}
        for row in rows:
            if id(row) not in blocked and str(row[position]) in used:
                blocked[id(row)] = error_1317(endpoint, row, fk.table)
    return blocked


def _position(endpoint, column):
    position = endpoint.column_index.get(column)
    if position is None and column == endpoint.table_info.primary_key:
        return endpoint.column_index.get(endpoint.identifier.column)
    return position


def error_1317(endpoint, row, child_table):
    identifier = endpoint.identifier
    value = identifier.render(row[endpoint.column_index[identifier.column]])
    path = f"{endpoint.alias}.{identifier.name} = {value}"
    return make_error("1317", errorPath=path, childEntity=child_table)


def delete_one_by_one(endpoint, rows):
    """Delete rows one at a time; return {id(row): 1317} for those a foreign key blocks."""
    blocked = {}
    position = endpoint.column_index[endpoint.identifier.column]
    for row in rows:
        try:
            with transaction.atomic():
                sql.delete_in(endpoint, endpoint.identifier.quoted, [row[position]])
        except IntegrityError:
            blocked[id(row)] = error_1317(endpoint, row, "unknown")
    return blocked
