"""Settings from the environment: URL parsing in core/env.py and the settings module's checks."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

import pytest

from core.env import cache_from_url, database_from_url, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("DX_TEST_DB_NAME", "DB_CONN_MAX_AGE", "DX_FLAG", "DX_NUMBER", "DX_ITEMS"):
        monkeypatch.delenv(name, raising=False)


def test_sqlite_url():
    config = database_from_url("sqlite:////tmp/some/db.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/tmp/some/db.sqlite3"
    assert config["CONN_MAX_AGE"] == 0


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
def test_postgres_url(scheme):
    config = database_from_url(f"{scheme}://dx:s3cret@db.example:5433/shop")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"]) == ("dx", "s3cret")
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example", 5433, "shop")
    assert config["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize("scheme", ["mysql", "mariadb"])
def test_mysql_and_mariadb_urls(scheme):
    config = database_from_url(f"{scheme}://root@127.0.0.1:3306/shop")
    assert config["ENGINE"] == "django.db.backends.mysql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("127.0.0.1", 3306, "shop")
    assert config["OPTIONS"]["charset"] == "utf8mb4"
    assert "STRICT_TRANS_TABLES" in config["OPTIONS"]["init_command"]
    assert config["TEST"]["CHARSET"] == "utf8mb4"


def test_connection_age_from_environment(monkeypatch):
    monkeypatch.setenv("DB_CONN_MAX_AGE", "0")
    assert database_from_url("postgres://u@h/db")["CONN_MAX_AGE"] == 0


def test_runserver_keeps_no_persistent_connections(monkeypatch):
    """runserver's thread per request would leave one open connection per request behind."""
    assert database_from_url("postgres://u@h/db")["CONN_MAX_AGE"] == 60
    monkeypatch.setattr(sys, "argv", ["manage.py", "runserver", "127.0.0.1:8000"])
    assert database_from_url("postgres://u@h/db")["CONN_MAX_AGE"] == 0
    assert database_from_url("mysql://u@h/db")["CONN_MAX_AGE"] == 0


def test_test_database_name_applies_to_servers_only(monkeypatch):
    monkeypatch.setenv("DX_TEST_DB_NAME", "test_mine")
    assert database_from_url("postgres://u@h/db")["TEST"]["NAME"] == "test_mine"
    assert database_from_url("mysql://u@h/db")["TEST"]["NAME"] == "test_mine"
    assert "TEST" not in database_from_url("sqlite:///x.sqlite3")


def test_unsupported_database_scheme_is_explained():
    with pytest.raises(ImproperlyConfigured, match=r"DATABASE_URL scheme 'oracle'.*sqlite:///"):
        database_from_url("oracle://scott:tiger@db/orcl")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("Yes", True), (" on ", True), ("0", False), ("off", False)]
    + [("FALSE", False), ("no", False), ("", False)],
)
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("DX_FLAG", raw)
    assert env_bool("DX_FLAG", not expected) is expected


def test_env_bool_default_and_error(monkeypatch):
    assert env_bool("DX_FLAG", True) is True
    monkeypatch.setenv("DX_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"DX_FLAG='maybe' is not a boolean"):
        env_bool("DX_FLAG", False)


def test_env_int(monkeypatch):
    assert env_int("DX_NUMBER", 7) == 7
    monkeypatch.setenv("DX_NUMBER", "")
    assert env_int("DX_NUMBER", 7) == 7
    monkeypatch.setenv("DX_NUMBER", "42")
    assert env_int("DX_NUMBER", 7) == 42
    monkeypatch.setenv("DX_NUMBER", "4.2")
    with pytest.raises(ImproperlyConfigured, match=r"DX_NUMBER='4.2' is not an integer"):
        env_int("DX_NUMBER", 7)


def test_env_list(monkeypatch):
    assert env_list("DX_ITEMS", ["a"]) == ["a"]
    monkeypatch.setenv("DX_ITEMS", " example.com, ,api.example.com ")
    assert env_list("DX_ITEMS", []) == ["example.com", "api.example.com"]


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("redis://cache:6379/1", "redis.RedisCache", "redis://cache:6379/1"),
        ("rediss://cache:6380/0", "redis.RedisCache", "rediss://cache:6380/0"),
        ("locmem://", "locmem.LocMemCache", "dataexchange"),
        ("locmem://mine", "locmem.LocMemCache", "mine"),
        ("db://?table=my_cache", "db.DatabaseCache", "my_cache"),
        ("dummy://", "dummy.DummyCache", None),
    ],
)
def test_cache_urls(url, backend, location):
    config = cache_from_url(url)
    assert config["BACKEND"] == f"django.core.cache.backends.{backend}"
    assert config.get("LOCATION") == location


def test_unsupported_cache_scheme_is_explained():
    with pytest.raises(ImproperlyConfigured, match=r"CACHE_URL scheme 'memcached'"):
        cache_from_url("memcached://127.0.0.1:11211")


def import_settings(**env):
    """Import core.settings in a fresh interpreter with `env` on top of a cleaned environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    clean.update(env)
    code = (
        "import core.settings as s; "
        "print(s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    result = import_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_settings_for_production():
    result = import_settings(
        DEBUG="0",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="api.example.com",
        DATABASE_URL="postgres://u@db.example/shop",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "['api.example.com']",
        "django.db.backends.postgresql",
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DATABASE_URL": "oracle://db/orcl"}, "DATABASE_URL scheme 'oracle'"),
        ({"CACHE_URL": "memcached://x"}, "CACHE_URL scheme 'memcached'"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not an integer"),
    ],
)
def test_bad_settings_fail_with_a_clear_message(env, message):
    result = import_settings(**env)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr
