"""Capturing a body for the exchange log never fails and stays bounded, whatever the value:
deep, wide, huge, cyclic or not JSON at all; and such requests still leave their record."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import orjson
import pytest

from dataexchange.exchangelog.capture import MAX_DEPTH, TOO_DEEP, TRUNCATED, Policy
from dataexchange.exchangelog.models import Exchange, ExchangeItem
from tests.exchangelog.conftest import URL, country_rows, send

CAP = 1000
POLICY = Policy("all", CAP, ("password", "token", "api_key"))


def nested(levels, leaf=1):
    value = leaf
    for _ in range(levels):
        value = {"children": [value]}
    return value


def assert_bounded(captured):
    assert not captured.complete
    assert len(captured.text) <= CAP + len(TRUNCATED)


class TestPlainValues:
    @pytest.mark.parametrize(
        "value",
        [
            {"iso2": "DE", "name": "Germany", "population": 83_000_000, "ratio": 0.5},
            {"a": [1, None, True, {"b": []}], "c": {}, "d": 'ü"\\\n'},
            nested(MAX_DEPTH // 2 - 1),
            [],
            "text",
        ],
    )
    def test_are_stored_whole_as_orjson_writes_them(self, value):
        captured = POLICY.capture(value)
        assert captured.text == orjson.dumps(value).decode()
        assert captured.complete

    def test_nothing_is_nothing(self):
        assert POLICY.capture(None).text == ""

    def test_secrets_are_redacted_at_any_depth(self):
        value = {"items": [{"name": "a", "Api-Key": "k1", "auth": {"password": {"deep": "x"}}}]}
        captured = POLICY.capture(value)
        assert captured.text == (
            '{"items":[{"name":"a","Api-Key":"[redacted]","auth":{"password":"[redacted]"}}]}'
        )
        assert not captured.complete

    def test_a_secret_word_in_a_value_redacts_nothing(self):
        captured = POLICY.capture({"note": "send the token later"})
        assert captured.text == '{"note":"send the token later"}'
        assert captured.complete


class TestHostileValues:
    @pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 300, 100_000])
    def test_deep_values_are_cut_below_the_maximum_depth(self, levels):
        """A value 300 levels deep raised `Recursion limit reached`; the item was not logged."""
        captured = POLICY.capture(nested(levels))
        assert_bounded(captured)

    def test_a_deep_value_within_the_size_cap_is_valid_json_marked_too_deep(self):
        policy = Policy("all", 10_000, ())
        captured = policy.capture(nested(300))
        value, levels = orjson.loads(captured.text), 0
        while isinstance(value, dict):
            value, levels = value["children"][0], levels + 2
        assert (value, levels) == (TOO_DEEP, MAX_DEPTH)
        assert not captured.complete

    @pytest.mark.parametrize(
        "value",
        [
            {f"k{i}": "v" * 10 for i in range(100_000)},
            {"name": "x" * 10_000_000},
            ["x" * 10] * 1_000_000,
            [{"iso2": "DE", "name": "Germany"}] * 100_000,
        ],
    )
    def test_wide_and_huge_values_keep_the_start_of_their_text(self, value):
        captured = POLICY.capture(value)
        assert_bounded(captured)
        assert captured.text == orjson.dumps(value).decode()[:CAP] + TRUNCATED

    def test_a_cut_keeps_the_start_even_with_a_secret(self):
        value = {"password": "p", **{f"k{i}": i for i in range(10_000)}}
        captured = POLICY.capture(value)
        assert_bounded(captured)
        expected = orjson.dumps({**value, "password": "[redacted]"}).decode()[:CAP]
        assert captured.text == expected + TRUNCATED

    def test_a_cyclic_value_costs_no_more_than_its_cap(self):
        loop = []
        loop.extend([loop, loop])
        assert_bounded(POLICY.capture(loop))

    def test_values_that_are_not_json_are_stored_as_text(self):
        class Unprintable:
            def __str__(self):
                raise RuntimeError("no")

        value = {
            1: "int key",
            "when": datetime(2026, 1, 2, 3, 4, 5),
            "id": uuid.UUID(int=5),
            "price": Decimal("1.50"),
            "big": 2**80,
            "odd": Unprintable(),
            "set": {1},
            "lone": "\ud800",
        }
        captured = POLICY.capture(value)
        assert orjson.loads(captured.text.replace("\\ud800", "?")) == {
            "1": "int key",
            "when": "2026-01-02T03:04:05",
            "id": "00000000-0000-0000-0000-000000000005",
            "price": "1.50",
            "big": str(2**80),
            "odd": "…[unprintable]",
            "set": "{1}",
            "lone": "?",
        }
        assert not captured.complete


@pytest.mark.usefixtures("countries")
class TestExchangeRecord:
    def test_non_transactional_deep_item_is_refused_whole_and_logged(self, api):
        """A valid item and one 300 levels deep: the valid one was stored, the answer was 201,
        and capturing the deep one raised, so no exchange was recorded."""
        body = [{"iso2": "DE", "name": "Germany"}, {"iso2": "FR", "name": "France", **nested(300)}]
        response = send(api, "POST", URL, body, **{"X-Is-Transactional": "false"})
        assert response.status_code == 400
        assert [error["code"] for error in response.json()] == ["1412"]
        assert country_rows() == []
        (exchange,) = Exchange.objects.all()
        assert (exchange.status, exchange.error_codes) == (Exchange.Status.REJECTED, ",1412,")

    def test_huge_and_wide_failing_items_are_captured_truncated(self, api, settings):
        settings.EXCHANGE_LOG = {**settings.EXCHANGE_LOG, "MAX_CAPTURE_CHARS": CAP}
        body = [
            {"iso2": "DE", "name": "Germany"},
            {"iso2": "F" * 1_000_000, "name": "France"},
            {"iso2": "IT", "name": "Italy", **{f"k{i}": i for i in range(5000)}},
        ]
        response = send(api, "POST", URL, body, **{"X-Is-Transactional": "false"})
        assert response.status_code == 201
        assert country_rows() == [("DE", "Germany")]
        (exchange,) = Exchange.objects.all()
        assert exchange.status == Exchange.Status.PARTIALLY_FAILED
        items = list(ExchangeItem.objects.order_by("index"))
        assert [(i.index, i.error_code) for i in items] == [(1, "1306"), (2, "1311")]
        for item, raw in zip(items, body[1:]):
            assert_bounded_text = len(item.request_data) == CAP + len(TRUNCATED)
            assert assert_bounded_text and not item.data_complete
            assert item.request_data == orjson.dumps(raw).decode()[:CAP] + TRUNCATED


def test_objects_orjson_would_walk_into_are_stored_as_text():
    """orjson writes dataclasses and dict subclasses itself, deep ones included; the capture
    keeps them within its own caps instead."""

    @dataclass
    class Holder:
        inner: object

    class Mapping(dict):
        pass

    deep = nested(300)
    captured = POLICY.capture({"held": Holder(deep), "mapping": Mapping(deep)})
    assert_bounded(captured)
    assert captured.text.startswith('{"held":"')
