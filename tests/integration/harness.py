"""Integration test harness: starts the real `sala serve` on 127.0.0.1 with an
ephemeral port and a fresh database, and speaks HTTP to it.

    srv = Server()            # new database with the demo data (--init)
    srv = Server(demo=False)  # new empty database (sala init)
    c = srv.client()
    c.login("admin", "demo-Angkor-1")
    r = c.get("/admin/users"); assert r.status == 200
    srv.stop()

Tests are functions named test_* in tests/integration/test_*.py; run.py runs them.

The engine comes from the environment: SALA_TEST_ENGINE=pg (with SALA_TEST_PG, the URI of a running
PostgreSQL cluster whose user may create databases; run.py starts one with tests/pg/cluster.sh when it
is not given) gives every Server a fresh PostgreSQL database of its own (a copy of a demo template, or
an empty one through `sala init`), its signing key in a file (SALA_KEY), dropped when the server
stops. Otherwise (SALA_TEST_ENGINE unset or "sqlite") every Server has a SQLite file. srv.db is the
--db value either way; connect(srv.db) is a DB-API connection to it on either engine (placeholders
"?"), and fresh_db(DIR, NAME) a new database location for tests that create one with the CLI. Tests
about the SQLite file itself are marked @sqlite_only("why") and skipped on PostgreSQL.
"""
import http.client
import json as jsonlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import atexit
import time
import urllib.parse
import uuid

SALA = os.environ.get("SALA_BIN") or os.path.join(os.path.dirname(__file__), "..", "..", "sala")
SRC = os.environ.get("SALA_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

ENGINE = os.environ.get("SALA_TEST_ENGINE") or "sqlite"
if ENGINE not in ("sqlite", "pg"):
    raise SystemExit("SALA_TEST_ENGINE must be sqlite or pg, not %r" % ENGINE)
PG_BASE = os.environ.get("SALA_TEST_PG")  # postgresql://USER@HOST:PORT/DB of the test cluster
if ENGINE == "pg" and not PG_BASE:
    raise SystemExit("SALA_TEST_ENGINE=pg needs SALA_TEST_PG, the URI of a running cluster "
                     "(run.py --engine pg starts one)")


def sqlite_only(reason):
    """Marks a test that is about the SQLite file itself (backup files, file checks, WAL, file modes):
    run.py skips it on PostgreSQL and prints the reason."""
    def mark(fn):
        fn.sqlite_only = reason
        return fn
    return mark


def engine_independent(reason):
    """Marks a slow test of work no database engine takes part in (certificate rendering under injected
    allocation failures): it runs once, on SQLite; run.py skips it on PostgreSQL and prints the reason."""
    return sqlite_only(reason)


def is_pg(db):
    return isinstance(db, str) and db.startswith(("postgresql://", "postgres://"))


_keys = {}  # PostgreSQL URI -> its signing key file, for the sala() runs that name that database


def _psycopg2():
    try:
        import psycopg2
    except ImportError:
        # Debian's python3-psycopg2, also when python3 is another build of the same Python version
        import sys
        sys.path.append("/usr/lib/python3/dist-packages")
        import psycopg2
    return psycopg2


def pg_uri(name):
    """The URI of database name in the test cluster."""
    u = urllib.parse.urlsplit(PG_BASE)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def _pg_admin(sql):
    con = _psycopg2().connect(PG_BASE)
    try:
        con.autocommit = True
        con.cursor().execute(sql)
    finally:
        con.close()


def pg_create(template=None):
    """Creates a new database in the test cluster (a copy of template, a database name, if given); returns
    its name."""
    name = "sala_t_" + uuid.uuid4().hex[:16]
    sql = 'CREATE DATABASE "%s"' % name
    if template:
        sql += ' TEMPLATE "%s"' % template
    for attempt in range(50):
        try:
            _pg_admin(sql)
            return name
        except Exception as ex:  # another copy of the template being made at this instant
            if "being accessed by other users" not in str(ex) or attempt == 49:
                raise
            time.sleep(0.1)
    return name


def pg_drop(name):
    _pg_admin('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)


def pg_name(uri):
    return urllib.parse.urlsplit(uri).path.lstrip("/")


def fresh_db(directory, name="sala.db", key=None):
    """A location for a new database that a test creates with `sala init` or `sala demo --init`: the file
    directory/name on SQLite; on PostgreSQL a new empty database, whose signing key the CLI creates at
    key (default directory/name.key) and whose URI every sala() run is given that key for. Dropped by
    drop_db() (a Server started on it drops it when it stops)."""
    if ENGINE != "pg":
        return os.path.join(directory, name)
    uri = pg_uri(pg_create())
    _keys[uri] = key or os.path.join(directory, name + ".key")
    return uri


def key_of(db):
    """The signing key file of database db (a path or a URI)."""
    return _keys[db] if is_pg(db) else db + ".key"


_live = []  # the Servers of this process that have not been stopped


def _drop_all():
    """At exit: stops the servers still running (a failed test's, or a module's shared one) and drops the
    PostgreSQL databases this process made and did not drop."""
    for srv in list(_live):
        try:
            srv.stop()
        except Exception:
            pass
    for db in list(_keys):
        if db != os.environ.get("SALA_TEST_TEMPLATE"):
            try:
                drop_db(db)
            except Exception:
                pass


def drop_db(db):
    """Removes a PostgreSQL database made by fresh_db() or a Server (a SQLite file goes with its folder)."""
    if is_pg(db) and db in _keys:
        pg_drop(pg_name(db))
        _keys.pop(db, None)


def _qmark(sql, params=()):
    """sqlite3's placeholders ("?", or numbered "?N") as psycopg2's ("%s", or "%(pN)s" with a dict of the
    parameters), and a literal "%" as "%%", outside quoted text. Returns (sql, parameters)."""
    out, quote, numbered, i = [], None, False, 0
    while i < len(sql):
        ch = sql[i]
        i += 1
        if quote:
            if ch == quote:
                quote = None
            out.append("%%" if ch == "%" else ch)
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            n = ""
            while i < len(sql) and sql[i].isdigit():
                n += sql[i]
                i += 1
            if n:
                numbered = True
                out.append("%%(p%s)s" % n)
            else:
                out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    params = tuple(params)
    if numbered:
        params = {"p%d" % (k + 1): v for k, v in enumerate(params)}
    return "".join(out), params


class PgConnection:
    """The part of sqlite3.Connection the tests use, on a PostgreSQL database: execute() with "?"
    placeholders returns a cursor; every statement commits on its own (like sqlite3 outside a with)."""

    def __init__(self, uri):
        self.con = _psycopg2().connect(uri)
        self.con.autocommit = True

    def execute(self, sql, params=()):
        cur = self.con.cursor()
        cur.execute(*_qmark(sql, params))
        return cur

    def executemany(self, sql, seq):
        cur = self.con.cursor()
        seq = [_qmark(sql, p) for p in seq]
        if seq:
            cur.executemany(seq[0][0], [p for _, p in seq])
        return cur

    def executescript(self, sql):
        """Runs several statements, no parameters (nothing is rewritten)."""
        self.con.cursor().execute(sql)

    def commit(self):
        pass

    def rollback(self):
        pass

    def close(self):
        self.con.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def connect(db, timeout=30):
    """A DB-API connection to Sala's database db (srv.db, or a path or URI a test made) on either engine;
    SQL uses "?" placeholders. Caller closes."""
    if is_pg(db):
        return PgConnection(db)
    return sqlite3.connect(db, timeout=timeout)


DEMO = {
    "admin": "demo-Angkor-1",
    "trainer": "demo-Bayon-2",
    "manager": "demo-Kampot-3",
    "learner": "demo-Mekong-4",
}


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value)
        self.body = body  # bytes

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def headers_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return jsonlib.loads(self.body.decode("utf-8"))

    def csrf(self):
        m = re.search(r'name="csrf" value="([0-9a-f]{64})"', self.text)
        return m.group(1) if m else None


def sala_env(db, env=None):
    """The environment for running sala on database db: this one, with the key file of a PostgreSQL database
    made here (SALA_KEY), updated with env."""
    e = dict(os.environ)
    if db in _keys:
        e["SALA_KEY"] = _keys[db]
    if env:
        e.update(env)
    return e


def sala(*args, db=None, input=None, env=None, check=False):
    """Runs the CLI; returns CompletedProcess with text stdout/stderr."""
    cmd = [SALA] + list(args)
    if db:
        cmd += ["--db", db]
    p = subprocess.run(cmd, input=input, capture_output=True, text=True, env=sala_env(db, env), cwd=SRC, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError("sala %s failed (%d): %s" % (" ".join(args), p.returncode, p.stderr))
    return p


class Client:
    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.csrf_token = None  # last CSRF token seen in a page

    def request(self, method, path, body=None, headers=None, raw=False):
        h = {"Host": "127.0.0.1:%d" % self.port}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if headers:
            h.update(headers)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                          source_address=(self.source, 0) if self.source else None)
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        hdrs = r.getheaders()
        conn.close()
        for k, v in hdrs:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        resp = Response(r.status, hdrs, data)
        if not raw and "text/html" in (resp.header("Content-Type") or ""):
            t = resp.csrf()
            if t:
                self.csrf_token = t
        return resp

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path, fields=None, csrf=True, headers=None):
        """POSTs a urlencoded form; adds the last seen CSRF token unless csrf=False."""
        fields = dict(fields or {})
        if csrf and "csrf" not in fields:
            if not self.csrf_token:
                self.get("/login")
            fields["csrf"] = self.csrf_token
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        if headers:
            h.update(headers)
        return self.request("POST", path, body=urllib.parse.urlencode(fields, doseq=True), headers=h)

    def api(self, method, path, obj=None, headers=None):
        h = {"Content-Type": "application/json"}
        if self.api_csrf:
            h["X-CSRF-Token"] = self.api_csrf
        if headers:
            h.update(headers)
        body = jsonlib.dumps(obj) if obj is not None else None
        return self.request(method, path, body=body, headers=h)

    api_csrf = None
    source = None  # another loopback address to connect from ("127.0.0.2"): another client address

    def login(self, username, password=None):
        """Logs in through the login form and opens the page it leads to (following its redirects), whose
        CSRF token, the session's, replaces the login page's (no longer accepted). Returns the login's 303."""
        self.get("/login")
        r = self.post("/login", {"username": username, "password": password or DEMO[username]})
        assert r.status == 303, "login as %s failed: %d %s" % (username, r.status, r.text[:300])
        self.csrf_token = None
        where = r.header("Location") or "/"
        for _ in range(5):
            page = self.get(where)
            if page.status not in (301, 302, 303, 307) or not page.header("Location"):
                break
            where = page.header("Location")
        assert self.csrf_token, "no CSRF token on %s after logging in as %s (%d)" % (where, username, page.status)
        return r


_template = None


def make_template(directory):
    """Makes the demo database every test copies (hashing and course import are slow) in directory;
    returns its --db value (on PostgreSQL a database whose key is directory/demo.key)."""
    if ENGINE == "pg":
        db = fresh_db(directory, "demo")
    else:
        db = os.path.join(directory, "demo.db")
    sala("demo", "--init", db=db, check=True)
    return db


def template_key(template):
    if is_pg(template):
        return os.environ.get("SALA_TEST_TEMPLATE_KEY") or _keys[template]
    return template + ".key"


def demo_db(path):
    """Copies the demo database (made once per test run) to path, a new SQLite file; on PostgreSQL returns
    the URI of a new copy (path + ".key" is its key). Returns the --db value."""
    global _template
    if _template is None and os.environ.get("SALA_TEST_TEMPLATE"):
        _template = os.environ["SALA_TEST_TEMPLATE"]  # made once by run.py -j
    if _template is None:
        _template = make_template(tempfile.mkdtemp(prefix="sala-template-"))
    return copy_db(_template, path)


def copy_db(src, path):
    """A copy of database src with its signing key: on SQLite the file path (and path.key); on PostgreSQL a
    new database copied from src (which no one may be connected to), whose key is path.key. Returns the
    copy's --db value."""
    key = path + ".key"
    if is_pg(src):
        db = pg_uri(pg_create(template=pg_name(src)))
        _keys[db] = key
    else:
        db = path
        a = sqlite3.connect(src)
        b = sqlite3.connect(path)
        a.backup(b)
        b.close()
        a.close()
    src_key = template_key(src) if src == _template else key_of(src)
    if os.path.exists(src_key):
        shutil.copy(src_key, key)
        os.chmod(key, 0o600)
    return db


atexit.register(_drop_all)


class Server:
    def __init__(self, demo=True, db=None, extra_env=None, args=None):
        self.dir = tempfile.mkdtemp(prefix="sala-test-")
        self.args = list(args or [])
        self.env = dict(extra_env or {})
        self.own_db = not db  # a database this server made, dropped when it stops (PostgreSQL)
        if demo and not db:
            self.db = demo_db(os.path.join(self.dir, "test.db"))
        elif not db:
            self.db = fresh_db(self.dir, "test.db")
        else:
            self.db = db
        if is_pg(self.db) and self.db in _keys:
            self.env.setdefault("SALA_KEY", _keys[self.db])
        self.key = key_of(self.db) if (not is_pg(self.db) or self.db in _keys) else None
        if demo and db:
            sala("demo", "--init", db=self.db, env=self.env, check=True)
        elif not demo and (not db or (not is_pg(db) and not os.path.exists(db))):
            # Only `sala init` (or `sala demo --init`) creates a database and its key; serve never does.
            sala("init", db=self.db, env=self.env, check=True)
        self.proc = None
        _live.append(self)
        self.start()

    def start(self):
        port_file = os.path.join(self.dir, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        e = dict(os.environ)
        e.update(self.env)
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [SALA, "serve", "--listen", "127.0.0.1:0", "--port-file", port_file, "--db", self.db] + self.args,
            stdout=self.log, stderr=self.log, env=e, cwd=SRC)
        deadline = time.time() + 30
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError("server did not start: " + self.logtext())
            time.sleep(0.02)
        self.port = int(open(port_file).read().strip())

    def logtext(self):
        try:
            return open(os.path.join(self.dir, "server.log"), errors="replace").read()[-4000:]
        except OSError:
            return ""

    def client(self):
        return Client(self.port)

    def kill(self):
        """SIGKILL: a crash, no clean shutdown."""
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("server did not stop on SIGTERM")
            self.proc = None
            log = self.logtext()
            if "Sanitizer" in log or "runtime error" in log:
                self.cleanup()
                raise AssertionError("sanitizer report in server log:\n" + log)
        self.cleanup()

    def cleanup(self):
        if self in _live:
            _live.remove(self)
        if self.own_db:
            drop_db(self.db)
            self.own_db = False
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
