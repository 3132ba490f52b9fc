"""Execute stage — optimistic concurrency (SPEC B8): `If-Match` on PATCH/PUT/DELETE `/{id}` and
write ETags.

The current row is read and compared in the transaction of the write itself, locked with
`SELECT ... FOR UPDATE` where the backend has it (PostgreSQL, MariaDB; SQLite locks the whole
database for a write anyway), so no other writer slips in between the check and the write.
"""

import re
from contextlib import contextmanager

from django.db import transaction

from dataexchange.engine.execute.read import identifier_condition
from dataexchange.engine.query import sql
from dataexchange.engine.query.cursor import db_cursor
from dataexchange.engine.query.dialects import dialect
from dataexchange.engine.render.etag import etag_of, tag_matches
from dataexchange.errors import Code, fail

GUARDED_METHODS = {"PATCH", "PUT", "DELETE"}
HEADER = "If-Match"
# RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; a WSGI header value is latin-1,
# so obs-text is \x80-\xff. Possessive quantifiers keep a failed match linear.
ETAGC = r"[\x21\x23-\x7e\x80-\xff]"
TAG = rf'(?:W/)?"{ETAGC}*+"'
TAG_RE = re.compile(rf'(W/)?"({ETAGC}*+)"')
# A list with empty elements allowed (RFC 9110 §5.6.1): `#entity-tag`.
TAG_LIST_RE = re.compile(rf"[ \t,]*+(?:{TAG}(?:[ \t]*+,[ \t,]*+{TAG})*+)?+[ \t,]*+")


def parse_if_match(value):
    """Return '*' or the strong tags of an If-Match value (weak tags never match, RFC 9110
    §13.1.1); raise 1410 when the value is neither `*` nor a list of quoted entity tags."""
    if value.strip(" \t") == "*":
        return "*"
    if not TAG_LIST_RE.fullmatch(value):
        fail(
            Code.BAD_HEADER,
            header=HEADER,
            reason='expected `*` or quoted entity tags (`"<tag>", ...`)',
        )
    return tuple(f'"{tag}"' for weak, tag in TAG_RE.findall(value) if not weak)


def current_etag(endpoint, url_id):
    """Return the ETag of the row with identifier `url_id`, locked for update; None if absent."""
    condition = identifier_condition(endpoint, url_id)
    if condition is None:
        return None
    where, params = sql.where_clause((condition,))
    lock = dialect().for_update_sql
    with db_cursor() as cursor:
        cursor.execute(
            f"SELECT {endpoint.select_list} FROM {endpoint.quoted_table}{where}{lock}", params
        )
        row = cursor.fetchone()
    return None if row is None else etag_of(endpoint, row)


@contextmanager
def if_match(method, header, endpoint, url_id):
    """Run the block in a transaction after checking the `If-Match` value `header`; raise 412
    1407 on a mismatch.

    Without the header, or on other routes, the block runs unchanged. A DELETE on an endpoint
    that is not deletable skips the check so that its 405 wins (RFC 9110 §13.2.1).
    """
    guarded = method in GUARDED_METHODS and url_id is not None and header is not None
    if not guarded or (method == "DELETE" and not endpoint.deletable):
        yield
        return
    with transaction.atomic():
        if not tag_matches(parse_if_match(header), current_etag(endpoint, url_id)):
            path = endpoint.alias if method == "DELETE" else f"{endpoint.alias}[0]"
            fail(Code.PRECONDITION_FAILED, errorPath=path)
        yield


def check_precondition_access(header, endpoint, may_view):
    """Raise 1404 `view` when a caller who may not view `endpoint` sends `If-Match`: comparing
    a guessed tag with the row's would tell the row's content (an ETag is a hash of it)."""
    if not may_view and header is not None:
        fail(Code.PERMISSION_DENIED, action="view", aliasName=endpoint.alias)


def tag_written(result, endpoint, outcomes, url_id):
    """Add the ETag of the row written by a successful `/{id}` write to its result."""
    if url_id is None or len(outcomes) != 1 or outcomes[0].errors or outcomes[0].row is None:
        return result
    result.headers["ETag"] = etag_of(endpoint, outcomes[0].row)
    return result
