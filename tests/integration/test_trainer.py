"""The trainer's journey: a trainer's home, drafts before publish (web and CLI), the preview of a stored
version with its quizzes as learners see them, a course's participants (scope, filters, CSV), item analysis
reached from the course admin page."""
import csv
import io
import os
import re
import shutil
import tempfile

from harness import Server, connect, sala
from test_courses import FIXTURES, set_version, upload
from test_pg_ops import take_quiz

COURSE = "draft-course"
LESSON = "/courses/%s/lessons/lessons/01-intro.md" % COURSE
PASSWORD = "Harbor-lotus-7-Vq!"


def course_zip(d, version, extra=""):
    """The fixture course as draft-course VERSION, its title and first lesson naming the version; a zip's bytes."""
    c = os.path.join(d, "src-%s%s" % (version, extra))
    shutil.copytree(os.path.join(FIXTURES, "good"), c)
    set_version(c, version)
    yml = os.path.join(c, "course.yml")
    s = open(yml).read().replace("id: test-course", "id: " + COURSE)
    s = s.replace("title: Test Course", "title: Draft course %s" % version)
    open(yml, "w").write(s)
    with open(os.path.join(c, "lessons", "01-intro.md"), "a") as f:
        f.write("\nLesson text of version %s%s.\n" % (version, extra))
    z = os.path.join(d, "draft-%s%s.zip" % (version, extra))
    sala("pack", c, "-o", z, check=True)
    return open(z, "rb").read()


def rows(db, sql, *args):
    c = connect(db)
    try:
        return c.execute(sql, args).fetchall()
    finally:
        c.close()


def learner_sees(l, version):
    """What a learner is shown of draft-course: (catalogue lists it, its lesson's status, its version in the API)."""
    cat = l.get("/courses?lang=en").text
    lesson = l.get(LESSON + "?lang=en")
    api = l.api("GET", "/api/v1/courses")
    listed = [c for c in api.json()["courses"] if c["id"] == COURSE] if api.status == 200 else None
    return ("Draft course %s" % version in cat, lesson.status, "version %s." % version in lesson.text, listed)


def test_trainer_home_is_their_courses():
    srv = Server()
    try:
        t = srv.client()
        t.login("trainer")
        r = t.get("/")
        assert r.status in (302, 303) and r.header("Location") == "/manage/courses", (r.status, r.header("Location"))
        page = t.get("/manage/courses?lang=en").text
        # Each course has its tools: participants, item analysis, upload.
        assert 'href="/manage/courses/cyber-awareness/participants"' in page
        assert 'href="/manage/courses/cyber-awareness/items"' in page
        assert 'id="upload"' in page
        # A learner still lands on their learning.
        l = srv.client()
        l.login("learner")
        assert l.get("/").header("Location") == "/my"
    finally:
        srv.stop()


def test_draft_is_never_seen_until_published():
    d = tempfile.mkdtemp(prefix="sala-draft-")
    srv = Server()
    try:
        t = srv.client()
        t.login("trainer")
        l = srv.client()
        l.login("learner")
        # A first upload is a draft: nothing of it reaches a learner, not even the course.
        t.get("/manage/courses")
        r = upload(t, course_zip(d, "1.0.0"), publish=False)
        assert r.status == 200 and "draft: %s 1.0.0 (en)" % COURSE in r.text, r.text[-1500:]
        assert re.search(r'data-version="1.0.0" data-state="draft"', r.text)
        assert 'action="/manage/courses/publish"' in r.text
        assert learner_sees(l, "1.0.0") == (False, 404, False, []), learner_sees(l, "1.0.0")
        assert l.api("GET", "/api/v1/courses/%s" % COURSE).status == 404
        assert l.get("/manage/courses/%s/preview/en/1.0.0" % COURSE).status == 403

        # The trainer previews it: outline, lesson, and the quiz as learners see it, with an answer check.
        base = "/manage/courses/%s/preview/en/1.0.0" % COURSE
        r = t.get(base + "?lang=en")
        assert r.status == 200 and 'data-state="draft"' in r.text and "Draft course 1.0.0" in r.text
        assert 'href="%s/lessons/01-intro.md"' % base in r.text and 'href="%s/quizzes/final.md"' % base in r.text
        r = t.get(base + "/lessons/01-intro.md?lang=en")
        assert r.status == 200 and "Lesson text of version 1.0.0." in r.text
        # Its links to the course's other lessons stay in the draft.
        assert 'href="%s/lessons/02-more.md' % base in r.text, r.text[-1500:]
        assert 'href="/courses/%s/lessons/' % COURSE not in r.text
        r = t.get(base + "/quizzes/final.md?lang=en")
        assert r.status == 200
        assert 'type="radio" name="q0"' in r.text and 'type="checkbox" name="q1_0"' in r.text
        assert "kind: final" not in r.text and "- [x]" not in r.text  # not the raw source
        r = t.get(base + "/quizzes/final.md?lang=en&check=1&q0=0&q1_0=1&q1_2=1")
        assert 'data-check="right"' in r.text and 'data-check="wrong"' not in r.text and 'data-score="100%"' in r.text
        r = t.get(base + "/quizzes/final.md?lang=en&check=1&q0=1")
        assert re.search(r'data-question="0">.*?data-check="wrong"', r.text, re.S), r.text[-2000:]
        assert t.get(base + "/lessons/none.md").status == 404
        assert t.get("/manage/courses/%s/preview/en/9.9.9" % COURSE).status == 404

        # Publish: now every learner page and the API show it.
        t.get("/manage/courses")
        r = t.post("/manage/courses/publish", {"course": COURSE, "lang": "en", "version": "1.0.0"})
        assert r.status == 303
        seen = learner_sees(l, "1.0.0")
        assert seen[:3] == (True, 200, True) and len(seen[3]) == 1, seen
        assert rows(srv.db, "SELECT published_at IS NOT NULL, active FROM packages WHERE course_id = ?", COURSE) == [(1, 1)]

        # A draft of 1.1.0 while the caches hold 1.0.0: learners keep 1.0.0 until it is published.
        t.get("/manage/courses")
        r = upload(t, course_zip(d, "1.1.0"), publish=False)
        assert "draft: %s 1.1.0 (en)" % COURSE in r.text and "learners see 1.0.0" in r.text, r.text[-1500:]
        seen = learner_sees(l, "1.0.0")
        assert seen[:3] == (True, 200, True), seen
        assert "Draft course 1.1.0" not in l.get("/courses?lang=en").text
        assert "version 1.1.0." not in l.api("GET", "/api/v1/courses/%s/lessons/lessons/01-intro.md" % COURSE).text
        # The same version uploaded again with other content replaces the draft.
        t.get("/manage/courses")
        r = upload(t, course_zip(d, "1.1.0", "b"), publish=False)
        assert "draft: %s 1.1.0 (en)" % COURSE in r.text, r.text[-1500:]
        assert rows(srv.db, "SELECT count(*) FROM packages WHERE course_id = ? AND version = '1.1.0'", COURSE) == [(1,)]
        assert "version 1.1.0b." in t.get("/manage/courses/%s/preview/en/1.1.0/lessons/01-intro.md" % COURSE).text
        # The CLI lists it as a draft.
        out = sala("courses", "versions", COURSE, db=srv.db).stdout
        assert re.search(r"1\.1\.0\s+draft", out) and re.search(r"1\.0\.0\s+active", out), out
        t.get("/manage/courses")
        assert t.post("/manage/courses/publish", {"course": COURSE, "lang": "en", "version": "1.1.0"}).status == 303
        assert "version 1.1.0b." in l.get(LESSON + "?lang=en").text
        assert "Draft course 1.1.0" in l.get("/courses?lang=en").text

        # A published version cannot be replaced by other content.
        t.get("/manage/courses")
        r = upload(t, course_zip(d, "1.1.0", "c"), publish=False)
        assert r.status == 422 and "already published with different content" in r.text

        # An older version uploaded to be published at once is kept as a draft, with the button to publish it.
        t.get("/manage/courses")
        r = upload(t, course_zip(d, "0.9.0"), publish=True)
        assert r.status == 200 and "draft: %s 0.9.0 (en)" % COURSE in r.text, r.text[-1500:]
        assert "sala courses rollback" not in r.text and "--force" not in r.text
        row = re.search(r'<tr data-version="0.9.0" data-state="draft">.*?</tr>', r.text, re.S).group(0)
        assert 'action="/manage/courses/publish"' in row and 'value="0.9.0"' in row
        assert "version 1.1.0b." in l.get(LESSON + "?lang=en").text
        # Rollback to a published version is still a button; it is the one learners see then.
        t.get("/manage/courses")
        assert t.post("/manage/courses/rollback", {"course": COURSE, "lang": "en", "version": "1.0.0"}).status == 303
        page = t.get("/manage/courses?lang=en").text
        assert 'data-version="1.1.0" data-state="published"' in page and 'data-version="1.0.0" data-state="active"' in page
        assert "version 1.0.0." in l.get(LESSON + "?lang=en").text
        # Publishing needs a stored version.
        t.get("/manage/courses")
        assert t.post("/manage/courses/publish", {"course": COURSE, "lang": "en", "version": "7.0.0"}).status == 404
    finally:
        srv.stop()
        shutil.rmtree(d)


def test_cli_import_draft_and_publish():
    d = tempfile.mkdtemp(prefix="sala-draft-cli-")
    srv = Server()
    try:
        z = os.path.join(d, "c.zip")
        open(z, "wb").write(course_zip(d, "2.0.0"))
        p = sala("import", "--draft", "--force", z, db=srv.db)
        assert p.returncode != 0 and "--draft and --force" in p.stderr
        p = sala("import", "--draft", z, db=srv.db)
        assert p.returncode == 0 and p.stdout.startswith("draft: %s 2.0.0 (en)" % COURSE), p.stdout + p.stderr
        l = srv.client()
        l.login("learner")
        assert learner_sees(l, "2.0.0") == (False, 404, False, [])
        p = sala("courses", "publish", COURSE, db=srv.db)
        assert p.returncode != 0 and "--lang" in p.stderr
        p = sala("courses", "publish", COURSE, "--lang", "en", db=srv.db)
        assert p.returncode == 0 and "published: %s 2.0.0 (en)" % COURSE in p.stdout, p.stdout + p.stderr
        seen = learner_sees(l, "2.0.0")
        assert seen[:3] == (True, 200, True), seen
        p = sala("courses", "publish", COURSE, "--lang", "en", db=srv.db)
        assert p.returncode != 0 and "has no draft" in p.stderr
        # Without --draft the CLI publishes at once, as before.
        z2 = os.path.join(d, "c2.zip")
        open(z2, "wb").write(course_zip(d, "2.1.0"))
        p = sala("import", z2, db=srv.db)
        assert p.returncode == 0 and p.stdout.startswith("imported: %s 2.1.0 (en)" % COURSE), p.stdout
        assert "version 2.1.0." in l.get(LESSON + "?lang=en").text
    finally:
        srv.stop()
        shutil.rmtree(d)


def parse_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_participants_scope_filters_and_csv():
    srv = Server()
    try:
        db = srv.db
        assert sala("import", os.path.join(FIXTURES, "good"), db=db).returncode == 0
        people = [
            ("sr-trainer", "Trainer Siem Reap", "female", "17", "learner;trainer"),
            ("sr-man", "Man In Siem Reap", "male", "1710", "learner"),
            ("bm-woman", "Woman In Banteay Meanchey", "female", "01", "learner"),
        ]
        for u, name, sex, org, roles in people:
            p = sala("user", "add", "--username", u, "--name", name, "--org", org, "--sex", sex, "--role", roles,
                     "--password", PASSWORD, db=db)
            assert p.returncode == 0, p.stderr
        for u in ("learner", "sr-man", "bm-woman"):
            assert sala("enroll", "--course", "test-course", "--user", u, db=db).returncode == 0
        # The demo learner (Sla Kram, in Siem Reap) reads a lesson and takes the final quiz.
        l = srv.client()
        l.login("learner")
        assert l.get("/courses/test-course/lessons/lessons/01-intro.md?lang=en").status == 200
        aid, st = take_quiz(l, "/courses/test-course/quiz/quizzes/final.md", {"q0": "0"})
        assert st == 303
        best = rows(db, "SELECT e.best_final FROM enrolments e JOIN users u ON u.id = e.user_id "
                    "WHERE u.username = 'learner' AND e.course_id = 'test-course'")[0][0]
        assert best is not None

        t = srv.client()
        t.login("sr-trainer", PASSWORD)
        r = t.get("/manage/courses/test-course/participants?lang=en")
        assert r.status == 200 and "Test Course" in r.text
        assert 'href="/manage/courses/test-course/items"' in r.text  # the course's tools
        shown = set(re.findall(r'<tr data-user="([^"]+)"', r.text))
        assert shown == {"learner", "sr-man"}, shown  # bm-woman is outside Siem Reap
        row = re.search(r'<tr data-user="learner">.*?</tr>', r.text, re.S).group(0)
        assert 'data-done="1" data-total="2"' in row and "%.0f%%" % best in row
        # Filters: sex, then an org unit inside the scope; one outside it is refused, changing nothing.
        r = t.get("/manage/courses/test-course/participants?lang=en&sex=male")
        assert set(re.findall(r'<tr data-user="([^"]+)"', r.text)) == {"sr-man"}
        r = t.get("/manage/courses/test-course/participants?lang=en&org=171001")
        assert set(re.findall(r'<tr data-user="([^"]+)"', r.text)) == {"learner"}
        r = t.get("/manage/courses/test-course/participants?lang=en&org=01")
        assert r.status == 400 and "outside your own org unit" in r.text and "data-user=" not in r.text
        r = t.get("/manage/courses/test-course/participants?lang=en&sex=robot")
        assert r.status == 400 and "Choose the sex" in r.text
        # The CSV: the same people and figures, a file name of its own.
        r = t.get("/manage/courses/test-course/participants.csv?lang=en&org=&sex=")
        assert r.status == 200 and r.header("Content-Type").startswith("text/csv")
        assert "sala-participants-test-course.csv" in r.header("Content-Disposition")
        recs = {x["username"]: x for x in parse_csv(r.text)}
        assert set(recs) == {"learner", "sr-man"}
        assert recs["learner"]["lessons_done"] == "1" and recs["learner"]["lessons"] == "2"
        assert recs["learner"]["best_final_pct"] == "%.0f" % best 
        assert recs["learner"]["org_code"] == '="171001"'  # a code a spreadsheet keeps as text (lib/csv.h)
        assert recs["sr-man"]["sex"] == "male" and recs["sr-man"]["best_final_pct"] == ""
        r = t.get("/manage/courses/test-course/participants.csv?sex=female")
        assert set(x["username"] for x in parse_csv(r.text)) == {"learner"}
        # An administrator sees everyone; a learner nothing.
        a = srv.client()
        a.login("admin")
        r = a.get("/manage/courses/test-course/participants.csv")
        assert set(x["username"] for x in parse_csv(r.text)) == {"learner", "sr-man", "bm-woman"}
        assert l.get("/manage/courses/test-course/participants").status == 403
        assert t.get("/manage/courses/no-such-course/participants").status == 404
    finally:
        srv.stop()


def test_item_analysis_linked_titled_and_bilingual():
    srv = Server()
    try:
        t = srv.client()
        t.login("trainer")
        r = t.get("/manage/courses/cyber-awareness/items?lang=en")
        assert r.status == 200
        h1 = re.search(r"<h1>(.*?)</h1>", r.text, re.S).group(1)
        assert "cyber-awareness" not in h1 and re.sub(r"<[^>]+>", "", h1).split(": ", 1)[1].strip()
        assert 'href="/manage/courses/cyber-awareness/items?lang=km"' in r.text
        assert 'href="/manage/courses/cyber-awareness/participants"' in r.text
        km = t.get("/manage/courses/cyber-awareness/items?lang=km")
        assert km.status == 200 and 'href="/manage/courses/cyber-awareness/items?lang=en"' in km.text
        assert re.search(r"<h1>.*[\u1780-\u17ff].*</h1>", km.text, re.S)
    finally:
        srv.stop()


def test_authoring_fidelity():
    d = tempfile.mkdtemp(prefix="sala-authoring-")
    srv = None
    try:
        # sala new names the course after its folder.
        c = os.path.join(d, "e-filing")
        sala("new", c, check=True)
        yml = os.path.join(c, "course.yml")
        assert open(yml).read().startswith("id: e-filing\n")
        p = sala("check", c)
        assert p.returncode == 0 and p.stdout.startswith("ok: e-filing 0.1.0 (en)"), p.stdout + p.stderr
        base = open(yml).read()
        # A language Sala does not serve is refused, FILE:LINE.
        open(yml, "w").write(base.replace("language: en", "language: fr"))
        p = sala("check", c)
        assert p.returncode == 1 and "course.yml:3: language 'fr' is not one Sala serves: use en or km" in p.stdout
        # An unclosed quote on line 4 is reported on line 4, not at the end of the file.
        lines = base.splitlines(True)
        assert lines[3].startswith("title: ")
        lines[3] = 'title: "My first course\n'
        open(yml, "w").write("".join(lines))
        p = sala("check", c)
        assert p.returncode == 1 and re.search(r"^course\.yml:4: YAML error: .*quoted scalar", p.stdout, re.M), p.stdout
        # The same in a quiz's front matter (line 2 of quizzes/final.md).
        open(yml, "w").write(base)
        qf = os.path.join(c, "quizzes", "final.md")
        q = open(qf).read()
        open(qf, "w").write(q.replace("title: Final quiz", 'title: "Final quiz'))
        p = sala("check", c)
        assert p.returncode == 1 and re.search(r"^quizzes/final\.md:2: ", p.stdout, re.M), p.stdout
        open(qf, "w").write(q)
        # A pipe table is a table for learners, its cells escaped.
        with open(os.path.join(c, "lessons", "01-welcome.md"), "a") as f:
            f.write("\n| Service | Fee (riel) |\n|---|--:|\n| Birth certificate | 4,000 |\n| <b>x</b> | 2 |\n")
        srv = Server()
        assert sala("import", c, db=srv.db).returncode == 0
        l = srv.client()
        l.login("learner")
        r = l.get("/courses/e-filing/lessons/lessons/01-welcome.md?lang=en")
        assert r.status == 200
        table = re.search(r'<div class="table-scroll" tabindex="0"><table>.*?</table></div>', r.text, re.S)
        assert table, r.text[-1500:]
        assert '<th align="right">Fee (riel)</th>' in table.group(0) and "<td>Birth certificate</td>" in table.group(0)
        assert "<b>" not in table.group(0) and "| Service |" not in r.text
    finally:
        if srv:
            srv.stop()
        shutil.rmtree(d)
