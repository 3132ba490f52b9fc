"""`/metrics`: who may scrape it, and what one scrape shows after requests of every kind (in one
process, through Django's test client)."""

import json

from django.test import override_settings

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.auth.conftest import grant, make_endpoint, make_key

SCRAPE_TOKEN = "scrape-secret-0123456789abcdef"


def scrape(client, **headers):
    """Return {(name, labels as a sorted tuple): value} of one scrape by a superuser's key."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted((k, str(v)) for k, v in labels.items()))), 0.0)


@pytest.fixture
def boss_key(superuser):
    _, raw = make_key(superuser)
    return {"HTTP_X_API_KEY": raw}


@pytest.fixture
def writer(transactional_db, things_table, superuser):
    """The `things` endpoint, and a superuser's API key with every right on it."""
    key, raw = make_key(superuser, name="writer")
    grant(make_endpoint(), "view", "create", "update", "delete", api_key=key)
    return {"HTTP_X_API_KEY": raw}


def test_without_a_credential_metrics_are_refused(client, db):
    response = client.get("/metrics")
    assert response.status_code == 403
    assert response.json()[0]["message"] == "Unauthorized request."  # as every API route


def test_a_user_who_is_not_a_superuser_is_refused(client, db, django_user_model):
    user = django_user_model.objects.create_user("clerk", password="x")
    _, raw = make_key(user)
    response = client.get("/metrics", HTTP_X_API_KEY=raw)
    assert response.status_code == 403
    assert response.json()[0]["code"] == "1404"


@override_settings(DATA_EXCHANGE={"METRICS_TOKEN": SCRAPE_TOKEN})
def test_the_scrape_credential_is_enough_and_a_wrong_one_is_not(client, db):
    ok = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {SCRAPE_TOKEN}")
    assert ok.status_code == 200 and b"dataexchange_jobs" in ok.content
    wrong = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {SCRAPE_TOKEN}x")
    assert (wrong.status_code, wrong.json()[0]["code"]) == (401, "001")  # an invalid token


def test_requests_items_and_failures_are_counted_per_endpoint(client, writer, boss_key):
    before = scrape(client, **boss_key)
    for _ in range(3):
        assert client.get("/dynamic-entity/things", **writer).status_code == 200
    body = {"data": [{"name": "ok", "qty": 1}, {"name": "bad", "qty": "many"}]}
    response = client.post(
        "/dynamic-entity/things",
        json.dumps(body),
        content_type="application/json",
        HTTP_X_IS_TRANSACTIONAL="false",
        **writer,
    )
    assert response.status_code in (200, 201, 207), response.content
    missing = client.get("/dynamic-entity/no-such-thing", **writer)
    assert missing.status_code == 404
    after = scrape(client, **boss_key)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("dataexchange_requests_total", endpoint="things", method="GET", status=200) == 3
    assert grew("dataexchange_requests_total", endpoint="-", method="GET", status=404) == 1
    assert grew("dataexchange_items_total", endpoint="things", method="POST", outcome="stored") == 1
    assert grew("dataexchange_items_total", endpoint="things", method="POST", outcome="failed") == 1
    assert grew("dataexchange_failures_total", endpoint="things", code="1305") == 1
    assert grew("dataexchange_failures_total", endpoint="-", code="007") == 1
    assert grew("dataexchange_request_duration_seconds_count", endpoint="things", method="GET") == 3
    # the unknown alias never became a label
    assert not any(dict(labels).get("endpoint") == "no-such-thing" for _, labels in after)


def test_a_transactional_batch_refused_as_a_whole_counts_its_errors_and_stores_nothing(
    client, writer, boss_key
):
    before = scrape(client, **boss_key)
    body = {"data": [{"name": "ok", "qty": 1}, {"name": "bad", "qty": "many"}]}
    response = client.post(
        "/dynamic-entity/things", json.dumps(body), content_type="application/json", **writer
    )
    assert response.status_code == 400
    after = scrape(client, **boss_key)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("dataexchange_failures_total", endpoint="things", code="1305") == 1
    assert grew("dataexchange_items_total", endpoint="things", method="POST", outcome="stored") == 0
    assert grew("dataexchange_requests_total", endpoint="things", method="POST", status=400) == 1


def test_the_queue_depth_comes_from_the_database(client, boss_key):
    samples = scrape(client, **boss_key)
    assert ("dataexchange_job_chunks_waiting", ()) in samples
    assert value(samples, "dataexchange_jobs", status="queued") == 0
