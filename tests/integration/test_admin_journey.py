"""The administrator's journey: settings with labels and help in both languages, the certificate logo
uploaded (refused when too big, of the wrong type or size; printed on certificates), the base_url
warning until it is set, the user list in pages, the audit trail (stored, filtered, paged, as CSV and
`sala audit`), and every problem of a refused user form or CSV row at once."""
import csv
import html
import io
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
import zlib

from harness import connect, Server, sala
from learnutil import one, q
from test_certs import issue, setup_course
from test_courses import multipart

BANNER = 'id="base-url-warning"'


def png(w, h, color=(200, 30, 30)):
    """A PNG of one colour, made here (no imaging library needed)."""
    raw = b"".join(b"\x00" + bytes(color) * w for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def admin(srv, lang="en"):
    c = srv.client()
    c.cookies["sala_lang"] = lang
    c.get("/login?lang=" + lang)
    c.login("admin")
    c.get("/profile")
    assert c.post("/lang", {"lang": lang, "next": "/"}).status == 303
    return c


def upload_image(c, name, data, filename="logo.png"):
    c.get("/admin/settings")
    body, ctype = multipart({"csrf": c.csrf_token}, {"image": (filename, data)})
    return c.request("POST", "/admin/settings/images/" + name, body=body, headers={"Content-Type": ctype})


def audit_rows(srv, where="1 = 1", *args):
    return q(srv, "SELECT actor, origin, action, target, detail FROM audit_log WHERE " + where + " ORDER BY id",
             *args)


def labels_of(page):
    """{field name: its label text} of the settings form."""
    return {m.group(1): re.sub(r"<[^>]+>", "", m.group(2)).strip()
            for m in re.finditer(r'<label for="f-([a-z_]+)">(.*?)</label>', page, re.S)}


def test_settings_labels_and_help_in_both_languages():
    with Server() as srv:
        keys = [l.split()[0] for l in sala("settings", "list", db=srv.db, check=True).stdout.splitlines()
                if l and not l.startswith(" ")]
        assert "package_max_entries" in keys and "metrics_token" in keys, keys
        typed = [k for k in keys if not k.endswith("_path")]  # the two image paths are uploads now
        seen = {}
        for lang in ("en", "km"):
            page = admin(srv, lang).get("/admin/settings").text
            labels = labels_of(page)
            for k in typed:
                assert k in labels, (lang, k)
                # A label in words, never the raw key; a help line under every field.
                assert labels[k] and labels[k] != k and "_" not in labels[k], (lang, k, labels[k])
                help_ = re.search(r'<p class="meta" id="help-%s">(.*?)</p>' % k, page, re.S)
                assert help_ and len(help_.group(1)) > 20, (lang, k)
                seen.setdefault(k, []).append((labels[k], help_.group(1)))
            # The path settings are not typed in the browser: files are uploaded instead.
            assert 'name="cert_logo_path"' not in page and 'name="image"' in page
            assert 'enctype="multipart/form-data"' in page
        for k, ((en_label, en_help), (km_label, km_help)) in seen.items():
            assert en_label != km_label and en_help != km_help, k
            assert re.search("[\u1780-\u17ff]", km_label) and re.search("[\u1780-\u17ff]", km_help), k
        assert seen["package_max_entries"][0][0] == "Course packages: most files and folders"


def test_base_url_warning_until_set():
    with Server() as srv:
        assert one(srv, "SELECT count(*) FROM settings WHERE key = 'base_url'") == 0
        warn = "base_url is not set"
        assert srv.logtext().count(warn) == 1, srv.logtext()
        c = admin(srv)
        for path in ("/admin/users", "/admin/settings", "/admin/audit"):
            page = c.get(path).text
            assert BANNER in page and "http://127.0.0.1:8080" in page, path
        assert BANNER not in c.get("/courses").text  # the admin pages only
        assert BANNER in admin(srv, "km").get("/admin/users").text
        c.get("/admin/settings")
        assert c.post("/admin/settings", {"base_url": "https://sala.example.gov.kh"}).status == 303
        for path in ("/admin/users", "/admin/settings"):
            assert BANNER not in c.get(path).text, path
        # A restart with base_url set logs no warning.
        srv.kill()
        srv.start()
        assert srv.logtext().count(warn) == 1, srv.logtext()
        # Cleared again: the warning is back.
        c = admin(srv)
        c.get("/admin/settings")
        assert c.post("/admin/settings", {"base_url": ""}).status == 303
        assert BANNER in c.get("/admin/settings").text


def page_image(pdf, fmt="ppm", dpi=40):
    """The certificate PDF's page as a PPM (or JPEG) made by poppler's pdftoppm."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "c.pdf")
        open(path, "wb").write(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi)] + (["-jpeg"] if fmt == "jpeg" else []) +
                       ["-f", "1", "-l", "1", "-singlefile", path, os.path.join(tmp, "page")], check=True, timeout=60)
        return open(os.path.join(tmp, "page." + ("jpg" if fmt == "jpeg" else fmt)), "rb").read()


def red_pixels(pdf, color=(200, 30, 30)):
    """How many pixels of the certificate's page are (within a few levels) the logo's colour."""
    data = page_image(pdf)
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    px = data[header.end():]
    n = 0
    for i in range(0, len(px) - 2, 3):
        if abs(px[i] - color[0]) < 8 and abs(px[i + 1] - color[1]) < 8 and abs(px[i + 2] - color[2]) < 8:
            n += 1
    return n


def test_logo_upload_checked_and_printed():
    with Server() as srv:
        setup_course(srv)
        serial, _ = issue(srv)
        c = admin(srv)
        learner = srv.client()
        learner.login("learner")
        before = learner.get("/certificates/%s.pdf" % serial)
        assert before.status == 200 and before.header("Content-Type") == "application/pdf"
        assert red_pixels(before.body) == 0
        # Refused: too big, not an image, an image of the wrong type, too small; nothing is stored.
        big = png(16, 16) + b"\0" * (1024 * 1024)
        r = upload_image(c, "logo", big)
        assert r.status == 422 and "The file is too big." in r.text and "at most 1024 KB" in r.text, r.text[-800:]
        r = upload_image(c, "logo", b"GIF89a" + b"\0" * 100, "logo.gif")
        assert r.status == 422 and "not a PNG or JPEG image" in r.text
        r = upload_image(c, "logo", b"%PDF-1.4 not an image", "logo.pdf")
        assert r.status == 422 and "not a PNG or JPEG image" in r.text
        r = upload_image(c, "logo", png(8, 8))
        assert r.status == 422 and "8x8 pixels" in r.text
        r = upload_image(c, "logo", png(120, 80)[:60])  # a PNG cut short
        assert r.status == 422, r.status
        r = upload_image(c, "frame", png(120, 80))
        assert r.status == 404
        assert one(srv, "SELECT count(*) FROM cert_images") == 0
        # Khmer: the refusal in Khmer.
        k = admin(srv, "km")
        r = upload_image(k, "logo", b"GIF89a" + b"\0" * 100, "logo.gif")
        assert r.status == 422 and re.search("[\u1780-\u17ff]+", re.search(r'id="image-err"><p>(.*?)</p>',
                                                                           r.text).group(1))
        # Accepted: stored in the database, shown on the settings page, printed on the certificate.
        logo = png(120, 80)
        r = upload_image(c, "logo", logo)
        assert r.status == 303, (r.status, r.text[-600:])
        assert one(srv, "SELECT width || 'x' || height FROM cert_images WHERE name = 'logo'") == "120x80"
        page = c.get("/admin/settings").text
        src = re.search(r'<img class="cert-image" src="([^"]+)"', page).group(1)
        r = c.get(src)
        assert r.status == 200 and r.header("Content-Type") == "image/png" and r.body == logo
        assert srv.client().get(src).status in (302, 303, 401, 403)  # for administrators only
        after = learner.get("/certificates/%s.pdf" % serial)
        assert after.status == 200 and red_pixels(after.body) > 200, red_pixels(after.body)
        # The signature the same way, from a JPEG (stored as PNG).
        jpg = page_image(before.body, "jpeg", 8)
        assert jpg[:3] == b"\xff\xd8\xff"
        r = upload_image(c, "signature", jpg, "s.jpg")
        assert r.status == 303, r.text[-600:]
        stored = q(srv, "SELECT data FROM cert_images WHERE name = 'signature'")[0][0]
        assert bytes(stored)[:8] == b"\x89PNG\r\n\x1a\n"
        # The audit trail has both uploads, by admin.
        rows = audit_rows(srv, "action = 'settings.image'")
        assert [(a, t) for a, _, _, t, _ in rows] == [("admin", "settings:logo"), ("admin", "settings:signature")]
        assert "size=120x80" in rows[0][4]
        # Removed: the certificate has no logo again.
        c.get("/admin/settings")
        assert c.post("/admin/settings/images/logo/delete").status == 303
        assert one(srv, "SELECT count(*) FROM cert_images WHERE name = 'logo'") == 0
        assert red_pixels(learner.get("/certificates/%s.pdf" % serial).body) == 0
        assert audit_rows(srv, "action = 'settings.image-remove'")[0][3] == "settings:logo"


def listed_users(page):
    return re.findall(r'<tr><td><a href="/admin/users/\d+">([^<]*)</a>', page)


def test_user_list_pages_beyond_200():
    with Server() as srv:
        rows = ["username,full_name,sex,org_code,role"]
        rows += ["pager%03d,Pager Person %d,%s,KH,learner" % (i, i, "female" if i % 2 else "male")
                 for i in range(260)]
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("\n".join(rows) + "\n")
        try:
            sala("users", "import", f.name, db=srv.db, check=True)
        finally:
            os.unlink(f.name)
        total = one(srv, "SELECT count(*) FROM users")
        assert total > 260
        want = [r[0] for r in q(srv, "SELECT username FROM users ORDER BY lower(username), id")]
        c = admin(srv)
        got, page, pages = [], 1, (total + 99) // 100
        while True:
            r = c.get("/admin/users?page=%d" % page)
            assert r.status == 200
            m = re.search(r'id="users-count" data-total="(\d+)">([^<]*)<', r.text)
            assert int(m.group(1)) == total and "page %d of %d" % (page, pages) in m.group(2), m.group(2)
            names = listed_users(r.text)
            assert len(names) == (100 if page < pages else total - 100 * (pages - 1))
            got += names
            assert ('rel="prev"' in r.text) == (page > 1) and ('rel="next"' in r.text) == (page < pages)
            if page == pages:
                break
            page += 1
        assert got == want and pages >= 3
        # A page past the end shows the last one.
        assert listed_users(c.get("/admin/users?page=99").text) == want[100 * (pages - 1):]
        # A search pages too, and keeps its words in the links.
        r = c.get("/admin/users?q=pager1")
        m = re.search(r'data-total="(\d+)"', r.text)
        assert int(m.group(1)) == 100 and len(listed_users(r.text)) == 100 and 'rel="next"' not in r.text
        r = c.get("/admin/users?q=pager")
        assert int(re.search(r'data-total="(\d+)"', r.text).group(1)) == 260
        nxt = re.search(r'<a rel="next" href="([^"]+)"', r.text).group(1).replace("&amp;", "&")
        assert "q=pager" in nxt
        assert listed_users(c.get(nxt).text) == ["pager%03d" % i for i in range(100, 200)]
        r = c.get("/admin/users?q=nobody-has-this")
        assert 'data-total="0"' in r.text and "data-empty" in r.text


def test_audit_trail_rows_filters_paging_csv():
    with Server() as srv:
        setup_course(srv)
        serial, _ = issue(srv)  # on the command line: certificate.issue by cli:ACCOUNT
        c = admin(srv)
        # A user added, edited and disabled; a setting changed; a certificate revoked; a course version.
        c.get("/admin/users/new")
        r = c.post("/admin/users/new", {"username": "audited", "full_name": "Audit Person", "sex": "female",
                                        "org_code": "KH", "password": "rice-field-2031", "role_learner": "1"})
        assert r.status == 303, r.text[-500:]
        uid = one(srv, "SELECT id FROM users WHERE username = 'audited'")
        c.get("/admin/users/%d" % uid)
        assert c.post("/admin/users/%d" % uid, {"full_name": "Audit Person Two", "sex": "female",
                                                "org_code": "KH", "role_learner": "1"}).status == 303
        c.get("/admin/users/%d" % uid)
        assert c.post("/admin/users/%d/active" % uid, {"active": "0"}).status == 303
        c.get("/admin/settings")
        assert c.post("/admin/settings", {"cert_color": "#123456"}).status == 303
        c.get("/admin/certificates/" + serial)
        assert c.post("/admin/certificates/%s/revoke" % serial, {"reason": "Issued by mistake"}).status == 303
        sala("settings", "set", "issuer_en", "Provincial Hall", db=srv.db, check=True)
        # A new version of a course on the command line, then the old one made active again on the web.
        with tempfile.TemporaryDirectory() as tmp:
            course = os.path.join(tmp, "digital-literacy")
            shutil.copytree(os.path.join(os.path.dirname(__file__), "..", "..", "courses", "library",
                                         "digital-literacy"), course)
            yml = os.path.join(course, "course.yml")
            text = open(yml).read()
            old_version = re.search(r"^version: *(\S+)", text, re.M).group(1)
            open(yml, "w").write(text.replace("version: " + old_version, "version: 9.0.0", 1))
            sala("import", course, db=srv.db, check=True)
        lang = one(srv, "SELECT language FROM packages WHERE course_id = 'digital-literacy' AND version = '9.0.0'")
        c.get("/manage/courses")
        assert c.post("/manage/courses/rollback", {"course": "digital-literacy", "lang": lang,
                                                   "version": old_version}).status == 303
        cli = "cli:" + __import__("pwd").getpwuid(os.geteuid()).pw_name
        rows = audit_rows(srv)
        by = {(a, act, t) for a, _, act, t, _ in rows}
        for want in [("admin", "user.create", "user:audited"), ("admin", "user.update", "user:audited"),
                     ("admin", "user.disable", "user:audited"), ("admin", "settings.change", "settings"),
                     ("admin", "certificate.revoke", "certificate:" + serial),
                     (cli, "certificate.issue", "certificate:" + serial), (cli, "settings.change", "settings")]:
            assert want in by, (want, rows)
        assert any(a == cli and act == "course.import" for a, _, act, _, _ in rows), rows
        assert ("admin", "course.rollback", "course:digital-literacy") in by, rows
        assert all(o == "127.0.0.1" for a, o, _, _, _ in rows if a == "admin")
        assert all(o == "local" for a, o, _, _, _ in rows if a == cli)
        sets = [d for a, _, act, _, d in rows if act == "settings.change"]
        assert "keys=cert_color" in sets and "keys=issuer_en" in sets
        assert not any("#123456" in (d or "") or "Provincial" in (d or "") for *_, d in rows)  # names, not values
        # The log line is still written.
        assert "audit action=user.create actor=admin" in srv.logtext()

        def shown(path):
            r = c.get(path)
            assert r.status == 200, (path, r.status)
            body = re.search(r"<tbody>(.*?)</tbody>", r.text, re.S).group(1)
            return r, re.findall(r"<tr><td[^>]*><time[^>]*>[^<]*</time></td><td><code>([^<]*)</code></td><td>[^<]*</td><td><code>([^<]*)</code>"
                                 r"</td><td><code>([^<]*)</code></td>", body)

        r, all_rows = shown("/admin/audit")
        assert int(re.search(r'data-total="(\d+)"', r.text).group(1)) == len(rows) == len(all_rows)
        assert all_rows[0][1] == "course.rollback"  # newest first
        _, mine = shown("/admin/audit?actor=admin")
        assert mine and all(a == "admin" for a, _, _ in mine) and len(mine) == sum(a == "admin" for a, *_ in rows)
        _, users = shown("/admin/audit?action=user")
        assert sorted(act for _, act, _ in users) == ["user.create", "user.disable", "user.update"]
        _, exact = shown("/admin/audit?action=settings.change&actor=" + cli.replace(":", "%3A"))
        assert exact == [(cli, "settings.change", "settings")]
        _, target = shown("/admin/audit?target=" + serial.lower())
        assert sorted(act for _, act, _ in target) == ["certificate.issue", "certificate.revoke"]
        today = time.strftime("%Y-%m-%d", time.gmtime())
        _, dated = shown("/admin/audit?from=%s&to=%s" % (today, today))
        assert len(dated) == len(rows)
        r, none = shown("/admin/audit?from=2001-01-01&to=2001-01-31")
        assert none == [] and 'data-total="0"' in r.text and "data-empty" in r.text
        # A bad date is named, and the other filters are kept.
        r = c.get("/admin/audit?actor=admin&from=31-12-2026")
        assert r.status == 422 and "YYYY-MM-DD" in r.text and 'value="admin"' in r.text
        r = c.get("/admin/audit?from=2026-12-09&to=2026-12-01")
        assert r.status == 422 and "The end date is before the start date." in r.text
        # CSV: every matching entry, with the filters applied.
        r = c.get("/admin/audit.csv?action=user")
        assert r.status == 200 and r.header("Content-Type").startswith("text/csv")
        assert 'filename="audit-trail.csv"' in r.header("Content-Disposition")
        table = list(csv.reader(io.StringIO(r.text)))
        assert table[0] == ["time_utc", "actor", "from", "action", "target", "detail"]
        assert sorted(row[3] for row in table[1:]) == ["user.create", "user.disable", "user.update"]
        assert c.get("/admin/audit.csv?from=nope").status == 400
        # Paging: 50 a page, with next and previous keeping the filters.
        db = connect(srv.db)
        db.executemany("INSERT INTO audit_log(created_at, actor, origin, action, target, detail) "
                       "VALUES (?, 'bulk', 'local', 'user.create', ?, '')",
                       [(int(time.time()) - 10, "user:bulk%03d" % i) for i in range(120)])
        db.commit()
        db.close()
        r, p1 = shown("/admin/audit?actor=bulk")
        assert len(p1) == 50 and "page 1 of 3" in r.text and 'rel="prev"' not in r.text
        nxt = re.search(r'<a rel="next" href="([^"]+)"', r.text).group(1).replace("&amp;", "&")
        assert "actor=bulk" in nxt
        r, p3 = shown(nxt.replace("page=2", "page=3"))
        assert len(p3) == 20 and 'rel="next"' not in r.text and 'rel="prev"' in r.text
        _, p2 = shown(nxt)
        assert len({t for _, _, t in p1 + p2 + p3}) == 120
        # Other roles cannot read it.
        m = srv.client()
        m.login("manager")
        assert m.get("/admin/audit").status in (302, 303, 403)
        # sala audit lists the same entries.
        p = sala("audit", "--action", "user", "--who", "admin", db=srv.db, check=True)
        lines = p.stdout.splitlines()
        assert len(lines) == 3 and all(" admin " in l and " user." in l for l in lines), lines
        p = sala("audit", "--csv", "--target", serial, "--limit", "0", db=srv.db, check=True)
        assert sorted(r[3] for r in list(csv.reader(io.StringIO(p.stdout)))[1:]) == ["certificate.issue",
                                                                                   "certificate.revoke"]
        p = sala("audit", "--from", "yesterday", db=srv.db)
        assert p.returncode == 2 and "--from must be a date" in p.stderr


def test_every_problem_of_a_row_and_a_form():
    with Server() as srv:
        c = admin(srv)
        before = one(srv, "SELECT count(*) FROM users")
        # The form: every field's problem at once, each tied to its field; nothing added.
        c.get("/admin/users/new")
        r = c.post("/admin/users/new", {"username": "b d", "full_name": "", "sex": "female",
                                        "org_code": "NOPE", "email": "not-an-email", "password": "short",
                                        "role_learner": "1"})
        assert r.status == 422
        invalid = set(re.findall(r'id="f-([a-z_]+)"[^>]*aria-invalid="true"', r.text))
        assert invalid == {"username", "full_name", "org_code", "email", "password"}, invalid
        summary = re.search(r'<div class="notice error" role="alert">(.*?)</div>', r.text, re.S).group(1)
        assert summary.count("<li>") == 5 and "There are problems in the form:" in summary
        assert one(srv, "SELECT count(*) FROM users") == before
        # The edit form too.
        uid = one(srv, "SELECT id FROM users WHERE username = 'learner'")
        c.get("/admin/users/%d" % uid)
        r = c.post("/admin/users/%d" % uid, {"full_name": "", "org_code": "NOPE", "email": "x y",
                                             "role_learner": "1"})
        assert r.status == 422
        assert set(re.findall(r'id="f-([a-z_]+)"[^>]*aria-invalid="true"', r.text)) == {"full_name", "org_code",
                                                                                         "email"}
        # The CSV import: every problem of every row, each as upload.csv:LINE:, nothing imported.
        text = ("username,full_name,sex,org_code,email,role,password\n"
                "fine1,Fine One,female,KH,,learner,\n"
                "b d,,bogus,NOPE,not-an-email,wizard,short\n"
                "fine1,Again,male,KH,,learner,\n")
        c.get("/admin/users/import")
        r = c.post("/admin/users/import", {"csv": text})
        assert r.status == 422
        pre = html.unescape(re.search(r"<pre>(.*?)</pre>", r.text, re.S).group(1))
        lines = [l for l in pre.splitlines() if l]
        row3 = [l for l in lines if l.startswith("upload.csv:3: ")]
        assert len(row3) == 7, lines
        for words in ("invalid username", "full_name is empty", "sex must be", "unknown org_code",
                      "is not an address", "unknown role", "at least 10 characters"):
            assert any(words in l for l in row3), (words, row3)
        assert [l for l in lines if l.startswith("upload.csv:4: ")] == [
            "upload.csv:4: username 'fine1' appears twice (also on line 2)"], lines
        assert one(srv, "SELECT count(*) FROM users") == before
        # The command line says the same.
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write(text)
        try:
            p = sala("users", "import", f.name, db=srv.db)
        finally:
            os.unlink(f.name)
        assert p.returncode != 0
        name = os.path.basename(f.name)
        assert sum(1 for l in p.stderr.splitlines() if name + ":3: " in l) == 7, p.stderr
        # A short file's weak passwords are named along with the other rows' problems, in line order.
        text = ("username,full_name,sex,org_code,password\n"
                "weak1,Weak One,female,KH,password123\n"
                "bad 2,,female,KH,\n"
                "weak3,Weak Three,male,KH,aaaaaaaaaaaa\n"
                "ok4,Ok Four,male,NOPE,\n")
        c.get("/admin/users/import")
        r = c.post("/admin/users/import", {"csv": text})
        assert r.status == 422
        lines = [l for l in html.unescape(re.search(r"<pre>(.*?)</pre>", r.text, re.S).group(1)).splitlines() if l]
        assert [int(l.split(":")[1]) for l in lines] == [2, 3, 3, 4, 5], lines
        assert "dictionary word" in lines[0] and "unknown org_code 'NOPE'" in lines[4], lines
        assert one(srv, "SELECT count(*) FROM users") == before
