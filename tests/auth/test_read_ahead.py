"""A bearer-token GET of one row reads its credential and its row in one statement where the
database has lateral joins (api.read_ahead); it must answer exactly as the regular path, with
every refusal (token, version, throttles, permissions) judged before anything read is answered."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from dataexchange.auth.models import AccessToken, EndpointPermission
from dataexchange.engine.query.dialects import dialect
from dataexchange.models import EndpointField
from tests.auth.conftest import bearer, grant, thing_id

URL = "/dynamic-entity/things"
VOLATILE = {"X-Request-Id", "Date"}


def answer(response):
    headers = {k: v for k, v in response.headers.items() if k not in VOLATILE}
    return response.status_code, headers, response.content


@pytest.fixture
def regular(monkeypatch):
    """Return a function that sends a GET through the regular path (two statements)."""

    def send(client, path, **headers):
        with monkeypatch.context() as patch:
            patch.setattr(type(dialect()), "lateral_join", False)
            return client.get(path, **headers)

    return send


def reads_ahead():
    return connection.vendor == "postgresql"


def test_a_get_of_one_row_is_one_statement(client, things, superuser):
    headers = bearer(superuser)
    client.get(URL, **headers)  # compiles the endpoint: reading ahead plans on what is served
    path = f"{URL}/{thing_id('alpha')}"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    assert response.status_code == 200
    assert response.json()["data"]["name"] == "alpha"
    statements = [q["sql"] for q in queries.captured_queries]
    if reads_ahead():
        assert len(statements) == 1 and "LEFT JOIN LATERAL" in statements[0]
    else:
        assert len(statements) == 2


@pytest.mark.parametrize(
    "suffix",
    [
        "/{alpha}",
        "/{alpha}?fields=name",
        "/{alpha}?include=nope",
        "/{alpha}?filter[things.name]=beta",
        "/999999",
        "/not-a-number",
        "/{alpha}?fields=unknown",
        "",
        "?page[limit]=1",
        "?page[offset]=1&page[limit]=1",
        "?filter[things.qty]=2",
        "?filter[things.qty]=nope",
        "?fields=qty",
        "?sort=-qty",
        "?page[limit]=100000",
    ],
)
def test_answers_equal_the_regular_path(client, things, superuser, regular, suffix):
    headers = bearer(superuser)
    client.get(URL, **headers)
    path = URL + suffix.format(alpha=thing_id("alpha"))
    assert answer(client.get(path, **headers)) == answer(regular(client, path, **headers))


def token_headers(user, **changes):
    """Return Authorization headers of a new access token of `user` with `changes` stored."""
    token, access, _ = AccessToken.objects.issue(user)
    AccessToken.objects.filter(pk=token.pk).update(**changes)
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def test_a_page_keeps_its_order_and_its_count(client, things, superuser, regular):
    with connection.cursor() as cursor:
        for n in range(30):
            cursor.execute(f"INSERT INTO dx_auth_thing (name, qty) VALUES ('n{n:02d}', {n % 7})")
    headers = {**bearer(superuser), "HTTP_PREFER": "count=exact"}
    client.get(URL, **headers)
    for path in (f"{URL}?sort=-qty&page[limit]=20", f"{URL}?sort=qty,name&page[offset]=3"):
        ahead, again = client.get(path, **headers), regular(client, path, **headers)
        assert answer(ahead) == answer(again)
        assert len(ahead.json()["data"]) > 5


def test_refused_tokens_are_answered_as_the_regular_path_does(client, things, superuser, regular):
    client.get(URL, **bearer(superuser))
    path = f"{URL}/{thing_id('alpha')}"
    now = timezone.now()
    revoked = token_headers(superuser, revoked_at=now)
    expired = token_headers(superuser, expires_at=now - timedelta(seconds=1))
    for refused in (revoked, expired, {"HTTP_AUTHORIZATION": "Bearer not-a-token"}):
        response = client.get(path, **refused)
        assert response.status_code == 401
        assert b"alpha" not in response.content
        assert answer(response) == answer(regular(client, path, **refused))


def test_an_inactive_user_is_refused(client, things, django_user_model, regular):
    user = django_user_model.objects.create_user("sleeper", password=None)
    grant(things, "view", user=user)
    headers = bearer(user)
    client.get(URL, **headers)
    django_user_model.objects.filter(pk=user.pk).update(is_active=False)
    path = f"{URL}/{thing_id('alpha')}"
    response = client.get(path, **headers)
    assert response.status_code in (401, 403) and b"alpha" not in response.content
    assert answer(response) == answer(regular(client, path, **headers))


def test_without_view_permission_nothing_read_is_answered(client, things, user, regular):
    grant(things, "create", user=user)  # not view
    headers = bearer(user)
    client.get(URL, **headers)
    path = f"{URL}/{thing_id('alpha')}"
    response = client.get(path, **headers)
    assert response.status_code == 403
    assert response.json()[0]["code"] == "1404"
    assert b"alpha" not in response.content
    assert answer(response) == answer(regular(client, path, **headers))
    EndpointPermission.objects.filter(user=user).update(can_view=True)  # at once (grants version)
    assert client.get(path, **headers).json()["data"]["name"] == "alpha"


def test_a_configuration_change_is_served_at_once(client, things, superuser):
    """The row read ahead was planned on the configuration served before; when the statement's
    version says it changed, the row is planned and read again on the new one."""
    headers = bearer(superuser)
    path = f"{URL}/{thing_id('alpha')}"
    assert set(client.get(path, **headers).json()["data"]) == {"id_thing", "name", "qty"}
    field = EndpointField.objects.get(endpoint=things, column_name="qty")
    field.visible_name = "quantity"
    field.save()
    things.save()  # the admin saves the endpoint with its fields: a new configuration version
    assert set(client.get(path, **headers).json()["data"]) == {"id_thing", "name", "quantity"}
