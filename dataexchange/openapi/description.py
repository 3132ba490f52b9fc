"""The general description of the API shown above the operations: access, conventions, errors."""

from dataexchange import conf
from dataexchange.errors import CATALOGUE

GUIDE = """
## Access
Get a token with `POST /token` (`grant_type=password`, your user name or e-mail and password) and
send it as `Authorization: Bearer <access_token>`, or send an API key in the `X-Api-Key` header or
the `api_key` query parameter. Without credentials the API answers 403 and this document lists
only the token endpoint; with them it lists the endpoints and methods you may use.

## Routes
Every resource is served under `{prefix}/<resource>` (list, create, update, upsert, delete by
filter) and `{prefix}/<resource>/{{id}}` (one row by its identifier). Bodies are JSON:
`{{"data": [{{...}}, {{...}}]}}` on collection routes and `{{"data": {{...}}}}` on `/{{id}}` routes.
A key holding a list is a relation: its child rows are written with the parent. The same items
may be sent as CSV (`Content-Type: text/csv`: a header row of field names, an empty cell not
sent, `\\N` for null) or NDJSON (`Content-Type: application/x-ndjson`: one object per line).

## Permissions
Each resource grants `view`, `create`, `update` and `delete` separately. A caller without `view`
on a resource never reads its rows through the other methods: write responses (POST, PATCH, PUT,
dry runs included) hold only each row's identifier and the fields sent, child rows judged by
their own resource's `view`; a DELETE that matches no row answers 204 as one that does (with
`view` it answers 404 `1303`).

## Transactions
By default a write runs in one transaction and any error rolls it back; the body is then a list of
errors. With the header `X-Is-Transactional: false` each item is written on its own and the body is
`{{"data": [written rows], "errors": [errors]}}`.

## Extensions
All optional; a client that sends none of them gets the plain behaviour above.
- Filter operators: `filter[<resource>.<field>]={{"gt":5}}`, a JSON object with one key of `in`,
  `notIn`, `ne`, `gt`, `gte`, `lt`, `lte`, `between`, `isNull`, `like`, `ilike`; a bad operand
  answers `1405`.
- `sort=name,-id` orders rows, `fields=a,b` returns only those fields; an unknown name answers
  `1406`.
- `Prefer: count=exact` on a list answers `X-Total-Count` and `Preference-Applied: count=exact`.
- `Accept: text/csv` or `Accept: application/x-ndjson` on a list streams every matching row.
  CSV string cells starting with `=`, `+`, `-`, `@`, tab, CR or LF get a leading `'` so
  spreadsheets do not run them; `Accept: text/csv; escape=none` (or NDJSON) gives exact values.
- A DELETE by filter removes at most the resource's row cap (`1411` beyond it, nothing
  deleted) and takes no `page[...]` parameters (`1417`); a filter value holding NUL matches no
  row.
- `X-Dry-Run: true` on a write or delete runs it and rolls it back; the response carries
  `X-Dry-Run: true`.
- `GET {prefix}/<resource>/{{id}}` answers an `ETag`; `If-Match` on PATCH, PUT and DELETE of
  `{prefix}/<resource>/{{id}}` answers 412 `1407` when the row changed since.
- Every response of the resource routes carries `X-Request-Id`, the id under which the
  exchange is logged.
- `Idempotency-Key: <key>` on a write makes retrying safe: the first answer is kept with its
  data, and a retry of the same request gets it again with `Idempotent-Replayed: true`.
- `GET /changes/<resource>?after=<cursor>` follows every insert, update and delete of a
  resource whose changes are tracked, whoever made them, in commit order (`limit=0`: the current
  cursor only; `wait=<seconds>`: long polling).

## Errors
Errors are a JSON list of `{{"message", "status", "code"}}`; the HTTP status is that of the last
error. The codes:

{codes}
"""


def general_description(summary):
    """Return `summary` followed by the guide to the API and its table of error codes."""
    prefix = "/" + conf.get("ROUTE_PREFIX").strip("/")
    rows = ["| code | HTTP | message |", "|---|---|---|"]
    for code, (status, message) in CATALOGUE.items():
        if "-" not in code:
            rows.append(f"| `{code}` | {status} | {message.replace('|', '&#124;')} |")
    guide = GUIDE.format(prefix=prefix, codes="\n".join(rows))
    return f"{summary}\n{guide}".strip()
