"""Which package a learner sees (course_pick_package()): the lesson page, the quiz page, the attempt
and the certificate follow the same rule when the learner changes language in the middle of a course.

The course is the quiz fixture (tests/data/quiz/course, English) plus a Khmer copy of it made here,
with its own title, lesson text and quiz title, so each page shows which package it came from."""
import os
import shutil
import tempfile
import time

from harness import SRC, Server, sala
from learnutil import one, set_lang

COURSE = os.path.join(SRC, "tests", "data", "quiz", "course")
LESSON = "/courses/quiz-test/lessons/lessons/%s"
FINAL = "/courses/quiz-test/quiz/quizzes/final.md"
RIGHT = {"q0": "1", "q1_0": "1", "q1_1": "1", "q2": "ឃុំ", "q3_0": "0", "q3_1": "1"}
KM_TITLE = "វគ្គសាកល្បងសំណួរ"
KM_QUIZ = "ការត្រួតពិនិត្យចុងក្រោយ"


def khmer_copy(dst):
    """The fixture course as a Khmer package: same items, Khmer titles and a marker in each lesson."""
    shutil.copytree(COURSE, dst)
    yml = os.path.join(dst, "course.yml")
    with open(yml, encoding="utf-8") as f:
        text = f.read()
    text = text.replace("language: en", "language: km").replace("title: Quiz test course", "title: " + KM_TITLE)
    with open(yml, "w", encoding="utf-8") as f:
        f.write(text)
    for name, heading in (("01-one.md", "មេរៀនទីមួយ"), ("02-two.md", "មេរៀនទីពីរ")):
        with open(os.path.join(dst, "lessons", name), "w", encoding="utf-8") as f:
            f.write("# %s\n\nKM-MARKER %s\n" % (heading, name))
    final = os.path.join(dst, "quizzes", "final.md")
    with open(final, encoding="utf-8") as f:
        text = f.read()
    with open(final, "w", encoding="utf-8") as f:
        f.write(text.replace("title: Final check", "title: " + KM_QUIZ, 1))


def test_pages_quiz_and_certificate_agree_when_language_changes():
    tmp = tempfile.mkdtemp()
    srv = Server()
    try:
        km_dir = os.path.join(tmp, "km")
        khmer_copy(km_dir)
        sala("import", COURSE, db=srv.db, env=srv.env, check=True)
        sala("import", km_dir, db=srv.db, env=srv.env, check=True)
        en = one(srv, "SELECT id FROM packages WHERE course_id = 'quiz-test' AND language = 'en' AND active = 1")
        km = one(srv, "SELECT id FROM packages WHERE course_id = 'quiz-test' AND language = 'km' AND active = 1")
        assert en and km and en != km
        c = srv.client()
        c.login("learner")
        uid = one(srv, "SELECT id FROM users WHERE username = 'learner'")

        # Started in English: the lesson and the quiz page come from the English package.
        set_lang(c, "en")
        r = c.get(LESSON % "01-one.md")
        assert r.status == 200 and "Strong passwords are long." in r.text and "KM-MARKER" not in r.text
        r = c.get(FINAL)
        assert r.status == 200 and "Final check" in r.text and KM_QUIZ not in r.text

        # Mid-course the learner switches to Khmer: every page follows.
        set_lang(c, "km")
        assert one(srv, "SELECT lang FROM users WHERE id = ?", uid) == "km"
        r = c.get(LESSON % "02-two.md")
        assert r.status == 200 and "KM-MARKER 02-two.md" in r.text and "Phishing messages" not in r.text
        r = c.get(LESSON % "01-one.md")
        assert r.status == 200 and "KM-MARKER 01-one.md" in r.text
        r = c.get(FINAL)
        assert r.status == 200 and KM_QUIZ in r.text and "Final check" not in r.text
        r = c.post(FINAL + "/start")
        assert r.status == 303, (r.status, r.text[:300])
        aid = int(r.header("Location").rsplit("/", 1)[1])
        assert one(srv, "SELECT package_id FROM attempts WHERE id = ?", aid) == km
        r = c.post("/attempts/%d/submit" % aid, RIGHT)
        assert r.status == 303, (r.status, r.text[:300])
        assert one(srv, "SELECT passed FROM attempts WHERE id = ?", aid) == 1

        # The certificate names the Khmer package too.
        row = None
        for _ in range(50):
            row = one(srv, "SELECT language || '|' || course_title FROM certificates WHERE user_id = ? AND "
                      "course_id = 'quiz-test'", uid)
            if row:
                break
            time.sleep(0.1)
        assert row == "km|" + KM_TITLE, row
        # The course page lists the course in the same package.
        r = c.get("/courses/quiz-test")
        assert r.status == 200 and KM_TITLE in r.text and "Quiz test course" not in r.text
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)
