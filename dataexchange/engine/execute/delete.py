"""Execute stage for DELETE: rows still referenced by a foreign key are reported, the rest go."""

from django.db import IntegrityError, connection, transaction

from dataexchange.engine.execute.read import identifier_condition
from dataexchange.engine.plan.read_plan import plan_read
from dataexchange.engine.query import sql
from dataexchange.errors import ApiException, Code, fail, make_error


def run_delete(snapshot, endpoint, raw_query, *, url_id=None, may_view=True):
    """Delete one row (`url_id`) or the rows matching the filters; raise the errors (SPEC A5).

    A caller who may not view the endpoint (`may_view` False) gets the same answer whether or
    not rows matched: no 1303, so a (dry-run) DELETE is no yes/no oracle on data it cannot read.
    """
    if not endpoint.deletable:
        fail(Code.METHOD_NOT_ALLOWED, aliasName=endpoint.alias)
    plan = plan_read(snapshot, endpoint, raw_query, paged=False)
    if url_id is None and not raw_query.filters:
        fail(Code.DELETE_WITHOUT_FILTER, aliasName=endpoint.alias)
    if raw_query.offset is not None or raw_query.limit is not None:
        fail(Code.DELETE_PAGING, aliasName=endpoint.alias)  # paging is no way around the cap
    rows = matching_rows(endpoint, plan, url_id)
    if not rows:
        if may_view:
            fail(Code.ENTITY_NOT_FOUND, errorPath=endpoint.alias)
        return
    blocked = blocked_rows(endpoint, rows)
    free = [row for row in rows if id(row) not in blocked]
    if len(free) == 1:
        blocked.update(delete_alone(endpoint, free[0]))
    elif free:
        position = endpoint.column_index[endpoint.identifier.column]
        try:
            with transaction.atomic():
                sql.delete_in(endpoint, endpoint.identifier.quoted, [r[position] for r in free])
        except IntegrityError:
            blocked.update(delete_one_by_one(endpoint, free))
    if blocked:
        raise ApiException([blocked[key] for key in sorted(blocked, key=_order(rows))])


def matching_rows(endpoint, plan, url_id):
    """Return the rows to delete: the one identified by `url_id`, or those matching the filters.

    A collection DELETE removes at most `endpoint.max_delete_rows`: it reads cap + 1 rows (never
    a full count) and raises 1411 when there are more, before anything is deleted."""
    conditions = list(plan.conditions)
    if url_id is not None:
        condition = identifier_condition(endpoint, url_id)
        if condition is None:
            return []
        conditions.append(condition)
    if plan.impossible:
        return []
    if url_id is not None:
        return sql.select(endpoint, conditions)
    cap = endpoint.max_delete_rows
    rows = sql.select(endpoint, conditions, limit=cap + 1)
    if len(rows) > cap:
        fail(Code.DELETE_CAP, max=cap, aliasName=endpoint.alias)
    return rows


def _order(rows):
    positions = {id(row): index for index, row in enumerate(rows)}
    return lambda key: positions.get(key, 0)


def blocked_rows(endpoint, rows):
    """Return {id(row): 1317 error} for rows another table still refers to."""
    blocked = {}
    quote = connection.ops.quote_name
    for fk in endpoint.referencing_foreign_keys():
        referenced = referenced_values(endpoint, rows, fk.ref_column)
        values = {value for value in referenced.values() if value is not None}
        if not values:
            continue
        used = {str(v) for v in sql.existing_values(quote(fk.table), quote(fk.column), values)}
        for row in rows:
            if id(row) not in blocked and str(referenced[id(row)]) in used:
                blocked[id(row)] = error_1317(endpoint, row, fk.table)
    return blocked


def referenced_values(endpoint, rows, column):
    """Return {id(row): value of `column`}, reading the column when it is not a selected one
    (a foreign key may refer to a column the endpoint does not expose)."""
    position = endpoint.column_index.get(column)
    if position is not None:
        return {id(row): row[position] for row in rows}
    key = endpoint.column_index[endpoint.identifier.column]
    pairs = sql.select_in(
        endpoint,
        endpoint.identifier.quoted,
        [row[key] for row in rows],
        extra_columns=connection.ops.quote_name(column),
    )
    found = {str(pair[key]): pair[-1] for pair in pairs}
    return {id(row): found.get(str(row[key])) for row in rows}


def error_1317(endpoint, row, child_table):
    identifier = endpoint.identifier
    value = identifier.render(row[endpoint.column_index[identifier.column]])
    path = f"{endpoint.alias}.{identifier.name} = {value}"
    return make_error(Code.HAS_CHILDREN, errorPath=path, childEntity=child_table)


def delete_alone(endpoint, row):
    """Delete the only free row without a savepoint (nothing else of the transaction must
    survive its failure, see engine.execute.write: write_alone); return {id(row): 1317} if a
    foreign key blocks it."""
    position = endpoint.column_index[endpoint.identifier.column]
    try:
        with transaction.atomic(savepoint=False):
            sql.delete_in(endpoint, endpoint.identifier.quoted, [row[position]])
    except IntegrityError:
        return {id(row): error_1317(endpoint, row, "unknown")}
    return {}


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
