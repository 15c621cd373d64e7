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
from test_courses import upload
from test_trainer import COURSE, course_zip

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KHMER_DIGIT = re.compile("[\u17e0-\u17e9]")


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
