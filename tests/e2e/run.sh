#!/bin/sh
# Browser tests: the learner's journey (journey.mjs), then accessibility across every role (a11y.mjs,
# which uses the certificate the journey earns), then essay grading (essay.mjs, on the course of
# tests/data/essay-course and a trainer of Siem Reap province made here), then the learner's journey to
# its end on a phone and a desktop in both languages (journey_learner.mjs), then the administrator's
# journey (journey_admin.mjs: settings, a logo upload, user list paging, the audit trail), then the
# trainer's journey (journey_trainer.mjs: two versions of tests/data/courses/good packed here, uploaded
# as drafts), then the manager's journey (journey_manager.mjs: dashboard, assignment with a due
# date, the people behind a figure), then face-to-face sessions (training.mjs: that trainer creates a
# session and marks attendance on a phone), then QR self check-in (checkin.mjs, on a session open now
# made here), then the reaction survey and the attendance report of a past session of that trainer
# (survey.mjs: four more people made here, present by an attendance import, answer it too, so that its
# results table is shown). Debian's Chromium driven by
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
# survey.mjs: the past session added above (its id), for the reaction survey and the attendance report.
survey_session=$(sed -n 's/^added session \([0-9]*\).*/\1/p' "$dir/survey-session")
for t in journey.mjs a11y.mjs essay.mjs journey_learner.mjs journey_admin.mjs journey_trainer.mjs journey_manager.mjs training.mjs checkin.mjs survey.mjs; do
	SALA_URL="http://127.0.0.1:$(cat "$dir/port")" SALA_SRC="$root" PROFILE_DIR="$dir/profile" CHECKIN_SESSION="$checkin_session" \
		SURVEY_SESSION="$survey_session" TRAINER_ZIPS="$dir/tj/1.0.0.zip $dir/tj/1.1.0.zip" \
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
