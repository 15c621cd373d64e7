"""Faults that must never lose data or crash: a full disk under a lesson reading, allocation failures in
certificate rendering, temporary files of killed runs."""
import contextlib
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time

from harness import ENGINE, SALA, SRC, Server, connect, copy_db, demo_db, fresh_db, is_pg, sala, sala_env, sqlite_only, engine_independent
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


@sqlite_only("a full disk under the SQLite file (a small tmpfs)")
def test_full_disk_lesson_reading_is_told_and_recorded_next_time():
    with small_disk() as d:
        if d is None:
            return
        db = demo_db(os.path.join(d, "sala.db"))
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
            con = connect(db)
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


# ---- memory: allocation failures in certificate rendering ------------------------------------------------------

_cert_db = None


def cert_db():
    """A database with demo certificates (made once), copied for each test: (dir, db path, a valid serial)."""
    global _cert_db
    if _cert_db is None:
        d = tempfile.mkdtemp(prefix="sala-certdb-")
        db = fresh_db(d, "demo.db")
        sala("demo", "--init", "--learners", "40", db=db, check=True)
        _cert_db = db
    d = tempfile.mkdtemp(prefix="sala-faults-")
    db = copy_db(_cert_db, os.path.join(d, "demo.db"))
    serial = connect(db).execute(
        "SELECT serial FROM certificates WHERE revoked_at IS NULL AND superseded_by IS NULL ORDER BY id").fetchone()[0]
    return d, db, serial


@engine_independent("rendering under injected allocation failures: the engine only hands over the certificate row")
def test_render_allocation_failure_is_a_clear_error_not_a_crash():
    """Every checked library allocation of `sala cert render`, failed in turn (SALA_TEST_RENDER_OOM=N): a clear
    message and exit status 1, never a signal or a file; past the last one the render succeeds."""
    d, db, serial = cert_db()
    try:
        for ext in ("png", "pdf"):
            out = os.path.join(d, "c." + ext)
            ok_at = None
            for n in range(1, 80):
                p = sala("cert", "render", serial, "-o", out, db=db, env={"SALA_TEST_RENDER_OOM": str(n)})
                assert p.returncode in (0, 1), (ext, n, p.returncode, p.stderr)
                if p.returncode == 0:
                    ok_at = n
                    break
                assert "not enough memory" in p.stderr, (ext, n, p.stderr)
                assert "(null)" not in p.stderr and "0x" not in p.stderr, p.stderr
                assert not os.path.exists(out), (ext, n)
            assert ok_at and ok_at > 5, (ext, ok_at)  # several allocations were each failed first
            head = open(out, "rb").read(8)
            assert head.startswith(b"\x89PNG" if ext == "png" else b"%PDF"), head
        # Bulk: a failure in any worker thread stops the run with the message; no partial file is left.
        out = os.path.join(d, "all.pdf")
        for n in (1, 3, 8, 20):
            p = sala("cert", "bulk", "-o", out, db=db, env={"SALA_TEST_RENDER_OOM": str(n)})
            assert p.returncode == 1 and "not enough memory" in p.stderr, (n, p.returncode, p.stderr)
            assert not os.path.exists(out)
            assert [f for f in os.listdir(d) if ".part-" in f] == [], os.listdir(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_render_under_a_memory_limit_exits_cleanly():
    """`sala cert bulk` under an address-space limit (prlimit --as) stops with a message and status 1."""
    p = subprocess.run(["ldd", SALA], capture_output=True, text=True)
    if "libasan" in p.stdout:
        print("SKIP: the sanitizer build reserves terabytes of address space, so prlimit --as cannot apply; "
              "the injected failures (SALA_TEST_RENDER_OOM) cover this build")
        return
    if not shutil.which("prlimit"):
        print("SKIP: prlimit (util-linux) is not installed")
        return
    d, db, serial = cert_db()
    try:
        out = os.path.join(d, "all.pdf")
        failed = 0
        # Pango, GLib and fontconfig die when memory runs out under them, so the renderer first makes sure
        # of its headroom (certificates/render.c): the limits below it are refused cleanly, and a limit
        # well above it is enough to render.
        for mb in (110, 130, 160, 200, 260, 320, 480):
            p = subprocess.run(["prlimit", "--as=%d" % (mb << 20), SALA, "cert", "bulk", "-o", out, "--db", db],
                               capture_output=True, text=True, cwd=SRC, timeout=300)
            assert p.returncode in (0, 1), (mb, p.returncode, p.stderr[-500:])  # a signal would be negative
            if p.returncode == 1:
                failed += 1
                assert "not enough memory" in p.stderr, (mb, p.stderr[-500:])
            if mb == 480:
                assert p.returncode == 0, p.stderr[-500:]
        assert failed >= 1  # the lowest limits do fail
        p = sala("cert", "bulk", "-o", out, db=db)
        assert p.returncode == 0, p.stderr
        assert [f for f in os.listdir(d) if ".part-" in f] == [], os.listdir(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@engine_independent("rendering under injected allocation failures: the engine only hands over the certificate row")
def test_server_render_allocation_failure_answers_500_and_keeps_serving():
    d, db, serial = cert_db()
    srv = Server(demo=False, db=db, extra_env={"SALA_TEST_RENDER_OOM": "1"})
    try:
        c = srv.client()
        c.login("admin")
        set_lang(c, "en")
        r = c.get("/certificates/%s.png" % serial)
        assert r.status == 500, r.status
        assert "The certificate could not be made." in r.text
        for _ in range(40):  # the error line is written just after the response
            if "not enough memory to render the certificate" in srv.logtext():
                break
            time.sleep(0.05)
        assert "not enough memory to render the certificate" in srv.logtext()
        assert c.get("/healthz").status == 200
    finally:
        srv.stop()
        shutil.rmtree(d, ignore_errors=True)


# ---- temporary files of killed runs ----------------------------------------------------------------------------

def dead_pid():
    """A process id that is not running (a child that has exited and been reaped)."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def kill_when(proc, ready, timeout=120):
    deadline = time.time() + timeout
    while not ready():
        assert proc.poll() is None, "finished before it could be killed"
        assert time.time() < deadline, "timed out"
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


@engine_independent("the files a killed bulk render leaves: the engine only hands over the certificate rows")
def test_killed_bulk_leaves_nothing_after_the_next_run():
    d, db, serial = cert_db()
    try:
        out = os.path.join(d, "all.pdf")
        proc = subprocess.Popen([SALA, "cert", "bulk", "-o", out, "--db", db], cwd=SRC, env=sala_env(db),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        part = "all.pdf.part-%d-" % proc.pid
        kill_when(proc, lambda: any(f.startswith(part) for f in os.listdir(d)))
        left = [f for f in os.listdir(d) if f.startswith(part)]
        assert len(left) == 1 and len(left[0]) == len(part) + 6, left
        assert not os.path.exists(out)
        # A live run's file (this test's own process) is not touched; a gone one's is.
        live = os.path.join(d, "all.pdf.part-%d-abcdef" % os.getpid())
        gone = os.path.join(d, "all.pdf.part-%d-ghijkl" % dead_pid())
        other = os.path.join(d, "other.pdf.part-%d-mnopqr" % dead_pid())
        for f in (live, gone, other):
            open(f, "w").close()
        p = sala("cert", "bulk", "-o", out, db=db)
        assert p.returncode == 0, p.stderr
        assert "removed" in p.stderr and left[0] in p.stderr, p.stderr
        assert sorted(f for f in os.listdir(d) if ".part-" in f) == sorted(
            [os.path.basename(live), os.path.basename(other)]), os.listdir(d)
        assert open(out, "rb").read(5) == b"%PDF-"
    finally:
        shutil.rmtree(d, ignore_errors=True)


@sqlite_only("sala backup copies the SQLite file (PostgreSQL is backed up with pg_dump)")
def test_killed_backup_leaves_nothing_after_the_next_run():
    d = tempfile.mkdtemp(prefix="sala-faults-")
    try:
        db = demo_db(os.path.join(d, "big.db"))
        con = connect(db)
        con.execute("CREATE TABLE ballast(b BLOB)")
        for _ in range(30):
            con.execute("INSERT INTO ballast VALUES (randomblob(4 * 1024 * 1024))")
        con.commit()
        con.close()
        out = os.path.join(d, "copy.db")
        proc = subprocess.Popen([SALA, "backup", out, "--db", db], cwd=SRC,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tmp = "copy.db.tmp-%d" % proc.pid
        kill_when(proc, lambda: os.path.exists(os.path.join(d, tmp)))
        left = [f for f in os.listdir(d) if f.startswith(tmp)]
        assert left, os.listdir(d)
        assert not os.path.exists(out)
        live = os.path.join(d, "copy.db.tmp-%d" % os.getpid())
        open(live, "w").close()
        p = sala("backup", out, db=db)
        assert p.returncode == 0, p.stderr
        assert "removed" in p.stderr and tmp in p.stderr, p.stderr
        assert sorted(f for f in os.listdir(d) if ".tmp-" in f) == [os.path.basename(live)], os.listdir(d)
        con = connect(out)
        assert con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*) FROM ballast").fetchone()[0] == 30
        con.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)


# ---- big imports -------------------------------------------------------------------------------------------------

def sanitizer_build():
    return "libasan" in subprocess.run(["ldd", SALA], capture_output=True, text=True).stdout


def _bad_last_row_csvs(d, rows):
    """A users CSV and an org units CSV of rows good rows each and a bad last one; returns
    ((what, path, line, message), ...)."""
    users = os.path.join(d, "users-%d.csv" % rows)
    with open(users, "w") as f:
        f.write("username,full_name,full_name_km,sex,org_code,position,role,email,phone,password\n")
        for i in range(rows):
            f.write("roster%06d,Official %d,មន្ត្រី %d,female,12,Clerk,learner,o%d@example.gov.kh,012345678,"
                    "Tonle-Sap-river-Kampot\n" % (i, i, i, i))
        f.write("ROSTER000007,Again,,male,12,,learner,,,passw0rd-again\n")
    orgs = os.path.join(d, "orgs-%d.csv" % rows)
    with open(orgs, "w") as f:
        f.write("code,name_en,name_km,parent_code,level\n")
        for i in range(rows):
            f.write("R%06d,District %d,ស្រុក %d,12,district\n" % (i, i, i))
        f.write("R000001,Duplicate,,12,district\n")
    return (("users", users, rows + 2, "username 'ROSTER000007' appears twice (also on line 9)"),
            ("orgs", orgs, rows + 2, "org code 'R000001' already exists"))


class _BackendCPU(threading.Thread):
    """The CPU time of the PostgreSQL server processes that serve database db (but this watcher's own), read
    from /proc every 20 ms until stop(); a process's last 20 ms may be missed."""

    def __init__(self, db):
        super().__init__(daemon=True)
        self.con = connect(db)
        self.ticks = {}  # pid -> its latest utime + stime, in clock ticks
        self.done = threading.Event()
        self.start()

    def run(self):
        while not self.done.is_set():
            for (pid,) in self.con.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                           "AND pid <> pg_backend_pid()").fetchall():
                try:
                    with open("/proc/%d/stat" % pid) as f:
                        fields = f.read().rpartition(")")[2].split()
                    self.ticks[pid] = int(fields[11]) + int(fields[12])
                except (OSError, IndexError, ValueError):
                    pass
            self.done.wait(0.02)

    def stop(self):
        """Seconds of CPU."""
        self.done.set()
        self.join()
        self.con.close()
        return sum(self.ticks.values()) / os.sysconf("SC_CLK_TCK")


def _timed_import(db, what, path):
    """Runs `sala WHAT import PATH`: (the process, wall seconds, CPU seconds of the sala process and, on
    PostgreSQL, of the server processes that served it)."""
    server = _BackendCPU(db) if is_pg(db) else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    p = sala(what, "import", path, db=db)
    took = time.time() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if server:
        cpu += server.stop()
    return p, took, cpu


def _refuse(db, what, path, line, msg):
    """Runs `sala WHAT import PATH`, checks that it refuses the file at its bad last line and imports nothing;
    returns (wall seconds, CPU seconds of the sala process and, on PostgreSQL, of the server processes that
    served it)."""
    p, took, cpu = _timed_import(db, what, path)
    assert p.returncode == 1, (what, p.returncode, p.stderr[-300:])
    assert "%s:%d: %s" % (path, line, msg) in p.stderr, (what, p.stderr[-300:])
    assert "1 bad row: nothing imported" in p.stderr, (what, p.stderr[-300:])
    return took, cpu


def test_100000_row_csvs_with_a_bad_last_row_are_refused_quickly_with_the_line():
    """Validation is linear: 100,000 users (or org units) whose last row is bad are refused naming FILE:LINE,
    importing nothing, in at most 15 times the time of 20,000 (linear: about 5 times; quadratic: 25 times),
    and in under 5 s (the sanitizer build runs several times slower: 20 s) on either engine. The time is CPU
    time, whatever else the machine runs: the sala process's, and on PostgreSQL also that of the server
    processes that serve it. The usernames and org codes are read in one query each, not looked up row by
    row (a round trip each on PostgreSQL); a quadratic validation would take hours."""
    limit = 20.0 if sanitizer_build() else 5.0
    d = tempfile.mkdtemp(prefix="sala-bigcsv-")
    try:
        db = demo_db(os.path.join(d, "sala.db"))
        count = lambda table: connect(db).execute("SELECT count(*) FROM " + table).fetchone()[0]
        before = (count("users"), count("org_units"))
        small = _bad_last_row_csvs(d, 20000)
        big = _bad_last_row_csvs(d, 100000)
        for (what, spath, sline, msg), (_, bpath, bline, _) in zip(small, big):
            s_wall, s_cpu = _refuse(db, what, spath, sline, msg)
            b_wall, b_cpu = _refuse(db, what, bpath, bline, msg)
            print("     %s: 20,000 rows refused in %.2f s (CPU %.2f s), 100,000 in %.2f s (CPU %.2f s)" % (
                what, s_wall, s_cpu, b_wall, b_cpu))
            assert b_cpu < 15 * max(s_cpu, 0.05), "%s: %.2f s of CPU for 100,000 rows, %.2f s for 20,000" % (
                what, b_cpu, s_cpu)
            assert b_cpu < limit, "%s: %.1f s of CPU for 100,000 rows (limit %.0f s)" % (what, b_cpu, limit)
        assert (count("users"), count("org_units")) == before
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_100000_row_csvs_are_imported_in_seconds():
    """Accepted imports are set-based too: 100,000 org units (districts, each followed by its communes, so
    a row's parent is often the row just before it) and then 100,000 users waiting for activation codes
    (no passwords to hash) go in with a few hundred statements instead of several per row: 1-5 s each on
    a quiet machine on either engine; the limit, 30 s of CPU time (the sala process's and, on PostgreSQL, the
    server processes' serving it; 60 s under the sanitizers), is far below what a round trip per row costs. Every unit has its
    parent and path, every user their unit and roles."""
    limit = 60.0 if sanitizer_build() else 30.0
    d = tempfile.mkdtemp(prefix="sala-bigcsv-")
    try:
        db = demo_db(os.path.join(d, "sala.db"))
        orgs = os.path.join(d, "orgs.csv")
        with open(orgs, "w") as f:
            f.write("code,name_en,name_km,parent_code,level\n")
            for i in range(1000):
                f.write("D%03d,District %d,ស្រុក %d,12,district\n" % (i, i, i))
                for k in range(99):
                    f.write("D%03d-%02d,Commune %d-%d,,D%03d,commune\n" % (i, k, i, k, i))
        users = os.path.join(d, "users.csv")
        with open(users, "w") as f:
            f.write("username,full_name,sex,org_code,role\n")
            for i in range(100000):
                f.write("bulk%06d,Official %d,%s,D%03d-%02d,%s\n" % (
                    i, i, "female" if i % 2 else "male", i % 1000, i % 99,
                    "learner;manager" if i % 1000 == 7 else "learner"))
        con = connect(db)
        one_row = lambda sql, *a: con.execute(sql, a).fetchone()
        before = one_row("SELECT (SELECT count(*) FROM org_units), (SELECT count(*) FROM users), "
                         "(SELECT count(*) FROM user_roles)")
        con.close()
        for what, path, added in (("orgs", orgs, "imported 100000 org units from %s" % orgs),
                                  ("users", users, "imported 100000 users from %s" % users)):
            p, took, cpu = _timed_import(db, what, path)
            assert p.returncode == 0, (what, p.returncode, p.stderr[-300:])
            assert p.stdout.strip() == added, (what, p.stdout[-300:])
            assert cpu < limit, "%s: %.1f s of CPU for 100,000 rows (limit %.0f s)" % (what, cpu, limit)
            print("     %s: 100,000 rows imported in %.2f s (CPU %.2f s)" % (what, took, cpu))
        con = connect(db)
        one_row = lambda sql, *a: con.execute(sql, a).fetchone()
        after = one_row("SELECT (SELECT count(*) FROM org_units), (SELECT count(*) FROM users), "
                        "(SELECT count(*) FROM user_roles)")
        assert after == (before[0] + 100000, before[1] + 100000, before[2] + 100100), (before, after)
        prov = one_row("SELECT id, path FROM org_units WHERE code = '12'")
        dist = one_row("SELECT id, path, parent_id, level FROM org_units WHERE code = 'D999'")
        assert dist[1:] == (prov[1] + "%d/" % dist[0], prov[0], "district"), (prov, dist)
        comm = one_row("SELECT id, path, parent_id, level, name_en FROM org_units WHERE code = 'D999-98'")
        assert comm[1:] == (dist[1] + "%d/" % comm[0], dist[0], "commune", "Commune 999-98"), (dist, comm)
        assert one_row("SELECT count(*) FROM org_units WHERE path = '' OR (parent_id IS NULL AND code <> 'KH')") \
            == (0,)
        u = one_row("SELECT u.sex, o.code, u.must_change_password, u.password_hash FROM users u "
                    "JOIN org_units o ON o.id = u.org_id WHERE u.username = 'bulk012345'")
        assert u == ("female", "D345-69", 1, ""), u
        roles = lambda name: sorted(r[0] for r in con.execute(
            "SELECT r.role FROM user_roles r JOIN users u ON u.id = r.user_id WHERE u.username = ?",
            (name,)).fetchall())
        assert roles("bulk005007") == ["learner", "manager"], roles("bulk005007")
        assert roles("bulk005008") == ["learner"], roles("bulk005008")
        con.close()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_users_import_prints_progress_on_stderr():
    d = tempfile.mkdtemp(prefix="sala-csv-")
    try:
        db = demo_db(os.path.join(d, "sala.db"))
        path = os.path.join(d, "few.csv")
        with open(path, "w") as f:
            f.write("username,full_name,sex,org_code,password\n")
            for i in range(3):
                f.write("few%d,Few %d,male,12,passw0rd-%d\n" % (i, i, i))
        p = sala("users", "import", path, db=db)
        assert p.returncode == 0, p.stderr
        assert "%s: 3 of 3 passwords hashed" % path in p.stderr, p.stderr
        assert p.stdout.strip() == "imported 3 users from %s" % path
    finally:
        shutil.rmtree(d, ignore_errors=True)
