"""One rule, one place: the operator table, the write rules, the relation walk and the
method → action map, each read by the API and the OpenAPI document alike."""

from dataclasses import dataclass, field

import pytest

from dataexchange.auth import models as auth_models
from dataexchange.engine.plan import operators
from dataexchange.engine.plan.operators import OPERATOR_TABLE, OPERATORS, BadFilter, operand
from dataexchange.engine.plan.reach import METHOD_ACTIONS
from dataexchange.engine.plan.walk import nested_rows, walk_chain
from dataexchange.engine.plan.write_plan import WRITE_RULES, check_required
from dataexchange.openapi import generator, operations, parameters, schemas

TYPES = ("integer", "decimal", "float", "string", "boolean", "date", "datetime")
# An operand of the right shape for every operator, so only the field type decides.
OPERANDS = {"one": "1", "list": ["1"], "pair": ["1", "2"], "flag": True, "pattern": "1%"}


@dataclass(frozen=True)
class StubField:
    """The few attributes of a compiled Field that the tables read."""

    type: str = "string"
    name: str = "f"
    is_identifier: bool = False
    editable: bool = True
    creatable: bool = True
    required: bool = False

    def parse(self, text):
        return text


@dataclass(frozen=True)
class StubRelation:
    child_alias: str
    editable: bool = True


@dataclass(frozen=True)
class StubEndpoint:
    alias: str
    relations: dict = field(default_factory=dict)


def test_the_document_lists_the_engine_operators():
    assert parameters.FILTER_OPERATORS is OPERATOR_TABLE
    assert [op.name for op in OPERATOR_TABLE] == ["in", *OPERATORS]
    assert all(op.meaning and op.example for op in OPERATOR_TABLE)


@pytest.mark.parametrize("operator", list(OPERATORS.values()), ids=str)
@pytest.mark.parametrize("field_type", TYPES)
def test_operators_refuse_exactly_the_types_the_document_leaves_out(operator, field_type):
    """An operator is documented for a type iff the engine takes an operand for it."""
    try:
        operand(operator, StubField(field_type), OPERANDS[operator.shape])
        refused = False
    except BadFilter as error:
        refused = "fields" in str(error)
    assert refused is not operator.applies_to(field_type)
    assert operator.ordered is (operator.types == frozenset(operators.ORDERED_TYPES))


def test_item_schemas_read_the_write_rules():
    assert schemas.ITEM_KINDS == {rule.kind: rule for rule in WRITE_RULES.values()}
    for kind, rule in schemas.ITEM_KINDS.items():
        assert schemas.item_actions(kind) == METHOD_ACTIONS[rule.method]


@pytest.mark.parametrize(
    ("method", "flags", "selects_row", "value", "expected"),
    [
        ("POST", {"creatable": False}, True, 1, False),
        ("POST", {"creatable": False}, True, None, True),  # a null is not written
        ("POST", {"editable": False}, True, 1, True),
        ("PATCH", {"editable": False}, True, None, False),
        ("PATCH", {"editable": False, "is_identifier": True}, True, 1, True),
        ("PATCH", {"editable": False, "is_identifier": True}, False, 1, False),
        ("PUT", {"creatable": False}, True, 1, True),
        ("PUT", {"editable": False}, True, 1, False),
    ],
)
def test_may_send(method, flags, selects_row, value, expected):
    assert WRITE_RULES[method].may_send(StubField(**flags), value, selects_row) is expected


def test_required_fields_are_checked_on_post_and_put_only():
    required = StubField(required=True)
    assert [m for m, rule in WRITE_RULES.items() if check_required in rule.validators] == [
        "POST",
        "PUT",
    ]
    assert [m for m, rule in WRITE_RULES.items() if rule.must_send(required, False)] == [
        "POST",
        "PUT",
    ]
    identifier = StubField(is_identifier=True)
    assert WRITE_RULES["PATCH"].must_send(identifier, selects_row=True)
    assert not WRITE_RULES["PATCH"].must_send(identifier, selects_row=False)


def test_validator_order_differs_only_where_spryker_does():
    names = {m: [v.__name__ for v in rule.validators] for m, rule in WRITE_RULES.items()}
    assert names["POST"].index("check_required") > names["POST"].index("check_unknown_fields")
    assert names["PUT"].index("check_required") < names["PUT"].index("check_unknown_fields")
    assert names["PATCH"] == [n for n in names["POST"] if n != "check_required"]


SNAPSHOT = {
    "a": StubEndpoint("a", {"toB": StubRelation("b"), "toGone": StubRelation("gone")}),
    "b": StubEndpoint("b", {"toA": StubRelation("a", editable=False)}),
}


def test_walk_chain_stops_after_the_first_unknown_step():
    steps = list(walk_chain(SNAPSHOT, SNAPSHOT["a"], ("toB", "nope", "toA")))
    assert [(name, child and child.alias) for name, _, child in steps] == [
        ("toB", "b"),
        ("nope", None),
    ]
    assert [c.alias for _, _, c in walk_chain(SNAPSHOT, SNAPSHOT["a"], ("toB", "toA"))] == [
        "b",
        "a",
    ]
    assert list(walk_chain(SNAPSHOT, SNAPSHOT["a"], ("toGone",)))[0][2] is None


def test_nested_rows_yields_each_nesting_value_in_order():
    item = {"id": 1, "toGone": {"x": 1}, "toB": [{"y": 1}, 2], "nope": [], "n": None}
    found = [
        (k, child and child.alias, rows)
        for k, _, child, rows in nested_rows(SNAPSHOT, SNAPSHOT["a"], item)
    ]
    assert found == [("toGone", None, [{"x": 1}]), ("toB", "b", [{"y": 1}, 2]), ("nope", None, [])]


def test_documented_actions_are_the_api_actions():
    for operation in operations.OPERATIONS:
        assert operation.actions == METHOD_ACTIONS[operation.method.upper()]
    assert generator.ACTIONS is auth_models.ACTIONS
