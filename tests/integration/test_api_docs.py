"""docs/api.md against the real API: every response example in it (a code block that starts with a status
line) has the status, the keys at every level and the JSON types of the real response to the same request.
Also: a Bearer token downloads the holder's certificate files and badges, and API errors come in the
request's language (?lang=, else Accept-Language, else English), the same for every error."""
import json
import os
import re

from harness import SRC, Server, connect, sala
from test_certs import issue, setup_course

DOC = os.path.join(SRC, "docs", "api.md")
KHMER = re.compile("[\u1780-\u17ff]")


def doc_examples():
    """[(heading, status, object)] for every fenced block of docs/api.md that starts with a status line."""
    out, heading, block = [], None, None
    for line in open(DOC, encoding="utf-8").read().split("\n"):
        if line.startswith("```"):
            if block is None:
                block = []
                continue
            m = re.match(r"^(\d{3}) [A-Z][A-Za-z ]*$", block[0]) if block else None
            if m:
                text = "\n".join(block[1:])
                try:
                    obj = json.loads(text)
                except ValueError as e:
                    raise AssertionError("docs/api.md, %s: the example is not JSON (%s):\n%s" % (heading, e, text))
                out.append((heading, int(m.group(1)), obj))
            block = None
        elif block is not None:
            block.append(line)
        elif line.startswith("### "):
            heading = line[4:].strip()
    return out


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}[type(v)]


def shape_problem(doc, real, path="$"):
    """None when doc and real have the same keys and types at every level, else what differs.
    A null on either side stands for a nullable value; each element of a documented array must match
    some element of the real one."""
    if doc is None or real is None:
        return None
    if kind(doc) != kind(real):
        return "%s: documented %s, real %s" % (path, kind(doc), kind(real))
    if isinstance(doc, dict):
        if set(doc) != set(real):
            return "%s: keys documented but absent %s, present but undocumented %s" % (
                path, sorted(set(doc) - set(real)), sorted(set(real) - set(doc)))
        for k in doc:
            p = shape_problem(doc[k], real[k], "%s.%s" % (path, k))
            if p:
                return p
    if isinstance(doc, list) and doc:
        if not real:
            return "%s: the real array is empty, nothing to compare" % path
        for i, d in enumerate(doc):
            problems = [shape_problem(d, r, "%s[%d]" % (path, i)) for r in real]
            if all(problems):
                return problems[0]
    return None


def login(c, user, password):
    r = c.api("POST", "/api/v1/login", {"username": user, "password": password})
    assert r.status == 200, r.text
    return r, {"Authorization": "Bearer " + r.json()["token"]}


def jbody(obj):
    return json.dumps(obj).encode()


def checkin_response(srv, c, hj):
    """POST /api/v1/checkin for the learner (token in hj) with the code of a session day open now."""
    from test_checkin import add_session, code_of, learner_client, minute
    import time
    now = time.time()
    start, end = minute(now - 60), minute(now + 120)
    if time.gmtime(start + 7 * 3600).tm_mday != time.gmtime(end + 7 * 3600).tm_mday:
        start = end - 60
    wid = add_session(srv, "One-window service", [(start, end)], invite=["learner"])
    code = code_of(learner_client(srv, "trainer"), wid, 1)
    return c.request("POST", "/api/v1/checkin", jbody({"code": "http://sala.example" + code}), headers=hj)


def real_responses(srv):
    """The responses of the documented requests, by the heading that documents them: (status, object)."""
    got = {}
    c = srv.client()
    r, h = login(c, "learner", "demo-Mekong-4")
    got["POST /api/v1/login"] = r
    hj = dict(h, **{"Content-Type": "application/json"})
    got["GET /api/v1/me"] = c.request("GET", "/api/v1/me", headers=h)
    got["GET /api/v1/courses[?q=WORDS]"] = c.request("GET", "/api/v1/courses?q=phishing&lang=en", headers=h)
    cid = "cyber-awareness"
    got["POST /api/v1/courses/:id/enrol"] = c.request("POST", "/api/v1/courses/%s/enrol" % cid, headers=h)
    co = c.request("GET", "/api/v1/courses/%s?lang=en" % cid, headers=h).json()
    lesson = [it for it in co["outline"] if it["type"] == "lesson"][1]
    got["GET /api/v1/courses/:id/lessons/PATH"] = c.request(
        "GET", "/api/v1/courses/%s/lessons/%s?lang=en" % (cid, lesson["path"]), headers=h)
    got["GET /api/v1/courses/:id"] = c.request("GET", "/api/v1/courses/%s?lang=en" % cid, headers=h)
    quiz = [it for it in co["outline"] if it["type"] == "quiz" and it["quiz_kind"] == "final"][0]
    a = c.request("POST", "/api/v1/courses/%s/quiz/%s/attempts?lang=en" % (cid, quiz["path"]), headers=h).json()
    answers = {}
    for i, q in enumerate(a["questions"]):
        if q["type"] in ("single", "truefalse"):
            answers[q["key"]] = str(q["options"][0]["id"])
        elif q["type"] == "multi":
            answers["%s_%d" % (q["key"], q["options"][0]["id"])] = "1"
        elif q["type"] in ("short", "numeric"):
            answers[q["key"]] = "phishing"
        elif q["type"] == "match":
            answers["%s_%d" % (q["key"], q["pairs"][0]["id"])] = str(q["choices"][0]["id"])
    r = c.request("PUT", "/api/v1/attempts/%d/answers" % a["id"], jbody({"answers": answers}), headers=hj)
    assert r.status == 200, r.text
    got["POST /api/v1/courses/:id/quiz/PATH/attempts"] = c.request(
        "POST", "/api/v1/courses/%s/quiz/%s/attempts?lang=en" % (cid, quiz["path"]), headers=h)
    got["POST /api/v1/attempts/:aid/submit"] = c.request("POST", "/api/v1/attempts/%d/submit" % a["id"], b"",
                                                         headers=h)
    got["GET /api/v1/progress"] = c.request("GET", "/api/v1/progress?lang=en", headers=h)
    setup_course(srv)
    serial, _ = issue(srv)
    got["GET /api/v1/certificates"] = c.request("GET", "/api/v1/certificates", headers=h)
    got["GET /api/v1/certificates/SERIAL"] = c.request("GET", "/api/v1/certificates/" + serial, headers=h)
    got["POST /api/v1/checkin"] = checkin_response(srv, c, hj)
    a = srv.client()
    _, ha = login(a, "admin", "demo-Angkor-1")
    got["POST /api/v1/courses/:id/assign (trainers, managers, administrators)"] = a.request(
        "POST", "/api/v1/courses/%s/assign?lang=en" % cid, jbody({"org": "171001", "users": ["learner"]}),
        headers=dict(ha, **{"Content-Type": "application/json"}))
    # Face-to-face sessions in the learner's province: one the learner is invited to, one open.
    out = sala("sessions", "add", "--title", "One-window service workshop", "--org", "17", "--day",
               "2031-03-05 08:00-16:00", "--capacity", "30", "--course", cid, "--invite", "learner", db=srv.db,
               env=srv.env, check=True).stdout
    mine = int(re.search(r"added session (\d+)", out).group(1))
    out = sala("sessions", "add", "--title", "Digital filing", "--org", "17", "--day", "2031-03-06 08:00-16:00",
               "--language", "en", db=srv.db, env=srv.env, check=True).stdout
    other = int(re.search(r"added session (\d+)", out).group(1))
    got["GET /api/v1/sessions"] = c.request("GET", "/api/v1/sessions", headers=h)
    got["GET /api/v1/sessions/:id"] = c.request("GET", "/api/v1/sessions/%d" % other, headers=h)
    got["POST /api/v1/sessions/:id/register"] = c.request("POST", "/api/v1/sessions/%d/register" % other,
                                                          headers=h)
    got["POST /api/v1/sessions/:id/unregister"] = c.request("POST", "/api/v1/sessions/%d/unregister" % other,
                                                            headers=h)
    haj = dict(ha, **{"Content-Type": "application/json"})
    got["POST /api/v1/sessions/:id/days/:day/attendance (trainers, managers, administrators)"] = a.request(
        "POST", "/api/v1/sessions/%d/days/1/attendance" % mine, jbody({"present": ["learner"]}), headers=haj)
    got["GET /api/v1/sessions/:id/days/:day/attendance (trainers, managers, administrators)"] = a.request(
        "GET", "/api/v1/sessions/%d/days/1/attendance" % mine, headers=ha)
    t = srv.client()
    _, ht = login(t, "trainer", "demo-Bayon-2")
    got["POST /api/v1/me/password"] = t.request(
        "POST", "/api/v1/me/password", jbody({"current": "demo-Bayon-2", "new": "river-boat-2031-x"}),
        headers=dict(ht, **{"Content-Type": "application/json"}))
    got.update(survey_responses(srv, c, h))
    got["POST /api/v1/logout"] = c.request("POST", "/api/v1/logout", headers=h)
    return {k: (v.status, v.json()) for k, v in got.items()}


def survey_responses(srv, c, h):
    """A past session the learner attended (the mark written straight into the database): their pending
    survey, and its results as the trainer reads them."""
    p = sala("sessions", "add", "--title", "E-filing", "--org", "17", "--trainer", "trainer", "--day",
             "2026-01-05 08:00-16:00", "--invite", "learner", db=srv.db, check=True)
    sid = int(re.search(r"added session (\d+)", p.stdout).group(1))
    db = connect(srv.db)
    try:
        uid = db.execute("SELECT id FROM users WHERE username = 'learner'").fetchone()[0]
        db.execute("INSERT INTO attendance(workshop_id, user_id, day, status, method, marked_at) "
                   "VALUES (?, ?, 1, 'present', 'trainer', 1767600000)", (sid, uid))
        db.commit()
    finally:
        db.close()
    got = {"GET /api/v1/surveys": c.request("GET", "/api/v1/surveys?lang=en", headers=h)}
    t = srv.client()
    _, ht = login(t, "trainer", "river-boat-2031-x")  # the password real_responses() set
    got["GET /api/v1/surveys/workshop/:id/results and /api/v1/surveys/course/:id/results (trainers, managers, "
        "administrators)"] = t.request("GET", "/api/v1/surveys/workshop/%d/results" % sid, headers=ht)
    return got


def test_every_documented_example_matches_a_real_response():
    examples = doc_examples()
    with Server() as srv:
        real = real_responses(srv)
    documented = {heading for heading, _, _ in examples}
    assert documented == set(real), ("documented without a request in this test", documented - set(real),
                                     "requested but not documented", set(real) - documented)
    for heading, status, obj in examples:
        rs, robj = real[heading]
        assert rs == status, "%s: documented %d, real %d %s" % (heading, status, rs, robj)
        p = shape_problem(obj, robj)
        if p and os.environ.get("SALA_API_DOCS_DUMP"):
            print(json.dumps(robj, ensure_ascii=False)[:6000])
        assert p is None, "docs/api.md, %s: %s\nreal: %s" % (heading, p, json.dumps(robj)[:1500])


def test_bearer_token_downloads_certificate_files_and_badges():
    with Server() as srv:
        setup_course(srv)
        serial, code = issue(srv)
        c = srv.client()
        _, h = login(c, "learner", "demo-Mekong-4")
        lst = c.request("GET", "/api/v1/certificates", headers=h).json()["certificates"]
        assert [x["serial"] for x in lst] == [serial]
        links = lst[0]["links"]
        assert links["self"] == "/api/v1/certificates/" + serial and links["verify"] == "/verify/" + code
        one = c.request("GET", links["self"], headers=h).json()
        assert one["status"] == "valid" and one["valid"] is True and one["links"] == links
        r = c.request("GET", links["pdf"], headers=h)
        assert r.status == 200 and r.body[:5] == b"%PDF-" and r.header("Content-Type") == "application/pdf"
        r = c.request("GET", links["png"], headers=h)
        assert r.status == 200 and r.body[:8] == b"\x89PNG\r\n\x1a\n"
        assert "no-store" in r.header("Cache-Control")
        r = c.request("GET", links["badge_json"], headers=h)
        assert r.status == 200 and r.json()["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        r = c.request("GET", links["badge_jwt"], headers=h)
        assert r.status == 200 and r.text.count(".") == 2 and r.header("Content-Type") == "application/vc+jwt"
        # Without a token: 401 JSON, not a redirect to the login page.
        r = srv.client().request("GET", links["pdf"])
        assert r.status == 401 and "error" in r.json()
        # Another learner's token sees nothing of it.
        o = srv.client()
        p = o.api("POST", "/api/v1/login", {"username": "trainer", "password": "demo-Bayon-2"})
        ho = {"Authorization": "Bearer " + p.json()["token"]}
        for path in (links["self"], links["pdf"], links["png"], links["badge_json"], links["badge_jwt"]):
            r = o.request("GET", path, headers=ho)
            assert r.status == 404 and r.json() == {"error": "No such certificate."}, (path, r.status, r.text)
        # Revoked: the badges are gone (410) and the links say so.
        from harness import sala
        assert sala("cert", "revoke", serial, "--reason", "mistake", db=srv.db).returncode == 0
        one = c.request("GET", links["self"], headers=h).json()
        assert one["status"] == "revoked" and one["revoked_reason"] == "mistake" and isinstance(one["revoked_at"], int)
        assert one["links"]["badge_json"] is None and one["links"]["badge_jwt"] is None
        r = c.request("GET", links["badge_jwt"], headers=h)
        assert r.status == 410 and r.json() == {"error": "This certificate is no longer valid."}


def error_requests(srv):
    """Requests that each fail in a different place: (name, method, path, body, with the learner's token)."""
    return [
        ("no token", "GET", "/api/v1/me", None, False),
        ("unknown path", "GET", "/api/v1/nothing-here", None, True),
        ("wrong method", "DELETE", "/api/v1/me", None, True),
        ("no such course", "GET", "/api/v1/courses/no-such-course", None, True),
        ("no such lesson", "GET", "/api/v1/courses/cyber-awareness/lessons/nope.md", None, True),
        ("no such attempt", "GET", "/api/v1/attempts/999999", None, True),
        ("no such certificate", "GET", "/api/v1/certificates/SALA-1999-000001", None, True),
        ("not an assigner", "POST", "/api/v1/courses/cyber-awareness/assign", b"{}", True),
        ("body not an object", "POST", "/api/v1/attempts/1/submit", b"[1]", True),
        ("wrong password", "POST", "/api/v1/login", b'{"username": "learner", "password": "wrong-one-1"}', False),
        ("nested too deep", "POST", "/api/v1/login", b"{\"a\":" * 40 + b"1" + b"}" * 40, False),
    ]


def test_api_errors_follow_accept_language_else_english():
    with Server() as srv:
        c = srv.client()
        # The learner's account is in Khmer: errors must not follow it.
        _, h = login(c, "learner", "demo-Mekong-4")
        seen = {}
        for name, method, path, body, auth in error_requests(srv):
            for lang_header in (None, "km-KH,km;q=0.9,en;q=0.5", "en-US,en"):
                headers = dict(h) if auth else {}
                if body is not None:
                    headers["Content-Type"] = "application/json"
                if lang_header:
                    headers["Accept-Language"] = lang_header
                r = (c if auth else srv.client()).request(method, path, body, headers=headers)
                assert r.status >= 400, (name, r.status)
                msg = r.json()["error"]
                seen[(name, lang_header)] = msg
                if lang_header and lang_header.startswith("km"):
                    assert KHMER.search(msg), "%s with Accept-Language km: %r" % (name, msg)
                else:
                    assert not KHMER.search(msg), "%s (%s): %r" % (name, lang_header or "no Accept-Language", msg)
            # ?lang= wins over Accept-Language.
            headers = dict(h) if auth else {}
            headers["Accept-Language"] = "km"
            if body is not None:
                headers["Content-Type"] = "application/json"
            sep = "&" if "?" in path else "?"
            r = (c if auth else srv.client()).request(method, path + sep + "lang=en", body, headers=headers)
            assert not KHMER.search(r.json()["error"]), (name, r.json())
        assert seen[("no such course", None)] == "no such course"
        assert seen[("no such course", "km-KH,km;q=0.9,en;q=0.5")] != "no such course"
