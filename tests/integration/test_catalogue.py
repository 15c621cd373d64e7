"""The catalogue, "my courses" and the course page (courses/catalogue.c): the public part of the catalogue
is cached per language and catalogue_version, and the learner's state is merged into it per page. These
tests change the courses while the server runs (import, re-import of a new version, rollback, a write
straight into the database) and check that every page shows the change at once, and that the state each
learner sees (items done, status, certificate) follows their lessons and quizzes."""
import os
import re
import shutil
import tempfile
import time

from harness import connect, SRC, Server, sala
from learnutil import one, set_lang

COURSE = os.path.join(SRC, "tests", "data", "quiz", "course")
RIGHT = {"q0": "1", "q1_0": "1", "q1_1": "1", "q2": "ឃុំ", "q3_0": "0", "q3_1": "1"}


def edit_yml(d, **fields):
    p = os.path.join(d, "course.yml")
    with open(p, encoding="utf-8") as f:
        s = f.read()
    for k, v in fields.items():
        s = re.sub(r"(?m)^%s: .*$" % k, "%s: %s" % (k, v), s)
    with open(p, "w", encoding="utf-8") as f:
        f.write(s)


def card(text, title):
    """The catalogue card of the course titled title, or None."""
    for li in re.findall(r'<li class="card">.*?</li>', text, re.S):
        if ">%s</a>" % title in li:
            return li
    return None


def done_of(text):
    """(done, total) of the first progress line of a page, or None."""
    m = re.search(r"(\d+) of (\d+) done", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def version(srv):
    return one(srv, "SELECT version FROM catalogue_version WHERE id = 1")


def test_catalogue_follows_import_rollback_and_direct_writes():
    tmp = tempfile.mkdtemp()
    srv = Server()
    try:
        c = srv.client()
        c.login("learner")
        set_lang(c, "en")
        v0 = version(srv)
        assert v0 is not None
        r = c.get("/courses")
        assert r.status == 200 and card(r.text, "Quiz test course") is None  # not imported yet: cached without it

        src = os.path.join(tmp, "course")
        shutil.copytree(COURSE, src)
        sala("import", src, db=srv.db, env=srv.env, check=True)
        v1 = version(srv)
        assert v1 != v0, "an import must move the catalogue version on"
        r = c.get("/courses")
        assert r.status == 200 and card(r.text, "Quiz test course"), "the import is not in the catalogue"
        r = c.get("/courses?q=QUIZ%20integration")  # title and summary words, any case
        assert card(r.text, "Quiz test course") and "1 courses found." in r.text, r.text[-2000:]
        assert card(c.get("/courses?q=quiz%20nowhere-such-word").text, "Quiz test course") is None

        # A new version with another title and one lesson fewer: seen at once by every page.
        edit_yml(src, version="1.1.0", title="Quiz test course revised")
        yml = os.path.join(src, "course.yml")
        with open(yml, encoding="utf-8") as f:
            s = f.read()
        with open(yml, "w", encoding="utf-8") as f:
            f.write(s.replace("  - file: lessons/02-two.md\n", ""))
        sala("import", src, db=srv.db, env=srv.env, check=True)
        r = c.get("/courses")
        assert card(r.text, "Quiz test course revised") and card(r.text, "Quiz test course") is None
        r = c.get("/courses/quiz-test")
        assert r.status == 200 and "Quiz test course revised" in r.text
        assert "02-two.md" not in r.text and "01-one.md" in r.text
        j = c.get("/api/v1/courses").json()
        titles = {x.get("id", x.get("course_id")): x["title"] for x in j["courses"]}
        assert titles.get("quiz-test") == "Quiz test course revised", titles.get("quiz-test")

        # Rollback: the old title and its two lessons are back on every page.
        sala("courses", "rollback", "quiz-test", "--lang", "en", "--version", "1.0.0", db=srv.db, env=srv.env,
             check=True)
        r = c.get("/courses")
        assert card(r.text, "Quiz test course") and card(r.text, "Quiz test course revised") is None
        r = c.get("/courses/quiz-test")
        assert "Quiz test course revised" not in r.text and "02-two.md" in r.text

        # Any write to packages moves the version on (triggers), even one made outside the import code.
        before = version(srv)
        db = connect(srv.db)
        db.execute("UPDATE packages SET title = 'Quiz test course renamed' WHERE course_id = 'quiz-test' "
                   "AND active = 1")
        db.commit()
        db.close()
        assert version(srv) != before
        r = c.get("/courses")
        assert card(r.text, "Quiz test course renamed") and card(r.text, "Quiz test course") is None
    finally:
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_catalogue_state_follows_the_learner():
    srv = Server()
    try:
        sala("import", COURSE, db=srv.db, env=srv.env, check=True)
        c = srv.client()
        c.login("learner")
        uid = one(srv, "SELECT id FROM users WHERE username = 'learner'")
        set_lang(c, "en")
        other = srv.client()
        other.login("trainer")
        set_lang(other, "en")
        # Warm the cache with another user's page first: the learner's state must not come from it.
        assert other.get("/courses").status == 200

        li = card(c.get("/courses").text, "Quiz test course")
        assert li and "Not started" in li and "Not enrolled" in li and done_of(li) is None

        # One lesson read: enrolled, in progress, 1 of 4 (pretest, two lessons, final quiz).
        assert c.get("/courses/quiz-test/lessons/lessons/01-one.md").status == 200
        li = card(c.get("/courses").text, "Quiz test course")
        assert "In progress" in li and "Not enrolled" not in li and done_of(li) == (1, 4), li
        r = c.get("/my")
        assert "Quiz test course" in r.text and done_of(r.text) == (1, 4)
        # The other user's state is unchanged.
        li = card(other.get("/courses").text, "Quiz test course")
        assert "Not started" in li and done_of(li) is None

        # A failed final quiz is not done; the course page marks only what is done.
        final = "/courses/quiz-test/quiz/quizzes/final.md"
        r = c.post(final + "/start")
        assert r.status == 303, (r.status, r.text[:300])
        aid = int(r.header("Location").rsplit("/", 1)[1])
        r = c.post("/attempts/%d/submit" % aid, {"q0": "0"})
        assert r.status == 303, (r.status, r.text[:300])
        assert one(srv, "SELECT passed FROM attempts WHERE id = ?", aid) == 0
        assert done_of(card(c.get("/courses").text, "Quiz test course")) == (1, 4)
        page = c.get("/courses/quiz-test").text
        assert page.count('class="done"') == 1 and "certificates/" not in page

        # Read the second lesson and pass the final: complete, so 4 of 4 (100 %) although the pretest was
        # never taken (a completed course is every item done), and the course page links the certificate.
        assert c.get("/courses/quiz-test/lessons/lessons/02-two.md").status == 200
        r = c.post(final + "/start")
        aid = int(r.header("Location").rsplit("/", 1)[1])
        r = c.post("/attempts/%d/submit" % aid, RIGHT)
        assert r.status == 303 and one(srv, "SELECT passed FROM attempts WHERE id = ?", aid) == 1
        serial = None
        for _ in range(50):
            serial = one(srv, "SELECT serial FROM certificates WHERE user_id = ? AND course_id = 'quiz-test' "
                         "AND revoked_at IS NULL AND superseded_by IS NULL", uid)
            if serial:
                break
            time.sleep(0.1)
        assert serial
        li = card(c.get("/courses").text, "Quiz test course")
        assert "Complete" in li and done_of(li) == (4, 4), li
        page = c.get("/courses/quiz-test").text
        assert page.count('class="done"') == 3 and "/certificates/%s.pdf" % serial in page
        j = c.get("/api/v1/courses/quiz-test").json()
        assert serial in str(j), j
    finally:
        srv.stop()
