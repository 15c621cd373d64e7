#!/bin/sh
# Builds the libFuzzer harnesses and runs each one for SECONDS (default 30).
#   tests/fuzz/run.sh [SECONDS]
# For each harness NAME (tests/fuzz/fuzz_NAME.c): first replays every saved crash
# in tests/fuzz/regressions/NAME/ (each must now run clean), then fuzzes from the
# seeds in tests/fuzz/seeds/NAME/ (the growing corpus lives in build/fuzz/corpus/).
# A crash leaves its input in build/fuzz/artifacts/NAME/: fix the code, then copy
# the input into tests/fuzz/regressions/NAME/ so it is replayed from then on.
# Last line: "N passed, N failed" (one per harness).
set -u
cd "$(dirname "$0")/../.."
secs=${1:-30}
FB=build/fuzz
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
passed=0
failed=0
# Harnesses: name, and the header whose parser it needs (its API must exist).
harnesses="course_yml:courses/package.h quiz_md:assessment/quiz.h quiz_gift:assessment/quiz.h quiz_xml:assessment/quiz.h
package:courses/package.h users_csv:accounts/users.h form:server/http.h
json:lib/json.h multipart:server/multipart.h head:server/http.h"

if ! command -v clang >/dev/null 2>&1; then
	echo "clang is missing: run scripts/deps.sh test (clang, libclang-rt-14-dev)"
	echo "0 passed, 1 failed"
	exit 1
fi
mkdir -p "$FB"
if ! make -s -f tests/fuzz/fuzz.mk -j"$(nproc)" "$FB/libsala.a" > "$FB/build.log" 2>&1; then
	echo "cannot build the project with clang for fuzzing:"
	tail -n 30 "$FB/build.log"
	echo "0 passed, 1 failed"
	exit 1
fi

for h in $harnesses; do
	name=${h%%:*}
	header=${h#*:}
	src=tests/fuzz/fuzz_$name.c
	bin=$FB/fuzz_$name
	if [ ! -f "$src" ] || [ ! -f "$header" ]; then
		echo "skip $name: $header (the parser's API) or $src does not exist yet"
		continue
	fi
	if ! make -s -f tests/fuzz/fuzz.mk "$bin" > "$FB/build-$name.log" 2>&1; then
		echo "FAIL $name: harness does not build"
		tail -n 20 "$FB/build-$name.log"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$FB/corpus/$name" "$FB/artifacts/$name"
	ok=1
	regs=$(find "tests/fuzz/regressions/$name" -type f 2>/dev/null | sort)
	if [ -n "$regs" ]; then
		# shellcheck disable=SC2086
		if ! "$bin" -timeout=60 -rss_limit_mb=2560 $regs > "$FB/replay-$name.log" 2>&1; then
			echo "FAIL $name: a saved regression input crashes again"
			grep -E "ERROR|runtime error|Running:" "$FB/replay-$name.log" | tail -n 20
			ok=0
		fi
	fi
	maxlen=65536
	[ "$name" = users_csv ] && maxlen=2048
	[ "$name" = package ] && maxlen=262144
	if [ "$ok" -eq 1 ] && ! "$bin" -max_total_time="$secs" -timeout=60 -rss_limit_mb=2560 -max_len="$maxlen" \
		-artifact_prefix="$FB/artifacts/$name/" -print_final_stats=1 \
		"$FB/corpus/$name" "tests/fuzz/seeds/$name" > "$FB/fuzz-$name.log" 2>&1; then
		echo "FAIL $name: crash found; input saved in $FB/artifacts/$name/"
		grep -E "ERROR|runtime error|SUMMARY|Test unit written" "$FB/fuzz-$name.log" | head -n 20
		ok=0
	fi
	if [ "$ok" -eq 1 ]; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$FB/fuzz-$name.log")
		cov=$(grep -E '^#[0-9]+' "$FB/fuzz-$name.log" | tail -n 1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
		echo "ok   $name: ${execs:-?} runs in ${secs}s, coverage ${cov:-?} edges, $(echo "$regs" | grep -c .) regressions replayed"
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
