#!/bin/sh
# Browser tests: the learner's journey (journey.mjs), then accessibility across every role (a11y.mjs,
# which uses the certificate the journey earns), then essay grading (essay.mjs, on the course of
# tests/data/essay-course and a trainer of Siem Reap province made here), then the learner's journey to
# its end on a phone and a desktop in both languages (journey_learner.mjs). Debian's Chromium driven by
# playwright-core, checked with axe-core. Starts its own server on a fresh demo database and stops it.
# Last line: "N passed, N failed" (every script together).
set -u
cd "$(dirname "$0")"
SALA_BIN="${SALA_BIN:-$PWD/../../sala}"
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
	npm ci --no-audit --no-fund >"${TMPDIR:-/tmp}/sala-e2e-npm.log" 2>&1 || npm install --no-audit --no-fund >>"${TMPDIR:-/tmp}/sala-e2e-npm.log" 2>&1 || {
		tail -n 20 "${TMPDIR:-/tmp}/sala-e2e-npm.log"
		echo "0 passed, 1 failed"
		exit 1
	}
fi
root=$(cd ../.. && pwd)
dir=$(mktemp -d /tmp/sala-e2e-XXXXXX)
mkdir -p out
(cd "$root" && "$SALA_BIN" demo --init --db "$dir/e2e.db" &&
	"$SALA_BIN" import tests/data/essay-course --db "$dir/e2e.db" &&
	"$SALA_BIN" user add --username srtrainer --name "Siem Reap Trainer" --org 17 --role "trainer;learner" \
		--password Correct-horse-9 --db "$dir/e2e.db") >"$dir/demo.log" 2>&1 || {
	cat "$dir/demo.log"
	echo "0 passed, 1 failed"
	exit 1
}
(cd "$root" && exec "$SALA_BIN" serve --listen 127.0.0.1:0 --port-file "$dir/port" --db "$dir/e2e.db") >"$dir/server.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$dir/port" ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -s "$dir/port" ]; then
	cat "$dir/server.log"
	kill "$pid" 2>/dev/null
	echo "0 passed, 1 failed"
	exit 1
fi
rc=0
p=0
f=0
for t in journey.mjs a11y.mjs essay.mjs journey_learner.mjs; do
	SALA_URL="http://127.0.0.1:$(cat "$dir/port")" SALA_SRC="$root" PROFILE_DIR="$dir/profile" \
		timeout 900 node "$t" >"$dir/$t.out" 2>&1 || rc=1
	sed '$d' "$dir/$t.out"
	last=$(tail -n 1 "$dir/$t.out")
	case "$last" in
	*" passed, "*" failed") p=$((p + ${last%% passed*})) f=$((f + $(echo "$last" | sed 's/.* passed, \([0-9]*\) failed/\1/'))) ;;
	*) echo "$last"; f=$((f + 1)) ;;
	esac
done
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if grep -q "Sanitizer\|runtime error" "$dir/server.log"; then
	grep -A 20 "Sanitizer\|runtime error" "$dir/server.log" | head -40
	f=$((f + 1))
	rc=1
fi
rm -rf "$dir"
echo "$p passed, $f failed"
exit $rc
