"""Read an asynchronous write's body as items, piece by piece, within the job body cap.

JSON (`{"data": [...]}`) is parsed whole, so it keeps the synchronous cap
(`DATA_EXCHANGE["MAX_BODY_BYTES"]`); large imports send NDJSON or CSV, read incrementally up to
`DATA_EXCHANGE_JOBS["MAX_BODY_BYTES"]`.
"""

from dataexchange import conf as api_conf
from dataexchange.engine.parse.params import parse_body
from dataexchange.errors import Code, fail
from dataexchange.jobs import conf

READ_SIZE = 64 * 1024


class CappedStream:
    """A file-like view of a request body that refuses (1408) to read past `limit` bytes."""

    def __init__(self, stream, limit):
        self.stream, self.limit, self.read_bytes = stream, limit, 0

    def read(self, size=-1):
        data = self.stream.read(READ_SIZE if size is None or size < 0 else size)
        self.read_bytes += len(data)
        if self.read_bytes > self.limit:
            fail(Code.BODY_TOO_LARGE, size=f"more than {self.limit}", max=self.limit)
        return data

    def readall(self):
        """Return the rest of the body."""
        pieces = []
        while piece := self.read(READ_SIZE):
            pieces.append(piece)
        return b"".join(pieces)


def body_items(job_request, endpoint):
    """Yield the item dicts of the body of `job_request`, in order."""
    single = job_request.entity_id is not None
    limit = api_conf.get("MAX_BODY_BYTES")
    if job_request.size is not None and job_request.size > limit:
        fail(Code.BODY_TOO_LARGE, size=job_request.size, max=limit)
    yield from parse_body(CappedStream(job_request.stream, limit).readall(), single)


def job_body_limit():
    """Return the largest body an asynchronous write may send, in bytes."""
    return conf.get("MAX_BODY_BYTES")
