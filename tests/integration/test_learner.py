"""The learner's pages: catalogue, search, enrolment, assignment, reading, progress, budget, My learning."""
import re
import urllib.parse

from harness import connect, sala
from learnutil import (bilingual, course_server, css_path, english_only, html_text, items, lessons, one, q, set_lang,
                       title, ungzip)

GZ = {"Accept-Encoding": "gzip"}


def uid(srv, name):
    return one(srv, "SELECT id FROM users WHERE username = ?", name)


def test_catalogue_in_learner_language_with_fallback():
    with course_server() as srv:
        both, en_only = bilingual(srv), english_only(srv)
        c = srv.client()
        c.login("learner")  # the demo learner reads in Khmer
        r = c.get("/courses")
        assert r.status == 200 and '<html lang="km">' in r.text
        page = html_text(r.text)
        assert title(srv, both, "km") in page and title(srv, both, "en") not in page
        # An English-only course is still listed, marked as English.
        assert title(srv, en_only, "en") in page
        assert re.search(r'<h2 lang="en"><a href="/courses/%s">' % re.escape(en_only), r.text)
        # Status is text, not colour only.
        assert "ស្ថានភាព" in page
        set_lang(c, "en")
        page = html_text(c.get("/courses").text)
        assert title(srv, both, "en") in page and "Status: Not started" in page and "minutes" in page


def test_search_by_words_including_khmer():
    with course_server() as srv:
        both, en_only = bilingual(srv), english_only(srv)
        c = srv.client()
        c.login("learner")
        set_lang(c, "en")
        words = title(srv, both, "en").split()
        r = c.get("/courses?q=" + urllib.parse.quote(words[0].upper() + " " + words[-1].lower()))
        assert title(srv, both, "en") in html_text(r.text)
        assert title(srv, en_only, "en") not in html_text(r.text)
        # A Khmer word from the Khmer title finds the course, whatever the interface language.
        km_word = max(title(srv, both, "km").split(), key=len)[:6]
        r = c.get("/courses?q=" + urllib.parse.quote(km_word))
        assert r.status == 200 and "/courses/%s\"" % both in r.text, km_word
        r = c.get("/courses?q=zzqqxx-nothing")
        assert "No course matches your search." in r.text and "/courses/%s\"" % both not in r.text
        api = c.get("/api/v1/courses?q=" + urllib.parse.quote(km_word)).json()
        assert [x["id"] for x in api["courses"]] == [both]


def test_self_enrol_and_course_page():
    with course_server() as srv:
        cid = bilingual(srv)
        c = srv.client()
        c.login("learner")
        set_lang(c, "en")
        page = c.get("/courses/" + cid)
        assert page.status == 200 and 'action="/courses/%s/enrol"' % cid in page.text
        assert "<progress" in page.text and "0 of" in page.text and "Outline" in page.text
        r = c.post("/courses/%s/enrol" % cid)  # the CSRF token of the page above
        assert r.status == 303 and r.header("Location") == "/courses/%s?enrolled=1" % cid
        assert q(srv, "SELECT source FROM enrolments WHERE user_id = ? AND course_id = ?",
                 uid(srv, "learner"), cid) == [("self",)]
        page = c.get("/courses/%s?enrolled=1" % cid).text
        assert "You are enrolled" in page and "/enrol\"" not in page and "Start the course" in page
        # Enrolling twice changes nothing; an unknown course is a 404; a forged form is refused.
        assert c.post("/courses/%s/enrol" % cid).status == 303
        assert one(srv, "SELECT count(*) FROM enrolments WHERE course_id = ?", cid) == 1
        assert c.post("/courses/no-such-course/enrol").status == 404
        assert c.post("/courses/%s/enrol" % cid, {"csrf": "0" * 64}).status == 403
        assert srv.client().get("/courses/" + cid).status == 303  # not logged in: to the login page


def test_reading_records_progress_and_auto_enrols():
    with course_server() as srv:
        cid = bilingual(srv)
        c = srv.client()
        c.login("learner")
        set_lang(c, "en")
        first, second = lessons(srv, cid, "en")[:2]
        r = c.get("/courses/%s/lessons/%s" % (cid, first))
        assert r.status == 200, r.status
        assert '<article class="lesson">' in r.text and 'rel="next"' in r.text and "Course outline" in r.text
        me = uid(srv, "learner")
        assert q(srv, "SELECT item_path FROM progress WHERE user_id = ? AND course_id = ?", me, cid) == [(first,)]
        row = q(srv, "SELECT source, started_at IS NOT NULL, last_item FROM enrolments WHERE user_id = ? AND "
                "course_id = ?", me, cid)
        assert row == [("self", 1, first)], row
        started = one(srv, "SELECT started_at FROM enrolments WHERE user_id = ?", me)
        # Opening again is idempotent; another lesson moves last_item; the outline shows what is done.
        c.get("/courses/%s/lessons/%s" % (cid, first))
        c.get("/courses/%s/lessons/%s" % (cid, second))
        assert one(srv, "SELECT count(*) FROM progress WHERE user_id = ?", me) == 2
        assert one(srv, "SELECT started_at FROM enrolments WHERE user_id = ?", me) == started
        assert one(srv, "SELECT last_item FROM enrolments WHERE user_id = ?", me) == second
        page = c.get("/courses/" + cid).text
        assert page.count("✓ Done") == 2 and "Continue where you left off" in page
        assert 'href="/courses/%s/lessons/%s">Continue' % (cid, second) in page.replace('class="button" ', "")
        assert "Status: In progress" in page
        # Someone else's reading is not recorded by this one.
        assert one(srv, "SELECT count(*) FROM progress WHERE user_id <> ?", me) == 0
        # No such lesson; a quiz path goes to the quiz page.
        assert c.get("/courses/%s/lessons/lessons/none.md" % cid).status == 404
        quiz = [p for _, t, p, _ in q(srv, "SELECT i.position, i.type, i.path, i.title FROM items i JOIN packages p ON "
                                     "p.id = i.package_id WHERE p.course_id = ? AND p.active = 1", cid) if t == "quiz"]
        if quiz:
            r = c.get("/courses/%s/lessons/%s" % (cid, quiz[0]))
            assert r.status == 303 and r.header("Location") == "/courses/%s/quizzes/%s" % (cid, quiz[0])


def test_lesson_page_budget_gzip_and_304():
    with course_server() as srv:
        cid = bilingual(srv)
        c = srv.client()
        c.login("learner")
        for lang in ("km", "en"):
            set_lang(c, lang)
            for path in lessons(srv, cid, lang):
                url = "/courses/%s/lessons/%s" % (cid, path)
                r = c.get(url, headers=GZ)
                assert r.status == 200
                html = ungzip(r)
                if len(html) > 1024:
                    assert r.header("Content-Encoding") == "gzip"
                css = c.get(css_path(r.text if r.header("Content-Encoding") != "gzip" else html.decode("utf-8", "replace")),
                            headers=GZ)
                assert css.status == 200 and "immutable" in css.header("Cache-Control")
                wire = len(r.body) + len(css.body)
                assert wire <= 30 * 1024, (url, len(r.body), len(css.body))
                assert b"<script" not in html
                etag = r.header("ETag")
                assert etag and etag.startswith('"')
                again = c.get(url, headers=dict(GZ, **{"If-None-Match": etag}))
                assert again.status == 304 and again.body == b"" and again.header("ETag") == etag
        # The tag follows the learner's state: after reading another lesson it changes.
        first, second = lessons(srv, cid, "en")[:2]
        set_lang(c, "en")
        r1 = c.get("/courses/%s/lessons/%s" % (cid, first))
        c2 = srv.client()
        c2.login("learner")
        set_lang(c2, "en")
        # Another session of the same user gets its own tag (the page carries session tokens).
        r2 = c2.get("/courses/%s/lessons/%s" % (cid, first), headers={"If-None-Match": r1.header("ETag")})
        assert r2.status == 200 and r2.header("ETag") != r1.header("ETag")


def test_assign_to_org_enrols_existing_and_later_users():
    with course_server() as srv:
        cid = bilingual(srv)
        c = srv.client()
        c.login("admin")  # trainers and managers assign only within their own units (test_manager_assigns_...)
        page = c.get("/courses/%s/assign?find=1710" % cid)  # the unit is found by a search, not typed
        assert page.status == 200 and 'for="f-find"' in page.text and 'for="f-users"' in page.text
        assert 'name="org" id="org-0" value="1710" checked' in page.text
        r = c.post("/courses/%s/assign" % cid, {"org": "1710"})  # Siem Reap municipality: learner is below it
        assert r.status == 200, r.text[-800:]
        learner = uid(srv, "learner")
        assert q(srv, "SELECT source FROM enrolments WHERE user_id = ? AND course_id = ?", learner, cid) == [("org",)]
        assert q(srv, "SELECT count(*) FROM org_assignments WHERE course_id = ?", cid) == [(1,)]
        # Someone added later below the unit is enrolled too; someone elsewhere is not.
        for name, org in (("later1", "171002"), ("elsewhere1", "1201")):
            sala("user", "add", "--username", name, "--name", "Later Person", "--org", org, "--password",
                 "later-pass-1", db=srv.db, check=True)
        assert one(srv, "SELECT count(*) FROM enrolments WHERE user_id = ? AND course_id = ?",
                   uid(srv, "later1"), cid) == 1
        assert one(srv, "SELECT count(*) FROM enrolments WHERE user_id = ?", uid(srv, "elsewhere1")) == 0
        # Assigning to users by name.
        r = c.post("/courses/%s/assign" % cid, {"users": "elsewhere1\nnobody-here"})
        assert r.status == 422 and "nobody-here" in r.text
        assert q(srv, "SELECT source FROM enrolments WHERE user_id = ?", uid(srv, "elsewhere1")) == [("assigned",)]
        # Learners cannot assign.
        lc = srv.client()
        lc.login("learner")
        assert lc.get("/courses/%s/assign" % cid).status == 403
        assert lc.post("/courses/%s/assign" % cid, {"org": "1710"}).status == 403


def test_manager_assigns_only_within_subtree():
    with course_server() as srv:
        cid = bilingual(srv)
        c = srv.client()
        c.login("manager")  # manager of Siem Reap province (17)
        r = c.post("/courses/%s/assign" % cid, {"org": "12"})  # Phnom Penh
        assert r.status == 403, r.status
        assert one(srv, "SELECT count(*) FROM org_assignments") == 0
        r = c.post("/courses/%s/assign" % cid, {"users": "trainer"})  # the trainer works at the ministry
        assert r.status == 403
        assert one(srv, "SELECT count(*) FROM enrolments WHERE user_id = ?", uid(srv, "trainer")) == 0
        r = c.post("/courses/%s/assign" % cid, {"org": "171001"})
        assert r.status == 200
        assert one(srv, "SELECT count(*) FROM enrolments WHERE user_id = ?", uid(srv, "learner")) == 1
        r = c.post("/courses/%s/assign" % cid, {"users": "learner"})
        assert r.status == 200
        # An account outside the subtree and no account at all get the same answer (no probing).
        c.get("/courses/%s/assign" % cid)
        outside = c.post("/courses/%s/assign" % cid, {"users": "trainer"})
        missing = c.post("/courses/%s/assign" % cid, {"users": "no-such-person"})
        assert outside.status == missing.status == 403
        strip = lambda t, name: re.sub(r'name="csrf" value="[0-9a-f]+"', "", t).replace(name, "NAME")
        assert strip(outside.text, "trainer") == strip(missing.text, "no-such-person")
        # Units assigned by others outside the subtree are not listed to the manager.
        admin = srv.client()
        admin.login("admin")
        admin.get("/courses/%s/assign" % cid)
        assert admin.post("/courses/%s/assign" % cid, {"org": "1202"}).status == 200
        assert "1202" in admin.get("/courses/%s/assign" % cid).text
        page = c.get("/courses/%s/assign" % cid).text
        assert "1202" not in page and "171001" in page


def test_cli_enroll():
    with course_server() as srv:
        cid = bilingual(srv)
        p = sala("enroll", "--course", cid, "--user", "trainer", db=srv.db)
        assert p.returncode == 0 and "enrolled trainer" in p.stdout, p.stderr
        p = sala("enroll", "--course", cid, "--org", "17", db=srv.db)
        assert p.returncode == 0 and "new enrolments" in p.stdout, p.stderr
        assert q(srv, "SELECT source FROM enrolments WHERE user_id = ?", uid(srv, "learner")) == [("org",)]
        assert q(srv, "SELECT source FROM enrolments WHERE user_id = ?", uid(srv, "trainer")) == [("assigned",)]
        assert sala("enroll", "--course", "nope", "--user", "learner", db=srv.db).returncode != 0
        assert sala("enroll", "--course", cid, "--org", "NOPE", db=srv.db).returncode != 0
        assert sala("enroll", "--course", cid, db=srv.db).returncode != 0


def test_my_learning_shows_progress_completion_and_certificate():
    with course_server() as srv:
        cid = bilingual(srv)
        c = srv.client()
        c.login("learner")
        set_lang(c, "en")
        r = c.get("/my")
        assert r.status == 200 and "You are not enrolled in any course yet." in r.text
        c.get("/courses/%s/lessons/%s" % (cid, lessons(srv, cid, "en")[0]))
        r = c.get("/my")
        assert "<progress" in r.text and "Status: In progress" in r.text and "/courses/%s\"" % cid in r.text
        # A completion with its certificate (as the assessment and certificate engines record them).
        me = uid(srv, "learner")
        db = connect(srv.db)
        db.execute("UPDATE enrolments SET completed_at = 1700000000 WHERE user_id = ?", (me,))
        db.execute("INSERT INTO certificates(serial, code, user_id, course_id, language, course_title, name, "
                   "completed_on, org_id, issuer, payload, signature, issued_at) VALUES ('SALA-TEST-1', 'C0DE', ?, "
                   "?, 'en', 'T', 'N', '2023-11-14', 1, 'I', '{}', 'sig', 1700000000)", (me, cid))
        db.commit()
        db.close()
        r = c.get("/my")
        assert "Status: Complete" in r.text and "Completed on 14 November 2023" in r.text
        assert 'href="/certificates/SALA-TEST-1.pdf"' in r.text
        # A completed course is every item done, whatever was opened (docs/package-format.md).
        total = len(items(srv, cid, "en"))
        assert "%d of %d done (100%%)" % (total, total) in r.text, r.text
        # In Khmer: Khmer digits and month names, the Khmer colon.
        set_lang(c, "km")
        r = c.get("/my")
        assert "ថ្ងៃទី១៤ ខែវិច្ឆិកា ឆ្នាំ២០២៣" in r.text and "2023" not in r.text.split("<main", 1)[1]
        assert "ស្ថានភាព៖ " in r.text
        certs = c.get("/api/v1/certificates").json()["certificates"]
        assert certs[0]["serial"] == "SALA-TEST-1" and certs[0]["url"] == "/certificates/SALA-TEST-1.pdf"


def test_pages_in_khmer_and_accessible_markup():
    with course_server() as srv:
        cid = bilingual(srv)
        c = srv.client()
        c.login("learner")
        for path in ("/courses", "/courses/" + cid, "/my",
                     "/courses/%s/lessons/%s" % (cid, lessons(srv, cid, "km")[0])):
            r = c.get(path)
            assert r.status == 200 and '<html lang="km">' in r.text, path
            assert '<main id="main"' in r.text and 'class="skip"' in r.text and "<script" not in r.text
            # Every form field has a label.
            for m in re.finditer(r'<(input|select|textarea)([^>]*)>', r.text):
                attrs = m.group(2)
                if 'type="hidden"' in attrs:
                    continue
                fid = re.search(r'id="([^"]+)"', attrs)
                assert fid and ('for="%s"' % fid.group(1)) in r.text, (path, attrs)
            for english in ("Status", "Outline", "Continue where", "Previous", "Next:", "minutes"):
                assert english not in r.text, (path, english)
        css = c.get(css_path(c.get("/courses").text)).text
        assert "break-all" not in css and "line-height" in css
