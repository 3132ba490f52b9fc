"""Parse stage for Idempotency-Key: the header's value, the request's fingerprint, the caller."""

import hashlib

from dataexchange.errors import Code, fail

HEADER = "Idempotency-Key"
READ_SIZE = 256 * 1024  # blocks in which an unread body is hashed
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
    digest = fingerprint_head(method, path, query, meta)
    digest.update(body)
    return digest.hexdigest()


def fingerprint_head(method, path, query, meta):
    """Return a SHA-256 hash fed with all of a request's fingerprint but its body.

    SHA-256 rather than BLAKE2b: with the CPU's SHA extensions (most x86 and ARM servers) it
    hashes a 66 kB body in 0.05 ms, BLAKE2b in 0.13 ms, and kept fingerprints stay valid."""
    digest = hashlib.sha256()
    for part in (method, path, query, *(meta.get(name, "") for name in FINGERPRINT_HEADERS)):
        digest.update(part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest


class BodyDigest:
    """The fingerprint of a request whose body is streamed, never held whole (an asynchronous
    write's, stored chunk by chunk): what is read through it is hashed as it is read."""

    __slots__ = ("digest", "stream")

    def __init__(self, digest, stream):
        self.digest, self.stream = digest, stream  # digest: fed by fingerprint_head

    def read(self, size=-1):
        """Return up to `size` bytes of the body, hashing them."""
        data = self.stream.read(size)
        self.digest.update(data)
        return data

    def hexdigest(self):
        """Return the fingerprint (as request_fingerprint), hashing first what is still unread
        (a body the job did not need, or a retry's body read only to compare it)."""
        while self.read(READ_SIZE):
            pass
        return self.digest.hexdigest()


def caller_of(user, auth):
    """Return whose keys a request uses: its API key (`key:<id>`), else its user
    (`user:<id>`, whichever token or session authenticated them)."""
    meta = getattr(auth, "_meta", None)
    if meta is not None and meta.model_name == "apikey":
        return f"key:{auth.pk}"
    return f"user:{user.pk}"
