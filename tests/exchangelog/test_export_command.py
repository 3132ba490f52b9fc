"""`export_exchange_log`: with --items, --status is the item's status, not its exchange's."""

import csv
import io

from django.core.management import CommandError, call_command

import pytest

from dataexchange.exchangelog.models import Exchange
from tests.exchangelog.conftest import URL, send

pytestmark = pytest.mark.usefixtures("countries")


def export(*arguments):
    """Return the CSV rows (header first) `export_exchange_log` writes with `arguments`."""
    out = io.StringIO()
    call_command("export_exchange_log", *arguments, stdout=out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def partly_failed_batch(api):
    """Send a non-transactional batch of one good (DE) and one bad (X) country."""
    body = [{"iso2": "DE", "name": "Germany"}, {"iso2": "X"}]
    response = send(api, "POST", URL, body, **{"X-Is-Transactional": "false"})
    assert response.status_code == 201
    (exchange,) = Exchange.objects.all()
    assert exchange.status == Exchange.Status.PARTIALLY_FAILED


def test_items_failed_exports_the_failed_item_of_a_partially_failed_batch(api):
    partly_failed_batch(api)
    header, *rows = export("--items", "--status", "failed")
    assert header[4:8] == ["index", "identifier", "operation", "status"]
    assert [row[4:9] for row in rows] == [["1", "X", "create", "failed", "1307"]]


def test_items_processed_exports_the_written_item(api, settings):
    settings.EXCHANGE_LOG = {**settings.EXCHANGE_LOG, "ITEMS": "all"}
    partly_failed_batch(api)
    _, *rows = export("--items", "--status", "processed")
    assert [(row[5], row[7]) for row in rows] == [("DE", "processed")]
    _, *rows = export("--items", "--status", "processed", "--status", "failed")
    assert [(row[5], row[7]) for row in rows] == [("DE", "processed"), ("X", "failed")]


def test_exchange_status_still_filters_exchanges(api):
    partly_failed_batch(api)
    assert len(export("--status", "partially_failed")) == 2
    assert len(export("--status", "failed")) == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--items", "--status", "partially_failed"], "not an item status"),
        (["--status", "rolled_back"], "not an exchange status"),
    ],
)
def test_a_status_of_the_other_kind_is_refused(arguments, message):
    with pytest.raises(CommandError, match=message):
        export(*arguments)
