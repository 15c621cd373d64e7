"""PostgreSQL operations against the real binary and throwaway clusters (tests/pg/cluster.sh):
`sala db copy` both ways (SQLite -> PostgreSQL -> SQLite, compared row by row), `sala backup` on
PostgreSQL, two servers on one database, and a failover drill (a primary, a synchronous standby,
SIGKILL of the primary, promotion, Sala going on with every acknowledged submission kept).

Each test makes its own clusters, so they run whichever engine the rest of the suite uses; they
skip themselves, saying so, where PostgreSQL 15 is not installed (scripts/deps.sh test installs it)."""
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time

from harness import SRC, Server, demo_db, is_pg, sala
from test_courses import set_version, upload

PG_BIN = "/usr/lib/postgresql/15/bin"
CLUSTER = os.path.join(SRC, "tests", "pg", "cluster.sh")
QUIZ_COURSE = os.path.join(SRC, "tests", "data", "quiz", "course")
GOOD_COURSE = os.path.join(SRC, "tests", "data", "courses", "good")
RIGHT = {"q0": "1", "q1_0": "1", "q1_1": "1", "q2": "ឃុំ", "q3_0": "0", "q3_1": "1"}
# Every table `sala db copy` copies (lib/db_copy.c), with the columns that identify a row.
TABLES = ["settings", "org_units", "users", "user_roles", "sessions", "login_failures", "courses", "blobs",
          "packages", "package_files", "items", "enrolments", "org_assignments", "progress", "attempts",
          "attempt_answers", "certificates"]
IDENTITY = {"org_units": "id", "users": "id", "login_failures": "rowid", "blobs": "id", "packages": "id",
            "items": "id", "attempts": "id", "certificates": "id"}


def pg_missing():
    if os.path.exists(os.path.join(PG_BIN, "initdb")) and os.path.exists(os.path.join(PG_BIN, "psql")):
        return False
    print("skip: PostgreSQL 15 is not installed here (scripts/deps.sh test installs postgresql-15)")
    return True


def as_pg(*cmd, check=True):
    """Runs a PostgreSQL program as the postgres user when root (PostgreSQL refuses root)."""
    if os.geteuid() == 0:
        cmd = ("runuser", "-u", "postgres", "--") + cmd
    return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120)


class Cluster:
    """A throwaway cluster (tests/pg/cluster.sh start), or a standby of one (standby_of)."""

    def __init__(self, standby_of=None, name="standby1"):
        if standby_of is None:
            out = subprocess.run([CLUSTER, "start"], capture_output=True, text=True, check=True, timeout=120)
            self.dir, self.uri = out.stdout.split()
            self.port = int(open(os.path.join(self.dir, "port")).read())
            return
        self.dir = tempfile.mkdtemp(prefix="sala-pg-")
        os.chmod(self.dir, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        p = standby_of
        try:
            # pg_basebackup -R writes primary_conninfo (with the standby's application_name) and standby.signal.
            as_pg(os.path.join(PG_BIN, "pg_basebackup"), "-d",
                  "host=%s port=%d user=sala application_name=%s" % (p.dir, p.port, name),
                  "-D", os.path.join(self.dir, "data"), "-R", "-X", "stream", "-c", "fast")
            self.port = free_port()
            as_pg(os.path.join(PG_BIN, "pg_ctl"), "-D", os.path.join(self.dir, "data"), "-o",
                  "-k %s -c listen_addresses=127.0.0.1 -p %d" % (self.dir, self.port),
                  "-l", os.path.join(self.dir, "log"), "-w", "start")
        except BaseException:
            self.stop()
            raise
        self.uri = "postgresql://sala@127.0.0.1:%d/sala" % self.port

    def sql(self, sql):
        """Rows of a statement (psql over the Unix socket), each a tuple of strings."""
        p = subprocess.run([os.path.join(PG_BIN, "psql"), "-X", "-A", "-t", "-q", "-F", "\t", "-v",
                            "ON_ERROR_STOP=1", "-h", self.dir, "-p", str(self.port), "-U", "sala", "-d", "sala",
                            "-c", sql], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, "psql: %s: %s" % (sql, p.stderr)
        return [tuple(line.split("\t")) for line in p.stdout.splitlines() if line]

    def one(self, sql):
        rows = self.sql(sql)
        return rows[0][0] if rows else None

    def kill(self):
        """SIGKILL the postmaster and every process it started: the machine is gone, nothing shuts down."""
        pid = int(open(os.path.join(self.dir, "data", "postmaster.pid")).readline())
        children = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    stat = open("/proc/%s/stat" % d).read()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(d))
        for p in [pid] + children:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def promote(self):
        as_pg(os.path.join(PG_BIN, "pg_ctl"), "-D", os.path.join(self.dir, "data"), "-w", "promote")

    def stop(self):
        if os.path.basename(self.dir).startswith("sala-pg-"):
            subprocess.run([CLUSTER, "stop", self.dir], capture_output=True, timeout=120)


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class PgServer(Server):
    """`sala serve` on a database of this test's own cluster that already holds a site, its key given with
    --key. Not the harness's engine: these tests make their own clusters, whichever engine the suite uses."""

    def __init__(self, uri, key, args=None):
        self.dir = tempfile.mkdtemp(prefix="sala-test-")
        self.args = ["--key", key] + list(args or [])
        self.db = uri
        self.key = key
        self.env = {}
        self.own_db = False  # the cluster goes with the test
        self.proc = None
        self.start()


def demo_site(d):
    """The demo site as a SQLite file in d (on the PostgreSQL engine, copied out of the suite's template with
    `sala db copy`); returns (path, key path)."""
    src = demo_db(os.path.join(d, "demo.db"))
    if not is_pg(src):
        return src, src + ".key"
    site = os.path.join(d, "site.db")
    p = sala("db", "copy", "--from", src, "--to", site, "--key", os.path.join(d, "demo.db.key"))
    assert p.returncode == 0, p.stdout + p.stderr
    return site, site + ".key"


def site_on_pg(cluster, d):
    """The demo site copied into the cluster's database; returns the signing key's path."""
    site, key = demo_site(d)
    p = sala("db", "copy", "--from", site, "--to", cluster.uri)
    assert p.returncode == 0, p.stdout + p.stderr
    return key


def sqlite_rows(path, table):
    con = sqlite3.connect(path)
    try:
        cols = "rowid, *" if table == "login_failures" else "*"
        return sorted(con.execute("SELECT %s FROM %s" % (cols, table)).fetchall(), key=repr)
    finally:
        con.close()


def sqlite_one(path, sql, *args):
    con = sqlite3.connect(path, timeout=10)
    try:
        row = con.execute(sql, args).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def take_quiz(c, quiz, answers):
    """Opens quiz, starts (or resumes) an attempt and submits answers; (attempt id, status of the submission)."""
    r = c.get(quiz)  # the page's form, and this session's CSRF token
    if r.status != 200:
        return None, r.status
    r = c.post(quiz + "/start")
    if r.status != 303:
        return None, r.status
    m = re.match(r"^/attempts/(\d+)$", r.header("Location") or "")
    assert m, r.header("Location")
    aid = int(m.group(1))
    page = c.get("/attempts/%d" % aid)
    if page.status != 200:
        return aid, page.status
    return aid, c.post("/attempts/%d/submit" % aid, answers).status


def copy_lines(out):
    """{table: (rows from, rows to, verdict)} from the table `sala db copy` prints."""
    res = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 6 and f[0] in TABLES:
            res[f[0]] = (int(f[1]), int(f[2]), f[5])
    return res


def test_db_copy_sqlite_to_postgresql_and_back():
    if pg_missing():
        return
    d = tempfile.mkdtemp(prefix="sala-dbcopy-")
    srv = Server(db=demo_site(d)[0], demo=False)
    pg = None
    try:
        # A site with some life in it: a course taken to completion (attempts, answers, enrolment,
        # progress, a certificate), a session, a failed login, a setting, an org assignment.
        sala("import", QUIZ_COURSE, db=srv.db, check=True)
        sala("settings", "set", "issuer_en", "Ministry of Copies", db=srv.db, check=True)
        c = srv.client()
        c.login("learner")
        for path in ("lessons/01-one.md", "lessons/02-two.md"):
            assert c.get("/courses/quiz-test/lessons/" + path).status == 200
        aid, st = take_quiz(c, "/courses/quiz-test/quiz/quizzes/final.md", RIGHT)
        assert st == 303, st
        bad = srv.client()
        bad.get("/login")
        assert bad.post("/login", {"username": "learner", "password": "wrong-password-1"}).status != 303
        src = srv.db
        for t in ("users", "sessions", "login_failures", "blobs", "attempts", "attempt_answers", "enrolments",
                  "progress", "certificates", "settings"):
            assert sqlite_rows(src, t), "the source has no rows in %s" % t
        code = sqlite_one(src, "SELECT code FROM certificates LIMIT 1")
        serial = sqlite_one(src, "SELECT serial FROM certificates LIMIT 1")

        pg = Cluster()
        p = sala("db", "copy", "--from", src, "--to", pg.uri)
        assert p.returncode == 0, p.stdout + p.stderr
        lines = copy_lines(p.stdout)
        assert sorted(lines) == sorted(TABLES), p.stdout
        for t in TABLES:
            n = len(sqlite_rows(src, t))
            assert lines[t] == (n, n, "same"), (t, lines[t], n)
        assert "every table matches" in p.stdout
        assert "not in the database" in p.stdout and src + ".key" in p.stdout, p.stdout
        # Ids kept: the certificate and the attempt are the same rows under the same ids.
        assert pg.one("SELECT serial FROM certificates WHERE code = '%s'" % code) == serial
        assert pg.one("SELECT count(*) FROM attempt_answers WHERE attempt_id = %d" % aid) == "4"

        # A destination that is not empty is refused and left alone.
        users = pg.one("SELECT count(*) FROM users")
        p = sala("db", "copy", "--from", src, "--to", pg.uri)
        assert p.returncode == 1 and "not empty" in p.stderr and "--replace" in p.stderr, p.stderr
        assert pg.one("SELECT count(*) FROM users") == users

        # A copy that does not match is rolled back (here a trigger changes names on the way in).
        pg.sql("CREATE FUNCTION qa_mangle() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               "NEW.full_name := NEW.full_name || '!'; RETURN NEW; END $$;"
               "CREATE TRIGGER qa_mangle BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION qa_mangle()")
        p = sala("db", "copy", "--from", src, "--to", pg.uri, "--replace")
        assert p.returncode == 1, p.stdout + p.stderr
        lines = copy_lines(p.stdout)
        assert lines["users"][2] == "DIFFERENT" and lines["attempts"][2] == "same", p.stdout
        assert "rolled back" in p.stderr
        pg.sql("DROP TRIGGER qa_mangle ON users; DROP FUNCTION qa_mangle()")
        assert pg.one("SELECT count(*) FROM users WHERE full_name LIKE '%!'") == "0"
        assert pg.one("SELECT count(*) FROM users") == users

        # --replace over the same data: matches again.
        p = sala("db", "copy", "--from", src, "--to", pg.uri, "--replace")
        assert p.returncode == 0 and "every table matches" in p.stdout, p.stdout + p.stderr

        # Back to a new SQLite file: every row of every table as it was, and the key beside it.
        back = os.path.join(d, "back.db")
        p = sala("db", "copy", "--from", pg.uri, "--to", back, "--key", src + ".key")
        assert p.returncode == 0, p.stdout + p.stderr
        for t in TABLES:
            assert sqlite_rows(back, t) == sqlite_rows(src, t), "table %s differs after the round trip" % t
        assert open(back + ".key").read() == open(src + ".key").read()
        assert os.stat(back + ".key").st_mode & 0o777 == 0o600
        # The copy is a working site: the certificate verifies there.
        with Server(db=back, demo=False) as b:
            r = b.client().get("/verify/" + code)
            assert r.status == 200 and 'data-status="valid"' in r.text, r.status
        # So is the PostgreSQL one, with the key given to its server.
        with PgServer(pg.uri, src + ".key") as b:
            r = b.client().get("/verify/" + code)
            assert r.status == 200 and 'data-status="valid"' in r.text, (r.status, b.logtext()[-1000:])

        # The PostgreSQL counters are past the copied ids: the next id of every table is new.
        for t, col in IDENTITY.items():
            nxt = int(pg.one("SELECT nextval(pg_get_serial_sequence('%s', '%s'))" % (t, col)))
            top = sqlite_one(src, "SELECT coalesce(max(%s), 0) FROM %s" % (col, t))
            assert nxt > top, (t, nxt, top)

        # Bad input: both ends are needed, and a database is not copied onto itself.
        p = sala("db", "copy", "--from", src)
        assert p.returncode == 2 and "--to" in p.stderr
        p = sala("db", "copy", "--from", src, "--to", src)
        assert p.returncode == 2 and "same database" in p.stderr
        p = sala("db", "copy", "--from", os.path.join(d, "none.db"), "--to", os.path.join(d, "x.db"))
        assert p.returncode == 1 and "does not exist" in p.stderr and not os.path.exists(os.path.join(d, "x.db"))
    finally:
        srv.stop()
        if pg:
            pg.stop()
        shutil.rmtree(d, ignore_errors=True)


def test_backup_on_postgresql_names_pg_dump():
    if pg_missing():
        return
    d = tempfile.mkdtemp(prefix="sala-pgbackup-")
    pg = Cluster()
    try:
        site_on_pg(pg, d)
        orgs = pg.one("SELECT count(*) FROM org_units")
        out = os.path.join(d, "copy.db")
        p = sala("backup", out, db=pg.uri)
        assert p.returncode == 1, p.stdout + p.stderr
        assert "pg_dump --format=custom" in p.stderr and "pg_restore" in p.stderr, p.stderr
        assert "signing key" in p.stderr and "sala db copy" in p.stderr, p.stderr
        assert not os.path.exists(out)
        assert pg.one("SELECT count(*) FROM org_units") == orgs
    finally:
        pg.stop()
        shutil.rmtree(d, ignore_errors=True)


def ops_course(d, version):
    """A package of course ops-course whose title, first lesson and first quiz question name the version."""
    c = os.path.join(d, "ops-" + version)
    shutil.copytree(GOOD_COURSE, c)
    set_version(c, version)
    yml = os.path.join(c, "course.yml")
    s = open(yml).read().replace("id: test-course", "id: ops-course")
    s = s.replace("title: Test Course", "title: Ops course %s" % version)
    open(yml, "w").write(s)
    with open(os.path.join(c, "lessons", "01-intro.md"), "a") as f:
        f.write("\nLesson text of version %s.\n" % version)
    q = os.path.join(c, "quizzes", "final.md")
    text = open(q).read().replace("## Is this a test?", "## Is this version %s?" % version)
    open(q, "w").write(text)
    z = os.path.join(d, "ops-%s.zip" % version)
    sala("pack", c, "-o", z, check=True)
    return open(z, "rb").read()


def test_two_servers_on_one_postgresql_database():
    if pg_missing():
        return
    d = tempfile.mkdtemp(prefix="sala-twoservers-")
    pg = Cluster()
    a = b = None
    try:
        key = site_on_pg(pg, d)
        sala("import", QUIZ_COURSE, db=pg.uri, env={"SALA_KEY": key}, check=True)
        a, b = PgServer(pg.uri, key), PgServer(pg.uri, key)

        # A login on one is valid on the other, and a logout on the other ends it on both.
        la = a.client()
        la.login("learner")
        lb = b.client()
        lb.cookies = dict(la.cookies)
        r = lb.get("/my")
        assert r.status == 200 and 'action="/logout"' in r.text, (r.status, r.header("Location"))

        # A package imported through one is what the other serves at once; so is a rollback.
        ta, tb = a.client(), b.client()
        ta.login("trainer")
        tb.cookies = dict(ta.cookies)
        lesson = "/courses/ops-course/lessons/lessons/01-intro.md"
        quiz = "/courses/ops-course/quiz/quizzes/final.md"
        ta.get("/manage/courses")
        r = upload(ta, ops_course(d, "1.0.0"))
        assert r.status == 200 and "imported: ops-course 1.0.0" in r.text, r.text[-500:]
        for srv_client in (la, lb):
            assert "version 1.0.0." in srv_client.get(lesson + "?lang=en").text
            assert "Ops course 1.0.0" in srv_client.get("/courses?lang=en").text
        # Every cache of server a holds version 1.0.0 now: the lesson body, the catalogue, the parsed quiz.
        aid, st = take_quiz(la, quiz, {"q0": "0"})
        assert st == 303
        assert "Is this version 1.0.0?" in la.get("/attempts/%d?lang=en" % aid).text
        tb.get("/manage/courses")
        r = upload(tb, ops_course(d, "1.1.0"))
        assert r.status == 200 and "imported: ops-course 1.1.0" in r.text, r.text[-500:]
        for srv_client in (la, lb):
            assert "version 1.1.0." in srv_client.get(lesson + "?lang=en").text
            cat = srv_client.get("/courses?lang=en").text
            assert "Ops course 1.1.0" in cat and "Ops course 1.0.0" not in cat
        aid, st = take_quiz(la, quiz, {"q0": "0"})
        assert st == 303 and "Is this version 1.1.0?" in la.get("/attempts/%d?lang=en" % aid).text
        ta.get("/manage/courses")
        r = ta.post("/manage/courses/rollback", {"course": "ops-course", "lang": "en", "version": "1.0.0"})
        assert r.status == 303
        for srv_client in (la, lb):
            assert "version 1.0.0." in srv_client.get(lesson + "?lang=en").text
            cat = srv_client.get("/courses?lang=en").text
            assert "Ops course 1.0.0" in cat and "Ops course 1.1.0" not in cat
        aid, st = take_quiz(lb, quiz, {"q0": "0"})
        assert st == 303 and "Is this version 1.0.0?" in lb.get("/attempts/%d?lang=en" % aid).text

        # Quiz submissions through both at once are all kept.
        acked, refused, lock = [], [], threading.Lock()

        def submit(srv, user, n):
            c = srv.client()
            c.login(user)
            for _ in range(n):
                aid, st = take_quiz(c, quiz, {"q0": "0"})
                with lock:
                    (acked if st == 303 else refused).append((aid, st) if st != 303 else aid)

        before = int(pg.one("SELECT count(*) FROM attempts WHERE submitted_at IS NOT NULL"))
        ts = [threading.Thread(target=submit, args=(srv, user, 8))
              for srv, user in ((a, "manager"), (b, "admin"), (a, "trainer"), (b, "learner"))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        assert len(acked) == 32, (refused, a.logtext()[-3000:], b.logtext()[-3000:])
        ids = {int(r[0]) for r in pg.sql("SELECT id FROM attempts WHERE submitted_at IS NOT NULL")}
        assert set(acked) <= ids and len(ids) == before + 32

        # Reports agree: the same figures from both servers.
        ma, mb = a.client(), b.client()
        ma.login("admin")
        mb.cookies = dict(ma.cookies)
        for q in ("/reports.csv?period=all&by=sex", "/reports.csv?period=all&by=course"):
            ra, rb = ma.get(q), mb.get(q)
            assert ra.status == 200 and rb.status == 200, (q, ra.status, rb.status)
            assert ra.body == rb.body, (q, ra.body[:300], rb.body[:300])
        assert b"ops-course" in ma.get("/reports.csv?period=all&by=course").body

        # The logout through b: the session is gone for a too.
        lb.get("/my")
        assert lb.post("/logout").status == 303
        r = la.get("/my")
        assert r.status == 303 and "/login" in (r.header("Location") or ""), r.status
    finally:
        for s in (a, b):
            if s:
                s.stop()
        pg.stop()
        shutil.rmtree(d, ignore_errors=True)


def test_failover_to_a_synchronous_standby():
    if pg_missing():
        return
    d = tempfile.mkdtemp(prefix="sala-failover-")
    primary = Cluster()
    standby = srv = None
    try:
        key = site_on_pg(primary, d)
        standby = Cluster(standby_of=primary)
        # Synchronous: a COMMIT returns once the standby has the WAL too.
        primary.sql("ALTER SYSTEM SET synchronous_standby_names = 'standby1'")
        primary.sql("SELECT pg_reload_conf()")
        deadline = time.time() + 30
        while primary.sql("SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'") != [
                ("sync",)]:
            assert time.time() < deadline, "the standby did not become synchronous"
            time.sleep(0.2)
        uri = ("postgresql:///sala?host=%s,%s&port=%d,%d&user=sala&target_session_attrs=read-write"
               % (primary.dir, standby.dir, primary.port, standby.port))
        srv = PgServer(uri, key)
        quiz = "/courses/ops-course/quiz/quizzes/final.md"  # no limit on attempts
        acked, statuses, slow, lock, stop = [], [], [], threading.Lock(), threading.Event()

        def submit(c):
            while not stop.is_set():
                t0 = time.time()
                try:
                    aid, st = take_quiz(c, quiz, {"q0": "1"})
                except OSError as e:  # the connection itself failed: Sala is gone or hung
                    aid, st = None, "error %s" % e
                took = time.time() - t0
                with lock:
                    statuses.append(st)
                    if took > 20:
                        slow.append(took)
                    if st == 303:
                        acked.append(aid)
                if st != 303:
                    time.sleep(0.1)

        t = srv.client()
        t.login("trainer")
        t.get("/manage/courses")
        assert "imported: ops-course 1.0.0" in upload(t, ops_course(d, "1.0.0")).text
        clients = [srv.client() for _ in range(4)]
        for c, user in zip(clients, ("learner", "manager", "admin", "trainer")):
            c.login(user)  # all logged in before the primary goes
        ts = [threading.Thread(target=submit, args=(c,)) for c in clients]
        for th in ts:
            th.start()
        time.sleep(2)
        with lock:
            before_kill = len(acked)
        assert before_kill > 0, statuses[-10:]
        primary.kill()
        time.sleep(2)  # no primary: Sala answers 503, never crashes or hangs
        assert srv.proc.poll() is None, "sala died without a primary: " + srv.logtext()
        standby.promote()
        deadline = time.time() + 30
        while True:
            with lock:
                after = len(acked)
            if after > before_kill + 8:
                break
            assert time.time() < deadline, "no submission went through after the promotion: %r %s" % (
                statuses[-10:], srv.logtext()[-1500:])
            time.sleep(0.2)
        time.sleep(1)
        stop.set()
        for th in ts:
            th.join(60)
        assert srv.proc.poll() is None, srv.logtext()
        assert not slow, "requests took %r s" % slow
        assert not [s for s in statuses if isinstance(s, str)], [s for s in statuses if isinstance(s, str)][:3]
        assert set(statuses) <= {303, 503}, set(statuses)
        assert 503 in statuses, "no request saw the outage"
        # Every acknowledged submission is on the new primary.
        kept = {int(r[0]) for r in standby.sql("SELECT id FROM attempts WHERE submitted_at IS NOT NULL")}
        lost = set(acked) - kept
        assert not lost, "acknowledged but lost: %r" % sorted(lost)
        assert standby.one("SELECT pg_is_in_recovery()") == "f"
    finally:
        if srv:
            srv.stop()
        for c in (standby, primary):
            if c:
                c.stop()
        shutil.rmtree(d, ignore_errors=True)


def request_statuses(log, since):
    """(path, status) of the request lines of a server log written after byte offset since."""
    out = []
    for line in log[since:].splitlines():
        m = re.search(r" request .*\bpath=(\S+) status=(\d+)", line)
        if m:
            out.append((m.group(1).strip('"'), int(m.group(2))))
    return out


def test_unreachable_database_is_logged_with_the_status_sent():
    """With no database server reachable, pages that read answer 503, and the request log says 503 for
    each of them (the status sent, not the one the page's handler meant to send)."""
    if pg_missing():
        return
    d = tempfile.mkdtemp(prefix="sala-unreach-")
    cluster = Cluster()
    srv = None
    try:
        key = site_on_pg(cluster, d)
        srv = PgServer(cluster.uri, key)
        anon = srv.client()
        # A visitor's pages that read: a certificate that is not there (404 while the database answers).
        paths = ["/verify/NO-SUCH-SERIAL", "/verify/SALA-0000-0000", "/login"]
        before = {p: anon.get(p).status for p in paths}
        assert before["/verify/NO-SUCH-SERIAL"] == 404, before
        cluster.kill()
        time.sleep(0.5)
        logfile = os.path.join(srv.dir, "server.log")
        since = os.path.getsize(logfile)
        sent = [(p, anon.get(p).status) for p in paths]
        assert srv.proc.poll() is None, srv.logtext()
        assert sent[0] == ("/verify/NO-SUCH-SERIAL", 503), sent
        time.sleep(0.2)
        logged = request_statuses(open(logfile, errors="replace").read(), since)
        assert logged == sent, (logged, sent)
    finally:
        if srv:
            srv.stop()
        cluster.stop()
        shutil.rmtree(d, ignore_errors=True)
