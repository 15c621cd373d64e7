"""The learner's journey to its end, against the real server: one truth for progress and completion in every
language (the demo data included), the end of a course (certificate, no "Continue"), a pre-test with no pass
mark, one "Next" per lesson, who is logged in, the font stack, Khmer dates and order, reading offline.

The fixture course tests/data/quiz/course (id quiz-test, English) has a pre-test, two lessons and a final
quiz; a Khmer package of it is made here with one lesson more, so the two languages have different items."""
import hashlib
import html
import os
import re
import shutil
import tempfile

from harness import SRC, Server, connect, fresh_db, sala
from learnutil import set_lang

COURSE = os.path.join(SRC, "tests", "data", "quiz", "course")
FINAL = "/courses/quiz-test/quiz/quizzes/final.md"
PRETEST = "/courses/quiz-test/quiz/quizzes/pretest.md"
RIGHT = {"q0": "1", "q1_0": "1", "q1_1": "1", "q2": "ឃុំ", "q3_0": "0", "q3_1": "1"}
DEMO_LEARNER_PASSWORD = "demo-Mekong-4"

# A 1x1 PNG, for the image inlined in the offline file.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082")


def one(srv, sql, *args):
    db = connect(srv.db)
    try:
        row = db.execute(sql, args).fetchone()
        return row[0] if row else None
    finally:
        db.close()


def khmer_package(tmp):
    """The fixture course in Khmer with a third lesson (with an image) the English package does not have."""
    d = os.path.join(tmp, "quiz-test.km")
    shutil.copytree(COURSE, d)
    yml = open(os.path.join(d, "course.yml"), encoding="utf-8").read()
    yml = yml.replace("language: en", "language: km").replace("title: Quiz test course", "title: វគ្គសាកល្បង")
    yml = yml.replace("  - file: lessons/02-two.md\n", "  - file: lessons/02-two.md\n  - file: lessons/03-three.md\n")
    open(os.path.join(d, "course.yml"), "w", encoding="utf-8").write(yml)
    os.makedirs(os.path.join(d, "media"))
    open(os.path.join(d, "media", "dot.png"), "wb").write(PNG)
    open(os.path.join(d, "lessons", "03-three.md"), "w", encoding="utf-8").write(
        "# មេរៀនទីបី\n\n![ចំណុច](../media/dot.png)\n\nអត្ថបទ។\n")
    return d


def setup():
    srv = Server()
    tmp = tempfile.mkdtemp(prefix="sala-journey-")
    sala("import", COURSE, db=srv.db, env=srv.env, check=True)
    sala("import", khmer_package(tmp), db=srv.db, env=srv.env, check=True)
    c = srv.client()
    c.login("learner")
    set_lang(c, "en")
    return srv, c


def done_of(text):
    m = re.search(r"(\d+) of (\d+) done \((\d+)%\)", text)
    return tuple(int(x) for x in m.groups()) if m else None


def card(page, title):
    for li in page.split('<li class="card">')[1:]:
        if title in li:
            return li.split("</li>")[0]
    raise AssertionError("no card for %r" % title)


def complete_in_english(srv, c):
    """Opens both English lessons and passes the final quiz; returns the result page."""
    for path in ("lessons/01-one.md", "lessons/02-two.md"):
        assert c.get("/courses/quiz-test/lessons/" + path).status == 200
    r = c.post(FINAL + "/start")
    assert r.status == 303, (r.status, r.text[:300])
    aid = int(r.header("Location").rsplit("/", 1)[1])
    r = c.post("/attempts/%d/submit" % aid, RIGHT)
    assert r.status == 303, (r.status, r.text[:300])
    return c.get("/attempts/%d" % aid)


def test_complete_is_100_percent_in_every_language():
    srv, c = setup()
    try:
        res = complete_in_english(srv, c)
        uid = one(srv, "SELECT id FROM users WHERE username = 'learner'")
        assert one(srv, "SELECT completed_at FROM enrolments WHERE user_id = ? AND course_id = 'quiz-test'", uid)
        # The pre-test was never taken and the Khmer package has a lesson never opened: still 100 %.
        for lang, total in (("en", 4), ("km", 5)):
            set_lang(c, lang)
            api = c.get("/api/v1/progress?lang=" + lang).json()["courses"]
            row = [x for x in api if x["id"] == "quiz-test" or x.get("course_id") == "quiz-test"][0]
            assert row["status"] == "complete" and row["done"] == row["total"] == total, row
            assert row["percent"] == 100, row
            cat = c.get("/api/v1/courses?lang=" + lang).json()
            cat = cat.get("courses", cat)
            crow = [x for x in cat if x.get("id") == "quiz-test" or x.get("course_id") == "quiz-test"][0]
            assert crow["done"] == crow["total"] == total, crow
        set_lang(c, "en")
        for path in ("/courses/quiz-test", "/my", "/courses"):
            text = c.get(path).text
            assert done_of(card(text, "Quiz test course") if path != "/courses/quiz-test" else text) == (4, 4, 100)
        # The final quiz's result says the course is complete and links the certificate.
        serial = one(srv, "SELECT serial FROM certificates WHERE user_id = ? AND course_id = 'quiz-test'", uid)
        assert serial and "You have completed this course." in res.text, res.text[-1500:]
        assert 'href="/certificates/%s.pdf"' % serial in res.text
    finally:
        srv.stop()


def test_demo_learners_complete_is_100_percent():
    """Every complete course of the demo learners is 100 % in both languages, on the API and My learning."""
    tmp = tempfile.mkdtemp(prefix="sala-journey-demo-")
    db = fresh_db(tmp, "demo.db")
    sala("demo", "--init", "--learners", "30", db=db, check=True)
    with Server(demo=False, db=db) as srv:
        con = connect(db)
        users = [r[0] for r in con.execute(
            "SELECT u.username FROM users u JOIN enrolments e ON e.user_id = u.id WHERE u.is_demo = 1 "
            "AND e.completed_at IS NOT NULL GROUP BY u.username ORDER BY count(*) DESC LIMIT 4").fetchall()]
        con.close()
        assert users
        checked = 0
        for name in users:
            c = srv.client()
            c.login(name, DEMO_LEARNER_PASSWORD)
            for lang in ("en", "km"):
                rows = c.get("/api/v1/progress?lang=" + lang).json()["courses"]
                for row in rows:
                    if row["status"] == "complete":
                        assert row["done"] == row["total"] and row["percent"] == 100, (name, lang, row)
                        checked += 1
                    else:
                        assert row["total"] == 0 or row["percent"] < 100 or row["done"] == row["total"], row
            set_lang(c, "en")
            my = c.get("/my").text
            for li in my.split('<li class="card">')[1:]:
                if "Status: Complete" in li:
                    d = done_of(li)
                    assert d and d[0] == d[1] and d[2] == 100, li
        assert checked >= 4, checked


def test_course_end_pretest_and_continue():
    srv, c = setup()
    try:
        # A pre-test's result is a starting point, with no pass mark and no red box.
        assert "Pass mark" not in c.get(PRETEST).text
        r = c.post(PRETEST + "/start")
        aid = int(r.header("Location").rsplit("/", 1)[1])
        assert c.post("/attempts/%d/submit" % aid, {"q0": "0"}).status == 303
        res = c.get("/attempts/%d" % aid).text
        assert "starting point" in res and "pass mark" not in res.lower(), res[-2000:]
        assert 'class="notice error"' not in res
        # "Continue" on My learning goes straight to the item to open next, not to the course page.
        assert c.get("/courses/quiz-test/lessons/lessons/01-one.md").status == 200
        li = card(c.get("/my").text, "Quiz test course")
        m = re.search(r'<a href="([^"]+)">Continue where you left off</a>', li)
        assert m and m.group(1) == "/courses/quiz-test/lessons/lessons/01-one.md", li
        page = c.get("/courses/quiz-test").text
        assert "Continue where you left off" in page and "Review the course" not in page
        # Once complete: the certificate and a review link, no "Continue".
        complete_in_english(srv, c)
        page = c.get("/courses/quiz-test").text
        assert "Continue where you left off" not in page and "Review the course" in page
        assert "You have completed this course." in page and re.search(r'class="button" href="/certificates/', page)
        li = card(c.get("/my").text, "Quiz test course")
        assert "Continue where you left off" not in li and "Completed on" in li
    finally:
        srv.stop()


def test_one_next_link_per_lesson():
    """The pager is the one way on: no bundled lesson ends with a Markdown "Next" link of its own."""
    srv = Server()
    try:
        con = connect(srv.db)
        rows = con.execute("SELECT p.course_id, i.path, i.html FROM items i JOIN packages p ON p.id = i.package_id "
                           "WHERE p.active = 1 AND i.type = 'lesson'").fetchall()
        con.close()
        assert len(rows) >= 20, len(rows)
        for course, path, body in rows:
            assert not re.search(r">\s*(Next|បន្ទាប់)\s*[:៖]", body), (course, path)
        c = srv.client()
        c.login("learner")
        set_lang(c, "en")
        course, path = sorted((r[0], r[1]) for r in rows if r[0] == "cyber-awareness")[0]
        page = c.get("/courses/%s/lessons/%s" % (course, path)).text
        assert len(re.findall(r">Next: ", page)) == 1 and page.count('rel="next"') == 1
    finally:
        srv.stop()


def test_header_names_who_is_logged_in_and_css():
    srv = Server()
    try:
        c = srv.client()
        c.login("learner")
        name = one(srv, "SELECT full_name FROM users WHERE username = 'learner'")
        name_km = one(srv, "SELECT full_name_km FROM users WHERE username = 'learner'")
        set_lang(c, "en")
        for path in ("/courses", "/my", "/certificates", "/profile"):
            head = c.get(path).text.split("<main", 1)[0]
            assert 'class="who"' in head and html.escape(name) in head and "Log out" in head, path
        set_lang(c, "km")
        head = c.get("/my").text.split("<main", 1)[0]
        assert html.escape(name_km or name) in head and "ចាកចេញ" in head
        css_href = re.search(r'href="(/static/sala\.[0-9a-f]+\.css)"', c.get("/my").text).group(1)
        css = c.get(css_href).text
        # Latin fonts first on English text, Khmer fonts first on Khmer text.
        en = re.search(r":lang\(en\)\{font-family:([^}]*)\}", css).group(1)
        km = re.search(r":lang\(km\)\{font-family:([^}]*)\}", css).group(1)
        base = re.search(r"html\{font-family:([^;]*);", css).group(1)
        for stack in (en, base):
            assert stack.index("system-ui") < stack.index("Noto Sans Khmer"), stack
        assert km.index("Noto Sans Khmer") < km.index("system-ui"), km
        # Notices that keep their lines (an assignment's results) wrap on a phone.
        assert ".notice pre{white-space:pre-wrap" in css
    finally:
        srv.stop()


def test_khmer_dates_numerals_and_courses_first():
    srv, c = setup()
    try:
        complete_in_english(srv, c)
        set_lang(c, "km")
        my = c.get("/my").text
        li = card(my, "វគ្គសាកល្បង")
        assert re.search(r"ថ្ងៃទី[០-៩]+ ខែ\S+ ឆ្នាំ[០-៩]{4}", li), li
        assert "បានបញ្ចប់ ៥ នៃ ៥ (១០០%)" in li, li
        assert not re.search(r"[0-9]", re.sub(r"<[^>]+>", "", li)) and "ថ្ងៃ ថ្ងៃ" not in li, li
        assert "ស្ថានភាព៖ " in li and "English" not in visible_text(my)
        # The same date words on the certificates list and the quiz's list of attempts.
        for path in ("/certificates", FINAL):
            main = visible_text(c.get(path).text.split("<main", 1)[1])
            assert re.search(r"ថ្ងៃទី[០-៩]+ ខែ\S+ ឆ្នាំ[០-៩]{4}", main), (path, main[:800])
            assert not re.search(r"20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]", main), (path, main[:800])
        # The catalogue lists the Khmer courses first for a Khmer reader.
        cat = c.get("/courses").text
        langs = re.findall(r"ភាសា៖ (\S+?)</p>", cat)
        assert "ខ្មែរ" in langs and "អង់គ្លេស" in langs, langs
        first_en = langs.index("អង់គ្លេស")
        assert all(x == "ខ្មែរ" for x in langs[:first_en]) and "ខ្មែរ" not in langs[first_en:], langs
        set_lang(c, "en")
        cat = c.get("/courses").text
        langs = re.findall(r"Language: (\w+)</p>", cat)
        assert langs and langs[0] == "English", langs
        assert langs == sorted(langs, key=lambda x: x != "English"), langs
    finally:
        srv.stop()


KNOWN_ENGLISH = ("Status", "Progress", "Complete", "Continue", "English", "Language", "Learner", "Trainer",
                 "Manager", "Administrator", "Courses", "Log out", "Logged in", "Download", "minutes", "Review",
                 "Not started", "In progress", "Outline", "Settings", "Certificates", "Pass mark")


def visible_text(page):
    page = re.sub(r"<(title|style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<(\w+)[^>]*\slang="en"[^>]*>.*?</\1>', " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_learner_pages_in_khmer_have_no_english():
    """A walk through the learner's pages in Khmer: no interface word is left in English."""
    srv, c = setup()
    try:
        c.get("/courses/quiz-test/lessons/lessons/01-one.md")
        set_lang(c, "km")
        for path in ("/courses", "/my", "/courses/quiz-test", "/courses/quiz-test/lessons/lessons/01-one.md",
                     "/certificates", "/profile", PRETEST):
            r = c.get(path)
            assert r.status == 200, (path, r.status)
            text = visible_text(r.text)
            found = [w for w in KNOWN_ENGLISH if re.search(r"\b%s\b" % w, text)]
            assert not found, (path, found)
        # One colon style: the pager's "Next" takes the Khmer colon.
        page = c.get("/courses/quiz-test/lessons/lessons/01-one.md").text
        assert 'rel="next"' in page and "បន្ទាប់៖ " in page and "បន្ទាប់: " not in page
    finally:
        srv.stop()


def test_offline_download():
    srv, c = setup()
    try:
        # Only for enrolled learners.
        r = c.get("/courses/quiz-test/offline.html")
        assert r.status == 403, r.status
        assert c.get("/courses/quiz-test/lessons/lessons/01-one.md").status == 200
        page = c.get("/courses/quiz-test").text
        assert 'href="/courses/quiz-test/offline.html"' in page and "next open each lesson online" in page
        for lang, lessons in (("en", ["Lesson one", "Lesson two"]), ("km", ["មេរៀនទីបី"])):
            set_lang(c, lang)
            r = c.get("/courses/quiz-test/offline.html")
            assert r.status == 200 and r.header("Content-Type").startswith("text/html"), r.status
            assert "attachment" in (r.header("Content-Disposition") or "")
            body = r.text
            assert "<script" not in body.lower() and "<link" not in body and "<style>" in body
            titles = [t for _, _, t, _ in items_of(srv, lang)]
            for t in titles:
                if t:
                    assert html.escape(t) in body, (lang, t)
            for t in lessons:
                assert t in body, (lang, t)
            # No reference to the server: images are data: URIs.
            assert "/media/" not in body and 'src="/' not in body
            if lang == "km":
                assert "data:image/png;base64," in body
                import base64
                b64 = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", body).group(1)
                assert hashlib.sha256(base64.b64decode(b64)).digest() == hashlib.sha256(PNG).digest()
        # Downloading records nothing: the third lesson stays unread.
        uid = one(srv, "SELECT id FROM users WHERE username = 'learner'")
        assert one(srv, "SELECT count(*) FROM progress WHERE user_id = ? AND course_id = 'quiz-test'", uid) == 1
        # Another learner, not enrolled, cannot download it.
        other = srv.client()
        other.login("manager")
        assert other.get("/courses/quiz-test/offline.html").status == 403
    finally:
        srv.stop()


def items_of(srv, lang):
    con = connect(srv.db)
    try:
        return con.execute("SELECT i.position, i.type, i.title, i.path FROM items i JOIN packages p ON "
                           "p.id = i.package_id WHERE p.course_id = 'quiz-test' AND p.language = ? AND p.active = 1 "
                           "ORDER BY i.position", (lang,)).fetchall()
    finally:
        con.close()


def test_upload_result_in_khmer():
    """The result of a web upload is said in Khmer on a Khmer page (and as the command line says it in English)."""
    from test_courses import media_course, upload
    srv = Server()
    try:
        d = tempfile.mkdtemp(prefix="sala-journey-upload-")
        data = media_course(d)
        c = srv.client()
        c.login("trainer")
        set_lang(c, "km")
        c.get("/manage/courses")
        r = upload(c, data)
        text = html.unescape(r.text)
        assert r.status == 200 and "test-course កំណែ 1.0.0 (អង់គ្លេស) ត្រូវបាននាំចូល៖ មេរៀន ២" in text, text[-1500:]
        assert "។ (imported: test-course 1.0.0 (en)" in text  # the command line's words follow, for reference
        c.get("/manage/courses")
        text = html.unescape(upload(c, data).text)
        assert "បាននាំចូលរួចហើយ" in text and "(unchanged: test-course 1.0.0 (en)" in text
        set_lang(c, "en")
        c.get("/manage/courses")
        assert "unchanged: test-course 1.0.0 (en)" in upload(c, data).text
    finally:
        srv.stop()


ISO_DAY = re.compile(r"\b(19|20)[0-9][0-9]-[0-9][0-9]-[0-9][0-9]\b")
KHMER_DAY = re.compile(r"ថ្ងៃទី[០-៩]+ ខែ\S+ ឆ្នាំ[០-៩]{4}")


def main_text(page):
    return visible_text(page.split("<main", 1)[1] if "<main" in page else page)


def test_staff_pages_in_khmer_dates_and_digits():
    """A walk through the staff's pages in Khmer (reports, users, audit trail, certificates, course versions,
    grading, sessions, attendance, the session report): no ISO date in the visible text, dates in Khmer words
    and digits where a page shows them, and the Khmer colon."""
    srv, lc = setup()
    try:
        complete_in_english(srv, lc)  # a certificate, and an attempt at the final quiz
        out = sala("sessions", "add", "--title", "Workshop", "--org", "17", "--address", "Provincial hall",
                   "--day", "2031-03-10 08:00-16:00", "--day", "2031-03-11 08:00-12:00", "--trainer", "trainer",
                   db=srv.db, env=srv.env)
        assert out.returncode == 0, out.stderr
        sid = int(re.match(r"added session (\d+)", out.stdout).group(1))
        c = srv.client()
        c.login("admin")
        course = "quiz-test"
        serial = one(srv, "SELECT serial FROM certificates ORDER BY id")
        set_lang(c, "km")
        certs = "/admin/certificates?q=%s" % serial
        dated = {"/admin/audit", certs, "/admin/certificates/" + serial, "/manage/courses", "/sessions/%d" % sid,
                 "/sessions/%d/days/1" % sid}
        for path in ("/reports", "/admin/users", "/admin/audit", certs, "/admin/certificates/" + serial,
                     "/manage/courses",
                     "/manage/courses/%s/grading" % course, "/sessions", "/sessions/%d" % sid,
                     "/sessions/%d/days/1" % sid, "/sessions/%d/report" % sid):
            r = c.get(path)
            assert r.status == 200, (path, r.status)
            text = main_text(r.text)
            assert not ISO_DAY.search(text), (path, ISO_DAY.search(text).group(0), text[:600])
            if path in dated:
                assert KHMER_DAY.search(text), (path, text[:600])
        # The period choices in Khmer digits.
        reports = main_text(c.get("/reports").text)
        assert re.search(r"ត្រីមាសទី[០-៩] ឆ្នាំ [០-៩]{4}|ត្រីមាសទី ?[០-៩]", reports) and \
            not re.search(r"ត្រីមាសទី ?[0-9]", reports), reports[:400]
        # Counts in Khmer digits, and one colon style on a session day.
        users = main_text(c.get("/admin/users").text)
        assert re.search(r"[០-៩]+", users) and not re.search(r"[0-9]+ អ្នកប្រើ", users), users[:300]
        day = main_text(c.get("/sessions/%d" % sid).text)
        assert re.search(r"ថ្ងៃ ?[០-៩]+៖ ", day) or "៖ " in day, day[:600]
        assert not re.search(r"[០-៩]: ", day), day[:600]
        # Machine-readable values stay as they are: the audit CSV keeps ISO times.
        set_lang(c, "km")
        csv_text = c.get("/admin/audit.csv").text
        assert re.search(r"\n20[0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9],", csv_text), csv_text[:300]
    finally:
        srv.stop()
