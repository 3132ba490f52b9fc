"""Malformed and oversized requests get a clear 4xx in the API's error shape, cheaply, before
anything reads more than it must (issue items 11 and 12), and API responses are `no-store`."""

import io
import json

import pytest

from dataexchange.api.guard import TOKEN_MAX_BODY_BYTES
from tests.auth.conftest import PASSWORD, thing_rows
from tests.edge.conftest import URL, error, send

BAD_LENGTH = error(
    "1416", 400, "Malformed request: `Content-Length` must be a non-negative integer."
)
TOO_MANY = error("1414", 400, "Too many query parameters: the maximum is 1000.")
NOT_A_TOKEN_BODY = error(
    "1416",
    400,
    "Malformed request: `/token` takes a form (`application/x-www-form-urlencoded`) or JSON.",
)


class Unreadable(io.RawIOBase):
    """A request body that must never be read."""

    def read(self, size=-1):
        raise AssertionError("the body was read")


class Endless(io.RawIOBase):
    """An endless body of `x` that counts the bytes read from it."""

    def __init__(self):
        self.taken = 0

    def read(self, size=-1):
        size = 8192 if size is None or size < 0 else min(size, 8192)
        self.taken += size
        return b"x" * size


def too_big(size, limit):
    return error("1408", 413, f"Request body of {size} bytes exceeds the maximum of {limit} bytes.")


def query(count):
    return "&".join(f"p{i}=1" for i in range(count))


@pytest.mark.parametrize("length", ["abc", "-1", "1.5", " 12", "\uff11\uff12", "0x10"])
@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE", "GET"])
def test_malformed_content_length(client, things, as_boss, method, length):
    before = thing_rows()
    body = json.dumps({"data": [{"name": "gamma"}]})
    response = send(client, method, URL, body, CONTENT_LENGTH=length, **as_boss)
    assert response.json() == BAD_LENGTH
    assert thing_rows() == before


def test_declared_body_over_the_cap_is_refused_unread(client, things, as_boss, settings):
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "MAX_BODY_BYTES": 1000}
    extra = {"CONTENT_LENGTH": "1001", "wsgi.input": Unreadable()}
    response = send(client, "DELETE", f"{URL}/1", **extra, **as_boss)
    assert response.json() == too_big(1001, 1000)


@pytest.mark.parametrize("credentials", [False, True])
def test_more_query_parameters_than_django_takes(client, things, as_boss, credentials):
    headers = as_boss if credentials else {}
    response = client.get(f"{URL}?{query(1001)}", **headers)
    assert response.json() == TOO_MANY
    at_the_cap = client.get(f"{URL}?{query(1000)}", **headers)  # unknown names are ignored
    assert at_the_cap.status_code == (200 if credentials else 403)


def test_query_string_over_the_cap(client, things, as_boss, settings):
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "MAX_QUERY_STRING_BYTES": 100}
    path = f"{URL}?filter[things.name]={'x' * 90}"
    response = client.get(path, **as_boss)
    assert response.status_code == 414
    assert response.json() == error(
        "1413", 414, "Query string of 110 bytes exceeds the maximum of 100 bytes."
    )
    assert client.get(path[:-10], **as_boss).status_code == 200


def test_a_long_in_filter_is_served(client, things, as_boss):
    """The default cap (64 KiB) takes an `in` list of 1,100 six-digit ids (about 11 KB)."""
    ids = [100000 + i for i in range(1100)]
    response = client.get(URL, {"filter[things.qty]": json.dumps({"in": [1, *ids]})}, **as_boss)
    assert response.status_code == 200 and [row["name"] for row in response.json()["data"]] == [
        "alpha"
    ]


class TestToken:
    def test_json_body_over_the_cap(self, client, user):
        body = json.dumps({"grant_type": "password", "username": "clerk", "password": "x" * 70000})
        response = client.post("/token", body, content_type="application/json")
        assert response["Content-Type"] == "application/json"
        assert response.json() == too_big(len(body), TOKEN_MAX_BODY_BYTES)

    def test_a_json_body_nested_too_deep_for_the_parser_is_a_bad_request(self, client, user):
        body = "[" * 30000 + "]" * 30000
        response = client.post("/token", body, content_type="application/json")
        assert response.status_code == 400
        assert response.json()[0]["code"] == "invalid_request"

    def test_a_huge_upload_is_refused_unread(self, client, user):
        extra = {"CONTENT_LENGTH": str(200 * 1024 * 1024), "wsgi.input": Unreadable()}
        response = send(client, "POST", "/token", **extra)
        assert response.json() == too_big(200 * 1024 * 1024, TOKEN_MAX_BODY_BYTES)

    def test_a_chunked_body_is_read_up_to_the_cap_only(self, client, user):
        stream = Endless()
        extra = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": stream}
        response = send(client, "POST", "/token", **extra)
        assert response.json() == error(
            "1408",
            413,
            f"Request body of more than {TOKEN_MAX_BODY_BYTES} bytes exceeds the maximum of "
            f"{TOKEN_MAX_BODY_BYTES} bytes.",
        )
        assert stream.taken == TOKEN_MAX_BODY_BYTES + 1

    def test_a_chunked_form_within_the_cap_is_read(self, client, user):
        body = f"grant_type=password&username=clerk&password={PASSWORD}".encode()
        extra = {
            "HTTP_TRANSFER_ENCODING": "chunked",
            "wsgi.input": io.BytesIO(body),  # a de-chunked stream: ends at its end
        }
        form = "application/x-www-form-urlencoded"
        response = client.generic("POST", "/token", content_type=form, **extra)
        assert response.status_code == 200, response.content
        assert response.json()["token_type"] == "Bearer"

    @pytest.mark.parametrize("media_type", ["text/plain", "application/xml", ""])
    def test_other_media_types_are_refused(self, client, user, media_type):
        body = f"grant_type=password&username=clerk&password={PASSWORD}"
        response = client.generic("POST", "/token", body, content_type=media_type)
        assert response.json() == NOT_A_TOKEN_BODY

    def test_a_form_with_too_many_fields(self, client, user):
        response = client.generic(
            "POST", "/token", query(1001), content_type="application/x-www-form-urlencoded"
        )
        assert response.json() == TOO_MANY

    def test_a_multipart_form_with_too_many_fields(self, client, user):
        part = '--b\r\nContent-Disposition: form-data; name="f"\r\n\r\n\r\n'
        body = part * 1001 + "--b--\r\n"
        assert len(body) < TOKEN_MAX_BODY_BYTES
        response = client.generic("POST", "/token", body, "multipart/form-data; boundary=b")
        assert response.json() == TOO_MANY

    def test_multipart_and_json_logins_still_work(self, client, user):
        data = {"grant_type": "password", "username": "clerk", "password": PASSWORD}
        assert client.post("/token", data).status_code == 200
        assert client.post("/token", data, format="json").status_code == 200


class TestNoStore:
    def test_on_every_data_response(self, client, things, as_boss):
        responses = [
            client.get(URL, **as_boss),
            client.get(f"{URL}/999999", **as_boss),
            client.get("/dynamic-entity/nothing-here", **as_boss),
            client.get(URL),
            client.post(URL, {"data": [{"name": "gamma"}]}, format="json", **as_boss),
            client.delete(f"{URL}?filter[things.name]=gamma", **as_boss),
            client.get(URL, HTTP_X_DRY_RUN="nope", **as_boss),
        ]
        statuses = [response.status_code for response in responses]
        assert statuses == [200, 404, 404, 403, 201, 204, 400]
        assert all(response["Cache-Control"] == "no-store" for response in responses)

    def test_on_token_answers(self, client, user):
        good = client.post("/token", {"grant_type": "password", "username": "clerk",
                                      "password": PASSWORD})  # fmt: skip
        bad = client.post("/token", {"grant_type": "nope"})
        assert good["Cache-Control"] == bad["Cache-Control"] == "no-store"

    def test_not_on_other_pages(self, client, db):
        assert "no-store" not in client.get("/api/schema/").get("Cache-Control", "")
