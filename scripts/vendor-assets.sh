#!/usr/bin/env bash
# Vendor the front-end bundles (built files + licences) from the npm registry into
# plugin/static/vendor/. Re-run to upgrade (override the versions below); commit the result.
set -euo pipefail
FULLCALENDAR_VERSION="${FULLCALENDAR_VERSION:-6.1.21}"
BOOTSTRAP_VERSION="${BOOTSTRAP_VERSION:-5.3.9}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDOR="$ROOT/plugin/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund \
  "fullcalendar@$FULLCALENDAR_VERSION" "bootstrap@$BOOTSTRAP_VERSION" >/dev/null

mkdir -p "$VENDOR/fullcalendar" "$VENDOR/bootstrap"
cp node_modules/fullcalendar/index.global.min.js node_modules/fullcalendar/LICENSE.md \
  "$VENDOR/fullcalendar/"
node -p "require('./node_modules/fullcalendar/package.json').version" \
  > "$VENDOR/fullcalendar/VERSION"
cp node_modules/bootstrap/dist/css/bootstrap.min.css \
  node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/LICENSE \
  "$VENDOR/bootstrap/"
echo "fullcalendar $(cat "$VENDOR/fullcalendar/VERSION"), bootstrap $BOOTSTRAP_VERSION -> $VENDOR"
