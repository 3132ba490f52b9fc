"""Business-key references in asynchronous writes: each chunk resolves its own keys in bulk."""

from django.core.management import call_command

from tests.businesskeys.conftest import configure, seed
from tests.businesskeys.test_references import price, prices
from tests.support.fixtures import fresh_registry  # noqa: F401  (autouse here)

ASYNC = {"Prefer": "respond-async", "X-Is-Transactional": "false"}


def test_a_job_resolves_references_chunk_by_chunk(transactional_db, api, settings):
    seed()
    configure()
    settings.DATA_EXCHANGE_JOBS = {"CHUNK_SIZE": 2}
    items = [price("A-1", "EUR", 1), price("B-2", "USD", 2), price("NOPE", "EUR", 3)]
    status, body, response = api("POST", "prices", {"data": items}, headers=ASYNC)
    assert status == 202, body
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    status, body, _ = api("GET", response["Location"])
    assert body["data"]["items"] == {"total": 3, "succeeded": 2, "failed": 1}
    assert prices() == {("A-1", "EUR"): 1, ("B-2", "USD"): 2}
    status, body, _ = api("GET", f"{response['Location']}/results")
    assert status == 200, body
    assert "1434" in str(body)
