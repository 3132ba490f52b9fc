"""A COMMIT cut by a dropped connection, with an Idempotency-Key: the kept answer commits or
vanishes with the data, so the client's retry replays a write that held and runs one that did
not; each row is stored once either way (exchangelog.durable learns which happened)."""

from django.db import OperationalError, connection, connections

import pytest

from dataexchange.idempotency.models import IdempotencyKey
from tests.faults.test_commit_cut import api, stored  # noqa: F401  (fixture)
from tests.support.dbsessions import end_session_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor == "sqlite", reason="no connection to cut on SQLite"),
]

URL = "/dynamic-entity/cc-items"
HEADERS = {"Idempotency-Key": "cut-1"}


def cut_commit(monkeypatch, *, after):
    """Make the request's COMMIT (the data's: the key's claim commits on its own, as one
    autocommitted statement) fail on a cut connection, before or after the server committed;
    return the list that records the cut, so that a test can show it happened."""
    wrapper = connections["default"]
    original = wrapper.commit
    cuts = []

    def commit():
        monkeypatch.undo()
        cuts.append(1)
        if after:
            original()
        end_session_of(wrapper)
        if after:
            raise OperationalError("server closed the connection unexpectedly")
        original()

    monkeypatch.setattr(wrapper, "commit", commit)
    return cuts


def post(api, code):  # noqa: F811
    return api.post(URL, {"data": [{"code": code}]}, format="json", headers=HEADERS)


def test_a_cut_commit_that_held_is_replayed_on_retry(api, monkeypatch):  # noqa: F811
    cuts = cut_commit(monkeypatch, after=True)
    first = post(api, "A")
    assert first.status_code == 201, first.content
    assert cuts == [1]
    again = post(api, "A")
    assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
    assert again.content == first.content
    assert stored() == ["A"]


def test_a_cut_commit_that_failed_leaves_the_key_free_for_the_retry(api, monkeypatch):  # noqa: F811
    cuts = cut_commit(monkeypatch, after=False)
    assert post(api, "B").status_code == 503
    assert cuts == [1]
    assert not IdempotencyKey.objects.exists()
    again = post(api, "B")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert post(api, "B")["Idempotent-Replayed"] == "true"
    assert stored() == ["B"]
