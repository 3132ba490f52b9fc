"""Subscription secrets in the Standard Webhooks format: `whsec_` + base64 of random bytes."""

import base64
import secrets

PREFIX = "whsec_"
SECRET_BYTES = 32  # the spec asks for 24 to 64 bytes


def secret_generate():
    """Return a new random signing secret (`whsec_...`)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
