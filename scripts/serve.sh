#!/usr/bin/env bash
# Set up a development instance and serve it: .venv, install, migrate, demo data, admin user,
# demo endpoints (when their file and importer exist), then runserver on 127.0.0.1:8000 with a
# task worker and the scheduler of periodic tasks beside it (asynchronous jobs).
#
#   SERVE_NO_RUNSERVER=1  do every set-up step but do not start the server (used by the tests)
#   SERVE_SKIP_INSTALL=1  trust the existing .venv; skip creating it and installing into it
#   SERVE_PYTHON=path     run manage.py with this interpreter instead of .venv/bin/python
#   SERVE_ADDR=host:port  where runserver listens (default 127.0.0.1:8000)
#   DEMO_PRODUCTS=N       size of the demo catalogue (default 2000)
#   DATABASE_URL          which database to use (default: SQLite file db.sqlite3)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ENDPOINTS_FILE=dataexchange/demo/endpoints.json
py=${SERVE_PYTHON:-.venv/bin/python}
addr=${SERVE_ADDR:-127.0.0.1:8000}
# Printed links (the admin login) point at this server unless SITE_URL says otherwise.
export SITE_URL=${SITE_URL:-http://$addr}

import_demo_endpoints() {
    local help args=()
    if [ ! -f "$ENDPOINTS_FILE" ]; then
        echo "No $ENDPOINTS_FILE yet; skipping the demo endpoints."
        return 0
    fi
    if ! help=$("$py" manage.py help import_endpoints 2>/dev/null); then
        echo "No import_endpoints command yet; skipping the demo endpoints."
        return 0
    fi
    if grep -q -- "--skip-existing" <<<"$help"; then args+=(--skip-existing); fi
    "$py" manage.py import_endpoints ${args[@]+"${args[@]}"} "$ENDPOINTS_FILE"
}

if [ "${SERVE_SKIP_INSTALL:-0}" != 1 ]; then
    ensure_venv base
fi
step "Migrating the database ($(describe_db))"
"$py" manage.py migrate --noinput
step "Loading demo data"
"$py" manage.py load_demo --products "${DEMO_PRODUCTS:-2000}"
step "Admin user"
"$py" manage.py ensure_admin
step "Demo endpoints"
import_demo_endpoints

if [ "${SERVE_NO_RUNSERVER:-0}" = 1 ]; then
    echo "Set-up done; not starting the server (SERVE_NO_RUNSERVER=1)."
    exit 0
fi
# Asynchronous jobs need a task worker and the scheduler of periodic tasks beside the server
# (docs/jobs.md); they stop with it.
if [ "${DATA_EXCHANGE_TASKS_BACKEND:-database}" = redis ]; then
    worker=(rqworker default --job-class django_tasks_rq.Job)
else
    worker=(db_worker --no-reload)
fi
step "Starting a task worker (${worker[0]}) and the scheduler (dataexchange_scheduler)"
"$py" manage.py "${worker[@]}" &
worker_pid=$!
"$py" manage.py dataexchange_scheduler &
scheduler_pid=$!
trap 'kill "$worker_pid" "$scheduler_pid" 2>/dev/null; wait' EXIT INT TERM
step "Serving http://$addr/ (admin at http://$addr/admin/); Ctrl-C stops"
"$py" manage.py runserver "$addr"
