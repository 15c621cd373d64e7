"""Certificates: issue, download (PDF opens, QR decodes), verify pages, revocation,
public key and offline check, Open Badges, access control, bulk printing, re-issue."""
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import zipfile

from harness import fresh_db, connect, Server, sala

COURSE = "cert-it"


def setup_course(srv, title="Digital Safety · សុវត្ថិភាពឌីជីថល", users=("learner",), score=88.0):
    """Inserts a course, an active package and completed enrolments straight into the database
    (the completion code of the quiz area is not needed for these tests)."""
    db = connect(srv.db)
    db.execute("INSERT INTO courses(id, created_at) VALUES (?, 0) ON CONFLICT DO NOTHING", (COURSE,))
    db.execute("INSERT INTO packages(course_id, language, version, version_num, title, certificate, "
               "imported_at, active) VALUES (?, 'km', '1.0.0', 10000, ?, 1, 0, 1) ON CONFLICT DO NOTHING",
               (COURSE, title))
    db.execute("INSERT INTO settings(key, value) VALUES ('base_url', ?) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value", ("http://127.0.0.1:%d" % srv.port,))
    for u in users:
        uid = db.execute("SELECT id FROM users WHERE username = ?", (u,)).fetchone()[0]
        db.execute("INSERT INTO enrolments(user_id, course_id, enrolled_at, started_at, completed_at, best_final) "
                   "VALUES (?, ?, 1767000000, 1767000000, 1767600000, ?) ON CONFLICT (user_id, course_id) DO UPDATE "
                   "SET enrolled_at = excluded.enrolled_at, started_at = excluded.started_at, "
                   "completed_at = excluded.completed_at, best_final = excluded.best_final", (uid, COURSE, score))
    db.commit()
    db.close()


def issue(srv, user="learner"):
    p = sala("cert", "issue", "--user", user, "--course", COURSE, db=srv.db, check=True)
    serial, code = p.stdout.split()[:2]
    assert re.match(r"^SALA-\d{4}-\d{6}$", serial), serial
    assert re.match(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}$", code), code
    return serial, code


def add_user(srv, username, org):
    sala("user", "add", "--username", username, "--name", "Other Person", "--org", org, "--password",
         "rice-field-2031", db=srv.db, check=True)


def status_of(page):
    m = re.search(r'data-status="(\w+)"', page)
    return m.group(1) if m else None


def test_pdf_png_qr_and_verify():
    with Server() as srv:
        setup_course(srv)
        serial, code = issue(srv)
        # Issuing again gives the same certificate.
        assert issue(srv) == (serial, code)
        c = srv.client()
        c.login("learner")
        r = c.get("/certificates")
        assert r.status == 200 and serial in r.text
        with tempfile.TemporaryDirectory() as tmp:
            r = c.get("/certificates/%s.pdf" % serial)
            assert r.status == 200, r.status
            assert r.header("Content-Type") == "application/pdf"
            pdf = os.path.join(tmp, "c.pdf")
            open(pdf, "wb").write(r.body)
            info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True)
            assert info.returncode == 0 and re.search(r"Pages:\s+1\n", info.stdout), info.stdout
            assert "A4" in info.stdout
            p = subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", pdf, os.path.join(tmp, "page")],
                               capture_output=True)
            assert p.returncode == 0, p.stderr
            assert any(n.startswith("page") and n.endswith(".png") for n in os.listdir(tmp))

            r = c.get("/certificates/%s.png?full=1" % serial)
            assert r.status == 200 and r.body[:8] == b"\x89PNG\r\n\x1a\n"
            assert r.body[16:24] == bytes.fromhex("00000db4000009b0")  # 3508 x 2480
            png = os.path.join(tmp, "c.png")
            open(png, "wb").write(r.body)
            z = subprocess.run(["zbarimg", "--quiet", "--raw", png], capture_output=True, text=True)
            url = "http://127.0.0.1:%d/verify/%s" % (srv.port, code)
            assert z.stdout.strip() == url, (z.stdout, z.stderr)

            # The QR's URL opens the public page (no login).
            anon = srv.client()
            r = anon.get("/verify/" + code + "?lang=en")
            assert r.status == 200 and status_of(r.text) == "valid", r.text[:500]
            assert "Srey Sokha" in r.text and "ស្រី សុខា" in r.text
            assert "88" not in re.sub(r"<[^>]+>", "", r.text).replace(code, "")  # the score is not public

            # Offline check of both files against the published key.
            key = anon.get("/certificates/public-key")
            assert key.status == 200 and len(key.text.strip()) == 44
            kj = anon.get("/certificates/public-key.json").json()
            assert kj["public_key"] == key.text.strip() and kj["jwk"]["crv"] == "Ed25519"
            keyfile = os.path.join(tmp, "key.txt")
            open(keyfile, "w").write(key.text)
            for f in (pdf, png):
                p = sala("cert", "verify", "--offline", f, "--key", keyfile)
                assert p.returncode == 0, (f, p.stdout, p.stderr)
                assert "Srey Sokha" in p.stdout and "ស្រី សុខា" in p.stdout
            # Change the score inside the signed token of the PNG: the check fails.
            data = open(png, "rb").read()
            m = re.search(rb"SALA1\.([A-Za-z0-9_-]+)\.", data)
            import base64
            body = base64.urlsafe_b64decode(m.group(1) + b"=" * (-len(m.group(1)) % 4))
            forged = body.replace(b'"score":88', b'"score":98')
            assert forged != body
            tok = base64.urlsafe_b64encode(forged).rstrip(b"=")
            bad = os.path.join(tmp, "bad.png")
            open(bad, "wb").write(data.replace(m.group(1), tok))
            p = sala("cert", "verify", "--offline", bad, "--key", keyfile)
            assert p.returncode == 1 and "invalid" in p.stdout, (p.stdout, p.stderr)
            # A code alone cannot be checked offline.
            p = sala("cert", "verify", "--offline", code, "--key", keyfile)
            assert p.returncode == 1 and "online" in p.stderr

        # Online CLI check.
        p = sala("cert", "verify", code.lower().replace("-", ""), db=srv.db)
        assert p.returncode == 0 and p.stdout.startswith("valid"), p.stdout


def test_verify_unknown_typo_and_form():
    with Server() as srv:
        setup_course(srv)
        serial, code = issue(srv)
        anon = srv.client()
        r = anon.get("/verify?code=" + code.lower())
        assert r.status == 303 and r.header("Location").endswith("/verify/" + code)
        # A wrong character fails the check symbol: reported as a typing mistake.
        alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
        wrong = alphabet[(alphabet.index(code[0]) + 1) % 32] + code[1:]
        r = anon.get("/verify/" + wrong)
        assert r.status == 404 and status_of(r.text) == "unknown"
        r = anon.get("/verify?code=" + wrong)
        assert r.status == 404
        p = sala("cert", "verify", wrong, db=srv.db)
        assert p.returncode == 1
        # A well-formed code that was never issued.
        r = anon.get("/verify/0000-0000-00")
        assert r.status == 404 and status_of(r.text) == "unknown"


def test_revoke_from_admin_page():
    with Server() as srv:
        setup_course(srv)
        serial, code = issue(srv)
        a = srv.client()
        a.login("admin")
        r = a.get("/admin/certificates?q=" + serial)
        assert r.status == 200 and serial in r.text
        r = a.get("/admin/certificates/" + serial)
        assert r.status == 200
        r = a.post("/admin/certificates/%s/revoke" % serial, {"reason": ""})
        assert r.status == 422
        r = a.get("/admin/certificates/" + serial)
        r = a.post("/admin/certificates/%s/revoke" % serial, {"reason": "Issued by mistake"})
        assert r.status == 303, r.status
        r = srv.client().get("/verify/%s?lang=en" % code)
        assert r.status == 200 and status_of(r.text) == "revoked"
        assert "Issued by mistake" in r.text and re.search(r"\d{4}-\d{2}-\d{2}", r.text)
        p = sala("cert", "verify", code, db=srv.db)
        assert p.returncode == 1 and p.stdout.startswith("revoked")
        # Revoked certificates give no badge and are left out of bulk printing.
        c = srv.client()
        c.login("learner")
        assert c.get("/certificates/%s/badge.json" % serial).status == 410


def test_cli_revoke_and_reissue():
    with Server() as srv:
        setup_course(srv)
        serial, code = issue(srv)
        p = sala("cert", "revoke", serial, db=srv.db)
        assert p.returncode != 0  # a reason is required
        db = connect(srv.db)
        db.execute("UPDATE users SET full_name = 'Srey Sokha Chan', full_name_km = 'ស្រី សុខា ចាន់' "
                   "WHERE username = 'learner'")
        db.commit()
        db.close()
        c = srv.client()
        c.login("learner")
        r = c.get("/certificates")
        assert "/certificates/%s/reissue" % serial in r.text
        r = c.post("/certificates/%s/reissue" % serial)
        assert r.status == 303, (r.status, r.text[:300])
        r = c.get("/certificates")
        assert serial not in r.text and "SALA-" in r.text
        r = srv.client().get("/verify/" + code)
        assert status_of(r.text) == "superseded"
        new_serial = re.findall(r"/certificates/(SALA-\d{4}-\d{6})\.pdf", c.get("/certificates").text)[0]
        assert new_serial != serial
        p = sala("cert", "reissue", new_serial, db=srv.db, check=True)
        newest = p.stdout.split()[0]
        assert newest != new_serial
        p = sala("cert", "list", "--user", "learner", db=srv.db, check=True)
        states = dict(line.split("\t")[0::5] for line in p.stdout.strip().splitlines())
        assert states == {serial: "superseded", new_serial: "superseded", newest: "valid"}, states
        p = sala("cert", "revoke", newest, "--reason", "Duplicate", db=srv.db, check=True)
        p = sala("cert", "reissue", newest, db=srv.db)
        assert p.returncode != 0


def test_access_control_and_badge():
    with Server() as srv:
        setup_course(srv)
        serial, code = issue(srv)
        add_user(srv, "other", "0201")
        o = srv.client()
        o.login("other", "rice-field-2031")
        for path in ("/certificates/%s.pdf", "/certificates/%s.png", "/certificates/%s/badge.json",
                     "/certificates/%s/badge.jwt"):
            assert o.get(path % serial).status == 404, path
        assert serial not in o.get("/certificates").text
        r = o.post("/certificates/%s/reissue" % serial)
        assert r.status == 404
        assert srv.client().get("/certificates/%s.pdf" % serial).status in (302, 303)
        # The manager of Siem Reap province sees the learner of Sla Kram commune.
        m = srv.client()
        m.login("manager")
        r = m.get("/certificates/%s.pdf" % serial)
        assert r.status == 200 and r.body[:5] == b"%PDF-"
        c = srv.client()
        c.login("learner")
        r = c.get("/certificates/%s/badge.json" % serial)
        assert r.status == 200
        vc = r.json()
        assert vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
        assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert vc["issuer"]["type"] == ["Profile"] and vc["issuer"]["name"] == "Ministry of Interior"
        assert vc["credentialSubject"]["achievement"]["type"] == ["Achievement"]
        assert vc["credentialSubject"]["achievement"]["criteria"]["narrative"]
        assert re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", vc["validFrom"])
        r = c.get("/certificates/%s/badge.jwt" % serial)
        assert r.status == 200
        import base64
        h, p, s = r.text.strip().split(".")
        pad = lambda x: x + "=" * (-len(x) % 4)
        assert json.loads(base64.urlsafe_b64decode(pad(h)))["alg"] == "EdDSA"
        assert json.loads(base64.urlsafe_b64decode(pad(p)))["type"][1] == "OpenBadgeCredential"
        assert len(base64.urlsafe_b64decode(pad(s))) == 64


def test_bulk_pdf_and_zip():
    with Server() as srv:
        add_user(srv, "other", "0201")  # Battambang: outside the Siem Reap manager's area
        setup_course(srv, users=("learner", "other", "manager"))
        for u in ("learner", "other", "manager"):
            issue(srv, u)
        m = srv.client()
        m.login("manager")
        assert m.get("/certificates/bulk").status == 200
        r = m.get("/certificates/bulk?course=%s&format=pdf" % COURSE)
        assert r.status == 200 and r.header("X-Certificates") == "2", r.header("X-Certificates")
        with tempfile.TemporaryDirectory() as tmp:
            pdf = os.path.join(tmp, "b.pdf")
            open(pdf, "wb").write(r.body)
            info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True)
            assert re.search(r"Pages:\s+2\n", info.stdout), info.stdout
        r = m.get("/certificates/bulk?course=%s&org=171001&from=2026-01-01&to=2026-12-31&format=zip" % COURSE)
        assert r.status == 200
        names = zipfile.ZipFile(io.BytesIO(r.body)).namelist()
        assert len(names) == 1 and names[0].endswith(".pdf")
        assert m.get("/certificates/bulk?course=%s&org=0201&format=pdf" % COURSE).status == 404
        assert m.get("/certificates/bulk?course=%s&to=2000-01-01&format=pdf" % COURSE).status == 404
        c = srv.client()
        c.login("learner")
        assert c.get("/certificates/bulk?format=pdf").status == 403
        a = srv.client()
        a.login("admin")
        r = a.get("/certificates/bulk?course=%s&format=zip" % COURSE)
        assert r.status == 200 and len(zipfile.ZipFile(io.BytesIO(r.body)).namelist()) == 3
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "all.zip")
            p = sala("cert", "bulk", "--course", COURSE, "--org", "17", "-o", out, db=srv.db, check=True)
            assert len(zipfile.ZipFile(out).namelist()) == 2
            # Learners' names: readable by the owner only, whatever the umask.
            assert os.stat(out).st_mode & 0o777 == 0o600, oct(os.stat(out).st_mode)


def test_admin_name_correction_reissues():
    with Server() as srv:
        setup_course(srv)
        serial, code = issue(srv)
        admin = srv.client()
        admin.login("admin")
        uid = connect(srv.db).execute("SELECT id FROM users WHERE username='learner'").fetchone()[0]
        page = admin.get("/admin/users/%d" % uid)
        assert page.status == 200
        form = {"full_name": "Srey Sokha Chan", "full_name_km": "ស្រី សុខា ចាន់", "sex": "female",
                "org_code": "171001", "position": "", "email": "", "phone": "", "role_learner": "1"}
        r = admin.post("/admin/users/%d" % uid, form)
        assert r.status == 303 and "reissued=1" in r.header("Location"), r.header("Location")
        db = connect(srv.db)
        old = db.execute("SELECT superseded_by FROM certificates WHERE serial = ?", (serial,)).fetchone()[0]
        assert old is not None
        new = db.execute("SELECT name, name_km, superseded_by FROM certificates WHERE id = ?", (old,)).fetchone()
        assert new == ("Srey Sokha Chan", "ស្រី សុខា ចាន់", None), new
        # Saving again without a name change re-issues nothing.
        r = admin.post("/admin/users/%d" % uid, form)
        assert "reissued=0" in r.header("Location")
        assert db.execute("SELECT count(*) FROM certificates WHERE user_id = ?", (uid,)).fetchone()[0] == 2


def test_demo_certificates_verify():
    """`sala demo --learners` signs its certificates with the site key, in the language of the package
    the learner sees (the active one in Khmer where there is one), so they verify like issued ones."""
    tmp = tempfile.mkdtemp(prefix="sala-demo-certs-")
    try:
        db = fresh_db(tmp, "demo.db")
        sala("demo", "--init", "--learners", "50", db=db, check=True)
        con = connect(db)
        rows = con.execute(
            "SELECT c.code, c.language, c.revoked_at IS NOT NULL, c.serial, c.course_id, "
            "(SELECT p.language FROM packages p WHERE p.course_id = c.course_id ORDER BY p.active DESC, "
            "p.language = 'km' DESC, p.version_num DESC, p.id DESC LIMIT 1), u.is_demo "
            "FROM certificates c JOIN users u ON u.id = c.user_id ORDER BY c.id").fetchall()
        con.close()
        assert len(rows) >= 20, len(rows)
        assert all(r[1] == r[5] for r in rows), [r for r in rows if r[1] != r[5]][:3]
        assert all(r[6] == 1 for r in rows)
        assert {"km", "en"} <= {r[1] for r in rows}, {r[1] for r in rows}
        valid = [r for r in rows if not r[2]]
        picks = [next(r for r in valid if r[1] == "km"), next(r for r in valid if r[1] == "en"), valid[-1]]
        for code, lang, _, serial, course, _, _ in picks:
            p = sala("cert", "verify", code, db=db)
            assert p.returncode == 0 and p.stdout.startswith("valid: " + serial), (code, p.stdout, p.stderr)
            assert "(%s, %s)" % (course, lang) in p.stdout, p.stdout
        revoked = [r for r in rows if r[2]]
        if revoked:  # about 2 %: revoked, not tampered
            p = sala("cert", "verify", revoked[0][0], db=db)
            assert p.returncode == 1 and p.stdout.startswith("revoked"), p.stdout
        with Server(demo=False, db=db) as srv:
            anon = srv.client()
            for code, *_ in picks:
                r = anon.get("/verify/" + code + "?lang=en")
                assert r.status == 200 and status_of(r.text) == "valid", (code, r.status, r.text[:400])
        # The rendered file carries a token that checks offline against the published key.
        png = os.path.join(tmp, "c.png")
        key = os.path.join(tmp, "key.txt")
        sala("cert", "render", picks[0][3], "-o", png, db=db, check=True)
        assert os.stat(png).st_mode & 0o777 == 0o600, oct(os.stat(png).st_mode)
        open(key, "w").write(sala("cert", "public-key", db=db, check=True).stdout)
        p = sala("cert", "verify", "--offline", png, "--key", key)
        assert p.returncode == 0 and picks[0][0] in p.stdout, (p.stdout, p.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
