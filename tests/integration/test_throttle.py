"""Login throttling that parallel guesses cannot pass and strangers cannot abuse, the client address
behind a trusted proxy, `sala throttle`, slow clients capped per address, OPTIONS without CORS,
CivetWeb's own errors with Sala's headers, Cache-Control on personal documents, HEAD without rendering."""
import hashlib
import json
import os
import re
import select
import socket
import tempfile
import threading
import time

from harness import connect, DEMO, Server, sala
from secutil import raw
from test_certs import COURSE, issue, setup_course
from test_courses import media_course_dir


def failures(srv, key):
    con = connect(srv.db)
    try:
        return con.execute("SELECT count(*) FROM login_failures WHERE key = ?", (key,)).fetchone()[0]
    finally:
        con.close()


def shift_failures(srv, seconds):
    """Moves every recorded failure back in time, as if that many seconds had passed."""
    con = connect(srv.db)
    con.execute("UPDATE login_failures SET at = at - ?", (seconds,))
    con.commit()
    con.close()


def from_address(srv, source):
    c = srv.client()
    c.source = source
    return c


def web_login(c, username, password, headers=None):
    if not c.csrf_token:
        c.get("/login")
    return c.post("/login", {"username": username, "password": password}, headers=headers)


def api_login(c, username, password, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return c.request("POST", "/api/v1/login", body=json.dumps({"username": username, "password": password}),
                     headers=h)


def parallel(fn, n):
    """Runs fn(i) for i in range(n) at once (all released by one barrier); their results in order."""
    out = [None] * n
    gate = threading.Barrier(n)

    def run(i):
        gate.wait()
        out[i] = fn(i)

    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    return out


def retry_after(r):
    v = r.header("Retry-After")
    assert v and v.isdigit() and int(v) > 0, "429 without a Retry-After in seconds: %r" % v
    return int(v)


# --- The throttle -------------------------------------------------------------------------

def test_parallel_wrong_passwords_at_most_five_evaluated_web_form():
    with Server() as srv:
        clients = [srv.client() for _ in range(24)]
        for c in clients:
            c.get("/login")  # the pre-login CSRF cookie and token
        rs = parallel(lambda i: web_login(clients[i], "learner", "wrong-%d" % i), 24)
        statuses = sorted(r.status for r in rs)
        assert statuses.count(401) == 5 and statuses.count(429) == 19, statuses
        for r in rs:
            if r.status == 429:
                assert 0 < retry_after(r) <= 60
        # Exactly the evaluated ones are recorded (nothing for the refused ones).
        assert failures(srv, "acct:127.0.0.1 learner") == 5
        # The right password from the attacked address waits too; the page says how long, in words.
        c = srv.client()
        r = web_login(c, "learner", DEMO["learner"], headers={"Accept-Language": "en"})
        assert r.status == 429, r.status
        assert 0 < retry_after(r) <= 60
        assert "Please wait 1 minute and try again." in r.text or re.search(
            r"Please wait \d+ seconds? and try again\.", r.text), r.text[-800:]
        r = web_login(srv.client(), "learner", DEMO["learner"], headers={"Accept-Language": "km"})
        assert r.status == 429 and "សូមរង់ចាំ" in r.text and ("នាទី" in r.text or "វិនាទី" in r.text)
        # The official on another address still logs in while the account is being attacked.
        elsewhere = from_address(srv, "127.0.0.2")
        r = web_login(elsewhere, "learner", DEMO["learner"])
        assert r.status == 303, (r.status, r.text[:300])
        assert elsewhere.get("/my").status == 200


def test_parallel_wrong_passwords_at_most_five_evaluated_api():
    with Server() as srv:
        rs = parallel(lambda i: api_login(srv.client(), "trainer", "wrong-%d" % i), 24)
        statuses = sorted(r.status for r in rs)
        assert statuses.count(401) == 5 and statuses.count(429) == 19, statuses
        for r in rs:
            if r.status == 429:
                secs = retry_after(r)
                assert ("%d seconds" % secs) in r.json()["error"], r.json()
        assert failures(srv, "acct:127.0.0.1 trainer") == 5
        assert api_login(srv.client(), "trainer", DEMO["trainer"]).status == 429
        r = api_login(from_address(srv, "127.0.0.3"), "trainer", DEMO["trainer"])
        assert r.status == 200 and r.json()["token"], r.status


def test_wait_doubles_and_a_success_clears_the_account_at_that_address():
    with Server() as srv:
        c = srv.client()
        for i in range(5):
            assert web_login(c, "learner", "wrong-%d" % i).status == 401
        r = web_login(c, "learner", "wrong-6")
        assert r.status == 429 and 50 <= retry_after(r) <= 60, retry_after(r)
        shift_failures(srv, 61)  # the first wait is over
        assert web_login(c, "learner", "wrong-6").status == 401  # evaluated again, and failed
        r = web_login(c, "learner", "wrong-7")
        assert r.status == 429 and 110 <= retry_after(r) <= 120, retry_after(r)  # doubled
        shift_failures(srv, 121)
        assert web_login(c, "learner", "wrong-7").status == 401
        r = web_login(c, "learner", DEMO["learner"])
        assert r.status == 429 and 230 <= retry_after(r) <= 240, retry_after(r)
        shift_failures(srv, 241)
        r = web_login(c, "learner", DEMO["learner"])
        assert r.status == 303, r.status
        # The success cleared this account at this address; the address keeps its failures (7), not the success.
        assert failures(srv, "acct:127.0.0.1 learner") == 0
        assert failures(srv, "addr:127.0.0.1") == 7
        c2 = srv.client()
        assert web_login(c2, "learner", "wrong-again").status == 401  # free again: no wait after one failure


def test_throttle_cli_list_and_clear():
    with Server() as srv:
        c = srv.client()
        for i in range(5):
            assert web_login(c, "learner", "wrong-%d" % i).status == 401
        for i in range(2):
            assert web_login(c, "admin", "wrong-%d" % i).status == 401
        p = sala("throttle", "list", db=srv.db, check=True)
        lines = [l for l in p.stdout.splitlines() if l.startswith("127.0.0.1")]
        assert len(lines) == 1 and re.match(r"127\.0\.0\.1\s+learner\s+5\s+(\d+s|\dm\d\ds)$", lines[0]), p.stdout
        p = sala("throttle", "list", "--all", db=srv.db, check=True)
        assert re.search(r"127\.0\.0\.1\s+admin\s+2\s+-", p.stdout), p.stdout
        assert re.search(r"127\.0\.0\.1\s+\(any account\)\s+7\s+-", p.stdout), p.stdout
        # Bad input: a clear message, nothing changed.
        for args in (["clear"], ["clear", "--address", "300.1.1.1"], ["clear", "--all", "--user", "learner"],
                     ["clear", "--user", ""], ["list", "--bogus"]):
            p = sala("throttle", *args, db=srv.db)
            assert p.returncode != 0 and p.stderr, (args, p.returncode, p.stderr)
        assert "'300.1.1.1' is not an IPv4 address" in sala("throttle", "clear", "--address", "300.1.1.1",
                                                             db=srv.db).stderr
        assert failures(srv, "acct:127.0.0.1 learner") == 5
        assert web_login(c, "learner", DEMO["learner"]).status == 429
        # An admin clears the lockout of one account; the others' records stay.
        p = sala("throttle", "clear", "--user", "LEARNER", db=srv.db, check=True)
        assert p.stdout.strip() == "cleared 5 failed logins of 'LEARNER'", p.stdout
        assert failures(srv, "acct:127.0.0.1 learner") == 0 and failures(srv, "acct:127.0.0.1 admin") == 2
        assert web_login(srv.client(), "learner", DEMO["learner"]).status == 303
        p = sala("throttle", "clear", "--address", "127.0.0.1", db=srv.db, check=True)
        assert p.stdout.strip() == "cleared 9 failed logins from 127.0.0.1", p.stdout  # admin 2 + address 7
        p = sala("throttle", "list", "--all", db=srv.db, check=True)
        assert p.stdout.strip() == "no failed logins recorded", p.stdout


# --- The client address behind a proxy ----------------------------------------------------------

def test_forwarded_for_only_from_a_trusted_proxy():
    with Server() as srv:
        # No proxy trusted (the default): X-Forwarded-For is ignored, the TCP peer counts.
        c = srv.client()
        assert web_login(c, "learner", "wrong", headers={"X-Forwarded-For": "10.9.9.9"}).status == 401
        assert failures(srv, "addr:127.0.0.1") == 1 and failures(srv, "addr:10.9.9.9") == 0
        assert failures(srv, "acct:127.0.0.1 learner") == 1
        # A bad value is refused with a message naming it, and changes nothing.
        p = sala("settings", "set", "trusted_proxies", "127.0.0.1, 300.0.0.1/8", db=srv.db)
        assert p.returncode != 0 and "'300.0.0.1/8' is not an IPv4 address or range" in p.stderr, p.stderr
        assert sala("settings", "get", "trusted_proxies", db=srv.db, check=True).stdout.strip() == ""
        sala("settings", "set", "trusted_proxies", "127.0.0.1, 10.0.0.0/8", db=srv.db, check=True)
        time.sleep(1.5)  # the server re-reads it every second
        # From the trusted proxy: the rightmost untrusted entry is the client (entries left of it may be forged).
        xff = {"X-Forwarded-For": "6.6.6.6, 203.0.113.7, 10.1.2.3"}
        for i in range(5):
            assert web_login(c, "learner", "wrong-%d" % i, headers=xff).status == 401
        assert failures(srv, "acct:203.0.113.7 learner") == 5 and failures(srv, "addr:203.0.113.7") == 5
        assert failures(srv, "addr:6.6.6.6") == 0 and failures(srv, "addr:10.1.2.3") == 0
        r = web_login(c, "learner", DEMO["learner"], headers=xff)
        assert r.status == 429, r.status  # the throttle is keyed on the forwarded address
        r = web_login(srv.client(), "learner", DEMO["learner"], headers={"X-Forwarded-For": "203.0.113.8"})
        assert r.status == 303, r.status  # another client behind the same proxy
        # Not from a listed proxy: the header is ignored even now.
        other = from_address(srv, "127.0.0.2")
        assert web_login(other, "admin", "wrong", headers={"X-Forwarded-For": "203.0.113.9"}).status == 401
        assert failures(srv, "addr:127.0.0.2") == 1 and failures(srv, "addr:203.0.113.9") == 0
        # The admin settings page offers the setting.
        a = srv.client()
        a.login("admin")
        assert 'name="trusted_proxies"' in a.get("/admin/settings").text


# --- Slow clients -------------------------------------------------------------------------------

def test_trickling_connections_from_one_address_do_not_delay_others():
    # With the default threads (256), and with fewer threads than trickling connections (where, without
    # the cap, they would hold every thread and others would wait for request_timeout_ms).
    trickle_while_timing([], 64)
    trickle_while_timing(["--threads", "96"], 64)


def trickle_while_timing(args, cap):
    with Server(args=args) as srv:
        socks, stop = [], threading.Event()
        for _ in range(200):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            s.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            socks.append(s)

        def trickle():
            while not stop.is_set():
                for s in socks:
                    try:
                        s.send(b"X")
                    except OSError:
                        pass
                time.sleep(0.5)

        t = threading.Thread(target=trickle, daemon=True)
        t.start()
        try:
            time.sleep(1.0)
            other = from_address(srv, "127.0.0.2")
            worst = 0.0
            for _ in range(5):
                for path in ("/healthz", "/login"):
                    t0 = time.time()
                    r = other.get(path)
                    took = time.time() - t0
                    assert r.status == 200, (path, r.status)
                    worst = max(worst, took)
            assert worst < 1.0, "a request from another address took %.2fs" % worst
            # The connections past the cap (per address) were answered 503 and closed (read as they come: on a
            # busy machine the server may still be answering the last of them; the capped ones never answer).
            refused, answered, deadline = 0, set(), time.time() + 10
            while refused < 200 - cap and time.time() < deadline:
                ready, _, _ = select.select([s for s in socks if s not in answered], [], [], 0.2)
                for s in ready:
                    answered.add(s)
                    try:
                        if s.recv(200).startswith(b"HTTP/1.1 503"):
                            refused += 1
                    except OSError:
                        pass
            assert refused >= 200 - cap, "only %d of 200 connections refused" % refused
        finally:
            stop.set()
            t.join(5)
            for s in socks:
                s.close()
        # Once they are gone, the address is served again.
        time.sleep(0.5)
        assert srv.client().get("/healthz").status == 200


# --- OPTIONS and CivetWeb's own replies ---------------------------------------------------------

SECURITY = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


def head_of(resp):
    head = resp.partition(b"\r\n\r\n")[0].decode("latin-1")
    return {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in head.split("\r\n")[1:])}


def test_options_answered_without_cors():
    with Server() as srv:
        for path, status, allow in (("/login", 204, {"GET", "HEAD", "POST", "OPTIONS"}),
                                    ("/api/v1/login", 204, {"POST", "OPTIONS"}),
                                    ("/api/v1/me", 204, {"GET", "HEAD", "OPTIONS"}),
                                    ("/no-such-page", 404, None)):
            st, resp = raw(srv.port, ("OPTIONS %s HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n"
                                      "Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: "
                                      "X-CSRF-Token\r\nConnection: close\r\n\r\n" % path).encode())
            h = head_of(resp)
            assert st == status, (path, st, resp[:300])
            assert not [k for k in h if k.startswith("access-control-")], (path, h)
            for name in SECURITY:
                assert name.lower() in h, (path, name)
            if allow:
                assert {m.strip() for m in h["allow"].split(",")} == allow, (path, h["allow"])
        st, resp = raw(srv.port, b"DELETE /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert st == 405 and "POST" in head_of(resp)["allow"], resp[:300]
        assert b"text/html" in resp.partition(b"\r\n\r\n")[0]  # the error page, in the user's language
        r = srv.client().request("PUT", "/api/v1/login", body="{}", headers={"Content-Type": "application/json"})
        assert r.status == 405 and "error" in r.json(), (r.status, r.body[:200])
        assert {m.strip() for m in r.header("Allow").split(",")} == {"POST", "OPTIONS"}, r.header("Allow")


def test_civetweb_error_replies_carry_security_headers():
    with Server() as srv:
        for req, statuses in ((b"GARBAGE\r\n\r\n", (400,)),
                              (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", (505,)),
                              (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", (400, 413, 431))):
            st, resp = raw(srv.port, req, timeout=5)
            assert st in statuses, (req[:30], st, resp[:200])
            h = head_of(resp)
            for name in SECURITY:
                assert name.lower() in h, (req[:30], name, resp[:400])
            assert not [k for k in h if k.startswith("access-control-")]
        assert srv.client().get("/healthz").status == 200


# --- Cache-Control and HEAD ---------------------------------------------------------------------

def test_personal_documents_are_not_cached():
    with Server() as srv:
        setup_course(srv, users=("learner", "manager"))
        serial, _ = issue(srv, "learner")
        issue(srv, "manager")
        l = srv.client()
        l.login("learner")
        for path in ("/certificates/%s/badge.json" % serial, "/certificates/%s/badge.jwt" % serial,
                     "/certificates/%s.png" % serial, "/certificates/%s.pdf" % serial, "/api/v1/me",
                     "/api/v1/certificates"):
            r = l.get(path)
            assert r.status == 200 and r.header("Cache-Control") == "private, no-store", (path, r.status,
                                                                                        r.header("Cache-Control"))
        m = srv.client()
        m.login("manager")
        for path in ("/certificates/bulk?course=%s&format=zip" % COURSE, "/reports.csv", "/reports.json"):
            r = m.get(path)
            assert r.status == 200 and r.header("Cache-Control") == "private, no-store", (path, r.status,
                                                                                        r.header("Cache-Control"))
        # Login-only media: cached by the browser, never by a shared cache.
        d = tempfile.mkdtemp(prefix="sala-media-")
        data = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 4
        assert sala("import", media_course_dir(d, "1.0.0", "talk.mp3", data), db=srv.db).returncode == 0
        r = l.get("/media/%s.mp3" % hashlib.sha256(data).hexdigest())
        cc = r.header("Cache-Control") or ""
        assert r.status == 200 and cc.startswith("private,") and "public" not in cc, (r.status, cc)


def timed(c, method, path, n=3):
    """The fastest of n requests, and the last response."""
    best, r = None, None
    for _ in range(n):
        t0 = time.time()
        r = c.request(method, path)
        took = time.time() - t0
        best = took if best is None else min(best, took)
    return best, r


def test_head_renders_nothing():
    with Server() as srv:
        setup_course(srv, users=("learner", "manager"))
        serial, _ = issue(srv, "learner")
        issue(srv, "manager")
        m = srv.client()
        m.login("manager")
        for path, ctype in (("/certificates/%s.pdf" % serial, "application/pdf"),
                            ("/certificates/%s.png" % serial, "image/png"),
                            ("/certificates/bulk?course=%s&format=pdf" % COURSE, "application/pdf"),
                            ("/certificates/bulk?course=%s&format=zip" % COURSE, "application/zip")):
            get_s, g = timed(m, "GET", path)
            head_s, h = timed(m, "HEAD", path)
            assert g.status == 200 and len(g.body) > 1000, (path, g.status)
            assert h.status == 200 and h.body == b"", (path, h.status)
            assert h.header("Content-Type") == ctype == g.header("Content-Type")
            assert h.header("Cache-Control") == g.header("Cache-Control") == "private, no-store"
            assert h.header("Content-Disposition") == g.header("Content-Disposition")
            assert h.header("X-Certificates") == g.header("X-Certificates")
            # Rendering takes tens of milliseconds a certificate; a HEAD that renders nothing a fraction of it.
            assert head_s < get_s / 3, "%s: HEAD %.1f ms, GET %.1f ms" % (path, head_s * 1000, get_s * 1000)
        # The query is still checked: nothing to print is 404 for HEAD as for GET.
        none = "/certificates/bulk?course=%s&to=2000-01-01&format=pdf" % COURSE
        assert m.request("HEAD", none).status == 404 and m.get(none).status == 404
        # Access is still checked: someone else's certificate is not found, even by HEAD.
        o = srv.client()
        o.login("trainer")
        assert o.request("HEAD", "/certificates/%s.pdf" % serial).status == 404
