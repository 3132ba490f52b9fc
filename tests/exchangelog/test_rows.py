"""The exchange log's precompiled INSERT (exchangelog.rows) stores exactly what the ORM stores."""

import uuid
from datetime import timedelta

from django.forms.models import model_to_dict
from django.utils import timezone

from dataexchange.exchangelog.models import Exchange, ExchangeItem
from dataexchange.exchangelog.rows import insert_rows, new_row


def values(now):
    return dict(
        created_at=now - timedelta(seconds=1),
        endpoint="rows-check",
        method="POST",
        path="/dynamic-entity/rows-check",
        query="a=1&b=ü",
        entity_id="",
        client="integration ✓",
        user_id=None,
        remote_addr=None,
        transactional=True,
        dry_run=False,
        http_status=400,
        duration_ms=1.25,
        item_count=2,
        failed_count=1,
        errors=[{"code": "1307", "message": "x"}, None],
        error_codes=",1307,",
        identifiers="\nA-1\n",
        status=Exchange.Status.PARTIALLY_FAILED,
    )


def stored(model, pk):
    return model_to_dict(model.objects.get(pk=pk), exclude=["id"])


def test_rows_inserted_by_the_precompiled_statement_equal_the_orms(db):
    ours, orms, now = uuid.uuid4(), uuid.uuid4(), timezone.now()
    insert_rows(Exchange, [new_row(Exchange, id=ours, **values(now))])
    Exchange.objects.create(id=orms, **values(now))
    assert stored(Exchange, ours) == stored(Exchange, orms)
    item = dict(
        created_at=now, index=3, identifier="", business_key="A-1/EUR",
        operation=ExchangeItem.Operation.CREATE, status=ExchangeItem.Status.FAILED,
        error_code="1307", path="[3]", message="The field `sku` is required.",
        errors=[{"code": "1307"}], request_data='{"name": "x"}', data_complete=True,
        response_data="", triage=ExchangeItem.Triage.OPEN,
    )  # fmt: skip
    insert_rows(ExchangeItem, [new_row(ExchangeItem, exchange_id=ours, **item)])
    ExchangeItem.objects.create(exchange_id=orms, **item)
    mine, theirs = (ExchangeItem.objects.get(exchange_id=pk) for pk in (ours, orms))
    assert model_to_dict(mine, exclude=["id", "exchange"]) == model_to_dict(
        theirs, exclude=["id", "exchange"]
    )
