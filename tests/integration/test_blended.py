"""Blended training against the real server: completion rules with attendance (a workshop-only course
issues a verifiable certificate; a blended course needs its quiz and its days; `sala check` refuses bad
rules with FILE:LINE), reaction surveys (answered once, stored without the person, results hidden below
5 respondents overall and for each sex, shown at 5) and the per-session attendance report (on screen and
CSV, manager scope)."""
import csv
import io
import json
import os
import re
import shutil
import tempfile

from harness import SRC, Server, connect, sala

DATA = os.path.join(SRC, "tests", "data", "blended")
PASSWORD = "rice-field-2031"


def add_user(srv, username, sex="female", org="171001", role="learner"):
    sala("user", "add", "--username", username, "--name", "Person " + username, "--org", org, "--sex", sex,
         "--role", role, "--password", PASSWORD, db=srv.db, check=True)


def add_session(srv, course, days, invite=(), capacity=0, title="E-filing for district clerks"):
    args = ["sessions", "add", "--title", title, "--org", "17", "--trainer", "trainer", "--capacity",
            str(capacity)]
    if course:
        args += ["--course", course]
    for d in days:
        args += ["--day", d]
    for u in invite:
        args += ["--invite", u]
    p = sala(*args, db=srv.db, check=True)
    return int(re.search(r"added session (\d+)", p.stdout).group(1))


def import_course(srv, name):
    sala("import", os.path.join(DATA, name), db=srv.db, check=True)


def user_id(srv, username):
    db = connect(srv.db)
    try:
        return db.execute("SELECT id FROM users WHERE username = ?", (username,)).fetchone()[0]
    finally:
        db.close()


def insert_marks(srv, sid, marks):
    """Attendance rows straight into the database (for the survey and report tests, which read them):
    [(username, day, status, method)]."""
    db = connect(srv.db)
    try:
        for username, day, status, method in marks:
            uid = db.execute("SELECT id FROM users WHERE username = ?", (username,)).fetchone()[0]
            db.execute("INSERT INTO attendance(workshop_id, user_id, day, status, method, marked_by, marked_at) "
                       "VALUES (?, ?, ?, ?, ?, NULL, 1767600000)", (sid, uid, day, status, method))
        db.commit()
    finally:
        db.close()


def mark(srv, sid, username, day, status="present"):
    """A mark through the product (the trainer's attendance API), which re-checks completion."""
    c, h = api_login(srv, "trainer", "demo-Bayon-2")
    r = c.request("POST", "/api/v1/sessions/%d/days/%d/attendance" % (sid, day),
                  json.dumps({status: [username]}).encode(), headers=h)
    assert r.status == 200, r.text


def api_login(srv, username, password=PASSWORD):
    c = srv.client()
    r = c.api("POST", "/api/v1/login", {"username": username, "password": password})
    assert r.status == 200, r.text
    return c, {"Authorization": "Bearer " + r.json()["token"], "Content-Type": "application/json"}


def progress_of(srv, username, course, password=PASSWORD):
    c, h = api_login(srv, username, password)
    courses = c.request("GET", "/api/v1/progress?lang=en", headers=h).json()["courses"]
    return next((x for x in courses if x["id"] == course), None)


def write_package(root, yml, files=None):
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "course.yml"), "w") as f:
        f.write(yml)
    for path, text in (files or {}).items():
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        with open(os.path.join(root, path), "w") as f:
            f.write(text)


HEAD = "id: rules\nversion: 1.0.0\nlanguage: en\ntitle: Rules\n"


def test_check_refuses_bad_rules_with_file_and_line():
    d = tempfile.mkdtemp()
    try:
        ok = os.path.join(d, "ok")
        write_package(ok, HEAD + "completion: attendance\nattendance_days: 2\nsurvey: s.md\n",
                      {"s.md": "# Survey\n\n- Useful.\n- Clear.\n"})
        p = sala("check", ok)
        assert p.returncode == 0 and p.stdout.startswith("ok: rules 1.0.0 (en): 0 lessons"), p.stdout + p.stderr
        bad = os.path.join(d, "bad")
        write_package(bad, HEAD + "completion: all+quizzes\nattendance_days: 0\nsurvey: s.md\nlessons:\n"
                      "  - file: a.md\n", {"a.md": "# A\n", "s.md": "- One\n\nA paragraph.\n"})
        p = sala("check", bad)
        assert p.returncode == 1
        lines = p.stdout.splitlines()
        assert lines == [
            "course.yml:5: completion 'all+quizzes' must be all, quizzes, attendance, all+attendance or "
            "quizzes+attendance (or a list such as [quizzes, attendance])",
            "course.yml:6: attendance_days '0' must be a whole number of days from 1 to 100",
            "course.yml:6: attendance_days needs attendance in completion (e.g. completion: attendance)",
            "s.md:3: a survey is an optional '# ' title and one list of statements ('- ...'), nothing else",
        ], p.stdout
        # Online completion still needs lessons; attendance alone does not.
        none = os.path.join(d, "none")
        write_package(none, HEAD + "completion: quizzes\n")
        p = sala("check", none)
        assert p.returncode == 1 and "course.yml:1: missing required key 'lessons'" in p.stdout
        missing = os.path.join(d, "missing")
        write_package(missing, HEAD + "completion: [attendance, quizzes]\nsurvey: gone.md\nlessons:\n"
                      "  - file: a.md\n", {"a.md": "# A\n"})
        p = sala("check", missing)
        assert p.returncode == 1 and p.stdout.splitlines() == ["course.yml:6: survey 'gone.md' not found"]
    finally:
        shutil.rmtree(d)


def test_workshop_only_course_issues_a_verifiable_certificate():
    with Server() as srv:
        import_course(srv, "ws-only")
        add_user(srv, "vanna")
        sid = add_session(srv, "ws-only", ["2026-01-05 08:00-16:00", "2026-01-06 08:00-12:00"], invite=["vanna"])
        p = progress_of(srv, "vanna", "ws-only")
        assert p is None or p["status"] != "complete"
        mark(srv, sid, "vanna", 1)
        p = progress_of(srv, "vanna", "ws-only")
        f2f = p["face_to_face"]
        assert p["status"] != "complete"
        assert f2f["required"] is True and f2f["days_present"] == 1 and f2f["days_required"] == 2
        assert f2f["met"] is False and [s["session_id"] for s in f2f["sessions"]] == [sid]
        mark(srv, sid, "vanna", 2)
        p = progress_of(srv, "vanna", "ws-only")
        assert p["status"] == "complete" and p["face_to_face"]["met"] is True
        c, h = api_login(srv, "vanna")
        certs = c.request("GET", "/api/v1/certificates", headers=h).json()["certificates"]
        mine = [x for x in certs if x["course_id"] == "ws-only"]
        assert len(mine) == 1, certs
        code = mine[0]["links"]["verify"].rsplit("/", 1)[1]
        p = sala("cert", "verify", code, db=srv.db)
        assert p.returncode == 0, p.stdout + p.stderr
        r = srv.client().get("/verify/" + code)
        assert r.status == 200 and "District e-filing workshop" in r.text
        # The course page shows the face-to-face part.
        w = srv.client()
        w.login("vanna", PASSWORD)
        page = w.get("/courses/ws-only?lang=en").text
        assert "Face-to-face sessions" in page and "Days attended: 2 of 2 required." in page


def pass_final(srv, username, course="blended"):
    c, h = api_login(srv, username)
    path = "quizzes/final.md"
    a = c.request("POST", "/api/v1/courses/%s/quiz/%s/attempts?lang=en" % (course, path), headers=h).json()
    q = a["questions"][0]
    right = [o for o in q["options"] if "once-only" in o["text"]][0]
    r = c.request("PUT", "/api/v1/attempts/%d/answers" % a["id"],
                  json.dumps({"answers": {q["key"]: str(right["id"])}}).encode(), headers=h)
    assert r.status == 200, r.text
    r = c.request("POST", "/api/v1/attempts/%d/submit" % a["id"], b"", headers=h)
    assert r.status == 200 and r.json()["passed"] is True, r.text


def test_blended_course_needs_the_quiz_and_the_days():
    with Server() as srv:
        import_course(srv, "blended")
        add_user(srv, "dara", sex="male")
        add_user(srv, "sokha")
        sid = add_session(srv, "blended", ["2026-01-05 08:00-16:00", "2026-01-06 08:00-16:00"],
                          invite=["dara", "sokha"])
        # Quiz first: not complete until both days are attended.
        pass_final(srv, "dara")
        p = progress_of(srv, "dara", "blended")
        assert p["status"] != "complete" and p["face_to_face"]["days_present"] == 0
        assert p["face_to_face"]["days_required"] == 2
        mark(srv, sid, "dara", 1)
        assert progress_of(srv, "dara", "blended")["status"] != "complete"
        mark(srv, sid, "dara", 2)
        assert progress_of(srv, "dara", "blended")["status"] == "complete"
        # Days first: not complete until the quiz is passed.
        mark(srv, sid, "sokha", 1)
        mark(srv, sid, "sokha", 2)
        p = progress_of(srv, "sokha", "blended")
        assert p["status"] != "complete" and p["face_to_face"]["met"] is True
        pass_final(srv, "sokha")
        assert progress_of(srv, "sokha", "blended")["status"] == "complete"


PEOPLE = [("f1", "female"), ("f2", "female"), ("f3", "female"), ("f4", "female"), ("m1", "male"),
          ("f5", "female"), ("m2", "male")]


def results(srv, sid, who="trainer", password="demo-Bayon-2"):
    c, h = api_login(srv, who, password)
    return c.request("GET", "/api/v1/surveys/workshop/%d/results" % sid, headers=h)


def test_survey_once_anonymous_and_hidden_below_five():
    with Server() as srv:
        import_course(srv, "ws-only")
        for name, sex in PEOPLE:
            add_user(srv, name, sex=sex)
        add_user(srv, "late")
        sid = add_session(srv, "ws-only", ["2026-01-05 08:00-16:00"], invite=[n for n, _ in PEOPLE] + ["late"])
        insert_marks(srv, sid, [(n, 1, "present", "trainer") for n, _ in PEOPLE] + [("late", 1, "absent", "sheet")])
        # Pending: the course's statements, for those present only.
        c, h = api_login(srv, "f1")
        got = c.request("GET", "/api/v1/surveys?lang=en", headers=h).json()["surveys"]
        assert [s["subject"] for s in got] == ["workshop:%d" % sid]
        assert got[0]["statements"][0] == "The workshop showed me how to file a case online."
        assert len(got[0]["statements"]) == 3 and got[0]["heading"] == "About the e-filing workshop"
        cl, hl = api_login(srv, "late")
        assert cl.request("GET", "/api/v1/surveys", headers=hl).json()["surveys"] == []
        r = cl.request("POST", "/api/v1/surveys/workshop/%d" % sid, json.dumps({"answers": [5, 5, 5]}).encode(),
                       headers=hl)
        assert r.status == 404
        # Bad answers are refused and change nothing.
        for bad in ({"answers": [6, 1, 1]}, {"answers": [1, 1]}, {"answers": [None, None, None]},
                    {"answers": [1, 1, 1], "comment": 5}):
            r = c.request("POST", "/api/v1/surveys/workshop/%d" % sid, json.dumps(bad).encode(), headers=h)
            assert r.status == 400, (bad, r.status, r.text)
        # Four answers (three through the API, one through the form): nothing shown.
        firsts = {"f1": 5, "f2": 4, "f3": 3}
        for name, first in firsts.items():
            cc, hh = api_login(srv, name)
            r = cc.request("POST", "/api/v1/surveys/workshop/%d" % sid,
                           json.dumps({"answers": [first, None, 2], "comment": "from " + name}).encode(), headers=hh)
            assert r.status == 201 and r.json() == {"saved": True}, r.text
        r = c.request("POST", "/api/v1/surveys/workshop/%d" % sid, json.dumps({"answers": [1, 1, 1]}).encode(),
                      headers=h)
        assert r.status == 409
        w = srv.client()
        w.login("f4", PASSWORD)
        my = w.get("/my?lang=en").text
        assert "/surveys/workshop/%d" % sid in my and "Tell us what you thought" in my
        form = w.get("/surveys/workshop/%d?lang=en" % sid)
        assert form.status == 200 and 'name="q3"' in form.text and 'name="q4"' not in form.text
        r = w.post("/surveys/workshop/%d" % sid, {"q1": "2", "q3": "2", "comment": "from f4"})
        assert r.status == 303 and r.header("Location") == "/surveys?done=1"
        assert "/surveys/workshop/%d" % sid not in w.get("/my?lang=en").text
        again = w.post("/surveys/workshop/%d" % sid, {"q1": "5"})
        assert again.status == 409
        res = results(srv, sid).json()
        assert res["all"] == {"respondents": 4, "shown": False, "means": None, "score": None}
        assert res["comments"] is None
        t = srv.client()
        t.login("trainer")
        page = t.get("/surveys/workshop/%d/results?lang=en" % sid).text
        assert "fewer than 5 responses" in page and "from f1" not in page
        # The fifth (a man): the whole group is shown, women (4) and men (1) are not.
        cm, hm = api_login(srv, "m1")
        r = cm.request("POST", "/api/v1/surveys/workshop/%d" % sid, json.dumps({"answers": [1, 4, 2]}).encode(),
                       headers=hm)
        assert r.status == 201
        res = results(srv, sid).json()
        assert res["all"]["respondents"] == 5 and res["all"]["shown"] is True
        # First statement: 5, 4, 3, 2, 1; second: only m1's 4; third: 2 from everyone.
        assert res["all"]["means"] == [3.0, 4.0, 2.0]
        assert res["by_sex"]["female"] == {"respondents": 4, "shown": False, "means": None, "score": None}
        assert res["by_sex"]["male"]["shown"] is False and res["by_sex"]["male"]["respondents"] == 1
        assert sorted(res["comments"]) == ["from f1", "from f2", "from f3", "from f4"]
        page = t.get("/surveys/workshop/%d/results?lang=en" % sid).text
        assert "3.0" in page and "from f2" in page and "fewer than 5 responses" in page
        # The table scrolls on its own on a phone, in a region the keyboard can reach (as report tables do).
        assert re.search(r'<div class="table-scroll" tabindex="0" role="region" aria-label="Mean answer by '
                         r'statement"><table><caption>Mean answer by statement</caption>', page), page
        # In Khmer, the counts and means in Khmer digits (the comments are the respondents' own words).
        km = t.get("/surveys/workshop/%d/results?lang=km" % sid).text
        table = re.search(r"<table>.*?</table>", km, re.S).group(0)
        assert "៣.០" in table and "(៥)" in table and not re.search("[0-9]", re.sub(r"<[^>]+>", "", table)), table
        # A fifth woman: five women beside one man; the women's figures with the whole's would give the
        # man's answers, so they stay hidden too. A sixth man makes the others (the men) two: still hidden.
        cf, hf = api_login(srv, "f5")
        assert cf.request("POST", "/api/v1/surveys/workshop/%d" % sid, json.dumps({"answers": [5, 5, 5]}).encode(),
                          headers=hf).status == 201
        res = results(srv, sid).json()
        assert res["by_sex"]["female"] == {"respondents": 5, "shown": False, "means": None, "score": None}
        assert res["by_sex"]["male"]["shown"] is False and res["all"]["respondents"] == 6
        # Stored without the person: no column names a user, the day only; survey_done says who answered.
        db = connect(srv.db)
        try:
            rows = db.execute("SELECT * FROM survey_responses WHERE subject = ?", ("workshop:%d" % sid,)).fetchall()
            assert len(rows) == 6 and all(len(row) == 8 for row in rows)
            # id, subject, sex, org_id, submitted_at (a day), answers, score, comment
            assert all(row[4] % 86400 == 0 for row in rows)
            assert sorted(row[2] for row in rows) == ["female"] * 5 + ["male"]
            done = db.execute("SELECT count(*) FROM survey_done WHERE subject = ?", ("workshop:%d" % sid,)).fetchone()
            assert done[0] == 6
        finally:
            db.close()
        # Scope: a learner may not see results; a manager of another province sees no such session;
        # the manager of the venue's province does.
        cl, hl = api_login(srv, "f1")
        assert cl.request("GET", "/api/v1/surveys/workshop/%d/results" % sid, headers=hl).status == 404
        add_user(srv, "pp-manager", org="12", role="manager;learner")
        assert results(srv, sid, "pp-manager", PASSWORD).status == 404
        assert results(srv, sid, "manager", "demo-Kampot-3").status == 200
        # A sex group of 5 with no one else is shown: five women at another session.
        women = ["w%d" % i for i in range(5)]
        for name in women:
            add_user(srv, name)
        other = add_session(srv, None, ["2026-01-07 08:00-16:00"], invite=women, title="Women's session")
        insert_marks(srv, other, [(n, 1, "present", "qr") for n in women])
        for i, name in enumerate(women):
            cw, hw = api_login(srv, name)
            r = cw.request("POST", "/api/v1/surveys/workshop/%d" % other,
                           json.dumps({"answers": [i + 1, 4, 4, 4, 4]}).encode(), headers=hw)
            assert r.status == 201, r.text  # no course: the built-in survey of five statements
        res = results(srv, other).json()
        assert res["by_sex"]["female"]["shown"] is True and res["by_sex"]["female"]["means"][0] == 3.0
        assert res["all"]["means"] == [3.0, 4.0, 4.0, 4.0, 4.0] and res["by_sex"]["male"]["shown"] is False


def test_session_attendance_report_on_screen_and_csv():
    with Server() as srv:
        for name, sex in (("ana", "female"), ("bo", "male"), ("chea", "female")):
            add_user(srv, name, sex=sex)
        sid = add_session(srv, None, ["2026-01-05 08:00-16:00", "2026-01-06 08:00-12:00"],
                          invite=["ana", "bo", "chea"], capacity=2, title="Report session")
        insert_marks(srv, sid, [("ana", 1, "present", "qr"), ("ana", 2, "present", "sheet"),
                                ("bo", 1, "excused", "import"), ("bo", 2, "absent", "trainer")])
        t = srv.client()
        t.login("trainer")
        r = t.get("/sessions/%d/report?lang=en" % sid)
        assert r.status == 200, r.text[:300]
        page = r.text
        for text in ("Person ana", "Person bo", "Person chea", "present <span class=\"meta\">(qr)</span>",
                     "present <span class=\"meta\">(sheet)</span>", "excused <span class=\"meta\">(import)</span>",
                     "<li>Invited: 3</li>", "<li>Registered: 2</li>", "<li>On the waiting list: 1</li>",
                     "<li>Attended at least one day: 1</li>"):
            assert text in page, text
        r = t.get("/sessions/%d/report.csv" % sid)
        assert r.status == 200 and r.header("Content-Type").startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        by = {row["username"]: row for row in rows}
        assert set(by) == {"ana", "bo", "chea"}
        assert by["ana"]["day1"] == "present" and by["ana"]["day1_method"] == "qr"
        assert by["ana"]["day2_method"] == "sheet" and by["ana"]["days_present"] == "2"
        assert by["bo"]["day1"] == "excused" and by["bo"]["day2"] == "absent" and by["bo"]["days_present"] == "0"
        assert by["chea"]["status"] == "waitlisted" and by["chea"]["day1"] == "" and by["chea"]["invited"] == "yes"
        # Manager scope: the venue's province yes, another province and a learner no.
        m = srv.client()
        m.login("manager")
        assert m.get("/sessions/%d/report.csv" % sid).status == 200
        add_user(srv, "pp-manager", org="12", role="manager;learner")
        o = srv.client()
        o.login("pp-manager", PASSWORD)
        assert o.get("/sessions/%d/report" % sid).status == 404
        assert o.get("/sessions/%d/report.csv" % sid).status == 404
        ln = srv.client()
        ln.login("ana", PASSWORD)
        assert ln.get("/sessions/%d/report" % sid).status == 404


def test_course_survey_after_online_completion_in_manager_scope():
    d = tempfile.mkdtemp()
    try:
        pkg = os.path.join(d, "read-one")
        write_package(pkg, "id: read-one\nversion: 1.0.0\nlanguage: en\ntitle: Read one\ncertificate: false\n"
                      "survey: feedback.md\nlessons:\n  - file: one.md\n",
                      {"one.md": "# One\n\nRead me.\n", "feedback.md": "- Clear.\n- Useful.\n"})
        with Server() as srv:
            sala("import", pkg, db=srv.db, check=True)
            names = ["r%d" % i for i in range(5)]
            for name in names:
                add_user(srv, name)
            c, h = api_login(srv, names[0])
            assert c.request("GET", "/api/v1/surveys", headers=h).json()["surveys"] == []
            for i, name in enumerate(names):
                cc, hh = api_login(srv, name)
                r = cc.request("GET", "/api/v1/courses/read-one/lessons/one.md?lang=en", headers=hh)
                assert r.status == 200
                got = cc.request("GET", "/api/v1/surveys?lang=en", headers=hh).json()["surveys"]
                assert [(s["subject"], s["kind"], s["statements"]) for s in got] == [
                    ("course:read-one", "course", ["Clear.", "Useful."])]
                r = cc.request("POST", "/api/v1/surveys/course/read-one",
                               json.dumps({"answers": [i + 1, 5], "comment": ""}).encode(), headers=hh)
                assert r.status == 201, r.text
            r = c.request("POST", "/api/v1/surveys/course/read-one", json.dumps({"answers": [1, 1]}).encode(),
                          headers=h)
            assert r.status == 409
            # Everyone answered from commune 171001, in the manager's province (17): shown to them and to
            # a trainer; a manager of another province sees no respondent.
            for who, password in (("manager", "demo-Kampot-3"), ("trainer", "demo-Bayon-2")):
                cm, hm = api_login(srv, who, password)
                res = cm.request("GET", "/api/v1/surveys/course/read-one/results", headers=hm).json()
                assert res["all"]["respondents"] == 5 and res["all"]["means"] == [3.0, 5.0], (who, res)
            add_user(srv, "pp-manager", org="12", role="manager;learner")
            co, ho = api_login(srv, "pp-manager")
            res = co.request("GET", "/api/v1/surveys/course/read-one/results", headers=ho).json()
            assert res["all"] == {"respondents": 0, "shown": False, "means": None, "score": None}
            assert co.request("GET", "/api/v1/surveys/course/read-one/results", headers=h).status == 403
            t = srv.client()
            t.login("trainer")
            assert "/surveys/course/read-one/results" in t.get("/courses/read-one?lang=en").text
    finally:
        shutil.rmtree(d)
