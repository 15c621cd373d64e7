#!/usr/bin/env python3
"""Opens quiz attempts for the submission benchmark: one attempt per session
through the API (POST /api/v1/courses/ID/quiz/PATH/attempts, Bearer token),
then copies of those open attempts in SQL, COPIES per session in all.
DB is a SQLite file or a postgresql:// URI (written through psql).
Usage: attempts.py PORT DB TOKENS COURSE PATH COPIES OUT -> lines "ATTEMPT_ID TOKEN"."""
import http.client
import json
import sqlite3
import subprocess
import sys

port, db, tokfile, course, path, copies, out = sys.argv[1:8]
port, copies = int(port), int(copies)
pg = db.startswith(("postgresql://", "postgres://"))
tokens = [t.strip() for t in open(tokfile) if t.strip()]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
first = {}
for tok in tokens:
    conn.request("POST", "/api/v1/courses/%s/quiz/%s/attempts" % (course, path), body="{}",
                 headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("attempts.py: starting an attempt: %d %s" % (r.status, body[:200]))
    first[tok] = json.loads(body)["id"]
lines = []
if pg:
    def psql(sql):
        p = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", db], input=sql, capture_output=True,
                           text=True)
        if p.returncode != 0:
            sys.exit("attempts.py: psql: " + p.stderr.strip()[-500:])
        return p.stdout
    cols = ",".join(psql("SELECT column_name FROM information_schema.columns WHERE table_name = 'attempts' "
                         "AND column_name <> 'id' ORDER BY ordinal_position;").split())
    sql = ["BEGIN;"]
    for aid in first.values():
        sql.append("INSERT INTO attempts(%s) SELECT %s FROM attempts, generate_series(2, %d) WHERE id = %d "
                   "RETURNING id, %d;" % (cols, cols, copies, aid, aid))
    sql.append("COMMIT;")
    by_first = {aid: tok for tok, aid in first.items()}
    for aid, tok in by_first.items():
        lines.append("%d %s" % (aid, tok))
    for l in psql("\n".join(sql)).split():
        new, src = l.split("|")
        lines.append("%s %s" % (new, by_first[int(src)]))
else:
    con = sqlite3.connect(db, timeout=60)
    cols = [c[1] for c in con.execute("PRAGMA table_info(attempts)") if c[1] != "id"]
    for tok, aid in first.items():
        lines.append("%d %s" % (aid, tok))
        for _ in range(copies - 1):
            cur = con.execute("INSERT INTO attempts(%s) SELECT %s FROM attempts WHERE id = ?" % (
                ",".join(cols), ",".join(cols)), (aid,))
            lines.append("%d %s" % (cur.lastrowid, tok))
    con.commit()
    con.close()
# Interleave users so concurrent submissions come from different learners.
lines.sort(key=lambda l: int(l.split()[0]) % 997)
open(out, "w").write("\n".join(lines) + "\n")
