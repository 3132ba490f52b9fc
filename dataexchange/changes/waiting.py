"""Long polling: wait for a feed page to have entries, polling with backoff, and let only a few
requests of a process wait at once.

A waiting request holds its worker thread, so `MAX_WAITERS` bounds how many threads consumers
can occupy; a request beyond it answers at once (as with `wait=0`). The wait runs in the request
itself, as a short sleep between cheap queries: no thread or loop of our own.
"""

import threading
import time
from contextlib import contextmanager

from dataexchange.changes import conf

FIRST_PAUSE = 0.05  # seconds before the first repeat; doubled up to LONGEST_PAUSE
LONGEST_PAUSE = 1.0

_waiters = {"count": 0}
_lock = threading.Lock()


@contextmanager
def waiter_slot():
    """Yield whether this request may wait (a slot was free); release it afterwards."""
    with _lock:
        granted = _waiters["count"] < conf.get("MAX_WAITERS")
        if granted:
            _waiters["count"] += 1
    try:
        yield granted
    finally:
        if granted:
            with _lock:
                _waiters["count"] -= 1


def wait_for(read, seconds, *, clock=time.monotonic, sleep=time.sleep):
    """Return `read()` as soon as its page has entries, or the last one after `seconds`
    (at once when there is no free waiter slot)."""
    page = read()
    if page.entries or seconds <= 0:
        return page
    with waiter_slot() as granted:
        if not granted:
            return page
        deadline = clock() + seconds
        pause = FIRST_PAUSE
        while not page.entries:
            left = deadline - clock()
            if left <= 0:
                break
            sleep(min(pause, left))
            pause = min(pause * 2, LONGEST_PAUSE)
            page = read()
    return page
