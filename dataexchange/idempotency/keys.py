"""Parse stage for Idempotency-Key: the header's value, the request's fingerprint, the caller."""

import hashlib

from dataexchange.errors import Code, fail

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
BAD_KEY = (
    f'a key is 1 to {MAX_KEY_LENGTH} printable ASCII characters without `"` or `\\`, '
    "optionally in double quotes"
)
# Request headers that change what a write does: a retry must send them alike.
FINGERPRINT_HEADERS = (
    "CONTENT_TYPE",
    "HTTP_X_IS_TRANSACTIONAL",
    "HTTP_X_DRY_RUN",
    "HTTP_IF_MATCH",
    "HTTP_PREFER",
)


def parse_idempotency_key(value):
    """Return the key of an `Idempotency-Key` value (a Structured Fields string, or the bare
    text as most clients send it); raise 400 `1410` for a value that is not a key."""
    text = value.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    ok = 0 < len(text) <= MAX_KEY_LENGTH and all(
        " " <= char <= "~" and char not in '"\\' for char in text
    )
    if not ok:
        fail(Code.BAD_HEADER, header=HEADER, reason=BAD_KEY)
    return text


def request_fingerprint(method, path, query, meta, body):
    """Return the SHA-256 (hex) of what makes two writes the same request: method, path, query
    string, the headers that change a write (FINGERPRINT_HEADERS) and the body's bytes."""
    digest = hashlib.sha256()
    for part in (method, path, query, *(meta.get(name, "") for name in FINGERPRINT_HEADERS)):
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


def caller_of(user, auth):
    """Return whose keys a request uses: its API key (`key:<id>`), else its user
    (`user:<id>`, whichever token or session authenticated them)."""
    meta = getattr(auth, "_meta", None)
    if meta is not None and meta.model_name == "apikey":
        return f"key:{auth.pk}"
    return f"user:{user.pk}"
