"""Faults that must never lose data silently: a full disk under a lesson reading."""
import contextlib
import os
import sqlite3
import subprocess
import tempfile

from harness import Server, demo_db
from learnutil import lessons, bilingual, q, one, set_lang

NOTICE = "Your progress could not be saved; it will be recorded next time you open this lesson."


@contextlib.contextmanager
def small_disk(size="24m"):
    """A tmpfs of its own (needs root and mount); yields its path, or None with the reason printed."""
    d = tempfile.mkdtemp(prefix="sala-fulldisk-")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", d], capture_output=True, text=True)
    if p.returncode != 0:
        print("SKIP: cannot mount a tmpfs to fill (needs root and mount permission): " + p.stderr.strip())
        os.rmdir(d)
        yield None
        return
    try:
        yield d
    finally:
        subprocess.run(["umount", "-l", d])
        os.rmdir(d)


def fill(path):
    """Writes zeros into path until the disk is full."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 65536, 4096, 512, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError:
                    break
    finally:
        os.close(fd)


def test_full_disk_lesson_reading_is_told_and_recorded_next_time():
    with small_disk() as d:
        if d is None:
            return
        db = os.path.join(d, "sala.db")
        demo_db(db)
        srv = Server(demo=False, db=db)
        try:
            cid = bilingual(srv)
            first, second = lessons(srv, cid, "en")[:2]
            c = srv.client()
            c.login("learner")
            set_lang(c, "en")
            me = one(srv, "SELECT id FROM users WHERE username = 'learner'")
            assert one(srv, "SELECT count(*) FROM progress WHERE user_id = ?", me) == 0
            # Empty the WAL, so the next write needs new blocks, then fill the disk.
            con = sqlite3.connect(db, timeout=10)
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.close()
            filler = os.path.join(d, "filler")
            fill(filler)
            r = c.get("/courses/%s/lessons/%s" % (cid, first))
            assert r.status == 200, (r.status, r.text[:300])
            assert NOTICE in r.text, r.text[:2000]
            assert '<article class="lesson"' in r.text
            a = c.api("GET", "/api/v1/courses/%s/lessons/%s" % (cid, second))
            assert a.status == 200, (a.status, a.text[:300])
            assert a.json()["progress_saved"] is False
            assert "progress not saved" in srv.logtext()
            # Nothing of the readings was kept.
            assert one(srv, "SELECT count(*) FROM progress WHERE user_id = ?", me) == 0
            # Space again: the next view records it and says nothing.
            os.unlink(filler)
            r = c.get("/courses/%s/lessons/%s" % (cid, first))
            assert r.status == 200 and NOTICE not in r.text
            a = c.api("GET", "/api/v1/courses/%s/lessons/%s" % (cid, second))
            assert a.status == 200 and a.json()["progress_saved"] is True
            assert sorted(p for (p,) in q(srv, "SELECT item_path FROM progress WHERE user_id = ? AND course_id = ?",
                                           me, cid)) == sorted([first, second])
            # Visible in progress: the outline marks both lessons done.
            page = c.get("/courses/" + cid).text
            assert page.count("✓ Done") == 2, page[:3000]
            prog = c.api("GET", "/api/v1/progress").json()["courses"]
            assert [x["done"] for x in prog if x["id"] == cid] == [2]
        finally:
            srv.stop()
