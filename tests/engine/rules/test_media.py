"""engine.media: the one Accept parser, and the two rules (JSON acceptable, stream preferred)."""

import pytest

from dataexchange.engine.parse import media
from dataexchange.engine.parse.media import CSV, CSV_EXACT, JSON, NDJSON, negotiate, parse_accept


@pytest.mark.parametrize(
    ("accept", "streamable", "expected"),
    [
        ("", True, JSON),
        ("", False, JSON),
        ("   ", False, JSON),  # an empty range admits JSON
        ("text/csv, ", False, JSON),
        ("application/json", True, JSON),
        ("APPLICATION/JSON; charset=utf-8", False, JSON),
        ("application/*", False, JSON),
        ("*/*;q=0", False, JSON),  # JSON acceptance ignores q (SPEC A1 as pinned)
        ("text/html", True, None),
        ("text/csv", False, None),  # a stream only on GET collection
        ("text/csv", True, CSV),
        ("text/csv; escape=none", True, CSV_EXACT),
        ('text/csv; ESCAPE="NONE"', True, CSV_EXACT),
        ("text/csv; escape=formulas", True, CSV),
        ("application/x-ndjson", True, NDJSON),
        ("application/json, text/csv", True, JSON),
        ("text/csv, application/json", True, CSV),
        ("text/csv;q=0.5, application/json", True, JSON),
        ("application/json;q=0.2, application/x-ndjson;q=0.9", True, NDJSON),
        ("text/csv;q=0", True, None),
        ("text/csv;q=zero", True, None),
        ("text/csv;q=0, */*", True, JSON),
    ],
)
def test_negotiate(accept, streamable, expected):
    assert negotiate(accept, streamable=streamable) == expected


def test_media_values_are_typed():
    assert parse_accept("Text/CSV ; q=0.5")[0] == media.MediaRange("text/csv", " q=0.5")
    assert parse_accept("text/csv;q=0.5")[0].quality == 0.5
    assert (CSV.content_type, CSV.extension, CSV.defuses_formulas) == (
        "text/csv; charset=utf-8",
        "csv",
        True,
    )
    assert not CSV_EXACT.defuses_formulas and CSV_EXACT.is_stream and not JSON.is_stream
    assert (NDJSON.content_type, NDJSON.extension) == ("application/x-ndjson", "ndjson")
    assert [m.name for m in (CSV, CSV_EXACT, NDJSON, JSON)] == [
        "text/csv",
        "text/csv; escape=none",
        "application/x-ndjson",
        "application/json",
    ]
