"""Course packages: sala new/check/pack/import/courses, the bundled library,
the trainer upload page, and the /media route (Range, traversal)."""
import hashlib
import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import zipfile

from harness import fresh_db, connect, SALA, SRC, Server, sala

FIXTURES = os.path.join(SRC, "tests", "data", "courses")
LIBRARY = os.path.join(SRC, "courses", "library")
PROBLEM = re.compile(r"^[^:\s]+:\d+: \S.*$")


def tmpdir():
    return tempfile.mkdtemp(prefix="sala-courses-")


def count(db, sql):
    c = connect(db)
    try:
        return c.execute(sql).fetchone()[0]
    finally:
        c.close()


def set_version(d, v):
    p = os.path.join(d, "course.yml")
    s = open(p).read()
    s = re.sub(r"(?m)^version: .*$", "version: " + v, s)
    open(p, "w").write(s)


def test_new_then_check_ok():
    d = tmpdir()
    try:
        c = os.path.join(d, "course")
        sala("new", c, check=True)
        p = sala("check", c)
        assert p.returncode == 0, p.stdout + p.stderr
        assert p.stdout == "ok: my-course 0.1.0 (en): 2 lessons, 1 quizzes, 2 questions\n", p.stdout
        assert sala("new", c).returncode != 0  # never overwrites
    finally:
        shutil.rmtree(d)


def test_check_errors_are_file_line():
    p = sala("check", os.path.join(FIXTURES, "bad"))
    assert p.returncode == 1
    lines = p.stdout.splitlines()
    assert lines, p.stderr
    for line in lines:
        assert PROBLEM.match(line), line
    assert "course.yml:5: unknown key 'colour'" in lines
    assert "lessons/01-broken.md:5: link target 'missing-too.md' not found" in lines
    assert any(l.startswith("logo.svg:1: ") for l in lines)


def test_pack_is_reproducible():
    d = tmpdir()
    try:
        a, b = os.path.join(d, "a.zip"), os.path.join(d, "b.zip")
        sala("pack", os.path.join(FIXTURES, "good"), "-o", a, check=True)
        time.sleep(1.1)  # a different wall clock must not matter
        sala("pack", os.path.join(FIXTURES, "good"), "-o", b, check=True)
        assert open(a, "rb").read() == open(b, "rb").read()
        z = zipfile.ZipFile(a)
        names = z.namelist()
        assert names == sorted(names)
        sums = z.read("MANIFEST.sha256").decode().splitlines()
        for line in sums:
            digest, name = line.split("  ", 1)
            assert hashlib.sha256(z.read(name)).hexdigest() == digest
        assert len(sums) == len(names) - 1
        p = sala("check", a)
        assert p.stdout.startswith("ok: test-course 1.0.0 (en)"), p.stdout + p.stderr
        # Default name ID-VERSION-LANGUAGE.zip in the current directory (the repository root here).
        p = sala("pack", os.path.join(FIXTURES, "good"))
        out = os.path.join(SRC, "test-course-1.0.0-en.zip")
        try:
            assert p.returncode == 0 and os.path.exists(out), p.stderr
        finally:
            if os.path.exists(out):
                os.unlink(out)
    finally:
        shutil.rmtree(d)


def test_import_versions_and_rollback():
    d = tmpdir()
    try:
        db = fresh_db(d, "t.db")
        sala("init", db=db, check=True)
        c = os.path.join(d, "c")
        shutil.copytree(os.path.join(FIXTURES, "good"), c)
        p = sala("import", c, db=db, check=True)
        assert p.stdout.startswith("imported: test-course 1.0.0 (en)"), p.stdout
        z = os.path.join(d, "c.zip")
        sala("pack", c, "-o", z, check=True)
        p = sala("import", z, db=db, check=True)
        assert p.stdout.startswith("unchanged: test-course 1.0.0 (en)"), p.stdout
        set_version(c, "1.1.0")
        p = sala("import", c, db=db, check=True)
        assert "imported: test-course 1.1.0 (en)" in p.stdout and "replaces 1.0.0" in p.stdout
        set_version(c, "0.9.0")
        n = count(db, "SELECT count(*) FROM packages")
        p = sala("import", c, db=db)
        assert p.returncode != 0 and "older than the active version 1.1.0" in p.stderr, p.stderr
        assert count(db, "SELECT count(*) FROM packages") == n
        p = sala("import", c, "--force", db=db, check=True)
        assert "imported: test-course 0.9.0" in p.stdout
        p = sala("courses", "versions", "test-course", db=db, check=True)
        assert len(p.stdout.splitlines()) == 3
        sala("courses", "rollback", "test-course", "--lang", "en", "--version", "1.1.0", db=db, check=True)
        p = sala("courses", "list", db=db, check=True)
        assert re.search(r"test-course\s+en\s+1\.1\.0\s+active", p.stdout), p.stdout
        assert count(db, "SELECT count(*) FROM packages WHERE active = 1") == 1
        assert sala("courses", "rollback", "test-course", "--lang", "en", "--version", "5.0.0", db=db).returncode != 0
    finally:
        shutil.rmtree(d)


def test_library_courses_check_pack_import():
    d = tmpdir()
    try:
        db = fresh_db(d, "lib.db")
        sala("init", db=db, check=True)
        names = sorted(n for n in os.listdir(LIBRARY) if os.path.exists(os.path.join(LIBRARY, n, "course.yml")))
        assert names
        for n in names:
            src = os.path.join(LIBRARY, n)
            p = sala("check", src)
            assert p.returncode == 0 and p.stdout.startswith("ok: "), "%s: %s%s" % (n, p.stdout, p.stderr)
            z = os.path.join(d, n + ".zip")
            sala("pack", src, "-o", z, check=True)
            p = sala("import", z, db=db)
            assert p.returncode == 0 and p.stdout.startswith("imported: "), "%s: %s" % (n, p.stderr)
        assert count(db, "SELECT count(*) FROM packages WHERE active = 1") == len(names)
        assert count(db, "SELECT count(*) FROM items WHERE type = 'lesson' AND html = ''") == 0
    finally:
        shutil.rmtree(d)


def multipart(fields, files):
    boundary = "----sala%d" % int(time.time() * 1000)
    out = io.BytesIO()
    for k, v in fields.items():
        out.write(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (boundary, k, v)).encode())
    for k, (fname, data) in files.items():
        out.write(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                   "Content-Type: application/zip\r\n\r\n" % (boundary, k, fname)).encode())
        out.write(data)
        out.write(b"\r\n")
    out.write(("--%s--\r\n" % boundary).encode())
    return out.getvalue(), "multipart/form-data; boundary=" + boundary


AUDIO = b"ID3\x03\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 8


def media_course_dir(d, version="1.0.0", name="talk.mp3", data=AUDIO):
    """The fixture course with one media file linked from its second lesson; returns the folder."""
    c = os.path.join(d, "media-course-" + version)
    shutil.copytree(os.path.join(FIXTURES, "good"), c)
    set_version(c, version)
    os.makedirs(os.path.join(c, "media"))
    open(os.path.join(c, "media", name), "wb").write(data)
    with open(os.path.join(c, "lessons", "02-more.md"), "a") as f:
        f.write("\n[Listen](../media/%s)\n" % name)
    return c


def media_course(d, version="1.0.0"):
    c = media_course_dir(d, version)
    z = os.path.join(d, "media-%s.zip" % version)
    sala("pack", c, "-o", z, check=True)
    return open(z, "rb").read()


def upload(c, data, fields=None, csrf=True):
    f = dict(fields or {})
    if csrf:
        f["csrf"] = c.csrf_token
    body, ctype = multipart(f, {"package": ("course.zip", data)})
    return c.request("POST", "/manage/courses/upload", body=body, headers={"Content-Type": ctype})


def test_trainer_upload_and_media():
    d = tmpdir()
    srv = Server()
    try:
        c = srv.client()
        c.login("trainer")
        r = c.get("/manage/courses")
        assert r.status == 200 and 'enctype="multipart/form-data"' in r.text
        data = media_course(d)
        n = count(srv.db, "SELECT count(*) FROM packages")
        r = upload(c, data, csrf=False)
        assert r.status == 403
        assert count(srv.db, "SELECT count(*) FROM packages") == n
        c.get("/manage/courses")
        r = upload(c, data)
        assert r.status == 200 and "imported: test-course 1.0.0 (en)" in r.text, r.text[-2000:]
        c.get("/manage/courses")
        r = upload(c, data)
        assert r.status == 200 and "unchanged: test-course 1.0.0 (en)" in r.text
        # A package with problems: refused, FILE:LINE lines shown, nothing stored.
        bad = os.path.join(d, "bad.zip")
        with zipfile.ZipFile(bad, "w") as z:
            for root, _, files in os.walk(os.path.join(FIXTURES, "bad")):
                for fn in files:
                    full = os.path.join(root, fn)
                    z.write(full, os.path.relpath(full, os.path.join(FIXTURES, "bad")))
        c.get("/manage/courses")
        before = count(srv.db, "SELECT count(*) FROM packages")
        r = upload(c, open(bad, "rb").read())
        assert r.status == 422, r.status
        assert "course.yml:5: unknown key &#39;colour&#39;" in r.text or "course.yml:5: unknown key" in r.text
        assert count(srv.db, "SELECT count(*) FROM packages") == before
        # Learners cannot reach the trainer pages.
        l = srv.client()
        l.login("learner")
        assert l.get("/manage/courses").status == 403

        # The media file, by content address, with Range.
        sha = hashlib.sha256(AUDIO).hexdigest()
        url = "/media/%s.mp3" % sha
        html = connect(srv.db).execute(
            "SELECT html FROM items i JOIN packages p ON p.id = i.package_id WHERE p.course_id = 'test-course' "
            "AND i.path = 'lessons/02-more.md'").fetchone()[0]
        assert url in html
        r = l.get(url)
        assert r.status == 200 and r.body == AUDIO
        assert r.header("Content-Type") == "audio/mpeg"
        assert "immutable" in r.header("Cache-Control") and "max-age=31536000" in r.header("Cache-Control")
        etag = r.header("ETag")
        assert etag == '"%s"' % sha
        assert l.get(url, headers={"If-None-Match": etag}).status == 304
        r = l.get(url, headers={"Range": "bytes=10-19"})
        assert r.status == 206 and r.body == AUDIO[10:20]
        assert r.header("Content-Range") == "bytes 10-19/%d" % len(AUDIO)
        r = l.get(url, headers={"Range": "bytes=-5"})
        assert r.status == 206 and r.body == AUDIO[-5:]
        r = l.get(url, headers={"Range": "bytes=%d-" % len(AUDIO)})
        assert r.status == 416 and r.header("Content-Range") == "bytes */%d" % len(AUDIO)
        assert l.get("/media/%s.png" % sha).status == 404  # right blob, wrong type
        assert l.get("/media/%s.mp3" % ("0" * 64)).status == 404

        # Roll back through the page.
        c.get("/manage/courses")
        r = upload(c, media_course(d, "1.1.0"))
        assert "imported: test-course 1.1.0" in r.text
        c.get("/manage/courses")
        r = c.post("/manage/courses/rollback", {"course": "test-course", "lang": "en", "version": "1.0.0"})
        assert r.status == 303
        assert count(srv.db, "SELECT version FROM packages WHERE course_id = 'test-course' AND active = 1") == "1.0.0"
    finally:
        srv.stop()
        shutil.rmtree(d)


def test_slow_media_download_does_not_hold_the_database():
    """With a single pooled database connection, a phone slowly reading a large file does not keep other
    requests from the database: the connection is lent out while the body is on its way."""
    d = tmpdir()
    srv = Server(args=["--db-connections", "1"])
    s = None
    try:
        big = b"ID3\x03\x00\x00\x00\x00\x00\x00" + os.urandom(8 << 20)
        c = media_course_dir(d, "1.0.0", "big.mp3", big)
        assert sala("import", c, db=srv.db).returncode == 0
        l = srv.client()
        l.login("learner")
        sha = hashlib.sha256(big).hexdigest()
        import socket
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", srv.port))
        s.settimeout(10)
        cookie = "; ".join("%s=%s" % kv for kv in l.cookies.items())
        s.sendall(("GET /media/%s.mp3 HTTP/1.1\r\nHost: x\r\nCookie: %s\r\n\r\n" % (sha, cookie)).encode())
        first = s.recv(4096)
        assert first.startswith(b"HTTP/1.1 200"), first[:200]
        time.sleep(0.5)  # the server is now blocked writing the rest of 8 MB to a reader who does not read
        for path in ("/courses", "/my", "/courses/test-course"):
            t0 = time.time()
            r = l.get(path)
            assert r.status == 200, (path, r.status)
            assert time.time() - t0 < 5, "%s waited %.1fs for the database" % (path, time.time() - t0)
        s.close()
        s = None
        # The file arrives whole (it is read a chunk at a time), and ranges across chunk edges are exact.
        r = l.get("/media/%s.mp3" % sha)
        assert r.status == 200 and len(r.body) == len(big) and r.body == big
        for a, b in ((1048000, 1049999), (0, 0), (len(big) - 10, len(big) - 1), (2097151, 4194304)):
            r = l.get("/media/%s.mp3" % sha, headers={"Range": "bytes=%d-%d" % (a, b)})
            assert r.status == 206 and r.body == big[a:b + 1], (a, b, r.status, len(r.body))
            assert r.header("Content-Range") == "bytes %d-%d/%d" % (a, b, len(big))
    finally:
        if s:
            s.close()
        srv.stop()


def test_media_path_traversal_refused():
    srv = Server()
    try:
        c = srv.client()
        c.login("learner")
        sha = connect(srv.db).execute("SELECT sha256 FROM package_files LIMIT 1").fetchone()[0]
        for path in ["/media/../../etc/passwd", "/media/..%2f..%2fetc%2fpasswd", "/media/%2e%2e/%2e%2e/etc/passwd",
                     "/media/" + sha + ".md", "/media/" + sha + ".svg", "/media/" + sha.upper() + ".png",
                     "/media/" + sha + ".png/../../../etc/passwd", "/media/" + sha, "/media/",
                     "/media/../sala.db", "/media/" + sha + ".mp3%00.md"]:
            r = c.get(path)
            assert r.status in (400, 404), "%s: %d" % (path, r.status)
            assert b"root:" not in r.body
    finally:
        srv.stop()


def test_preview_serves_from_disk():
    d = tmpdir()
    proc = None
    try:
        c = os.path.join(d, "c")
        shutil.copytree(os.path.join(FIXTURES, "good"), c)
        port_file = os.path.join(d, "port")
        proc = subprocess.Popen([SALA, "preview", c, "--listen", "127.0.0.1:0", "--port-file", port_file],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=SRC)
        deadline = time.time() + 20
        while not os.path.exists(port_file):
            assert proc.poll() is None and time.time() < deadline, "preview did not start"
            time.sleep(0.05)
        from harness import Client
        cl = Client(int(open(port_file).read().strip()))
        r = cl.get("/")
        assert r.status == 200 and "Test Course" in r.text
        r = cl.get("/courses/test-course/lessons/lessons/01-intro.md")
        assert r.status == 200 and '<h1 id="introduction">' in r.text
        # Edits show at once: files are re-read on every request.
        with open(os.path.join(c, "lessons", "01-intro.md"), "a") as f:
            f.write("\nFreshly added sentence.\n")
        r = cl.get("/courses/test-course/lessons/lessons/01-intro.md")
        assert "Freshly added sentence." in r.text
        assert cl.get("/courses/test-course/lessons/../../etc/passwd").status == 404
        # The language chosen with ?lang= holds for links without it (links inside lesson text).
        assert 'lang="km"' in cl.get("/?lang=km").text
        r = cl.get("/courses/test-course/lessons/lessons/01-intro.md")
        assert r.status == 200 and '<html lang="km"' in r.text, r.text[:300]
        assert '<html lang="en"' in cl.get("/courses/test-course/lessons/lessons/01-intro.md?lang=en").text
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        shutil.rmtree(d)


def test_reimport_of_inactive_version():
    """Importing a stored version that is not active says so and names the rollback; --force activates it."""
    d = tmpdir()
    try:
        db = fresh_db(d, "t.db")
        sala("init", db=db, check=True)
        c = os.path.join(d, "c")
        shutil.copytree(os.path.join(FIXTURES, "good"), c)
        sala("import", c, db=db, check=True)
        set_version(c, "1.1.0")
        sala("import", c, db=db, check=True)
        set_version(c, "1.0.0")
        n = count(db, "SELECT count(*) FROM packages")
        p = sala("import", c, db=db)
        assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
        assert "test-course 1.0.0 (en) is stored but not active: the active version is 1.1.0" in p.stderr, p.stderr
        assert "sala courses rollback test-course --lang en --version 1.0.0" in p.stderr, p.stderr
        assert count(db, "SELECT version FROM packages WHERE active = 1") == "1.1.0"
        assert count(db, "SELECT count(*) FROM packages") == n
        p = sala("import", c, "--force", db=db, check=True)
        assert p.stdout == "activated: test-course 1.0.0 (en) was stored already and is active again; " \
                           "replaces 1.1.0\n", p.stdout
        assert count(db, "SELECT version FROM packages WHERE active = 1") == "1.0.0"
        assert count(db, "SELECT count(*) FROM packages") == n
        p = sala("import", c, db=db, check=True)
        assert p.stdout == "unchanged: test-course 1.0.0 (en) is already imported and active\n", p.stdout
    finally:
        shutil.rmtree(d)


def test_limit_flags_and_upload_settings():
    d = tmpdir()
    srv = None
    try:
        good = os.path.join(FIXTURES, "good")
        db = fresh_db(d, "t.db")
        sala("init", db=db, check=True)
        for cmd in (["check", good], ["pack", good, "-o", os.path.join(d, "x.zip")], ["import", good]):
            p = sala(*(cmd + ["--max-entries", "3"]), db=db)
            assert p.returncode == 1 and "more than 3 entries" in p.stderr, (cmd, p.stdout, p.stderr)
            p = sala(*(cmd + ["--max-total-mb=zero"]), db=db)
            assert p.returncode != 0 and "--max-total-mb: 'zero' is not a whole number from 1 to" in p.stderr, \
                (cmd, p.stderr)
        assert count(db, "SELECT count(*) FROM packages") == 0
        p = sala("check", good, "--max-markdown-kb", "1", "--max-entries", "10", "--max-entry-mb", "1",
                 "--max-total-mb", "1", "--max-ratio", "10")
        assert p.returncode == 0, p.stdout + p.stderr
        big = os.path.join(d, "big")
        shutil.copytree(good, big)
        with open(os.path.join(big, "lessons", "01-intro.md"), "a") as f:
            f.write("\nLong text. " * 200)
        p = sala("check", big, "--max-markdown-kb", "1")
        assert p.returncode == 1 and "lessons/01-intro.md:1: larger than 1 KB" in p.stdout, p.stdout + p.stderr

        # The upload page reads the site settings package_max_*.
        srv = Server()
        p = sala("settings", "set", "package_max_total_mb", "0", db=srv.db)
        assert p.returncode != 0 and "not a whole number from 1 to" in p.stderr, p.stderr
        sala("settings", "set", "package_max_entries", "3", db=srv.db, check=True)
        p = sala("settings", "get", "package_max_entries", db=srv.db, check=True)
        assert p.stdout.strip() == "3", p.stdout
        c = srv.client()
        c.login("trainer")
        data = media_course(d)
        c.get("/manage/courses")
        n = count(srv.db, "SELECT count(*) FROM packages")
        r = upload(c, data)
        assert r.status == 422 and "more than 3 entries" in r.text, r.text[-1500:]
        assert count(srv.db, "SELECT count(*) FROM packages") == n
        sala("settings", "set", "package_max_entries", "", db=srv.db, check=True)  # back to the default
        c.get("/manage/courses")
        r = upload(c, data)
        assert r.status == 200 and "imported: test-course 1.0.0 (en)" in r.text, r.text[-1500:]
        # The admin page lists the new settings, with their checks.
        a = srv.client()
        a.login("admin")
        r = a.get("/admin/settings")
        assert r.status == 200 and 'name="package_max_total_mb"' in r.text
        r = a.post("/admin/settings", {"package_max_total_mb": "-1"})
        assert r.status == 422 and "package_max_total_mb" in r.text
        r = a.post("/admin/settings", {"package_max_total_mb": "2048"})
        assert r.status == 303
        assert sala("settings", "get", "package_max_total_mb", db=srv.db).stdout.strip() == "2048"
    finally:
        if srv:
            srv.stop()
        shutil.rmtree(d)


def tiny_png():
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


LINK = re.compile(r'<(a|link|img|form|script|iframe|source|audio|video)\b[^>]*?\b(href|src|action)="([^"]*)"', re.I)


def test_preview_links_all_resolve():
    """Every link, image and form target on the preview's pages exists there (no log-in, no POST /lang)."""
    import html
    import urllib.parse
    from harness import Client
    d = tmpdir()
    proc = None
    try:
        c = os.path.join(d, "c")
        shutil.copytree(os.path.join(FIXTURES, "good"), c)
        os.makedirs(os.path.join(c, "img"))
        open(os.path.join(c, "img", "dot.png"), "wb").write(tiny_png())
        with open(os.path.join(c, "lessons", "02-more.md"), "a") as f:
            f.write("\n![A red dot](../img/dot.png)\n\n[Back](01-intro.md) [Site](https://example.org/)\n")
        port_file = os.path.join(d, "port")
        proc = subprocess.Popen([SALA, "preview", c, "--listen", "127.0.0.1:0", "--port-file", port_file],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=SRC)
        deadline = time.time() + 20
        while not os.path.exists(port_file):
            assert proc.poll() is None and time.time() < deadline, "preview did not start"
            time.sleep(0.05)
        cl = Client(int(open(port_file).read().strip()))
        todo, seen, pages, checked = ["/", "/?lang=km", "/no-such-page"], set(), 0, 0
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            seen.add(url)
            r = cl.get(url)
            # The error page's language links lead to the same missing page, in the other language.
            assert r.status == (404 if url.startswith("/no-such-page") else 200), "%s: %d" % (url, r.status)
            if "text/html" not in (r.header("Content-Type") or ""):
                continue
            pages += 1
            t = r.text
            assert "<form" not in t and "/login" not in t and 'action="/lang"' not in t, url
            for _, _, target in LINK.findall(t):
                target = html.unescape(target)
                parts = urllib.parse.urlsplit(urllib.parse.urljoin(url, target))
                if parts.scheme or parts.netloc:
                    continue  # another site, e.g. https://example.org/
                if target.startswith("#"):
                    continue
                checked += 1
                todo.append(parts.path + ("?" + parts.query if parts.query else ""))
        assert pages >= 8 and checked >= 20, (pages, checked)
        assert any(u.startswith("/media/") and u.endswith(".png") for u in seen), seen
        assert "/courses/test-course/quizzes/quizzes/final.md?lang=km" in seen, seen
        km = cl.get("/courses/test-course/lessons/lessons/01-intro.md?lang=km").text
        assert '<html lang="km">' in km and 'href="/courses/test-course/lessons/lessons/01-intro.md?lang=en"' in km
        assert cl.request("POST", "/lang", body="lang=km").status == 405
    finally:
        if proc:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        shutil.rmtree(d)
