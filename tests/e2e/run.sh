#!/bin/sh
# Browser tests: the learner's journey (journey.mjs), then accessibility across every role (a11y.mjs,
# which uses the certificate the journey earns), then essay grading (essay.mjs, on the course of
# tests/data/essay-course and a trainer of Siem Reap province made here), then face-to-face sessions
# (training.mjs: that trainer creates a session and marks attendance on a phone); and at the same time,
# on a server and database of their own, the learner's journey to its end on a phone and a desktop in
# both languages (journey_learner.mjs), then the administrator's journey (journey_admin.mjs: settings, a
# logo upload, user list paging, the audit trail), then the trainer's journey (journey_trainer.mjs: two
# versions of tests/data/courses/good packed here, uploaded as drafts), then the manager's journey
# (journey_manager.mjs: dashboard, assignment with a due date, the people behind a figure), then QR
# self check-in (checkin.mjs, on a session open now made here), then the reaction survey and the
# attendance report of a past session of the Siem Reap trainer (survey.mjs: four more people made here,
# present by an attendance import, answer it too, so that its results table is shown).
# Debian's Chromium driven by playwright-core, checked with axe-core; the helpers every script shares are
# in lib.mjs. Makes one demo database, starts a server on a copy of it per chain of scripts, and stops
# them. Prints each script's time ("time SCRIPT: N s"). Last line: "N passed, N failed" (every script
# together).
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
		--password Correct-horse-9 --db "$dir/e2e.db" &&
	for v in 1.0.0 1.1.0; do
		mkdir -p "$dir/tj" && cp -r tests/data/courses/good "$dir/tj/$v" &&
			sed -i "s/^id: .*/id: trainer-journey/; s/^title: .*/title: Trainer journey/; s/^version: .*/version: $v/" \
				"$dir/tj/$v/course.yml" &&
			"$SALA_BIN" pack "$dir/tj/$v" -o "$dir/tj/$v.zip" || exit 1
	done &&
	for i in 1 2 3 4; do
		"$SALA_BIN" user add --username "survey$i" --name "Survey Respondent $i" --org 17 --role learner \
			--password Correct-horse-9 --db "$dir/e2e.db" || exit 1
	done &&
	"$SALA_BIN" sessions add --title "Past e-filing workshop" --org 17 --day "2026-01-05 08:00-16:00" \
		--trainer srtrainer --invite learner --invite survey1 --invite survey2 --invite survey3 --invite survey4 \
		--db "$dir/e2e.db" >"$dir/survey-session" &&
	sid=$(sed -n 's/^added session \([0-9]*\).*/\1/p' "$dir/survey-session") &&
	printf 'session_id,username,date,status\n%s,survey1,2026-01-05,present\n%s,survey2,2026-01-05,present\n%s,survey3,2026-01-05,present\n%s,survey4,2026-01-05,present\n' \
		"$sid" "$sid" "$sid" "$sid" >"$dir/survey-present.csv" &&
	"$SALA_BIN" attendance import "$dir/survey-present.csv" --db "$dir/e2e.db") >"$dir/demo.log" 2>&1 || {
	cat "$dir/demo.log"
	echo "0 passed, 1 failed"
	exit 1
}
# checkin.mjs: a session open now (Cambodia's time, within today's date) with the learner registered.
now=$(date +%s)
today=$(date -u -d "@$((now + 25200))" +%Y-%m-%d)
sod=$((now + 25200 - $(date -u -d "$today" +%s)))
from=$((sod - 3600))
[ $from -lt 0 ] && from=0
to=$((sod + 3600))
[ $to -gt 86340 ] && to=86340
hhmm() { printf '%02d:%02d' $(($1 / 3600)) $(($1 % 3600 / 60)); }
checkin_session=$(cd "$root" && "$SALA_BIN" sessions add --title "One-window service workshop" --org 12 \
	--day "$today $(hhmm $from)-$(hhmm $to)" --trainer trainer --invite learner --db "$dir/e2e.db" 2>>"$dir/demo.log" |
	sed -n 's/^added session \([0-9]*\).*/\1/p')
# survey.mjs: the past session added above (its id), for the reaction survey and the attendance report.
survey_session=$(sed -n 's/^added session \([0-9]*\).*/\1/p' "$dir/survey-session")

# The scripts run in chains, at once (E2E_JOBS=1: one chain), each chain against a server of its own on
# its own copy of the database made above; in a chain, the scripts run in order, so a script that needs
# what an earlier one did stays after it in the same chain (a11y.mjs audits the certificate journey.mjs
# earns). Each chain's output is printed whole, chain after chain, with each script's time.
chain1="journey.mjs a11y.mjs essay.mjs training.mjs"
chain2="journey_learner.mjs journey_admin.mjs journey_trainer.mjs journey_manager.mjs checkin.mjs survey.mjs"
if [ "${E2E_JOBS:-2}" -le 1 ]; then
	chain1="$chain1 $chain2"
	chain2=""
fi
for n in 2 1; do
	cp "$dir/e2e.db" "$dir/e2e$n.db" && cp "$dir/e2e.db.key" "$dir/e2e$n.db.key" || exit 1
	[ -f "$dir/e2e.db-wal" ] && cp "$dir/e2e.db-wal" "$dir/e2e$n.db-wal"
done

# Runs chain n (its scripts) against a server of its own: output in $dir/chainN.out, with one line
# "counts P F" at its end (every script's checks; a script that ends without its last line counts failed).
run_chain() {
	n=$1
	shift
	(cd "$root" && exec "$SALA_BIN" serve --listen 127.0.0.1:0 --port-file "$dir/port$n" --db "$dir/e2e$n.db") \
		>"$dir/server$n.log" 2>&1 &
	spid=$!
	i=0
	while [ ! -s "$dir/port$n" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$dir/port$n" ]; then
		cat "$dir/server$n.log"
		kill "$spid" 2>/dev/null
		echo "counts 0 1"
		return 1
	fi
	crc=0
	cpass=0
	cfail=0
	for t in "$@"; do
		t0=$(date +%s)
		SALA_URL="http://127.0.0.1:$(cat "$dir/port$n")" SALA_SRC="$root" PROFILE_DIR="$dir/profile$n" \
			CHECKIN_SESSION="$checkin_session" SURVEY_SESSION="$survey_session" \
			TRAINER_ZIPS="$dir/tj/1.0.0.zip $dir/tj/1.1.0.zip" \
			timeout 900 node "$t" >"$dir/$t.out" 2>&1 || crc=1
		echo "time $t: $(($(date +%s) - t0)) s"
		sed '$d' "$dir/$t.out"
		last=$(tail -n 1 "$dir/$t.out")
		case "$last" in
		*" passed, "*" failed") cpass=$((cpass + ${last%% passed*})) cfail=$((cfail + $(echo "$last" | sed 's/.* passed, \([0-9]*\) failed/\1/'))) ;;
		*) echo "$last"; cfail=$((cfail + 1)) ;;
		esac
	done
	kill -TERM "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	if grep -q "Sanitizer\|runtime error" "$dir/server$n.log"; then
		grep -A 20 "Sanitizer\|runtime error" "$dir/server$n.log" | head -40
		cfail=$((cfail + 1))
		crc=1
	fi
	echo "counts $cpass $cfail"
	return $crc
}

t_all=$(date +%s)
pids=""
n=0
for chain in "$chain1" "$chain2"; do
	n=$((n + 1))
	[ -n "$chain" ] || continue
	# shellcheck disable=SC2086 # a chain is a list of script names
	run_chain $n $chain >"$dir/chain$n.out" 2>&1 &
	pids="$pids $!"
done
rc=0
for pid in $pids; do
	wait "$pid" || rc=1
done
p=0
f=0
for n in 1 2; do
	[ -f "$dir/chain$n.out" ] || continue
	sed '$d' "$dir/chain$n.out"
	last=$(tail -n 1 "$dir/chain$n.out")
	case "$last" in
	"counts "*) set -- $last; p=$((p + $2)) f=$((f + $3)) ;;
	*) echo "$last"; f=$((f + 1)) rc=1 ;;
	esac
done
echo "time all scripts: $(($(date +%s) - t_all)) s"
rm -rf "$dir"
echo "$p passed, $f failed"
exit $rc
