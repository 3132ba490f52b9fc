"""The HTTP edge's answers: a pipeline Result, or a payload or errors of the edge itself
(authentication, the request guard, `/token`), as an HttpResponse."""

from django.http import HttpResponse, StreamingHttpResponse

from dataexchange.engine.render.result import error_result, json_result


def http_response(result):
    """Return the HttpResponse (or StreamingHttpResponse) answering `result`."""
    if result.streaming:
        response = StreamingHttpResponse(result.stream, content_type=result.content_type)
    else:
        response = HttpResponse(
            result.content, status=result.status_code, content_type=result.content_type
        )
    for name, value in result.headers.items():
        response[name] = value
    return response


def json_response(payload, status=200, headers=None):
    """Return an HttpResponse with `payload` serialised by orjson (204: no body at all)."""
    return http_response(json_result(payload, status, headers))


def error_response(errors, status=None, headers=None):
    """Return the A7 error body: a top-level array of {message, status, code}."""
    return http_response(error_result(errors, status, headers))
