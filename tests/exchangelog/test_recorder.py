"""Every API write becomes an Exchange with its items; the log outlives the data's rollback."""

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from dataexchange.exchangelog.models import Exchange, ExchangeItem
from tests.exchangelog.conftest import URL, country_rows, send

pytestmark = pytest.mark.usefixtures("countries")


def only_exchange():
    (exchange,) = Exchange.objects.all()
    return exchange


def test_request_id_header_is_the_exchange_id(api):
    response = send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}])
    assert response.status_code == 201
    exchange = only_exchange()
    assert response["X-Request-Id"] == str(exchange.id)
    assert exchange.endpoint == "exl-countries"
    assert exchange.method == "POST"
    assert exchange.client == "integration"
    assert exchange.user.username == "integration"
    assert exchange.transactional is True
    assert exchange.http_status == 201
    assert exchange.status == Exchange.Status.PROCESSED
    assert (exchange.item_count, exchange.failed_count) == (1, 0)
    assert exchange.duration_ms > 0
    assert exchange.identifiers == "\nDE\n"
    assert not ExchangeItem.objects.exists()  # ITEMS="failed": processed items are counted


def test_reads_carry_a_request_id_but_are_not_logged(api):
    response = api.get(URL)
    assert response.status_code == 200
    uuid.UUID(response["X-Request-Id"])
    assert not Exchange.objects.exists()


def test_reads_are_logged_when_configured(api, settings):
    settings.EXCHANGE_LOG = {**settings.EXCHANGE_LOG, "LOG_READS": True}
    response = api.get(URL + "/XX")
    exchange = only_exchange()
    assert response["X-Request-Id"] == str(exchange.id)
    assert (exchange.method, exchange.entity_id, exchange.http_status) == ("GET", "XX", 404)
    assert exchange.error_codes == ",1303,"


def test_every_item_gets_a_row_when_configured(api, settings):
    settings.EXCHANGE_LOG = {**settings.EXCHANGE_LOG, "ITEMS": "all", "CAPTURE": "all"}
    send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}, {"iso2": "FR", "name": "France"}])
    items = list(ExchangeItem.objects.order_by("index"))
    assert [(i.index, i.identifier, i.operation, i.status) for i in items] == [
        (0, "DE", "create", "processed"),
        (1, "FR", "create", "processed"),
    ]
    assert items[0].request_data == '{"iso2":"DE","name":"Germany"}'
    assert '"iso2":"DE"' in items[0].response_data and '"id_country":' in items[0].response_data


def test_transactional_failure_marks_valid_items_rolled_back(api):
    body = [
        {"iso2": "DE", "name": "Germany"},
        {"iso2": "FRA", "name": "France"},
        {"iso2": "IT"},
    ]
    response = send(api, "POST", URL, body)
    assert response.status_code == 400
    exchange = only_exchange()
    assert exchange.status == Exchange.Status.FAILED
    assert (exchange.item_count, exchange.failed_count, exchange.rolled_back_count) == (3, 2, 1)
    assert exchange.error_code_list == ["1306", "1307"]
    items = list(exchange.items.order_by("index"))
    assert [(i.index, i.identifier, i.status, i.error_code, i.path) for i in items] == [
        (0, "DE", "rolled_back", "", "exl-countries[0]"),
        (1, "FRA", "failed", "1306", "exl-countries[1]"),
        (2, "IT", "failed", "1307", "exl-countries[2]"),
    ]
    assert (
        items[2].message == "The required field must not be empty. Field: `exl-countries[2].name`"
    )
    assert items[1].request_data == '{"iso2":"FRA","name":"France"}'
    assert items[1].data_complete


def test_non_transactional_partial_failure_is_logged_item_by_item(api):
    body = [{"iso2": "DE", "name": "Germany"}, {"iso2": "X"}, {"iso2": "FR", "name": "France"}]
    response = send(api, "POST", URL, body, **{"X-Is-Transactional": "false"})
    assert response.status_code == 201
    exchange = only_exchange()
    assert exchange.transactional is False
    assert exchange.status == Exchange.Status.PARTIALLY_FAILED
    assert (exchange.item_count, exchange.failed_count, exchange.rolled_back_count) == (3, 1, 0)
    assert exchange.identifiers == "\nDE\nX\nFR\n"
    (item,) = exchange.items.all()
    assert (item.index, item.status, item.operation) == (1, "failed", "create")
    assert [e["code"] for e in item.errors] == ["1307", "1306"]
    assert country_rows() == [("DE", "Germany"), ("FR", "France")]


def test_unauthenticated_request_is_rejected_and_logged(db):
    from rest_framework.test import APIClient

    response = send(APIClient(), "POST", URL, [{"iso2": "DE", "name": "Germany"}])
    assert response.status_code == 403
    exchange = only_exchange()
    assert response["X-Request-Id"] == str(exchange.id)
    assert (exchange.status, exchange.client, exchange.http_status) == (
        "rejected",
        "anonymous",
        403,
    )
    assert exchange.errors == [{"message": "Unauthorized request.", "status": 403, "code": None}]
    assert exchange.item_count == 0


def test_bad_body_is_rejected(api):
    response = api.generic("PATCH", URL, "{nope", content_type="application/json")
    assert response.status_code == 400
    exchange = only_exchange()
    assert (exchange.status, exchange.error_codes, exchange.transactional) == (
        "rejected",
        ",1301,",
        None,
    )


def test_put_items_know_whether_they_created_or_updated(api, settings):
    settings.EXCHANGE_LOG = {**settings.EXCHANGE_LOG, "ITEMS": "all"}
    send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}])
    send(api, "PUT", URL, [{"iso2": "DE", "name": "Deutschland"}, {"iso2": "AT", "name": "AT"}])
    put = Exchange.objects.get(method="PUT")
    assert [(i.identifier, i.operation) for i in put.items.order_by("index")] == [
        ("DE", "update"),
        ("AT", "create"),
    ]


def test_delete_is_logged(api):
    send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}])
    response = api.delete(URL + "/DE")
    assert response.status_code == 204
    exchange = Exchange.objects.get(method="DELETE")
    assert (exchange.entity_id, exchange.status, exchange.http_status) == ("DE", "processed", 204)


def test_secrets_are_never_stored(api):
    body = [{"iso2": "DE", "name": "Germany", "password": "hunter2", "api_key": "k-123"}]
    send(api, "POST", URL + "?api_key=k-123&x=1", body)
    exchange = only_exchange()
    assert exchange.query == "x=1"
    (item,) = exchange.items.all()
    assert "hunter2" not in item.request_data and "k-123" not in item.request_data
    assert '"password":"[redacted]"' in item.request_data
    assert not item.data_complete


def test_capture_is_capped(api, settings):
    settings.EXCHANGE_LOG = {**settings.EXCHANGE_LOG, "MAX_CAPTURE_CHARS": 20}
    send(api, "POST", URL, [{"iso2": "DEU", "name": "Germany" * 10}])
    (item,) = ExchangeItem.objects.all()
    assert item.request_data == '{"iso2":"DEU","name"…[truncated]'
    assert not item.data_complete


def test_capture_none_keeps_no_data(api, settings):
    settings.EXCHANGE_LOG = {**settings.EXCHANGE_LOG, "CAPTURE": "none"}
    send(api, "POST", URL, [{"iso2": "DEU", "name": "Germany"}])
    (item,) = ExchangeItem.objects.all()
    assert (item.request_data, item.data_complete, item.error_code) == ("", False, "1306")


def test_write_whose_record_fails_is_not_acknowledged(api, monkeypatch):
    """An acknowledged write always has its record: when the record cannot be written, the data
    rolls back with it and the client is not told it was stored."""

    def broken(*args, **kwargs):
        raise RuntimeError("log database down")

    monkeypatch.setattr("dataexchange.exchangelog.recorder.exchange_save", broken)
    response = send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}])
    assert response.status_code == 500
    uuid.UUID(response["X-Request-Id"])
    assert country_rows() == []


def test_log_failure_of_a_refused_request_never_breaks_the_api(api, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("log database down")

    monkeypatch.setattr("dataexchange.exchangelog.recorder.exchange_save", broken)
    response = send(api, "POST", URL, {"not": "a batch"})
    assert response.status_code == 400
    uuid.UUID(response["X-Request-Id"])


def test_write_costs_one_insert_per_table(api):
    send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}])  # warm the registry
    with CaptureQueriesContext(connection) as captured:
        send(api, "POST", URL, [{"iso2": "FRA"}, {"iso2": "IT"}])
    log_queries = [q["sql"] for q in captured.captured_queries if "exchangelog_" in q["sql"]]
    assert len(log_queries) == 2  # one INSERT for the exchange, one bulk INSERT for the items


def test_dry_run_is_logged_as_rolled_back_and_not_replayable(api, settings):
    pytest.importorskip("dataexchange.engine.execute.dryrun")  # SPEC B7, built alongside
    settings.EXCHANGE_LOG = {**settings.EXCHANGE_LOG, "ITEMS": "all"}
    response = send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}], **{"X-Dry-Run": "true"})
    assert response.status_code == 201
    exchange = only_exchange()
    assert (exchange.dry_run, exchange.status, exchange.rolled_back_count) == (True, "processed", 1)
    (item,) = exchange.items.all()
    assert item.status == "rolled_back"
    assert not item.is_replayable
    assert country_rows() == []


def test_write_is_recorded_before_the_response_in_the_data_transaction(writer):
    """The record of a write that reached the engine is part of the data's transaction: it
    exists before the response leaves, and vanishes with the data if an outer transaction
    (ATOMIC_REQUESTS) rolls back."""
    from django.db import transaction

    from rest_framework.test import APIRequestFactory, force_authenticate

    from dataexchange.api.views import DynamicEntityView

    request = APIRequestFactory().post(URL, {"data": [{"iso2": "DE", "name": "G"}]}, format="json")
    force_authenticate(request, user=writer)
    with transaction.atomic():  # as ATOMIC_REQUESTS would wrap the view, rolled back
        response = DynamicEntityView.as_view()(request, alias="exl-countries")
        assert str(only_exchange().id) == response["X-Request-Id"]
        assert country_rows() == [("DE", "G")]
        transaction.set_rollback(True)
    assert not Exchange.objects.exists()
    assert country_rows() == []


def test_bad_token_is_rejected_and_never_stored(db):
    from rest_framework.test import APIClient

    client = APIClient()
    response = send(client, "POST", URL, [{"iso2": "DE"}], Authorization="Bearer s3cr3t-t0ken")
    assert response.status_code == 401
    exchange = only_exchange()
    assert (exchange.status, exchange.http_status, exchange.error_codes) == (
        "rejected",
        401,
        ",001,",
    )
    assert exchange.client == "anonymous"
    stored = [str(v) for v in Exchange.objects.values_list().get()]
    assert not any("s3cr3t" in value for value in stored)


def test_api_key_client_is_named_and_its_key_never_stored(countries, writer):
    from django.core.cache import cache

    from rest_framework.test import APIClient

    from dataexchange.auth.models import ApiKey, EndpointPermission

    cache.clear()
    key = ApiKey(name="erp", owner=writer)
    raw = key.set_new_key()
    key.save()
    EndpointPermission.objects.create(endpoint=countries, api_key=key, can_create=True)
    response = send(APIClient(), "POST", f"{URL}?api_key={raw}", [{"iso2": "DE", "name": "DE"}])
    assert response.status_code == 201
    exchange = only_exchange()
    assert exchange.client == f"API key erp (#{key.pk})"
    assert (exchange.api_key_id, exchange.user, exchange.query) == (key.pk, writer, "")
    stored = [str(v) for v in Exchange.objects.values_list().get()]
    assert not any(raw in value for value in stored)


def test_response_that_cannot_be_rendered_stores_nothing(api, monkeypatch):
    """The response is rendered before the commit: if rendering fails, the data rolls back,
    so no request answers 5xx after its data was committed."""

    def unrenderable(*args, **kwargs):
        raise TypeError("Recursion limit reached")

    monkeypatch.setattr("dataexchange.engine.serve.write_result", unrenderable)
    response = send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}])
    assert response.status_code == 500
    assert country_rows() == []


def test_nul_in_what_was_sent_is_recorded_not_fatal(api):
    """PostgreSQL's text and jsonb refuse NUL: the record keeps U+FFFD in its place, and the
    request gets its real answer (the record is written in the data's transaction)."""
    response = send(api, "PATCH", URL + "/D%00E", {"name": "Germany"})
    assert response.status_code == 404
    exchange = only_exchange()
    assert exchange.entity_id == "D\ufffdE"
    response = send(api, "POST", URL, [{"iso2": "D\x00", "name": "N\x00"}, {"iso2": "FR"}])
    assert response.status_code == 400
    item = Exchange.objects.get(pk=response["X-Request-Id"]).items.get(index=0)
    assert "\x00" not in item.message and "\x00" not in item.path
