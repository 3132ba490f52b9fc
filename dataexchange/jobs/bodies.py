"""Read an asynchronous write's body as items, piece by piece, within the job body cap.

CSV and NDJSON are read line by line (`engine.parse.bodies`) up to
`DATA_EXCHANGE_JOBS["MAX_BODY_BYTES"]`: a body of a million rows is never held whole. JSON
(`{"data": [...]}`) is one document, parsed whole, so it keeps the synchronous cap
(`DATA_EXCHANGE["MAX_BODY_BYTES"]`); large imports send CSV or NDJSON.
"""

from dataexchange import conf as api_conf
from dataexchange.engine.parse.bodies import JSON, body_kind, iter_items
from dataexchange.errors import Code, fail
from dataexchange.jobs import conf

READ_SIZE = 256 * 1024


class CappedStream:
    """A binary file-like view of a request body that refuses (1408) to read past `limit`,
    reading the body in large blocks (a WSGI server's own `readline` may read 1 KiB at a time)."""

    def __init__(self, stream, limit):
        self.stream, self.limit, self.read_bytes = stream, limit, 0
        self.buffer = b""

    def _fill(self):
        """Read the next block into the buffer; return False at the end of the body."""
        block = self.stream.read(READ_SIZE)
        self.read_bytes += len(block)
        if self.read_bytes > self.limit:
            fail(Code.BODY_TOO_LARGE, size=f"more than {self.limit}", max=self.limit)
        self.buffer += block
        return bool(block)

    def read(self, size=-1):
        """Return up to `size` bytes (the rest of the body when omitted)."""
        while (size is None or size < 0 or len(self.buffer) < size) and self._fill():
            pass
        if size is None or size < 0:
            size = len(self.buffer)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def readline(self, size=-1):
        """Return the next line, end of line included (at most `size` bytes)."""
        while True:
            end = self.buffer.find(b"\n")
            if end >= 0 and (size is None or size < 0 or end < size):
                break
            if (size is not None and 0 <= size <= len(self.buffer)) or not self._fill():
                end = len(self.buffer) - 1 if size is None or size < 0 else size - 1
                break
        end = min(end, len(self.buffer) - 1)
        line, self.buffer = self.buffer[: end + 1], self.buffer[end + 1 :]
        return line


def body_items(job_request, endpoint):
    """Yield the item dicts of the body of `job_request`, in order; raise 1408 past the cap
    of its media type, 1301/1418 for a body that holds no items or cannot be read."""
    kind = body_kind(job_request.content_type)
    limit = conf.get("MAX_BODY_BYTES") if kind != JSON else api_conf.get("MAX_BODY_BYTES")
    if job_request.size is not None and job_request.size > limit:
        fail(Code.BODY_TOO_LARGE, size=job_request.size, max=limit)
    stream = CappedStream(job_request.stream, limit)
    yield from iter_items(kind, stream, endpoint, single=job_request.entity_id is not None)
