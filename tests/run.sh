#!/bin/sh
# Runs every test suite against the sanitizer build and prints one total line:
# "N passed, N failed". Each suite prints its own "N passed, N failed" last.
set -u
cd "$(dirname "$0")/.."
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export SALA_BIN="${SALA_BIN:-$PWD/sala}"
export SALA_SRC="$PWD"
passed=0
failed=0
log=$(mktemp -d)
t_start=$(date +%s)
# Integration tests at once: they mostly wait on servers, so more than the cores pays.
export SALA_TEST_JOBS="${SALA_TEST_JOBS:-4}"

# The fuzz smoke runs (every saved crash replayed, then 12 s of fuzzing per harness; `make fuzz` fuzzes longer) and the deployment test take minutes of one core each and share nothing with
# the other suites (own build directory, own ports, an installed package): they start first and run
# in the background; their results are counted at the end.
if [ -x tests/fuzz/run.sh ]; then
	(t0=$(date +%s); tests/fuzz/run.sh "${FUZZ_SECONDS:-12}" > "$log/fuzz" 2>&1; echo $? > "$log/fuzz.rc"
	 echo "$(($(date +%s) - t0))" > "$log/fuzz.secs") &
	fuzz_pid=$!
fi
if [ -x tests/deploy/run.sh ]; then
	(t0=$(date +%s); tests/deploy/run.sh > "$log/deploy" 2>&1; echo $? > "$log/deploy.rc"
	 echo "$(($(date +%s) - t0))" > "$log/deploy.secs") &
	deploy_pid=$!
fi

count() { # name, output file, exit status
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$2" | tail -n 1)
	if [ -z "$line" ]; then
		echo "suite $1: no result line (exit $3)"
		tail -n 30 "$2"
		failed=$((failed + 1))
		return
	fi
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "suite $1: exit status $3 with no failed test (sanitizer or crash?)"
		tail -n 30 "$2"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	echo "suite $1: $line${4:+ ($4 s)}"
}

# Unit tests (cmocka): one binary per module, four at a time (those with a PostgreSQL cluster of their own
# mostly wait for it), counted in order.
t0=$(date +%s)
for t in build/san/tests/test_*; do
	[ -x "$t" ] && echo "$t"
done | xargs -n 1 -P "${SALA_UNIT_JOBS:-4}" sh -c \
	'name=$(basename "$1"); (cd tests/unit && "../../$1") > "$0/$name" 2>&1; echo $? > "$0/$name.rc"' "$log"
for t in build/san/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	rc=$(cat "$log/$name.rc" 2>/dev/null || echo 1)
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log/$name" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log/$name" | tail -n 1)
	echo "${p:-0} passed, ${f:-0} failed" >> "$log/$name"
	[ "$rc" -ne 0 ] && grep -E "FAILED|ERROR|Sanitizer|runtime error" "$log/$name" | head -n 20
	count "unit/$name" "$log/$name" "$rc"
done
echo "unit tests in $(($(date +%s) - t0)) s"

# Browser tests (Chromium through Playwright), in the background while the integration suite runs: its
# tests mostly wait on their servers, so the browsers use what the cores would leave idle.
if [ -x tests/e2e/run.sh ]; then
	(t0=$(date +%s); tests/e2e/run.sh > "$log/e2e" 2>&1; echo $? > "$log/e2e.rc.tmp"
	 echo "$(($(date +%s) - t0))" > "$log/e2e.secs"; mv "$log/e2e.rc.tmp" "$log/e2e.rc") &
	e2e_pid=$!
fi

# The integration suite's timing tests wait for the background suites to end (their .rc files).
SALA_TEST_QUIET_FILES="${fuzz_pid:+$log/fuzz.rc} ${deploy_pid:+$log/deploy.rc} ${e2e_pid:+$log/e2e.rc}"
export SALA_TEST_QUIET_FILES

# Integration tests: the real server on 127.0.0.1, ephemeral ports, the same tests on both database
# engines (SQLite, and PostgreSQL in a throwaway cluster that run.py starts and removes) in one queue,
# counted per engine. The tests marked @sqlite_only are skipped on PostgreSQL, with their reasons.
t0=$(date +%s)
python3 tests/integration/run.py --engine sqlite,pg > "$log/integration" 2>&1
rc=$?
secs=$(($(date +%s) - t0))
grep -E "^(\[[a-z]+\] )?(FAIL|ERROR)" -A 12 "$log/integration" | head -n 200
sed -n '/^skipped on pg:/,/^[^ ]/p' "$log/integration" | grep -v "^engine "
grep -E "^(integration \(|time on )" "$log/integration"
for engine in sqlite pg; do
	sed -n "s/^engine $engine: //p" "$log/integration" > "$log/integration-$engine"
	# A run that ended before its counts (the cluster did not start...) counts as failed.
	[ -s "$log/integration-$engine" ] || tail -n 30 "$log/integration" > "$log/integration-$engine"
	erc=0
	grep -q ", 0 failed$" "$log/integration-$engine" || erc=$rc
	count "integration-$engine" "$log/integration-$engine" "$erc" "$secs"
done
if [ "$rc" -ne 0 ] && grep -q ", 0 failed$" "$log/integration-sqlite" && grep -q ", 0 failed$" "$log/integration-pg"; then
	echo "suite integration: exit status $rc with no failed test"
	tail -n 30 "$log/integration"
	failed=$((failed + 1))
fi

# The browser tests started before the integration suite.
if [ -n "${e2e_pid:-}" ]; then
	wait "$e2e_pid"
	rc=$(cat "$log/e2e.rc" 2>/dev/null || echo 1)
	[ "$rc" -ne 0 ] && tail -n 40 "$log/e2e"
	grep "^time " "$log/e2e" | tr '\n' ';' | sed 's/;$/\n/; s/;time /, /g'
	count e2e "$log/e2e" "$rc" "$(cat "$log/e2e.secs" 2>/dev/null)"
fi

# The background suites: libFuzzer smoke runs and the deployment test (builds the Debian package,
# installs it on this machine, runs every command of docs/operations.md with nginx and TLS in front,
# then purges it; needs root).
if [ -n "${fuzz_pid:-}" ]; then
	wait "$fuzz_pid"
	rc=$(cat "$log/fuzz.rc" 2>/dev/null || echo 1)
	[ "$rc" -ne 0 ] && tail -n 40 "$log/fuzz"
	count fuzz "$log/fuzz" "$rc" "$(cat "$log/fuzz.secs" 2>/dev/null)"
fi
if [ -n "${deploy_pid:-}" ]; then
	wait "$deploy_pid"
	rc=$(cat "$log/deploy.rc" 2>/dev/null || echo 1)
	[ "$rc" -ne 0 ] && grep -E "^FAIL" -A 20 "$log/deploy" | head -n 200
	count deploy "$log/deploy" "$rc" "$(cat "$log/deploy.secs" 2>/dev/null)"
fi
echo "all suites in $(($(date +%s) - t_start)) s"

rm -rf "$log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
