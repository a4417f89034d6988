#!/usr/bin/env bash
# Vendor the front-end bundles (built files + licences) from the npm registry into
# plugin/static/vendor/. Re-run to upgrade (override the versions below); commit the result.
set -euo pipefail
FULLCALENDAR_VERSION="${FULLCALENDAR_VERSION:-6.1.21}"
BOOTSTRAP_VERSION="${BOOTSTRAP_VERSION:-5.3.9}"
LUXON_VERSION="${LUXON_VERSION:-3.7.2}"
TOM_SELECT_VERSION="${TOM_SELECT_VERSION:-2.6.2}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENDOR="$ROOT/plugin/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund \
  "fullcalendar@$FULLCALENDAR_VERSION" "@fullcalendar/luxon3@$FULLCALENDAR_VERSION" \
  "luxon@$LUXON_VERSION" "tom-select@$TOM_SELECT_VERSION" "bootstrap@$BOOTSTRAP_VERSION" >/dev/null

mkdir -p "$VENDOR/fullcalendar" "$VENDOR/bootstrap" "$VENDOR/luxon" "$VENDOR/tom-select"
cp node_modules/fullcalendar/index.global.min.js node_modules/fullcalendar/LICENSE.md \
  "$VENDOR/fullcalendar/"
# FullCalendar's named-time-zone plugin (registers itself on load) and the Luxon it uses.
cp node_modules/@fullcalendar/luxon3/index.global.min.js "$VENDOR/fullcalendar/luxon3.global.min.js"
cp node_modules/luxon/build/global/luxon.min.js node_modules/luxon/LICENSE.md "$VENDOR/luxon/"
cp node_modules/tom-select/dist/js/tom-select.complete.min.js \
  node_modules/tom-select/dist/css/tom-select.bootstrap5.min.css node_modules/tom-select/LICENSE \
  "$VENDOR/tom-select/"
node -p "require('./node_modules/fullcalendar/package.json').version" \
  > "$VENDOR/fullcalendar/VERSION"
cp node_modules/bootstrap/dist/css/bootstrap.min.css \
  node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/LICENSE \
  "$VENDOR/bootstrap/"
echo "fullcalendar $(cat "$VENDOR/fullcalendar/VERSION"), luxon $LUXON_VERSION," \
  "tom-select $TOM_SELECT_VERSION, bootstrap $BOOTSTRAP_VERSION -> $VENDOR"
