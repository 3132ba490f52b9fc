"""errors: symbolic names for every code, and unfilled placeholders never reach a client."""

import logging

from django.conf import settings as django_settings

import pytest

from dataexchange.errors import CATALOGUE, PLACEHOLDERS, Code, UnfilledPlaceholder, make_error


def test_every_code_has_one_symbolic_name():
    names = {k: v for k, v in vars(Code).items() if k.isupper()}
    assert sorted(names.values()) == sorted(CATALOGUE)
    assert len(set(names.values())) == len(names)


def test_strict_errors_are_on_in_tests():
    assert django_settings.DATA_EXCHANGE_STRICT_ERRORS is True


def test_unfilled_placeholder_raises_when_strict():
    with pytest.raises(UnfilledPlaceholder, match="action"):
        make_error(Code.PERMISSION_DENIED, aliasName="items")


def test_unfilled_placeholder_is_emptied_and_logged_in_production(settings, caplog):
    settings.DATA_EXCHANGE_STRICT_ERRORS = False
    with caplog.at_level(logging.WARNING, logger="dataexchange.errors"):
        error = make_error(Code.PERMISSION_DENIED, aliasName="items")
    assert error.message == "Permission denied: `` on `items`."
    assert "1404" in caplog.text and "action" in caplog.text


def test_values_may_hold_placeholder_text():
    error = make_error(Code.UNKNOWN_FIELD, errorPath="items[0]", fieldName="%errorPath%x")
    assert error.message == "The provided `items[0].%errorPath%x` is incorrect or invalid."


def test_placeholders_are_read_from_every_template():
    assert PLACEHOLDERS[Code.PERSIST_NULL] == {"errorPath"}
    assert PLACEHOLDERS[Code.NOT_FOUND] == frozenset()
    assert make_error(Code.PERSIST_NULL, errorPath="x").code == "1302"
