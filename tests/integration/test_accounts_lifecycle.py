"""Accounts people manage, on a real server: profile and password changes, the forced change after an
administrator's reset, the API route, strength checks in both languages, CSV import without passwords with an
activation sheet and the first login with a code, expiry, disable/enable/delete, and trainers' assignment scope."""
import json
import os
import re
import subprocess
import time

from harness import connect, DEMO, Client, Server, sala
from learnutil import one, q

NEW_PW = "river-boat-2031"


def api_login(srv, user, password):
    c = srv.client()
    r = c.request("POST", "/api/v1/login", body=json.dumps({"username": user, "password": password}),
                  headers={"Content-Type": "application/json"})
    return c, r


def bearer(token):
    return {"Authorization": "Bearer " + token, "Content-Type": "application/json"}


def write(srv, sql, *args):
    db = connect(srv.db)
    try:
        db.execute(sql, args)
        db.commit()
    finally:
        db.close()


def english(c):
    """Pages in English for this client (the demo accounts prefer Khmer)."""
    c.cookies["sala_lang"] = "en"
    c.get("/login?lang=en")
    return c


def login_en(srv, user, password=None):
    c = english(srv.client())
    c.login(user, password)
    c.get("/profile")  # a page with this session's CSRF token
    assert c.post("/lang", {"lang": "en", "next": "/"}).status == 303
    return c


def change_form(c, current, new, repeat=None):
    c.get("/profile/password")
    fields = {"new": new, "repeat": repeat if repeat is not None else new}
    if current is not None:
        fields["current"] = current
    return c.post("/profile/password", fields)


def test_profile_password_change_keeps_this_session_and_ends_the_others():
    with Server() as srv:
        c1 = login_en(srv, "learner")
        c2 = srv.client()
        c2.login("learner")
        page = c1.get("/my")
        assert 'href="/profile"' in page.text  # linked from the page header
        prof = c1.get("/profile")
        assert prof.status == 200 and 'name="current"' in prof.text and 'name="lang"' in prof.text
        r = change_form(c1, "not-the-password", NEW_PW)
        assert r.status == 422 and "The current password is not correct." in r.text
        r = change_form(c1, DEMO["learner"], NEW_PW, NEW_PW + "x")
        assert r.status == 422 and "The two new passwords are not the same." in r.text
        for weak, why in (("password", "at least 10 characters"), ("12345678", "at least 10 characters"),
                          ("aaaaaaaa", "at least 10 characters"), ("1234567890", "too simple"),
                          ("learner-2030-x", "contains the username")):
            r = change_form(c1, DEMO["learner"], weak)
            assert r.status == 422 and why in r.text, (weak, r.text[:2000])
        r = change_form(c1, DEMO["learner"], NEW_PW)
        assert r.status == 303 and r.header("Location") == "/profile?password=1"
        assert c1.get("/my").status == 200  # this session stays
        assert c2.get("/my").status == 303  # the other one ended
        assert c2.get("/my").header("Location").startswith("/login")
        fresh = srv.client()
        fresh.get("/login")
        assert fresh.post("/login", {"username": "learner", "password": DEMO["learner"]}).status == 401
        fresh.login("learner", NEW_PW)


def test_strength_message_in_khmer_on_a_khmer_page():
    with Server() as srv:
        c = srv.client()
        c.login("learner")
        c.get("/profile/password")
        c.post("/lang", {"lang": "km", "next": "/profile/password"})
        r = change_form(c, DEMO["learner"], "password")
        assert r.status == 422
        assert "ពាក្យសម្ងាត់ត្រូវមានយ៉ាងតិច ១០ តួអក្សរ។" in r.text
        assert "at least 10 characters" not in r.text
        r = change_form(c, DEMO["learner"], "qwertyuiop")
        assert "ពាក្យសម្ងាត់ផ្អែកលើពាក្យក្នុងវចនានុក្រម។" in r.text and "dictionary" not in r.text


def test_profile_contact_and_language():
    with Server() as srv:
        c = srv.client()
        c.login("learner")
        c.get("/profile")
        r = c.post("/profile", {"phone": "012 345 678", "email": "sokha@example.gov.kh", "lang": "en"})
        assert r.status == 303
        assert q(srv, "SELECT phone, email, lang FROM users WHERE username = 'learner'") == [
            ("012 345 678", "sokha@example.gov.kh", "en")]
        c.get("/profile")
        r = c.post("/profile", {"phone": "099", "email": "not an address", "lang": "km"})
        assert r.status == 422 and 'aria-invalid="true" aria-describedby="f-email-err"' in r.text
        assert "This is not an email address." in r.text or "នេះមិនមែនជាអាសយដ្ឋានអ៊ីមែលទេ។" in r.text
        assert q(srv, "SELECT phone, lang FROM users WHERE username = 'learner'") == [("012 345 678", "en")]


def test_admin_reset_forces_a_change_before_anything_else():
    with Server() as srv:
        uid = one(srv, "SELECT id FROM users WHERE username = 'learner'")
        old = srv.client()
        old.login("learner")
        admin = login_en(srv, "admin")
        page = admin.get("/admin/users/%d" % uid)
        assert "/admin/users/%d/password" % uid in page.text
        r = admin.post("/admin/users/%d/password" % uid, {"password": "12345678", "must_change": "1"})
        assert r.status == 422 and "at least 10 characters" in r.text
        r = admin.post("/admin/users/%d/password" % uid, {"password": "temp-Pass-4412", "must_change": "1"})
        assert r.status == 303
        assert old.get("/my").status == 303  # the reset ended the learner's sessions
        c = english(srv.client())
        r = c.post("/login", {"username": "learner", "password": "temp-Pass-4412", "next": "/my"})
        assert r.status == 303 and r.header("Location") == "/profile/password"
        # Every other page and API route is closed until the change.
        for path in ("/my", "/courses", "/profile", "/certificates", "/"):
            r = c.get(path)
            assert r.status == 303 and r.header("Location") == "/profile/password", path
        r = c.request("GET", "/api/v1/courses?lang=en")
        assert r.status == 403 and "change your password" in r.json()["error"]
        r = c.post("/profile", {"phone": "1"})
        assert r.status == 403
        _, api = api_login(srv, "learner", "temp-Pass-4412")
        assert api.status == 200 and api.json()["user"]["must_change_password"] is True
        tok = api.json()["token"]
        assert srv.client().request("GET", "/api/v1/me", headers=bearer(tok)).status == 403
        # The change form asks for the given password, then everything opens.
        r = change_form(c, "temp-Pass-4412", NEW_PW)
        assert r.status == 303
        assert c.get("/my").status == 200
        assert one(srv, "SELECT must_change_password FROM users WHERE id = ?", uid) == 0


def test_api_me_password():
    with Server() as srv:
        c, r = api_login(srv, "learner", DEMO["learner"])
        tok = r.json()["token"]
        _, r2 = api_login(srv, "learner", DEMO["learner"])
        other = r2.json()["token"]
        h = bearer(tok)
        t = srv.client()
        r = t.request("POST", "/api/v1/me/password?lang=en", body=json.dumps({"current": "wrong-password-1",
                                                                       "new": NEW_PW}), headers=h)
        assert r.status == 422 and r.json()["error"] == "The current password is not correct."
        r = t.request("POST", "/api/v1/me/password?lang=en", body=json.dumps({"current": DEMO["learner"], "new": "aaaaaaaa"}),
                      headers=h)
        assert r.status == 422 and "at least 10 characters" in r.json()["error"]
        r = t.request("POST", "/api/v1/me/password?lang=en", body=json.dumps({"current": DEMO["learner"]}), headers=h)
        assert r.status == 400
        r = t.request("POST", "/api/v1/me/password?lang=en", body=json.dumps({"current": DEMO["learner"], "new": NEW_PW}),
                      headers=h)
        assert r.status == 200 and r.json() == {"ok": True}
        assert t.request("GET", "/api/v1/me", headers=h).status == 200  # this session stays
        assert t.request("GET", "/api/v1/me", headers=bearer(other)).status == 401  # the other ended
        assert api_login(srv, "learner", NEW_PW)[1].status == 200
        # Without a session: 401.
        r = srv.client().request("POST", "/api/v1/me/password?lang=en", body=json.dumps({"current": "x", "new": "y"}),
                                 headers={"Content-Type": "application/json"})
        assert r.status == 401


CSV = ("username,full_name,full_name_km,sex,org_code,role\n"
       "sophea2,Chan Sophea,ចាន់ សុភា,female,171001,learner\n"
       "pheak,Mao Sopheak,ម៉ៅ សុភ័ក្ត្រ,male,171001,learner\n"
       "kaev,Kaev Srey,ស្រី កែវ,female,1710,learner\n")


def pdf_text(data, path):
    with open(path, "wb") as f:
        f.write(data)
    p = subprocess.run(["pdftotext", "-raw", path, "-"], capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.decode("utf-8")


def test_import_without_passwords_activation_sheet_and_first_login():
    with Server() as srv:
        sala("settings", "set", "base_url", "https://sala.example.gov.kh", db=srv.db)
        admin = login_en(srv, "admin")
        admin.get("/admin/users/import")
        r = admin.post("/admin/users/import", {"csv": CSV})
        assert r.status == 200, r.text[:2000]
        rows = q(srv, "SELECT username, password_hash, must_change_password FROM users WHERE username IN "
                 "('sophea2', 'pheak', 'kaev') ORDER BY username")
        assert rows == [("kaev", "", 1), ("pheak", "", 1), ("sophea2", "", 1)]
        c = srv.client()
        c.get("/login")
        assert c.post("/login", {"username": "pheak", "password": ""}).status == 401
        # The command line sheet for the district (below 17 10): all three, shaped Khmer in the text layer.
        out = os.path.join(srv.dir, "slips.pdf")
        p = sala("users", "activation-sheet", "--org", "1710", "-o", out, db=srv.db)
        assert p.returncode == 0, p.stderr
        assert "wrote 3 activation slips" in p.stdout
        assert oct(os.stat(out).st_mode & 0o777) == "0o600"
        text = pdf_text(open(out, "rb").read(), out + ".2")
        for s in ("ចាន់ សុភា", "ម៉ៅ សុភ័ក្ត្រ", "ស្រី កែវ", "Chan Sophea", "Mao Sopheak", "sophea2", "pheak", "kaev",
                  "https://sala.example.gov.kh"):
            assert s in text, (s, text)
        codes = dict(re.findall(r"Username / ឈ្មោះអ្នកប្រើ: (\S+)\nCode / លេខកូដ: ([0-9A-Z]{5}-[0-9A-Z]{5})", text))
        assert set(codes) == {"sophea2", "pheak", "kaev"}, text
        assert all(set(code) <= set("23456789ABCDEFGHJKMNPQRSTUVWXYZ-") for code in codes.values())
        # Stored hashed only.
        for code in codes.values():
            assert not one(srv, "SELECT count(*) FROM users WHERE password_hash LIKE ?", "%" + code + "%")
        # The admin page gives the same kind of sheet; it re-issues, so the first sheet's codes stop working.
        admin.get("/admin/users/activation-sheet")
        r = admin.post("/admin/users/activation-sheet", {"org": "171001"})
        assert r.status == 200 and r.header("Content-Type") == "application/pdf"
        assert "no-store" in r.header("Cache-Control")
        text2 = pdf_text(r.body, out + ".3")
        codes2 = dict(re.findall(r"Username / ឈ្មោះអ្នកប្រើ: (\S+)\nCode / លេខកូដ: ([0-9A-Z]{5}-[0-9A-Z]{5})", text2))
        assert set(codes2) == {"sophea2", "pheak"}  # kaev works in the district office, not the commune
        r = admin.post("/admin/users/activation-sheet", {"org": "99"})
        assert r.status == 422 and "unknown org code" in r.text
        c.get("/login")
        assert c.post("/login", {"username": "pheak", "password": codes["pheak"]}).status == 401
        # First login with the code, typed in lower case without the dash: straight to the change form.
        typed = codes2["pheak"].replace("-", "").lower()
        r = c.post("/login", {"username": "pheak", "password": typed})
        assert r.status == 303 and r.header("Location") == "/profile/password"
        form = c.get("/profile/password")
        assert 'name="current"' not in form.text  # there is no current password to give
        assert c.get("/my").header("Location") == "/profile/password"
        r = change_form(c, None, "password12")
        assert r.status == 422
        r = change_form(c, None, NEW_PW)
        assert r.status == 303
        assert c.get("/my").status == 200
        # The code worked once.
        again = srv.client()
        again.get("/login")
        assert again.post("/login", {"username": "pheak", "password": codes2["pheak"]}).status == 401
        again.login("pheak", NEW_PW)
        # CLI import without a password column at all.
        csv = os.path.join(srv.dir, "more.csv")
        with open(csv, "w") as f:
            f.write("username,full_name,org_code\nnary,Nary Kim,171001\n")
        p = sala("users", "import", csv, db=srv.db)
        assert p.returncode == 0, p.stderr
        assert one(srv, "SELECT must_change_password FROM users WHERE username = 'nary'") == 1


def test_activation_code_expires_and_admin_reissues():
    with Server() as srv:
        p = sala("user", "activate", "learner", db=srv.db)
        assert p.returncode == 0, p.stderr
        code = re.search(r"[0-9A-Z]{5}-[0-9A-Z]{5}", p.stdout).group(0)
        expires = one(srv, "SELECT activation_expires FROM users WHERE username = 'learner'")
        assert abs(expires - (time.time() + 14 * 86400)) < 120
        write(srv, "UPDATE users SET activation_expires = ? WHERE username = 'learner'", int(time.time()) - 1)
        c = english(srv.client())
        r = c.post("/login", {"username": "learner", "password": code})
        assert r.status == 401 and "This activation code has expired." in r.text
        _, r = api_login(srv, "learner", code)
        assert r.status == 401 and "expired" in r.json()["error"]
        # The administrator issues a new one on the user page; it is shown once.
        uid = one(srv, "SELECT id FROM users WHERE username = 'learner'")
        admin = srv.client()
        admin.login("admin")
        admin.get("/admin/users/%d" % uid)
        r = admin.post("/admin/users/%d/activation" % uid, {})
        assert r.status == 200 and "no-store" in r.header("Cache-Control")
        new = re.search(r"<strong>([0-9A-Z]{5}-[0-9A-Z]{5})</strong>", r.text).group(1)
        assert new != code
        r = c.post("/login", {"username": "learner", "password": new})
        assert r.status == 303 and r.header("Location") == "/profile/password"


def test_disable_enable_delete_from_the_command_line():
    with Server() as srv:
        c = srv.client()
        c.login("learner")
        p = sala("user", "disable", "learner", db=srv.db)
        assert p.returncode == 0 and "disabled 'learner'" in p.stdout, p.stderr
        assert c.get("/my").status == 303  # the session ended
        c.get("/login")
        assert c.post("/login", {"username": "learner", "password": DEMO["learner"]}).status == 401
        p = sala("user", "enable", "learner", db=srv.db)
        assert p.returncode == 0, p.stderr
        c.login("learner")
        assert sala("user", "disable", "nobody", db=srv.db).returncode != 0
        # Delete: a learner with results and, where the demo has one, a certificate.
        uid = one(srv, "SELECT id FROM users WHERE username = 'learner'")
        cert_user = one(srv, "SELECT user_id FROM certificates WHERE revoked_at IS NULL ORDER BY id LIMIT 1")
        target = cert_user or uid
        name = one(srv, "SELECT username FROM users WHERE id = ?", target)
        kept = lambda: (one(srv, "SELECT count(*) FROM enrolments WHERE user_id = ?", target),
                        one(srv, "SELECT count(*) FROM progress WHERE user_id = ?", target),
                        one(srv, "SELECT count(*) FROM attempts WHERE user_id = ?", target),
                        one(srv, "SELECT count(*) FROM certificates WHERE user_id = ?", target),
                        one(srv, "SELECT sex || org_id FROM users WHERE id = ?", target))
        before = kept()
        cert_code = one(srv, "SELECT code FROM certificates WHERE user_id = ? LIMIT 1", target)
        p = sala("user", "delete", name, db=srv.db)
        assert p.returncode == 0, p.stderr
        assert kept() == before
        row = q(srv, "SELECT username, full_name, full_name_km, email, phone, position, password_hash, active, "
                "deleted_at IS NOT NULL FROM users WHERE id = ?", target)[0]
        assert row == ("#deleted-%d" % target, "", "", "", "", "", "", 0, 1)
        assert one(srv, "SELECT count(*) FROM sessions WHERE user_id = ?", target) == 0
        if cert_code:
            assert srv.client().get("/verify/" + cert_code).status == 200  # issued certificates still verify
        # Demo accounts can be deleted; the last administrator cannot.
        for demo in ("trainer", "manager"):
            assert sala("user", "delete", demo, db=srv.db).returncode == 0
        p = sala("user", "delete", "admin", db=srv.db)
        assert p.returncode != 0 and "last active administrator" in p.stderr
        assert sala("user", "delete", name, db=srv.db).returncode != 0  # no user by that name any more
        # The web page deletes too, after the confirmation box.
        admin = srv.client()
        admin.login("admin")
        sala("user", "add", "--username", "temp1", "--name", "Temp One", "--org", "17", "--password",
             "Correct-horse-9", db=srv.db, check=True)
        tid = one(srv, "SELECT id FROM users WHERE username = 'temp1'")
        admin.get("/admin/users/%d" % tid)
        assert admin.post("/admin/users/%d/delete" % tid, {}).status == 400
        assert admin.post("/admin/users/%d/delete" % tid, {"confirm": "1"}).status == 303
        assert one(srv, "SELECT full_name FROM users WHERE id = ?", tid) == ""


def test_cli_passwords_are_checked():
    with Server(demo=True) as srv:
        for weak in ("password", "12345678", "aaaaaaaa"):
            p = sala("user", "passwd", "learner", "--password", weak, db=srv.db)
            assert p.returncode != 0 and "at least 10 characters" in p.stderr
        p = sala("user", "add", "--username", "x1", "--name", "X", "--org", "17", "--password", "aaaaaaaaaa",
                 db=srv.db)
        assert p.returncode != 0 and "reads the same backwards" in p.stderr
        csv = os.path.join(srv.dir, "weak.csv")
        with open(csv, "w") as f:
            f.write("username,full_name,org_code,password\nw1,W One,17,12345678901\n")
        p = sala("users", "import", csv, db=srv.db)
        assert p.returncode != 0 and "weak.csv:2: The password is too simple" in p.stderr
        p = sala("user", "passwd", "learner", "--password", NEW_PW, "--must-change", db=srv.db)
        assert p.returncode == 0, p.stderr
        assert one(srv, "SELECT must_change_password FROM users WHERE username = 'learner'") == 1


def test_trainers_assign_only_within_their_units():
    with Server() as srv:
        cid = one(srv, "SELECT course_id FROM packages WHERE active = 1 ORDER BY course_id LIMIT 1")
        _, r = api_login(srv, "trainer", DEMO["trainer"])
        h = bearer(r.json()["token"])
        c = srv.client()
        path = "/api/v1/courses/%s/assign" % cid
        before = one(srv, "SELECT count(*) FROM enrolments WHERE course_id = ?", cid)
        r = c.request("POST", path, body=json.dumps({"org": "KH"}), headers=h)  # the whole country
        assert r.status == 403, r.text
        r = c.request("POST", path, body=json.dumps({"org": "17"}), headers=h)  # a province outside MOI
        assert r.status == 403
        assert one(srv, "SELECT count(*) FROM enrolments WHERE course_id = ?", cid) == before
        assert not one(srv, "SELECT count(*) FROM org_assignments WHERE course_id = ?", cid)
        r = c.request("POST", path, body=json.dumps({"org": "MOI"}), headers=h)  # their own ministry
        assert r.status == 200, r.text
        # The web form says so and refuses the same way.
        w = login_en(srv, "trainer")
        page = w.get("/courses/%s/assign" % cid)
        assert "You can assign only within the units you manage." in page.text
        r = w.post("/courses/%s/assign" % cid, {"org": "KH"})
        assert r.status == 403 and "Outside the units you manage" in r.text
        # The administrator still assigns anywhere.
        _, r = api_login(srv, "admin", DEMO["admin"])
        r = c.request("POST", path, body=json.dumps({"org": "17"}), headers=bearer(r.json()["token"]))
        assert r.status == 200, r.text
