"""Essay questions graded by trainers, through the real server: a learner writes an essay in a final
quiz, the attempt awaits grading (no completion, no certificate), a trainer in the learner's org
subtree sees it in the grading queue and grades it, a trainer outside it gets 403, the learner sees
the grade and comment, and the course is completed with its certificate only then. The same through
the JSON API, and item analysis counting the graded essay."""
import json
import os
import re
import shutil
import tempfile

from harness import SRC, Server, sala
from learnutil import one
from test_observability import events

# The course of tests/data/essay-course (also the browser test's): a final quiz, pass mark 75, with one
# choice question and an essay out of 10 points.
COURSE = os.path.join(SRC, "tests", "data", "essay-course")
QUIZ = "/courses/essay-test/quiz/quizzes/final.md"
ESSAY = "Citizens <script>alert(1)</script> get **many** services\nin one place: ការិយាល័យច្រកចេញចូលតែមួយ."


def setup_server():
    tmp = os.path.join(tempfile.mkdtemp(), "course")
    shutil.copytree(COURSE, tmp)
    srv = Server()
    out = sala("check", tmp)
    assert out.returncode == 0 and "warning" not in out.stdout + out.stderr, out.stdout + out.stderr
    sala("import", tmp, db=srv.db, env=srv.env, check=True)
    # A trainer of Siem Reap province (the demo learner's commune is in it); the demo trainer is in the
    # Ministry of Interior, outside it.
    sala("user", "add", "--username", "srtrainer", "--name", "Siem Reap Trainer", "--org", "17", "--role",
         "trainer;learner", "--password", "Correct-horse-9", db=srv.db, check=True)
    shutil.rmtree(tmp, ignore_errors=True)
    return srv


def certificates(srv):
    return one(srv, "SELECT count(*) FROM certificates c JOIN users u ON u.id = c.user_id "
               "WHERE u.username = 'learner' AND c.course_id = 'essay-test'")


def enrolment(srv):
    return (one(srv, "SELECT best_final FROM enrolments e JOIN users u ON u.id = e.user_id "
                "WHERE u.username = 'learner' AND e.course_id = 'essay-test'"),
            one(srv, "SELECT completed_at FROM enrolments e JOIN users u ON u.id = e.user_id "
                "WHERE u.username = 'learner' AND e.course_id = 'essay-test'"))


def test_essay_graded_in_the_browser_pages():
    srv = setup_server()
    try:
        c = srv.client()
        c.login("learner")
        assert c.get(QUIZ).status == 200
        r = c.post(QUIZ + "/start")
        assert r.status == 303, (r.status, r.text[:300])
        aid = int(re.match(r"^/attempts/(\d+)$", r.header("Location")).group(1))
        page = c.get("/attempts/%d?lang=en" % aid).text
        assert '<textarea id="f-q1" name="q1" rows="10" maxlength="20000"' in page, page
        assert "graded by a trainer out of 10 points" in page
        # Saved (a weak connection loses nothing) and shown back as written, escaped.
        r = c.post("/attempts/%d/save" % aid, {"q0": "1", "q1": ESSAY})
        assert r.status == 303, (r.status, r.text[:300])
        page = c.get("/attempts/%d?lang=en" % aid).text
        assert "Citizens &lt;script&gt;alert(1)&lt;/script&gt; get **many** services\nin one place" in page
        assert "<script>alert(1)" not in page
        # Too long: a clear message, nothing changed.
        r = c.post("/attempts/%d/submit" % aid, {"q0": "1", "q1": "a" * 60001})
        assert r.status == 413 and "យ៉ាងច្រើន ២០០០០ តួអក្សរ" in r.text, (r.status, r.text[:300])  # the learner reads Khmer
        assert one(srv, "SELECT submitted_at FROM attempts WHERE id = ?", aid) is None
        r = c.post("/attempts/%d/submit" % aid, {"q0": "1", "q1": ESSAY})
        assert r.status == 303, (r.status, r.text[:300])
        # Scored on the automatic part (1 of 2 questions), awaiting grading, not passed, nothing completed.
        res = c.get("/attempts/%d?lang=en" % aid).text
        assert "Awaiting grading: a trainer will grade your written answers. Your score so far, without them, " \
            "is 50%." in res, res
        assert 'data-status="awaiting"' in res
        assert one(srv, "SELECT pending FROM attempts WHERE id = ?", aid) == 1
        assert one(srv, "SELECT passed FROM attempts WHERE id = ?", aid) == 0
        assert enrolment(srv) == (None, None)
        assert certificates(srv) == 0

        # A trainer outside the learner's org subtree: not in their queue, 403 on the attempt.
        other = srv.client()
        other.login("trainer")
        q = other.get("/manage/courses/essay-test/grading?lang=en")
        assert q.status == 200 and 'data-attempt="%d"' % aid not in q.text
        assert "No written answers are awaiting grading." in q.text
        assert other.get("/manage/courses/essay-test/grading/%d" % aid).status == 403
        r = other.post("/manage/courses/essay-test/grading/%d" % aid, {"question": "1", "points": "10"})
        assert r.status == 403
        assert one(srv, "SELECT pending FROM attempts WHERE id = ?", aid) == 1
        # A learner cannot reach the pages at all.
        assert c.get("/manage/courses/essay-test/grading").status in (403, 404)

        t = srv.client()
        t.login("srtrainer", "Correct-horse-9")
        q = t.get("/manage/courses/essay-test/grading?lang=en")
        assert q.status == 200 and 'data-attempt="%d"' % aid in q.text, q.text
        assert "Srey Sokha" in q.text
        g = t.get("/manage/courses/essay-test/grading/%d?lang=en" % aid)
        assert g.status == 200
        assert "Citizens &lt;script&gt;alert(1)&lt;/script&gt; get **many** services\nin one place" in g.text
        assert "<script>alert(1)" not in g.text
        # Out of range: a clear message, nothing changed.
        r = t.post("/manage/courses/essay-test/grading/%d" % aid, {"question": "1", "points": "11"})
        assert r.status == 400 and "ពិន្ទុត្រូវតែជាលេខពី 0 ដល់ 10" in r.text  # in the trainer's Khmer
        r = t.post("/manage/courses/essay-test/grading/%d" % aid, {"question": "1", "points": "abc"})
        assert r.status == 400 and "សូមបញ្ចូលពិន្ទុជាលេខ" in r.text
        assert one(srv, "SELECT pending FROM attempts WHERE id = ?", aid) == 1
        # 4 of 10: final at (1 + 0.4) / 2 = 70%, below 75: not passed, no certificate.
        r = t.post("/manage/courses/essay-test/grading/%d" % aid,
                   {"question": "1", "points": "4", "comment": "Name the <services>."})
        assert r.status == 303, (r.status, r.text[:300])
        assert one(srv, "SELECT score FROM attempts WHERE id = ?", aid) == 70
        assert one(srv, "SELECT pending FROM attempts WHERE id = ?", aid) == 0
        assert enrolment(srv) == (70, None)
        assert certificates(srv) == 0
        res = c.get("/attempts/%d?lang=en" % aid).text
        assert "You scored 70%. The pass mark is 75%." in res, res
        assert "Graded: 4 of 10 points" in res and "Name the &lt;services&gt;." in res
        # Corrected to 8 (the last grade counts): 90%, passed; completion and certificate in the same write.
        r = t.post("/manage/courses/essay-test/grading/%d" % aid,
                   {"question": "1", "points": "8", "comment": "Good: services and times."})
        assert r.status == 303
        assert one(srv, "SELECT score FROM attempts WHERE id = ?", aid) == 90
        best, completed = enrolment(srv)
        assert best == 90 and completed
        assert certificates(srv) == 1
        res = c.get("/attempts/%d?lang=en" % aid).text
        assert "You scored 90% and passed (pass mark 75%)." in res
        assert "Graded: 8 of 10 points" in res and "Good: services and times." in res
        assert "Name the" not in res
        # The change is in the audit log, with the earlier grade.
        grades = events(srv, "audit", action="essay.grade", target="attempt:%d" % aid)
        regrades = events(srv, "audit", action="essay.regrade", target="attempt:%d" % aid)
        assert len(grades) == 1 and grades[0].get("actor") == "srtrainer", grades
        assert len(regrades) == 1 and "points=8" in regrades[0].get("detail", "") and \
            "was=4" in regrades[0].get("detail", ""), regrades
        # Item analysis counts the graded essay (8 of 10 is not full marks) and never lists the essay text.
        items = t.get("/manage/courses/essay-test/items?lang=en").text
        row = re.search(r'<tr data-question="2">.*?</tr>', items, re.S).group(0)
        assert 'data-stat="all" data-right="0" data-n="1"' in row, row
        assert "Citizens" not in items
    finally:
        srv.stop()


def bearer(token):
    return {"Authorization": "Bearer " + token, "Content-Type": "application/json"}


def api_login(srv, user, password):
    r = srv.client().request("POST", "/api/v1/login", body=json.dumps({"username": user, "password": password}),
                             headers={"Content-Type": "application/json"})
    assert r.status == 200, (r.status, r.text[:200])
    return bearer(r.json()["token"])


def test_essay_graded_through_the_api():
    srv = setup_server()
    try:
        c = srv.client()
        learner = api_login(srv, "learner", "demo-Mekong-4")
        r = c.request("POST", "/api/v1" + QUIZ + "/attempts", headers=learner)
        assert r.status == 200, (r.status, r.text[:300])
        a = r.json()
        essay = a["questions"][1]
        assert essay["type"] == "essay" and essay["max_points"] == 10 and essay["max_length"] == 20000
        r = c.request("POST", "/api/v1/attempts/%d/submit" % a["id"],
                      body=json.dumps({"answers": {"q0": "1", "q1": ESSAY}}), headers=learner)
        assert r.status == 200, (r.status, r.text[:300])
        res = r.json()
        assert res["status"] == "awaiting_grading" and res["pending"] == 1 and res["passed"] is False
        assert res["score"] == 50
        e = res["questions"][1]
        assert e["answer"] == ESSAY and e["graded"] is False and e["points"] is None and e["max_points"] == 10
        assert certificates(srv) == 0

        trainer = api_login(srv, "srtrainer", "Correct-horse-9")
        r = c.request("GET", "/api/v1/courses/essay-test/grading", headers=trainer)
        assert r.status == 200, (r.status, r.text[:300])
        queue = r.json()["attempts"]
        assert [x["id"] for x in queue] == [a["id"]]
        assert queue[0]["learner"] == "Srey Sokha" and queue[0]["pending"] == 1
        assert queue[0]["essays"][0]["key"] == "q1" and queue[0]["essays"][0]["answer"] == ESSAY
        # Outside the trainer's org subtree: not listed, 403 to grade.
        other = api_login(srv, "trainer", "demo-Bayon-2")
        assert c.request("GET", "/api/v1/courses/essay-test/grading", headers=other).json()["attempts"] == []
        r = c.request("POST", "/api/v1/attempts/%d/grades" % a["id"],
                      body=json.dumps({"question": "q1", "points": 10}), headers=other)
        assert r.status == 403, (r.status, r.text[:200])
        # A learner may not grade.
        r = c.request("POST", "/api/v1/attempts/%d/grades" % a["id"],
                      body=json.dumps({"question": "q1", "points": 10}), headers=learner)
        assert r.status == 403
        # Bad grades: clear messages, nothing changed.
        r = c.request("POST", "/api/v1/attempts/%d/grades" % a["id"],
                      body=json.dumps({"question": "q1", "points": 12}), headers=trainer)
        assert r.status == 400 and r.json()["error"] == "the points must be a number from 0 to 10"
        r = c.request("POST", "/api/v1/attempts/%d/grades" % a["id"],
                      body=json.dumps({"question": "q0", "points": 1}), headers=trainer)
        assert r.status == 400 and r.json()["error"] == "question 1 of this attempt is not an essay"
        assert certificates(srv) == 0
        # Full marks: 100%, passed, completed, certificate issued.
        r = c.request("POST", "/api/v1/attempts/%d/grades" % a["id"],
                      body=json.dumps({"question": "q1", "points": 10, "comment": "Excellent."}), headers=trainer)
        assert r.status == 200, (r.status, r.text[:300])
        g = r.json()
        assert g["status"] == "submitted" and g["pending"] == 0 and g["passed"] is True and g["score"] == 100
        assert certificates(srv) == 1
        assert enrolment(srv)[0] == 100
        # The learner sees the grade and comment.
        r = c.request("GET", "/api/v1/attempts/%d" % a["id"], headers=learner)
        e = r.json()["questions"][1]
        assert e["graded"] is True and e["points"] == 10 and e["comment"] == "Excellent."
        assert c.request("GET", "/api/v1/courses/essay-test/grading", headers=trainer).json()["attempts"] == []
    finally:
        srv.stop()
