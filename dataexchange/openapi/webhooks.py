"""The documented schema of webhook payloads (the document is OpenAPI 3.0, which has no
`webhooks` section: the payloads are schema components, `WebhookEvent` and its parts). Tests
validate real deliveries against these schemas, so the document cannot drift from the code."""

TIMESTAMP = {"type": "string", "format": "date-time"}
NULLABLE_TIMESTAMP = {**TIMESTAMP, "nullable": True}
TYPE_DESCRIPTION = (
    "Every request carries the Standard Webhooks headers `webhook-id` (the same on every retry "
    "of one event: deduplicate on it), `webhook-timestamp` (seconds) and `webhook-signature` "
    "(`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` with the subscription's secret)."
)


def event_schema(type_values, properties, required, description):
    return {
        "type": "object",
        "description": description,
        "properties": {
            "type": {"type": "string", "enum": list(type_values)},
            "endpoint": {"type": "string", "description": "The endpoint's alias."},
            **properties,
        },
        "required": ["type", *required],
    }


SCHEMAS = {
    "WebhookEntityEvent": event_schema(
        ["entity.created", "entity.updated", "entity.deleted"],
        {
            "cursor": {"type": "string", "description": "The change's position in the feed."},
            "operation": {"type": "string", "enum": ["create", "update", "delete"]},
            "identifier": {
                "description": "The row's identifier, typed as the endpoint renders it."
            },
            "data": {
                "type": "object",
                "nullable": True,
                "description": "The row as the endpoint shows it when the event is sent "
                "(visible names, API types); null for a delete or a row deleted since.",
            },
            "changedAt": TIMESTAMP,
        },
        ["endpoint", "cursor", "operation", "identifier", "data", "changedAt"],
        "A row of a tracked endpoint was created, updated or deleted (by any writer). The "
        "same item as the change feed answers, plus `type` and `endpoint`.",
    ),
    "WebhookJobEvent": event_schema(
        ["job.finished"],
        {
            "timestamp": TIMESTAMP,
            "job": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "format": "uuid"},
                    "status": {
                        "type": "string",
                        "enum": ["succeeded", "partially_failed", "failed", "cancelled"],
                    },
                    "method": {"type": "string"},
                    "itemsTotal": {"type": "integer"},
                    "itemsSucceeded": {"type": "integer"},
                    "itemsFailed": {"type": "integer"},
                    "createdAt": TIMESTAMP,
                    "finishedAt": NULLABLE_TIMESTAMP,
                    "requestId": {"type": "string", "nullable": True},
                },
                "required": [
                    "id",
                    "status",
                    "method",
                    "itemsTotal",
                    "itemsSucceeded",
                    "itemsFailed",
                    "createdAt",
                    "finishedAt",
                    "requestId",
                ],  # fmt: skip
            },
        },
        ["endpoint", "timestamp", "job"],
        "An asynchronous job reached its final status.",
    ),
    "WebhookExchangeEvent": event_schema(
        ["exchange.failed"],
        {
            "timestamp": TIMESTAMP,
            "exchange": {
                "type": "object",
                "properties": {
                    "requestId": {"type": "string", "format": "uuid"},
                    "method": {"type": "string"},
                    "path": {"type": "string"},
                    "httpStatus": {"type": "integer"},
                    "status": {"type": "string", "enum": ["failed"]},
                    "errorCodes": {"type": "array", "items": {"type": "string"}},
                    "itemCount": {"type": "integer"},
                    "failedCount": {"type": "integer"},
                    "client": {"type": "string"},
                    "createdAt": TIMESTAMP,
                },
                "required": [
                    "requestId",
                    "method",
                    "path",
                    "httpStatus",
                    "status",
                    "errorCodes",
                    "itemCount",
                    "failedCount",
                    "client",
                    "createdAt",
                ],  # fmt: skip
            },
        },
        ["endpoint", "timestamp", "exchange"],
        "A write failed (the exchange log recorded it with status `failed`).",
    ),
    "WebhookAlertEvent": {
        "type": "object",
        "description": "An alert rule fired, keeps firing past its cooldown, or recovered. Also "
        "a chat message: Slack incoming webhooks and Microsoft Teams connectors post `text`; "
        "Teams shows `title` and `summary`.",
        "properties": {
            "type": {"type": "string", "enum": ["alert"]},
            "endpoint": {"type": "string", "nullable": True, "description": "The rule's scope."},
            "timestamp": TIMESTAMP,
            "text": {"type": "string"},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "alert": {
                "type": "object",
                "properties": {
                    "rule": {"type": "string"},
                    "kind": {"type": "string", "enum": ["fired", "reminder", "recovered"]},
                    "condition": {"type": "string"},
                    "threshold": {"type": "integer"},
                    "windowMinutes": {"type": "integer"},
                    "endpoint": {"type": "string", "nullable": True},
                    "finding": {"type": "string"},
                    "link": {"type": "string"},
                },
                "required": ["rule", "kind", "condition", "finding", "link"],
            },
        },
        "required": ["type", "endpoint", "timestamp", "text", "title", "summary", "alert"],
    },
    "WebhookTestEvent": {
        "type": "object",
        "description": 'Sent by the admin\'s "Send a test event".',
        "properties": {
            "type": {"type": "string", "enum": ["webhook.test"]},
            "timestamp": TIMESTAMP,
            "subscription": {"type": "string"},
        },
        "required": ["type", "timestamp", "subscription"],
    },
}
SCHEMAS["WebhookEvent"] = {
    "description": "The JSON body of a webhook request. " + TYPE_DESCRIPTION,
    "oneOf": [{"$ref": f"#/components/schemas/{name}"} for name in sorted(SCHEMAS)],
    "discriminator": {
        "propertyName": "type",
        "mapping": {
            event: f"#/components/schemas/{name}"
            for name, schema in SCHEMAS.items()
            for event in schema["properties"]["type"]["enum"]
        },
    },
}
