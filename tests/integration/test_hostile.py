"""Hostile request bodies and heads on a real server: deeply nested JSON, forms and query strings with
too many fields, over-long and too many cookies, multipart bodies past their limits. Each is refused
with 400 (413 when larger than the route's body limit, 431 for cookies) naming the limit, the server
keeps running, and valid requests still work. The limits are in server/http.h and lib/json.h."""
import json

from harness import DEMO, Server
from secutil import raw

JSON = {"Content-Type": "application/json"}


def api_login(srv, user="learner", password=None):
    c = srv.client()
    r = c.request("POST", "/api/v1/login", body=json.dumps({"username": user, "password": password or DEMO[user]}),
                  headers=JSON)
    assert r.status == 200, (r.status, r.text[:300])
    return r.json()["token"]


def bearer(token):
    return {"Authorization": "Bearer " + token, "Content-Type": "application/json"}


def alive(srv):
    """The server still answers /healthz and a normal login."""
    c = srv.client()
    assert c.get("/healthz").status == 200
    assert api_login(srv)


def nested(kind, depth, inner="1"):
    if kind == "array":
        return "[" * depth + inner + "]" * depth
    return '{"a":' * depth + inner + "}" * depth


def test_hostile_nested_json_every_json_route():
    with Server() as srv:
        learner = bearer(api_login(srv))
        admin = bearer(api_login(srv, "admin"))
        # (path, method, headers, route body limit)
        routes = [("/api/v1/login", "POST", JSON, 16384),
                  ("/api/v1/courses/cyber-awareness/assign", "POST", admin, 1 << 20),
                  ("/api/v1/attempts/1/answers", "PUT", learner, 65536),
                  ("/api/v1/attempts/1/submit", "POST", learner, 65536)]
        bodies = []
        for depth in (2000, 100000):
            for kind in ("array", "object"):
                bodies.append(nested(kind, depth))  # closed
                bodies.append(nested(kind, depth)[:depth * (1 if kind == "array" else 5)])  # never closed
        # Nested inside an otherwise valid login object.
        bodies.append('{"username": "learner", "password": ' + nested("array", 2000) + "}")
        for path, method, headers, limit in routes:
            c = srv.client()
            for body in bodies:
                r = c.request(method, path, body=body, headers=headers)
                if len(body) > limit:
                    # Larger than the route takes: refused before any parsing.
                    assert r.status == 413, (path, len(body), r.status)
                else:
                    assert r.status == 400, (path, len(body), r.status, r.text[:200])
                    assert "32 levels" in r.json()["error"], r.text[:200]
            alive(srv)
        # Too many members at a harmless depth.
        many = json.dumps({"users": ["u%d" % i for i in range(10001)]})
        r = srv.client().request("POST", routes[1][0], body=many, headers=admin)
        assert r.status == 400 and "10000 values" in r.json()["error"], r.text[:200]
        alive(srv)


def test_hostile_json_within_limits_still_works():
    with Server() as srv:
        c = srv.client()
        # 31 levels inside the object (32 in all) is accepted; one more is refused.
        ok = '{"username": "learner", "password": "demo-Mekong-4", "x": ' + nested("array", 31) + "}"
        r = c.request("POST", "/api/v1/login", body=ok, headers=JSON)
        assert r.status == 200 and r.json()["user"]["username"] == "learner", r.text[:200]
        deep = '{"username": "learner", "password": "demo-Mekong-4", "x": ' + nested("array", 32) + "}"
        c = srv.client()  # without the session cookie of the login above
        r = c.request("POST", "/api/v1/login", body=deep, headers=JSON)
        assert r.status == 400 and "32 levels" in r.json()["error"], r.text
        # Brackets inside strings are text, not nesting.
        pw = "[" * 500 + "{" * 500
        r = c.request("POST", "/api/v1/login", body=json.dumps({"username": "learner", "password": pw}),
                      headers=JSON)
        assert r.status == 401, r.text[:200]
        # Not an object, not JSON, duplicate keys, a wrong type: 400 with the shape named.
        for body, why in (("[1,2]", ""), ("not json", "not valid JSON"),
                          ('{"username": "a", "username": "b"}', "duplicate object key"), ("", "empty")):
            r = c.request("POST", "/api/v1/login", body=body, headers=JSON)
            err = r.json()["error"]
            assert r.status == 400 and "must be a JSON object {" in err and why in err, (body, r.status, err)
        admin = bearer(api_login(srv, "admin"))
        r = c.request("POST", "/api/v1/courses/cyber-awareness/assign", body=json.dumps({"users": [1, 2]}),
                      headers=admin)
        assert r.status == 400 and "array of strings" in r.json()["error"], r.text
        r = c.request("POST", "/api/v1/courses/cyber-awareness/assign", body=json.dumps({"users": "learner"}),
                      headers=admin)
        assert r.status in (200, 404), r.text  # one name as a string still works (404: course not imported)


def form_body(pairs):
    return "&".join("%s=%s" % kv for kv in pairs)


FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"}


def test_hostile_forms_and_query_strings():
    with Server() as srv:
        c = srv.client()
        c.get("/login")
        csrf = c.csrf_token
        base = [("csrf", csrf), ("username", "admin"), ("password", "wrong-password")]
        # 1,000 fields in all are read (a wrong password: 401); 1,001 are refused whole.
        r = c.request("POST", "/login", body=form_body(base + [("f%d" % i, "x") for i in range(997)]), headers=FORM)
        assert r.status == 401, r.status
        r = c.request("POST", "/login", body=form_body(base + [("f%d" % i, "x") for i in range(998)]), headers=FORM)
        assert r.status == 400 and "1000 fields" in r.text, (r.status, r.text[:300])
        # Empty pairs are not fields.
        r = c.request("POST", "/login", body="&" * 100000 + form_body(base), headers=FORM)
        assert r.status == 401, r.status
        # A field name longer than 256 bytes.
        r = c.request("POST", "/login", body=form_body(base + [("k" * 257, "v")]), headers=FORM)
        assert r.status == 400 and "256 bytes" in r.text, (r.status, r.text[:300])
        r = c.request("POST", "/login", body=form_body(base + [("k" * 256, "v")]), headers=FORM)
        assert r.status == 401, r.status
        # The same limits on the query string; its English message with ?lang=en... is refused too, so ask
        # for English with Accept-Language.
        en = {"Accept-Language": "en"}
        r = c.get("/login?" + "&".join("a%d=1" % i for i in range(1001)), headers=en)
        assert r.status == 400 and "1000 fields" in r.text, (r.status, r.text[:300])
        r = c.get("/login?lang=en&" + "&".join("a%d=1" % i for i in range(999)))
        assert r.status == 200
        r = c.get("/api/v1/courses?" + "x" * 300 + "=1", headers=en)
        assert r.status == 400 and "256 bytes" in r.json()["error"]
        # Khmer when the browser asks for it.
        r = c.get("/login?" + "&".join("a%d=1" % i for i in range(1001)), headers={"Accept-Language": "km"})
        assert r.status == 400 and "1000" in r.text and "ទម្រង់" in r.text
        # A query string past CivetWeb's 16 KiB request head: refused by it, the server lives on.
        status, _ = raw(srv.port, b"GET /login?" + b"a=b&" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", timeout=10)
        assert status in (400, 413, 414, 431), status
        alive(srv)
        # A normal form login still works.
        c2 = srv.client()
        c2.login("admin")
        assert c2.get("/admin/users").status == 200


def test_hostile_cookies():
    with Server() as srv:
        c = srv.client()
        en = {"Accept-Language": "en"}
        fifty = "; ".join("c%d=v" % i for i in range(50))
        r = c.get("/login", headers=dict(en, Cookie=fifty))
        assert r.status == 200
        r = c.get("/login", headers=dict(en, Cookie=fifty + "; c50=v"))
        assert r.status == 431 and "50 cookies" in r.text, (r.status, r.text[:300])
        r = c.get("/login", headers=dict(en, Cookie="big=" + "x" * 9000))
        assert r.status == 431 and "8192 bytes" in r.text, (r.status, r.text[:300])
        for name in ("sala_session", "sala_csrf", "sala_lang"):
            r = c.get("/login", headers=dict(en, Cookie="%s=%s" % (name, "a" * 256)))
            assert r.status == 431 and "255 bytes" in r.text, (name, r.status, r.text[:300])
        # Another site's cookie of that length is its own business.
        r = c.get("/login", headers=dict(en, Cookie="other=" + "a" * 2000))
        assert r.status == 200
        # More header lines than CivetWeb keeps (64) would be dropped unseen: refused instead.
        many = dict(("X-H%d" % i, "1") for i in range(50))
        assert c.get("/login", headers=dict(en, **many)).status == 200
        many = dict(("X-H%d" % i, "1") for i in range(70))
        r = c.get("/login", headers=dict(en, **many))
        assert r.status == 431 and "63 header lines" in r.text, (r.status, r.text[:300])
        # The API answers in JSON.
        r = c.get("/api/v1/me", headers=dict(en, Cookie="sala_session=" + "a" * 300))
        assert r.status == 431 and "255 bytes" in r.json()["error"]
        alive(srv)
        # A logged-in session with its cookies still works.
        c2 = srv.client()
        c2.login("learner")
        assert c2.get("/api/v1/me").status == 200 and c2.get("/admin/users").status == 403


def multipart(parts, boundary="b0undary"):
    out = b""
    for headers, data in parts:
        out += b"--" + boundary.encode() + b"\r\n" + headers + b"\r\n\r\n" + data + b"\r\n"
    return out + b"--" + boundary.encode() + b"--\r\n"


def field(name, value):
    return (b'Content-Disposition: form-data; name="%s"' % name.encode(), value.encode()
            if isinstance(value, str) else value)


def test_hostile_multipart():
    with Server() as srv:
        c = srv.client()
        c.get("/login")
        csrf = c.csrf_token
        en = {"Accept-Language": "en"}

        def post(body, boundary="b0undary"):
            h = dict(en, **{"Content-Type": "multipart/form-data; boundary=" + boundary})
            return c.request("POST", "/login", body=body, headers=h)

        base = [field("csrf", csrf), field("username", "admin"), field("password", "wrong-password")]
        # A valid multipart login form is read: wrong password, 401.
        assert post(multipart(base)).status == 401
        # 100 parts in all are read; 101 are refused.
        r = post(multipart(base + [field("f%d" % i, "x") for i in range(97)]))
        assert r.status == 401, r.status
        r = post(multipart(base + [field("f%d" % i, "x") for i in range(98)]))
        assert r.status == 400 and "100 parts" in r.text, (r.status, r.text[:300])
        # Parts without a name count too.
        r = post(multipart(base + [(b"X-Nothing: 1", b"x")] * 98))
        assert r.status == 400 and "100 parts" in r.text, (r.status, r.text[:300])
        # A part's headers longer than 8192 bytes.
        r = post(multipart(base + [(b"Content-Disposition: form-data; name=\"x\"\r\nX-Pad: " + b"p" * 9000, b"1")]))
        assert r.status == 400 and "8192 bytes" in r.text, (r.status, r.text[:300])
        # A text field longer than 64 KiB.
        r = post(multipart(base + [field("big", "x" * 70000)]))
        assert r.status == 400 and "65536 bytes" in r.text, (r.status, r.text[:300])
        # A boundary longer than 70 characters, or none.
        long_b = "b" * 71
        r = post(multipart(base, long_b), long_b)
        assert r.status == 400 and "70 characters" in r.text, (r.status, r.text[:300])
        r = c.request("POST", "/login", body=multipart(base), headers=dict(en, **{"Content-Type": "multipart/form-data"}))
        assert r.status == 400 and "70 characters" in r.text
        # Not closed, or no delimiter at all.
        r = post(multipart(base)[:-12])
        assert r.status == 400 and "well-formed" in r.text, (r.status, r.text[:300])
        r = post(b"x" * 100000)
        assert r.status == 400 and "well-formed" in r.text
        # Nested multipart inside a part is data, not structure: read as the field's value.
        inner = b""
        for i in range(500):
            inner = b"--in%d\r\nContent-Type: multipart/mixed; boundary=in%d\r\n\r\n" % (i, i + 1) + inner
        r = post(multipart(base + [field("nested", inner)]))
        assert r.status == 401, r.status
        # Many parts, each with many header lines, up to the limits: read, not refused.
        hdrs = b"Content-Disposition: form-data; name=\"h\"" + b"\r\nX-A: b" * 1000
        r = post(multipart(base + [(hdrs, b"1")] * 97))
        assert r.status == 401, r.status
        alive(srv)


def test_hostile_preview_query_string():
    """`sala preview` parses query strings with the same limits."""
    import os
    import subprocess
    import tempfile
    import time
    from harness import SALA, SRC
    d = tempfile.mkdtemp(prefix="sala-preview-")
    port_file = os.path.join(d, "port")
    p = subprocess.Popen([SALA, "preview", os.path.join(SRC, "courses", "library", "cyber-awareness"), "--listen",
                          "127.0.0.1:0", "--port-file", port_file], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, cwd=SRC)
    try:
        deadline = time.time() + 30
        while not os.path.exists(port_file) and time.time() < deadline:
            time.sleep(0.05)
        port = int(open(port_file).read())
        status, resp = raw(port, ("GET /?%s HTTP/1.1\r\nHost: x\r\nAccept-Language: en\r\n\r\n"
                                  % "&".join("a%d=1" % i for i in range(1001))).encode(), timeout=10)
        assert status == 400 and b"1000 fields" in resp, (status, resp[:300])
        status, _ = raw(port, b"GET /?lang=en HTTP/1.1\r\nHost: x\r\n\r\n", timeout=10)
        assert status == 200
    finally:
        p.terminate()
        p.wait(timeout=20)
