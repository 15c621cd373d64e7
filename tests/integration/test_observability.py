"""What an administrator watches (docs/monitoring.md): the request log, error and audit lines, SIGHUP,
/metrics (format and who may read it), /healthz (disk full, database deleted, writes failing), the
listen address actually bound, and a graceful stop that finishes downloads."""
import errno
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from harness import DEMO, SALA, SRC, Server, connect, demo_db, is_pg, sala, sala_env, sqlite_only
from test_courses import media_course, media_course_dir, upload

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
# logfmt: key=bare or key="quoted with \" \\ escapes"
FIELD = re.compile(r'\s([a-z_]+)=("(?:[^"\\]|\\.)*"|[^\s"]+)')


def parse_line(line):
    """One log line -> (time, level, event, {key: value}); AssertionError when it is not in the format."""
    parts = line.split(" ", 3)
    assert len(parts) >= 3, line
    when, level, event = parts[0], parts[1], parts[2]
    assert TIME.match(when), "bad time in %r" % line
    assert level in ("info", "warn", "error"), line
    assert re.match(r"^[a-z-]+$", event), line
    rest = " " + parts[3] if len(parts) == 4 else ""
    fields = {}
    pos = 0
    for m in FIELD.finditer(rest):
        assert m.start() == pos, "unparsable text in %r at %d" % (line, pos)
        v = m.group(2)
        if v.startswith('"'):
            v = re.sub(r'\\(.)', lambda x: {"n": "\n", "t": "\t"}.get(x.group(1), x.group(1)), v[1:-1])
        fields[m.group(1)] = v
        pos = m.end()
    assert pos == len(rest), "unparsable tail in %r" % line
    return when, level, event, fields


def log_lines(text):
    """Every log line of a server's output (all of them must parse)."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        out.append(parse_line(line))
    return out


def server_log(srv):
    return open(os.path.join(srv.dir, "server.log"), errors="replace").read()


def events(srv, event, **match):
    """The field dicts of log lines with this event whose fields include match."""
    time.sleep(0.05)
    found = []
    for _, _, ev, f in log_lines(server_log(srv)):
        if ev == event and all(f.get(k) == v for k, v in match.items()):
            found.append(f)
    return found


def user_id(db, name):
    c = connect(db)
    try:
        return c.execute("SELECT id FROM users WHERE username = ?", (name,)).fetchone()[0]
    finally:
        c.close()


def test_request_lines_for_200_404_401_and_upload():
    d = tempfile.mkdtemp(prefix="sala-obs-")
    with Server() as srv:
        c = srv.client()
        r = c.get("/login")
        assert r.status == 200
        assert c.get("/no/such/page").status == 404
        assert srv.client().request("GET", "/api/v1/me").status == 401
        t = srv.client()
        t.login("trainer")
        t.get("/manage/courses")
        r = upload(t, media_course(d))
        assert r.status == 200 and "imported" in r.text, r.text[:300]
        get = events(srv, "request", method="GET", path="/login")
        assert get, server_log(srv)
        f = get[0]
        assert f["addr"] == "127.0.0.1" and f["status"] == "200" and f["user"] == "-"
        # Headers and body: at least the body's length, and no more than the body plus a few KB of headers.
        assert len(r.body) > 0 and int(f["bytes"]) >= len(c.get("/login").body)
        assert re.match(r"^\d+$", f["ms"])
        nf = events(srv, "request", path="/no/such/page")
        assert nf and nf[0]["status"] == "404" and nf[0]["method"] == "GET"
        unauth = events(srv, "request", path="/api/v1/me")
        assert unauth and unauth[0]["status"] == "401" and unauth[0]["user"] == "-"
        up = events(srv, "request", method="POST", path="/manage/courses/upload")
        assert up and up[0]["status"] == "200", server_log(srv)
        assert up[0]["user"] == str(user_id(srv.db, "trainer"))
        assert int(up[0]["bytes"]) > 1000
        imp = events(srv, "audit", action="course.import")
        assert imp and imp[0]["actor"] == "trainer" and imp[0]["target"] == "course.zip", imp
    shutil.rmtree(d)


def test_query_secrets_and_passwords_stay_out_of_the_log():
    with Server() as srv:
        c = srv.client()
        c.get("/login?next=/secret-next-place&code=ABCD-SECRET-CODE&lang=km&q=Sok%20Dara")
        c.get("/login")
        r = c.post("/login", {"username": "learner", "password": "wrong-password-xyz"})
        assert r.status == 401
        c.login("learner")
        log = server_log(srv)
        for secret in ("secret-next-place", "ABCD-SECRET-CODE", "wrong-password-xyz", DEMO["learner"],
                       "Sok", c.cookies["sala_session"]):
            assert secret not in log, "%r is in the log" % secret
        lines = events(srv, "request", method="GET")
        paths = [f["path"] for f in lines]
        assert "/login?next=*&code=*&lang=km&q=*" in paths, paths
        # A failed login is one request line with its status; nothing else about it.
        assert events(srv, "request", method="POST", path="/login", status="401")


def test_log_lines_cannot_be_forged_through_the_path():
    with Server() as srv:
        s = socket.create_connection(("127.0.0.1", srv.port))
        s.sendall(b"GET /x%0a2026-01-01T00:00:00.000Z%20info%20audit%20forged=1 HTTP/1.1\r\nHost: x\r\n"
                  b"Connection: close\r\n\r\n")
        while s.recv(65536):
            pass
        s.close()
        lines = log_lines(server_log(srv))  # every line still parses
        assert not [f for _, _, ev, f in lines if "forged" in f]
        assert [f for _, _, ev, f in lines if ev == "request" and f["path"].startswith("/x%0A")]


def test_admin_actions_are_audited_in_the_server_and_the_cli():
    with Server() as srv:
        c = srv.client()
        c.login("admin")
        c.get("/admin/users/new")
        r = c.post("/admin/users/new", {"username": "audited1", "full_name": "Audit One", "org_code": "17",
                                        "password": "long-enough-pass-1", "role_learner": "1"})
        assert r.status == 303
        uid = user_id(srv.db, "audited1")
        c.get("/admin/users/%d" % uid)
        assert c.post("/admin/users/%d/active" % uid, {"active": "0"}).status == 303
        r = c.post("/admin/users/%d" % uid, {"full_name": "Audit One Renamed", "org_code": "17",
                                              "role_learner": "1", "role_manager": "1"})
        assert r.status == 303
        upd = events(srv, "audit", action="user.update")
        assert upd and upd[0]["target"] == "user:audited1" and "roles=learner;manager" in upd[0]["detail"], upd
        c.get("/admin/settings")
        assert c.post("/admin/settings", {"issuer_en": "Audit Ministry"}).status == 303
        made = events(srv, "audit", action="user.create")
        assert made and made[0]["actor"] == "admin" and made[0]["from"] == "127.0.0.1"
        assert made[0]["target"] == "user:audited1"
        off = events(srv, "audit", action="user.disable")
        assert off and off[0]["target"] == "user:audited1" and off[0]["actor"] == "admin"
        st = events(srv, "audit", action="settings.change")
        assert st and st[0]["detail"] == "keys=issuer_en", st
        # A learner's own page views are not audited.
        assert not events(srv, "audit", actor="learner")

        # The command line writes the same lines to standard error; secret values never appear.
        p = sala("user", "add", "--username", "audited2", "--name", "Audit Two", "--org", "17",
                 "--password", "long-enough-pass-2", db=srv.db)
        assert p.returncode == 0, p.stderr
        lines = [parse_line(l) for l in p.stderr.splitlines() if l.strip()]
        audit = [f for _, _, ev, f in lines if ev == "audit"]
        assert audit and audit[0]["action"] == "user.create" and audit[0]["target"] == "user:audited2"
        assert audit[0]["actor"].startswith("cli:") and audit[0]["from"] == "local"
        assert "long-enough-pass-2" not in p.stderr and "long-enough-pass-2" not in p.stdout
        p = sala("user", "passwd", "audited2", "--password", "another-long-pass-3", db=srv.db)
        assert p.returncode == 0, p.stderr
        assert "action=user.password-reset" in p.stderr and "target=user:audited2" in p.stderr, p.stderr
        assert "another-long-pass-3" not in p.stderr
        token = "t" * 40
        p = sala("settings", "set", "metrics_token", token, db=srv.db)
        assert p.returncode == 0 and token not in p.stderr and "keys=metrics_token" in p.stderr, p.stderr


def test_sighup_keeps_serving_and_reopens_the_log_file():
    with Server() as srv:
        srv.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert srv.proc.poll() is None, "SIGHUP stopped the server"
        assert srv.client().get("/healthz").status == 200
        hup = events(srv, "signal", signal="HUP")
        assert hup and hup[0]["action"] == "ignored", server_log(srv)

    d = tempfile.mkdtemp(prefix="sala-obs-")
    logf = os.path.join(d, "sala.log")
    with Server(args=["--log-file", logf]) as srv:
        srv.client().get("/login")
        time.sleep(0.1)
        assert "path=/login" in open(logf).read()
        os.rename(logf, logf + ".1")  # what logrotate does
        srv.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 5
        while not os.path.exists(logf) and time.time() < deadline:
            time.sleep(0.05)
        assert os.path.exists(logf), "the log file was not reopened"
        assert srv.client().get("/healthz").status == 200
        time.sleep(0.1)
        new = log_lines(open(logf).read())
        assert [f for _, _, ev, f in new if ev == "signal" and f.get("action") == "reopened"]
        assert [f for _, _, ev, f in new if ev == "request" and f["path"] == "/healthz"]
        assert "path=/healthz" not in open(logf + ".1").read()
        assert oct(os.stat(logf).st_mode & 0o777) == "0o640"
    shutil.rmtree(d)


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
                    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$')


def parse_metrics(text):
    """Checks the Prometheus text format line by line; returns {family: type} and [(name, labels, value)]."""
    types, helps, samples = {}, set(), []
    assert text.endswith("\n")
    for line in text.split("\n")[:-1]:
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            assert name not in helps, "HELP twice for " + name
            helps.add(name)
            assert len(line.split(" ", 3)) == 4 and line.split(" ", 3)[3].strip(), line
        elif line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            assert typ in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert name not in types, "TYPE twice for " + name
            assert name in helps, "TYPE before HELP for " + name
            types[name] = typ
        else:
            m = SAMPLE.match(line)
            assert m, "not a sample line: %r" % line
            name, labels, value = m.group(1), m.group(3) or "", float(m.group(4))
            family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in types else name
            assert family in types, "sample %s before its TYPE" % name
            if types[family] == "counter" or name.endswith(("_bucket", "_count")):
                assert value >= 0, line
            samples.append((name, dict(re.findall(r'([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"', labels)), value))
    return types, samples


def check_histograms(types, samples):
    """Buckets are cumulative, end in +Inf, and +Inf equals _count."""
    for family, typ in types.items():
        if typ != "histogram":
            continue
        series = {}
        for name, labels, value in samples:
            if name == family + "_bucket":
                key = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
                series.setdefault(key, []).append((labels["le"], value))
        counts = {tuple(sorted(l.items())): v for n, l, v in samples if n == family + "_count"}
        assert series, "histogram %s has no buckets" % family
        for key, buckets in series.items():
            les = [float(le) if le != "+Inf" else float("inf") for le, _ in buckets]
            assert les == sorted(les) and les[-1] == float("inf"), (family, les)
            values = [v for _, v in buckets]
            assert values == sorted(values), "%s%r buckets are not cumulative: %r" % (family, key, values)
            assert counts[key] == values[-1], (family, key)


def value(samples, name, **labels):
    for n, l, v in samples:
        if n == name and all(l.get(k) == x for k, x in labels.items()):
            return v
    return None


def test_metrics_format_and_counts():
    with Server() as srv:
        c = srv.client()
        for _ in range(3):
            assert c.get("/login").status == 200
        c.get("/nothing-here")
        assert c.post("/login", {"username": "learner", "password": "not-the-password"}).status == 401
        c.login("learner")
        # Opening a lesson records the visit through the group writer.
        page = c.get("/courses").text
        course = re.search(r'href="/courses/([a-z0-9-]+)"', page).group(1)
        lesson = re.search(r'href="(/courses/%s/lessons/[^"]+)"' % course, c.get("/courses/" + course).text)
        assert lesson, "no lesson link on /courses/" + course
        assert c.get(lesson.group(1).replace("&amp;", "&")).status == 200
        r = srv.client().get("/metrics")
        assert r.status == 200, r.text
        assert r.header("Content-Type").startswith("text/plain; version=0.0.4")
        types, samples = parse_metrics(r.text)
        check_histograms(types, samples)
        # The database file's own figures exist on SQLite only: a PostgreSQL server's files are not Sala's.
        files = ("sala_db_bytes", "sala_db_wal_bytes", "sala_disk_free_bytes")
        for family in ("sala_http_requests_total", "sala_http_request_duration_seconds", "sala_db_pool_waits_total",
                       "sala_db_pool_wait_seconds_total", "sala_db_group_commit_batch_size",
                       "sala_db_group_commit_seconds", "sala_certificates_issued_total", "sala_logins_failed_total",
                       "sala_process_resident_memory_bytes") + (() if is_pg(srv.db) else files):
            assert family in types, family
        if is_pg(srv.db):
            assert not [f for f in files if f in types], types
        assert value(samples, "sala_http_requests_total", route="/login", method="GET", code="2xx") >= 4
        assert value(samples, "sala_http_requests_total", route="unmatched", code="4xx") == 1
        assert value(samples, "sala_http_request_duration_seconds_count", route="/login", method="GET") >= 4
        assert value(samples, "sala_logins_failed_total", reason="bad_credentials") == 1
        issued = connect(srv.db).execute("SELECT count(*) FROM certificates").fetchone()[0]
        assert value(samples, "sala_certificates_issued_total") == issued
        if not is_pg(srv.db):
            wal = os.path.getsize(srv.db + "-wal") if os.path.exists(srv.db + "-wal") else 0
            assert value(samples, "sala_db_wal_bytes") >= 0 and abs(value(samples, "sala_db_wal_bytes") - wal) < 4 << 20
            assert value(samples, "sala_disk_free_bytes") > 0
        assert value(samples, "sala_process_resident_memory_bytes") > 1 << 20
        assert value(samples, "sala_db_group_commit_batch_size_count") >= 1


def test_metrics_refused_unless_loopback_or_token():
    with Server() as srv:
        c = srv.client()
        r = c.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert r.status == 403 and "sala_" not in r.text
        assert c.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40}).status == 403  # no token set
        assert sala("settings", "set", "metrics_token", "short", db=srv.db).returncode != 0
        token = "a1b2c3d4" * 5
        assert sala("settings", "set", "metrics_token", token, db=srv.db).returncode == 0
        r = c.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9", "Authorization": "Bearer " + token})
        assert r.status == 200 and "sala_http_requests_total" in r.text
        assert c.get("/metrics", headers={"Authorization": "Bearer " + token[:-1] + "x"}).status == 403

    # A peer that is not loopback: the server on every interface, reached through this machine's own address.
    addr = None
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("192.0.2.1", 9))  # no packet is sent: only picks the outgoing interface
        addr = s.getsockname()[0]
        s.close()
    except OSError:
        pass
    if not addr or addr.startswith("127."):
        print("skip: no non-loopback address on this machine")
        return
    d = tempfile.mkdtemp(prefix="sala-obs-")
    db = demo_db(os.path.join(d, "t.db"))
    proc = subprocess.Popen([SALA, "serve", "--listen", "0.0.0.0:0", "--port-file", os.path.join(d, "port"),
                             "--db", db], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=SRC,
                            env=sala_env(db))
    try:
        port = wait_port(os.path.join(d, "port"), proc)
        import http.client
        conn = http.client.HTTPConnection(addr, port, timeout=10)
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        assert r.status == 403 and b"sala_" not in r.read()
        conn.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(d)


def wait_port(path, proc):
    deadline = time.time() + 30
    while not os.path.exists(path):
        assert proc.poll() is None and time.time() < deadline, "server did not start"
        time.sleep(0.02)
    time.sleep(0.05)
    return int(open(path).read().strip())


@sqlite_only("the database file deleted under the server")
def test_healthz_reports_a_deleted_database():
    with Server() as srv:
        c = srv.client()
        r = c.get("/healthz")
        assert r.status == 200 and r.text.startswith("ok\n") and "disk_free_bytes: " in r.text
        free = int(re.search(r"disk_free_bytes: (\d+)", r.text).group(1))
        assert free > 0
        os.unlink(srv.db)
        r = c.get("/healthz")
        assert r.status == 503 and r.text.startswith("unhealthy\n"), r.text
        assert "missing" in r.text and srv.db in r.text
        err = events(srv, "error", path="/healthz", status="503")
        assert err and "missing" in err[0]["cause"], server_log(srv)


def test_healthz_reports_failing_writes():
    with Server() as srv:
        c = srv.client()
        assert c.get("/healthz").status == 200
        lock = connect(srv.db)
        if is_pg(srv.db):  # another session holds the table the check writes to
            lock.execute("BEGIN")
            lock.execute("LOCK TABLE settings IN ACCESS EXCLUSIVE MODE")
        else:
            lock.isolation_level = None
            lock.execute("BEGIN EXCLUSIVE")
        try:
            t0 = time.time()
            r = c.get("/healthz")
            assert r.status == 503 and "database" in r.text and "locked" in r.text, (r.status, r.text)
            assert time.time() - t0 < 20
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert c.get("/healthz").status == 200
        # The check left nothing behind.
        assert connect(srv.db).execute(
            "SELECT count(*) FROM settings WHERE key = 'health_heartbeat'").fetchone()[0] == 0


@sqlite_only("a full disk under the SQLite file (a small tmpfs)")
def test_healthz_full_disk_on_tmpfs():
    mnt = tempfile.mkdtemp(prefix="sala-tmpfs-")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mnt], capture_output=True, text=True)
    if p.returncode != 0:
        os.rmdir(mnt)
        print("skip: cannot mount a tmpfs here (needs root): " + p.stderr.strip())
        return
    srv = None
    try:
        db = demo_db(os.path.join(mnt, "sala.db"))
        srv = Server(db=db, demo=False, args=["--min-free-mb", "8"])
        c = srv.client()
        r = c.get("/healthz")
        assert r.status == 200, r.text
        fill = os.path.join(mnt, "fill")
        with open(fill, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * (1 << 20))
                    f.flush()
            except OSError as e:
                assert e.errno == errno.ENOSPC
        r = c.get("/healthz")
        assert r.status == 503 and "disk: 0 bytes free" in r.text and "--min-free-mb" in r.text, r.text
        err = events(srv, "error", path="/healthz")
        assert err and "disk" in err[0]["cause"]
        # A write the user is told is saved fails with a logged cause, not silently.
        l = srv.client()
        l.get("/login")
        r = l.post("/login", {"username": "learner", "password": DEMO["learner"]})
        # The attempt is counted before the password is checked (docs/accounts.md): that write fails first.
        assert r.status == 503, "a right password on a full disk: %d" % r.status
        err = events(srv, "error", method="POST", path="/login")
        assert err and "login attempt" in err[0]["cause"] and "full" in err[0]["cause"], err
        os.unlink(fill)
        r = c.get("/healthz")
        assert r.status == 200, r.text
    finally:
        if srv:
            srv.stop()
        subprocess.run(["umount", mnt])
        os.rmdir(mnt)


def listening_addresses(port):
    """Local addresses listening on port, from /proc/net/tcp."""
    out = []
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        f = line.split()
        ip, p = f[1].split(":")
        if int(p, 16) == port and f[3] == "0A":
            out.append(socket.inet_ntoa(bytes.fromhex(ip)[::-1]))
    return out


_serve_dbs = {}  # folder -> the database serve_until_started made there


def serve_until_started(args, d):
    """Starts sala serve with args; returns (process, start-line fields, log path)."""
    if d not in _serve_dbs:
        _serve_dbs[d] = demo_db(os.path.join(d, "t.db"))
    db = _serve_dbs[d]
    logp = os.path.join(d, "out.log")
    proc = subprocess.Popen([SALA, "serve"] + args + ["--db", db], stdout=open(logp, "wb"),
                            stderr=subprocess.STDOUT, cwd=SRC, env=sala_env(db))
    deadline = time.time() + 30
    while time.time() < deadline:
        for _, _, ev, f in log_lines(open(logp).read()):
            if ev == "start":
                return proc, f, logp
        if proc.poll() is not None:
            return proc, None, logp
        time.sleep(0.05)
    raise AssertionError("no start line: " + open(logp).read())


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_bare_port_binds_loopback_and_the_start_line_says_what_is_bound():
    d = tempfile.mkdtemp(prefix="sala-obs-")
    try:
        port = free_port()
        proc, start, logp = serve_until_started(["--listen", str(port)], d)
        try:
            assert start and start["listen"] == "127.0.0.1:%d" % port, open(logp).read()
            assert start["url"] == "http://127.0.0.1:%d/" % port
            assert listening_addresses(port) == ["127.0.0.1"]
        finally:
            proc.terminate()
            assert proc.wait(timeout=20) == 0
        stop = [f for _, _, ev, f in log_lines(open(logp).read()) if ev == "stop"]
        assert stop and stop[0]["listen"] == "127.0.0.1:%d" % port

        proc, start, logp = serve_until_started(["--listen", "0.0.0.0:0"], d)
        try:
            assert start and start["listen"].startswith("0.0.0.0:"), open(logp).read()
            port = int(start["listen"].split(":")[1])
            assert port > 0 and listening_addresses(port) == ["0.0.0.0"]
            time.sleep(0.1)
            warn = [f for _, lv, ev, f in log_lines(open(logp).read()) if lv == "warn" and ev == "start"]
            assert warn and "every machine" in warn[0]["msg"]
        finally:
            proc.terminate()
            proc.wait(timeout=20)

        for bad in ("sala.example:80", "127.0.0.1:99999", "8080s", ""):
            proc, start, logp = serve_until_started(["--listen", bad], d)
            assert start is None and proc.wait(timeout=20) != 0
            assert "cannot listen on '%s'" % bad in open(logp).read(), open(logp).read()
    finally:
        shutil.rmtree(d)


def slow_download(srv, size):
    """Imports a course with a size-byte media file; returns (socket mid-download, expected bytes, header bytes)."""
    d = tempfile.mkdtemp(prefix="sala-obs-")
    big = b"ID3\x03\x00\x00\x00\x00\x00\x00" + os.urandom(size)
    c = media_course_dir(d, "1.0.0", "big.mp3", big)
    assert sala("import", c, db=srv.db).returncode == 0
    shutil.rmtree(d)
    l = srv.client()
    l.login("learner")
    sha = hashlib.sha256(big).hexdigest()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
    s.connect(("127.0.0.1", srv.port))
    s.settimeout(30)
    cookie = "; ".join("%s=%s" % kv for kv in l.cookies.items())
    s.sendall(("GET /media/%s.mp3 HTTP/1.1\r\nHost: x\r\nCookie: %s\r\n\r\n" % (sha, cookie)).encode())
    got = b""
    while b"\r\n\r\n" not in got:
        got += s.recv(4096)
    head, _, body = got.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head
    return s, big, body


def test_sigterm_finishes_a_slow_download_and_refuses_new_connections():
    srv = Server()
    s = None
    try:
        s, big, body = slow_download(srv, 6 << 20)
        time.sleep(0.3)  # the server now waits to write the rest to a reader who reads slowly
        srv.proc.send_signal(signal.SIGTERM)
        # New connections are refused soon after the signal.
        deadline = time.time() + 5
        refused = False
        while time.time() < deadline and not refused:
            try:
                socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()
                time.sleep(0.05)
            except ConnectionRefusedError:
                refused = True
            except (ConnectionResetError, socket.timeout):
                pass  # caught in the listen queue at the moment it closed: not served; try again
        assert refused, "new connections were still accepted after SIGTERM"
        # The download goes on at a limited rate (about 4 MB/s) and arrives whole.
        t0 = time.time()
        while len(body) < len(big):
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
            time.sleep(0.015)
        assert len(body) == len(big) and body == big, "download cut at %d of %d bytes" % (len(body), len(big))
        assert time.time() - t0 > 0.5, "the download was not slow: the test proves nothing"
        s.close()
        s = None
        assert srv.proc.wait(timeout=30) == 0
        lines = log_lines(server_log(srv))
        stopping = [f for _, _, ev, f in lines if ev == "stopping"]
        assert stopping and stopping[0]["in_flight"] == "1" and stopping[0]["signal"] == "TERM"
        stop = [f for _, _, ev, f in lines if ev == "stop"]
        assert stop and stop[0]["cut"] == "0"
        media = [f for _, _, ev, f in lines if ev == "request" and f["path"].startswith("/media/")]
        assert media and int(media[0]["bytes"]) > len(big) and media[0]["status"] == "200"
        srv.proc = None
    finally:
        if s:
            s.close()
        srv.stop()


def test_drain_deadline_cuts_and_says_so():
    srv = Server(args=["--drain-seconds", "1"])
    s = None
    try:
        s, big, body = slow_download(srv, 8 << 20)
        time.sleep(0.3)
        t0 = time.time()
        srv.proc.send_signal(signal.SIGTERM)
        assert srv.proc.wait(timeout=30) == 0
        assert time.time() - t0 < 10
        stop = [(lv, f) for _, lv, ev, f in log_lines(server_log(srv)) if ev == "stop"]
        assert stop and stop[0][0] == "warn" and stop[0][1]["cut"] == "1", stop
        srv.proc = None
    finally:
        if s:
            s.close()
        srv.stop()
