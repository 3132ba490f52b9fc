"""gunicorn's access log without credentials: every atom a log line uses is redacted.

`gunicorn.conf.py` installs `AccessLogger`. The request line (`%(r)s`), the query string
(`%(q)s`), the referrer and any header or environ atom go through `redact_text`, so
`?api_key=...` (also percent-encoded) never reaches the log; credential headers are masked
whole.
"""

from gunicorn.glogging import Logger, SafeAtoms

from dataexchange.auth.redact import REDACTED, SECRET_HEADERS, redact_text

SECRET_ATOMS = frozenset(f"{{{name}}}i" for name in SECRET_HEADERS)


class RedactedAtoms(SafeAtoms):
    """The atoms of one access log line, redacted as the format reads them (only those)."""

    def __getitem__(self, key):
        value = super().__getitem__(key)
        if key.lower() in SECRET_ATOMS and value != "-":
            return REDACTED
        return redact_text(value) if isinstance(value, str) else value


class AccessLogger(Logger):
    """gunicorn's logger with credentials masked in access log lines."""

    atoms_wrapper_class = RedactedAtoms
