"""Send one signed webhook over HTTP(S) to the address `netguard` checked, and report what came
back: status, latency, an excerpt of the answer, or the error.

urllib3 connects to the checked IP address while presenting the URL's name (Host header, TLS
SNI and certificate check), so what is connected to is what was checked. Redirects are not
followed unless FOLLOW_REDIRECTS, and then each hop is resolved and checked again.

Each receiver keeps one connection per process between deliveries (HTTP keep-alive): a pool per
(scheme, checked address, port, name), so a name that resolves elsewhere later gets a pool, and a
connection, of its own; a connection is never reused for an address that was not checked this
time. A connection the receiver closed meanwhile is noticed before reuse and replaced.
"""

import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin

import urllib3

from dataexchange.webhooks import conf
from dataexchange.webhooks.netguard import TargetRefused, target_resolve

REDIRECTS = (301, 302, 303, 307, 308)
MAX_POOLS = 64  # receivers kept connected per process; the least recently used is closed
DRAIN_BYTES = 64 * 1024  # more of an answer than this past the excerpt: close, do not read on

_pools = {}  # pool key → urllib3 pool, least recently used first
_pools_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got: an HTTP status (None when none came back), timings, an excerpt."""

    status_code: int | None
    latency_ms: float
    excerpt: str = ""
    error: str = ""

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300


def webhook_post(url, body, headers):
    """POST `body` (bytes) with `headers` to `url`; return the Outcome (never raise)."""
    started = time.perf_counter()
    hops = conf.get("MAX_REDIRECTS") if conf.get("FOLLOW_REDIRECTS") else 0
    try:
        for _ in range(hops + 1):
            status, excerpt, location = post_once(url, body, headers)
            if status not in REDIRECTS or not location:
                break
            if not conf.get("FOLLOW_REDIRECTS"):
                excerpt = f"redirect to {location} not followed; {excerpt}"
                break
            url = urljoin(url, location)
        return Outcome(status, elapsed_ms(started), excerpt)
    except TargetRefused as exc:
        return Outcome(None, elapsed_ms(started), error=f"refused: {exc}")
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return Outcome(None, elapsed_ms(started), error=f"{type(exc).__name__}: {exc}"[:1000])


def post_once(url, body, headers):
    """POST once to the checked address of `url`; return (status, excerpt, Location)."""
    target = target_resolve(url)
    timeout = urllib3.Timeout(connect=conf.get("CONNECT_TIMEOUT"), read=conf.get("READ_TIMEOUT"))
    response = pool_of(target).urlopen(
        "POST", target.path, body=body, headers={**headers, "Host": target.host_header},
        timeout=timeout, redirect=False, preload_content=False, assert_same_host=False,
    )  # fmt: skip
    try:
        excerpt = response.read(conf.get("RESPONSE_EXCERPT_BYTES"))
        keep_or_close(response)
    except BaseException:
        response.close()
        raise
    return response.status, excerpt.decode("utf-8", "replace"), response.headers.get("Location")


def keep_or_close(response):
    """Read the rest of a short answer and give the connection back to its pool for the next
    delivery; close it when the answer goes on beyond DRAIN_BYTES (a receiver cannot make a
    worker read without end)."""
    budget = DRAIN_BYTES
    while budget > 0:
        chunk = response.read(min(budget, 16 * 1024))
        if not chunk:
            response.release_conn()
            return
        budget -= len(chunk)
    response.close()


def pool_of(target):
    """Return the connection pool of `target`'s checked address and name, made on first use."""
    key = (target.scheme, target.address, target.port, target.host)
    with _pools_lock:
        pool = _pools.pop(key, None) or new_pool(target)
        _pools[key] = pool  # (re)inserted last: the most recently used
        if len(_pools) > MAX_POOLS:
            _pools.pop(next(iter(_pools))).close()
    return pool


def new_pool(target):
    """Return a pool connecting to `target.address` and presenting `target.host` (SNI, the
    certificate's name), keeping one connection; retries are the outbox's to do."""
    options = {"retries": False, "maxsize": 1, "block": False}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address, target.port, server_hostname=target.host,
            assert_hostname=target.host, cert_reqs="CERT_REQUIRED", **options,
        )  # fmt: skip
    return urllib3.HTTPConnectionPool(target.address, target.port, **options)


def pools_close():
    """Close every kept connection (tests; a process about to fork)."""
    with _pools_lock:
        while _pools:
            _pools.popitem()[1].close()


def elapsed_ms(started):
    return round((time.perf_counter() - started) * 1000, 3)
