"""Schemathesis hooks of the bounded run (loaded through `SCHEMATHESIS_HOOKS`).

Schemathesis sends the same generated `Idempotency-Key` value with many different requests;
the server rightly refuses a reused key with 422 `1420`, a failure of the test's state, not of
the document. Every valid key is therefore made unique per request; invalid keys (the negative
cases) are sent as generated, so their refusal (`1410`) is still tested.
"""

import re
import uuid

import schemathesis

HEADER = "Idempotency-Key"
# openapi.parameters.IDEMPOTENCY_KEY_PATTERN, copied: this module is loaded outside Django
# (test_schemathesis checks the two are the same).
IDEMPOTENCY_KEY_PATTERN = r"^[!#-\[\]-~]([ !#-\[\]-~]{0,253}[!#-\[\]-~])?$"
VALID = re.compile(IDEMPOTENCY_KEY_PATTERN)


@schemathesis.hook
def before_call(context, case, kwargs):
    """Replace a valid `Idempotency-Key` by a fresh UUID."""
    headers = case.headers or {}
    for name in list(headers):
        value = headers[name]
        if name.lower() == HEADER.lower() and isinstance(value, str) and VALID.match(value):
            headers[name] = str(uuid.uuid4())
