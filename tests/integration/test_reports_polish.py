"""Reports polish: a course that is only a draft is in no report nor the catalogue; the dashboard's figures
in Khmer digits in Khmer (the exports stay Latin); rates and averages link to the people behind them; a
course's participants as a workbook."""
import csv
import html
import io
import re
import shutil
import sys
import tempfile

try:
    import openpyxl
except ImportError:  # a Python of its own on PATH: Debian's python3-openpyxl is pure Python
    sys.path.append("/usr/lib/python3/dist-packages")
    import openpyxl

from harness import Server
from test_reports import Q1, build, cells
from test_courses import upload
from test_trainer import COURSE, course_zip

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KHMER_DIGIT = re.compile("[\u17e0-\u17e9]")
KHMER = re.compile("[\u1780-\u17ff]")


def course_everywhere(c, course):
    """Where the reports (admin, all time) list a course: {place: listed}."""
    q = "period=all&lang=en"
    page = c.get("/reports?" + q).text
    form = re.search(r'<select id="f-course".*?</select>', page, re.S).group(0)
    table = re.search(r'<table id="courses">.*?</table>', page, re.S)
    csv_rows = list(csv.DictReader(io.StringIO(c.get("/reports.csv?%s&by=course" % q).text.lstrip("\ufeff"))))
    j = c.get("/reports.json?%s&by=course" % q).json()
    r = c.get("/reports.xlsx?%s&by=course" % q)
    assert r.status == 200 and r.header("Content-Type") == XLSX_TYPE, r.status
    wb = openpyxl.load_workbook(io.BytesIO(r.body))
    sheet = [row[0].value for row in wb["By course"].iter_rows(min_row=2)]
    series = list(csv.DictReader(io.StringIO(
        c.get("/reports.csv?series=quarter&from=2020-01-01&to=2031-12-31&by=course&lang=en").text.lstrip("\ufeff"))))
    catalogue = c.get("/courses?lang=en").text
    return {
        "form": 'value="%s"' % course in form,
        "table": bool(table) and ">%s<" % course in table.group(0),
        "csv": any(x["course_id"] == course for x in csv_rows),
        "json": any(x["course_id"] == course for x in j["rows"]),
        "xlsx": course in sheet,
        "series": any(x["course_id"] == course for x in series),
        "catalogue": 'href="/courses/%s"' % course in catalogue,
        "asked": c.get("/reports?period=all&course=%s" % course).status,
    }


def test_a_draft_course_is_in_no_report_until_published():
    d = tempfile.mkdtemp(prefix="sala-draft-")
    srv = Server()
    try:
        t = srv.client()
        t.login("trainer")
        t.get("/manage/courses")
        r = upload(t, course_zip(d, "1.0.0"), publish=False)
        assert r.status == 200 and "draft: %s 1.0.0 (en)" % COURSE in r.text, r.text[-1500:]
        a = srv.client()
        a.login("admin")
        # Only a draft: in no report, no export, no course choice, and not in the catalogue.
        seen = course_everywhere(a, COURSE)
        assert seen == {"form": False, "table": False, "csv": False, "json": False, "xlsx": False,
                        "series": False, "catalogue": False, "asked": 404}, seen
        # A published course is listed everywhere (the same checks do find a course).
        assert course_everywhere(a, "cyber-awareness") == {
            "form": True, "table": True, "csv": True, "json": True, "xlsx": True, "series": True,
            "catalogue": True, "asked": 200}
        # Published: now it is a course of the reports (with no learner yet) and of the catalogue.
        t.get("/manage/courses")
        r = t.post("/manage/courses/publish", {"course": COURSE, "lang": "en", "version": "1.0.0"})
        assert r.status == 303, r.status
        seen = course_everywhere(a, COURSE)
        assert seen == {"form": True, "table": True, "csv": True, "json": True, "xlsx": True,
                        "series": True, "catalogue": True, "asked": 200}, seen
    finally:
        srv.stop()
        shutil.rmtree(d, ignore_errors=True)


class Ctx:
    srv = None


def known():
    """One server with the hand-counted population of test_reports (province 05, Q1 2025)."""
    if Ctx.srv is None or Ctx.srv.proc is None:
        Ctx.srv = Server()
        build(Ctx.srv.db)
    return Ctx.srv


def admin():
    c = known().client()
    c.login("admin")
    return c


def visible(page):
    """The text a reader sees: no tags, attributes, styles or scripts."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]*>", " ", page))


def f2f_cells(page):
    return dict(((m.group(1), m.group(2)), re.sub(r"<[^>]*>", "", m.group(3)))
                for m in re.finditer(r'<td class="num" data-f2f="([^"]*)" data-sex="([^"]*)">(.*?)</td>', page))


def test_dashboard_figures_in_khmer_digits_exports_latin():
    c = admin()
    q = "org=05&%s" % Q1
    en, km = c.get("/reports?%s&lang=en" % q).text, c.get("/reports?%s&lang=km" % q).text
    # Every figure cell: the same value, in Khmer digits on the Khmer page (int() reads both).
    cen, ckm = cells(en), cells(km)
    assert cen.keys() == ckm.keys() and len(cen) > 50
    nonzero = 0
    for key, text in cen.items():
        if re.fullmatch(r"\d+", text):
            assert re.fullmatch("[\u17e0-\u17e9]+", ckm[key]) and int(ckm[key]) == int(text), (key, ckm[key], text)
            nonzero += text != "0"
        else:
            assert not re.search("[0-9]", ckm[key]), (key, ckm[key])
            assert ckm[key].translate(str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")) == text, (key, ckm[key], text)
    assert nonzero >= 10
    # Rates and averages with their n: 83.3 -> ៨៣.៣, n=9 -> n=៩.
    assert re.search(r'data-sex="all" data-k="avg_score" data-n="6"><span class="v"><a [^>]*>៨៣\.៣</a></span> '
                     r'<span class="n">n=៦</span>', km), km[:3000]
    assert re.search(r'id="parity" data-k="parity_index" data-n="3">៤\.០០<', km)
    # The face-to-face table, in the same digits.
    fen, fkm = f2f_cells(en), f2f_cells(km)
    assert fen and fen.keys() == fkm.keys()
    assert any(re.search("[0-9]", v) for v in fen.values())
    assert not any(re.search("[0-9]", v) for v in fkm.values()), fkm
    # No Latin digit in the visible figures of the tables, the charts and the notes (dates are in Khmer too).
    main = km[km.index("<h2"):km.index('<h2 id="follow-up"')]
    main = visible(re.sub(r'<span class="meta">[^<]*</span>', "", main))  # org codes (T501) are codes
    assert not re.search("[0-9]", main), re.search(".{0,40}[0-9].{0,40}", main, re.S).group(0)
    # The series table too.
    s = "series=quarter&org=05&from=2025-01-01&to=2025-06-30"
    sen, skm = c.get("/reports?%s&lang=en" % s).text, c.get("/reports?%s&lang=km" % s).text
    pat = r'<td class="num" data-period="([^"]*)" data-sex="([^"]*)" data-k="([^"]*)">([^<]*)</td>'
    a, b = re.findall(pat, sen), re.findall(pat, skm)
    assert len(a) == len(b) >= 14 and any(re.search("[1-9]", x[3]) for x in a)
    for x, y in zip(a, b):
        assert x[:3] == y[:3] and not re.search("[0-9]", y[3]) and \
            y[3].translate(str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")) == x[3], (x, y)
    # The exports of a Khmer reader stay machine-readable: Latin digits.
    csv_km = c.get("/reports.csv?%s&by=sex&lang=km" % q).text
    assert re.search(r",female,3,3,3,1,88\.3,3,100\.0,4\.00,3,", csv_km) and not KHMER_DIGIT.search(csv_km), csv_km[:400]
    j = c.get("/reports.json?%s&by=sex&lang=km" % q).json()
    assert j["summary"]["by_sex"]["all"]["enrolled"] == 9
    r = c.get("/reports.xlsx?%s&by=org,sex&lang=km" % q)
    wb = openpyxl.load_workbook(io.BytesIO(r.body))
    summary = list(wb["សេចក្ដីសង្ខេប"].iter_rows(values_only=True))
    assert summary[1][5] == 9 and isinstance(summary[1][5], int)
    series_csv = c.get("/reports.csv?%s&by=sex&lang=km" % s).text
    assert not KHMER_DIGIT.search(series_csv) and "2025-Q1" in series_csv


def people_count(page):
    return int(re.search(r'<span id="people-count">([^<]*)</span>', page).group(1))


def people_csv(c, href):
    """The rows of a people list's CSV (one per person and course)."""
    r = c.get(href.replace("/reports/people?", "/reports/people.csv?"))
    assert r.status == 200, (href, r.status)
    return list(csv.DictReader(io.StringIO(r.text.lstrip("\ufeff"))))


def test_rates_and_averages_link_to_their_people():
    c = admin()
    page = c.get("/reports?org=05&%s&lang=en" % Q1).text
    # Completion rates: each shown rate links to the people enrolled in its cell (its n), with their status.
    rates = re.findall(r'data-sex="(female|male|all)" data-k="completion_rate" data-n="(\d+)"><span class="v">'
                       r'<a href="([^"]*)">[^<]*</a>', page)
    assert len(rates) >= 4, page[:2000]
    for sex, n, href in rates:
        href = html.unescape(href)
        assert "list=enrolled" in href and "from=2025-01-01" in href and "to=2025-03-31" in href, href
        assert ("sex=%s" % sex in href) == (sex != "all"), (sex, href)
        people = c.get(href + "&lang=en")
        assert people.status == 200, href
        # The page lists people and courses; the rate's n counts people.
        rows = people_csv(c, href)
        assert people_count(people.text) == len(rows) and len({x["username"] for x in rows}) == int(n), (href, n)
        assert all(x["enrolled_on"].startswith("2025-0") for x in rows)
    # The summary's completion rate of women: the 3 women enrolled in Q1, with their started and completed days.
    m = re.search(r'data-sex="female" data-k="completion_rate" data-n="3"><span class="v"><a href="([^"]*)">'
                  r'100\.0%</a>', page)
    assert m, page[:3000]
    people = c.get(html.unescape(m.group(1)) + "&lang=en").text
    assert people_count(people) == 3 and "<th scope=\"col\">Completed</th>" in people
    # Averages link to the completions they are the mean of: n completions with a final score.
    avgs = re.findall(r'data-sex="(all)" data-k="avg_score" data-n="(\d+)"><span class="v"><a href="([^"]*)">', page)
    assert avgs
    for sex, n, href in avgs:
        assert "list=completed" in href
        rows = people_csv(c, html.unescape(href))
        assert len(rows) == int(n) and all(x["completed_on"] for x in rows), (href, n, rows)
    # The parity index links to the people enrolled, women and men.
    m = re.search(r'<a href="([^"]*)"><span id="parity" data-k="parity_index"', page)
    assert m and "list=enrolled" in m.group(1) and "sex=" not in m.group(1)
    # A figure withheld by the small-group rule or undefined is no link.
    for m in re.finditer(r'data-k="(?:completion_rate|avg_score|avg_gain|parity_index)" data-n="\d+"'
                         r'( data-few="1")?><span class="v">(.*?)</span>', page):
        if m.group(1) or m.group(2) == "–":
            assert "<a " not in m.group(2), m.group(0)
    # Scoped as the counts: a manager's link outside their area is refused.
    mc = known().client()
    mc.login("manager")
    outside = html.unescape(rates[0][2])
    r = mc.get(outside + "&lang=en")
    assert r.status == 403 and "outside your area" in r.text, r.status


def unquote_code(v):
    """A code as the CSV keeps it for spreadsheets (="0012") without its quoting."""
    return v[2:-1] if v.startswith('="') and v.endswith('"') else v


def test_participants_workbook_has_the_csv_columns_filters_and_khmer():
    from harness import sala
    from test_courses import FIXTURES
    from test_pg_ops import take_quiz
    import os
    srv = Server()
    try:
        db = srv.db
        assert sala("import", os.path.join(FIXTURES, "good"), db=db).returncode == 0
        people = [
            ("sr-trainer", "Trainer Siem Reap", "", "female", "17", "learner;trainer", ""),
            ("sr-man", "Man In Siem Reap", "សុភ័ក្ត្រ ម៉ៅ", "male", "1710", "learner", "=cmd|' /C calc'!A0"),
            ("bm-woman", "Woman In Banteay Meanchey", "", "female", "01", "learner", ""),
        ]
        for u, name, km, sex, org, roles, position in people:
            args = ["user", "add", "--username", u, "--name", name, "--org", org, "--sex", sex, "--role", roles,
                    "--position", position, "--password", "Harbor-lotus-7-Vq!"]
            if km:
                args += ["--name-km", km]
            p = sala(*args, db=db)
            assert p.returncode == 0, p.stderr
        for u in ("learner", "sr-man", "bm-woman"):
            assert sala("enroll", "--course", "test-course", "--user", u, db=db).returncode == 0
        l = srv.client()
        l.login("learner")
        assert l.get("/courses/test-course/lessons/lessons/01-intro.md?lang=en").status == 200
        _, st = take_quiz(l, "/courses/test-course/quiz/quizzes/final.md", {"q0": "0"})
        assert st == 303
        t = srv.client()
        t.login("sr-trainer", "Harbor-lotus-7-Vq!")
        page = t.get("/manage/courses/test-course/participants?lang=en&sex=male").text
        m = re.search(r'href="(/manage/courses/test-course/participants\.xlsx\?[^"]*)"', page)
        assert m and "sex=male" in m.group(1), page[-2000:]
        for lang in ("en", "km"):
            for query, want in (("", {"learner", "sr-man"}), ("sex=male", {"sr-man"}), ("org=171001", {"learner"})):
                q = "lang=%s&%s" % (lang, query)
                r = t.get("/manage/courses/test-course/participants.xlsx?" + q)
                assert r.status == 200 and r.header("Content-Type") == XLSX_TYPE, (q, r.status, r.text[:300])
                assert "sala-participants-test-course.xlsx" in r.header("Content-Disposition")
                ws = openpyxl.load_workbook(io.BytesIO(r.body)).worksheets[0]
                rows = list(ws.iter_rows())
                head = [c.value for c in rows[0]]
                recs = list(csv.DictReader(io.StringIO(
                    t.get("/manage/courses/test-course/participants.csv?" + q).text.lstrip("\ufeff"))))
                # The same people in the same order, column for column with the CSV.
                assert [x[0].value for x in rows[1:]] == [x["username"] for x in recs] and \
                    set(x["username"] for x in recs) == want, (q, head)
                assert len(head) == len(recs[0]) == 15
                for row, rec in zip(rows[1:], recs):
                    v = [c.value for c in row]
                    # The CSV puts ' before a formula-looking text; a workbook cell holds text as it is.
                    pos = rec["position"][1:] if rec["position"].startswith("'=") else rec["position"]
                    assert v[1] == rec["full_name"] and v[4] == rec["org_name"] and (v[5] or "") == pos
                    assert row[3].data_type == "s" and v[3] == unquote_code(rec["org_code"])  # a code: text
                    for i, k in ((6, "enrolled"), (7, "started"), (8, "completed"), (14, "last_active")):
                        assert (v[i].date().isoformat() if v[i] else "") == rec[k], (k, v[i], rec[k])
                    assert (v[9], v[10]) == (int(rec["lessons_done"]), int(rec["lessons"]))
                    for i, k in ((11, "progress_pct"), (12, "pretest_pct"), (13, "best_final_pct")):
                        assert (str(round(v[i] * 100)) if v[i] is not None else "") == rec[k], (k, v[i], rec[k])
                        assert v[i] is None or row[i].number_format == "0%"
                    sexes = {"female": ("Female", "ស្រី"), "male": ("Male", "ប្រុស")}
                    assert v[2] == sexes[rec["sex"]][lang == "km"], (v[2], rec["sex"])
                if lang == "km":
                    assert head[0] != "Username" and all(KHMER.search(h) for h in head[1:3]), head
                    names = {x[0].value: x[1].value for x in rows[1:]}
                    if "sr-man" in names:
                        assert names["sr-man"] == "សុភ័ក្ត្រ ម៉ៅ"  # byte for byte
                else:
                    assert head[:3] == ["Username", "Name", "Sex"] and head[11] == "Progress", head
        # The formula-looking position is a text cell, never a formula.
        ws = openpyxl.load_workbook(io.BytesIO(t.get("/manage/courses/test-course/participants.xlsx?sex=male").body)).worksheets[0]
        pos = list(ws.iter_rows())[1][5]
        assert pos.value == "=cmd|' /C calc'!A0" and pos.data_type == "s"
        # Filters as the page: outside the trainer's unit or an unknown sex is refused, with no file.
        r = t.get("/manage/courses/test-course/participants.xlsx?lang=en&org=01")
        assert r.status == 400 and "outside your own org unit" in r.text and r.body[:2] != b"PK"
        assert t.get("/manage/courses/test-course/participants.xlsx?sex=robot").status == 400
        assert l.get("/manage/courses/test-course/participants.xlsx").status == 403
        assert t.get("/manage/courses/no-such-course/participants.xlsx").status == 404
        a = srv.client()
        a.login("admin")
        ws = openpyxl.load_workbook(io.BytesIO(a.get("/manage/courses/test-course/participants.xlsx").body)).worksheets[0]
        assert {x[0].value for x in list(ws.iter_rows())[1:]} == {"learner", "sr-man", "bm-woman"}
    finally:
        srv.stop()


def test_zz_stop():
    if Ctx.srv:
        Ctx.srv.stop()

