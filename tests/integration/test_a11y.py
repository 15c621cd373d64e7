"""Accessibility behaviour the server decides (issue 21): form errors tied to their fields with the form kept,
messages in the page's language, an empty /verify code, the quiz's unanswered-question step, language per
device, keyboard-scrollable tables, chart labels as text and language of parts. The browser checks are in
tests/e2e/a11y.mjs."""
import os
import re
from html.parser import HTMLParser

from harness import SRC, Server, connect, sala
from test_certs import issue, setup_course

QUIZ_COURSE = os.path.join(SRC, "tests", "data", "quiz", "course")
FINAL = "/courses/quiz-test/quiz/quizzes/final.md"


def q(srv, sql, *args):
    db = connect(srv.db, timeout=10)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def field_tag(html, name, tag="input"):
    m = re.search(r'<%s id="f-%s"[^>]*>' % (tag, re.escape(name)), html)
    assert m, (name, html[:2000])
    return m.group(0)


def assert_field_error(html, name, tag="input", first=True):
    t = field_tag(html, name, tag)
    assert 'aria-invalid="true"' in t and 'aria-describedby="f-%s-err"' % name in t, t
    assert ("autofocus" in t) == first, t
    m = re.search(r'<p class="field-error" id="f-%s-err">([^<]+)</p>' % re.escape(name), html)
    assert m, name
    return m.group(1)


def test_org_unit_form_errors_are_tied_to_fields_and_keep_what_was_typed():
    with Server() as srv:
        a = srv.client()
        a.login("admin")
        a.get("/admin/orgs")
        r = a.post("/admin/orgs?lang=km", {"code": " ", "name_en": "", "name_km": "ឃុំថ្មី",
                                           "parent_code": "KH", "level": "commune"})
        assert r.status == 422, r.status
        t = r.text
        assert "Something is not right" not in t and "បញ្ហា ·" not in t.split("</title>")[0]
        # Each empty required field has its own message, in Khmer, and focus goes to the first.
        assert assert_field_error(t, "code") == "សូមវាយលេខកូដរបស់អង្គភាពថ្មី។"
        assert assert_field_error(t, "name_en", first=False) == "សូមវាយឈ្មោះជាភាសាអង់គ្លេស។"
        assert t.count("autofocus") == 1
        # The summary links to the fields; what was typed is still there.
        assert 'role="alert"' in t and 'href="#f-code"' in t and 'href="#f-name_en"' in t
        assert 'value="ឃុំថ្មី"' in field_tag(t, "name_km")
        assert re.search(r'<option value="commune"[^>]* selected>', t)
        # An unknown parent: the message is on the parent field, in English on an English page.
        r = a.post("/admin/orgs?lang=en", {"code": "NEW-1", "name_en": "New unit", "parent_code": "NOPE",
                                           "level": "district"})
        assert r.status == 422
        assert assert_field_error(r.text, "parent_code") == "There is no org unit with this code."
        assert 'value="NEW-1"' in field_tag(r.text, "code") and 'value="NOPE"' in field_tag(r.text, "parent_code")
        # Nothing was added by either refusal.
        assert q(srv, "SELECT count(*) FROM org_units WHERE code = 'NEW-1'") == [(0,)]
        # Still adds a good one.
        r = a.post("/admin/orgs", {"code": "NEW-1", "name_en": "New unit", "parent_code": "KH", "level": "ministry"})
        assert r.status == 303, (r.status, r.text[:500])
        assert q(srv, "SELECT count(*) FROM org_units WHERE code = 'NEW-1'") == [(1,)]


def test_revoke_without_reason_keeps_the_form_with_the_error_on_the_field():
    with Server() as srv:
        setup_course(srv)
        serial, code = issue(srv)
        a = srv.client()
        a.login("admin")
        a.get("/admin/certificates/" + serial)
        r = a.post("/admin/certificates/%s/revoke?lang=km" % serial, {"reason": "   "})
        assert r.status == 422
        assert assert_field_error(r.text, "reason", tag="textarea") == "សូមវាយមូលហេតុនៃការដកហូតវិញ្ញាបនបត្រនេះ។"
        assert serial in r.text and "<h1>" in r.text  # the certificate page itself, not a "Problem" page
        v = srv.client().get("/verify/%s?lang=en" % code)
        assert 'data-status="valid"' in v.text


def test_empty_verify_code_says_so():
    with Server() as srv:
        c = srv.client()
        r = c.get("/verify?code=&lang=en")
        assert r.status == 400
        assert assert_field_error(r.text, "code") == "Type the verification code first."
        r = c.get("/verify?code=&lang=km")
        assert assert_field_error(r.text, "code") == "សូមវាយលេខកូដផ្ទៀងផ្ទាត់ជាមុនសិន។"
        # Opening the page is not an error.
        r = c.get("/verify?lang=en")
        assert r.status == 200 and "aria-invalid" not in r.text


def test_quiz_lists_unanswered_questions_before_grading():
    with Server() as srv:
        sala("import", QUIZ_COURSE, db=srv.db, check=True)
        c = srv.client()
        c.login("learner")
        c.get(FINAL)
        loc = c.post(FINAL + "/start").header("Location")
        page = c.get(loc + "?lang=en")
        assert '<input type="hidden" name="check" value="1">' in page.text
        aid = int(loc.rsplit("/", 1)[1])
        # Two of four answered, with the check the page's form asks for: nothing is graded yet.
        r = c.post("/attempts/%d/submit?lang=en" % aid, {"check": "1", "q0": "1", "q2": "ឃុំ", "q3_0": ""})
        assert r.status == 422, r.status
        t = r.text
        assert "2 questions are not answered yet:" in t
        assert '<a href="#q1">Question 2 of 4</a>' in t and '<a href="#q3">Question 4 of 4</a>' in t
        assert 'href="#q0"' not in t and 'href="#q2"' not in t
        assert re.search(r'<fieldset id="q1" class="unanswered" aria-describedby="q1-un q1-text">', t)
        assert '<fieldset id="q0" aria-describedby="q0-text">' in t
        assert '<div id="q0-text">' in t  # an English quiz on an English page: no lang of its own
        # The answers given are kept in the form, which now grades as it is.
        assert 'name="q0" value="1" checked' in t and 'value="ឃុំ"' in t
        assert '<input type="hidden" name="confirm" value="1">' in t and 'name="check"' not in t
        assert "Submit as it is" in t
        assert c.get("/attempts/%d?lang=en" % aid).text.count("Your result") == 0
        r = c.post("/attempts/%d/submit" % aid, {"confirm": "1", "q0": "1", "q2": "ឃុំ"})
        assert r.status == 303
        res = c.get("/attempts/%d?lang=en" % aid).text
        assert "Your result" in res and "50%" in res
        # The quiz is English: on the English page nothing is marked, on the Khmer page its text is.
        assert 'lang="en"' not in res.split("<main", 1)[1]
        km = c.get("/attempts/%d?lang=km" % aid).text
        assert '<div id="q0-text" lang="en">' in km and '<li class="right"><span lang="en">' in km


def test_quiz_fully_answered_is_graded_at_once():
    with Server() as srv:
        sala("import", QUIZ_COURSE, db=srv.db, check=True)
        c = srv.client()
        c.login("learner")
        c.get(FINAL)
        aid = int(c.post(FINAL + "/start").header("Location").rsplit("/", 1)[1])
        c.get("/attempts/%d" % aid)
        right = {"check": "1", "q0": "1", "q1_0": "1", "q1_1": "1", "q2": "ឃុំ", "q3_0": "0", "q3_1": "1"}
        r = c.post("/attempts/%d/submit" % aid, right)
        assert r.status == 303
        assert "100%" in c.get("/attempts/%d?lang=en" % aid).text


def test_language_is_per_device_and_the_stored_one_is_the_default():
    with Server() as srv:
        stored = q(srv, "SELECT lang FROM users WHERE username = 'learner'")[0][0]
        other = "en" if stored == "km" else "km"
        phone, laptop = srv.client(), srv.client()
        for c in (phone, laptop):
            c.login("learner")
            c.get("/my")  # a page of the session, for its CSRF token
        r = phone.post("/lang", {"lang": other, "next": "/my"})
        assert r.status == 303, (r.status, r.text[:300])
        assert laptop.post("/lang", {"lang": stored, "next": "/my"}).status == 303
        assert '<html lang="%s">' % other in phone.get("/my").text
        assert '<html lang="%s">' % stored in laptop.get("/my").text
        # The switcher changes this device only: the stored preference is what it was.
        assert q(srv, "SELECT lang FROM users WHERE username = 'learner'")[0][0] == stored
        assert '<html lang="%s">' % other in phone.get("/courses").text
        # A new device without the cookie gets the stored language.
        fresh = srv.client()
        fresh.login("learner")
        fresh.cookies.pop("sala_lang", None)
        assert '<html lang="%s">' % stored in fresh.get("/my").text


def test_wide_tables_are_keyboard_scrollable_and_chart_labels_are_text():
    with Server() as srv:
        m = srv.client()
        m.login("manager")
        t = m.get("/reports?lang=en").text
        regions = re.findall(r'<div class="table-scroll"[^>]*>', t)
        assert len(regions) >= 2, regions
        for tag in regions:
            assert 'tabindex="0"' in tag and 'role="region"' in tag and re.search(r'aria-label="[^"]+"', tag), tag
        assert "<text" not in t and 'class="chart-label"' in t
        a = srv.client()
        a.login("admin")
        for path in ("/manage/courses", "/admin/users", "/admin/orgs"):
            t = a.get(path + "?lang=km").text
            for tag in re.findall(r'<div class="table-scroll"[^>]*>', t):
                assert 'tabindex="0"' in tag and re.search(r'aria-label="[^"]+"', tag), (path, tag)


def test_user_and_password_forms_tie_errors_to_fields_in_the_page_language():
    with Server() as srv:
        a = srv.client()
        a.login("admin")
        a.get("/admin/users/new")
        r = a.post("/admin/users/new?lang=km", {"username": "newbie", "full_name": "New Person", "org_code": "ZZ9",
                                                 "password": "long-enough-pass-1", "role_learner": "1"})
        assert r.status == 422
        assert assert_field_error(r.text, "org_code") == "មិនមានអង្គភាពដែលមានលេខកូដនេះទេ។"
        assert 'value="newbie"' in field_tag(r.text, "username") and 'value="ZZ9"' in field_tag(r.text, "org_code")
        assert q(srv, "SELECT count(*) FROM users WHERE username = 'newbie'") == [(0,)]
        # Editing: a bad email stays on the user's page, on the email field, with what was typed.
        uid = q(srv, "SELECT id FROM users WHERE username = 'learner'")[0][0]
        page = a.get("/admin/users/%d" % uid).text
        name = re.search(r'id="f-full_name" name="full_name" type="text" value="([^"]*)"', page).group(1)
        r = a.post("/admin/users/%d?lang=en" % uid, {"full_name": name, "org_code": "KH", "sex": "female",
                                                   "email": "not an address", "role_learner": "1"})
        assert r.status == 422
        assert assert_field_error(r.text, "email") == "This is not an email address."
        assert 'value="not an address"' in field_tag(r.text, "email")
        assert "Add user" not in r.text and 'name="username"' not in r.text  # still the edit form
        c = srv.client()
        c.login("learner")
        c.get("/profile/password")
        r = c.post("/profile/password?lang=en", {"current": "demo-Mekong-4", "new": "a-new-long-one-7",
                                                 "repeat": "something-else-8"})
        assert r.status == 422
        assert assert_field_error(r.text, "repeat") == "The two new passwords are not the same."


def test_login_settings_and_upload_errors_are_tied_to_their_fields():
    with Server() as srv:
        c = srv.client()
        c.get("/login")
        r = c.post("/login?lang=en", {"username": "learner", "password": "wrong-password-1"})
        assert r.status == 401
        # Said on the password field, which gets the focus; the username stays.
        assert assert_field_error(r.text, "password") == "The username or password is not correct."
        assert 'value="learner"' in field_tag(r.text, "username")
        a = srv.client()
        a.login("admin")
        a.get("/admin/settings")
        r = a.post("/admin/settings?lang=km", {"cert_color": "not-a-colour"})
        assert r.status == 422
        msg = assert_field_error(r.text, "cert_color")
        assert msg.startswith("តម្លៃនេះមិនត្រឹមត្រូវ៖"), msg
        assert 'value="not-a-colour"' in field_tag(r.text, "cert_color")
        a.get("/manage/courses")
        r = a.request("POST", "/manage/courses/upload", body="csrf=" + a.csrf_token,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 400
        tag = re.search(r'<input type="file" id="package"[^>]*>', r.text).group(0)
        assert 'aria-invalid="true"' in tag and 'aria-describedby="upload-err"' in tag and "autofocus" in tag
        assert re.search(r'<div class="notice error" role="alert" id="upload-err">[^<]+</div>', r.text)


class _InterfaceText(HTMLParser):
    """Runs of two or more English words in a page's text outside elements marked with another lang."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("input", "meta", "link", "br", "img", "hr", "source"):
            self.stack.append((tag, dict(attrs).get("lang")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if any(t in ("script", "style", "title", "pre", "code") for t, _ in self.stack):
            return
        langs = [lang for _, lang in self.stack if lang]
        if langs and langs[-1] != "km":
            return
        self.found += re.findall(r"[A-Za-z][A-Za-z']+(?:[ ,.:]+[A-Za-z][A-Za-z']+)+", data)


# Names (of people, places, courses, a standard) and file formats that are not interface text.
NOT_INTERFACE = {"Digital Safety", "Srey Sokha", "Sla Kram", "Open Badge", "Ministry of Interior", "sala pack'",
                 "tar.gz", "CSV UTF", "code,name", "en,name", "km,parent", "code,level",
                 "sala.example.gov.kh"}  # an example address in a setting's help


def test_khmer_pages_have_no_english_interface_text():
    with Server() as srv:
        setup_course(srv)
        serial, code = issue(srv)
        pages = {None: ["/login", "/verify", "/verify?code=", "/verify?code=ABCD", "/verify/" + code],
                 "learner": ["/my", "/courses", "/certificates", "/profile", "/profile/password",
                             "/courses/data-protection", "/courses/cyber-awareness", "/certificates/" + serial],
                 "manager": ["/reports", "/reports?by=course"],
                 "trainer": ["/manage/courses"],
                 "admin": ["/admin/users", "/admin/users/new", "/admin/orgs", "/admin/orgs/import", "/admin/settings",
                           "/admin/certificates", "/admin/certificates/" + serial, "/certificates/bulk",
                           "/admin/audit", "/admin/item-analysis"]}
        bad = []
        for role, paths in pages.items():
            c = srv.client()
            if role:
                c.login(role)
            for p in paths:
                r = c.get(p + ("&" if "?" in p else "?") + "lang=km")
                assert '<html lang="km">' in r.text, p
                parser = _InterfaceText()
                parser.feed(r.text)
                bad += ["%s: %s" % (p, s) for s in sorted(set(parser.found) - NOT_INTERFACE)]
        assert not bad, bad
