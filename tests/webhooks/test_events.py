"""`job.finished` and `exchange.failed` are put into the outbox in the transaction that ends
the job or records the exchange, and cost no query when nobody subscribed to them."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from rest_framework.test import APIClient

from dataexchange import registry
from dataexchange.jobs.models import Job
from dataexchange.jobs.services import job_cancel
from dataexchange.webhooks.models import Delivery
from dataexchange.webhooks.outbox import exchange_failed
from tests.support.client import Api
from tests.webhooks.conftest import ALIAS, run_worker, subscribe

URL = f"/dynamic-entity/{ALIAS}"


@pytest.fixture
def api(endpoint, admin_user):
    client = APIClient()
    client.force_authenticate(user=admin_user)
    return Api(client)


def test_an_asynchronous_job_that_finishes_is_sent(api, endpoint, receiver):
    subscribe(receiver.url, ["job.finished"], [endpoint])
    status, _, response = api(
        "POST", URL, {"data": [{"code": "J1", "qty": 1}, {"code": "J2", "qty": 2}]},
        headers={"Prefer": "respond-async"},
    )  # fmt: skip
    assert status == 202
    run_worker()  # runs the job, whose last chunk emits job.finished; then the delivery
    (request,) = receiver.received
    payload = json.loads(request.body)
    job = Job.objects.get()
    assert payload["type"] == "job.finished" and payload["endpoint"] == ALIAS
    assert payload["job"]["id"] == str(job.id)
    assert (payload["job"]["status"], payload["job"]["itemsSucceeded"]) == ("succeeded", 2)


def test_a_cancelled_job_is_sent_once(endpoint, receiver, admin_user):
    subscribe(receiver.url, ["job.finished"])  # no endpoints named: every endpoint
    job = Job.objects.create(user=admin_user, client="admin", endpoint=ALIAS, method="POST")
    job_cancel(job=job)
    run_worker()
    assert [json.loads(r.body)["job"]["status"] for r in receiver.received] == ["cancelled"]


def test_a_failed_exchange_is_sent(api, endpoint, receiver):
    subscribe(receiver.url, ["exchange.failed"], [endpoint])
    status, _, _ = api("POST", URL, {"data": [{"code": "X1", "qty": "many"}]})
    assert status == 400
    run_worker()
    (request,) = receiver.received
    payload = json.loads(request.body)
    assert payload["type"] == "exchange.failed"
    exchange = payload["exchange"]
    assert (exchange["method"], exchange["status"]) == ("POST", "failed")
    assert exchange["failedCount"] == 1
    assert exchange["errorCodes"]


def test_a_successful_write_emits_nothing(api, endpoint, receiver):
    subscribe(receiver.url, ["exchange.failed", "job.finished"], [endpoint])
    status, _, _ = api("POST", URL, {"data": [{"code": "X2", "qty": 1}]})
    assert status == 201
    assert not Delivery.objects.exists()


def test_no_subscription_no_query(endpoint):
    class Failed:
        endpoint, id, method, path, http_status, status = ALIAS, 1, "POST", "/", 400, "failed"
        error_code_list, item_count, failed_count, client, created_at = [], 1, 1, "c", None

    registry.snapshot()  # as the request did: the version is known
    exchange_failed(Failed)  # compiles the (empty) routes of this version once
    with CaptureQueriesContext(connection) as queries:
        assert exchange_failed(Failed) == 0
    assert len(queries) == 0


def test_events_of_other_endpoints_are_not_sent(endpoint, receiver):
    from tests.support.endpoints import make_endpoint

    other = make_endpoint("other-hook", "hook_other_absent", "id", [("id", "integer", {})])
    subscribe(receiver.url, ["exchange.failed"], [other])

    class Failed:
        endpoint, id, method, path, http_status, status = ALIAS, 1, "POST", "/", 400, "failed"
        error_code_list, item_count, failed_count, client, created_at = [], 1, 1, "c", None

    assert exchange_failed(Failed) == 0


def test_api_writes_arrive_as_entity_events_with_the_row_as_shown(api, endpoint, receiver):
    from tests.webhooks.conftest import pump_and_deliver

    subscribe(receiver.url, ["entity.created", "entity.updated"], [endpoint])
    assert api("POST", URL, {"data": [{"code": "API1", "qty": 5}]})[0] == 201
    assert api("PATCH", URL, {"data": [{"code": "API1", "qty": 6}]})[0] == 200
    pump_and_deliver()
    payloads = [json.loads(r.body) for r in receiver.received]
    assert [(p["type"], p["identifier"], p["data"]["qty"]) for p in payloads] == [
        ("entity.created", "API1", 6),
        ("entity.updated", "API1", 6),
    ]
