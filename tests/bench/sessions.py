#!/usr/bin/env python3
"""Creates logged-in sessions directly in the database (as session_create()
would: the cookie token is 64 hex digits, the table keeps its SHA-256), so a
benchmark can hold thousands of sessions without paying argon2id per login.
DB is a SQLite file or a postgresql:// URI (written through psql).
Usage: sessions.py DB OUT N [USERNAME_GLOB]  -> writes one token per line to OUT."""
import hashlib
import re
import secrets
import sqlite3
import subprocess
import sys
import time

db, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
pattern = sys.argv[4] if len(sys.argv) > 4 else "demo[0-9]*"
pg = db.startswith(("postgresql://", "postgres://"))


def psql(sql):
    p = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", db], input=sql, capture_output=True,
                       text=True)
    if p.returncode != 0:
        sys.exit("sessions.py: psql: " + p.stderr.strip()[-500:])
    return p.stdout


if pg:
    # The glob as an anchored regular expression ([0-9] stays, * and ? become .* and .).
    regex = "^" + re.sub(r"[*?]", lambda m: ".*" if m.group(0) == "*" else ".", pattern) + "$"
    ids = [int(x) for x in psql("SELECT id FROM users WHERE username ~ '%s' AND active = 1 ORDER BY id LIMIT %d;"
                                % (regex.replace("'", "''"), n)).split()]
else:
    con = sqlite3.connect(db, timeout=60)
    ids = [r[0] for r in con.execute("SELECT id FROM users WHERE username GLOB ? AND active = 1 ORDER BY id LIMIT ?",
                                     (pattern, n))]
if not ids:
    sys.exit("sessions.py: no user matches %r" % pattern)
now = int(time.time())
rows, tokens = [], []
for i in range(n):
    tok = secrets.token_hex(32)
    tokens.append(tok)
    rows.append((hashlib.sha256(tok.encode()).hexdigest(), ids[i % len(ids)], secrets.token_hex(32), now, now))
if pg:
    psql("INSERT INTO sessions(token_hash, user_id, csrf, created_at, last_seen) VALUES %s;"
         % ",".join("('%s',%d,'%s',%d,%d)" % r for r in rows))
else:
    con.executemany("INSERT INTO sessions(token_hash, user_id, csrf, created_at, last_seen) VALUES (?,?,?,?,?)", rows)
    con.commit()
    con.close()
with open(out, "w") as f:
    f.write("\n".join(tokens) + "\n")
