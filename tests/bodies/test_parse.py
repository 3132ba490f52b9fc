"""`engine.parse.bodies` on its own: the reader a media type picks, and items read from a stream
incrementally (what an asynchronous job feeds it from storage)."""

import io

import pytest

from dataexchange import registry
from dataexchange.engine.parse import bodies
from dataexchange.engine.parse.bodies import body_kind, iter_items
from dataexchange.errors import ApiException


def codes(raised):
    return [(e.code, e.message) for e in raised.value.errors]


@pytest.fixture
def endpoint(items):
    return registry.snapshot().get("items")


class CountingStream(io.BytesIO):
    """A stream that records how far it has been read."""

    def read(self, size=-1):
        data = super().read(size)
        self.high_water = self.tell()
        return data


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("text/csv", "csv"),
        ("Text/CSV; charset=utf-8", "csv"),
        ("application/x-ndjson", "ndjson"),
        ("application/ndjson; charset=UTF8", "ndjson"),
        ("application/json", "json"),
        ("application/json; charset=latin-1", "json"),  # SPEC A1: JSON whatever it says
        ("text/plain", "json"),
        ("", "json"),
        (None, "json"),
    ],
)
def test_the_media_type_picks_the_reader(content_type, kind):
    assert body_kind(content_type) == kind


@pytest.fixture
def small_blocks(monkeypatch):
    """Read bodies 64 bytes at a time, so that reading ahead of the items shows."""
    monkeypatch.setattr(bodies, "READ_SIZE", 64)


def test_items_are_read_one_block_at_a_time(endpoint, small_blocks):
    body = b"code,qty\n" + b"".join(b"C%d,%d\n" % (n, n) for n in range(1000))
    stream = CountingStream(body)
    items = iter_items("csv", stream, endpoint)
    assert next(items) == {"code": "C0", "qty": 0}
    assert stream.high_water == 64  # the header and a few rows, not the body
    assert sum(1 for _ in items) == 999


def test_ndjson_items_are_read_one_block_at_a_time(endpoint, small_blocks):
    body = b"".join(b'{"code":"C%d"}\n' % n for n in range(1000))
    stream = CountingStream(body)
    items = iter_items("ndjson", stream, endpoint)
    assert next(items) == {"code": "C0"}
    assert stream.high_water == 64
    assert sum(1 for _ in items) == 999


def test_a_line_longer_than_the_body_cap_is_refused(endpoint, settings):
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "MAX_BODY_BYTES": 100}
    body = io.BytesIO(b"code,name\nA1," + b"y" * 200 + b"\n")
    with pytest.raises(ApiException) as raised:
        list(iter_items("csv", body, endpoint))
    assert codes(raised) == [
        ("1418", "Invalid CSV body at line 2: a line is longer than 100 bytes.")
    ]


def test_the_stream_is_left_open(endpoint):
    stream = io.BytesIO(b"code\nA1\n")
    assert list(iter_items("csv", stream, endpoint)) == [{"code": "A1"}]
    assert not stream.closed


def test_without_an_endpoint_cells_stay_text():
    items = iter_items("csv", io.BytesIO(b"qty,flag\n5,true\n"), None)
    assert list(items) == [{"qty": "5", "flag": "true"}]


@pytest.mark.parametrize("block", [1, 2, 5, 64, 256 * 1024])
def test_lines_split_from_blocks_whatever_their_size(endpoint, monkeypatch, block):
    """A BOM, CRLF, a quoted cell spanning lines, empty and null cells: the same items, and
    the same line named in an error, however the body falls into blocks."""
    monkeypatch.setattr(bodies, "READ_SIZE", block)
    body = b'\xef\xbb\xbfcode,name,qty\r\nA1,"two\r\nlines, \xc3\xbc",1\r\n\r\nA2,,\\N\nA3,x,3'
    assert list(iter_items("csv", io.BytesIO(body), endpoint)) == [
        {"code": "A1", "name": "two\r\nlines, ü", "qty": 1},
        {"code": "A2", "qty": None},
        {"code": "A3", "name": "x", "qty": 3},
    ]
    bad = b"code,qty\nA1,1\nA2,2\n\xff\xfe,3\nA4,4\n"
    with pytest.raises(ApiException) as raised:
        list(iter_items("csv", io.BytesIO(bad), endpoint))
    assert codes(raised) == [("1418", "Invalid CSV body at line 4: the line is not valid UTF-8.")]
    ndjson = b'{"code":"N1"}\r\n\n{"code":"N2"}\nnope\n'
    with pytest.raises(ApiException) as raised:
        list(iter_items("ndjson", io.BytesIO(ndjson), endpoint))
    assert codes(raised) == [
        ("1418", "Invalid NDJSON body at line 4: the line is not valid JSON in UTF-8.")
    ]
