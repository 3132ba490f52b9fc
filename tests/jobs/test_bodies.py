"""The job body reader: lines served from large blocks, never past the cap."""

import io

import pytest

from dataexchange.errors import ApiException
from dataexchange.jobs import bodies
from dataexchange.jobs.bodies import CappedStream

DATA = b"ab\ncdef\n\nlast"


@pytest.mark.parametrize("block", [1, 3, 7, 1024])
def test_lines_and_reads_whatever_the_block_size(monkeypatch, block):
    monkeypatch.setattr(bodies, "READ_SIZE", block)
    stream, lines = CappedStream(io.BytesIO(DATA), 100), []
    while line := stream.readline(100):
        lines.append(line)
    assert lines == [b"ab\n", b"cdef\n", b"\n", b"last"]
    stream = CappedStream(io.BytesIO(DATA), 100)
    assert stream.readline(2) == b"ab" and stream.readline(10) == b"\n"
    assert stream.read() == b"cdef\n\nlast" and stream.read() == b""


def test_refuses_past_the_cap(monkeypatch):
    monkeypatch.setattr(bodies, "READ_SIZE", 4)
    stream = CappedStream(io.BytesIO(DATA), 5)
    with pytest.raises(ApiException) as raised:
        while stream.readline(100):
            pass
    assert raised.value.errors[0].code == "1408"
