"""Reports as XLSX: each workbook (from /reports.xlsx and from `sala report --format xlsx -o FILE`) opened
with a real reader (openpyxl, Debian's python3-openpyxl) shows the figures of the JSON export and the
dashboard for the same query, with codes as text cells, numbers as numeric cells, rates as fractions
with a percent format, Khmer strings byte for byte, the definitions sheet, and the manager's scope."""
import html
import io
import os
import re
import sys
import tempfile

try:
    import openpyxl
except ImportError:  # a Python of its own on PATH: Debian's python3-openpyxl is pure Python
    sys.path.append("/usr/lib/python3/dist-packages")
    import openpyxl

from harness import Server, connect, sala
from test_reports import EVIL, EXPECT_05, Q1, build, cells

KHMER = re.compile("[\u1780-\u17ff]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEXES = ["female", "male", "other", "unspecified", "all"]
MEASURES = ["enrolled", "started", "completed", "certified"]
# A district whose code starts with zeros, under province 01, with a Khmer name full of coeng and
# dependent vowels; one learner there, a woman who completed a course.
ZERO_UNIT = ("0012", "Zero district", "ស្រុកស្រីសន្ធរ ក្រុងព្រៃវែង", "01")
SHEETS_EN = ["About", "Summary", "By org unit", "By course", "By org unit and course", "Face-to-face"]
SHEETS_KM = ["អំពី", "សេចក្ដីសង្ខេប", "តាមអង្គភាព", "តាមវគ្គសិក្សា", "តាមអង្គភាព និងវគ្គសិក្សា", "ការបណ្តុះបណ្តាលផ្ទាល់"]


class Ctx:
    srv = None


def ctx():
    if Ctx.srv is None or Ctx.srv.proc is None:
        Ctx.srv = Server()
        build(Ctx.srv.db)
        c = connect(Ctx.srv.db)
        code, en, km, parent = ZERO_UNIT
        pid, ppath = c.execute("SELECT id, path FROM org_units WHERE code = ?", (parent,)).fetchone()
        oid = c.execute("INSERT INTO org_units(code, name_en, name_km, parent_id, level) VALUES (?,?,?,?,?) "
                        "RETURNING id", (code, en, km, pid, "district")).fetchone()[0]
        c.execute("UPDATE org_units SET path = ? WHERE id = ?", (ppath + str(oid) + "/", oid))
        uid = c.execute("INSERT INTO users(username, password_hash, full_name, sex, org_id, created_at) "
                        "VALUES ('z1', 'x', 'Z1', 'female', ?, 0) RETURNING id", (oid,)).fetchone()[0]
        c.execute("INSERT INTO enrolments(user_id, course_id, enrolled_at, started_at, completed_at, best_final) "
                  "VALUES (?, 'rt-a', 1735700000, 1735800000, 1735900000, 88)", (uid,))
        c.commit()
        c.close()
    return Ctx.srv


def client(user):
    c = ctx().client()
    c.login(user)
    return c


def workbook(body):
    assert body[:2] == b"PK", body[:200]
    return openpyxl.load_workbook(io.BytesIO(body))


def get_xlsx(c, query):
    r = c.get("/reports.xlsx?" + query)
    assert r.status == 200, (query, r.status, r.body[:300])
    assert r.header("Content-Type") == XLSX_TYPE
    disp = r.header("Content-Disposition")
    assert re.fullmatch(r'attachment; filename="sala-report-[A-Za-z0-9._-]+\.xlsx"', disp), disp
    return workbook(r.body)


def table(ws):
    """A sheet with a header row as {first cells: {header: cell}} (key: the text cells before the figures)."""
    rows = list(ws.iter_rows())
    head = [c.value for c in rows[0]]
    return head, rows[1:]


def num(cell):
    """A figure cell: a number (int or float) with a numeric type, or None when empty."""
    if cell.value is None:
        return None
    assert cell.data_type == "n" and isinstance(cell.value, (int, float)), (cell.coordinate, cell.value)
    return cell.value


def pct(cell):
    """A rate cell: a fraction with the percent format; returned as the percentage the screen shows."""
    v = num(cell)
    if v is None:
        return None
    assert cell.number_format == "0.0%", (cell.coordinate, cell.number_format)
    return round(v * 100, 1)


def json_rows(c, query):
    j = c.get("/reports.json?" + query).json()
    return j, {(x["org_code"], x["course_id"], x["sex"]): x for x in j["rows"]}


def check_breakdown(ws, want, groups, key_of, by_sex=True):
    """Every figure of a breakdown sheet equals the JSON rows (want) and groups of the same query."""
    head, rows = table(ws)
    first = 4 if head[2] == "Course" else 2
    assert rows, ws.title
    for row in rows:
        for c in row[:first]:
            assert c.value is None or c.data_type == "s", (c.coordinate, c.value)  # codes and names: text
        org, course = key_of(row)
        col = first
        for m in MEASURES:
            for sex in (SEXES if by_sex else ["all"]):
                assert num(row[col]) == want[(org, course, sex)][m], (ws.title, org, course, m, sex)
                assert isinstance(row[col].value, int)
                col += 1
        assert num(row[col]) == want[(org, course, "all")]["avg_score"], (org, course)
        assert num(row[col + 1]) == want[(org, course, "all")]["avg_gain"], (org, course)
        g = groups[(org, course)]
        assert [pct(row[col + 2 + i]) for i in range(3)] == \
            [g["completion_rate_pct"][s] for s in ("female", "male", "all")], (org, course)
        assert num(row[col + 5]) == g["parity_index"], (org, course)
        assert row[col + 5].value is None or row[col + 5].number_format == "0.00"
    return rows


def test_http_workbook_matches_json_and_screen():
    c = client("admin")
    q = "org=05&%s&lang=en" % Q1
    wb = get_xlsx(c, q + "&by=org,course,sex")
    assert wb.sheetnames == SHEETS_EN
    j, _ = json_rows(c, q + "&by=sex")
    # Summary: counts by sex, women's share, completion rates, scores, gain, parity index.
    head, rows = table(wb["Summary"])
    assert head == ["Measure", "Women", "Men", "Other", "Unspecified", "Total", "Women's share",
                    "n: people behind the figure"]
    s = j["summary"]
    for i, m in enumerate(MEASURES):
        assert rows[i][0].value == m.capitalize()
        assert [num(x) for x in rows[i][1:6]] == [s["by_sex"][x][m] for x in SEXES], m
        assert pct(rows[i][6]) == s["female_share_pct"][m], m
    assert rows[4][0].value == "Completion rate"
    assert [pct(x) for x in rows[4][1:6]] == [s["completion_rate_pct"][x] for x in SEXES]
    assert [num(x) for x in rows[5][1:6]] == [s["by_sex"][x]["avg_score"] for x in SEXES]
    assert [num(x) for x in rows[6][1:6]] == [s["by_sex"][x]["avg_gain"] for x in SEXES]
    assert rows[8][0].value.startswith("Gender parity index") and num(rows[8][1]) == s["parity_index"] == 4.0
    assert rows[8][1].number_format == "0.00" and num(rows[8][7]) == s["parity_n"] == 3
    assert pct(rows[0][6]) == 33.3 and rows[0][6].value == 0.333  # the rounded value the screen shows
    # By org unit: the JSON rows of by=org,sex and its groups; the hand-counted figures too.
    j, want = json_rows(c, q + "&by=org,sex")
    _, alls = json_rows(c, q + "&by=org")
    want.update(alls)
    groups = {(g["org_code"], g["course_id"]): g for g in j["groups"]}
    rows = check_breakdown(wb["By org unit"], want, groups, lambda row: (row[0].value, ""))
    assert [r[0].value for r in rows] == ["T501", "T502", "T503", "T504", "05"]
    by_code = {r[0].value: r for r in rows}
    assert [by_code["T501"][2 + 5 * k].value for k in range(4)] == list(EXPECT_05[("T501", "", "female")][:4])
    assert by_code["T503"][1].value == EVIL and by_code["T503"][1].data_type == "s"  # text, never a formula
    assert by_code["05"][1].value == "Kampong Speu (attached to this unit directly)"
    # By course, and by org unit and course.
    j, want = json_rows(c, q + "&by=course,sex")
    want.update(json_rows(c, q + "&by=course")[1])
    groups = {(g["org_code"], g["course_id"]): g for g in j["groups"]}
    rows = check_breakdown(wb["By course"], want, groups, lambda row: ("05", row[0].value))
    ids = [r[0].value for r in rows]
    assert "rt-a" in ids and "rt-b" in ids and ids == sorted(ids), ids
    j, want = json_rows(c, q + "&by=org,course,sex")
    want.update(json_rows(c, q + "&by=org,course")[1])
    groups = {(g["org_code"], g["course_id"]): g for g in j["groups"]}
    rows = check_breakdown(wb["By org unit and course"], want, groups, lambda row: (row[0].value, row[2].value))
    assert len(rows) == 5 * len(ids)
    # The screen: every figure cell of the dashboard's unit table is in the workbook with the same value.
    page = cells(c.get("/reports?" + q).text)
    rows = {r[0].value: r for r in table(wb["By org unit"])[1]}
    head = table(wb["By org unit"])[0]
    n = 0
    for (by, org, course, sex, k), text in page.items():
        if by not in ("org", "org,sex") or k not in MEASURES + ["avg_score"]:
            continue
        title = "Average final score" if k == "avg_score" else "%s: %s" % (
            k.capitalize(), {"female": "Women", "male": "Men", "all": "All"}[sex])
        v = rows[org][head.index(title)].value
        assert (("%.1f" % v) if k == "avg_score" and v is not None else str(v) if v is not None else "") == text, \
            (org, sex, k, v, text)
        n += 1
    assert n >= 5 * 13
    # Without a sex split: the totals only.
    wb = get_xlsx(c, q + "&by=course")
    assert wb.sheetnames == ["About", "Summary", "By course", "Face-to-face"]
    head, rows = table(wb["By course"])
    assert head == ["Course", "Course title", "Enrolled", "Started", "Completed", "Certified",
                    "Average final score", "Average learning gain (final − pretest)", "Completion rate",
                    "n (average final score)"]
    _, want = json_rows(c, q + "&by=course")
    for row in rows:
        x = want[("05", row[0].value, "all")]
        assert [num(v) for v in row[2:6]] == [x[m] for m in MEASURES]
        rate = round(100.0 * x["completed"] / x["enrolled"], 1) if x["enrolled"] else None
        assert num(row[6]) == x["avg_score"] and pct(row[8]) == rate, row[0].value
        assert num(row[9]) == x["avg_score_n"], row[0].value


def test_codes_as_text_khmer_intact_and_the_about_sheet():
    c = client("admin")
    wb = get_xlsx(c, "org=01&period=all&by=org,sex&lang=km")
    assert wb.sheetnames == SHEETS_KM[:3] + SHEETS_KM[-1:]
    assert all(len(n) <= 31 for n in wb.sheetnames)
    head, rows = table(wb["តាមអង្គភាព"])
    assert head[:3] == ["លេខកូដអង្គភាព", "អង្គភាព", "បានចុះឈ្មោះ៖ ស្ត្រី"]
    zero = [r for r in rows if r[0].value == "0012"]
    assert len(zero) == 1 and zero[0][0].data_type == "s", [r[0].value for r in rows]
    assert zero[0][1].value.encode("utf-8") == ZERO_UNIT[2].encode("utf-8")
    assert zero[0][2].value == 1 and zero[0][2].data_type == "n"  # enrolled: women
    # The about sheet: the unit's code as text, the period, the definitions in Khmer.
    about = {r[0].value: r[1] for r in wb["អំពី"].iter_rows() if r[0].value}
    assert about["លេខកូដអង្គភាព"].value == "01" and about["លេខកូដអង្គភាព"].data_type == "s"
    assert about["រយៈពេល"].value == "គ្រប់ពេលទាំងអស់"
    assert about["ការដាក់ជាក្រុម"].value == "org,sex"
    texts = [r[0].value for r in wb["អំពី"].iter_rows() if r[0].value]
    assert "របៀបរាប់តួលេខទាំងនេះ" in texts
    assert any(t.startswith("អ្នកសិក្សាម្នាក់ត្រូវរាប់តែម្ដង") for t in texts)
    assert any(t.startswith("សន្ទស្សន៍សមភាពយេនឌ័រ") for t in texts)
    # National: province codes 01..09 keep their zeros, names in Khmer as stored.
    wb = get_xlsx(c, "org=KH&period=all&by=org&lang=km")
    rows = table(wb["តាមអង្គភាព"])[1]
    codes = [r[0].value for r in rows]
    assert codes[:9] == ["01", "02", "03", "04", "05", "06", "07", "08", "09"], codes
    db = connect(ctx().db)
    km = dict(db.execute("SELECT code, name_km FROM org_units WHERE code IN ('01', '12', '17')").fetchall())
    db.close()
    names = {r[0].value: r[1].value for r in rows}
    for code in ("01", "12", "17"):
        assert names[code].encode("utf-8") == km[code].encode("utf-8"), code
    # An English workbook with dates: the period's days are date cells, as in the JSON.
    wb = get_xlsx(c, "org=05&%s&by=sex&lang=en" % Q1)
    about = {r[0].value: r[1] for r in wb["About"].iter_rows() if r[0].value}
    assert about["Org unit code"].value == "05" and about["Period"].value == "2025-01-01..2025-03-31"
    assert about["From"].is_date and about["From"].value.strftime("%Y-%m-%d") == "2025-01-01"
    assert about["To"].is_date and about["To"].value.strftime("%Y-%m-%d") == "2025-03-31"
    assert about["Course"].value == "All courses"
    texts = [r[0].value for r in wb["About"].iter_rows() if r[0].value]
    assert "How these figures are counted" in texts
    assert any("distinct learners" in t for t in texts) and any("both the first and the last day" in t
                                                                 for t in texts)


def test_cli_workbook_equals_http():
    srv = ctx()
    c = client("admin")
    web = get_xlsx(c, "org=05&%s&by=org,course,sex&lang=km" % Q1)
    tmp = tempfile.mkdtemp(prefix="sala-xlsx-")
    out = os.path.join(tmp, "r.xlsx")
    sala("report", "--org", "05", "--from", "2025-01-01", "--to", "2025-03-31", "--by", "org,course,sex",
         "--format", "xlsx", "--lang", "km", "-o", out, db=srv.db, check=True)
    cli = openpyxl.load_workbook(out)
    assert cli.sheetnames == web.sheetnames == SHEETS_KM
    for name in web.sheetnames:
        a = [[(x.value, x.data_type, x.number_format) for x in r] for r in web[name].iter_rows()]
        b = [[(x.value, x.data_type, x.number_format) for x in r] for r in cli[name].iter_rows()]
        if name == "អំពី":  # "made on" differs by the seconds between the two
            a = [r for r in a if r[0][0] != "បានបង្កើតនៅ (UTC)"]
            b = [r for r in b if r[0][0] != "បានបង្កើតនៅ (UTC)"]
        assert a == b, name
    # Refusals: no file name for a workbook, or a bad query, and nothing is written.
    p = sala("report", "--format", "xlsx", db=srv.db)
    assert p.returncode == 1 and "-o FILE.xlsx" in p.stderr, p.stderr
    bad = os.path.join(tmp, "bad.xlsx")
    p = sala("report", "--org", "nope", "--format", "xlsx", "-o", bad, db=srv.db)
    assert p.returncode == 1 and "no org unit 'nope'" in p.stderr and not os.path.exists(bad)
    p = sala("report", "--format", "xls", "-o", bad, db=srv.db)
    assert p.returncode == 1 and "unknown format 'xls'" in p.stderr and not os.path.exists(bad)
    assert sorted(os.listdir(tmp)) == ["r.xlsx"]  # no temporary file left beside it
    # -o works for the text formats too.
    csv_out = os.path.join(tmp, "r.csv")
    sala("report", "--org", "05", "--period", "all", "--by", "sex", "--format", "csv", "-o", csv_out, db=srv.db,
         check=True)
    p = sala("report", "--org", "05", "--period", "all", "--by", "sex", "--format", "csv", db=srv.db, check=True)
    with open(csv_out, "r", encoding="utf-8") as f:  # as the CLI's standard output is read: universal newlines
        assert f.read() == p.stdout


def test_manager_workbook_holds_only_their_subtree():
    c = client("manager")  # Siem Reap (17)
    wb = get_xlsx(c, "%s&course=rt-a&by=org,course,sex&lang=en" % Q1)
    about = {r[0].value: r[1] for r in wb["About"].iter_rows() if r[0].value}
    assert about["Org unit code"].value == "17" and about["Course"].value == "rt-a"
    for name in ("By org unit", "By org unit and course"):
        codes = [r[0].value for r in table(wb[name])[1]]
        assert codes and all(x.startswith("17") for x in codes), (name, codes)
    summary = table(wb["Summary"])[1]
    assert summary[0][5].value == 1  # t12 only
    for q in ("org=05&" + Q1, "org=12", "org=KH", "org=T501&by=org,sex"):
        r = c.get("/reports.xlsx?" + q)
        assert r.status == 403 and r.body[:2] != b"PK", (q, r.status)
    assert c.get("/reports.xlsx?org=nope").status == 404
    assert c.get("/reports.xlsx?org=17&period=2025-Q9").status == 400
    learner = client("learner")
    assert learner.get("/reports.xlsx").status == 403


def test_dashboard_offers_xlsx_beside_each_csv():
    c = client("admin")
    for org in ("05", "T501"):  # the dashboard and a drill-down
        html = c.get("/reports?org=%s&%s&lang=en" % (org, Q1)).text
        csvs = re.findall(r'href="/reports\.csv\?([^"]*)"', html)
        xlsxs = re.findall(r'href="/reports\.xlsx\?([^"]*)"', html)
        assert len(csvs) == 4 and xlsxs == csvs, (csvs, xlsxs)  # three breakdowns and the face-to-face figures
        for q in xlsxs:
            wb = get_xlsx(c, q.replace("&amp;", "&") + "&lang=en")
            assert wb.sheetnames[:2] == ["About", "Summary"]
            assert {r[0].value: r[1] for r in wb["About"].iter_rows() if r[0].value}["Org unit code"].value == org
    html = c.get("/reports?org=05&%s&lang=km" % Q1).text
    assert "XLSX៖ តាមអង្គភាព និងភេទ" in html


def test_unwritable_temporary_folder_is_a_clear_error():
    """A workbook that cannot be written is a 500 page saying so, a log line naming the cause, and the
    server goes on serving (the CSV of the same query still works)."""
    srv = Server(extra_env={"TMPDIR": "/nonexistent-sala-tmp"})
    try:
        c = srv.client()
        c.login("admin")
        r = c.get("/reports.xlsx?org=05&period=all&by=org,sex&lang=en")
        assert r.status == 500 and r.body[:2] != b"PK", r.status
        assert "The file could not be written" in r.text
        assert "report.xlsx" in srv.logtext() and "/nonexistent-sala-tmp" in srv.logtext()
        assert c.get("/reports.csv?org=05&period=all&by=org,sex").status == 200
    finally:
        srv.stop()


def test_khmer_definitions_are_the_same_on_the_page_and_in_the_workbook():
    """The definitions of the figures have one source: the dashboard's list in Khmer is, line for line, the
    first lines under the workbook's definitions heading in Khmer, and none of them is left in English."""
    c = client("admin")
    q = "org=05&%s&lang=km" % Q1
    page = c.get("/reports?" + q).text
    box = re.search(r"<details><summary>(.*?)</summary><ul>(.*?)</ul></details>", page, re.S)
    assert box, page[:500]
    heading = html.unescape(box.group(1))
    defs = [html.unescape(x) for x in re.findall(r"<li>(.*?)</li>", box.group(2), re.S)]
    assert len(defs) >= 7 and all(KHMER.search(d) for d in defs), defs
    assert not any("Counts are of distinct learners" in d for d in defs)
    about = [r[0].value for r in get_xlsx(c, q + "&by=org,sex")["អំពី"].iter_rows()]
    at = about.index(heading)  # the same heading, in Khmer
    assert about[at + 1:at + 1 + len(defs)] == defs, (about[at:], defs)
    # The English page and workbook agree as well, and differ from the Khmer ones.
    q_en = "org=05&%s&lang=en" % Q1
    page_en = c.get("/reports?" + q_en).text
    first_en = html.unescape(re.search(r"<details><summary>.*?</summary><ul><li>(.*?)</li>", page_en, re.S).group(1))
    about_en = [r[0].value for r in get_xlsx(c, q_en + "&by=org,sex")["About"].iter_rows()]
    assert first_en.startswith("Counts are of distinct learners") and first_en in about_en and first_en != defs[0]


def test_zz_stop():
    if Ctx.srv:
        Ctx.srv.stop()
        Ctx.srv = None
