"""Attendance besides the trainer's page (training/checkin.h, server/h_checkin.c): QR self check-in with a
signed code per session day (inside the window; refused outside it, for another day, twice, with a forged
or altered code, for a cancelled session and for someone not registered), the sign-in sheet PDF and the
page that keys it in by row code, and `sala attendance import`. Sessions are made relative to now: the
check-in window is real time."""
import os
import re
import subprocess
import tempfile
import time
import urllib.parse

from harness import Server, sala
from learnutil import q, one

ICT = 7 * 3600  # sessions are entered in Cambodia's time
PW = "Tonle-Sap-Lake-42"


def ict(t):
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(t + ICT))


def day_arg(start, end):
    """--day "YYYY-MM-DD HH:MM-HH:MM" for a day from start to end (Unix seconds, same ICT date)."""
    a, b = ict(start), ict(end)
    assert a[:10] == b[:10], "a session day must not cross midnight in Cambodia: %s %s" % (a, b)
    return "%s-%s" % (a, b[11:])


def minute(t):
    return int(t) // 60 * 60


def add_session(srv, title, days, invite=(), org="12", trainer="trainer", capacity=None):
    """Adds a session through the CLI; days is a list of (start, end). Returns its id."""
    args = ["sessions", "add", "--title", title, "--org", org, "--trainer", trainer, "--address", "Hall 2"]
    for s, e in days:
        args += ["--day", day_arg(s, e)]
    for u in invite:
        args += ["--invite", u]
    if capacity is not None:
        args += ["--capacity", str(capacity)]
    p = sala(*args, db=srv.db, env=srv.env, check=True)
    m = re.search(r"added session (\d+)", p.stdout)
    assert m, p.stdout
    return int(m.group(1))


def add_user(srv, username, name, name_km, org="12"):
    sala("user", "add", "--username", username, "--name", name, "--name-km", name_km, "--org", org,
         "--role", "learner", "--password-stdin", db=srv.db, env=srv.env, input=PW + "\n", check=True)


def uid(srv, username):
    return one(srv, "SELECT id FROM users WHERE username = ?", username)


def marks(srv, wid):
    return q(srv, "SELECT user_id, day, status, method, marked_by, marked_at FROM attendance WHERE workshop_id = ? "
                  "ORDER BY user_id, day", wid)


def row_codes(srv, wid):
    return {u: c for u, c in q(srv, "SELECT u.username, p.row_code FROM workshop_people p JOIN users u ON "
                                    "u.id = p.user_id WHERE p.workshop_id = ?", wid)}


def code_of(trainer, wid, day):
    """The check-in path /checkin/CODE the trainer's QR page shows for the day."""
    r = trainer.get("/sessions/%d/checkin-code?day=%d" % (wid, day))
    assert r.status == 200, (r.status, r.text[:500])
    assert "<svg" in r.text and "role=\"img\"" in r.text, "no QR code on the page"
    m = re.search(r'id="checkin-url" href="[^"]*?(/checkin/[0-9A-Za-z._-]+)"', r.text)
    assert m, r.text[-1500:]
    return m.group(1)


def learner_client(srv, username, password=None):
    """A client logged in as username, pages in English, holding its session's CSRF token."""
    c = srv.client()
    c.login(username, password)
    c.cookies["sala_lang"] = "en"
    c.get("/profile")
    return c


def test_qr_checkin_once_inside_the_window_and_every_refusal():
    srv = Server()
    try:
        now = time.time()
        d1 = (minute(now - 26 * 3600), minute(now - 25 * 3600))  # yesterday: closed
        d2 = (minute(now - 3600), minute(now + 3600))  # open now
        d3 = (minute(now + 22 * 3600), minute(now + 23 * 3600))  # tomorrow: not open yet
        if ict(d1[0])[:10] != ict(d1[1])[:10] or ict(d2[0])[:10] != ict(d2[1])[:10] or \
                ict(d3[0])[:10] != ict(d3[1])[:10]:
            # Near midnight in Cambodia: shorter days that stay within one date.
            d2 = (minute(now - 600), minute(now + 600))
            d1 = (d2[0] - 86400, d2[0] - 86400 + 300)
            d3 = (d2[0] + 86400, d2[0] + 86400 + 300)
        wid = add_session(srv, "One-window service", [d1, d2, d3], invite=["learner", "manager"])
        trainer = learner_client(srv, "trainer")
        code2, code1, code3 = code_of(trainer, wid, 2), code_of(trainer, wid, 1), code_of(trainer, wid, 3)
        assert len({code1, code2, code3}) == 3

        # Not logged in: the login page, which comes back to the check-in.
        c = srv.client()
        r = c.get(code2)
        assert r.status == 303 and r.header("Location") == "/login?next=" + urllib.parse.quote(code2, safe=""), \
            r.header("Location")
        c.get("/login?next=" + urllib.parse.quote(code2, safe=""))
        r = c.post("/login", {"username": "learner", "password": "demo-Mekong-4", "next": code2})
        assert r.status == 303 and r.header("Location") == code2
        c.cookies["sala_lang"] = "en"
        r = c.get(code2)
        assert r.status == 200 and "Check me in" in r.text and "One-window service" in r.text
        assert marks(srv, wid) == [], "opening the check-in page must not record anything"
        r = c.post(code2)
        assert r.status == 200 and "You are checked in for day 2" in r.text, r.text[-1500:]
        learner = uid(srv, "learner")
        got = marks(srv, wid)
        assert [(m[0], m[1], m[2], m[3], m[4]) for m in got] == [(learner, 2, "present", "qr", learner)], got

        # Twice: said, and nothing changes.
        r = c.post(code2)
        assert r.status == 409 and "already checked in for day 2" in r.text
        assert marks(srv, wid) == got

        # Another day's code: day 1 (over) and day 3 (not yet) while day 2 is open.
        for code, day in ((code1, 1), (code3, 3)):
            r = c.post(code)
            assert r.status == 409 and "This is the code of day %d, but check-in is open for day 2" % day in r.text, \
                (day, r.status, r.text[-800:])
            r = c.get(code)
            assert r.status == 409 and "Check me in" not in r.text
        assert marks(srv, wid) == got

        # Forged and altered codes: refused whatever part was changed.
        wid_s, day_s, exp_s, mac = code2[len("/checkin/"):].split(".")
        flip = "A" if mac[5] != "A" else "B"
        bad = [
            "/checkin/%s.%s.%s.%s" % (wid_s, day_s, exp_s, mac[:5] + flip + mac[6:]),  # MAC altered
            "/checkin/%s.3.%s.%s" % (wid_s, exp_s, mac),  # day moved
            "/checkin/%s.%s.%d.%s" % (wid_s, day_s, int(exp_s) + 86400, mac),  # expiry moved on
            "/checkin/%d.%s.%s.%s" % (int(wid_s) + 1, day_s, exp_s, mac),  # another session
            "/checkin/%s.%s.%s.%s" % (wid_s, day_s, exp_s, mac[:-2]),  # cut short
            "/checkin/%s.%s.%s" % (wid_s, day_s, exp_s),  # no MAC at all
            "/checkin/%s.0%s.%s.%s" % (wid_s, day_s, exp_s, mac),  # another spelling of the day
        ]
        m2 = learner_client(srv, "manager")
        for b in bad:
            r = m2.post(b)
            assert r.status == 400 and "This check-in code is not valid" in r.text, (b, r.status, r.text[-600:])
        assert marks(srv, wid) == got

        # Someone without a place: told what to do, nothing recorded.
        add_user(srv, "dara", "Dara Chhim", "ឈឹម ដារ៉ា")
        d = learner_client(srv, "dara", PW)
        r = d.post(code2)
        assert r.status == 403 and "You are not registered for this session" in r.text, r.text[-600:]
        assert marks(srv, wid) == got

        # The JSON API: the code or its whole address; then twice.
        m2.api_csrf = m2.csrf_token
        r = m2.api("POST", "/api/v1/checkin", {"code": "http://sala.example" + code2})
        assert r.status == 200, (r.status, r.text)
        j = r.json()
        assert j["session_id"] == wid and j["day"] == 2 and j["status"] == "present" and j["method"] == "qr"
        manager = uid(srv, "manager")
        assert (manager, 2, "present", "qr", manager) in [m[:5] for m in marks(srv, wid)]
        r = m2.api("POST", "/api/v1/checkin", {"code": code2[len("/checkin/"):]})
        assert r.status == 409 and "already checked in" in r.json()["error"]
        r = m2.api("POST", "/api/v1/checkin", {"code": "1.2.3.xyz"})
        assert r.status == 400 and "not valid" in r.json()["error"]
        r = m2.api("POST", "/api/v1/checkin", {})
        assert r.status == 400 and "code" in r.json()["error"]
        before = marks(srv, wid)

        # A cancelled session takes no check-in, even with a code made before.
        sala("sessions", "cancel", str(wid), db=srv.db, env=srv.env, check=True)
        r = d.post(code2)
        assert r.status == 409 and "This session is cancelled" in r.text
        assert marks(srv, wid) == before
        r = trainer.get("/sessions/%d/checkin-code?day=2" % wid)
        assert r.status == 409
    finally:
        srv.stop()


def test_qr_checkin_outside_the_window_and_the_margin_setting():
    srv = Server()
    try:
        now = time.time()
        trainer = learner_client(srv, "trainer")
        c = learner_client(srv, "learner")
        # Starts in 3 hours: not open yet (30 minutes' margin).
        s = minute(now + 3 * 3600)
        if ict(s)[:10] != ict(s + 1800)[:10]:
            s = minute(now + 2 * 3600)
        early = add_session(srv, "Later today", [(s, s + 1800), (s + 86400, s + 86400 + 1800)], invite=["learner"])
        r = c.post(code_of(trainer, early, 1))
        assert r.status == 409 and "Check-in for day 1 opens at" in r.text, r.text[-600:]
        assert marks(srv, early) == []

        # Ended 40 minutes ago, another day next week: closed with the default margin of 30 minutes...
        e = minute(now - 40 * 60)
        day1 = (e - 1800, e)
        if ict(day1[0])[:10] != ict(day1[1])[:10]:
            day1 = (e - 60, e)
        late = add_session(srv, "This morning", [day1, (e + 7 * 86400 - 60, e + 7 * 86400)], invite=["learner"])
        r = c.post(code_of(trainer, late, 1))
        assert r.status == 409 and "Check-in for day 1 closed at" in r.text, r.text[-600:]
        assert marks(srv, late) == []

        # ... and open with a margin of an hour (a code made after the change).
        sala("settings", "set", "checkin_margin_minutes", "60", db=srv.db, env=srv.env, check=True)
        r = c.post(code_of(trainer, late, 1))
        assert r.status == 200 and "You are checked in for day 1" in r.text, r.text[-600:]
        assert [m[1:4] for m in marks(srv, late)] == [(1, "present", "qr")]
        p = sala("settings", "set", "checkin_margin_minutes", "1000", db=srv.db, env=srv.env)
        assert p.returncode != 0 and "checkin_margin_minutes" in p.stderr
        admin = learner_client(srv, "admin")
        assert "checkin_margin_minutes" in admin.get("/admin/settings").text
    finally:
        srv.stop()


def test_sign_in_sheet_pdf_lists_every_registered_name():
    srv = Server()
    tmp = tempfile.mkdtemp()
    try:
        add_user(srv, "malis", "Chea Malis", "ជា ម៉ាលីស")
        add_user(srv, "sophak", "Kim Sophak", "គីម សុភ័ក្ត្រ")
        now = time.time()
        s = minute(now + 86400)
        if ict(s)[:10] != ict(s + 3600)[:10]:  # not across midnight in Cambodia
            s -= 4 * 3600
        wid = add_session(srv, "E-filing for districts", [(s, s + 3600), (s + 86400, s + 86400 + 3600)],
                          invite=["learner", "manager", "malis", "sophak"], capacity=3)
        codes = row_codes(srv, wid)
        registered = [u for u, st in q(srv, "SELECT u.username, p.status FROM workshop_people p JOIN users u ON "
                                            "u.id = p.user_id WHERE p.workshop_id = ?", wid) if st == "registered"]
        assert len(registered) == 3
        waiting = [u for u in codes if u not in registered]
        names = {u: (n, km) for u, n, km in q(srv, "SELECT username, full_name, full_name_km FROM users")}
        trainer = learner_client(srv, "trainer")
        r = trainer.get("/sessions/%d/sheet.pdf?day=2" % wid)
        assert r.status == 200 and r.header("Content-Type") == "application/pdf" and r.body[:5] == b"%PDF-"
        path = os.path.join(tmp, "web.pdf")
        with open(path, "wb") as f:
            f.write(r.body)
        p = sala("sessions", "sheet", str(wid), "--day", "1", "-o", os.path.join(tmp, "cli.pdf"), db=srv.db,
                 env=srv.env, check=True)
        assert "day 1" in p.stdout
        for pdf, day in ((path, 2), (os.path.join(tmp, "cli.pdf"), 1)):
            info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
            assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
            text = subprocess.run(["pdftotext", "-raw", pdf, "-"], capture_output=True, text=True).stdout
            # poppler puts a space inside some shaped Khmer words (ម៉ាលីស comes back as ម៉ា លីស): the names
            # are compared without spaces as well as exactly where poppler keeps them whole.
            flat = re.sub(r"\s+", "", text)
            for u in registered:
                latin, khmer = names[u]
                assert latin in text and codes[u] in text, (u, latin, text)
                assert re.sub(r"\s+", "", khmer) in flat, (u, khmer, text)
                if u != "malis":
                    assert khmer in text, (u, khmer, text)
            for u in waiting:
                assert names[u][0] not in text, "a person on the waiting list is not on the sheet"
            assert "E-filing for districts" in text and "Day %d of 2" % day in text
            code = one(srv, "SELECT code FROM workshops WHERE id = ?", wid)
            assert code in text and "Page 1 of 1" in text
        page = trainer.get("/sessions/%d" % wid).text
        for link in ("sheet.pdf", "keyin", "checkin-code"):
            assert 'href="/sessions/%d/%s"' % (wid, link) in page, link
        r = trainer.get("/sessions/%d/sheet.pdf?day=5" % wid)
        assert r.status == 404
        p = sala("sessions", "sheet", str(wid), "-o", os.path.join(tmp, "nope", "x.pdf"), db=srv.db, env=srv.env)
        assert p.returncode != 0 and "no such folder" in p.stderr
        # Only staff in scope: a learner is refused; to the demo manager, whose units do not hold the venue,
        # the session does not exist (as on the session pages).
        assert learner_client(srv, "learner").get("/sessions/%d/sheet.pdf" % wid).status == 403
        r = learner_client(srv, "manager").get("/sessions/%d/sheet.pdf" % wid)
        assert r.status == 404 and "No such session." in r.text
    finally:
        srv.stop()


def test_sheet_keyed_in_by_row_code_all_or_nothing():
    srv = Server()
    try:
        add_user(srv, "malis", "Chea Malis", "ជា ម៉ាលីស")
        add_user(srv, "vanna", "Ros Vanna", "រស់ វណ្ណា")
        now = time.time()
        s = minute(now - 3 * 86400)
        if ict(s)[:10] != ict(s + 3600)[:10]:  # not across midnight in Cambodia
            s -= 4 * 3600
        wid = add_session(srv, "Commune budgets", [(s, s + 3600), (s + 86400, s + 86400 + 3600)],
                          invite=["learner", "manager", "malis"])
        codes = row_codes(srv, wid)
        trainer = learner_client(srv, "trainer")
        r = trainer.get("/sessions/%d/keyin?day=2" % wid)
        assert r.status == 200 and all(codes[u] in r.text for u in codes)
        assert "Chea Malis" in r.text and 'name="codes_present"' in r.text

        # An unknown code and a code of someone else's session: named, nothing recorded.
        other = add_session(srv, "Other session", [(s, s + 3600)], invite=["vanna"])
        foreign = row_codes(srv, other)["vanna"]
        if foreign in codes.values():
            foreign = "ZZZZ"
        r = trainer.post("/sessions/%d/keyin" % wid,
                         {"day": "2", "codes_present": "%s, QQ77 %s" % (codes["learner"], foreign)})
        assert r.status == 422 and "Nothing was recorded." in r.text and "QQ77" in r.text and foreign in r.text
        assert "Unknown row codes" in r.text and codes["learner"] + "," not in r.text.split("Unknown row codes")[1][:40]
        assert marks(srv, wid) == []
        # The same code given two marks: refused too.
        r = trainer.post("/sessions/%d/keyin" % wid, {"day": "2", "codes_present": codes["learner"],
                                                      "codes_absent": codes["learner"]})
        assert r.status == 422 and "Given twice with different marks" in r.text
        assert marks(srv, wid) == []

        # Typed (any case, any separators) and ticked in one submit.
        r = trainer.post("/sessions/%d/keyin" % wid, {
            "day": "2", "codes_present": " %s\n" % codes["learner"].lower(), "codes_absent": codes["manager"],
            "m.%s" % codes["malis"]: "excused"})
        assert r.status == 303 and "recorded=3" in r.header("Location"), (r.status, r.text[-600:])
        t = uid(srv, "trainer")
        got = {(m[0], m[1]): (m[2], m[3], m[4]) for m in marks(srv, wid)}
        assert got == {(uid(srv, "learner"), 2): ("present", "sheet", t), (uid(srv, "manager"), 2): ("absent", "sheet", t),
                       (uid(srv, "malis"), 2): ("excused", "sheet", t)}, got
        r = trainer.get(r.header("Location"))
        assert r.status == 200 and "Recorded 3 marks." in r.text
        # The marks are shown as recorded, and nothing is chosen beforehand (a resubmit records nothing new).
        assert "Present (from the sign-in sheet)" in r.text and "Excused (from the sign-in sheet)" in r.text
        assert " checked>" not in r.text
        # Scope: the learner and the out-of-scope manager cannot key in.
        assert learner_client(srv, "learner").post("/sessions/%d/keyin" % wid,
                                                   {"day": "1", "codes_present": codes["learner"]}).status == 403
        assert learner_client(srv, "manager").post("/sessions/%d/keyin" % wid,
                                                   {"day": "1", "codes_present": codes["learner"]}).status == 404
        assert len(marks(srv, wid)) == 3
    finally:
        srv.stop()


def test_attendance_import_all_or_nothing_with_every_bad_line():
    srv = Server()
    tmp = tempfile.mkdtemp()
    try:
        now = time.time()
        s = minute(now - 5 * 86400)
        if ict(s)[:10] != ict(s + 3600)[:10]:
            s -= 4 * 3600
        wid = add_session(srv, "Imported", [(s, s + 3600), (s + 86400, s + 86400 + 3600)],
                          invite=["learner", "manager"])
        d1, d2 = ict(s)[:10], ict(s + 86400)[:10]
        bad = os.path.join(tmp, "bad.csv")
        with open(bad, "w") as f:
            f.write("session_id,username,date,status\n"
                    "%d,learner,%s,present\n"  # 2: fine
                    "999,learner,%s,present\n"  # 3: unknown session
                    "%d,nobody,%s,present\n"  # 4: unknown user
                    "%d,admin,%s,absent\n"  # 5: not registered
                    "%d,manager,2001-01-01,present\n"  # 6: not a day of the session
                    "%d,manager,%s,late\n"  # 7: bad status
                    "%d,learner,%s,absent\n"  # 8: duplicate of 2
                    % (wid, d1, d1, wid, d1, wid, d1, wid, wid, d2, wid, d1))
        p = sala("attendance", "import", bad, db=srv.db, env=srv.env)
        assert p.returncode == 1
        for line, why in ((3, "unknown session 999"), (4, "unknown user 'nobody'"),
                          (5, "'admin' is not registered for session %d" % wid),
                          (6, "2001-01-01 is not a day of session %d" % wid),
                          (7, "status 'late' is not present, absent or excused"),
                          (8, "duplicate row: the same session, user and date as line 2")):
            assert "%s:%d: %s" % (bad, line, why) in p.stderr, (line, p.stderr)
        assert "%s:2:" % bad not in p.stderr and "6 bad rows: nothing imported" in p.stderr
        assert marks(srv, wid) == []

        good = os.path.join(tmp, "good.csv")
        with open(good, "w") as f:
            f.write("session_id,username,date,status\n%d,learner,%s,present\n%d,learner,%s,excused\n"
                    "%d,manager,%s,absent\n" % (wid, d1, wid, d2, wid, d1))
        p = sala("attendance", "import", good, db=srv.db, env=srv.env, check=True)
        assert "imported 3 attendance marks" in p.stdout
        got = sorted((m[0], m[1], m[2], m[3], m[4]) for m in marks(srv, wid))
        L, M = uid(srv, "learner"), uid(srv, "manager")
        assert got == sorted([(L, 1, "present", "import", None), (L, 2, "excused", "import", None),
                              (M, 1, "absent", "import", None)]), got

        hdr = os.path.join(tmp, "hdr.csv")
        with open(hdr, "w") as f:
            f.write("session,username,date,status\n%d,learner,%s,present\n" % (wid, d1))
        p = sala("attendance", "import", hdr, db=srv.db, env=srv.env)
        assert p.returncode == 1 and "%s:1: missing column 'session_id'" % hdr in p.stderr
    finally:
        srv.stop()
