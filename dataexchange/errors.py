"""The one catalogue of API errors: codes, HTTP statuses and exact message templates.

Code ranges:
  001–011    transport and authentication (Glue in Spryker): 001/002 token, 007 not found,
             010 Accept, 011 filter format
  1301–1318  Spryker Data Exchange validation and persistence errors (SPEC A7)
  1400–1499  our extensions (SPEC Part B); 1408 body too large, 1409 throttled,
             1410 bad header value, 1411 delete cap, 1412 body depth, 1413/1414 query
             string too long / too many parameters, 1415 unavailable (retry), 1416
             malformed request, 1417 paging on DELETE, 1418 CSV/NDJSON body format,
             1419 body charset, 1420/1421 Idempotency-Key reused / still in progress;
             1425–1427 asynchronous jobs (1425 transactional job too large, 1426 job
             already finished, 1427 chunk abandoned after repeated worker deaths);
             1428–1431 the change feed (1428 cursor expired, 1429 malformed cursor,
             1430 bad limit or wait)
  500        an unexpected server fault (never with details)
A message template's `%name%` placeholders are filled from keyword arguments; call sites name
codes through `Code` (`Code.NOT_FOUND`), never by their digits. A placeholder left without a value
raises `UnfilledPlaceholder` when `settings.DATA_EXCHANGE_STRICT_ERRORS` is on (the tests), and is
otherwise emptied and logged, so a client never sees `%name%`.
"""

import logging
import re
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger(__name__)


class Code:
    """The symbolic names of the catalogue codes."""

    INVALID_TOKEN = "001"
    MISSING_TOKEN = "002"
    NOT_FOUND = "007"
    UNSUPPORTED_ACCEPT = "010"
    FILTER_FORMAT = "011"
    DATA_FORMAT = "1301"
    PERSIST_FAILED = "1302"
    PERSIST_NULL = "1302-null"
    ENTITY_NOT_FOUND = "1303"
    IMMUTABLE_FIELD = "1304"
    INVALID_TYPE = "1305"
    INVALID_VALUE = "1306"
    REQUIRED_FIELD = "1307"
    NEW_IDENTIFIER = "1308"
    DUPLICATE_ENTRY = "1309"
    MISSING_IDENTIFIER = "1310"
    UNKNOWN_FIELD = "1311"
    RELATION_NOT_FOUND = "1313"
    RELATION_NOT_EDITABLE = "1314"
    FILTER_FIELD_NOT_FOUND = "1315"
    URL_FORMAT = "1316"
    HAS_CHILDREN = "1317"
    METHOD_NOT_ALLOWED = "1318"
    BATCH_TOO_LARGE = "1401"
    PAGE_LIMIT = "1402"
    DELETE_WITHOUT_FILTER = "1403"
    PERMISSION_DENIED = "1404"
    INVALID_FILTER = "1405"
    SORT_FIELD_NOT_FOUND = "1406"
    PRECONDITION_FAILED = "1407"
    BODY_TOO_LARGE = "1408"
    THROTTLED = "1409"
    BAD_HEADER = "1410"
    DELETE_CAP = "1411"
    BODY_TOO_DEEP = "1412"
    QUERY_TOO_LONG = "1413"
    TOO_MANY_PARAMETERS = "1414"
    UNAVAILABLE = "1415"
    MALFORMED_REQUEST = "1416"
    DELETE_PAGING = "1417"
    BODY_FORMAT = "1418"
    UNSUPPORTED_CHARSET = "1419"
    IDEMPOTENCY_KEY_REUSED = "1420"
    IDEMPOTENCY_IN_PROGRESS = "1421"
    JOB_TOO_LARGE = "1425"
    JOB_FINISHED = "1426"
    JOB_ABANDONED = "1427"
    CURSOR_EXPIRED = "1428"
    MALFORMED_CURSOR = "1429"
    FEED_PARAMETER = "1430"
    SERVER_ERROR = "500"


class UnfilledPlaceholder(AssertionError):
    """A message template placeholder got no value (a bug at the call site; raised in tests)."""


CATALOGUE = {
    "001": (401, "Invalid access token."),
    "002": (401, "Missing access token."),
    "007": (404, "Not found"),
    "010": (415, "Unsupported `Accept` format used."),
    "011": (
        400,
        "Unsupported `Filter` format is used. Please use `filter[resource.property]`",
    ),
    "1301": (
        400,
        "Invalid or missing data format. Please ensure that the data is provided in the correct "
        "format. Example request body: {'data':[{...},{...},..]}",
    ),
    "1302": (
        400,
        "Failed to persist the data for `%errorPath%`. Please verify the provided data and try "
        "again.",
    ),
    "1302-null": (
        400,
        "Failed to persist the data for `%errorPath%`. Please verify the provided data and try "
        "again. Field must not be null.",
    ),
    "1303": (404, "The entity `%errorPath%` could not be found in the database."),
    "1304": (400, "Modification of immutable field `%errorPath%.%fieldName%` is prohibited"),
    "1305": (400, "Invalid data type `%errorPath%` for field `%fieldName%`"),
    "1306": (
        400,
        "Invalid data value `%errorPath%` for field: `%fieldName%`. Field rules: %validationRules%",
    ),
    "1307": (400, "The required field must not be empty. Field: `%errorPath%.%fieldName%`"),
    "1308": (
        400,
        "Entity `%errorPath%.%identifier%` not found by identifier, and new identifier can not be "
        "persisted. Please update the request.",
    ),
    "1309": (
        400,
        "Failed to persist the data for `%errorPath%`. Please verify the provided data and try "
        "again. Entry is duplicated.",
    ),
    "1310": (400, "Incomplete Request - missing identifier for `%errorPath%`"),
    "1311": (400, "The provided `%errorPath%.%fieldName%` is incorrect or invalid."),
    "1313": (
        400,
        "Relation `%relationName%` not found. Please check the requested relation name and try "
        "again.",
    ),
    "1314": (422, "The relationship `%relationName%` is not editable by configuration."),
    "1315": (400, "Filter field `%filterField%` for table alias `%aliasName%` not found."),
    "1316": (
        400,
        "The URL is invalid. `%errorPath%` field `%fieldName%` must have a URL data format.",
    ),
    "1317": (
        400,
        "Failed to delete the data for `%errorPath%`. The entity has a child entity and can not "
        "be deleted. Child entity: `%childEntity%`.",
    ),
    "1318": (405, "Method not allowed for the entity `%aliasName%`."),
    "1401": (413, "Batch of %count% items exceeds the maximum of %max% for `%aliasName%`."),
    "1402": (400, "Page limit %limit% exceeds the maximum of %max% for `%aliasName%`."),
    "1403": (
        400,
        "Deleting without a filter is not allowed for `%aliasName%`. Give at least one filter.",
    ),
    "1404": (403, "Permission denied: `%action%` on `%aliasName%`."),
    "1405": (400, "Invalid filter `%filterField%` for table alias `%aliasName%`: %reason%."),
    "1406": (400, "Sort field `%field%` for table alias `%aliasName%` not found."),
    "1407": (412, "The entity `%errorPath%` was changed since it was read."),
    "1408": (413, "Request body of %size% bytes exceeds the maximum of %max% bytes."),
    "1409": (429, "Too many requests. Try again in %wait% seconds."),
    "1410": (400, "Invalid value for header `%header%`: %reason%."),
    "1411": (
        400,
        "Deleting more than %max% rows at once is not allowed for `%aliasName%`. Narrow the "
        "filter and repeat.",
    ),
    "1412": (400, "The request body is nested deeper than the maximum of %max% levels."),
    "1413": (414, "Query string of %size% bytes exceeds the maximum of %max% bytes."),
    "1414": (400, "Too many query parameters: the maximum is %max%."),
    "1415": (503, "The service is temporarily unavailable. Try again in %wait% seconds."),
    "1416": (400, "Malformed request: %reason%."),
    "1417": (400, "Paging is not supported by DELETE on `%aliasName%`. Narrow the filter instead."),
    "1418": (400, "Invalid %format% body at %position%: %reason%."),
    "1419": (415, "Unsupported charset `%charset%` for `%mediaType%` bodies: send UTF-8."),
    "1420": (
        422,
        "The `Idempotency-Key` was already used for a different request. Use a new key for a "
        "new request.",
    ),
    "1421": (
        409,
        "A request with this `Idempotency-Key` is still being processed. Try again in %wait% "
        "seconds.",
    ),
    "1425": (
        413,
        "A transactional job holds at most %max% items. Send the body with "
        "`X-Is-Transactional: false`, or split it.",
    ),
    "1426": (409, "Job `%id%` is already %status%."),
    "1427": (
        500,
        "Items `%first%`–`%last%` were abandoned after %attempts% attempts: every worker that "
        "took them stopped before finishing.",
    ),
    "1428": (
        410,
        "The cursor `%cursor%` is older than the oldest kept change: changes after it were "
        "pruned. Resynchronise: take a new cursor with `limit=0`, reload in full, then follow "
        "the feed from that cursor.",
    ),
    "1429": (400, "Invalid cursor `%cursor%`: pass a `cursor` or `nextCursor` this feed returned."),
    "1430": (400, "Invalid `%parameter%` value `%value%`: %reason%."),
    "500": (500, "Internal server error."),
}
PLACEHOLDER = re.compile(r"%([A-Za-z]+)%")
PLACEHOLDERS = {code: frozenset(PLACEHOLDER.findall(t)) for code, (_, t) in CATALOGUE.items()}


@dataclass(frozen=True, slots=True)
class ApiError:
    """One error as it goes over the wire: `{"message", "status", "code"}`."""

    code: str | None
    status: int
    message: str

    def as_dict(self):
        """Return the transactional-mode shape (message, status, code)."""
        return {"message": self.message, "status": self.status, "code": self.code}

    def as_item_dict(self):
        """Return the non-transactional-mode shape (code, status, message)."""
        return {"code": self.code, "status": self.status, "message": self.message}


def make_error(code, **params):
    """Return the ApiError for catalogue `code` with its template filled from `params`."""
    status, template = CATALOGUE[code]
    missing = PLACEHOLDERS[code].difference(params)
    if missing:
        params = {**params, **unfilled(code, missing)}
    message = template
    for key, value in params.items():
        message = message.replace(f"%{key}%", str(value))
    return ApiError(code.split("-")[0], status, message)


def unfilled(code, missing):
    """Return empty values for the `missing` placeholders of `code`, or raise
    UnfilledPlaceholder when `DATA_EXCHANGE_STRICT_ERRORS` is on."""
    names = ", ".join(sorted(missing))
    if getattr(settings, "DATA_EXCHANGE_STRICT_ERRORS", False):
        raise UnfilledPlaceholder(f"error {code}: no value for placeholder(s) {names}")
    logger.warning("Error %s: no value for placeholder(s) %s; left empty", code, names)
    return dict.fromkeys(missing, "")


class ApiException(Exception):
    """Raised to abort a request with one or more errors; rendered by the exception handler."""

    def __init__(self, errors, status=None, headers=None):
        if isinstance(errors, ApiError):
            errors = [errors]
        super().__init__(errors[0].message if errors else "")
        self.errors = list(errors)
        self.status = status or (self.errors[-1].status if self.errors else 400)
        self.headers = headers or {}


def fail(code, **params):
    """Raise an ApiException holding the single catalogue error `code`."""
    raise ApiException(make_error(code, **params))
