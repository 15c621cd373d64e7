"""A course's lessons as one PDF for reading offline (GET /courses/ID/offline.pdf), against the real server:
the lessons' text comes back from pdftotext (Khmer included, shaped), the first page names the course and
the learner, images are embedded and scaled to the page (pdfimages), the download is for enrolled
learners of a visible course only, is not cached, and records no progress."""
import os
import re
import struct
import subprocess
import tempfile
import zlib

from harness import SRC, Server, connect, sala
from learnutil import set_lang

LIBRARY = os.path.join(SRC, "courses", "library")


def png(width, height):
    """A width x height RGB PNG of stripes (made here: no image library needed)."""
    rows = b"".join(b"\0" + b"".join(bytes((x * 7 % 256, y * 5 % 256, 120)) for x in range(width))
                    for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def one(srv, sql, *args):
    db = connect(srv.db)
    try:
        row = db.execute(sql, args).fetchone()
        return row[0] if row else None
    finally:
        db.close()


def pdf_text(data):
    """pdftotext -raw of a PDF's bytes (poppler's layout mode reorders Khmer marks; -raw keeps them)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", f.name, "-"], capture_output=True,
                              check=True).stdout.decode("utf-8")


def pdf_images(data):
    """The rows of pdfimages -list: (width, height, x-ppi) of each image."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdfimages", "-list", f.name], capture_output=True, check=True, text=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        cols = line.split()
        if len(cols) > 13 and cols[2] == "image":
            rows.append((int(cols[3]), int(cols[4]), int(cols[12])))
    return rows


def pages(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdfinfo", f.name], capture_output=True, check=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def squash(s):
    """Text without whitespace: pdftotext breaks lines where the page did, and Khmer has no spaces to keep."""
    return re.sub(r"\s+", "", s)


def first_lesson(folder):
    """The H1 and the first paragraph's first words of a library course's first lesson."""
    d = os.path.join(LIBRARY, folder, "lessons")
    text = open(os.path.join(d, sorted(os.listdir(d))[0]), encoding="utf-8").read()
    h1 = re.search(r"^# (.+)$", text, re.M).group(1).strip()
    para = next(p for p in text.split("\n\n") if p.strip() and not p.startswith(("#", "-", "|", "!", ">")))
    words = re.sub(r"[*_`]", "", para).split()[:6]
    return h1, " ".join(words)


def image_course(tmp, course="pdf-test"):
    """A course with a small image, a page-wide one, a table and a list, in English."""
    d = os.path.join(tmp, course)
    os.makedirs(os.path.join(d, "lessons"))
    os.makedirs(os.path.join(d, "media"))
    open(os.path.join(d, "course.yml"), "w", encoding="utf-8").write(
        "id: %s\nversion: 1.0.0\nlanguage: en\ntitle: Printed course\nsummary: Images and tables.\n"
        "authors: [Sala tests]\nminutes: 5\npass_mark: 70\ncertificate: false\n"
        "lessons:\n  - file: lessons/01-pictures.md\n  - file: lessons/02-tables.md\n" % course)
    open(os.path.join(d, "media", "small.png"), "wb").write(png(64, 48))
    open(os.path.join(d, "media", "wide.png"), "wb").write(png(1600, 200))
    open(os.path.join(d, "media", "huge.png"), "wb").write(png(2400, 60))
    open(os.path.join(d, "lessons", "01-pictures.md"), "w", encoding="utf-8").write(
        "# Pictures of the office\n\nThe front desk:\n\n![Front desk](../media/small.png)\n\n"
        "A **wide** view of the registry:\n\n![Registry](../media/wide.png)\n\n![Street](../media/huge.png)\n\n"
        "1. Open the register\n2. Write the date\n   - in *ink*\n")
    open(os.path.join(d, "lessons", "02-tables.md"), "w", encoding="utf-8").write(
        "# Fees\n\n| Service | Fee (riel) |\n|---|---|\n| Birth certificate | 4000 |\n| Residence book | 2000 |\n\n"
        "<script>alert(1)</script>\n\nAfter the table.\n")
    return d


def get_pdf(c, course):
    r = c.get("/courses/%s/offline.pdf" % course)
    assert r.status == 200, (course, r.status, r.text[:200])
    assert r.header("Content-Type") == "application/pdf", r.header("Content-Type")
    assert "attachment" in r.header("Content-Disposition") and ("%s.pdf" % course) in r.header("Content-Disposition")
    assert "no-store" in r.header("Cache-Control"), r.header("Cache-Control")
    assert r.body.startswith(b"%PDF-"), r.body[:20]
    return r.body


def test_offline_pdf_khmer_and_english_text():
    srv = Server()
    try:
        c = srv.client()
        c.login("learner")
        name = one(srv, "SELECT full_name FROM users WHERE username = 'learner'")
        # Not enrolled: refused, as the HTML file is.
        if one(srv, "SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id "
                    "WHERE u.username = 'learner' AND e.course_id = 'cyber-awareness'") == 0:
            assert c.get("/courses/cyber-awareness/offline.pdf").status == 403
            assert c.post("/courses/cyber-awareness/enrol").status in (200, 303)
        uid = one(srv, "SELECT id FROM users WHERE username = 'learner'")
        read = one(srv, "SELECT count(*) FROM progress WHERE user_id = ? AND course_id = 'cyber-awareness'", uid)
        # The course page links both files.
        page = c.get("/courses/cyber-awareness").text
        assert 'href="/courses/cyber-awareness/offline.pdf"' in page, page[-2000:]
        assert 'href="/courses/cyber-awareness/offline.html"' in page
        for lang, folder, title_sql in (("en", "cyber-awareness", "en"), ("km", "cyber-awareness.km", "km")):
            set_lang(c, lang)
            body = get_pdf(c, "cyber-awareness")
            text = pdf_text(body)
            flat = squash(text)
            h1, words = first_lesson(folder)
            assert squash(h1) in flat, (lang, h1, text[:800])
            assert squash(words) in flat, (lang, words, text[:2000])
            title = one(srv, "SELECT title FROM packages WHERE course_id = 'cyber-awareness' AND language = ? "
                             "AND active = 1", title_sql)
            assert squash(title) in flat[:2000], (lang, title, text[:400])
            assert squash(name) in flat[:2000], (lang, name, text[:400])
            if lang == "km":
                # Khmer words come back exactly: shaped with the Khmer font, not boxes or reordered marks.
                assert re.search("[\u1780-\u17ff]{4,}", text), text[:400]
                assert "ទំព័រ" in text  # the footer, in the reader's language
            else:
                assert "Prepared for" in text and "Page 2" in text, text[:400]
            # Every lesson starts on a page of its own after the first page.
            lessons = one(srv, "SELECT count(*) FROM items i JOIN packages p ON p.id = i.package_id "
                               "WHERE p.course_id = 'cyber-awareness' AND p.language = ? AND p.active = 1 "
                               "AND i.type = 'lesson'", title_sql)
            assert pages(body) >= 1 + lessons, (lang, pages(body), lessons)
        # Downloading records nothing.
        assert one(srv, "SELECT count(*) FROM progress WHERE user_id = ? AND course_id = 'cyber-awareness'",
                   uid) == read
    finally:
        srv.stop()


def test_offline_pdf_images_tables_and_access():
    srv = Server()
    tmp = tempfile.mkdtemp(prefix="sala-pdf-")
    try:
        sala("import", image_course(tmp), db=srv.db, env=srv.env, check=True)
        c = srv.client()
        c.login("learner")
        set_lang(c, "en")
        assert c.get("/courses/pdf-test/offline.pdf").status == 403
        assert c.post("/courses/pdf-test/enrol").status in (200, 303)
        body = get_pdf(c, "pdf-test")
        imgs = pdf_images(body)
        sizes = sorted((w, h) for w, h, _ in imgs)
        # The widest was narrowed to 1600 pixels at import; it is embedded as stored.
        assert sizes == [(64, 48), (1600, 40), (1600, 200)], imgs
        # The small image at its size (96 dpi); the wide ones drawn as wide as the text (more pixels per inch).
        for w, h, p in imgs:
            assert (90 <= p <= 100) if w == 64 else (225 <= p <= 250), imgs
        text = pdf_text(body)
        for words in ("Pictures of the office", "Open the register", "Write the date", "ink", "Birth certificate",
                      "4000", "Residence book", "After the table.", "Printed course"):
            assert words in text, (words, text)
        assert "alert" not in text and "<script" not in text, text
        # The numbers of the ordered list are drawn beside its items.
        assert re.search(r"1\.\s*Open the register", text), text
        # A course nobody can see (a draft) and one that does not exist: no file.
        sala("import", image_course(tmp, "pdf-draft"), "--draft", db=srv.db, env=srv.env, check=True)
        assert c.get("/courses/pdf-draft/offline.pdf").status == 404
        assert c.get("/courses/no-such-course/offline.pdf").status == 404
        # Logged out: sent to the login page, no PDF.
        anon = srv.client()
        r = anon.get("/courses/pdf-test/offline.pdf")
        assert r.status in (302, 303, 401) and not r.body.startswith(b"%PDF"), r.status
    finally:
        srv.stop()
