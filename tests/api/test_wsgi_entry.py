"""core.wsgi's handler (api.wsgi.ApiWSGIHandler) serves bearer API requests by a short way in;
every answer must be what Django's own WSGIHandler gives, headers included."""

import io
import sys

from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import override_settings

import orjson
import pytest

from dataexchange.api import wsgi as api_wsgi
from dataexchange.api.wsgi import ApiWSGIHandler
from dataexchange.auth.models import AccessToken
from tests.api.conftest import add_item

VOLATILE = {"X-Request-Id"}


@pytest.fixture
def token(transactional_db, items_endpoint, superuser):
    _, raw, _ = AccessToken.objects.issue(superuser)
    yield raw
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dxa_item")


def call(app, method, path, *, token=None, body=None, **extra):
    """Send one request to the WSGI `app`; return (status, headers without volatile ones, body)."""
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body or b""),
        "wsgi.errors": sys.stderr, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_ACCEPT": "application/json",
        **extra,
    }  # fmt: skip
    if token is not None:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if body is not None:
        environ.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
    started = []
    response = app(
        environ, lambda status, headers, exc_info=None: started.append((status, headers))
    )
    content = b"".join(response)
    response.close()
    status, headers = started[0]
    return status, sorted((k, v) for k, v in headers if k not in VOLATILE), content


def both(method, path, **kwargs):
    """Return the answers of the short way and of Django's handler to the same request."""
    short, full = ApiWSGIHandler(), WSGIHandler()
    assert short.short
    return call(short, method, path, **kwargs), call(full, method, path, **kwargs)


@pytest.mark.parametrize(
    "path",
    [
        "/dynamic-entity/items",
        "/dynamic-entity/items/{id}",
        "/dynamic-entity/items/999999",
        "/dynamic-entity/items?filter[nope]=1",
        "/dynamic-entity/unknown",
        "/dynamic-entity/items/{id}/more",  # no route: the full stack's 404
        "/dynamic-entity/items?" + "&".join(["a=1"] * 1200),  # refused by the request guard
    ],
)
def test_reads_are_answered_as_by_djangos_handler(token, path):
    path = path.format(id=add_item("AA"))
    short, full = both("GET", path, token=token)
    assert short == full
    assert short[0] != "500 Internal Server Error"


def test_writes_and_refusals_are_answered_as_by_djangos_handler(token):
    body = orjson.dumps({"data": [{"code": "W1", "title": "written"}]})
    short = call(ApiWSGIHandler(), "POST", "/dynamic-entity/items", token=token, body=body)
    assert short[0] == "201 Created"
    duplicate = both("POST", "/dynamic-entity/items", token=token, body=body)
    assert duplicate[0] == duplicate[1]
    assert both("GET", "/dynamic-entity/items", token="not-a-token")[0][0].startswith("401")
    short, full = both("GET", "/dynamic-entity/items", token=token, HTTP_HOST="evil.example")
    assert short == full and short[0].startswith("400")
    short, full = both("GET", "/dynamic-entity/items", token=token, CONTENT_LENGTH="x")
    assert short == full and short[0].startswith("400")


def test_the_short_way_is_taken_only_for_bearer_api_routes(token, monkeypatch):
    taken = []
    chain = ApiWSGIHandler.__init__

    def watched(self, *args, **kwargs):
        chain(self, *args, **kwargs)
        inner = self.chain
        self.chain = lambda request: taken.append(request.path) or inner(request)

    monkeypatch.setattr(ApiWSGIHandler, "__init__", watched)
    app = ApiWSGIHandler()
    call(app, "GET", "/dynamic-entity/items", token=token)
    call(app, "GET", "/dynamic-entity/items")  # no bearer token: the full stack
    call(app, "GET", "/dynamic-entity/items", token=token, SCRIPT_NAME="/mounted")
    call(app, "GET", "/admin/login/", token=token)
    assert taken == ["/dynamic-entity/items"]


def test_settings_the_short_way_cannot_honour_turn_it_off(transactional_db):
    middleware = list(api_wsgi.FRONT_MIDDLEWARE) + ["django.middleware.common.CommonMiddleware"]
    assert ApiWSGIHandler().short
    with override_settings(MIDDLEWARE=middleware[1:]):
        assert not ApiWSGIHandler().short
    with override_settings(FORCE_SCRIPT_NAME="/mounted/"):
        assert not ApiWSGIHandler().short
    with override_settings(DISALLOWED_USER_AGENTS=["nobody"]):
        assert not ApiWSGIHandler().short


def test_an_extra_request_started_receiver_turns_it_off():
    from django.core.signals import request_started

    def receiver(**kwargs):
        pass

    assert api_wsgi.started_receivers_known()
    request_started.connect(receiver)
    try:
        assert not api_wsgi.started_receivers_known()
    finally:
        request_started.disconnect(receiver)
