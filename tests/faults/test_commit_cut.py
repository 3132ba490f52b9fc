"""A COMMIT cut by a dropped connection: the service learns from the exchange record whether the
write held, and answers success only if it did (exchangelog.durable)."""

from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, connections

import pytest
from rest_framework.test import APIClient

from dataexchange.exchangelog.models import Exchange
from tests.support.dbsessions import end_session_of
from tests.support.endpoints import make_endpoint

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="no connection to cut on SQLite"),
]

TABLE = "cc_item"
URL = "/dynamic-entity/cc-items"


@pytest.fixture
def api():
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"CREATE TABLE {TABLE} (code VARCHAR(20) PRIMARY KEY)")
    make_endpoint("cc-items", TABLE, "code", [{"column_name": "code", "type": "string"}])
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_superuser("cc", password="x"))
    yield client
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def stored():
    connection.close()  # the request's connection may be the one that was cut
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code FROM {TABLE}")
        return [row[0] for row in cursor.fetchall()]


def cut_commit(monkeypatch, *, after):
    """Make the next COMMIT fail on a cut connection, before or after the server committed."""
    wrapper = connections["default"]
    original = wrapper.commit

    def commit():
        monkeypatch.undo()
        if after:
            original()
        end_session_of(wrapper)
        if after:
            raise OperationalError("server closed the connection unexpectedly")
        original()

    monkeypatch.setattr(wrapper, "commit", commit)


def test_commit_cut_after_it_held_answers_success(api, monkeypatch):
    cut_commit(monkeypatch, after=True)
    response = api.post(URL, {"data": [{"code": "A"}]}, format="json")
    assert response.status_code == 201, response.content
    assert stored() == ["A"]
    assert Exchange.objects.filter(pk=response["X-Request-Id"], status="processed").exists()


def test_commit_cut_before_it_held_answers_503(api, monkeypatch):
    cut_commit(monkeypatch, after=False)
    response = api.post(URL, {"data": [{"code": "B"}]}, format="json")
    assert response.status_code == 503, response.content
    assert [error["code"] for error in response.json()] == ["1415"]
    assert response["Retry-After"]
    assert stored() == []
    assert api.post(URL, {"data": [{"code": "B"}]}, format="json").status_code == 201
