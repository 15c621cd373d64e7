#!/bin/sh
# Benchmarks (make bench): a national-size database served on 127.0.0.1 and
# measured with wrk; prints one table and writes docs/performance.md.
#   SALA_BENCH_BIN=./sala BENCH_SECONDS=10 BENCH_LEARNERS=100000 tests/bench/run.sh
set -eu
cd "$(dirname "$0")/../.."
if [ "${BENCH_ONLY:-}" = csv ]; then # only the CSV validation row (no wrk, a small database)
	exec python3 tests/bench/bench.py
fi
command -v wrk >/dev/null 2>&1 || { echo "bench: wrk is missing: scripts/deps.sh bench" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n 8192 2>/dev/null || true
python3 tests/bench/bench.py
# Report queries measured by the reports area, when present.
if [ -f tests/bench/reports.sh ]; then
	echo
	echo "bench: tests/bench/reports.sh"
	SALA_BENCH_BIN="${SALA_BENCH_BIN:-$PWD/sala}" BENCH_DB="${BENCH_DIR:-$PWD/build/bench-run}/bench.db" \
		sh tests/bench/reports.sh
fi
