"""`sala backup FILE` while the server runs and writes: the copy opens on its
own, passes integrity_check, and holds every row acknowledged before the
backup started."""
import os
import shutil
import sqlite3
import tempfile
import threading
import time

from harness import connect, Server, sala, sqlite_only


def _writer(srv, acked, stop, lock, w):
    c = srv.client()
    c.login("admin")
    c.get("/admin/orgs")
    i = 0
    while not stop.is_set():
        code = "B%d-%d" % (w, i)
        r = c.post("/admin/orgs", {"code": code, "name_en": "Backup %s" % code, "parent_code": "12",
                                   "level": "district"})
        if r.status == 303:
            with lock:
                acked.append(code)
        i += 1


@sqlite_only("sala backup copies the SQLite file (PostgreSQL is backed up with pg_dump)")
def test_backup_under_concurrent_writes():
    srv = Server()
    tmp = tempfile.mkdtemp(prefix="sala-backup-")
    try:
        # Some bulk so the copy takes more than one step.
        con = connect(srv.db)
        con.execute("CREATE TABLE IF NOT EXISTS qa_bulk(x BLOB)")
        con.executemany("INSERT INTO qa_bulk VALUES (randomblob(4000))", [()] * 5000)
        con.commit()
        con.close()
        acked, lock, stop = [], threading.Lock(), threading.Event()
        ts = [threading.Thread(target=_writer, args=(srv, acked, stop, lock, w), daemon=True) for w in range(4)]
        for t in ts:
            t.start()
        time.sleep(1.5)
        for round_ in range(3):
            with lock:
                before = list(acked)
            out = os.path.join(tmp, "copy%d.db" % round_)
            t0 = time.time()
            p = sala("backup", out, db=srv.db)
            took = time.time() - t0
            assert p.returncode == 0, "backup failed: %s %s" % (p.stdout, p.stderr)
            assert took < 60, "backup took %.1fs under writes" % took
            # The copy stands alone: move it away from any -wal/-shm and open it read-only.
            alone = os.path.join(tmp, "alone%d" % round_)
            os.mkdir(alone)
            shutil.move(out, os.path.join(alone, "sala.db"))
            shutil.move(out + ".key", os.path.join(alone, "sala.db.key"))
            assert not os.path.exists(out + "-wal")
            con = sqlite3.connect("file:%s?mode=ro" % os.path.join(alone, "sala.db"), uri=True)
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            have = {r[0] for r in con.execute("SELECT code FROM org_units WHERE code LIKE 'B%'")}
            missing = [c for c in before if c not in have]
            assert not missing, "%d rows acknowledged before the backup are missing: %r" % (len(missing), missing[:5])
            assert con.execute("SELECT count(*) FROM qa_bulk").fetchone()[0] == 5000
            assert con.execute("SELECT count(*) FROM users WHERE username = 'admin'").fetchone()[0] == 1
            ver = con.execute("PRAGMA user_version").fetchone()[0]
            assert ver >= 1, ver
            con.close()
        stop.set()
        for t in ts:
            t.join(30)
        assert len(acked) > 20, "writers made little progress during backups: %d" % len(acked)
        # The server still works and the backup restores: serve the copy.
        restored = Server(demo=False, db=os.path.join(tmp, "alone0", "sala.db"))
        try:
            c = restored.client()
            c.login("admin")
            assert c.get("/admin/users").status == 200
        finally:
            restored.stop()
    finally:
        stop.set()
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@sqlite_only("sala backup copies the SQLite file (PostgreSQL is backed up with pg_dump)")
def test_backup_refuses_bad_targets():
    srv = Server()
    tmp = tempfile.mkdtemp(prefix="sala-backup-")
    try:
        p = sala("backup", os.path.join(tmp, "no", "such", "dir", "x.db"), db=srv.db)
        assert p.returncode != 0 and "backup" in p.stderr, p.stderr
        p = sala("backup", srv.db, db=srv.db)
        assert p.returncode != 0, "backing up onto the live database must be refused"
        con = connect(srv.db)
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        con.close()
        p = sala("backup", db=srv.db)
        assert p.returncode != 0 and "usage" in p.stderr
        # An existing file is replaced atomically by the new copy.
        target = os.path.join(tmp, "b.db")
        open(target, "wb").write(b"not a database")
        p = sala("backup", target, db=srv.db)
        assert p.returncode == 0, p.stderr
        con = connect(target)
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        con.close()
        assert not [f for f in os.listdir(tmp) if ".tmp" in f], os.listdir(tmp)
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
