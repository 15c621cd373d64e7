"""Foundation: accounts, sessions, CSRF, languages, admin pages and the account CLI."""
import os
import re
import tempfile

from harness import fresh_db, connect, DEMO, Server, sala


def test_security_headers_on_pages_and_errors():
    with Server() as srv:
        c = srv.client()
        for path, status in (("/login", 200), ("/no/such/page", 404)):
            r = c.get(path)
            assert r.status == status, (path, r.status)
            csp = r.header("Content-Security-Policy")
            assert csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, csp
            assert "script-src" not in csp  # no script allowed at all
            assert r.header("X-Content-Type-Options") == "nosniff"
            assert r.header("Referrer-Policy") == "same-origin"


def test_every_demo_role_logs_in_and_lands_on_its_page():
    with Server() as srv:
        expect = {"admin": "/my", "trainer": "/manage/courses", "manager": "/reports", "learner": "/my"}
        for user in DEMO:
            c = srv.client()
            c.get("/login")
            r = c.post("/login", {"username": user, "password": DEMO[user]})
            assert r.status == 303, (user, r.status)
            home = c.get("/")
            assert home.status == 303 and home.header("Location") == expect[user], (user, home.header("Location"))


def test_login_failure_is_generic_and_changes_nothing():
    with Server() as srv:
        c = srv.client()
        c.get("/login")
        bad_user = c.post("/login", {"username": "nobody", "password": "whatever-123"})
        bad_pw = c.post("/login", {"username": "learner", "password": "wrong-password"})
        assert bad_user.status == 401 and bad_pw.status == 401
        msg = "The username or password is not correct."
        c.post("/lang", {"lang": "en", "next": "/login"})
        bad_pw = c.post("/login", {"username": "learner", "password": "wrong-password"})
        assert msg in bad_pw.text
        assert "sala_session" not in c.cookies


def test_session_fixation_and_logout_invalidation():
    with Server() as srv:
        c = srv.client()
        planted = "a" * 64
        c.cookies["sala_session"] = planted
        c.login("learner")
        token = c.cookies["sala_session"]
        assert token != planted and re.fullmatch(r"[0-9a-f]{64}", token)
        assert c.get("/admin/users").status == 403  # logged in, wrong role
        # Log in again: a new token each time.
        c2 = srv.client()
        c2.login("learner")
        assert c2.cookies["sala_session"] != token
        # Logout kills the old token even if a client keeps sending it.
        c.get("/login")
        page = c.get("/courses")
        r = c.post("/logout", {"csrf": c.csrf_token})
        assert r.status == 303
        thief = srv.client()
        thief.cookies["sala_session"] = token
        r = thief.get("/admin/users")
        assert r.status == 303 and r.header("Location").startswith("/login"), r.status
        # The cookie attributes.
        c3 = srv.client()
        c3.get("/login")
        r = c3.post("/login", {"username": "learner", "password": DEMO["learner"]})
        cookie = [v for v in r.headers_all("Set-Cookie") if v.startswith("sala_session=")][0]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie
        r = c3.request("POST", "/logout", body="csrf=" + c3.csrf_token,
                       headers={"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-Proto": "https"})
        c4 = srv.client()
        c4.get("/login")
        r = c4.request("POST", "/login", body="csrf=%s&username=learner&password=%s" % (c4.csrf_token, DEMO["learner"]),
                       headers={"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-Proto": "https"})
        cookie = [v for v in r.headers_all("Set-Cookie") if v.startswith("sala_session=")][0]
        assert "Secure" in cookie


def test_csrf_required_on_state_changing_forms():
    with Server() as srv:
        c = srv.client()
        c.login("admin")
        before = connect(srv.db).execute("SELECT count(*) FROM users").fetchone()[0]
        fields = {"username": "csrfvictim", "full_name": "X", "org_code": "17", "password": "long-enough-1",
                  "role_learner": "1"}
        assert c.post("/admin/users/new", fields, csrf=False).status == 403
        assert c.post("/admin/users/new", dict(fields, csrf="0" * 64)).status == 403
        assert c.post("/logout", {}, csrf=False).status == 403
        after = connect(srv.db).execute("SELECT count(*) FROM users").fetchone()[0]
        assert before == after
        # Login form without its token is refused too (login CSRF).
        anon = srv.client()
        r = anon.post("/login", {"username": "learner", "password": DEMO["learner"]}, csrf=False)
        assert r.status == 403 and "sala_session" not in anon.cookies
        # With the token it works.
        assert c.post("/admin/users/new", fields).status == 303


def test_language_switch_and_preference():
    with Server() as srv:
        c = srv.client()
        r = c.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
        assert '<html lang="en">' in r.text and "Log in" in r.text
        r = c.get("/login", headers={"Accept-Language": "km-KH"})
        assert '<html lang="km">' in r.text and "ចូលប្រព័ន្ធ" in r.text
        r = c.post("/lang", {"lang": "en", "next": "/login"})
        assert r.status == 303 and r.header("Location") == "/login"
        r = c.get("/login", headers={"Accept-Language": "km"})
        assert '<html lang="en">' in r.text  # the cookie beats the header
        # A logged-in user's choice is stored on the account.
        c.login("learner")
        c.get("/login")
        page = c.get("/admin/users")  # any page with the switcher
        c.post("/lang", {"lang": "km", "next": "/"})
        lang = connect(srv.db).execute("SELECT lang FROM users WHERE username='learner'").fetchone()[0]
        assert lang == "km"
        assert c.post("/lang", {"lang": "fr", "next": "/"}).status == 400
        # An open redirect is not possible through next.
        r = c.post("/lang", {"lang": "en", "next": "//evil.example/x"})
        assert r.header("Location") == "/"


def test_admin_user_pages_escape_and_validate():
    with Server() as srv:
        c = srv.client()
        c.login("admin")
        c.get("/admin/users/new")
        xss = '<script>alert("x")</script>'
        r = c.post("/admin/users/new", {"username": "xss", "full_name": xss, "org_code": "17",
                                        "password": "long-enough-1", "role_learner": "1"})
        assert r.status == 303
        page = c.get("/admin/users?q=xss")
        assert xss not in page.text and "&lt;script&gt;" in page.text
        # A bad org code is refused with a message and nothing is added.
        r = c.post("/admin/users/new", {"username": "badorg", "full_name": "B", "org_code": "99",
                                        "password": "long-enough-1"})
        assert r.status == 422 and 'aria-invalid="true" aria-describedby="f-org_code-err"' in r.text
        assert "There is no org unit with this code." in r.text or "មិនមានអង្គភាពដែលមានលេខកូដនេះទេ។" in r.text
        n = connect(srv.db).execute("SELECT count(*) FROM users WHERE username='badorg'").fetchone()[0]
        assert n == 0
        # Non-admins are refused.
        learner = srv.client()
        learner.login("learner")
        assert learner.get("/admin/users").status == 403
        assert learner.get("/admin/orgs").status == 403


def test_admin_csv_import_page_all_or_nothing():
    with Server() as srv:
        c = srv.client()
        c.login("admin")
        c.get("/admin/users/import")
        csv = ("username,full_name,org_code,password\n"
               "good1,Good One,17,long-enough-1\n"
               "bad1,Bad One,99,long-enough-1\n")
        r = c.post("/admin/users/import", {"csv": csv})
        assert r.status == 422 and "upload.csv:3: unknown org_code &#39;99&#39;" in r.text, r.text[-800:]
        db = connect(srv.db)
        assert db.execute("SELECT count(*) FROM users WHERE username='good1'").fetchone()[0] == 0
        r = c.post("/admin/users/import", {"csv": csv.replace(",99,", ",12,")})
        assert r.status == 200
        assert db.execute("SELECT count(*) FROM users WHERE username IN ('good1','bad1')").fetchone()[0] == 2


def test_cli_users_import_one_bad_row_imports_nothing():
    d = tempfile.mkdtemp()
    db = fresh_db(d, "t.db")
    sala("demo", "--init", db=db, check=True)
    path = os.path.join(d, "staff.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write("username,full_name,full_name_km,sex,org_code,position,role,email,phone,password\n")
        f.write("chan.dara,Chan Dara,ចាន់ ដារា,male,17,Clerk,learner,,,long-enough-1\n")
        f.write("sok.mealea,Sok Mealea,សុខ មាលា,femail,17,Clerk,learner,,,long-enough-1\n")
    before = connect(db).execute("SELECT count(*) FROM users").fetchone()[0]
    p = sala("users", "import", path, db=db)
    assert p.returncode == 1
    assert "%s:3: sex must be female, male, other or unspecified, not 'femail'" % path in p.stderr, p.stderr
    assert ":2:" not in p.stderr
    after = connect(db).execute("SELECT count(*) FROM users").fetchone()[0]
    assert before == after
    with open(path, "w", encoding="utf-8") as f:
        f.write("username,full_name,full_name_km,sex,org_code,position,role,email,phone,password\n")
        f.write("chan.dara,Chan Dara,ចាន់ ដារា,male,17,Clerk,learner,,,long-enough-1\n")
    p = sala("users", "import", path, db=db)
    assert p.returncode == 0 and "imported 1 users" in p.stdout
    p = sala("user", "list", "--org", "17", db=db)
    assert "chan.dara" in p.stdout and "manager" in p.stdout and "learner " in p.stdout
    assert "admin " not in p.stdout  # admin sits at the national level, not in province 17


def test_cli_user_add_passwd_and_orgs_import():
    d = tempfile.mkdtemp()
    db = fresh_db(d, "t.db")
    sala("demo", "--init", db=db, check=True)
    p = sala("user", "add", "--username", "vanna", "--name", "Vanna Kim", "--name-km", "វណ្ណា គីម",
             "--sex", "female", "--org", "12", "--role", "learner;trainer", "--password-stdin",
             db=db, input="first-password\n")
    assert p.returncode == 0, p.stderr
    p = sala("user", "add", "--username", "vanna", "--name", "Again", "--org", "12", "--password", "x" * 10, db=db)
    assert p.returncode == 1 and "username 'vanna' is already taken" in p.stderr
    p = sala("user", "passwd", "vanna", db=db, input="second-password\n")
    assert p.returncode == 0, p.stderr
    with Server(demo=False, db=db) as srv:
        c = srv.client()
        c.login("vanna", "second-password")
    csv = os.path.join(d, "orgs.csv")
    with open(csv, "w", encoding="utf-8") as f:
        f.write("code,name_en,name_km,parent_code,level\n1205,Dangkao,ដង្កោ,12,district\n120501,Dangkao,,1205,commune\n")
    p = sala("orgs", "import", csv, db=db)
    assert p.returncode == 0 and "imported 2 org units" in p.stdout, p.stderr
    p = sala("orgs", "import", csv, db=db)
    assert p.returncode == 1 and "%s:2: org code '1205' already exists" % csv in p.stderr
    p = sala("orgs", "list", "12", db=db)
    assert "1205" in p.stdout and "ដង្កោ" in p.stdout


def test_db_location_flag_and_env():
    d = tempfile.mkdtemp()
    db = os.path.join(d, "env.db")
    p = sala("demo", "--init", env={"SALA_DB": db})
    assert p.returncode == 0 and os.path.exists(db), p.stderr
    assert "learner  / demo-Mekong-4" in p.stdout
    # Second run keeps the data and says so.
    p = sala("demo", "--init", env={"SALA_DB": db})
    assert "using the existing database" in p.stdout
    p = sala("no-such-command")
    assert p.returncode == 2 and "unknown command" in p.stderr


def test_next_with_control_characters_is_not_an_open_redirect():
    # Browsers drop tabs and new lines from a Location: "/\t/evil.example" would go to //evil.example.
    with Server() as srv:
        c = srv.client()
        for bad in ("/\t/evil.example/x", "/\n/evil.example/x", "/\x0b\\evil.example"):
            r = c.post("/lang", {"lang": "en", "next": bad})
            assert r.status == 303 and r.header("Location") == "/", (bad, r.header("Location"))
        # A local path still works.
        r = c.post("/lang", {"lang": "en", "next": "/courses?q=a%20b"})
        assert r.header("Location") == "/courses?q=a%20b"
        c.get("/login?next=%2F%09%2Fevil.example%2Fx")
        r = c.post("/login", {"username": "learner", "password": DEMO["learner"], "next": "/\t/evil.example/x"})
        assert r.status == 303 and r.header("Location") == "/", r.header("Location")


def test_chunked_body_is_refused_and_server_keeps_serving():
    import http.client
    with Server() as srv:
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
        conn.putrequest("POST", "/login")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.putheader("Content-Type", "application/x-www-form-urlencoded")
        conn.endheaders()
        conn.send(b"5\r\nab=cd\r\n0\r\n\r\n")
        r = conn.getresponse()
        assert r.status == 411, r.status
        conn.close()
        assert srv.client().get("/login").status == 200


def test_site_settings_cli_and_admin_page():
    d = tempfile.mkdtemp()
    db = fresh_db(d, "t.db")
    sala("demo", "--init", db=db, check=True)
    p = sala("settings", "get", "issuer_en", db=db)
    assert p.stdout.strip() == "Ministry of Interior"
    p = sala("settings", "set", "issuer_en", "Siem Reap Provincial Administration", db=db)
    assert p.returncode == 0
    assert sala("settings", "get", "issuer_en", db=db).stdout.strip() == "Siem Reap Provincial Administration"
    for key, bad, msg in (("cert_color", "blue", "is not a colour"), ("base_url", "ftp://x", "is not an address"),
                          ("cert_logo_path", "/etc/passwd", "is not a PNG image"), ("nope", "x", "unknown setting")):
        p = sala("settings", "set", key, bad, db=db)
        assert p.returncode == 1 and msg in p.stderr, (key, p.stderr)
    assert sala("settings", "set", "issuer_en", "", db=db).returncode == 0
    assert sala("settings", "get", "issuer_en", db=db).stdout.strip() == "Ministry of Interior"
    p = sala("settings", "list", db=db)
    assert "base_url" in p.stdout and "(default)" in p.stdout
    with Server(demo=False, db=db) as srv:
        c = srv.client()
        c.login("admin")
        page = c.get("/admin/settings")
        assert page.status == 200 and 'name="issuer_km"' in page.text
        # One bad value saves nothing.
        r = c.post("/admin/settings", {"issuer_en": "New Issuer", "cert_color": "red"})
        assert r.status == 422 and "is not a colour" in r.text
        assert sala("settings", "get", "issuer_en", db=db).stdout.strip() == "Ministry of Interior"
        r = c.post("/admin/settings", {"issuer_en": "New Issuer", "cert_color": "#123456",
                                       "base_url": "https://sala.example.gov.kh"})
        assert r.status == 303
        assert sala("settings", "get", "base_url", db=db).stdout.strip() == "https://sala.example.gov.kh"
        learner = srv.client()
        learner.login("learner")
        assert learner.get("/admin/settings").status == 403
