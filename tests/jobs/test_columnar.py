"""The columnar path of a job's POST of flat items (`engine.plan.flat_plan`,
`engine.execute.flat_write`; COPY on PostgreSQL, a multi-row INSERT elsewhere): the same rows,
per-item errors and exchange items as the row-wise path of a synchronous write of the same CSV,
for a mix of valid rows, type and value errors (row and column named), a unique conflict, nulls
(`\\N`) and empty cells."""

from django.db import connection

import pytest

from dataexchange.engine import serve as serve_module
from dataexchange.exchangelog.models import Exchange, ExchangeItem
from dataexchange.jobs.models import Job
from tests.jobs.conftest import LOOSE, URL, rows, run_worker

CSV = {"Content-Type": "text/csv"}
VALID = "code,name,qty\nC0,Zero,0\nC1,One,1\nC2,Two,\\N\nC3,Three,\nC4,Four,4\n"
MIXED = (
    "code,name,qty\n"
    "C0,Zero,0\n"  # valid
    "C1,One,x\n"  # 1305: qty is no integer
    "C2,Two,\\N\n"  # null qty: stored as NULL
    "C3,Three,\n"  # empty qty: not sent
    "C4,,4\n"  # empty name: the required field is not sent (1307)
    "C5,Five,-5\n"  # 1306: below qty's minimum
    "C6-ABCDEFGHIJKLMNOPQRSTU,Six,6\n"  # 1306: code longer than 20
    "C7,Seven,7\n"
)
CONFLICT = MIXED + "TAKEN,Conflict,8\nC9,Nine,9\n"  # TAKEN is stored already: 1309
# A name longer than its column (the field sets no max_length): PostgreSQL and MariaDB refuse it.
TOO_LONG = "code,name,qty\nL0,Zero,0\nL1," + "n" * 150 + ",1\nL2,Two,2\n"


@pytest.fixture
def flat_writes(monkeypatch):
    """Record what each columnar write returned: its outcomes, or None (written row by row)."""
    returned = []
    real = serve_module.run_flat_write

    def spy(plan, **options):
        outcomes = real(plan, **options)
        returned.append(outcomes)
        return outcomes

    monkeypatch.setattr(serve_module, "run_flat_write", spy)
    return returned


def store_taken():
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM job_item")
        cursor.execute("INSERT INTO job_item (code, name, qty) VALUES ('TAKEN', 'Taken', 1)")


def synchronous(api, body):
    """Write `body` synchronously (row by row), item by item; return (rows, errors, log)."""
    store_taken()
    response = api.request("POST", URL, raw=body, headers={**CSV, "X-Is-Transactional": "false"})
    assert response.status_code in (201, 400), response.content
    errors = response.json()["errors"]
    exchange = Exchange.objects.get(http_status=response.status_code)
    return rows(), errors, logged_items(exchange)


def as_job(api, body):
    """Write `body` as a non-transactional job; return (rows, errors, log, results)."""
    store_taken()
    response = api.request("POST", URL, raw=body, headers={**CSV, **LOOSE})
    assert response.status_code == 202, response.content
    run_worker()
    job = Job.objects.get()
    results = api.get(f"{response['Location']}/results").json()["data"]
    errors = [error for result in results for error in result.get("errors", ())]
    return rows(), errors, logged_items(job.exchange), results


def logged_items(exchange):
    return list(
        ExchangeItem.objects.filter(exchange=exchange)
        .order_by("index")
        .values_list("index", "status", "error_code", "path", "message")
    )


def test_valid_rows_are_written_by_the_columnar_path(api, flat_writes):
    stored, errors, log, results = as_job(api, VALID)
    (outcomes,) = flat_writes
    assert outcomes is not None  # written in bulk, not row by row
    assert stored == [
        ("C0", "Zero", 0), ("C1", "One", 1), ("C2", "Two", None), ("C3", "Three", None),
        ("C4", "Four", 4), ("TAKEN", "Taken", 1),
    ]  # fmt: skip
    assert errors == [] and log == []
    codes = [f"C{n}" for n in range(5)]
    assert [(r["status"], r["identifier"]) for r in results] == [("succeeded", c) for c in codes]
    assert Job.objects.get().exchange.identifiers.split() == codes


@pytest.mark.parametrize(
    ("body", "bulk"), [(MIXED, True), (CONFLICT, False)], ids=["mixed", "unique-conflict"]
)
def test_same_rows_errors_and_log_as_the_row_wise_path(api, flat_writes, body, bulk):
    row_wise = synchronous(api, body)
    assert flat_writes == []  # a synchronous write is planned row by row
    Exchange.objects.all().delete()
    columnar = as_job(api, body)
    (outcomes,) = flat_writes
    # The conflict is found by the database: the bulk write is refused, the rows go one by one.
    assert (outcomes is not None) == bulk
    assert columnar[:3] == row_wise
    stored, errors, _, results = columnar
    assert ("C2", "Two", None) in stored and ("C3", "Three", None) in stored
    codes = {r["index"]: [e["code"] for e in r.get("errors", ())] for r in results}
    assert {i: c for i, c in codes.items() if c} == {
        1: ["1305"],
        4: ["1307"],
        5: ["1306"],
        6: ["1306"],
        **({8: ["1309"]} if not bulk else {}),
    }
    assert "`job-items[1]` for field `qty`" in errors[0]["message"]  # the row and the column


def test_text_that_copy_escapes_is_stored_as_sent(api, flat_writes):
    names = ["tab\there", "back\\slash \\N", "new\nline", "cr\rreturn", 'quote " ü €', "plain"]
    cells = "".join(
        f'E{n},"{name.replace(chr(34), chr(34) * 2)}",{n}\n' for n, name in enumerate(names)
    )
    stored, errors, _, _ = as_job(api, "code,name,qty\n" + cells)
    (outcomes,) = flat_writes
    assert outcomes is not None and errors == []
    assert stored[: len(names)] == [(f"E{n}", name, n) for n, name in enumerate(names)]


def test_a_value_the_column_refuses_is_reported_as_row_by_row(api, flat_writes):
    row_wise = synchronous(api, TOO_LONG)
    Exchange.objects.all().delete()
    columnar = as_job(api, TOO_LONG)
    assert len(flat_writes) == 1
    assert columnar[:3] == row_wise
    refused = connection.vendor != "sqlite"  # SQLite stores any length
    assert (flat_writes[0] is None) == refused
    assert [error["code"] for error in columnar[1]] == (["1302"] if refused else [])
