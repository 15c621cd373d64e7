#!/bin/sh
# A throwaway PostgreSQL 15 cluster for tests, in a folder of its own.
#   tests/pg/cluster.sh start   creates and starts one; prints "DIR URI" (URI: postgresql://sala@127.0.0.1:PORT/sala)
#   tests/pg/cluster.sh stop DIR   stops it (immediately) and removes DIR
#   tests/pg/cluster.sh kill DIR / restart DIR   stop the server without removing DIR / start it again
# PostgreSQL refuses to run as root: as root, initdb and the server run as the postgres user (created by
# Debian's postgresql-15 package). The server listens on 127.0.0.1 on an ephemeral port and on a Unix
# socket in DIR; authentication is trust, for user sala (a superuser) only. It runs with fsync=off (tests
# need no durability) unless SALA_PG_FSYNC=on (the benchmarks' durable writes).
set -eu
BIN=/usr/lib/postgresql/15/bin
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
case "${1:-}" in
start)
	[ -x "$BIN/initdb" ] || { echo "cluster.sh: PostgreSQL 15 is not installed (scripts/deps.sh test)" >&2; exit 1; }
	dir=$(mktemp -d /tmp/sala-pg-XXXXXX)
	chmod 0755 "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	as_pg "$BIN/initdb" -D "$dir/data" -U sala --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1; }
	# Room for the parallel integration tests: every server keeps a pool of connections (100 is the default).
	echo "max_connections = 500" >>"$dir/data/postgresql.conf"
	port=$(free_port)
	echo "$port" >"$dir/port"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir/port"
	as_pg "$BIN/pg_ctl" -D "$dir/data" -o "-k $dir -c listen_addresses=127.0.0.1 -p $port -c fsync=${SALA_PG_FSYNC:-off}" \
		-l "$dir/log" -w start >/dev/null || { cat "$dir/log" >&2; rm -rf "$dir"; exit 1; }
	as_pg "$BIN/createdb" -h "$dir" -p "$port" -U sala sala
	echo "$dir postgresql://sala@127.0.0.1:$port/sala"
	;;
stop)
	dir=${2:?usage: cluster.sh stop DIR}
	case "$dir" in /tmp/sala-pg-*) ;; *) echo "cluster.sh: not a test cluster: $dir" >&2; exit 2 ;; esac
	as_pg "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
kill)
	dir=${2:?usage: cluster.sh kill DIR}
	as_pg "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
	;;
restart)
	dir=${2:?usage: cluster.sh restart DIR}
	port=$(cat "$dir/port")
	as_pg "$BIN/pg_ctl" -D "$dir/data" -o "-k $dir -c listen_addresses=127.0.0.1 -p $port -c fsync=${SALA_PG_FSYNC:-off}" \
		-l "$dir/log" -w start >/dev/null
	;;
*)
	echo "usage: tests/pg/cluster.sh start | stop DIR | kill DIR | restart DIR" >&2
	exit 2
	;;
esac
