#!/usr/bin/env bash
# The backend, crash and sender tests while other work takes the CPU (issue 13).
#
# Starts TOKOHELP_LOAD_PROCS busy processes (default 2: both cores of a small CI
# machine), each bounded by TOKOHELP_LOAD_SECONDS (default 1800), runs the tests
# with the README's test command, and stops the busy processes again, whatever
# the result.  Extra arguments go to pytest.  Needs the .venv that .ci/run builds.
#
#   bash .ci/under-load.sh            # what CI runs
#   for i in 1 2 3; do bash .ci/under-load.sh || break; done
set -euo pipefail
cd "$(dirname "$0")/.."
procs="${TOKOHELP_LOAD_PROCS:-2}"
limit="${TOKOHELP_LOAD_SECONDS:-1800}"
busy=()
stop_busy() {
  for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${busy[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_busy EXIT
for _ in $(seq "$procs"); do
  timeout "$limit" python3 -c 'while True: pass' &
  busy+=("$!")
done
echo "under-load: $procs busy processes (pids ${busy[*]}), at most ${limit} s"
.venv/bin/python -m pytest -p no:cacheprovider -q -m "not slow" \
  tests/backends tests/tickets/test_sender.py tests/tickets/test_store.py \
  tests/tickets/test_send_outcomes.py "$@"
