#!/bin/sh
# Reports at scale: a database of BENCH_LEARNERS (100,000) demo learners, 30 courses and about a
# million progress events (the one `make bench` built, BENCH_DB, when there is one); times `sala report` and dashboard GETs (curl). Budget: under one second each.
# Usage: tests/bench/reports.sh   (SALA_BIN, BENCH_LEARNERS to override)
set -eu
cd "$(dirname "$0")/../.."
SALA=${SALA_BIN:-$PWD/sala}
N=${BENCH_LEARNERS:-100000}
dir=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
db=$dir/bench.db

now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{printf "%.3f", $1 - $2}'; }

if [ -n "${BENCH_DB:-}" ] && [ -f "$BENCH_DB" ]; then
	# The database `make bench` just built (tests/bench/bench.py): the same contents as its table.
	db=$BENCH_DB
else
	"$SALA" demo --init --db "$db" >/dev/null
	t=$(now)
	"$SALA" demo --learners "$N" --db "$db" >/dev/null
	echo "reports: demo --learners $N: $(since "$t") s"
fi
python3 - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
q = lambda s: c.execute(s).fetchone()[0]
print("reports: %d users, %d courses, %d enrolments, %d progress events, %d certificates" % (
    q("SELECT count(*) FROM users"), q("SELECT count(*) FROM courses"), q("SELECT count(*) FROM enrolments"),
    q("SELECT count(*) FROM progress"), q("SELECT count(*) FROM certificates")))
PY
course=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT course_id FROM enrolments GROUP BY course_id ORDER BY count(*) DESC LIMIT 1").fetchone()[0])' "$db")

cli() { # label, args...
	label=$1
	shift
	t=$(now)
	"$SALA" report --db "$db" "$@" >/dev/null
	echo "reports: sala report $label: $(since "$t") s"
}
cli "(national, by sex,org)" --by sex,org
cli "(national, 2025, by sex,org,course, csv)" --period 2025 --by sex,org,course --format csv
cli "(national, one course, json)" --course "$course" --by sex,org --format json
cli "(province 17, by sex,org)" --org 17 --by sex,org

"$SALA" serve --listen 127.0.0.1:0 --port-file "$dir/port" --db "$db" >"$dir/server.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$dir/port" ]; do
	i=$((i + 1))
	[ "$i" -gt 300 ] && { echo "reports: server did not start"; cat "$dir/server.log"; exit 1; }
	sleep 0.1
done
base="http://127.0.0.1:$(cat "$dir/port")"
jar=$dir/cookies
csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -n 1)
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$csrf" --data-urlencode "username=admin" \
	--data-urlencode "password=demo-Angkor-1" "$base/login"
get() { # label, path
	out=$(curl -s -b "$jar" -o /dev/null -w '%{http_code} %{time_total} %{size_download}' "$base$2")
	set -- "$1" $out
	echo "reports: GET $1: status $2, $3 s, $4 bytes"
}
get "/reports (national, current quarter)" "/reports"
get "/reports (national, all time)" "/reports?period=all"
get "/reports (national, all time, again)" "/reports?period=all"
get "/reports.csv (national, 2025, by org,course,sex)" "/reports.csv?period=2025&by=org,course,sex"
get "/reports (province 17)" "/reports?org=17&period=all"
