"""Helpers shared by the security, crash and backup tests: raw sockets, route
tables read from the source, database snapshots."""
import glob
import hashlib
import os
import re
import socket
import sqlite3
import time

from harness import SRC, connect, is_pg, sala

ALL_ROLES_USER = ("qa.super", "qa-super-pass-1")


def add_superuser(srv):
    """A user with every role, so a route's role check never hides its CSRF check."""
    sala("user", "add", "--username", ALL_ROLES_USER[0], "--name", "QA Super", "--org", "KH",
         "--role", "learner;trainer;manager;admin", "--password", ALL_ROLES_USER[1], db=srv.db, check=True)


def routes(method_re=r"POST|PUT|DELETE|PATCH", guarded=False):
    """(method, pattern, role expression) of every route in server/*.c route tables.
    With guarded=True, a fourth item says whether the entry sits inside #if/#ifdef
    (it may not be compiled in: a 404 is then expected)."""
    out = []
    rx = re.compile(r'\{\s*"(%s)"\s*,\s*"([^"]+)"\s*,\s*([^,]+),' % method_re)
    for path in sorted(glob.glob(os.path.join(SRC, "server", "*.c"))):
        depth = 0
        for line in open(path, encoding="utf-8", errors="replace"):
            st = line.strip()
            if re.match(r"#\s*if", st):
                depth += 1
            elif re.match(r"#\s*endif", st):
                depth = max(0, depth - 1)
            m = rx.search(line)
            if m:
                item = (m.group(1), m.group(2), m.group(3).strip())
                out.append(item + (depth > 0,) if guarded else item)
    return out


def concrete(pattern, ids=None):
    """A path for a route pattern: ':name' segments become ids.get(name) or '1', '*' becomes 'x'."""
    ids = ids or {}

    def seg(s):
        if s.startswith(":"):
            return str(ids.get(s[1:], "1"))
        return s.replace("*", "x")

    return "/".join(seg(s) for s in pattern.split("/"))


def raw(port, data, timeout=10, read=True):
    """Sends raw bytes; returns (status or None, whole response bytes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        if not read:
            return None, b""
        chunks = []
        while True:
            try:
                c = s.recv(65536)
            except socket.timeout:
                break
            if not c:
                break
            chunks.append(c)
            resp = b"".join(chunks)
            m = re.match(rb"HTTP/1\.[01] (\d+)", resp)
            if m and b"\r\n\r\n" in resp:
                head, _, body = resp.partition(b"\r\n\r\n")
                cl = re.search(rb"(?i)content-length: *(\d+)", head)
                if cl and len(body) >= int(cl.group(1)):
                    break
        resp = b"".join(chunks)
        m = re.match(rb"HTTP/1\.[01] (\d+)", resp)
        return (int(m.group(1)) if m else None), resp
    finally:
        s.close()


def get_raw(port, path, cookie=None):
    h = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" % path
    if cookie:
        h += "Cookie: %s\r\n" % cookie
    return raw(port, (h + "\r\n").encode("latin-1"))


def db_ro(path):
    """A read-only connection to a SQLite file, or a connection to a PostgreSQL database (harness.connect)."""
    if is_pg(path):
        return connect(path)
    return sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=30)


def tables(con, db):
    """The names of the tables of database db (connection con), on either engine."""
    if is_pg(db):
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() " \
              "AND table_type = 'BASE TABLE' ORDER BY 1"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY 1"
    return [t for (t,) in con.execute(sql)]


# Tables whose contents change on reads (session touch, throttling) and are not "data".
VOLATILE = {"sessions", "login_failures"}


def snapshot(path):
    """{table: sha256 of its ordered rows} for every table except the volatile ones."""
    con = db_ro(path)
    try:
        out = {}
        for t in tables(con, path):
            if t in VOLATILE:
                continue
            h = hashlib.sha256()
            rows = con.execute('SELECT * FROM "%s"' % t.replace('"', '""')).fetchall()
            # Sorted here (rows that tie on a first column come in any order); PostgreSQL's bytea as bytes.
            for r in sorted(repr(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)) for row in rows):
                h.update(r.encode())
            out[t] = h.hexdigest()
        return out
    finally:
        con.close()


def count(path, sql, *args):
    con = db_ro(path)
    try:
        return con.execute(sql, args).fetchone()[0]
    finally:
        con.close()


def wait_until(fn, timeout=10.0, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        if fn():
            return True
        time.sleep(step)
    return False
