"""The plan stage of reads (plan_read): filters, paging, includes, sort and sparse fields."""

from decimal import Decimal

from django.db import connection

import pytest

from dataexchange.engine.parse.params import parse_filter_value
from dataexchange.engine.plan.operators import OPERATORS
from dataexchange.engine.plan.read_plan import MAX_OFFSET, Condition, plan_condition, plan_read
from dataexchange.engine.plan.sorting import SortKey, order_by_sql, order_keys, plan_fields
from tests.engine.conftest import query, refused


def test_an_empty_query_plans_every_row_of_the_default_page(snapshot, items):
    plan = plan_read(snapshot, items, query())
    assert plan.endpoint is items
    assert (plan.conditions, plan.offset, plan.limit, plan.includes) == ((), 0, 1000, ())
    assert (plan.impossible, plan.order, plan.fields) == (False, (), None)


def test_a_filter_names_the_visible_field_and_compares_its_column(snapshot, items):
    plan = plan_read(snapshot, items, query(("title", "Lamp")))
    (condition,) = plan.conditions
    assert (condition.field.column, condition.op, condition.value) == ("name", "eq", "Lamp")


def test_a_filter_on_a_column_name_that_is_not_visible_is_1315(snapshot, items):
    error = refused(plan_read, snapshot, items, query(("name", "Lamp")))
    assert (error.code, error.status) == ("1315", 400)
    assert error.message == "Filter field `name` for table alias `items` not found."


def test_filter_values_are_parsed_to_the_field_type(snapshot, items):
    filters = (("qty", "5"), ("price", "1.50"), ("is_active", "true"), ("ratio", "0.5"))
    plan = plan_read(snapshot, items, query(*filters))
    values = [condition.value for condition in plan.conditions]
    assert values == [5, Decimal("1.50"), True, 0.5]
    assert type(values[0]) is int and type(values[2]) is bool


@pytest.mark.parametrize("field, text", [("qty", "abc"), ("is_active", "yes"), ("price", "NaN")])
def test_a_value_the_type_can_never_hold_makes_the_plan_impossible(snapshot, items, field, text):
    plan = plan_read(snapshot, items, query((field, text), ("code", "AA")))
    assert plan.impossible is True
    assert [c.field.name for c in plan.conditions] == ["code"]


def test_in_keeps_the_values_the_type_can_hold(items):
    condition = plan_condition(items.by_name["qty"], '{"in": [1, "x", 3, true]}', items)
    assert condition == Condition(items.by_name["qty"], "in", (1, 3, 1))


def test_in_of_values_the_type_cannot_hold_matches_nothing(items):
    assert plan_condition(items.by_name["qty"], '{"IN": ["x", null]}', items) is None


def test_in_without_a_list_is_1405(items):
    error = refused(plan_condition, items.by_name["qty"], '{"in": 5}', items)
    assert error.code == "1405"
    assert error.message == (
        "Invalid filter `qty` for table alias `items`: `in` needs a list of values."
    )


def test_an_operator_object_plans_the_operator_with_a_typed_operand(items):
    condition = plan_condition(items.by_name["rank"], '{"gte": "3"}', items)
    assert (condition.field.column, condition.op, condition.value) == (
        "item_rank",
        OPERATORS["gte"],
        3,
    )


@pytest.mark.parametrize(
    "text, parsed",
    [
        ('{"gt": 3}', ("gt", 3)),
        (' {"like": "a%"} ', ("like", "a%")),
        ('{"gt": 1, "lt": 5}', ("eq", '{"gt": 1, "lt": 5}')),
        ("{not json", ("eq", "{not json")),
        ("[1, 2]", ("eq", "[1, 2]")),
    ],
)
def test_only_a_one_key_json_object_is_an_operator(text, parsed):
    assert parse_filter_value(text) == parsed


@pytest.mark.parametrize(
    "offset, limit, paging",
    [
        ("20", "10", (20, 10)),
        (None, "10", (0, 1000)),  # both or neither
        ("5", None, (0, 1000)),
        ("-1", "10", (0, 1000)),
        ("x", "10", (0, 1000)),
        (str(2**70), "10", (MAX_OFFSET, 10)),
    ],
)
def test_paging_needs_both_parameters_and_falls_back_to_the_defaults(
    snapshot, items, offset, limit, paging
):
    plan = plan_read(snapshot, items, query(offset=offset, limit=limit))
    assert (plan.offset, plan.limit) == paging


def test_a_limit_over_the_endpoint_maximum_is_1402(snapshot, items):
    too_many = items.max_page_limit + 1
    error = refused(plan_read, snapshot, items, query(offset="0", limit=str(too_many)))
    assert error.code == "1402"
    assert error.message == (
        f"Page limit {too_many} exceeds the maximum of {items.max_page_limit} for `items`."
    )


def test_an_unpaged_plan_ignores_the_page_parameters(snapshot, items):
    plan = plan_read(snapshot, items, query(offset="5", limit="10**9"), paged=False)
    assert (plan.offset, plan.limit) == (0, None)


def test_an_include_plans_the_relation_and_its_child_endpoint(snapshot, items):
    plan = plan_read(snapshot, items, query(include=[("itemParts",), ("itemParts",)]))
    (include,) = plan.includes
    assert include.relation.name == "itemParts"
    assert (include.relation.child_column, include.relation.parent_column) == (
        "fk_item",
        "id_item",
    )
    assert (include.endpoint.alias, include.children) == ("parts", ())


@pytest.mark.parametrize("chain", [("nope",), ("itemParts", "nope")])
def test_an_unknown_relation_in_an_include_chain_is_1313(snapshot, items, chain):
    error = refused(plan_read, snapshot, items, query(include=[chain]))
    assert (error.code, error.status) == ("1313", 400)
    assert "`nope`" in error.message


def test_sort_keys_keep_request_order_and_drop_repeats(snapshot, items):
    plan = plan_read(snapshot, items, query(sort=("-rank", "title", "rank")))
    assert plan.order == (SortKey(items.by_name["rank"], True), SortKey(items.by_name["title"]))


def test_an_unknown_sort_field_is_1406(snapshot, items):
    error = refused(plan_read, snapshot, items, query(sort=("-item_rank",)))
    assert error.code == "1406"
    assert error.message == "Sort field `item_rank` for table alias `items` not found."


def test_sparse_fields_keep_request_order_without_repeats(items):
    assert plan_fields(items, ("code", "title", "code")) == ("code", "title")
    assert plan_fields(items, ()) is None
    assert refused(plan_fields, items, ("name",)).code == "1406"


def test_the_identifier_breaks_ties_unless_it_is_sorted_on(items):
    by_rank = (SortKey(items.by_name["rank"], True),)
    assert order_keys(items, by_rank) == (*by_rank, SortKey(items.identifier))
    by_id = (SortKey(items.identifier, True),)
    assert order_keys(items, by_id) == by_id


def test_order_by_sql_puts_null_first_ascending_on_every_database(items):
    assert order_by_sql(items, ()) is None
    sql = order_by_sql(items, (SortKey(items.by_name["rank"], True),))
    rank, ident = items.by_name["rank"].quoted, items.identifier.quoted
    if connection.vendor == "postgresql":
        assert sql == f"{rank} DESC NULLS LAST, {ident} NULLS FIRST"
    else:
        assert sql == f"{rank} DESC, {ident}"
