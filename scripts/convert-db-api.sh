#!/bin/sh
# Rewrites C sources from SQLite's API to the engine-neutral one of lib/db.h (docs/architecture.md,
# "Database engines"). Idempotent: run it again after a merge. Usage: scripts/convert-db-api.sh [FILE...]
# (default: every .c and .h file in git outside the engine layer, lib/db*.c and lib/db*.h).
# What it cannot rewrite (sqlite3_prepare_v2 other than `X, SQL, -1, &ST, NULL`, sqlite3_exec, raw sqlite3_open in tests, sqlite3_bind_text
# with an explicit length, sqlite3_blob_*, sqlite3_db_filename) is listed at the end: fix those by hand.
set -e
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then
	files="$*"
else
	files=$(git ls-files '*.c' '*.h' | grep -vE '^lib/db[^/]*\.[ch]$')
fi
files=$(grep -lE 'sqlite3|SQLITE_' $files 2>/dev/null || true)
# A file that includes both <sqlite3.h> and "lib/db.h" already speaks the engine API and uses SQLite on
# purpose (tests of the SQLite engine): left alone, so running the script again changes nothing.
keep=""
for f in $files; do
	grep -q '^#include <sqlite3.h>' "$f" && grep -q '^#include "lib/db.h"' "$f" && continue
	keep="$keep $f"
done
files=$keep
[ -z "$files" ] && exit 0
perl -0pi -e '
	if (/^#include "lib\/db\.h"/m) { s/^#include <sqlite3\.h>\n//mg } else { s/^#include <sqlite3\.h>$/#include "lib\/db.h"/mg }
	s/assert_int_equal\(\s*sqlite3_prepare_v2\(\s*(\w+),\s*([^;]*?),\s*-1,\s*&(\w+),\s*NULL\),\s*(?:SQLITE|DB)_OK\)/assert_non_null($3 = db_prepare($1, $2))/g;
	s/\bsqlite3_prepare_v2\(\s*(\w+),\s*([^;]*?),\s*-1,\s*&(\w+),\s*NULL\)/$3 = db_prepare($1, $2)/g;
	s/\(const char \*\)\s*sqlite3_column_text\b/db_col_text/g;
	s/\bsqlite3_column_count\b/db_col_count/g;
	s/\bsqlite3_stmt\b/struct db_stmt/g;
	s/\bsqlite3\b(?=\s*\*)/struct db/g;
	s/\bsqlite3_int64\b/int64_t/g;
	s/\bsqlite3_bind_blob64\(([^;]*?),\s*SQLITE_(?:STATIC|TRANSIENT)\)/db_bind_blob($1)/g;
	s/\bsqlite3_bind_text\(([^,;]+),\s*([^,;]+),\s*([^;]+?),\s*-1,\s*SQLITE_TRANSIENT\)/db_bind_text($1, $2, $3)/g;
	s/\bsqlite3_bind_(int64|int|double|null)\b/db_bind_$1/g;
	s/\bsqlite3_column_(int64|int|double|blob|bytes|type)\b/db_col_$1/g;
	s/\bsqlite3_(step|reset|clear_bindings|changes|errmsg|finalize)\b/db_$1/g;
	s/\bsqlite3_(?:extended_)?errcode\b/db_errcode/g;
	s/\bsqlite3_errstr\b/db_code_str/g;
	s/\bsqlite3_get_autocommit\b/db_autocommit/g;
	s/\bsqlite3_last_insert_rowid\b/db_last_insert_id/g;
	s/\bSQLITE_CONSTRAINT_UNIQUE\b/DB_CONSTRAINT/g;
	s/\bSQLITE_(OK|ERROR|BUSY|LOCKED|CONSTRAINT|ROW|DONE|NULL|INTEGER|FLOAT|TEXT|BLOB)\b/DB_$1/g;
' $files
left=$(grep -nE '\bsqlite3|\bSQLITE_' $files || true)
if [ -n "$left" ]; then
	echo "convert-db-api: left for hand conversion:" >&2
	echo "$left" >&2
fi
exit 0
