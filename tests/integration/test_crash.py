"""Crash safety: SIGKILL the server (or the importer) in the middle of a stream
of writes, restart, and check that everything acknowledged is on disk and the
database passes PRAGMA integrity_check."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from harness import DEMO, SALA, SRC, Server, is_pg, sala, sala_env
from secutil import count, db_ro, tables


def integrity_ok(db):
    con = db_ro(db)
    try:
        if is_pg(db):
            # PostgreSQL enforces foreign keys itself; reading every row of every table finds a damaged page.
            for t in tables(con, db):
                con.execute('SELECT * FROM "%s"' % t).fetchall()
            assert "users" in tables(con, db)
            return
        rows = con.execute("PRAGMA integrity_check").fetchall()
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        con.close()
    assert rows == [("ok",)], "integrity_check: %r" % rows[:10]
    assert fk == [], "foreign_key_check: %r" % fk[:10]


def stream(srv, workers, send, seconds):
    """Runs send(client, worker, i) in worker threads until the server is killed
    after `seconds`; returns the list of keys send() reported as acknowledged."""
    acked = []
    lock = threading.Lock()
    stop = threading.Event()

    def run(w):
        c = srv.client()
        c.login("admin")
        i = 0
        while not stop.is_set():
            try:
                key = send(c, w, i)
            except Exception:  # connection refused or reset once the server is gone
                key = None
                if stop.is_set():
                    break
            if key is not None:
                with lock:
                    acked.append(key)
            i += 1

    ts = [threading.Thread(target=run, args=(w,), daemon=True) for w in range(workers)]
    for t in ts:
        t.start()
    time.sleep(seconds)
    srv.kill()  # SIGKILL while requests are in flight
    stop.set()
    for t in ts:
        t.join(30)
    return acked


def test_crash_admin_writes_survive_sigkill():
    """Org units and users created through the admin forms: every 303 is on disk after SIGKILL."""
    srv = Server()
    try:
        admin = srv.client()
        admin.login("admin")
        csrf = admin.get("/admin/orgs").csrf()

        def add_org(c, w, i):
            code = "K%d-%d" % (w, i)
            r = c.post("/admin/orgs", {"code": code, "name_en": "Crash %s" % code, "name_km": "",
                                       "parent_code": "17", "level": "district"})
            return code if r.status == 303 else None

        acked = stream(srv, 6, add_org, 3.0)
        assert len(acked) > 20, "too few writes acknowledged before the kill: %d" % len(acked)
        integrity_ok(srv.db)
        srv.start()
        missing = [c for c in acked if count(srv.db, "SELECT count(*) FROM org_units WHERE code = ?", c) != 1]
        assert not missing, "%d acknowledged org units lost: %r" % (len(missing), missing[:10])

        def add_user(c, w, i):
            name = "crash%d.%d" % (w, i)
            if i == 0:
                c.get("/admin/users/new")
            r = c.post("/admin/users/new", {"username": name, "full_name": "Crash %s" % name, "org_code": "17",
                                            "password": "crash-pass-1", "role_learner": "1"})
            return name if r.status == 303 else None

        acked = stream(srv, 4, add_user, 3.0)
        assert acked, "no user creation acknowledged"
        integrity_ok(srv.db)
        srv.start()
        missing = [u for u in acked if count(srv.db, "SELECT count(*) FROM users WHERE username = ?", u) != 1]
        assert not missing, "%d acknowledged users lost: %r" % (len(missing), missing[:10])
        c = srv.client()
        c.login("admin")
        assert c.get("/admin/users").status == 200
        del csrf
    finally:
        srv.stop()


def _api_login(srv, username, password):
    c = srv.client()
    r = c.request("POST", "/api/v1/login", body=json.dumps({"username": username, "password": password}),
                  headers={"Content-Type": "application/json"})
    assert r.status == 200, "api login: %d %s" % (r.status, r.text[:200])
    tok = r.json().get("token")
    assert tok, r.text
    return tok


def _quiz_path(srv):
    """(course_id, item path) of a final quiz of an imported course."""
    con = db_ro(srv.db)
    try:
        row = con.execute("SELECT p.course_id, i.path FROM items i JOIN packages p ON p.id = i.package_id "
                          "WHERE i.type = 'quiz' AND p.active = 1 AND p.language = 'en' "
                          "ORDER BY p.course_id, i.position LIMIT 1").fetchone()
    finally:
        con.close()
    assert row, "no quiz in the demo database (the demo imports the bundled courses)"
    return row


def test_crash_quiz_submissions_survive_sigkill():
    """Quiz submissions streamed through the API: every 200 answer is a submitted attempt after SIGKILL."""
    srv = Server()
    try:
        n = 40
        for i in range(n):
            sala("user", "add", "--username", "sub%d" % i, "--name", "Submitter %d" % i, "--org", "1710",
                 "--password", "submit-pass-1", db=srv.db, check=True)
        course, path = _quiz_path(srv)
        tokens = [_api_login(srv, "sub%d" % i, "submit-pass-1") for i in range(n)]
        acked = []
        lock = threading.Lock()
        stop = threading.Event()

        def run(w):
            c = srv.client()
            k = w
            while not stop.is_set():
                tok = tokens[k % n]
                k += 6
                h = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
                try:
                    r = c.request("POST", "/api/v1/courses/%s/quiz/%s/attempts" % (course, path), body="{}",
                                  headers=h)
                    if r.status != 200:
                        continue
                    aid = r.json()["id"]
                    r = c.request("POST", "/api/v1/attempts/%d/submit" % aid, body='{"answers": {"q0": "0"}}',
                                  headers=h)
                    if r.status == 200:
                        with lock:
                            acked.append(aid)
                except Exception:
                    if stop.is_set():
                        break

        ts = [threading.Thread(target=run, args=(w,), daemon=True) for w in range(6)]
        for t in ts:
            t.start()
        time.sleep(4.0)
        srv.kill()
        stop.set()
        for t in ts:
            t.join(30)
        assert len(acked) > 10, "too few submissions acknowledged: %d" % len(acked)
        integrity_ok(srv.db)
        srv.start()
        lost = [a for a in acked
                if count(srv.db, "SELECT count(*) FROM attempts WHERE id = ? AND submitted_at IS NOT NULL", a) != 1]
        assert not lost, "%d acknowledged submissions lost: %r" % (len(lost), lost[:10])
        # The report aggregates, written in the submissions' transactions, match the rows exactly.
        r = sala("report", "--verify", "--org", "17", db=srv.db)
        assert r.returncode == 0 and ": 0 differences" in r.stdout, (r.stdout[-2000:], r.stderr)
    finally:
        srv.stop()


def _big_package(root, course_id, version, mb):
    os.makedirs(os.path.join(root, "lessons"))
    os.makedirs(os.path.join(root, "media"))
    with open(os.path.join(root, "course.yml"), "w") as f:
        f.write("id: %s\nversion: %s\nlanguage: en\ntitle: Big course %s\nsummary: A large package.\n"
                "minutes: 10\npass_mark: 50\ncertificate: false\nlessons:\n  - file: lessons/01.md\n"
                % (course_id, version, version))
    files = []
    for i in range(max(1, mb // 8)):
        name = "clip%02d.mp4" % i
        with open(os.path.join(root, "media", name), "wb") as f:
            # Incompressible bytes with an MP4 'ftyp' box at the start.
            f.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(8 << 20))
        files.append(name)
    with open(os.path.join(root, "lessons", "01.md"), "w") as f:
        f.write("# Version %s\n\nThis is version %s.\n\n" % (version, version))
        for name in files:
            f.write("[Video %s](../media/%s)\n\n" % (name, name))


def test_crash_import_killed_midway_keeps_old_version():
    """`sala import` of a large package SIGKILLed mid-way: either the old version stays active and
    intact with nothing of the new one stored, or (killed after its commit) the new one is whole."""
    srv = Server()
    tmp = tempfile.mkdtemp(prefix="sala-crash-import-")
    try:
        v1 = os.path.join(tmp, "v1", "big-course")
        big = os.path.join(tmp, "big", "big-course")
        _big_package(v1, "big-course", "1.0.0", 8)
        _big_package(big, "big-course", "2.0.0", 64)
        p = sala("import", v1, db=srv.db)
        assert p.returncode == 0, "import v1: %s %s" % (p.stdout, p.stderr)
        c = srv.client()
        c.login("learner")
        active = "1.0.0"
        killed_before_commit = 0
        for n, delay in enumerate((0.2, 0.5, 1.0, 1.5, 2.5, 4.0)):
            version = "2.0.%d" % n
            yml = os.path.join(big, "course.yml")
            text = open(yml).read()
            open(yml, "w").write(re.sub(r"version: .*", "version: " + version, text, count=1))
            lesson = os.path.join(big, "lessons", "01.md")
            text = open(lesson).read()
            open(lesson, "w").write(re.sub(r"version [0-9.]+", "version " + version, text))
            blobs = count(srv.db, "SELECT count(*) FROM blobs")
            pkgs = count(srv.db, "SELECT count(*) FROM packages WHERE course_id = 'big-course'")
            proc = subprocess.Popen([SALA, "import", big, "--db", srv.db], cwd=SRC, env=sala_env(srv.db),
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            time.sleep(delay)
            killed = proc.poll() is None
            if killed:
                proc.send_signal(signal.SIGKILL)
            out, err = proc.communicate()
            integrity_ok(srv.db)
            now = count(srv.db, "SELECT version FROM packages WHERE course_id = 'big-course' AND active = 1 "
                                "AND language = 'en'")
            if now == active:
                assert killed, "import of %s ended without being killed: %s %s" % (version, out, err)
                killed_before_commit += 1
                # Nothing of the interrupted import is stored.
                assert count(srv.db, "SELECT count(*) FROM packages WHERE course_id = 'big-course'") == pkgs
                assert count(srv.db, "SELECT count(*) FROM blobs") == blobs
            else:
                assert now == version, "active version %r, expected %r or %r" % (now, active, version)
                active = version
            # Whatever is active is whole: its lesson and every media file it links to are served.
            page = c.get("/courses/big-course/lessons/lessons/01.md")
            assert page.status == 200 and "version %s" % active in page.text, (page.status, active)
            for m in set(re.findall(r'(?:href|src)="(/media/[^"]+)"', page.text)):
                r = c.request("HEAD", m)
                assert r.status == 200, (m, r.status)
        assert killed_before_commit, "every import finished before SIGKILL; make the package bigger"
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
