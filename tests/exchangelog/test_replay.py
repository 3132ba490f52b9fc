"""Replay: failed items go through the same engine again, as a new exchange linked to the old."""

import pytest

from dataexchange.exchangelog.models import Exchange, ExchangeItem
from dataexchange.exchangelog.replay import items_replay
from tests.exchangelog.conftest import URL, country_rows, send

pytestmark = pytest.mark.usefixtures("countries")


def test_replay_rolled_back_batch_after_fix(api, writer):
    body = [{"iso2": "DE", "name": "Germany"}, {"iso2": "FR", "name": "France", "population": -1}]
    assert send(api, "POST", URL, body).status_code == 400
    original = Exchange.objects.get()
    # The failed item cannot succeed unchanged; the rolled-back one can.
    replays = items_replay(items=original.items.filter(status="rolled_back"), user=writer)
    (replay,) = replays
    assert replay.replay_of == original
    assert (replay.status, replay.item_count, replay.client) == ("processed", 1, "integration")
    assert country_rows() == [("DE", "Germany")]
    rolled_back = original.items.get(index=0)
    assert rolled_back.replayed_as.status == ExchangeItem.Status.PROCESSED
    assert rolled_back.replayed_as.exchange == replay
    assert not rolled_back.is_replayable  # persisted now: replaying it again would duplicate


def test_replayed_post_is_not_repeated(api, writer):
    send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}, {"iso2": "XXX", "name": "?"}])
    original = Exchange.objects.get()
    items_replay(items=original.items.filter(index=0), user=writer)
    assert items_replay(items=original.items.all(), user=writer)[0].item_count == 1  # XXX only
    assert country_rows() == [("DE", "Germany")]


def test_failed_replay_can_be_replayed_again(api, writer):
    send(api, "PATCH", URL, [{"iso2": "DE", "name": "Germany"}])  # 1303: no such row yet
    original = Exchange.objects.get()
    (first,) = items_replay(items=original.items.all(), user=writer)
    assert first.status == "failed"
    send(api, "POST", URL, [{"iso2": "DE", "name": "Old"}])
    (second,) = items_replay(items=original.items.all(), user=writer)
    assert second.status == "processed"
    assert country_rows() == [("DE", "Germany")]


def test_single_route_replay_after_correction(api, writer):
    send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}])
    send(api, "PUT", URL + "/DE", {"iso2": "DE", "name": "Deutschland", "population": -5})
    original = Exchange.objects.get(method="PUT")
    assert original.status == "failed" and original.entity_id == "DE"
    item = original.items.get()
    item.request_data = '{"iso2": "DE", "name": "Deutschland"}'  # as if corrected
    item.save()
    (replay,) = items_replay(items=original.items.all(), user=writer)
    assert (replay.method, replay.entity_id, replay.status) == ("PUT", "DE", "processed")
    assert country_rows() == [("DE", "Deutschland")]


def test_items_without_complete_data_are_not_replayed(api, writer, settings):
    settings.EXCHANGE_LOG = {**settings.EXCHANGE_LOG, "CAPTURE": "none"}
    send(api, "POST", URL, [{"iso2": "XXX", "name": "?"}])
    assert items_replay(items=ExchangeItem.objects.all(), user=writer) == []


def test_replay_needs_endpoint_permission(api, django_user_model):
    send(api, "POST", URL, [{"iso2": "DE", "name": "Germany"}, {"iso2": "XXX", "name": "?"}])
    staff = django_user_model.objects.create_user("clerk", is_staff=True)
    (replay,) = items_replay(items=ExchangeItem.objects.filter(index=0), user=staff)
    assert (replay.status, replay.http_status, replay.error_codes) == ("rejected", 403, ",1404,")
    assert country_rows() == []
