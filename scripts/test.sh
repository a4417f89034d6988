#!/usr/bin/env bash
# Install everything and run the whole suite: ruff, pytest on SQLite, and pytest again on
# PostgreSQL when one answers on 127.0.0.1:5432 (CRM_SYNC_TEST_DATABASE_URL). Browser tests
# use Debian's Chromium, installed here if missing.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
set +e

if [ ! -x /usr/bin/chromium ]; then
    apt_install chromium fonts-liberation fonts-dejavu-core || exit 1
fi
ensure_venv test || exit 1

PG_URL="${CRM_SYNC_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1/test}"
# loadfile: a module's tests stay on one worker, so module-scoped live servers and browsers
# never interleave with another module's.
PYTEST=(.venv/bin/pytest -n 2 --dist loadfile -p no:cacheprovider -q)
failed=()
step() {
    local name="$1"; shift
    echo "== $name"
    "$@" || failed+=("$name")
}

step "ruff check" .venv/bin/ruff check .
step "ruff format --check" .venv/bin/ruff format --check .
step "pytest (SQLite)" env -u CRM_SYNC_TEST_DATABASE_URL "${PYTEST[@]}" "$@"
if .venv/bin/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" \
    2>/dev/null; then
    step "pytest (PostgreSQL)" env CRM_SYNC_TEST_DATABASE_URL="$PG_URL" "${PYTEST[@]}" "$@"
else
    echo "== PostgreSQL not reachable on 127.0.0.1:5432: SQLite run only"
fi

if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
echo "all passed"
