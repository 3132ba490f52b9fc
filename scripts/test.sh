#!/usr/bin/env bash
# Lint, then run the whole pytest suite on SQLite, PostgreSQL and MariaDB, and sum the results.
#
#   DB=sqlite|postgres|mariadb   run one backend only (default: all three)
#   PYTEST_ARGS="-k countries"   extra pytest arguments (split on spaces)
#   TEST_POSTGRES_URL, TEST_MARIADB_URL   other servers than the local defaults
#   DX_TEST_DB_NAME              name of the test database on PostgreSQL/MariaDB
#
# Exits non-zero if lint fails, a database is unreachable, or any run fails or collects no tests.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

declare -A URLS=(
    [sqlite]="sqlite:///$PWD/db.sqlite3"
    [postgres]=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/dataexchange}
    [mariadb]=${TEST_MARIADB_URL:-mysql://root@127.0.0.1:3306/dataexchange}
)
BACKENDS=(sqlite postgres mariadb)
py=.venv/bin/python
declare -A RESULT
total_passed=0
total_failed=0
total_skipped=0
exit_code=0

# server_up postgres|mariadb: succeed if the server in that backend's URL accepts a connection.
server_up() {
    DX_URL=${URLS[$1]} DX_BACKEND=$1 "$py" - <<'PY' 2>/dev/null
import os
from urllib.parse import unquote, urlparse

url = urlparse(os.environ["DX_URL"])
host, port = url.hostname or "127.0.0.1", url.port
user, password = unquote(url.username or ""), unquote(url.password or "")
if os.environ["DX_BACKEND"] == "postgres":
    import psycopg

    psycopg.connect(
        host=host, port=port or 5432, user=user, password=password, dbname="postgres",
        connect_timeout=3,
    ).close()
else:
    import MySQLdb

    MySQLdb.connect(
        host=host, port=port or 3306, user=user, password=password, connect_timeout=3
    ).close()
PY
}

start_server() {
    case $1 in
    postgres)
        command -v pg_ctlcluster >/dev/null || return 0
        local version
        for version in $(ls /etc/postgresql 2>/dev/null); do
            pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
        done
        ;;
    mariadb)
        [ -x /usr/sbin/mariadbd ] || return 0
        mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
        ;;
    esac
}

# ensure_server postgres|mariadb: start the server if it is down; fail if it stays down for 30 s.
ensure_server() {
    server_up "$1" && return 0
    echo "$1 is not reachable at $(DATABASE_URL=${URLS[$1]} describe_db); trying to start it."
    start_server "$1"
    local second
    for second in $(seq 30); do
        server_up "$1" && return 0
        sleep 1
    done
    return 1
}

# count WORD FILE: the number before WORD in pytest's closing summary line, or 0.
count() {
    local line
    line=$(grep -E '[0-9]+ (passed|failed|errors?|skipped)|no tests ran' "$2" | tail -n 1)
    grep -oE "[0-9]+ $1" <<<"$line" | grep -oE '^[0-9]+' || echo 0
}

run_suite() {
    local backend=$1 log code passed failed skipped status
    step "pytest on $backend: DATABASE_URL=$(DATABASE_URL=${URLS[$backend]} describe_db)"
    if [ "$backend" != sqlite ] && ! ensure_server "$backend"; then
        RESULT[$backend]="FAILED: server unreachable, no tests run"
        exit_code=1
        return
    fi
    log=$(mktemp)
    read -r -a extra <<<"${PYTEST_ARGS:-}"
    DATABASE_URL=${URLS[$backend]} "$py" -m pytest ${extra[@]+"${extra[@]}"} 2>&1 | tee "$log"
    code=${PIPESTATUS[0]}
    passed=$(count passed "$log")
    failed=$(($(count failed "$log") + $(count errors? "$log")))
    skipped=$(count skipped "$log")
    rm -f "$log"
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))
    case $code in
    0) status=ok ;;
    5) status="FAILED: no tests collected" ;;
    *) status="FAILED: pytest exit code $code" ;;
    esac
    [ "$code" -eq 0 ] || exit_code=1
    RESULT[$backend]="$passed passed, $failed failed, $skipped skipped ($status)"
}

main() {
    local backends=("${BACKENDS[@]}") backend lint=ok
    if [ -n "${DB:-}" ]; then
        [ -n "${URLS[$DB]+set}" ] || die "DB=$DB is not one of: ${BACKENDS[*]}."
        backends=("$DB")
    fi
    ensure_debian_packages default-libmysqlclient-dev pkg-config build-essential \
        chromium chromium-driver
    ensure_venv test
    step "ruff check ."
    .venv/bin/ruff check . || lint=FAILED
    step "ruff format --check ."
    .venv/bin/ruff format --check . || lint=FAILED
    [ "$lint" = ok ] || exit_code=1
    for backend in "${backends[@]}"; do
        run_suite "$backend"
    done
    step "Summary"
    printf '%-9s %s\n' "lint:" "$lint"
    for backend in "${backends[@]}"; do
        printf '%-9s %s\n' "$backend:" "${RESULT[$backend]}"
    done
    local skipped=""
    [ "$total_skipped" -gt 0 ] && skipped=", $total_skipped skipped"
    echo "$total_passed passed, $total_failed failed$skipped"
    exit "$exit_code"
}

main
