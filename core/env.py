"""Read deployment settings from environment variables, failing loudly on bad values."""

import os
import sys
from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ImproperlyConfigured

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


def env_bool(name, default):
    """Return the boolean value of environment variable `name`."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name, default):
    """Return the integer value of environment variable `name`."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name, default):
    """Return a comma-separated environment variable as a list of stripped items."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url):
    """Return a Django DATABASES entry for a `sqlite:///`, `postgres://` or `mysql://` URL."""
    import dj_database_url

    scheme = urlparse(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql", "mysql", "mariadb"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL scheme {scheme!r} is not supported; use sqlite:///, postgres:// or mysql://."
        )
    if scheme == "mariadb":
        url = "mysql" + url[len("mariadb") :]
    config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    config["CONN_HEALTH_CHECKS"] = True
    engine = config["ENGINE"]
    if engine == "django.db.backends.mysql":
        config.setdefault("OPTIONS", {}).update(
            {"charset": "utf8mb4", "init_command": "SET sql_mode='STRICT_TRANS_TABLES'"}
        )
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    test_name = os.environ.get("DX_TEST_DB_NAME")
    if test_name and engine != "django.db.backends.sqlite3":
        config.setdefault("TEST", {})["NAME"] = test_name
    if engine == "django.db.backends.postgresql":
        # Server-side binding lets psycopg prepare repeated statements, so the hot queries
        # (token, configuration version, page reads) skip planning after their fifth run.
        if env_bool("DB_SERVER_SIDE_BINDING", True):
            config.setdefault("OPTIONS", {}).update(
                {"server_side_binding": True, "prepare_threshold": 2}
            )
    if engine == "django.db.backends.sqlite3":
        config["OPTIONS"] = sqlite_options()
        config["CONN_MAX_AGE"] = 0
    if serving_with_runserver():
        # runserver answers each request on a new thread, and a persistent connection of a
        # finished thread is never reused nor closed: a few hundred requests exhaust the
        # server's connection slots ("too many clients"). Django says: no persistent
        # connections in development.
        config["CONN_MAX_AGE"] = 0
    return config


def serving_with_runserver():
    """Return whether this process is Django's development server (`manage.py runserver`)."""
    return len(sys.argv) > 1 and sys.argv[1] == "runserver"


def replica_databases(urls):
    """Return the DATABASES entries `replica_1`, `replica_2`, ... of read-replica URLs (the
    engine's GET data reads go to them, dataexchange/replicas.py); in tests they mirror
    `default`, so the suite sees one database."""
    return {
        f"replica_{number}": {**database_from_url(url), "TEST": {"MIRROR": "default"}}
        for number, url in enumerate(urls, start=1)
    }


def sqlite_options():
    """Return the SQLite connection options for several processes and threads writing at once.

    SQLite lets one writer in at a time. WAL lets readers go on while it writes; IMMEDIATE takes
    the write lock when a transaction begins, where waiting for it respects the busy timeout
    (a DEFERRED transaction that reads, then writes, fails at once with `database is locked`
    when another writer got in between). IMMEDIATE applies to every atomic block, so reads
    belong in autocommit, as the API's are. A writer still waiting after DB_BUSY_TIMEOUT seconds
    gets `database is locked`, which the API answers with 503 1415. `synchronous=NORMAL` is
    safe with WAL: a power cut may lose the last commits, never consistency.
    """
    return {
        "timeout": env_int("DB_BUSY_TIMEOUT", 20),
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }


def cache_from_url(url):
    """Return a Django CACHES entry for `locmem://`, `dummy://` or `redis://` URLs."""
    parsed = urlparse(url)
    if parsed.scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if parsed.scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": parsed.netloc or "dataexchange",
        }
    if parsed.scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if parsed.scheme == "db":
        table = parse_qs(parsed.query).get("table", ["dataexchange_cache"])[0]
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table}
    raise ImproperlyConfigured(
        f"CACHE_URL scheme {parsed.scheme!r} is not supported; use locmem://, redis:// or dummy://."
    )
