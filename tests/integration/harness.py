"""Integration test harness: starts the real `sala serve` on 127.0.0.1 with an
ephemeral port and a fresh database, and speaks HTTP to it.

    srv = Server()            # new database with the demo data (--init)
    srv = Server(demo=False)  # new empty database (sala init)
    c = srv.client()
    c.login("admin", "demo-Angkor-1")
    r = c.get("/admin/users"); assert r.status == 200
    srv.stop()

Tests are functions named test_* in tests/integration/test_*.py; run.py runs them.
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
import time
import urllib.parse

SALA = os.environ.get("SALA_BIN") or os.path.join(os.path.dirname(__file__), "..", "..", "sala")
SRC = os.environ.get("SALA_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

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


def sala(*args, db=None, input=None, env=None, check=False):
    """Runs the CLI; returns CompletedProcess with text stdout/stderr."""
    cmd = [SALA] + list(args)
    if db:
        cmd += ["--db", db]
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run(cmd, input=input, capture_output=True, text=True, env=e, cwd=SRC, timeout=600)
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
        self.get("/login")
        r = self.post("/login", {"username": username, "password": password or DEMO[username]})
        assert r.status == 303, "login as %s failed: %d %s" % (username, r.status, r.text[:300])
        self.get("/")
        self.get(r.header("Location") or "/")
        return r


_template = None


def demo_db(path):
    """Copies a demo database (made once per test run: hashing and course import are slow) to path."""
    global _template
    if _template is None and os.environ.get("SALA_TEST_TEMPLATE"):
        _template = os.environ["SALA_TEST_TEMPLATE"]  # made once by run.py -j
    if _template is None:
        d = tempfile.mkdtemp(prefix="sala-template-")
        t = os.path.join(d, "demo.db")
        sala("demo", "--init", db=t, check=True)
        _template = t
    src = sqlite3.connect(_template)
    dst = sqlite3.connect(path)
    src.backup(dst)
    dst.close()
    src.close()
    for ext in (".key",):
        if os.path.exists(_template + ext):
            shutil.copy(_template + ext, path + ext)
            os.chmod(path + ext, 0o600)


class Server:
    def __init__(self, demo=True, db=None, extra_env=None, args=None):
        self.dir = tempfile.mkdtemp(prefix="sala-test-")
        self.args = list(args or [])
        self.db = db or os.path.join(self.dir, "test.db")
        self.env = dict(extra_env or {})
        if demo and not db:
            demo_db(self.db)
        elif demo:
            sala("demo", "--init", db=self.db, env=self.env, check=True)
        elif not os.path.exists(self.db):
            # Only `sala init` (or `sala demo --init`) creates a database and its key; serve never does.
            sala("init", db=self.db, env=self.env, check=True)
        self.proc = None
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
                raise AssertionError("sanitizer report in server log:\n" + log)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
