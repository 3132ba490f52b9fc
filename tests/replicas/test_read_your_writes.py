"""Read-your-own-writes bookkeeping on every backend: a write through the API records when its
user wrote, and the credential lookups (token and API key, on the primary) say whether that was
within READ_YOUR_WRITES_SECONDS. The routing itself is tested against a real standby
(test_standby.py)."""

from django.contrib.auth import get_user_model

import pytest

from core.env import replica_databases
from dataexchange import replicas
from dataexchange.auth.models import AccessToken, ApiKey, LastWrite
from tests.support.ddl import create_tables, drop_tables
from tests.support.endpoints import make_endpoint
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)

TABLE = "dx_rp_note"
URL = "/dynamic-entity/notes"


@pytest.fixture(scope="module")
def notes_table(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        create_tables({TABLE: "id {pk}, name VARCHAR(20) NOT NULL"})
    yield
    with django_db_blocker.unblock():
        drop_tables(TABLE)


@pytest.fixture
def with_replicas(monkeypatch):
    """Behave as a process configured with one replica (its connection is never used here:
    inside a test's transaction every read stays on the primary)."""
    monkeypatch.setattr(replicas, "replica_aliases", lambda: ("replica_1",))


@pytest.fixture
def user(db):
    return get_user_model().objects.create_superuser("rp-user", "rp@example.com", "pw")


def token_lookup(user):
    return AccessToken.objects.find_access(AccessToken.objects.issue(user)[1])


def key_lookup(user):
    key = ApiKey(name="rp-key", owner=user)
    raw = key.set_new_key()
    key.save()
    return ApiKey.objects.find(raw)


@pytest.mark.parametrize("lookup", [token_lookup, key_lookup])
def test_credential_lookup_says_whether_the_user_wrote_within_the_window(
    with_replicas, user, settings, lookup
):
    assert lookup(user).recent_write is False
    LastWrite.objects.record(user.pk)
    assert lookup(user).recent_write is True
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "READ_YOUR_WRITES_SECONDS": 0}
    assert lookup(user).recent_write is False


def test_without_replicas_the_lookup_reads_nothing_more(user, django_assert_num_queries):
    LastWrite.objects.record(user.pk)
    raw = AccessToken.objects.issue(user)[1]
    with django_assert_num_queries(1) as captured:
        assert AccessToken.objects.find_access(raw).recent_write is None
    assert "lastwrite" not in captured.captured_queries[0]["sql"]
    assert not hasattr(key_lookup(user), "recent_write")


def test_record_keeps_one_row_per_user_with_the_latest_time(user):
    LastWrite.objects.record(user.pk)
    first = LastWrite.objects.get().written_at
    LastWrite.objects.record(user.pk)
    assert LastWrite.objects.count() == 1
    assert LastWrite.objects.get().written_at > first


def test_a_write_records_its_time_and_a_dry_run_or_a_read_does_not(
    with_replicas, notes_table, user, client
):
    make_endpoint("notes", TABLE, "id", [("id", "integer", {}), ("name", "string", {})])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.objects.issue(user)[1]}"}
    body = '{"data": [{"id": 1, "name": "one"}]}'
    assert client.get(URL, **headers).status_code == 200
    dry = client.post(URL, body, "application/json", HTTP_X_DRY_RUN="true", **headers)
    assert dry.status_code == 201
    assert not LastWrite.objects.exists()
    assert client.post(URL, body, "application/json", **headers).status_code == 201
    assert LastWrite.objects.get().user_id == user.pk


def test_without_replicas_a_write_records_nothing(notes_table, user, client):
    make_endpoint("notes", TABLE, "id", [("id", "integer", {}), ("name", "string", {})])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {AccessToken.objects.issue(user)[1]}"}
    response = client.post(
        URL, '{"data": [{"id": 2, "name": "two"}]}', "application/json", **headers
    )
    assert response.status_code == 201
    assert not LastWrite.objects.exists()


def test_replica_urls_become_mirrored_aliases():
    databases = replica_databases(
        ["postgres://u@standby-1:5432/dx", "postgres://u@standby-2:5432/dx"]
    )
    assert list(databases) == ["replica_1", "replica_2"]
    assert databases["replica_2"]["HOST"] == "standby-2"
    assert databases["replica_1"]["TEST"] == {"MIRROR": "default"}
    assert replica_databases([]) == {}
