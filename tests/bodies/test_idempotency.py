"""Idempotency-Key on writes (IETF draft): the first answer per (caller, key) is kept with its
data; a retry of the same request replays it, another request with the key is 422 `1420`, a
retry while the first runs is 409 `1421` (the live tests: test_idempotency_live.py)."""

import datetime as dt
import io
import json
import zlib

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest
import zstandard
from rest_framework.test import APIClient

from dataexchange.idempotency import codec, statements
from dataexchange.idempotency.keys import BodyDigest, fingerprint_head, request_fingerprint
from dataexchange.idempotency.models import IdempotencyKey
from dataexchange.idempotency.store import State, prune_idempotency_keys
from tests.bodies.conftest import CSV, NDJSON, insert, row_count, rows
from tests.support.client import Api

KEY = "3f1c9a4e-5b7d-4c2a-9e8f-0a1b2c3d4e5f"
BODY = {"data": [{"code": "A1", "qty": 1}, {"code": "B2", "qty": 2}]}


def keyed(key=KEY, **headers):
    return {"Idempotency-Key": key, **headers}


def errors(response):
    body = response.json()
    return [(e["code"], e["status"], e["message"]) for e in body]


class TestReplay:
    def test_a_retry_gets_the_kept_answer_and_writes_nothing(self, api, items):
        first = api.post("items", BODY, headers=keyed())
        assert first.status_code == 201, first.content
        assert "Idempotent-Replayed" not in first
        again = api.post("items", BODY, headers=keyed())
        assert again.status_code == 201
        assert again.content == first.content
        assert again["Idempotent-Replayed"] == "true"
        assert again["Content-Type"] == "application/json"
        assert again["X-Request-Id"] != first["X-Request-Id"]
        assert row_count() == 2

    def test_the_quoted_structured_field_form_is_the_same_key(self, api, items):
        assert api.post("items", BODY, headers=keyed(f'"{KEY}"')).status_code == 201
        assert api.post("items", BODY, headers=keyed(KEY))["Idempotent-Replayed"] == "true"

    def test_headers_that_matter_are_replayed(self, api, items):
        pk = insert("A1", qty=1)
        body = {"data": {"qty": 5}}
        first = api.patch(f"items/{pk}", body, headers=keyed())
        insert("Z9")  # the table changes; the answer does not
        again = api.patch(f"items/{pk}", body, headers=keyed())
        assert (again.status_code, again.content) == (200, first.content)
        assert again["ETag"] == first["ETag"]

    def test_an_error_of_the_write_is_kept_too(self, api, items):
        insert("A1")
        first = api.post("items", BODY, headers=keyed())
        assert [e[0] for e in errors(first)] == ["1309"]
        api.delete("items", **{"filter[items.code]": "A1"})
        again = api.post("items", BODY, headers=keyed())
        assert (again.status_code, again.content) == (400, first.content)
        assert again["Idempotent-Replayed"] == "true"
        assert row_count() == 0

    def test_a_request_refused_before_it_ran_keeps_nothing(self, api, items):
        refused = api.post("items", raw="{not json", headers=keyed())
        assert errors(refused)[0][0] == "1301"
        assert not IdempotencyKey.objects.exists()
        assert api.post("items", BODY, headers=keyed()).status_code == 201

    def test_csv_bodies_and_deletes_are_kept(self, api, items):
        text = b"code,qty\nA1,1\n"
        first = api.post("items", raw=text, content_type=CSV, headers=keyed("csv-1"))
        again = api.post("items", raw=text, content_type=CSV, headers=keyed("csv-1"))
        assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
        assert again.content == first.content
        pk = first.json()["data"][0]["id_item"]
        assert api.delete(f"items/{pk}", headers=keyed("del-1")).status_code == 204
        again = api.delete(f"items/{pk}", headers=keyed("del-1"))
        replayed = (again.status_code, again.content, again["Idempotent-Replayed"])
        assert replayed == (204, b"", "true")

    def test_reads_ignore_the_header(self, api, items):
        insert("A1")
        for _ in range(2):
            response = api.get("items", headers=keyed())
            assert response.status_code == 200 and "Idempotent-Replayed" not in response
        assert not IdempotencyKey.objects.exists()


class TestStoredFormat:
    def test_answers_are_kept_as_zstandard_frames(self, api, items):
        first = api.post("items", BODY, headers=keyed())
        stored = bytes(IdempotencyKey.objects.get().content)
        assert stored[:4] == codec.ZSTD_MAGIC
        assert zstandard.ZstdDecompressor().decompress(stored) == first.content

    def test_an_answer_kept_zlib_compressed_by_an_earlier_version_still_replays(self, api, items):
        first = api.post("items", BODY, headers=keyed())
        IdempotencyKey.objects.update(content=zlib.compress(first.content, 1))
        again = api.post("items", BODY, headers=keyed())
        assert (again.status_code, again["Idempotent-Replayed"]) == (201, "true")
        assert again.content == first.content
        assert row_count() == 2

    @pytest.mark.parametrize("content", [b"", b"{}", b'{"data":[{"id":1}]}' * 5000])
    def test_both_formats_restore_every_body(self, content):
        assert codec.unpack(codec.pack(content)) == content
        assert codec.unpack(zlib.compress(content, 1)) == content
        assert codec.unpack(memoryview(codec.pack(content))) == content


class TestMismatch:
    REUSED = (
        "1420",
        422,
        "The `Idempotency-Key` was already used for a different request. Use a new key for a "
        "new request.",
    )

    @pytest.mark.parametrize(
        "change",
        [
            dict(body={"data": [{"code": "C3"}]}),
            dict(headers={"X-Is-Transactional": "false"}),
            dict(headers={"X-Dry-Run": "true"}),
            dict(params={"page[limit]": "1"}),
            dict(content_type="application/x-ndjson"),
        ],
    )
    def test_the_same_key_with_another_request_is_refused(self, api, items, change):
        assert api.post("items", BODY, headers=keyed()).status_code == 201
        body = json.dumps(change.get("body", BODY))
        response = api.request(
            "POST",
            "items",
            raw=body,
            headers=keyed(**change.get("headers", {})),
            content_type=change.get("content_type"),
            **change.get("params", {}),
        )
        assert errors(response) == [self.REUSED]
        assert row_count() == 2

    def test_another_method_or_path_with_the_key_is_refused(self, api, items):
        pk = insert("A1")
        assert api.patch(f"items/{pk}", {"data": {"qty": 1}}, headers=keyed()).status_code == 200
        response = api.put(f"items/{pk}", {"data": {"qty": 1}}, headers=keyed())
        assert errors(response) == [self.REUSED]

    def test_another_caller_has_keys_of_its_own(self, api, items, django_user_model):
        assert api.post("items", BODY, headers=keyed()).status_code == 201
        other = django_user_model.objects.create_superuser("bod-other", "o@example.com", None)
        client = APIClient()
        client.force_authenticate(user=other)
        response = Api(client).post("items", {"data": [{"code": "C3"}]}, headers=keyed())
        assert response.status_code == 201 and "Idempotent-Replayed" not in response
        assert rows("code") == [("A1",), ("B2",), ("C3",)]


class TestKeySyntax:
    @pytest.mark.parametrize("key", ["", '""', "x" * 256, "tab\there", "naïve", 'a"b', "a\\b"])
    def test_a_value_that_is_not_a_key_is_refused(self, api, items, key):
        response = api.post("items", BODY, headers=keyed(key))
        assert errors(response) == [
            (
                "1410",
                400,
                "Invalid value for header `Idempotency-Key`: a key is 1 to 255 printable ASCII "
                'characters without `"` or `\\`, optionally in double quotes.',
            )
        ]
        assert row_count() == 0

    def test_the_longest_key_is_accepted(self, api, items):
        assert api.post("items", BODY, headers=keyed("k" * 255)).status_code == 201


class TestRunningAndExpiry:
    def claim_row(self, superuser, **values):
        now = timezone.now()
        return IdempotencyKey.objects.create(
            caller=f"user:{superuser.pk}",
            key=KEY,
            fingerprint=values.pop("fingerprint"),
            attempt="00000000-0000-0000-0000-000000000001",
            lease_until=values.pop("lease_until"),
            created_at=now,
            expires_at=now + dt.timedelta(hours=24),
        )

    def fingerprint_of_body(self, api, superuser):
        """Send BODY once with the key and read the fingerprint it was stored under."""
        api.post("items", BODY, headers=keyed())
        row = IdempotencyKey.objects.get()
        api.delete("items", **{"filter[items.code]": '{"in":["A1","B2"]}'})
        row.delete()
        return row.fingerprint

    def test_a_retry_while_the_first_runs_is_409_with_retry_after(self, api, items, superuser):
        fingerprint = self.fingerprint_of_body(api, superuser)
        lease = timezone.now() + dt.timedelta(seconds=30)
        self.claim_row(superuser, fingerprint=fingerprint, lease_until=lease)
        response = api.post("items", BODY, headers=keyed())
        ((code, status, message),) = errors(response)
        assert (code, status) == ("1421", 409)
        assert 29 <= int(response["Retry-After"]) <= 30
        assert message == (
            "A request with this `Idempotency-Key` is still being processed. Try again in "
            f"{response['Retry-After']} seconds."
        )
        assert row_count() == 0

    def test_a_claim_whose_lease_ended_is_taken_over(self, api, items, superuser):
        fingerprint = self.fingerprint_of_body(api, superuser)
        lease = timezone.now() - dt.timedelta(seconds=1)
        row = self.claim_row(superuser, fingerprint=fingerprint, lease_until=lease)
        assert api.post("items", BODY, headers=keyed()).status_code == 201
        row.refresh_from_db()
        assert row.state == "done" and str(row.attempt) != "00000000-0000-0000-0000-000000000001"
        assert api.post("items", BODY, headers=keyed())["Idempotent-Replayed"] == "true"
        assert row_count() == 2

    def test_an_expired_key_runs_again_and_is_pruned(self, api, items, settings):
        assert api.post("items", BODY, headers=keyed()).status_code == 201
        IdempotencyKey.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        again = api.post("items", BODY, headers=keyed())
        assert "Idempotent-Replayed" not in again
        assert [e[0] for e in errors(again)] == ["1309", "1309"]  # it ran: the rows exist
        assert IdempotencyKey.objects.count() == 1
        assert prune_idempotency_keys() == 0
        later = timezone.now() + dt.timedelta(hours=24, seconds=1)
        assert prune_idempotency_keys(now=later) == 1
        assert not IdempotencyKey.objects.exists()

    def test_the_time_to_live_is_a_setting(self, api, items, settings):
        settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "IDEMPOTENCY_TTL_SECONDS": 60}
        before = timezone.now()
        api.post("items", BODY, headers=keyed())
        row = IdempotencyKey.objects.get()
        assert dt.timedelta(seconds=59) < row.expires_at - before < dt.timedelta(seconds=61)


class TestCost:
    def statements(self, api, body, headers):
        with CaptureQueriesContext(connection) as captured:
            assert api.post("items", body, headers=headers).status_code == 201
        return [query["sql"] for query in captured.captured_queries]

    def test_a_key_adds_two_statements_the_claim_and_the_keep(self, api, items):
        api.post("items", {"data": [{"code": "W0"}]})  # compiles the endpoint
        without = self.statements(api, {"data": [{"code": "A1"}]}, {})
        with_key = self.statements(api, {"data": [{"code": "B2"}]}, keyed())
        added = [sql for sql in with_key if "idempotency" in sql]
        assert len(with_key) - len(without) == len(added) == 2, added
        assert added[0].startswith("INSERT") and added[1].startswith("UPDATE")

    def test_values_sent_as_they_are_are_what_their_fields_would_send(self, db):
        columns = {*statements.CLAIM_COLUMNS, *statements.KEEP_COLUMNS, *statements.KEEP_WHERE}
        fields = [IdempotencyKey._meta.get_field(name) for name in sorted(columns)]
        as_is = [field for field in fields if isinstance(field, statements.AS_IS)]
        names = {field.name for field in as_is}
        assert names == {"caller", "key", "fingerprint", "state", "content_type"}
        for field in as_is:
            for value in ("user:7", "", State.DONE):
                assert field.get_db_prep_save(value, connection) is value, field.name

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage setting")
    def test_answers_stay_in_their_row_uncompressed_by_postgresql_with_room(self, db):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.attstorage, c.reloptions FROM pg_attribute a JOIN pg_class c"
                " ON c.oid = a.attrelid WHERE c.relname = %s AND a.attname = 'content'",
                [IdempotencyKey._meta.db_table],
            )
            assert cursor.fetchone() == ("e", ["toast_tuple_target=8160", "fillfactor=50"])


@pytest.mark.parametrize("block", [1, 7, 4096])
def test_a_streamed_body_has_the_fingerprint_of_the_same_bytes_read_at_once(block):
    meta = {"CONTENT_TYPE": NDJSON, "HTTP_PREFER": "respond-async"}
    body = b'{"code":"A1"}\n{"code":"B2","name":"\xc3\xa9"}\n' * 50
    digest = BodyDigest(fingerprint_head("POST", "/p", "a=1", meta), io.BytesIO(body))
    while digest.read(block):
        pass
    assert digest.hexdigest() == request_fingerprint("POST", "/p", "a=1", meta, body)
    unread = BodyDigest(fingerprint_head("POST", "/p", "a=1", meta), io.BytesIO(body))
    assert unread.read(5) == body[:5]  # the rest is hashed when the fingerprint is asked for
    assert unread.hexdigest() == digest.hexdigest()
    assert unread.hexdigest() != request_fingerprint("POST", "/p", "a=2", meta, body)


def test_a_write_run_again_keeps_only_its_own_answer(db):
    """A write retried after a lost lock conflict (exchangelog.conflicts) runs `keeping` again:
    what the first run kept rolled back with it, so a retry whose lone item fails (its
    transaction rolled back, nothing kept in it) must leave its answer to be kept after."""
    from django.db import transaction

    from dataexchange.engine.render.result import json_result
    from dataexchange.engine.serve import keeping

    class Keep:
        kept = False

        def __call__(self, result):
            self.kept = True

    keep = Keep()
    with transaction.atomic():
        keeping(lambda: json_result({"data": []}), keep)()
    assert keep.kept

    def lone_item_failed():
        transaction.set_rollback(True)
        return json_result([{"code": "1309"}], 400)

    with transaction.atomic():
        keeping(lone_item_failed, keep)()
    assert not keep.kept
