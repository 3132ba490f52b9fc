"""The SSRF policy: non-public addresses are refused (IPv4, IPv6, IPv4-mapped, 6to4), on the
address a name resolves to, at delivery time and when the admin saves a subscription."""

import pytest

from dataexchange.webhooks.models import Attempt, Delivery
from dataexchange.webhooks.netguard import TargetRefused, address_refusal, target_resolve
from tests.webhooks.conftest import change, pump_and_deliver, subscribe

REFUSED = {
    "127.0.0.1": "loopback",
    "127.8.9.10": "loopback",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "192.168.1.1": "private",
    "169.254.169.254": "link-local",
    "0.0.0.0": "unspecified",
    "224.0.0.1": "multicast",
    "240.0.0.1": "reserved",
    "100.64.0.1": "not public",  # carrier-grade NAT
    "::1": "loopback",
    "::": "unspecified",
    "fe80::1": "link-local",
    "fc00::1": "private",
    "ff02::1": "multicast",
    "::ffff:127.0.0.1": "loopback",  # IPv4-mapped IPv6
    "::ffff:10.0.0.1": "private",
    "2002:7f00:1::1": "loopback (6to4)",
}


@pytest.mark.parametrize("address", sorted(REFUSED))
def test_non_public_addresses_are_refused(address):
    assert address_refusal(address) == REFUSED[address]


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert address_refusal(address) is None


@pytest.fixture
def strict(settings):
    settings.DATA_EXCHANGE_WEBHOOKS = {**settings.DATA_EXCHANGE_WEBHOOKS, "ALLOW_PRIVATE": False}


def test_a_name_resolving_to_loopback_is_refused_after_resolution(strict):
    with pytest.raises(TargetRefused, match="localhost resolves to .*loopback"):
        target_resolve("http://localhost:8080/hook")


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://example.com/", "Only http and https"),
        ("http:///nohost", "no host"),
        ("http://[::ffff:169.254.169.254]/", "link-local"),
        ("https://10.0.0.5/", "private"),
        ("http://name.invalid/", "does not resolve"),
    ],
)
def test_urls_refused(strict, url, message):
    with pytest.raises(TargetRefused, match=message):
        target_resolve(url)


def test_allowed_loopback_connects_to_the_resolved_address(settings):
    target = target_resolve("http://localhost:1234/a?b=1")
    assert target.address in ("127.0.0.1", "::1")
    assert (target.host_header, target.path) == ("localhost:1234", "/a?b=1")


def test_delivery_to_a_private_address_is_refused_and_nothing_is_sent(endpoint, receiver, strict):
    subscribe(receiver.url, ["entity.created"], [endpoint])
    change("S", "create")
    pump_and_deliver()
    assert receiver.received == []
    errors = set(Attempt.objects.values_list("error", flat=True))
    assert errors and all(e.startswith("refused: 127.0.0.1 resolves to") for e in errors)
    assert Delivery.objects.get().status == "dead"


def test_a_kept_connection_does_not_outlive_the_address_check(endpoint, settings):
    from tests.webhooks.receiver import Receiver

    kept = Receiver(keep_alive=True).start()
    try:
        subscribe(kept.url, ["entity.created"], [endpoint])
        change("K1", "create")
        pump_and_deliver()  # allowed: a connection to 127.0.0.1 is now kept open
        settings.DATA_EXCHANGE_WEBHOOKS = {
            **settings.DATA_EXCHANGE_WEBHOOKS,
            "ALLOW_PRIVATE": False,
        }
        change("K2", "create")
        pump_and_deliver()
        assert len(kept.received) == 1  # the kept connection was not used: checked each time
        second = Delivery.objects.order_by("pk").last()
        errors = list(second.log.values_list("error", flat=True))  # every retry refused too
        assert errors and all(e.startswith("refused: 127.0.0.1 resolves to") for e in errors)
    finally:
        kept.stop()
