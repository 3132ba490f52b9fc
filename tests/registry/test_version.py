"""The configuration version: every change, even direct SQL, makes workers recompile."""

import json

from django.contrib.auth import get_user_model
from django.db import connection

import pytest

from dataexchange import registry
from dataexchange.models import ConfigurationVersion, EndpointField
from tests.support.endpoints import make_endpoint


@pytest.fixture
def widget_endpoint(transactional_db):
    """A raw-SQL table (DDL commits on MariaDB, hence a transactional test) and its endpoint."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS reg_widget")
        cursor.execute("CREATE TABLE reg_widget (id INTEGER PRIMARY KEY, name VARCHAR(20))")
    fields = [("id", "integer", {}), ("name", "string", {})]
    endpoint = make_endpoint("widgets", "reg_widget", "id", fields)
    yield endpoint
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS reg_widget")


@pytest.fixture
def client(transactional_db):
    from django.test import Client

    user = get_user_model().objects.create_superuser("reg", "reg@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def test_orm_save_and_direct_sql_both_bump_the_version(widget_endpoint):
    before = ConfigurationVersion.current()
    widget_endpoint.description = "changed"
    widget_endpoint.save()
    after_save = ConfigurationVersion.current()
    assert after_save > before
    EndpointField.objects.filter(endpoint=widget_endpoint).update(description="bulk")
    after_update = ConfigurationVersion.current()
    assert after_update > after_save
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dataexchange_endpointfield WHERE column_name = 'name'")
    assert ConfigurationVersion.current() > after_update


def test_snapshot_is_reused_until_the_version_changes(widget_endpoint):
    first = registry.snapshot()
    assert registry.snapshot() is first
    compiled = first.get("widgets")
    assert first.get("widgets") is compiled
    EndpointField.objects.filter(column_name="name").update(visible_name="title")
    second = registry.snapshot()
    assert second is not first
    assert [f.name for f in second.get("widgets").fields] == ["id", "title"]


def test_endpoint_repointed_at_a_disallowed_table_by_direct_sql_is_refused(widget_endpoint, client):
    response = client.get("/dynamic-entity/widgets")
    assert response.status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dataexchange_endpoint SET table_name = 'auth_user', identifier = 'id'"
            " WHERE alias = 'widgets'"
        )
    response = client.get("/dynamic-entity/widgets")
    assert response.status_code == 404
    assert json.loads(response.content) == [{"message": "Not found", "status": 404, "code": "007"}]
