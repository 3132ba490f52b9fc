"""The log is committed on its own: a rolled-back batch keeps its log (real transactions)."""

import pytest

from dataexchange.exchangelog.models import Exchange
from tests.exchangelog.conftest import URL, country_rows, send

pytestmark = pytest.mark.usefixtures("clean_countries", "countries")


def test_rolled_back_batch_keeps_its_log(api):
    body = [{"iso2": "DE", "name": "Germany"}, {"iso2": "DE", "name": "Duplicate"}]
    response = send(api, "POST", URL, body)
    assert response.status_code == 400
    assert country_rows() == []
    (exchange,) = Exchange.objects.all()
    assert exchange.status == Exchange.Status.FAILED
    assert [(i.index, i.status, i.error_code) for i in exchange.items.order_by("index")] == [
        (0, "rolled_back", ""),
        (1, "failed", "1309"),
    ]
    assert response["X-Request-Id"] == str(exchange.id)


def test_non_transactional_keeps_successes_and_logs_failures(api):
    body = [{"iso2": "DE", "name": "Germany"}, {"iso2": "DE", "name": "Duplicate"}]
    response = send(api, "POST", URL, body, **{"X-Is-Transactional": "0"})
    assert response.status_code == 201
    assert country_rows() == [("DE", "Germany")]
    (exchange,) = Exchange.objects.all()
    assert exchange.status == Exchange.Status.PARTIALLY_FAILED
    assert [(i.index, i.status, i.error_code) for i in exchange.items.all()] == [
        (1, "failed", "1309")
    ]


def relaxed_commits(api, body):
    """Return how many statements relaxed the commit's durability while `body` was POSTed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        send(api, "POST", URL, body)
    return len([q for q in captured.captured_queries if "synchronous_commit" in q["sql"]])


def test_stored_data_and_its_record_commit_durably_together(api):
    """The record of a stored write commits with the data: it waits for the disk like the data."""
    assert relaxed_commits(api, [{"iso2": "DE", "name": "Germany"}]) == 0
    assert Exchange.objects.get().status == Exchange.Status.PROCESSED


def test_record_alone_commits_without_waiting_for_the_disk(api):
    """When the batch rolled back, the record is all that commits: on PostgreSQL its commit does
    not wait for the WAL flush (ASYNC_COMMIT)."""
    from django.db import connection

    body = [{"iso2": "DE", "name": "Germany"}, {"iso2": "DE", "name": "Duplicate"}]
    assert relaxed_commits(api, body) == (1 if connection.vendor == "postgresql" else 0)
    assert Exchange.objects.get().status == Exchange.Status.FAILED
