"""The ceiling: a bare WSGI app doing the benchmark's work with psycopg 3 and orjson only.

It answers the benchmark's routes on `bench_product` with the service's SQL semantics and JSON
shapes, and nothing else: no framework, no validation beyond what the SQL needs, one autocommit
statement where one statement does the work (POST of any size; PATCH, PUT and DELETE of one row;
batch PATCH and PUT run in one transaction), one database connection per thread. By default it
checks **no credentials** (the yardstick of issue 16: the service pays for its token check inside
the ratio); `BENCH_REFERENCE_AUTH=1` adds the service's token check (one indexed lookup of the
sha256 of the bearer token) for a second column.

    GET    /dynamic-entity/bench-products?page[offset]=..&page[limit]=..   a page, by id
    GET    /dynamic-entity/bench-products/<id>                             one row
    POST   /dynamic-entity/bench-products        {"data": [...]}           insert a batch
    PATCH  /dynamic-entity/bench-products        {"data": [...]}           partial updates by id
    PUT    /dynamic-entity/bench-products        {"data": [...]}           upsert by id
    PATCH  /dynamic-entity/bench-products/<id>   {"data": {...}}           partial update of one
    PUT    /dynamic-entity/bench-products/<id>   {"data": {...}}           full replace of one
    DELETE /dynamic-entity/bench-products/<id>                             delete one (204)

Serve it like the service: `gunicorn bench.reference:app` or
`granian --interface wsgi bench.reference:app`. Reads BENCH_PG_DSN.
"""

import hashlib
import os
import re
import threading
from decimal import Decimal

import orjson
import psycopg

DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/dataexchange_bench")
AUTH = os.environ.get("BENCH_REFERENCE_AUTH", "0") == "1"
TABLE = "bench_product"
COLUMNS = ("id", "sku", "name", "price", "stock", "is_active", "created_at")
SELECT = ", ".join(COLUMNS)
WRITABLE = ("sku", "name", "price", "stock", "is_active")
PATH_RE = re.compile(r"^/dynamic-entity/bench-products(?:/(?P<id>\d+))?$")
TOKEN_SQL = (
    "SELECT user_id FROM dataexchange_auth_accesstoken"
    " WHERE access_hash = %s AND revoked_at IS NULL AND expires_at > now()"
)
NOT_FOUND = [{"message": "Not found", "status": 404, "code": "007"}]
_local = threading.local()


def connection():
    """This thread's connection (a gthread or granian worker runs requests on several threads)."""
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed or getattr(_local, "pid", None) != os.getpid():
        conn = _local.conn = psycopg.connect(DSN, autocommit=True)
        _local.pid = os.getpid()
    return conn


def render(row):
    item = dict(zip(COLUMNS, row))
    item["price"] = str(item["price"]) if item["price"] is not None else None
    item["created_at"] = item["created_at"].isoformat() if item["created_at"] else None
    return item


def respond(start_response, status, payload=None):
    body = b"" if payload is None else orjson.dumps(payload)
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def authorised(environ, cur):
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Bearer "):
        return False
    digest = hashlib.sha256(header[7:].encode()).hexdigest()
    cur.execute(TOKEN_SQL, (digest,))
    return cur.fetchone() is not None


def app(environ, start_response):
    match = PATH_RE.match(environ["PATH_INFO"])
    if not match:
        return respond(start_response, "404 Not Found", NOT_FOUND)
    conn = connection()
    with conn.cursor() as cur:
        if AUTH and not authorised(environ, cur):
            return respond(start_response, "403 Forbidden", [{"code": None}])
        method, entity_id = environ["REQUEST_METHOD"], match["id"]
        if method == "GET":
            return get(environ, start_response, cur, entity_id)
        if entity_id is not None:
            return one(environ, start_response, cur, method, int(entity_id))
        body = read_body(environ)
        if method == "POST":  # one INSERT ... VALUES (...), (...): atomic without a transaction
            return respond(start_response, "201 Created", {"data": insert(cur, body["data"])})
        with conn.transaction():
            if method == "PATCH":
                return respond(start_response, "200 OK", {"data": update(cur, body["data"])})
            if method == "PUT":
                return respond(start_response, "200 OK", {"data": upsert(cur, body["data"])})
    return respond(start_response, "404 Not Found", NOT_FOUND)


def read_body(environ):
    return orjson.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))


def get(environ, start_response, cur, entity_id):
    if entity_id is not None:
        cur.execute(f"SELECT {SELECT} FROM {TABLE} WHERE id = %s", (int(entity_id),))
        row = cur.fetchone()
        if row is None:
            return respond(start_response, "404 Not Found", NOT_FOUND)
        return respond(start_response, "200 OK", {"data": render(row)})
    params = dict(p.split("=", 1) for p in environ.get("QUERY_STRING", "").split("&") if "=" in p)
    offset = int(params.get("page%5Boffset%5D", params.get("page[offset]", 0)))
    limit = int(params.get("page%5Blimit%5D", params.get("page[limit]", 1000)))
    cur.execute(f"SELECT {SELECT} FROM {TABLE} ORDER BY id LIMIT %s OFFSET %s", (limit, offset))
    return respond(start_response, "200 OK", {"data": [render(r) for r in cur.fetchall()]})


def one(environ, start_response, cur, method, entity_id):
    """PATCH, PUT or DELETE of one row by id: one autocommit statement each."""
    if method == "DELETE":
        cur.execute(f"DELETE FROM {TABLE} WHERE id = %s RETURNING id", (entity_id,))
        if cur.fetchone() is None:
            return respond(start_response, "404 Not Found", NOT_FOUND)
        return respond(start_response, "204 No Content")
    if method not in ("PATCH", "PUT"):
        return respond(start_response, "404 Not Found", NOT_FOUND)
    item = read_body(environ)["data"]
    # PATCH changes the sent columns; PUT replaces the row: every writable column not sent is NULL.
    columns = [c for c in WRITABLE if c in item] if method == "PATCH" else list(WRITABLE)
    sets = ", ".join(f"{c} = %s" for c in columns)
    cur.execute(
        f"UPDATE {TABLE} SET {sets} WHERE id = %s RETURNING {SELECT}",
        (*(_value(c, item.get(c)) for c in columns), entity_id),
    )
    row = cur.fetchone()
    if row is None and method == "PUT":
        row = insert(cur, [item])[0]
        return respond(start_response, "200 OK", {"data": row})
    if row is None:
        return respond(start_response, "404 Not Found", NOT_FOUND)
    return respond(start_response, "200 OK", {"data": render(row)})


def _value(column, value):
    return Decimal(str(value)) if column == "price" and value is not None else value


def _values(item):
    return tuple(_value(c, item.get(c)) for c in WRITABLE)


def insert(cur, items):
    placeholders = ", ".join(["(%s, %s, %s, %s, %s)"] * len(items))
    params = [v for item in items for v in _values(item)]
    cur.execute(
        f"INSERT INTO {TABLE} ({', '.join(WRITABLE)}) VALUES {placeholders} RETURNING {SELECT}",
        params,
    )
    return [render(r) for r in cur.fetchall()]


def update(cur, items):
    columns = [c for c in WRITABLE if c in items[0]]
    sets = ", ".join(f"{c} = %s" for c in columns)
    cur.executemany(
        f"UPDATE {TABLE} SET {sets} WHERE id = %s",
        [(*(_value(c, i.get(c)) for c in columns), i["id"]) for i in items],
    )
    cur.execute(
        f"SELECT {SELECT} FROM {TABLE} WHERE id = ANY(%s) ORDER BY id", ([i["id"] for i in items],)
    )
    return [render(r) for r in cur.fetchall()]


def upsert(cur, items):
    cur.execute(
        f"SELECT id FROM {TABLE} WHERE id = ANY(%s)", ([i["id"] for i in items if "id" in i],)
    )
    existing = {r[0] for r in cur.fetchall()}
    updates = [i for i in items if i.get("id") in existing]
    creates = [i for i in items if i.get("id") not in existing]
    rows = update(cur, updates) if updates else []
    return rows + (insert(cur, creates) if creates else [])
