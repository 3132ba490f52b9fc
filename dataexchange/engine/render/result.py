"""Render stage's product: what a request answered, independent of who asked (HTTP today, a job's
result store later). The JSON body is rendered inside the pipeline, before a write commits, so
that a body that cannot be rendered rolls the data back; a stream is a generator of bytes."""

from dataclasses import dataclass, field

import orjson

JSON = "application/json"


@dataclass(slots=True)
class Result:
    """Status, headers and body of an answer."""

    status_code: int
    content: bytes = b""
    headers: dict = field(default_factory=dict)
    content_type: str = JSON
    stream: object = None  # an iterator of bytes for streamed exports

    @property
    def streaming(self):
        return self.stream is not None


def json_result(payload, status=200, headers=None):
    """Return the Result answering `payload` as JSON (204: no body at all)."""
    body = b"" if status == 204 else orjson.dumps(payload, option=orjson.OPT_PASSTHROUGH_DATACLASS)
    return Result(status, body, dict(headers or {}))


def error_result(errors, status=None, headers=None):
    """Return the A7 error body: a top-level array of {message, status, code}."""
    status = status or errors[-1].status
    return json_result([error.as_dict() for error in errors], status, headers)
