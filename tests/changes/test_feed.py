"""`GET /changes/<alias>`: the tracked endpoint's changes in order, rows as a GET shows them."""

from datetime import timedelta

from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

import pytest

from dataexchange.changes.retention import changes_prune
from dataexchange.config_io import endpoints_export, endpoints_import
from dataexchange.models import Endpoint
from tests.changes.conftest import ALIAS, FIELDS, TABLE, client_for, sql
from tests.config.helpers import change_form_data
from tests.support.ddl import create_tables, drop_tables
from tests.support.endpoints import make_endpoint

FEED = f"/changes/{ALIAS}"


@pytest.fixture
def other_table(item_table):
    """A second tracked-to-be table, `chg_other`."""
    create_tables({"chg_other": "id {pk}"})
    yield
    drop_tables("chg_other")


def feed(api, **params):
    """Return (status, body) of the feed."""
    status, body, _ = api("GET", FEED, **params)
    return status, body


def follow(api, cursor, **params):
    """Return (items, nextCursor) of the page after `cursor`."""
    if cursor is not None:
        params["after"] = cursor
    status, body = feed(api, **params)
    assert status == 200, body
    return body["data"], body["nextCursor"]


def test_api_writes_appear_with_the_row_as_a_get_shows_it(viewer):
    _, start = follow(viewer, None, limit=0)
    status, created, _ = viewer("POST", ALIAS, {"data": [{"code": "A", "name": "Apple"}]})
    assert status == 201
    row_id = created["data"][0]["id_item"]
    assert viewer("PATCH", f"{ALIAS}/{row_id}", {"data": {"qty": 5}})[0] == 200
    items, cursor = follow(viewer, start)
    now = {"id_item": row_id, "code": "A", "name": "Apple", "qty": 5}
    assert [(i["operation"], i["identifier"], i["data"]) for i in items] == [
        ("create", row_id, now),
        ("update", row_id, now),
    ]
    assert [i["cursor"] for i in items] == sorted((i["cursor"] for i in items), key=int)
    assert cursor == items[-1]["cursor"] and items[0]["changedAt"].endswith("+00:00")
    assert viewer("DELETE", f"{ALIAS}/{row_id}")[0] == 204
    items, _ = follow(viewer, cursor)
    assert [(i["operation"], i["identifier"], i["data"]) for i in items] == [
        ("delete", row_id, None)
    ]


def test_an_update_of_a_row_deleted_since_shows_null(viewer):
    sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (1, 'A', 'Apple')")
    sql(f"DELETE FROM {TABLE} WHERE id_item = 1")
    items, _ = follow(viewer, None)
    assert [(i["operation"], i["data"]) for i in items] == [("create", None), ("delete", None)]


def test_take_the_cursor_load_in_full_then_follow_without_a_gap(viewer):
    sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (1, 'A', 'Apple')")
    status, body = feed(viewer, limit=0)
    assert (status, body["data"]) == (200, [])
    cursor = body["nextCursor"]
    loaded = viewer("GET", ALIAS)[1]["data"]  # the full load, after taking the cursor
    sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (2, 'B', 'Banana')")
    items, cursor = follow(viewer, cursor)
    assert [row["id_item"] for row in loaded] == [1]
    assert [(i["operation"], i["identifier"]) for i in items] == [("create", 2)]
    assert follow(viewer, cursor) == ([], cursor)


def test_pages_of_limit_entries_chain_by_next_cursor(viewer):
    for n in range(1, 6):
        sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES ({n}, 'C{n}', 'n')")
    seen, cursor = [], None
    for _ in range(4):
        items, cursor = follow(viewer, cursor, limit=2)
        seen += [i["identifier"] for i in items]
    assert seen == [1, 2, 3, 4, 5]


def test_changes_of_other_tables_do_not_appear_and_move_the_cursor_on(viewer, other_table):
    make_endpoint("others", "chg_other", "id", [("id", "integer", {})], track_changes=True)
    sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (1, 'A', 'Apple')")
    sql("INSERT INTO chg_other (id) VALUES (1)")
    items, cursor = follow(viewer, None)
    assert [(i["operation"], i["identifier"]) for i in items] == [("create", 1)]
    assert int(cursor) > int(items[0]["cursor"])


def test_a_transaction_committing_late_is_not_skipped(viewer):
    """The issue's proof: A writes and stays open; B writes later and commits; the consumer
    reads and keeps nextCursor; A commits; reading on from that cursor returns A's change."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite lets one writer in at a time: B would wait for A")
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (1, 'A', 'A')")
        sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (2, 'B', 'B')")
        items, cursor = follow(viewer, None)
        assert [i["identifier"] for i in items] == [2]
        other.commit()
        items, _ = follow(viewer, cursor)
        assert [(i["operation"], i["identifier"]) for i in items] == [("create", 1)]
    finally:
        other.close()


def test_admin_switch_installs_capture_and_the_file_format_round_trips(
    item_table, admin_client, admin_user
):
    endpoint = make_endpoint(ALIAS, TABLE, "id_item", FIELDS)
    url = reverse("admin:dataexchange_endpoint_change", args=[endpoint.pk])
    data = change_form_data(admin_client.get(url))
    sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (1, 'A', 'Apple')")
    data["track_changes"] = "on"
    assert admin_client.post(url, data).status_code == 302
    sql(f"UPDATE {TABLE} SET name = 'Apricot' WHERE id_item = 1")
    api = client_for(admin_user)
    items, _ = follow(api, None)
    assert [(i["operation"], i["identifier"]) for i in items] == [("update", 1)]

    entries = endpoints_export(endpoints=Endpoint.objects.all())
    assert entries[0]["trackChanges"] is True
    entries[0].pop("trackChanges")  # absent means off
    endpoints_import(entries=entries, update=True)
    assert not Endpoint.objects.get().track_changes
    sql(f"UPDATE {TABLE} SET name = 'Avocado' WHERE id_item = 1")
    assert feed(api)[0] == 404


def test_the_feed_needs_view_permission(tracked, django_user_model):
    user = django_user_model.objects.create_user("stranger", "s@example.com", "pw-1!")
    status, body = feed(client_for(user))
    assert (status, body[0]["code"]) == (403, "1404")


def test_untracked_unknown_and_inactive_endpoints_are_not_found(item_table, admin_user):
    api = client_for(admin_user)
    make_endpoint(ALIAS, TABLE, "id_item", FIELDS)
    assert feed(api)[1][0]["code"] == "007"
    assert api("GET", "/changes/nothing-here")[1][0]["code"] == "007"
    Endpoint.objects.filter(alias=ALIAS).update(track_changes=True, is_active=False)
    assert api("GET", FEED)[:2] == (404, [{"message": "Not found", "status": 404, "code": "007"}])


def test_an_anonymous_caller_is_refused(tracked, api_client):
    assert api_client.get(FEED).status_code == 403


def test_a_cursor_beyond_the_log_is_refused_rather_than_skipping(viewer):
    """A cursor of another database, or of this one before a restore from backup."""
    sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (1, 'A', 'Apple')")
    _, cursor = follow(viewer, None)
    assert follow(viewer, cursor)[0] == []
    status, body = feed(viewer, after=str(int(cursor) + 1))
    assert (status, [e["code"] for e in body]) == (400, ["1429"])


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"after": "abc"}, "1429"),
        ({"after": "-1"}, "1429"),
        ({"after": "9" * 19}, "1429"),
        ({"limit": "-1"}, "1430"),
        ({"limit": "1001"}, "1430"),
        ({"limit": "ten"}, "1430"),
        ({"wait": "31"}, "1430"),
        ({"wait": "nan"}, "1430"),
        ({"wait": "-2"}, "1430"),
    ],
)
def test_malformed_parameters_are_refused(viewer, params, code):
    status, body = feed(viewer, **params)
    assert (status, [e["code"] for e in body]) == (400, [code])


def test_a_cursor_older_than_the_kept_changes_must_resynchronise(viewer, settings):
    sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (1, 'A', 'Apple')")
    _, cursor = follow(viewer, None)
    sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES (2, 'B', 'Banana')")
    items, _ = follow(viewer, None)
    settings.DATA_EXCHANGE_CHANGES = {"RETENTION_SECONDS": 60}
    assert changes_prune(now=timezone.now() + timedelta(seconds=61)) == 2
    status, body = feed(viewer, after=str(int(cursor) - 1))
    assert (status, body[0]["code"]) == (410, "1428")
    assert follow(viewer, items[-1]["cursor"])[0] == []  # at the newest pruned: nothing lost
    assert follow(viewer, None)[0] == []  # no cursor: from the oldest kept


def test_no_sql_runs_per_entry(viewer, django_assert_max_num_queries):
    for n in range(1, 21):
        sql(f"INSERT INTO {TABLE} (id_item, code, name) VALUES ({n}, 'C{n}', 'n')")
    follow(viewer, None, limit=1)  # numbered, and the caller's permissions read
    with django_assert_max_num_queries(12):
        items, _ = follow(viewer, None)
    assert len(items) == 20 and all(i["data"] for i in items)
