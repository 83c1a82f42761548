#!/usr/bin/env bash
# Migrate, load the demo data, then run the web server and a Celery worker side by side.
# Ctrl-C (or SIGTERM) stops both and exits 0: stopping is not a failure. If either one dies on its own,
# the other is stopped too and the script exits with an error.
# The worker logs warnings and errors only (CELERY_LOGLEVEL=INFO shows every task); the demo accounts are
# printed again once the worker has signed the demo credentials, so they are the last thing on screen.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${VENV:-.venv}/bin"
HOST="${PORTAL_HOST:-127.0.0.1}"
PORT="${PORTAL_PORT:-8000}"
export PORTAL_BASE_URL="${PORTAL_BASE_URL:-http://$HOST:$PORT}"

web="" worker="" announcer=""

stop() {
  trap - EXIT
  local pid
  for pid in $announcer $web $worker; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $announcer $web $worker; do wait "$pid" 2>/dev/null || true; done
}

stop_on_signal() {
  trap '' INT TERM  # a second Ctrl-C does not cut the stopping short
  echo
  echo "Stopping the web server and the Celery worker…"
  stop
  echo "CLR Portal stopped."
  exit 0
}

trap stop_on_signal INT TERM
trap stop EXIT

"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py move_private_files -v0
demo="$("$BIN/python" manage.py seed_demo)"
echo "$demo"
accounts="$(grep -E '^(Demo accounts|  )' <<<"$demo" || true)"

# -B: the worker also runs the periodic tasks (the sweep that sends queued work again after an outage).
mkdir -p "${PORTAL_VAR_DIR:-var}"
"$BIN/python" -m clrportal.worker -B --schedule "${PORTAL_VAR_DIR:-var}/celerybeat-schedule" \
  --loglevel "${CELERY_LOGLEVEL:-WARNING}" --concurrency "${CELERY_CONCURRENCY:-2}" --hostname "portal@%h" &
worker=$!
"$BIN/python" manage.py runserver --noreload "$HOST:$PORT" &
web=$!

echo
echo "CLR Portal is starting at $PORTAL_BASE_URL/ (web server pid $web, Celery worker pid $worker)."
echo "The worker is signing the demo learners' credentials; the demo accounts follow when it is done."
echo

# In the background, so that a worker that dies meanwhile is noticed below: queue the demo learners'
# credentials (nothing new on a rerun), wait until the worker has signed them, then say how to log in.
announce() {
  local issuing
  trap '[ -n "${issuing:-}" ] && kill -TERM "$issuing" 2>/dev/null; exit 0' TERM
  "$BIN/python" manage.py issue_credentials --institution northbridge --wait --timeout 900 &
  issuing=$!
  wait "$issuing" || echo "Issuing the demo credentials failed; see above."
  echo
  echo "CLR Portal is running at $PORTAL_BASE_URL/"
  echo "$accounts"
  echo "Log in with one of the demo accounts above. Press Ctrl-C to stop the web server and the worker."
  echo
}
announce &
announcer=$!

status=0
wait -n "$web" "$worker" || status=$?
echo "The $( kill -0 "$web" 2>/dev/null && echo "Celery worker" || echo "web server" ) stopped (exit status $status):" \
  "stopping the rest." >&2
stop
exit $(( status == 0 ? 1 : status ))
