"""Factories of log rows with fixed ids and times, for exact assertions."""

import uuid
from datetime import UTC, datetime

from dataexchange.exchangelog.models import Exchange, ExchangeItem

T0 = datetime(2026, 1, 2, 10, 0, tzinfo=UTC)


def make_exchange(n=1, **values):
    """Create and return an exchange whose id ends in `n`."""
    defaults = {
        "id": uuid.UUID(int=n),
        "created_at": T0,
        "endpoint": "countries",
        "method": "POST",
        "path": "/dynamic-entity/countries",
        "client": "integration",
        "transactional": True,
        "http_status": 201,
        "duration_ms": 3.5,
        "item_count": 1,
        "status": Exchange.Status.PROCESSED,
    }
    return Exchange.objects.create(**{**defaults, **values})


def make_item(exchange, index=0, **values):
    """Create and return a failed item of `exchange`."""
    defaults = {
        "created_at": exchange.created_at,
        "index": index,
        "identifier": "DE",
        "operation": ExchangeItem.Operation.CREATE,
        "status": ExchangeItem.Status.FAILED,
        "error_code": "1307",
        "path": f"countries[{index}]",
        "message": "The required field must not be empty. Field: `countries[0].name`",
    }
    return ExchangeItem.objects.create(exchange=exchange, **{**defaults, **values})
