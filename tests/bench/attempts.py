#!/usr/bin/env python3
"""Opens quiz attempts for the submission benchmark: one attempt per session
through the API (POST /api/v1/courses/ID/quiz/PATH/attempts, Bearer token),
then copies of those open attempts in SQL, COPIES per session in all.
Usage: attempts.py PORT DB TOKENS COURSE PATH COPIES OUT -> lines "ATTEMPT_ID TOKEN"."""
import http.client
import json
import sqlite3
import sys

port, db, tokfile, course, path, copies, out = sys.argv[1:8]
port, copies = int(port), int(copies)
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
con = sqlite3.connect(db, timeout=60)
cols = [c[1] for c in con.execute("PRAGMA table_info(attempts)") if c[1] != "id"]
lines = []
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
