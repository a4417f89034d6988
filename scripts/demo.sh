#!/usr/bin/env bash
# Install and start the demo CRM on SQLite (instance/demo.sqlite) with the Google sandbox, so a
# demo user can link a Google account and watch it sync. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
ensure_venv

HOST=127.0.0.1 PORT="${DEMO_PORT:-5000}" SANDBOX_PORT="${SANDBOX_PORT:-8765}"
mkdir -p instance
export FLASK_APP=demo.app:create_app
# A real Fernet key (kept in instance/, outside git), so the demo runs without debug mode.
[ -s instance/demo-fernet.key ] || .venv/bin/python -c \
    "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())" \
    >instance/demo-fernet.key
CRM_SYNC_ENCRYPTION_KEYS="$(cat instance/demo-fernet.key)"
export CRM_SYNC_ENCRYPTION_KEYS
.venv/bin/flask demo init

.venv/bin/python -m sandbox.google --port "$SANDBOX_PORT" --seed-demo \
    --client-id crm-sync-demo --client-secret demo-secret \
    --redirect-uri "http://$HOST:$PORT/crm-sync/link/google/callback" \
    --state-file instance/sandbox.pkl >instance/sandbox.log 2>&1 &
SANDBOX_PID=$! FLASK_PID=
stop() { kill $SANDBOX_PID $FLASK_PID 2>/dev/null || true; }
trap stop EXIT
trap 'exit 130' INT TERM
for _ in $(seq 50); do
    grep -q "listening" instance/sandbox.log 2>/dev/null && break
    kill -0 "$SANDBOX_PID" 2>/dev/null || { cat instance/sandbox.log; exit 1; }
    sleep 0.2
done

cat <<INFO

  Demo CRM:        http://$HOST:$PORT/
  Admin screens:   http://$HOST:$PORT/admin/  (log in as the admin)
  CRM logins (password demo1234):
      admin@crm.example   Avery Admin (admin)
      sam@crm.example     Sam Seller
      riley@crm.example   Riley Rep
      ann@acme.com        Ann Lee  (has a sandbox Google account)
      bob@acme.com        Bob Stone (has a sandbox Google account)
  Google sandbox:  http://$HOST:$SANDBOX_PORT/  (log in as ann@acme.com or bob@acme.com,
                   password "password", when linking from the profile menu)

INFO

export CRM_SYNC_GOOGLE_BASE_URL="http://$HOST:$SANDBOX_PORT"
export CRM_SYNC_GOOGLE_CLIENT_ID=crm-sync-demo CRM_SYNC_GOOGLE_CLIENT_SECRET=demo-secret
export CRM_SYNC_RUN_SCHEDULER=1
.venv/bin/flask run --host "$HOST" --port "$PORT" --no-reload &
FLASK_PID=$!
wait "$FLASK_PID"
