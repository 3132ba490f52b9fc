"""Send one signed webhook over HTTP(S) to the address `netguard` checked, and report what came
back: status, latency, an excerpt of the answer, or the error.

urllib3 connects to the checked IP address while presenting the URL's name (Host header, TLS
SNI and certificate check), so what is connected to is what was checked. Redirects are not
followed unless FOLLOW_REDIRECTS, and then each hop is resolved and checked again."""

import time
from dataclasses import dataclass
from urllib.parse import urljoin

import urllib3

from dataexchange.webhooks import conf
from dataexchange.webhooks.netguard import TargetRefused, target_resolve

REDIRECTS = (301, 302, 303, 307, 308)


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
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address, target.port, server_hostname=target.host,
            assert_hostname=target.host, cert_reqs="CERT_REQUIRED", **options,
        )  # fmt: skip
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, **options)
    with pool:
        response = pool.urlopen(
            "POST", target.path, body=body, headers={**headers, "Host": target.host_header},
            redirect=False, preload_content=False, assert_same_host=False,
        )  # fmt: skip
        try:
            excerpt = response.read(conf.get("RESPONSE_EXCERPT_BYTES"))
        finally:
            response.close()
    return response.status, excerpt.decode("utf-8", "replace"), response.headers.get("Location")


def elapsed_ms(started):
    return round((time.perf_counter() - started) * 1000, 3)
