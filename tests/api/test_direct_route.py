"""Bearer-token requests are served by api.direct.DirectRouteMiddleware, past the middleware that
only browsers need; they must be answered exactly as the full stack answers everyone else."""

import re

from django.test import Client, override_settings

import pytest

from dataexchange.auth.models import AccessToken
from tests.api.conftest import add_item

VOLATILE = {"X-Request-Id", "ETag", "Date"}


@pytest.fixture
def items(items_endpoint):
    return {code: add_item(code) for code in ["AA", "BB"]}


@pytest.fixture
def bearer(superuser):
    _, raw, _ = AccessToken.objects.issue(superuser)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def stacked():
    """A client whose bearer requests go down the whole middleware stack: the direct route
    stands aside when DISALLOWED_USER_AGENTS is set (here to a pattern nothing matches)."""
    with override_settings(DISALLOWED_USER_AGENTS=[re.compile("^no agent is called this$")]):
        client = Client()
        client.get("/dynamic-entity/none")  # builds its middleware under the setting
    return client


def answer(response):
    headers = {k: ("*" if k in VOLATILE else v) for k, v in response.headers.items()}
    body = b"".join(response) if response.streaming else response.content
    return response.status_code, headers, body


@pytest.mark.parametrize(
    "path",
    [
        "/dynamic-entity/items",
        "/dynamic-entity/items?page[limit]=1",
        "/dynamic-entity/items/999999",
        "/dynamic-entity/unknown-alias",
        "/dynamic-entity/items?filter[nope]=1",
    ],
)
def test_a_bearer_request_is_answered_as_the_full_stack_answers(items, bearer, stacked, path):
    assert answer(Client().get(path, **bearer)) == answer(stacked.get(path, **bearer))


def test_an_item_route_and_a_write_match_too(items, bearer, stacked):
    path = f"/dynamic-entity/items/{items['AA']}"
    assert answer(Client().get(path, **bearer)) == answer(stacked.get(path, **bearer))
    body = '{"data": {"name": "renamed"}}'
    direct = Client().patch(path, body, content_type="application/json", **bearer)
    again = stacked.patch(path, body, content_type="application/json", **bearer)
    assert answer(direct) == answer(again)
    assert direct["Content-Length"] == str(len(direct.content))
    assert direct["X-Frame-Options"] == "DENY"


def test_a_host_not_allowed_is_refused_on_the_direct_route(items, bearer):
    response = Client().get("/dynamic-entity/items", HTTP_HOST="evil.example", **bearer)
    assert response.status_code == 400
