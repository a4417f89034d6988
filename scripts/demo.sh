#!/usr/bin/env bash
# Install and start the demo CRM on SQLite (instance/demo.sqlite) with every provider stand-in
# (Google, Exchange, Microsoft 365), so a demo user can link a Google, Exchange or Microsoft 365
# account and watch it sync. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
ensure_venv

HOST=127.0.0.1 PORT="${DEMO_PORT:-5000}" SANDBOX_PORT="${SANDBOX_PORT:-8765}"
EXCHANGE_PORT="${EXCHANGE_PORT:-8766}" MICROSOFT_PORT="${MICROSOFT_PORT:-8767}"
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
# The Exchange stand-in with its --seed-demo data plus Ann's meetings and mail with customers.
.venv/bin/python -m demo.exchange_seed --port "$EXCHANGE_PORT" \
    --state-file instance/exchange.pkl >instance/exchange.log 2>&1 &
EXCHANGE_PID=$!
# The Microsoft 365 stand-in (identity platform and Graph), with its demo mailboxes.
.venv/bin/python -m sandbox.microsoft --port "$MICROSOFT_PORT" --seed-demo \
    --client-id crm-sync-demo --client-secret demo-secret \
    --redirect-uri "http://$HOST:$PORT/crm-sync/link/microsoft/callback" \
    --state-file instance/microsoft.pkl >instance/microsoft.log 2>&1 &
MICROSOFT_PID=$!
stop() { kill $SANDBOX_PID $EXCHANGE_PID $MICROSOFT_PID $FLASK_PID 2>/dev/null || true; }
trap stop EXIT
trap 'exit 130' INT TERM
wait_listening() { # pid log
    for _ in $(seq 50); do
        grep -q "listening" "$2" 2>/dev/null && return 0
        kill -0 "$1" 2>/dev/null || { cat "$2"; exit 1; }
        sleep 0.2
    done
}
wait_listening "$SANDBOX_PID" instance/sandbox.log
wait_listening "$EXCHANGE_PID" instance/exchange.log
wait_listening "$MICROSOFT_PID" instance/microsoft.log
EXCHANGE_URL="http://$HOST:$EXCHANGE_PORT/EWS/Exchange.asmx"

cat <<INFO

  Demo CRM:        http://$HOST:$PORT/
  Admin screens:   http://$HOST:$PORT/admin/  (log in as the admin)
  CRM logins (password demo1234):
      admin@crm.example   Avery Admin (admin)
      sam@crm.example     Sam Seller
      riley@crm.example   Riley Rep
      ann@acme.com        Ann Lee  (has sandbox Google, Exchange and Microsoft 365 accounts)
      bob@acme.com        Bob Stone (has sandbox Google, Exchange and Microsoft 365 accounts)
  Google sandbox:  http://$HOST:$SANDBOX_PORT/  (log in as ann@acme.com or bob@acme.com,
                   password "password", when linking from the profile menu)
  Exchange sandbox: $EXCHANGE_URL
                   (Link External Calendar/Email > Select a Different Provider >
                   Microsoft Exchange (on-premises): that URL as server, ann@acme.com,
                   password "password")
  Microsoft 365 sandbox: http://$HOST:$MICROSOFT_PORT/  (identity platform and Graph v1.0)
                   (Link External Calendar/Email > Select a Different Provider >
                   Microsoft 365, then sign in as ann@acme.com, password "password",
                   and Accept)

INFO

export CRM_SYNC_GOOGLE_BASE_URL="http://$HOST:$SANDBOX_PORT"
export CRM_SYNC_GOOGLE_CLIENT_ID=crm-sync-demo CRM_SYNC_GOOGLE_CLIENT_SECRET=demo-secret
export CRM_SYNC_EXCHANGE_ENABLED=1 DEMO_EXCHANGE_URL="$EXCHANGE_URL"
export CRM_SYNC_MICROSOFT_CLIENT_ID=crm-sync-demo CRM_SYNC_MICROSOFT_CLIENT_SECRET=demo-secret
export CRM_SYNC_MICROSOFT_LOGIN_URL="http://$HOST:$MICROSOFT_PORT"
export CRM_SYNC_MICROSOFT_GRAPH_URL="http://$HOST:$MICROSOFT_PORT/v1.0"
export CRM_SYNC_RUN_SCHEDULER=1
.venv/bin/flask run --host "$HOST" --port "$PORT" --no-reload &
FLASK_PID=$!
wait "$FLASK_PID"
