"""Which addresses a webhook may reach (the SSRF policy), and resolving a target URL once.

A target is resolved once; every address it resolves to must be public (unless
DATA_EXCHANGE_WEBHOOKS["ALLOW_PRIVATE"]), and the connection is then made to that checked
address (`transport`), so a DNS answer that changes between the check and the connection
(DNS rebinding) cannot lead the request elsewhere. The admin applies the same check on save.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from dataexchange.webhooks import conf

SCHEMES = {"http": 80, "https": 443}

# Why an address is refused: the first matching property names it (table, not if-chain).
REFUSED_KINDS = (
    ("is_unspecified", "unspecified"),
    ("is_loopback", "loopback"),
    ("is_link_local", "link-local"),
    ("is_multicast", "multicast"),
    ("is_reserved", "reserved"),
    ("is_private", "private"),
)


class TargetRefused(Exception):
    """A target URL this server will not call; the message says why."""


@dataclass(frozen=True, slots=True)
class Target:
    """A target URL resolved: where to connect, and what name to present (Host, SNI)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked IP address the connection goes to

    @property
    def host_header(self):
        default = SCHEMES[self.scheme] == self.port
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if default else f"{name}:{self.port}"


def address_refusal(address):
    """Return why `address` (an IP address string) may not be called, or None if it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
        ip = ip.ipv4_mapped
    if ip.version == 6 and ip.sixtofour is not None:  # 2002:7f00:1::/48 embeds 127.0.0.1
        embedded = address_refusal(str(ip.sixtofour))
        if embedded:
            return f"{embedded} (6to4)"
    for attribute, kind in REFUSED_KINDS:
        if getattr(ip, attribute):
            return kind
    if not ip.is_global:
        return "not public"
    return None


def target_resolve(url):
    """Return the Target of `url`, its host resolved once and every address checked; raise
    TargetRefused for another scheme, a missing host, a name that does not resolve, or an
    address the policy refuses."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise TargetRefused(f"Only http and https URLs are allowed, not {scheme or 'none'!r}.")
    if not parts.hostname:
        raise TargetRefused("The URL has no host.")
    try:
        port = parts.port or SCHEMES[scheme]
    except ValueError as exc:
        raise TargetRefused(f"Invalid port: {exc}.") from None
    addresses = addresses_of(parts.hostname, port)
    if not conf.get("ALLOW_PRIVATE"):
        for address in addresses:
            refusal = address_refusal(address)
            if refusal:
                raise TargetRefused(
                    f"{parts.hostname} resolves to {address}, a {refusal} address; webhooks"
                    " may only call public addresses (DATA_EXCHANGE_WEBHOOKS['ALLOW_PRIVATE'])."
                )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, parts.hostname, port, path, addresses[0])


def addresses_of(host, port):
    """Return the IP addresses `host` resolves to (an IP literal: itself), in resolver order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"{host} does not resolve: {exc}.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise TargetRefused(f"{host} does not resolve.")
    return addresses
