"""Stream 1,000,000 rows through the WSGI app and show that memory stays flat (SPEC B6).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dataexchange \\
        .venv/bin/python bench/stream_memory.py [--rows 1000000] [--format csv|ndjson] [--contrast]

Works on PostgreSQL (the reference), MariaDB and SQLite. It creates a throwaway database
(`bench_dx_stream`; a temporary file for SQLite), fills a table server-side (INSERT ... SELECT
over a cross join of digits, so the client never holds the rows), configures an endpoint, then
streams every row in-process through Django's test client (the whole WSGI stack: middleware,
authentication, view, keyset chunks), sampling the resident set size (VmRSS) as it goes and the
peak (getrusage ru_maxrss) before and after. `--contrast` then reads one 100,000-row JSON page
to show what a non-streamed response costs. Everything it created is dropped at the end.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
os.environ.setdefault("DX_TEST_DB_NAME", "bench_dx_stream")

TABLE = "bench_stream"
ACCEPT = {"csv": "text/csv", "ndjson": "application/x-ndjson"}
AUTO_PK = {
    "sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "postgresql": "SERIAL PRIMARY KEY",
    "mysql": "INTEGER AUTO_INCREMENT PRIMARY KEY",
}
MB = 1024 * 1024
CONTRAST_ROWS = 100_000


def rss_now():
    """Return the current resident set size in bytes (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def rss_peak():
    """Return the peak resident set size of this process in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def create_database():
    """Create and switch to the throwaway benchmark database; return a teardown function."""
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        path = Path(tempfile.gettempdir()) / "bench_dx_stream.sqlite3"
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(path)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return lambda: connection.creation.destroy_test_db(old_name, verbosity=0)


def fill_table(rows):
    """Create the table and insert `rows` rows with one INSERT ... SELECT on the server."""
    from django.db import connection

    vendor = connection.vendor
    digits = " UNION ALL ".join(f"SELECT {d} AS d" for d in range(10))
    places = max(1, len(str(rows - 1)))
    number = " + ".join(f"d{i}.d * {10**i}" for i in range(places))
    joins = ", ".join(f"({digits}) d{i}" for i in range(places))
    label = "CONCAT('row-', n)" if vendor == "mysql" else "'row-' || CAST(n AS TEXT)"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (id {AUTO_PK[vendor]}, label VARCHAR(40) NOT NULL,"
            " grp INTEGER NOT NULL, amount DECIMAL(12,2) NULL, active BOOLEAN NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {TABLE} (label, grp, amount, active)"
            f" SELECT {label}, n %% 100, CASE WHEN n %% 7 = 0 THEN NULL ELSE n / 100.0 END,"
            f" n %% 2 = 0 FROM (SELECT {number} AS n FROM {joins}) numbers WHERE n < %s",
            [rows],
        )
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def index_sort_columns(sort):
    """Create the index a keyset export sorted by `sort` walks: the sort columns in the export's
    direction and NULL placement (NULL smallest), then the identifier."""
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    terms = []
    for name in (name.strip() for name in sort.split(",") if name.strip()):
        descending = name.startswith("-")
        term = name.lstrip("-") + (" DESC" if descending else "")
        if postgres:
            term += " NULLS LAST" if descending else " NULLS FIRST"
        terms.append(term)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX bench_stream_sort ON {TABLE} ({', '.join(terms)}, id)")


def configure_endpoint():
    """Configure the `benchStream` endpoint and return a logged-in test client."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from dataexchange.models import Endpoint, EndpointField

    endpoint = Endpoint.objects.create(
        alias="benchStream",
        table_name=TABLE,
        identifier="id",
        is_active=True,
        max_page_limit=CONTRAST_ROWS,
    )
    fields = [("id", "integer"), ("label", "string"), ("grp", "integer"),
              ("amount", "decimal"), ("active", "boolean")]  # fmt: skip
    for position, (column, type_) in enumerate(fields):
        EndpointField.objects.create(
            endpoint=endpoint, position=position, column_name=column, visible_name=column,
            type=type_, is_creatable=column != "id", is_editable=column != "id",
        )  # fmt: skip
    user = get_user_model().objects.create_superuser("bench-stream", "bench@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


def stream(client, media, total, query=""):
    """Stream the export, sampling RSS every tenth of the rows; return the figures."""
    started = time.perf_counter()
    response = client.get(f"/dynamic-entity/benchStream{query}", headers={"Accept": media})
    assert response.status_code == 200 and response.streaming, response.status_code
    first_byte = None
    size = lines = 0
    step, samples = max(1, total // 10), []
    for piece in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(piece)
        before, lines = lines, lines + piece.count(b"\n")
        if lines // step > before // step:
            samples.append((lines, rss_now()))
    response.close()
    return {
        "seconds": time.perf_counter() - started,
        "first_byte": first_byte,
        "bytes": size,
        "lines": lines,
        "samples": samples,
    }


def contrast(client, rows):
    """Read one JSON page of `rows` rows (not streamed) and return the peak RSS after it."""
    query = f"?page[offset]=0&page[limit]={rows}"
    response = client.get(f"/dynamic-entity/benchStream{query}")
    assert response.status_code == 200, response.content[:200]
    return len(response.content), rss_peak()


def report(vendor, rows, media, peak_before, result, rss_before, sort=""):
    data_rows = result["lines"] - (1 if media == "text/csv" else 0)
    print(f"backend            {vendor}")
    print(f"format             {media}{' sort=' + sort if sort else ''}")
    print(f"rows streamed      {data_rows:,} of {rows:,}")
    print(f"bytes              {result['bytes'] / MB:,.1f} MiB")
    rate = data_rows / result["seconds"]
    print(f"time               {result['seconds']:.1f} s ({rate:,.0f} rows/s)")
    print(f"first byte after   {result['first_byte'] * 1000:.1f} ms")
    print(f"RSS before stream  {rss_before / MB:.1f} MiB (peak so far {peak_before / MB:.1f} MiB)")
    for lines, rss in result["samples"]:
        print(f"  RSS at {lines:>9,} lines  {rss / MB:.1f} MiB")
    peak_after = rss_peak()
    print(
        f"peak RSS after     {peak_after / MB:.1f} MiB (+{(peak_after - peak_before) / MB:.1f} MiB)"
    )
    return data_rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=sorted(ACCEPT), default="csv")
    parser.add_argument("--contrast", action="store_true", help="also read a 100k-row JSON page")
    parser.add_argument("--sort", default="", help="a `sort` parameter, e.g. -amount,grp")
    parser.add_argument("--index", action="store_true", help="index the sort columns and id")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment(debug=False)
    teardown = create_database()
    try:
        filled = fill_table(args.rows)
        if args.index and args.sort:
            index_sort_columns(args.sort)
        client = configure_endpoint()
        stream(client, ACCEPT[args.format], 1000, "?page[offset]=0&page[limit]=1000")  # warm up
        rss_before, peak_before = rss_now(), rss_peak()
        query = f"?sort={args.sort}" if args.sort else ""
        result = stream(client, ACCEPT[args.format], filled, query)
        streamed = report(connection.vendor, filled, ACCEPT[args.format], peak_before, result,
                          rss_before, args.sort)  # fmt: skip
        if args.contrast:
            page = min(filled, CONTRAST_ROWS)
            size, peak = contrast(client, page)
            print(f"contrast: one JSON page of {page:,} rows ({size / MB:.1f} MiB)")
            print(f"          -> peak RSS {peak / MB:.1f} MiB")
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {TABLE}")
    finally:
        connection.close()
        teardown()
    return 0 if streamed == filled else 1


if __name__ == "__main__":
    sys.exit(main())
