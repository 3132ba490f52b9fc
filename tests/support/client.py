"""The one JSON client of the tests for the Data Exchange routes, over a Django or DRF client."""

import json
from urllib.parse import quote

PREFIX = "/dynamic-entity"


def query_string(params):
    """Return a query string; keys like `filter[items.code]` are kept readable, list values
    repeat their key."""
    pairs = []
    for key, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append(f"{quote(key, safe='[]._')}={quote(str(item), safe='')}")
    return "&".join(pairs)


class Api:
    """Send JSON to the Data Exchange routes through a test client (`client`, whose
    authentication the caller chose). Paths without a leading `/` are under /dynamic-entity/;
    keyword arguments other than `raw` and `headers` are query parameters.

    `request` (and `get`, `post`...) return the response; calling the Api itself returns
    (status, parsed body or None, response).
    """

    def __init__(self, client):
        self.client = client

    def request(
        self, method, path, body=None, *, raw=None, headers=None, content_type=None, **params
    ):
        """Send `body` as JSON (or the `raw` text or bytes, as `content_type`) with `method`;
        return the response."""
        url = path if path.startswith("/") else f"{PREFIX}/{path}"
        if params:
            url += "?" + query_string(params)
        if raw is None and body is not None:
            raw = json.dumps(body)
        return self.client.generic(
            method.upper(),
            url,
            data=raw if raw is not None else "",
            content_type=content_type or "application/json",
            headers=headers or {},
        )

    def __call__(self, method, path, body=None, *, headers=None, **params):
        """Send like `request`; return (status, parsed JSON body or None, response)."""
        response = self.request(method, path, body, headers=headers, **params)
        if response.streaming:
            return response.status_code, None, response
        content = response.content
        return response.status_code, (json.loads(content) if content else None), response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request("POST", path, body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self.request("PATCH", path, body, **kwargs)

    def put(self, path, body=None, **kwargs):
        return self.request("PUT", path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)
