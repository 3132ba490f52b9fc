"""A configuration change saved through the ORM (as the admin saves it) is served by the next
request of every worker process: two gunicorn servers with two workers each, on the same
committed test database, each with its own in-process cache (SPEC issue 4)."""

import json
import os
import urllib.error
import urllib.request

from django.contrib.auth import get_user_model
from django.db import connection

import pytest

from dataexchange.auth.models import AccessToken
from dataexchange.models import Endpoint, EndpointField
from tests.api.conftest import make_endpoint
from tests.support.servers import database_url, free_port, start_server, stop_server

REQUESTS_PER_SERVER = 6  # enough to reach both workers of a server in practice
pytestmark = [pytest.mark.multiprocess, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def endpoint(transactional_db):
    """A committed endpoint over dxa_item with one committed row (removed afterwards)."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO dxa_item (code, name) VALUES ('AA', 'First')")
    yield make_endpoint(
        "reload-items",
        "dxa_item",
        "id_item",
        [
            {"column_name": "id_item", "type": "integer", "is_creatable": False},
            {"column_name": "code", "type": "string"},
            {"column_name": "name", "visible_name": "title", "type": "string"},
        ],
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dxa_item")


@pytest.fixture
def token(transactional_db):
    user = get_user_model().objects.create_superuser("reload", "reload@example.com", None)
    return AccessToken.objects.issue(user)[1]


@pytest.fixture
def servers(endpoint):
    """Two servers of two workers each, on the test database; each worker caches on its own."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CACHE_URL": "locmem://",
        "DEBUG": "0",
        "SECRET_KEY": "config-reload-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    ports = [free_port(), free_port()]
    processes = [start_server(port, env, workers=2) for port in ports]
    yield ports
    for process in processes:
        stop_server(process)


def call(port, method, path, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/dynamic-entity/{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def answers(servers, token, path="reload-items", method="GET", body=None):
    """Return the set of distinct answers of every server over several requests."""
    return {
        json.dumps(call(port, method, path, token, body))
        for port in servers
        for _ in range(REQUESTS_PER_SERVER)
    }


def only(answer_set):
    assert len(answer_set) == 1, answer_set
    return json.loads(next(iter(answer_set)))


def test_renamed_field_is_served_by_every_worker_at_its_next_request(servers, token):
    status, body = only(answers(servers, token))
    assert status == 200
    assert list(body["data"][0]) == ["id_item", "code", "title"]

    field = EndpointField.objects.get(endpoint__alias="reload-items", column_name="name")
    field.visible_name = "label_text"
    field.save()

    status, body = only(answers(servers, token))
    assert status == 200
    assert list(body["data"][0]) == ["id_item", "code", "label_text"]
    assert body["data"][0]["label_text"] == "First"


def test_deactivation_and_new_fields_reach_every_worker(servers, token):
    assert only(answers(servers, token))[0] == 200
    endpoint = Endpoint.objects.get(alias="reload-items")
    endpoint.is_active = False
    endpoint.save()
    assert only(answers(servers, token)) == [
        404,
        [{"message": "Not found", "status": 404, "code": "007"}],
    ]

    endpoint.is_active = True
    endpoint.save()
    EndpointField.objects.create(
        endpoint=endpoint, position=9, column_name="qty", visible_name="qty", type="integer"
    )
    status, body = only(answers(servers, token))
    assert status == 200
    assert body["data"][0]["qty"] is None


def test_changed_validation_rule_reaches_every_worker(servers, token):
    body = {"data": [{"code": "LONGER", "title": "t"}]}
    field = EndpointField.objects.get(endpoint__alias="reload-items", column_name="code")
    field.max_length = 3
    field.save()
    status, errors = only(answers(servers, token, method="POST", body=body))
    assert status == 400
    assert errors == [
        {
            "message": (
                "Invalid data value `reload-items[0]` for field: `code`. Field rules: max_length: 3"
            ),
            "status": 400,
            "code": "1306",
        }
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM dxa_item")
        assert cursor.fetchone()[0] == 1
