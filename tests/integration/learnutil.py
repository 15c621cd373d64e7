"""Helpers for the learner and API tests: find the imported demo courses in the
test database (the bundled library, imported by `sala demo --init`) and read
the database directly for checks."""
import gzip
import re

from harness import connect


def q(srv, sql, *args):
    db = connect(srv.db)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def one(srv, sql, *args):
    rows = q(srv, sql, *args)
    return rows[0][0] if rows else None


def courses(srv):
    """{course_id: {lang: package_id}} of the active packages."""
    out = {}
    for cid, lang, pid in q(srv, "SELECT course_id, language, id FROM packages WHERE active = 1"):
        out.setdefault(cid, {})[lang] = pid
    assert out, "the demo database has no imported course"
    return out


def bilingual(srv):
    """A course with an active package in both English and Khmer."""
    for cid, langs in sorted(courses(srv).items()):
        if "en" in langs and "km" in langs:
            return cid
    raise AssertionError("no course in both languages")


def english_only(srv):
    for cid, langs in sorted(courses(srv).items()):
        if list(langs) == ["en"]:
            return cid
    raise AssertionError("no English-only course")


def items(srv, cid, lang):
    pid = courses(srv)[cid][lang]
    return q(srv, "SELECT position, type, path, title FROM items WHERE package_id = ? ORDER BY position", pid)


def lessons(srv, cid, lang):
    return [path for _, t, path, _ in items(srv, cid, lang) if t == "lesson"]


def title(srv, cid, lang):
    return one(srv, "SELECT title FROM packages WHERE course_id = ? AND language = ? AND active = 1", cid, lang)


def html_text(s):
    return s.replace("&amp;", "&").replace("&quot;", '"').replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">")


def ungzip(r):
    if (r.header("Content-Encoding") or "") == "gzip":
        return gzip.decompress(r.body)
    return r.body


def css_path(text):
    m = re.search(r'<link rel="stylesheet" href="([^"]+)"', text)
    assert m, "no stylesheet link"
    return m.group(1)


def set_lang(c, lang):
    c.get("/my")  # a page of this session, for its CSRF token
    r = c.post("/lang", {"lang": lang, "next": "/"})
    assert r.status == 303, r.status


def course_server():
    """A demo server with the bundled courses imported."""
    from harness import Server
    srv = Server()
    if not one(srv, "SELECT count(*) FROM packages WHERE active = 1"):
        _seed(srv)  # only while `sala demo --init` imports nothing yet
    return srv


def _seed(srv):
    import time
    db = connect(srv.db)
    now = int(time.time())

    def pkg(cid, lang, title, summary, items):
        db.execute("INSERT INTO courses(id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (cid, now))
        pid = db.execute("INSERT INTO packages(course_id, language, version, version_num, title, summary, minutes, "
                         "search_text, active, imported_at) VALUES (?, ?, '1.0.0', 10000, ?, ?, 60, ?, 1, ?) "
                         "RETURNING id", (cid, lang, title, summary, (title + " " + summary).lower(), now)).fetchone()[0]
        for i, (typ, path, t, html, kind) in enumerate(items):
            db.execute("INSERT INTO items(package_id, position, type, path, title, html, quiz_kind, etag) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (pid, i, typ, path, t, html, kind, "%064x" % (pid * 100 + i)))
    long = "<p>" + "Strong passphrases protect the commune office. " * 400 + "</p>"
    pkg("cyber-awareness", "en", "Cybersecurity Awareness", "Passwords, phishing and safe devices.",
        [("lesson", "lessons/01-threats.md", "Threats", "<h1>Threats</h1>" + long, ""),
         ("lesson", "lessons/02-passwords.md", "Passwords", "<h1>Passwords</h1><p>Use passphrases.</p>", ""),
         ("quiz", "quizzes/final.md", "Final quiz", "", "final")])
    pkg("cyber-awareness", "km", "ការយល់ដឹងអំពីសន្តិសុខសាយប័រ", "ពាក្យសម្ងាត់ និងសារបោកបញ្ឆោត",
        [("lesson", "lessons/01-threats.md", "ការគំរាមកំហែង", "<h1>ការគំរាមកំហែង</h1><p>អត្ថបទ</p>", ""),
         ("quiz", "quizzes/final.md", "តេស្ត", "", "final")])
    pkg("data-protection", "en", "Data Protection", "Personal data in the commune office.",
        [("lesson", "lessons/01-personal-data.md", "Personal data", "<h1>Personal data</h1><p>What it is.</p>", "")])
    db.commit()
    db.close()
