"""The ceiling: a plain WSGI app doing the benchmark's work with psycopg 3 and orjson only.

Same table, same token check (one indexed lookup of the sha256 of the bearer token), same
JSON shapes; no framework, no validation beyond what the SQL needs. Run under gunicorn:
`gunicorn bench.reference:app`. Reads BENCH_PG_DSN.
"""

import hashlib
import os
import re
from decimal import Decimal

import orjson
import psycopg

DSN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/dataexchange_bench")
TABLE = "bench_product"
COLUMNS = ("id", "sku", "name", "price", "stock", "is_active", "created_at")
SELECT = ", ".join(COLUMNS)
WRITABLE = ("sku", "name", "price", "stock", "is_active")
PATH_RE = re.compile(r"^/dynamic-entity/bench-products(?:/(?P<id>\d+))?$")
TOKEN_SQL = (
    "SELECT user_id FROM dataexchange_auth_accesstoken"
    " WHERE access_hash = %s AND revoked_at IS NULL AND expires_at > now()"
)
_connection = {}


def connection():
    conn = _connection.get(os.getpid())
    if conn is None or conn.closed:
        conn = _connection[os.getpid()] = psycopg.connect(DSN, autocommit=True)
    return conn


def render(row):
    item = dict(zip(COLUMNS, row))
    item["price"] = str(item["price"]) if item["price"] is not None else None
    item["created_at"] = item["created_at"].isoformat() if item["created_at"] else None
    return item


def respond(start_response, status, payload):
    body = orjson.dumps(payload)
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
        return respond(start_response, "404 Not Found", [{"code": "007"}])
    conn = connection()
    with conn.cursor() as cur:
        if not authorised(environ, cur):
            return respond(start_response, "403 Forbidden", [{"code": None}])
        method = environ["REQUEST_METHOD"]
        if method == "GET":
            return get(environ, start_response, cur, match["id"])
        body = orjson.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        with conn.transaction():
            if method == "POST":
                rows = insert(cur, body["data"])
                return respond(start_response, "201 Created", {"data": rows})
            if method == "PATCH":
                return respond(start_response, "200 OK", {"data": update(cur, body["data"])})
            if method == "PUT":
                return respond(start_response, "200 OK", {"data": upsert(cur, body["data"])})
    return respond(start_response, "404 Not Found", [{"code": "007"}])


def get(environ, start_response, cur, entity_id):
    if entity_id is not None:
        cur.execute(f"SELECT {SELECT} FROM {TABLE} WHERE id = %s", (int(entity_id),))
        row = cur.fetchone()
        return respond(start_response, "200 OK", {"data": render(row)})
    params = dict(p.split("=", 1) for p in environ.get("QUERY_STRING", "").split("&") if "=" in p)
    offset = int(params.get("page%5Boffset%5D", params.get("page[offset]", 0)))
    limit = int(params.get("page%5Blimit%5D", params.get("page[limit]", 1000)))
    cur.execute(f"SELECT {SELECT} FROM {TABLE} ORDER BY id LIMIT %s OFFSET %s", (limit, offset))
    return respond(start_response, "200 OK", {"data": [render(r) for r in cur.fetchall()]})


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
