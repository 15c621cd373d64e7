"""Quiz attempts against the real server: grading on the server, tampering,
double submission, time limit, other learners, attempt limit, completion.

The fixture course tests/data/quiz/course (id quiz-test) has a pretest and a
final quiz (pass mark 75, 2 attempts, 10 minutes, not shuffled) with a single
choice, a multiple response, a Khmer short answer and a matching question."""
import os
import re
import signal
import time
import unicodedata

from harness import connect, SRC, Server, sala

COURSE = os.path.join(SRC, "tests", "data", "quiz", "course")
FINAL = "/courses/quiz-test/quiz/quizzes/final.md"
PRETEST = "/courses/quiz-test/quiz/quizzes/pretest.md"

RIGHT = {"q0": "1", "q1_0": "1", "q1_1": "1", "q2": "ឃុំ", "q3_0": "0", "q3_1": "1"}


def q(srv, sql, *args):
    db = connect(srv.db)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def setup(extra_env=None):
    srv = Server(extra_env=extra_env)
    sala("import", COURSE, db=srv.db, env=srv.env, check=True)
    c = srv.client()
    c.login("learner")
    return srv, c


def start(c, quiz=FINAL):
    r = c.get(quiz)
    assert r.status == 200, (r.status, r.text[:500])
    r = c.post(quiz + "/start")
    assert r.status == 303, (r.status, r.text[:500])
    loc = r.header("Location")
    m = re.match(r"^/attempts/(\d+)$", loc or "")
    assert m, loc
    page = c.get(loc)
    assert page.status == 200
    return int(m.group(1)), page


def user_id(srv, name):
    return q(srv, "SELECT id FROM users WHERE username = ?", name)[0][0]


def test_attempt_page_hides_answers_and_is_accessible():
    srv, c = setup()
    try:
        aid, page = start(c)
        t = page.text
        assert "<fieldset" in t and "<legend>" in t and "<label" in t
        assert 'type="radio" name="q0"' in t and 'name="q1_0"' in t and "<select" in t
        assert 'name="q2"' in t and ("Time left" in t or "ពេលនៅសល់" in t)
        assert "<script" not in t
        # Nothing in the page says which answer is right: the option markup is the same for all.
        form = c.get("/attempts/%d?lang=en" % aid).text.split("<form", 2)[-1]
        assert "Question 1 of 4" in form
        assert 'class="right"' not in form and "right answer" not in form and "correct" not in form.lower()
        # Resuming returns the same open attempt.
        r = c.post(FINAL + "/start")
        assert r.header("Location") == "/attempts/%d" % aid
    finally:
        srv.stop()


def test_right_answers_score_full_marks_and_completion_once():
    srv, c = setup()
    try:
        uid = user_id(srv, "learner")
        for path in ("lessons/01-one.md", "lessons/02-two.md"):
            c.get("/courses/quiz-test/lessons/" + path)
        # The lesson pages record progress; make sure of it for this test.
        db = connect(srv.db)
        now = int(time.time())
        db.executemany("INSERT INTO progress(user_id, course_id, item_path, opened_at) "
                       "VALUES (?, 'quiz-test', ?, ?) ON CONFLICT DO NOTHING",
                       [(uid, "lessons/01-one.md", now), (uid, "lessons/02-two.md", now)])
        db.commit()
        db.close()
        aid, _ = start(c)
        started = q(srv, "SELECT started_at FROM enrolments WHERE user_id = ? AND course_id = 'quiz-test'", uid)
        assert started and started[0][0], "starting an attempt records started_at"
        # Decomposed input must match the composed answer after NFC.
        answers = dict(RIGHT, q2="  " + unicodedata.normalize("NFD", "ឃុំ") + " ")
        r = c.post("/attempts/%d/submit" % aid, answers)
        assert r.status == 303, (r.status, r.text[:300])
        res = c.get("/attempts/%d" % aid)
        assert res.status == 200 and "100%" in res.text
        assert "A long passphrase is hard to guess" in res.text
        row = q(srv, "SELECT score, passed FROM attempts WHERE id = ?", aid)[0]
        assert row == (100.0, 1), row
        assert len(q(srv, "SELECT * FROM attempt_answers WHERE attempt_id = ?", aid)) == 4
        enr = q(srv, "SELECT completed_at, best_final FROM enrolments WHERE user_id = ? AND course_id = 'quiz-test'",
                uid)[0]
        assert enr[0] and enr[1] == 100.0, enr
        # A second pass does not record completion again.
        aid2, _ = start(c)
        time.sleep(1.1)
        c.post("/attempts/%d/submit" % aid2, RIGHT)
        enr2 = q(srv, "SELECT completed_at FROM enrolments WHERE user_id = ? AND course_id = 'quiz-test'", uid)[0]
        assert enr2[0] == enr[0]
    finally:
        srv.stop()


def test_partial_credit_and_feedback():
    srv, c = setup()
    try:
        aid, _ = start(c)
        # single wrong (0), multi one right + one wrong (0), short right (1), matching half (0.5)
        r = c.post("/attempts/%d/submit" % aid, {"q0": "0", "q1_0": "1", "q1_2": "1", "q2": "ឃុំ",
                                                 "q3_0": "0", "q3_1": "0"})
        assert r.status == 303
        score, passed = q(srv, "SELECT score, passed FROM attempts WHERE id = ?", aid)[0]
        assert score == 37.5 and passed == 0, score
        res = c.get("/attempts/%d" % aid).text
        assert "Online Business Registration portal" in res
    finally:
        srv.stop()


def test_tampered_answers_are_refused():
    srv, c = setup()
    try:
        aid, _ = start(c)
        for bad in ({"q0": "7"}, {"q9": "1"}, {"q1_5": "1"}, {"q3_0": "9"}, {"q3_7": "0"}, {"q0": "x"},
                    {"q0_1": "1"}):
            r = c.post("/attempts/%d/submit" % aid, bad)
            assert r.status == 400, (bad, r.status)
            r = c.post("/attempts/%d/save" % aid, bad)
            assert r.status == 400, (bad, r.status)
        assert q(srv, "SELECT submitted_at FROM attempts WHERE id = ?", aid)[0][0] is None
    finally:
        srv.stop()


def test_double_submission_counts_once():
    srv, c = setup()
    try:
        aid, _ = start(c)
        r1 = c.post("/attempts/%d/submit" % aid, RIGHT)
        r2 = c.post("/attempts/%d/submit" % aid, {"q0": "0"})
        assert r1.status == 303 and r2.status == 303
        rows = q(srv, "SELECT score FROM attempts WHERE user_id = ? AND submitted_at IS NOT NULL",
                 user_id(srv, "learner"))
        assert rows == [(100.0,)], rows
        intro = c.get(FINAL).text
        assert "1 of 2" in intro or "1 ក្នុងចំណោម 2" in intro
    finally:
        srv.stop()


def test_concurrent_submissions_of_one_attempt_keep_one():
    """Submissions of one attempt sent at once (one right, one wrong, in turns): the group writer runs them
    in one transaction, each answering from the attempt as stored; exactly one is kept, and nothing of the
    others (answers, best score, report aggregates) is left behind."""
    import threading
    from test_reports_agg import verify
    srv, c = setup()
    try:
        for round_ in range(2):  # the final allows two attempts
            aid, _ = start(c)
            clients = []
            for _ in range(8):
                t = srv.client()
                t.cookies = dict(c.cookies)
                t.csrf_token = c.csrf_token
                clients.append(t)
            go = threading.Barrier(len(clients))
            statuses = []

            def submit(t, answers):
                go.wait()
                statuses.append(t.post("/attempts/%d/submit" % aid, answers).status)

            ts = [threading.Thread(target=submit, args=(t, RIGHT if i % 2 == round_ % 2 else {"q0": "0"}))
                  for i, t in enumerate(clients)]
            for th in ts:
                th.start()
            for th in ts:
                th.join(60)
            assert statuses == [303] * len(clients), statuses
            score, answers = q(srv, "SELECT score, answers FROM attempts WHERE id = ?", aid)[0]
            assert score in (0.0, 100.0), score
            kept = dict(q(srv, "SELECT question, chosen FROM attempt_answers WHERE attempt_id = ?", aid))
            # The answers stored are those of the submission kept: q2's text only came with the right ones.
            assert (kept.get(2) == "ឃុំ") == (score == 100.0), (score, kept)
            assert ("ឃុំ" in answers) == (score == 100.0), (score, answers)
        best = q(srv, "SELECT best_final FROM enrolments WHERE user_id = ? AND course_id = 'quiz-test'",
                 user_id(srv, "learner"))[0][0]
        kept_scores = [r[0] for r in q(srv, "SELECT score FROM attempts WHERE user_id = ? AND submitted_at IS NOT "
                                            "NULL", user_id(srv, "learner"))]
        assert len(kept_scores) == 2 and best == max(kept_scores), (best, kept_scores)
        verify(srv.db)
    finally:
        srv.stop()


def test_other_learners_attempt_is_refused():
    srv, c = setup()
    try:
        aid, _ = start(c)
        other = srv.client()
        other.login("trainer")
        assert other.get("/attempts/%d" % aid).status == 404
        other.get("/")
        assert other.post("/attempts/%d/submit" % aid, RIGHT).status == 404
        assert other.post("/attempts/%d/save" % aid, RIGHT).status == 404
        anon = srv.client()
        assert anon.get("/attempts/%d" % aid).status in (303, 401)
        assert q(srv, "SELECT submitted_at FROM attempts WHERE id = ?", aid)[0][0] is None
    finally:
        srv.stop()


def test_attempt_limit():
    srv, c = setup()
    try:
        for _ in range(2):
            aid, _ = start(c)
            c.post("/attempts/%d/submit" % aid, {"q0": "0"})
        r = c.post(FINAL + "/start")
        assert r.status == 303 and "limit=1" in r.header("Location"), r.header("Location")
        n = q(srv, "SELECT count(*) FROM attempts WHERE user_id = ?", user_id(srv, "learner"))[0][0]
        assert n == 2
    finally:
        srv.stop()


def test_save_then_resume_keeps_answers():
    srv, c = setup()
    try:
        aid, _ = start(c)
        r = c.post("/attempts/%d/save" % aid, {"q0": "1", "q2": "ឃុំ"})
        assert r.status == 303 and "saved=1" in r.header("Location")
        page = c.get("/attempts/%d" % aid).text
        assert 'name="q0" value="1" checked' in page and 'value="ឃុំ"' in page
        r = c.post("/attempts/%d/submit" % aid, {"q0": "1", "q2": "ឃុំ"})
        assert q(srv, "SELECT score FROM attempts WHERE id = ?", aid)[0][0] == 50.0
    finally:
        srv.stop()


def restart(srv, now):
    srv.proc.send_signal(signal.SIGTERM)
    srv.proc.wait(timeout=20)
    srv.proc = None
    srv.env["SALA_NOW"] = str(now)
    srv.start()


def test_late_submission_ignores_late_answers():
    t0 = int(time.time())
    srv, c = setup(extra_env={"SALA_NOW": str(t0)})
    try:
        aid, _ = start(c)
        c.post("/attempts/%d/save" % aid, {"q0": "1"})
        restart(srv, t0 + 11 * 60)
        c2 = srv.client()
        c2.cookies = dict(c.cookies)
        c2.csrf_token = c.csrf_token
        r = c2.post("/attempts/%d/submit" % aid, RIGHT)
        assert r.status == 303, (r.status, r.text[:300])
        score, sub = q(srv, "SELECT score, submitted_at FROM attempts WHERE id = ?", aid)[0]
        assert score == 25.0 and sub == t0 + 11 * 60, (score, sub)
        res = c2.get("/attempts/%d" % aid).text
        assert "after the time limit" in res or "ក្រោយពេលកំណត់" in res
    finally:
        srv.stop()


def test_pretest_score_recorded_once():
    srv, c = setup()
    try:
        aid, _ = start(c, PRETEST)
        c.post("/attempts/%d/submit" % aid, {"q0": "1"})
        aid2, _ = start(c, PRETEST)
        c.post("/attempts/%d/submit" % aid2, {"q0": "0"})
        pre = q(srv, "SELECT pretest, completed_at FROM enrolments WHERE user_id = ? AND course_id = 'quiz-test'",
                user_id(srv, "learner"))[0]
        assert pre == (100.0, None), pre
    finally:
        srv.stop()


def item_cells(text, question):
    """{stat: (right, n)} and [(rank, count, text)] of one question's row of the item analysis."""
    row = re.search(r'<tr data-question="%d">(.*?)</tr>' % question, text, re.S)
    assert row, text[-3000:]
    cells = {m[0]: (int(m[1]), int(m[2])) for m in
             re.findall(r'data-stat="([a-z]+)" data-right="(\d+)" data-n="(\d+)"', row.group(1))}
    wrong = [(int(a), int(b), c) for a, b, c in
             re.findall(r'<li data-rank="(\d+)" data-count="(\d+)">(.*?) \(\d+\)</li>', row.group(1))]
    return cells, wrong


def test_item_analysis_for_trainers():
    srv, c = setup()
    try:
        org = q(srv, "SELECT code FROM org_units ORDER BY id LIMIT 1")[0][0]
        # First attempts of five new learners, one of each sex and two women. Final quiz:
        # q0 single choice (1 is right; 0 password123, 2 your date of birth), q1 multiple response
        # (0 and 1 are right, 2 "It is written in Khmer" is wrong), q2 short answer, q3 matching.
        learners = [
            ("ia-f1", "female", {"q0": "1", "q1_0": "1", "q1_1": "1", "q2": "ឃុំ"}),
            ("ia-f2", "female", {"q0": "0", "q1_0": "1", "q1_2": "1", "q2": "ភូមិ"}),
            ("ia-m1", "male", {"q0": "2", "q1_0": "1", "q1_1": "1"}),
            ("ia-o1", "other", {"q0": "0"}),
            ("ia-u1", "unspecified", {"q0": "1"}),
        ]
        clients = {}
        for name, sex, answers in learners:
            sala("user", "add", "--username", name, "--name", "Learner " + name, "--org", org, "--sex", sex,
                 "--password", "item-analysis-pw-1", db=srv.db, check=True)
            lc = srv.client()
            lc.login(name, "item-analysis-pw-1")
            aid, _ = start(lc)
            r = lc.post("/attempts/%d/submit" % aid, answers)
            assert r.status == 303, (name, r.status, r.text[:300])
            clients[name] = lc
        # A retake is not counted: only each learner's first submitted attempt.
        aid, _ = start(clients["ia-m1"])
        clients["ia-m1"].post("/attempts/%d/submit" % aid, RIGHT)
        # An attempt started but not submitted is not counted either.
        start(c)

        assert c.get("/manage/courses/quiz-test/items").status == 403
        t = srv.client()
        t.login("trainer")
        r = t.get("/manage/courses/quiz-test/items?lang=en")
        assert r.status == 200, r.status
        text = r.text
        assert 'data-quiz="quizzes/final.md"' in text
        for label in ("Women", "Men", "Other", "Unspecified"):
            assert ">%s</th>" % label in text, label
        final = text[text.index('data-quiz="quizzes/final.md"'):]
        cells, wrong = item_cells(final, 1)
        assert cells == {"all": (2, 5), "female": (1, 2), "male": (0, 1), "other": (0, 1),
                         "unspecified": (1, 1)}, cells
        assert wrong == [(1, 2, "password123"), (2, 1, "your date of birth")], wrong
        assert '<td class="num" data-stat="all" data-right="2" data-n="5">40% (2/5)</td>' in final
        assert '<td class="num" data-stat="female" data-right="1" data-n="2">50% (1/2)</td>' in final
        cells, wrong = item_cells(final, 2)
        assert cells == {"all": (2, 5), "female": (1, 2), "male": (1, 1), "other": (0, 1),
                         "unspecified": (0, 1)}, cells
        assert wrong == [(1, 1, "It is written in Khmer")], wrong
        cells, wrong = item_cells(final, 3)
        assert cells["all"] == (1, 5) and cells["female"] == (1, 2) and cells["male"] == (0, 1), cells
        assert wrong == [(1, 1, "ភូមិ")], wrong
        # The pretest has no submissions: dashes, with n = 0 in the data.
        pre = text[text.index('data-quiz="quizzes/pretest.md"'):]
        cells, wrong = item_cells(pre, 1)
        assert cells == {k: (0, 0) for k in ("all", "female", "male", "other", "unspecified")}, cells
        assert wrong == []
        assert t.get("/manage/courses/quiz-test/items?lang=km").status == 200
    finally:
        srv.stop()


def test_bundled_gift_quiz_runs():
    srv, c = setup()
    try:
        aid, page = start(c, "/courses/digital-identity/quiz/quizzes/final.gift")
        assert "<fieldset" in page.text
        r = c.post("/attempts/%d/submit" % aid, {})
        assert r.status == 303
        assert q(srv, "SELECT score FROM attempts WHERE id = ?", aid)[0][0] == 0.0
    finally:
        srv.stop()
