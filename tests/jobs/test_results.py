"""`GET /jobs/<id>/results`: per-item results paged as JSON, streamed as NDJSON or CSV; CSV and
NDJSON request bodies; Idempotency-Key on an asynchronous write."""

import csv
import io
import json

from dataexchange.exchangelog.models import Exchange
from dataexchange.jobs.models import Job
from tests.jobs.conftest import LOOSE, URL, items, rows, run_worker, submit


def finished_job(api, settings, count=5, bad=(1,)):
    settings.DATA_EXCHANGE_JOBS = {"CHUNK_SIZE": 2}
    body = items(count)
    for index in bad:
        body[index]["qty"] = -1
    _, _, response = submit(api, "POST", body, headers=LOOSE)
    run_worker()
    return response["Location"] + "/results"


def streamed(response):
    return b"".join(response.streaming_content).decode()


def test_results_page(api, settings):
    path = finished_job(api, settings)
    status, body, _ = api("GET", path)
    assert status == 200
    results = body["data"]
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    assert results[0]["status"] == "succeeded" and isinstance(results[0]["identifier"], str)
    assert results[1]["status"] == "failed" and "identifier" not in results[1]
    (error,) = results[1]["errors"]
    assert error["code"] == "1306" and error["status"] == 400 and "job-items[1]" in error["message"]
    status, body, _ = api("GET", path, **{"page[offset]": 1, "page[limit]": 3})
    assert [r["index"] for r in body["data"]] == [1, 2, 3]
    status, body, _ = api("GET", path, **{"page[offset]": 0, "page[limit]": 10**6})
    assert status == 400 and body[0]["code"] == "1402"


def test_results_ndjson_and_csv(api, settings):
    path = finished_job(api, settings)
    response = api.get(path, headers={"Accept": "application/x-ndjson"})
    assert response["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in streamed(response).splitlines()]
    assert [(r["index"], r["status"]) for r in lines] == [
        (0, "succeeded"), (1, "failed"), (2, "succeeded"), (3, "succeeded"), (4, "succeeded"),
    ]  # fmt: skip
    response = api.get(path, headers={"Accept": "text/csv"})
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(streamed(response))))
    assert [row["status"] for row in table] == ["succeeded", "failed"] + ["succeeded"] * 3
    assert table[1]["code"] == "1306" and json.loads(table[1]["errors"])[0]["code"] == "1306"
    assert api.get(path, headers={"Accept": "image/png"}).status_code == 415


def test_csv_body_async(api):
    body = "code,name,qty\nC1,First,1\nC2,Second,x\nC3,Third,\\N\n"
    response = api.request("POST", URL, raw=body, headers={**LOOSE, "Content-Type": "text/csv"})
    assert response.status_code == 202, response.content
    run_worker()
    assert rows() == [("C1", "First", 1), ("C3", "Third", None)]
    job = Job.objects.get()
    assert (job.items_total, job.items_failed) == (3, 1)


def test_ndjson_body_async_bad_line_refused(api):
    body = '{"code": "N1", "name": "One"}\nnot json\n'
    response = api.request(
        "POST", URL, raw=body, headers={**LOOSE, "Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 400 and response.json()[0]["code"] == "1418"
    assert not Job.objects.exists()
    exchange = Exchange.objects.get()  # the refusal is logged, as a synchronous one
    assert (exchange.status, exchange.http_status, exchange.error_codes) == (
        "rejected",
        400,
        ",1418,",
    )


def test_idempotency_key_replays_the_202(api):
    headers = {**LOOSE, "Idempotency-Key": "job-1"}
    status, first, response = submit(api, "POST", items(2), headers=headers)
    assert status == 202
    status, again, replay = submit(api, "POST", items(2), headers=headers)
    assert status == 202 and replay["Idempotent-Replayed"] == "true"
    assert again["data"]["id"] == first["data"]["id"] and Job.objects.count() == 1
    run_worker()
    assert len(rows()) == 2
