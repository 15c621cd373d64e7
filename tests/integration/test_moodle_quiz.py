"""Moodle question banks through the real server: a package whose quizzes are
Moodle's own GIFT test fixture (question/format/gift/tests/fixtures/
questions.gift.txt, in tests/data/quiz/moodle/questions.gift) and the same
questions in Moodle XML (tests/data/quiz/moodle/questions.xml), imported,
answered by a learner and graded on the server."""
import os
import re
import shutil
import tempfile

from harness import SRC, Server, connect, sala

MOODLE = os.path.join(SRC, "tests", "data", "quiz", "moodle")
GIFT = "/courses/moodle-test/quiz/quizzes/moodle.gift"
XML = "/courses/moodle-test/quiz/quizzes/moodle.xml"

COURSE_YML = """id: moodle-test
version: 1.0.0
language: en
title: Moodle question banks
summary: Quizzes written in Moodle.
authors: [Sala tests]
minutes: 10
pass_mark: 60
certificate: false
lessons:
  - file: lessons/01-one.md
  - quiz: quizzes/moodle.gift
  - quiz: quizzes/moodle.xml
"""


def make_course(tmp):
    os.makedirs(os.path.join(tmp, "lessons"))
    os.makedirs(os.path.join(tmp, "quizzes"))
    with open(os.path.join(tmp, "course.yml"), "w") as f:
        f.write(COURSE_YML)
    with open(os.path.join(tmp, "lessons", "01-one.md"), "w") as f:
        f.write("# One\n\nA lesson.\n")
    shutil.copy(os.path.join(MOODLE, "questions.gift"), os.path.join(tmp, "quizzes", "moodle.gift"))
    shutil.copy(os.path.join(MOODLE, "questions.xml"), os.path.join(tmp, "quizzes", "moodle.xml"))


def score(srv, aid):
    db = connect(srv.db)
    try:
        return db.execute("SELECT score FROM attempts WHERE id = ?", (aid,)).fetchone()[0]
    finally:
        db.close()


def start(c, quiz):
    r = c.get(quiz)
    assert r.status == 200, (r.status, r.text[:300])
    r = c.post(quiz + "/start")
    assert r.status == 303, (r.status, r.text[:300])
    m = re.match(r"^/attempts/(\d+)$", r.header("Location") or "")
    assert m, r.header("Location")
    return int(m.group(1)), c.get(r.header("Location") + "?lang=en")


def test_moodle_gift_and_xml_import_and_grade():
    tmp = tempfile.mkdtemp()
    srv = Server()
    try:
        make_course(tmp)
        out = sala("check", tmp)
        # The XML's cloze question is left out with a warning, the rest imported; essays are kept (trainers
        # grade them).
        assert out.returncode == 0, out.stdout + out.stderr
        text = out.stdout + out.stderr
        assert "essay" not in text, text
        assert "quizzes/moodle.xml:108: warning: unsupported question type cloze" in text, text
        sala("import", tmp, db=srv.db, env=srv.env, check=True)
        c = srv.client()
        c.login("learner")

        aid, page = start(c, GIFT)
        t = page.text
        assert "Question 1 of 9" in t and "Question 9 of 9" in t
        assert '<textarea id="f-q0" name="q0"' in t  # the essay (left blank here: it scores 0, nothing to grade)
        # [html] is formatted, never shown as tags or markers; missing-word questions show the blank.
        assert "Match the <b>activity</b> to the description." in t
        assert "[html]" not in t and "[plain]" not in t and "&lt;b&gt;" not in t
        assert "42 is the Absolute Answer to everything._____" in t
        answers = {
            "q1_0": "0", "q1_1": "1", "q1_2": "2", "q1_3": "3",  # matching, all right
            "q2": "0",  # yellow: right
            "q3_0": "1", "q3_2": "1",  # yellow and off-beige: 50% + 50%
            "q4": "9",  # outside 3:2, Moodle's "any other answer": 0 with its feedback
            "q5": "cat",  # =%50%Cat
            "q6": "1",  # FALSE is right
            "q7": "0",  # {T}: True is right
            "q8": "1",  # {TRUE}: False is wrong
        }
        r = c.post("/attempts/%d/submit" % aid, answers)
        assert r.status == 303, (r.status, r.text[:300])
        assert score(srv, aid) == 61.11  # (0 + 1 + 1 + 1 + 0 + 0.5 + 1 + 1 + 0) / 9, the blank essay 0
        res = c.get("/attempts/%d?lang=en" % aid).text
        assert "Completely wrong" in res and "What is it with Moodlers and cats?" in res
        assert "You gave the right answer." in res

        aid, page = start(c, XML)
        t = page.text
        # The description is shown (formatted, without its script) and not counted as a question to answer.
        assert "The last questions are <em>true or false</em>." in t
        assert "Question 8 of 8" in t and "of 9" not in t
        assert "alert(1)" not in t and "<script" not in t
        # Its embedded picture is stored with the package and served from /media; a remote picture is dropped.
        src = "/media/4eabe16d76633f4b6e1b1a12954ad8799afdf5a598ed0a5f749e7cfaf5b3dd5d.png"
        assert '<img src="%s" alt="Two dots"' % src in t and "moodle.example" not in t and "alert(2)" not in t
        img = c.get(src)
        assert img.status == 200 and img.header("Content-Type") == "image/png", (img.status, img.text[:200])
        answers = {"q1_0": "0", "q1_1": "1", "q1_2": "2", "q1_3": "3", "q2": "0", "q3_0": "1", "q3_2": "1",
                   "q4": "4", "q5": "FROG", "q6": "1", "q8": "0"}
        r = c.post("/attempts/%d/submit" % aid, answers)
        assert r.status == 303, (r.status, r.text[:300])
        assert score(srv, aid) == 87.5  # 7 of 8: the essay left blank scores 0
        res = c.get("/attempts/%d?lang=en" % aid).text
        assert "Good!" in res
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_quiz_dump_shows_what_was_read():
    import json
    out = sala("quiz", "dump", os.path.join(MOODLE, "questions.gift"), "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    types = [x["type"] for x in d["questions"]]
    # The essay is shown, as in the quiz learners take.
    assert types == ["essay", "match", "single", "multi", "numeric", "short", "truefalse", "truefalse",
                     "truefalse"], types
    assert d["questions"][0]["points"] == 1  # a GIFT essay is marked out of 1 point, as in Moodle
    match = d["questions"][1]
    assert match["title"] == "Moodle activities" and match["html"] == "<p>Match the <b>activity</b> to the description.</p>"
    assert match["pairs"][4] == {"left": "", "right": "Chat"}
    multi = d["questions"][3]
    assert [o["weight"] for o in multi["options"]] == [0.5, -1, 0.5, -1]
    num = d["questions"][4]["numeric"]
    assert num[0]["min"] == 1 and num[0]["max"] == 5 and num[0]["weight"] == 1
    assert num[1]["any"] is True and num[1]["feedback"] == "<p>Completely wrong</p>"
    short = d["questions"][5]
    assert short["wildcard"] is True and [o["text"] for o in short["options"]] == ["Frog", "Cat", "*"]
    xml = sala("quiz", "dump", os.path.join(MOODLE, "questions.xml"), "--json")
    assert xml.returncode == 0, xml.stderr
    assert "questions.xml:108: warning: unsupported question type cloze" in xml.stderr
    dx = json.loads(xml.stdout)
    assert [f["name"] for f in dx["files"]] == ["two dots.png"]
    # The text form, and a clear message for a file that cannot be read.
    txt = sala("quiz", "dump", os.path.join(MOODLE, "questions.gift"))
    assert "questions.gift:34: short: Which is the best animal?\n  +100% Frog\n  +50% Cat\n  +0% *\n" in txt.stdout
    bad = sala("quiz", "dump", "/nonexistent/q.gift")
    assert bad.returncode == 1 and "cannot open '/nonexistent/q.gift'" in bad.stderr
