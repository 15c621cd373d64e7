#!/bin/sh
# Checks that SQL stays with the module that owns its tables (docs/architecture.md):
#   1. server/ and cli/ hold no SQL in string literals and make no sqlite3_* or statement calls
#      (db_stmt, db_prepare, db_int, db_exec, db_step*, db_reset, db_finalize, db_changes, db_col_*, db_bind_*, db_finish);
#   2. a table is named in SQL only by its owning module, per the map in docs/architecture.md
#      (the one source of truth; lib/schema.c and lib/schema_pg.c, the migrations, and lib/db_copy.c, the
#      copy between databases, name every table);
#   3. a published view (docs/architecture.md, "Published views": view, owner, columns) has an
#      owner like a table: it is created only in the migrations (both engines), its definition reads only its
#      owner's tables, and every view created there is published. Any module may read a
#      published view; none writes one.
# Findings listed in scripts/lint-sql.allow (FILE, FILE:TABLE or FILE@FUNCTION, then a reason;
# a server/ entry must be FILE@FUNCTION) are reported as pending but do not fail the check. Prints FILE:LINE: message; exits 1 on any other finding.
# Usage: scripts/lint-sql.sh [-q]   (-q: do not list the allowed findings, only count them)
set -eu
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'EOF'
import os, re, sys

quiet = "-q" in sys.argv[1:]
DOC = "docs/architecture.md"
ALLOW = "scripts/lint-sql.allow"
MODULES = ["lib", "accounts", "courses", "assessment", "certificates", "training", "reports", "server", "cli"]
NO_SQL = ("server", "cli")
SCHEMA = ("lib/schema.c", "lib/schema_pg.c")  # the migrations of both engines
SCHEMA_SQL = ("lib/schema_agg.h",)  # SQL the migrations of both engines share (report aggregates)
# Schema-level tools of the migration layer that read and write every table (docs/architecture.md).
SCHEMA_TOOLS = ("lib/db_copy.c",)

# The map: rows "| `table` | module | header(s) |" of the table under the heading "Tables and owners".
owners = {}
section = False
for line in open(DOC, encoding="utf-8"):
    if line.startswith("#"):
        section = line.strip("# \n").lower().startswith("tables and owners")
        continue
    m = re.match(r"\|\s*`([a-z_0-9]+)`\s*\|\s*`?([a-z]+)/?`?\s*\|", line) if section else None
    if m:
        owners[m.group(1)] = m.group(2)
if not owners:
    sys.exit(f"lint-sql: no table map found under 'Tables and owners' in {DOC}")

# The published views: rows "| `view` | owner | columns | meaning |" under the heading "Published views".
views = {}
section = False
for line in open(DOC, encoding="utf-8"):
    if line.startswith("#"):
        section = line.strip("# \n").lower().startswith("published views")
        continue
    m = re.match(r"\|\s*`([a-z_0-9]+)`\s*\|\s*`?([a-z]+)/?`?\s*\|", line) if section else None
    if m:
        views[m.group(1)] = m.group(2)

allow = {}
if os.path.exists(ALLOW):
    for n, line in enumerate(open(ALLOW, encoding="utf-8"), 1):
        line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if not line:
            continue
        key, _, reason = line.partition(" ")
        if not reason.strip():
            sys.exit(f"{ALLOW}:{n}: entry '{key}' gives no reason")
        if key.startswith("server/") and "@" not in key:
            sys.exit(f"{ALLOW}:{n}: '{key}': a server/ entry must name its function (FILE@FUNCTION)")
        allow[key] = reason.strip()
used = set()

def strip_comments(src):
    """The source with comments blanked (newlines kept, so line numbers hold) and string contents kept."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c and src[j] != "\n":
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)

LIT = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
# Adjacent literals are one string in C; so are literals around an upper-case macro (a column list).
GLUE = re.compile(r'^(\s|[A-Z][A-Z0-9_]*)*$')
SQL = re.compile(r"\b(SELECT\b[\s\S]*\bFROM|INSERT\s+(OR\s+[A-Z]+\s+)?INTO|REPLACE\s+INTO|UPDATE\s+\w+\s+SET|"
                 r"DELETE\s+FROM|CREATE\s+(TABLE|INDEX|UNIQUE|VIEW|TRIGGER|TEMP)|DROP\s+(TABLE|INDEX)|(?:^|;)\s*PRAGMA\s+[a-z_.]+(\s*=\s*[\w']+|\s*\([^)]*\))?\s*(;|$))")
TABLE_REF = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE|ON|EXISTS)\s+([a-z_][a-z0-9_]*)")
CALL = re.compile(r"\b(sqlite3_[a-z0-9_]+|db_(?:stmt|prepare|int|exec|step|step_row|step_done|reset|finalize|changes|col_[a-z0-9_]+|"
                  r"bind_[a-z0-9_]+|finish))\s*\(")

FRAGMENT = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+(?:%s)\b" % "|".join(map(re.escape, list(owners) + list(views))))
VIEW_WRITE = re.compile(r"\b(?:INSERT\s+(?:OR\s+[A-Z]+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_][a-z0-9_]*)")
CREATE_VIEW = re.compile(r"\bCREATE\s+(?:TEMP\s+|TEMPORARY\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)")

def sql_strings(code):
    """(line, text) for each string in code, adjacent literals joined."""
    res, prev_end, cur, cur_line = [], None, None, 0
    for m in LIT.finditer(code):
        if cur is not None and GLUE.match(code[prev_end:m.start()]):
            cur += m.group(1)
        else:
            if cur is not None:
                res.append((cur_line, cur))
            cur, cur_line = m.group(1), code.count("\n", 0, m.start()) + 1
        prev_end = m.end()
    if cur is not None:
        res.append((cur_line, cur))
    return res

def tables_in(sql):
    sql = re.sub(r"'[^']*'", "''", sql)
    names = set(TABLE_REF.findall(sql))
    # "FROM a x, b y": the tables after commas of a FROM list.
    for m in re.finditer(r"\bFROM\s+([a-z_0-9]+(?:\s+[a-z]\w*)?(?:\s*,\s*[a-z_0-9]+(?:\s+[a-z]\w*)?)+)", sql):
        names.update(re.findall(r"(?:^|,)\s*([a-z_0-9]+)", m.group(1)))
    return sorted(t for t in names if t in owners)

errors, pending = [], []

DEF = re.compile(r"^[a-z_][^;]*?\b([a-z_][a-z0-9_]*)\s*\(")

def function_at(code, line):
    """The name of the function whose definition starts last before line (1-based), or ""."""
    lines = code.split("\n")[:line]
    for text in reversed(lines):
        m = DEF.match(text)
        if m:
            return m.group(1)
    return ""

def finding(path, line, key_extra, msg, code):
    keys = [path, f"{path}@{function_at(code, line)}"] + ([f"{path}:{key_extra}"] if key_extra else [])
    for k in keys:
        if k in allow:
            used.add(k)
            pending.append(f"{path}:{line}: {msg} (allowed: {allow[k]})")
            return
    errors.append(f"{path}:{line}: {msg}")

files = sorted(os.path.join(d, f) for d in MODULES if os.path.isdir(d)
               for f in os.listdir(d) if f.endswith((".c", ".h")))
def check_schema_views(SCHEMA):
    """Views are created in the migrations (lib/schema.c, lib/schema_pg.c) only, published with an owner, and read only that owner's tables."""
    if not os.path.exists(SCHEMA):
        if views:
            errors.append(f"{SCHEMA}: missing: the published views of {DOC} are created there")
        return
    code = strip_comments(open(SCHEMA, encoding="utf-8", errors="replace").read())
    created = set()
    for line, s in sql_strings(code):
        for stmt in s.split(";"):
            m = CREATE_VIEW.search(stmt)
            if not m:
                continue
            name = m.group(1)
            created.add(name)
            if name not in views:
                errors.append(f"{SCHEMA}:{line}: view '{name}' is not published in {DOC} (Published views)")
                continue
            for t in tables_in(stmt[m.end():]):
                if owners[t] != views[name]:
                    errors.append(f"{SCHEMA}:{line}: view '{name}' of {views[name]}/ reads table '{t}' of "
                                  f"{owners[t]}/: a view reads only its owner's tables")
    for name in sorted(set(views) - created):
        errors.append(f"{DOC}: published view '{name}' is not created in {SCHEMA}")

for schema_file in SCHEMA:
    check_schema_views(schema_file)
for path in files:
    if path in SCHEMA or path in SCHEMA_SQL or path in SCHEMA_TOOLS:
        continue
    module = path.split("/", 1)[0]
    code = strip_comments(open(path, encoding="utf-8", errors="replace").read())
    if module in NO_SQL:
        for m in CALL.finditer(code):
            finding(path, code.count("\n", 0, m.start()) + 1, None,
                    f"{m.group(1)}() called in {module}/: make a call to the owning module instead", code)
    for line, s in sql_strings(code):
        # A statement, or a fragment of one (a clause glued to a macro): FROM/JOIN/INTO/UPDATE and a table.
        if not SQL.search(s) and not FRAGMENT.search(s):
            continue
        if module in NO_SQL:
            finding(path, line, None, f"SQL in {module}/: move it into the module that owns its tables", code)
        for t in tables_in(s):
            if owners[t] != module:
                finding(path, line, t,
                        f"table '{t}' named in SQL outside its owner {owners[t]}/ (docs/architecture.md)", code)
        bare = re.sub(r"'[^']*'", "''", s)
        for v in sorted({m.group(1) for m in VIEW_WRITE.finditer(bare)} & set(views)):
            finding(path, line, v, f"view '{v}' written: a published view is read-only (docs/architecture.md)", code)
        for m in CREATE_VIEW.finditer(bare):
            finding(path, line, None, f"view '{m.group(1)}' created outside {' and '.join(SCHEMA)}", code)

for k in allow:
    if k not in used:
        print(f"{ALLOW}: entry '{k}' matches nothing now: remove it", file=sys.stderr)
if pending:
    if quiet:
        print(f"lint-sql: {len(pending)} allowed findings pending in {ALLOW}", file=sys.stderr)
    else:
        for p in pending:
            print("pending: " + p, file=sys.stderr)
for e in errors:
    print(e, file=sys.stderr)
if errors:
    print(f"lint-sql: {len(errors)} findings", file=sys.stderr)
    sys.exit(1)
print(f"lint-sql: ok ({len(owners)} tables, {len(views)} published views, {len(pending)} allowed findings pending)")
EOF
