"""Idempotency-Key on an asynchronous write: the body is hashed as it streams into chunks (never
held whole to fingerprint it), the claim waits for that hash only where it must (a retry while
the upload is read gets 409 at once; a retry of a finished one is hashed, then replayed or
refused), and a takeover of an abandoned upload still refuses another body."""

import datetime as dt
import tracemalloc

from django.test import RequestFactory
from django.urls import resolve
from django.utils import timezone

import orjson
import pytest
from rest_framework.test import force_authenticate

from dataexchange.engine.parse import bodies as parse_bodies
from dataexchange.idempotency import keys
from dataexchange.idempotency.models import IdempotencyKey
from dataexchange.jobs import bodies as jobs_bodies
from dataexchange.jobs.models import Job
from tests.jobs.conftest import LOOSE, URL, items, submit

NDJSON = "application/x-ndjson"


def ndjson(count, start=0):
    return b"".join(orjson.dumps(item) + b"\n" for item in items(count, start, name="x" * 90))


def upload(user, body, key):
    """Build a keyed NDJSON upload before any measuring starts; return a function serving it."""
    request = RequestFactory().post(
        URL, data=body, content_type=NDJSON, headers={**LOOSE, "Idempotency-Key": key}
    )
    force_authenticate(request, user=user)
    match = resolve(URL)
    return lambda: match.func(request, *match.args, **match.kwargs)


def peak_while(serve):
    """Return (response, the peak of Python allocations while `serve()` runs, in bytes)."""
    tracemalloc.start()
    try:
        response = serve()
        return response, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_keyed_upload_is_hashed_as_it_streams_never_held_whole(owner, settings, monkeypatch):
    settings.DATA_EXCHANGE_JOBS = {"CHUNK_SIZE": 100}
    # Small blocks, so that what the body is read in does not hide what scales with the body.
    monkeypatch.setattr(jobs_bodies, "READ_SIZE", 16 * 1024)
    monkeypatch.setattr(keys, "READ_SIZE", 16 * 1024)
    monkeypatch.setattr(parse_bodies, "READ_SIZE", 16 * 1024)
    upload(owner, ndjson(10), "warm-up")()  # one-time allocations (compiling the endpoint...)
    body = ndjson(10_000)  # 1.3 MB; what is not a copy of it peaks at about 0.4 MB
    response, peak = peak_while(upload(owner, body, "big-1"))
    assert response.status_code == 202, response.content
    assert Job.objects.get(pk=orjson.loads(response.content)["data"]["id"]).items_total == 10_000
    assert peak < len(body) / 2, (peak, len(body))
    # The retry is hashed the same way, block by block, and replays the kept 202.
    replay, peak = peak_while(upload(owner, body, "big-1"))
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (202, "true")
    assert replay.content == response.content and Job.objects.count() == 2
    assert peak < len(body) / 2, (peak, len(body))


def test_a_retry_with_another_body_is_refused_after_hashing_it(api):
    headers = {**LOOSE, "Idempotency-Key": "job-2"}
    assert submit(api, "POST", items(2), headers=headers)[0] == 202
    status, errors, _ = submit(api, "POST", items(3), headers=headers)
    assert (status, [e["code"] for e in errors]) == (422, ["1420"])
    assert Job.objects.count() == 1


def claim_row(owner, key, fingerprint, lease_seconds):
    now = timezone.now()
    return IdempotencyKey.objects.create(
        caller=f"user:{owner.pk}",
        key=key,
        fingerprint=fingerprint,
        attempt="00000000-0000-0000-0000-000000000001",
        lease_until=now + dt.timedelta(seconds=lease_seconds),
        created_at=now,
        expires_at=now + dt.timedelta(hours=24),
    )


@pytest.mark.parametrize("prefer", [LOOSE, {}], ids=["upload", "synchronous"])
def test_a_retry_while_an_upload_is_read_gets_409(api, owner, prefer):
    claim_row(owner, "job-3", "", lease_seconds=30)  # an upload whose body is being read
    status, errors, response = submit(
        api, "POST", items(2), headers={**prefer, "Idempotency-Key": "job-3"}
    )
    assert (status, [e["code"] for e in errors]) == (409, ["1421"])
    assert int(response["Retry-After"]) >= 29
    assert not Job.objects.exists()


def test_a_takeover_of_an_abandoned_upload_refuses_another_body(api, owner):
    assert submit(api, "POST", items(2), headers={**LOOSE, "Idempotency-Key": "job-4"})[0] == 202
    fingerprint = IdempotencyKey.objects.get(key="job-4").fingerprint
    assert len(fingerprint) == 64  # stored with the answer once the body was read
    claim_row(owner, "job-5", fingerprint, lease_seconds=-1)  # the same upload, abandoned
    headers = {**LOOSE, "Idempotency-Key": "job-5"}
    status, errors, _ = submit(api, "POST", items(3), headers=headers)
    assert (status, [e["code"] for e in errors]) == (422, ["1420"])
    assert Job.objects.count() == 1 and not IdempotencyKey.objects.filter(key="job-5").exists()
    claim_row(owner, "job-5", fingerprint, lease_seconds=-1)
    assert submit(api, "POST", items(2), headers=headers)[0] == 202
    row = IdempotencyKey.objects.get(key="job-5")
    assert (row.state, row.fingerprint, Job.objects.count()) == ("done", fingerprint, 2)
