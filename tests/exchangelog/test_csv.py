"""CSV export: exact content, formula injection defused, the command's filters."""

import io
from datetime import timedelta

from django.core.management import CommandError, call_command
from django.utils import timezone

import pytest

from dataexchange.exchangelog.csvexport import cell, csv_rows
from dataexchange.exchangelog.models import Exchange, ExchangeItem
from tests.exchangelog.factories import T0, make_exchange, make_item

pytestmark = pytest.mark.django_db

EXCHANGE_HEADER = (
    "request_id,received,endpoint,method,entity_id,client,transactional,http_status,"
    "duration_ms,items,failed,rolled_back,error_codes,status,replay_of\r\n"
)


def test_exchange_csv_is_exact():
    make_exchange(
        1,
        status=Exchange.Status.FAILED,
        http_status=400,
        item_count=2,
        failed_count=1,
        rolled_back_count=1,
        error_codes=",1307,1309,",
        client='=HYPERLINK("http://evil")',
    )
    make_exchange(2, created_at=T0 + timedelta(seconds=1), endpoint="-2+3", transactional=None)
    content = "".join(csv_rows(Exchange.objects.order_by("created_at")))
    assert content == (
        EXCHANGE_HEADER
        + "00000000-0000-0000-0000-000000000001,2026-01-02T10:00:00+00:00,countries,POST,,"
        '"\'=HYPERLINK(""http://evil"")",true,400,3.5,2,1,1,1307 1309,failed,\r\n'
        "00000000-0000-0000-0000-000000000002,2026-01-02T10:00:01+00:00,'-2+3,POST,,"
        "integration,,201,3.5,1,0,0,,processed,\r\n"
    )


def test_item_csv_is_exact():
    exchange = make_exchange(1, status=Exchange.Status.FAILED)
    make_item(exchange, 0, identifier="@SUM(A1)", message='Bad\nline, "quoted"')
    content = "".join(csv_rows(ExchangeItem.objects.all()))
    assert content == (
        "request_id,received,endpoint,method,index,identifier,operation,status,error_code,path,"
        "message\r\n"
        "00000000-0000-0000-0000-000000000001,2026-01-02T10:00:00+00:00,countries,POST,0,"
        '\'@SUM(A1),create,failed,1307,countries[0],"Bad\nline, ""quoted"""\r\n'
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
     ("a=b", "a=b"), (-1, "-1"), (2.5, "2.5"), (None, ""), (False, "false")],
)  # fmt: skip
def test_cells_never_start_a_formula(value, expected):
    assert cell(value) == expected


def test_command_filters_by_status_since_and_endpoint():
    now = timezone.now()
    make_exchange(1, created_at=now - timedelta(hours=1), status="failed")
    make_exchange(2, created_at=now - timedelta(days=3), status="failed")
    make_exchange(3, created_at=now - timedelta(hours=1), status="processed")
    make_exchange(4, created_at=now - timedelta(hours=1), status="failed", endpoint="regions")
    out = io.StringIO()
    call_command(
        "export_exchange_log",
        "--status", "failed", "--since", "2d", "--endpoint", "countries", stdout=out,
    )  # fmt: skip
    lines = out.getvalue().split("\r\n")
    assert lines[0] + "\r\n" == EXCHANGE_HEADER
    assert [line.split(",")[0][-1] for line in lines[1:] if line] == ["1"]


def test_command_exports_items():
    exchange = make_exchange(1, status="failed", created_at=timezone.now())
    make_item(exchange, 0)
    make_item(exchange, 1, identifier="FR")
    out = io.StringIO()
    call_command("export_exchange_log", "--items", "--status", "failed", stdout=out)
    rows = out.getvalue().strip().split("\r\n")
    assert [row.split(",")[5] for row in rows] == ["identifier", "DE", "FR"]


def test_command_rejects_bad_durations():
    with pytest.raises(CommandError, match="not a duration"):
        call_command("export_exchange_log", "--since", "yesterday", stdout=io.StringIO())
