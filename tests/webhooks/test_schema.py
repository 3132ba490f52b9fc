"""Every kind of payload actually sent validates against the schema the OpenAPI document
publishes (`components.schemas.WebhookEvent`), so the documentation cannot drift."""

import json

import pytest
from openapi_schema_validator import OAS30Validator, validate
from rest_framework.test import APIClient

from dataexchange.jobs.models import Job
from dataexchange.jobs.services import job_cancel
from dataexchange.openapi.webhooks import SCHEMAS
from dataexchange.webhooks.models import Delivery
from dataexchange.webhooks.outbox import webhook_test_send
from tests.support.client import Api
from tests.webhooks.conftest import ALIAS, change, pump_and_deliver, subscribe

ROOT = {**SCHEMAS["WebhookEvent"], "components": {"schemas": SCHEMAS}}


def test_every_payload_kind_matches_the_documented_schema(endpoint, receiver, admin_user):
    events = ["entity.created", "entity.updated", "entity.deleted", "job.finished",
              "exchange.failed"]  # fmt: skip
    subscription = subscribe(receiver.url, events, [endpoint])
    change("V", "create", qty=1)
    change("V", "update", qty=2)
    change("U", "create")
    change("U", "delete")
    job_cancel(job=Job.objects.create(user=admin_user, endpoint=ALIAS, method="POST"))
    client = APIClient()
    client.force_authenticate(user=admin_user)
    Api(client)("POST", f"/dynamic-entity/{ALIAS}", {"data": [{"code": "V", "qty": 1}]})
    webhook_test_send(subscription)
    pump_and_deliver()
    payloads = [json.loads(r.body) for r in receiver.received]
    kinds = {p["type"] for p in payloads}
    assert kinds == {*events, "webhook.test"}
    for payload in payloads:
        validate(payload, ROOT, cls=OAS30Validator)
    assert Delivery.objects.filter(status="delivered").count() == len(payloads) == 7


def test_the_schema_refuses_a_payload_that_breaks_it():
    with pytest.raises(Exception, match="'cursor' is a required property"):
        validate({"type": "entity.created", "endpoint": "x"}, ROOT, cls=OAS30Validator)
