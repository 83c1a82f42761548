#!/usr/bin/env bash
# Migrate, load the demo data, then run the web server and a Celery worker side by side.
# Ctrl-C (or SIGTERM) stops both; if either one dies, the other is stopped too.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${VENV:-.venv}/bin"
HOST="${PORTAL_HOST:-127.0.0.1}"
PORT="${PORTAL_PORT:-8000}"
export PORTAL_BASE_URL="${PORTAL_BASE_URL:-http://$HOST:$PORT}"

"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py move_private_files -v0
"$BIN/python" manage.py seed_demo

# -B: the worker also runs the periodic tasks (the sweep that sends queued work again after an outage).
mkdir -p "${PORTAL_VAR_DIR:-var}"
"$BIN/celery" -A clrportal worker -B --schedule "${PORTAL_VAR_DIR:-var}/celerybeat-schedule" \
  --loglevel INFO --concurrency "${CELERY_CONCURRENCY:-2}" --hostname "portal@%h" &
worker=$!
"$BIN/python" manage.py runserver --noreload "$HOST:$PORT" &
web=$!
# The demo learners' credentials: queued now, signed by the worker in the background (nothing new on a rerun).
"$BIN/python" manage.py issue_credentials --institution northbridge || echo "Issuing the demo credentials failed; see above."

stop() {
  trap - INT TERM EXIT
  kill -TERM "$web" "$worker" 2>/dev/null || true
  wait "$web" "$worker" 2>/dev/null || true
}
trap stop INT TERM EXIT

echo
echo "CLR Portal is starting at $PORTAL_BASE_URL/ (web server pid $web, Celery worker pid $worker)."
echo "Log in with one of the demo accounts above. Press Ctrl-C to stop both."
echo
wait -n "$web" "$worker"
