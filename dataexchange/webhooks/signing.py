"""Sign a webhook as the Standard Webhooks specification says, with its reference package."""

from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook


def webhook_headers(secret, message_id, body, *, now=None):
    """Return the headers of a signed webhook: `webhook-id`, `webhook-timestamp` (seconds) and
    `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`)."""
    timestamp = (now or datetime.now(UTC)).replace(microsecond=0)
    signature = Webhook(secret).sign(message_id, timestamp, body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
        "Content-Type": "application/json",
        "User-Agent": "DataExchange-Webhooks/1",
    }
