"""Reports: a known population inserted with sqlite3, checked figure by figure in the
dashboard, the CSV, the JSON and `sala report`; scope of managers; period edges."""
import csv
import io
import re
import time

from harness import Server, connect, fresh_db, is_pg, sala

# Q1 2025, as from/to (to is inclusive of its whole day).
Q1 = "from=2025-01-01&to=2025-03-31"
JAN1 = 1735689600  # 2025-01-01T00:00:00Z
APR1 = 1743465600  # 2025-04-01T00:00:00Z
DAY = 86400
HEADER = ("org_code,org_name,course_id,sex,enrolled,started,completed,certified,avg_score,avg_score_n,"
          "completion_rate,parity_index,parity_n,course_title")
EVIL = '=HYPERLINK("http://evil.example/","click")'

# Units under province 05 (Kampong Speu), which the demo leaves empty.
UNITS = [  # code, name_en, name_km, parent, level
    ("T501", "Test district one", "ស្រុកតេស្តមួយ", "05", "district"),
    ("T50101", "Test commune A", "ឃុំតេស្ត ក", "T501", "commune"),
    ("T50102", "Test commune B", "", "T501", "commune"),
    ("T502", "Test district two", "", "05", "district"),
    ("T503", EVIL, "", "05", "district"),
    ("T504", "+cmd", "", "05", "district"),
]

# Learners: username, sex, org; enrolments: course, enrolled, started, completed, best_final, pretest.
# Certificates: course, issued_at, revoked, replaced_by_later (re-issued after Q1).
L = [
    # u1: enrolled at the first second of Q1; certified in Q1.
    ("t1", "female", "T50101", [("rt-a", JAN1, JAN1 + 4 * DAY, JAN1 + 31 * DAY, 80, 50)],
     [("rt-a", JAN1 + 31 * DAY, False, False)]),
    # u2: enrolled the last second before Q1; completed at its last second; certificate revoked.
    ("t2", "female", "T50101", [("rt-a", JAN1 - 1, JAN1 + DAY, APR1 - 1, 90, None)],
     [("rt-a", APR1 - 1, True, False)]),
    # u3: enrolled at the last second of Q1.
    ("t3", "male", "T50101", [("rt-a", APR1 - 1, None, None, None, None)], []),
    # u4: completed at the first second after Q1.
    ("t4", "male", "T50101", [("rt-a", JAN1 + 40 * DAY, JAN1 + 41 * DAY, APR1, 70, None)], []),
    # u5: certificate re-issued after Q1 keeps its first date (in Q1).
    ("t5", "other", "T50102", [("rt-a", JAN1 + 14 * DAY, JAN1 + 15 * DAY, JAN1 + 19 * DAY, 60, 40)],
     [("rt-a", JAN1 + 19 * DAY, False, True)]),
    # u6: two courses, counted once over all courses.
    ("t6", "unspecified", "T50102", [("rt-a", JAN1 + 31 * DAY, None, None, None, None),
                                     ("rt-b", JAN1 + 32 * DAY, JAN1 + 35 * DAY, JAN1 + 59 * DAY, 100, 70)], []),
    # u7: attached to the district itself.
    ("t7", "male", "T501", [("rt-b", JAN1 + 9 * DAY, JAN1 + 10 * DAY, JAN1 + 11 * DAY, 75, 55)],
     [("rt-b", JAN1 + 11 * DAY, False, False)]),
    ("t8", "female", "T502", [("rt-a", JAN1 + 59 * DAY, JAN1 + 60 * DAY, JAN1 + 61 * DAY, 95, 60)], []),
    ("t9", "male", "T502", [("rt-a", JAN1 + 59 * DAY, None, None, None, None)], []),
    ("t10", "female", "T503", [("rt-a", JAN1 + 4 * DAY, None, None, None, None)], []),
    # Outside 05: Phnom Penh (12) and Siem Reap (17).
    ("t11", "female", "1201", [("rt-a", JAN1 + 4 * DAY, None, None, None, None)], []),
    ("t12", "male", "1701", [("rt-a", JAN1 + 4 * DAY, JAN1 + 5 * DAY, None, None, None)], []),
]

# Hand-computed figures for org 05 in Q1: (enrolled, started, completed, certified, avg_score).
EXPECT_05 = {
    # all courses, by child unit and sex
    ("T501", "", "female"): (1, 2, 2, 1, "85.0"),  # t1 E S C X (80); t2 S C (90), enrolled before, revoked
    ("T501", "", "male"): (3, 2, 1, 1, "75.0"),  # t3 E; t4 E S; t7 E S C X (75)
    ("T501", "", "other"): (1, 1, 1, 1, "60.0"),  # t5
    ("T501", "", "unspecified"): (1, 1, 1, 0, "100.0"),  # t6 (rt-a E; rt-b E S C)
    ("T502", "", "female"): (1, 1, 1, 0, "95.0"),
    ("T502", "", "male"): (1, 0, 0, 0, ""),
    ("T502", "", "other"): (0, 0, 0, 0, ""),
    ("T503", "", "female"): (1, 0, 0, 0, ""),
    ("T504", "", "male"): (0, 0, 0, 0, ""),
    ("05", "", "female"): (0, 0, 0, 0, ""),  # nobody attached to the province itself
}
EXPECT_05_TOTAL = {  # by sex only
    "female": (3, 3, 3, 1, "88.3"),
    "male": (4, 2, 1, 1, "75.0"),
    "other": (1, 1, 1, 1, "60.0"),
    "unspecified": (1, 1, 1, 0, "100.0"),
    "all": (9, 7, 6, 3, "83.3"),
}
EXPECT_05_COURSE = {  # by course, all sexes
    "rt-a": (8, 5, 4, 2, "81.2"),  # t1 t3 t4 t5 t6 t8 t9 t10 enrolled; t1 t2 t4 t5 t8 started; 80 90 60 95
    "rt-b": (2, 2, 2, 1, "87.5"),  # t6 t7
}


# The demo learners' usernames: "demo" and a digit (GLOB 'demo[0-9]*' in SQLite's words), on both engines.
DEMO_NAMES = "substr(username, 1, 4) = 'demo' AND substr(username, 5, 1) BETWEEN '0' AND '9'"


def build(db):
    """Inserts the known population into the server's database."""
    c = connect(db)
    for cid in ("rt-a", "rt-b"):
        c.execute("INSERT INTO courses(id, created_at) VALUES (?, 0) ON CONFLICT DO NOTHING", (cid,))
    for code, en, km, parent, level in UNITS:
        pid, ppath = c.execute("SELECT id, path FROM org_units WHERE code = ?", (parent,)).fetchone()
        oid = c.execute("INSERT INTO org_units(code, name_en, name_km, parent_id, level) VALUES (?,?,?,?,?) "
                        "RETURNING id", (code, en, km, pid, level)).fetchone()[0]
        c.execute("UPDATE org_units SET path = ? WHERE id = ?", (ppath + str(oid) + "/", oid))
    for n, (user, sex, org, enrols, certs) in enumerate(L):
        oid = c.execute("SELECT id FROM org_units WHERE code = ?", (org,)).fetchone()[0]
        uid = c.execute("INSERT INTO users(username, password_hash, full_name, sex, org_id, created_at) "
                        "VALUES (?, 'x', ?, ?, ?, 0) RETURNING id", (user, user.upper(), sex, oid)).fetchone()[0]
        for course, en, st, co, best, pre in enrols:
            c.execute("INSERT INTO enrolments(user_id, course_id, enrolled_at, started_at, completed_at, "
                      "best_final, pretest) VALUES (?,?,?,?,?,?,?)", (uid, course, en, st, co, best, pre))
        for k, (course, at, revoked, reissued) in enumerate(certs):
            first = c.execute(
                "INSERT INTO certificates(serial, code, user_id, course_id, language, course_title, name, "
                "completed_on, org_id, issuer, payload, signature, issued_at, revoked_at) "
                "VALUES (?, ?, ?, ?, 'en', 'T', ?, '2025', ?, 'test', '{}', 'test', ?, ?) RETURNING id",
                ("T-%d-%d" % (n, k), "t%d%d" % (n, k), uid, course, user, oid, at,
                 at + DAY if revoked else None)).fetchone()[0]
            if reissued:
                new = c.execute(
                    "INSERT INTO certificates(serial, code, user_id, course_id, language, course_title, name, "
                    "completed_on, org_id, issuer, payload, signature, issued_at) "
                    "VALUES (?, ?, ?, ?, 'en', 'T', ?, '2025', ?, 'test', '{}', 'test', ?) RETURNING id",
                    ("T-%d-%dr" % (n, k), "t%d%dr" % (n, k), uid, course, user, oid,
                     APR1 + 30 * DAY)).fetchone()[0]
                c.execute("UPDATE certificates SET superseded_by = ? WHERE id = ?", (new, first))
    # This module pins the arithmetic on a handful of people: the small-group rule is set to its lowest
    # (figures from one person shown) here; test_reports_small.py pins the rule at its defaults.
    c.execute("INSERT INTO settings(key, value) VALUES ('report_min_group', '1'), "
              "('report_min_parity_group', '1')")
    c.commit()
    c.close()


def parse_csv(body):
    assert body.startswith(b"\xef\xbb\xbf"), "no byte-order mark"
    text = body[3:].decode("utf-8")
    assert text.startswith(HEADER + "\r\n"), text[:200]
    rows = [{k: csv_code(v) for k, v in r.items()} for r in csv.DictReader(io.StringIO(text, newline=""))]
    return {(r["org_code"], r["course_id"], r["sex"]): r for r in rows}


def csv_code(v):
    """A code written for spreadsheets as the text formula ="0012", as a script reads it back."""
    return v[2:-1].replace('""', '"') if v.startswith('="') and v.endswith('"') else v


def figures(row):
    return (int(row["enrolled"]), int(row["started"]), int(row["completed"]), int(row["certified"]),
            row["avg_score"])


def cell_text(inner):
    """A figure cell's value as the CSV writes it: the figure without its n, links and dashes."""
    v = re.search(r'<span class="v">(.*?)</span>', inner)
    text = re.sub(r"<[^>]*>", "", v.group(1) if v else inner)
    return "" if text == "–" else text.replace("&lt;", "<")


def cells(html):
    """The dashboard's figure cells: {(by, org, course, sex, key): text}; by names the CSV grouping."""
    out = {}
    for m in re.finditer(r'<td class="num" data-by="([^"]*)" data-org="([^"]*)" data-course="([^"]*)" '
                         r'data-sex="([^"]*)" data-k="([^"]*)"[^>]*>(.*?)</td>', html):
        key = m.groups()[:5]
        assert key not in out, key
        out[key] = cell_text(m.group(6))
    return out


class Ctx:
    srv = None


def ctx():
    """One server with the population for the whole module (started on first use)."""
    if Ctx.srv is None or Ctx.srv.proc is None:
        Ctx.srv = Server()
        build(Ctx.srv.db)
    return Ctx.srv


def client(user):
    c = ctx().client()
    c.login(user)
    return c


def test_csv_figures_by_org_and_sex():
    c = client("admin")
    r = c.get("/reports.csv?org=05&%s&by=org,sex" % Q1)
    assert r.status == 200, r.text[:300]
    assert r.header("Content-Type").startswith("text/csv")
    assert "attachment" in r.header("Content-Disposition")
    rows = parse_csv(r.body)
    assert len(rows) == 5 * 4  # four children and 05 itself, four sexes each
    for key, want in EXPECT_05.items():
        assert figures(rows[key]) == want, (key, rows[key], want)
    # Formula injection: the org named =HYPERLINK(...) and +cmd are neutralised, as text.
    assert rows[("T503", "", "female")]["org_name"] == "'" + EVIL
    assert rows[("T504", "", "female")]["org_name"] == "'+cmd"
    assert b'"\'=HYPERLINK(""http://evil.example/"",""click"")"' in r.body
    assert b"\r\n" in r.body and b"%" not in r.body


def test_csv_totals_courses_and_markers():
    c = client("admin")
    rows = parse_csv(c.get("/reports.csv?org=05&%s&by=sex" % Q1).body)
    assert len(rows) == 4
    for sex, want in EXPECT_05_TOTAL.items():
        if sex != "all":
            assert figures(rows[("05", "", sex)]) == want, sex
    rows = parse_csv(c.get("/reports.csv?org=05&%s" % Q1).body)
    assert list(rows) == [("05", "", "all")]  # no grouping: one row with the total markers
    assert figures(rows[("05", "", "all")]) == EXPECT_05_TOTAL["all"]
    rows = parse_csv(c.get("/reports.csv?org=05&%s&by=course" % Q1).body)
    for course, want in EXPECT_05_COURSE.items():
        assert figures(rows[("05", course, "all")]) == want, course
    rows = parse_csv(c.get("/reports.csv?org=05&%s&course=rt-b&by=sex" % Q1).body)
    assert figures(rows[("05", "rt-b", "male")]) == (1, 1, 1, 1, "75.0")
    assert figures(rows[("05", "rt-b", "unspecified")]) == (1, 1, 1, 0, "100.0")
    # Khmer names with lang=km, the byte-order mark keeps them readable in Excel.
    rows = parse_csv(c.get("/reports.csv?org=05&%s&by=org&lang=km" % Q1).body)
    assert rows[("T501", "", "all")]["org_name"] == "ស្រុកតេស្តមួយ"
    assert rows[("T502", "", "all")]["org_name"] == "Test district two"  # no Khmer name: English


def test_subtree_rollup():
    c = client("admin")
    rows = parse_csv(c.get("/reports.csv?org=T501&%s&by=org,sex" % Q1).body)
    assert figures(rows[("T50101", "", "female")]) == (1, 2, 2, 1, "85.0")
    assert figures(rows[("T50101", "", "male")]) == (2, 1, 0, 0, "")
    assert figures(rows[("T50102", "", "other")]) == (1, 1, 1, 1, "60.0")
    assert figures(rows[("T501", "", "male")]) == (1, 1, 1, 1, "75.0")  # t7, attached directly
    # commune -> district -> province
    dist = parse_csv(c.get("/reports.csv?org=05&%s&by=org" % Q1).body)[("T501", "", "all")]
    parts = parse_csv(c.get("/reports.csv?org=T501&%s&by=org" % Q1).body)
    total = [sum(int(parts[(u, "", "all")][k]) for u in ("T50101", "T50102", "T501"))
             for k in ("enrolled", "started", "completed", "certified")]
    assert total == [int(dist[k]) for k in ("enrolled", "started", "completed", "certified")]


def test_period_edges_and_all_time():
    c = client("admin")
    rows = parse_csv(c.get("/reports.csv?org=T50101&%s&by=sex" % Q1).body)
    # t1 enrolled 00:00:00 on from: in; t2 the second before: out; t3 23:59:59 on to: in; t4 completed after: out.
    assert figures(rows[("T50101", "", "female")])[:3] == (1, 2, 2)
    assert figures(rows[("T50101", "", "male")])[:3] == (2, 1, 0)
    rows = parse_csv(c.get("/reports.csv?org=T50101&from=2025-04-01&to=2025-04-01&by=sex").body)
    assert figures(rows[("T50101", "", "male")]) == (0, 0, 1, 0, "70.0")
    rows = parse_csv(c.get("/reports.csv?org=T50101&period=2025-Q1&by=sex").body)
    assert figures(rows[("T50101", "", "female")])[:3] == (1, 2, 2)
    rows = parse_csv(c.get("/reports.csv?org=05&period=all&by=sex").body)
    assert figures(rows[("05", "", "female")]) == (4, 3, 3, 1, "88.3")  # t2 now enrolled; revoked stays out
    r = c.get("/reports.csv?org=05&from=2025-03-01&to=2025-02-01")
    assert r.status == 400
    r = c.get("/reports.csv?org=05&period=2025-Q7")
    assert r.status == 400


def test_json_figures_share_parity_gain():
    c = client("admin")
    r = c.get("/reports.json?org=05&%s&by=org,sex" % Q1)
    assert r.status == 200 and r.header("Content-Type").startswith("application/json")
    j = r.json()
    assert j["org"]["code"] == "05" and j["period"] == {"label": "2025-01-01..2025-03-31", "from": "2025-01-01",
                                                        "to": "2025-03-31"}
    rows = {(x["org_code"], x["course_id"], x["sex"]): x for x in j["rows"]}
    for key, (en, st, co, ce, avg) in EXPECT_05.items():
        x = rows[key]
        assert (x["enrolled"], x["started"], x["completed"], x["certified"]) == (en, st, co, ce), key
        assert x["avg_score"] == (float(avg) if avg else None), key
    s = j["summary"]
    for sex, (en, st, co, ce, avg) in EXPECT_05_TOTAL.items():
        x = s["by_sex"][sex]
        assert (x["enrolled"], x["started"], x["completed"], x["certified"]) == (en, st, co, ce), sex
        assert x["avg_score"] == float(avg)
    # Women: 3 of 9 enrolled, 3 of 7 started, 3 of 6 completed, 1 of 3 certified.
    assert s["female_share_pct"] == {"enrolled": 33.3, "started": 42.9, "completed": 50.0, "certified": 33.3}
    # Completion rate women 3/3, men 1/4: parity index 4.00.
    assert s["completion_rate_pct"]["female"] == 100.0 and s["completion_rate_pct"]["male"] == 25.0
    assert s["parity_index"] == 4.0
    # Learning gain (final - pretest) over completions with a pretest: t1 30, t8 35 | t7 20 | t5 20 | t6 30.
    assert s["by_sex"]["female"]["avg_gain"] == 32.5 and s["by_sex"]["female"]["gain_n"] == 2
    assert s["by_sex"]["male"]["avg_gain"] == 20.0
    assert s["by_sex"]["other"]["avg_gain"] == 20.0
    assert s["by_sex"]["unspecified"]["avg_gain"] == 30.0
    assert s["by_sex"]["all"]["avg_gain"] == 27.0 and s["by_sex"]["all"]["gain_n"] == 5
    groups = {g["org_code"]: g for g in j["groups"]}
    assert groups["T502"]["parity_index"] is None  # men completed none: no index
    assert groups["T501"]["female_share_pct"]["enrolled"] == 16.7


def test_dashboard_matches_csv():
    c = client("admin")
    r = c.get("/reports?org=05&%s&lang=en" % Q1)
    assert r.status == 200
    html = r.text
    got = cells(html)
    assert got, "no data cells"
    csvs = {}
    for by in ("org,sex", "sex", "org", "course,sex", "course", ""):
        csvs[by] = parse_csv(c.get("/reports.csv?org=05&%s&by=%s&lang=en" % (Q1, by)).body)
    n = 0
    for (by, org, course, sex, k), text in got.items():
        row = csvs[by][(org, course, sex)]
        assert row[k] == text, (by, org, course, sex, k, row[k], text)
        n += 1
    assert n >= 5 * 4 + 5 * 13 + 2 * 13  # summary, five unit rows, two course rows at least
    # Headline figures on the page.
    assert re.search(r'id="parity" data-k="parity_index" data-n="3">4.00<', html)
    assert ">33.3%<" in html  # women's share of enrolments
    assert re.search(r'data-sex="female" data-k="avg_gain" data-n="2"><span class="v">'
                     r'<a href="[^"]*list=completed[^"]*">32.5</a></span>', html)
    # Charts: HTML labels beside SVG bars (the labels grow with the text size), no inline style, no script.
    assert '<span class="chart-label">Women 3</span><svg class="chart-bar"' in html
    assert "<text" not in html and "style=" not in html and "<script" not in html
    # Definitions are shown.
    assert "distinct learners" in html and "both the first and the last day are included" in html
    # Drill-down links to the children.
    for code in ("T501", "T502", "T503", "T504"):
        assert "org=%s\"" % code in html
    assert "=HYPERLINK(&quot;" in html  # the evil name is escaped text
    # Khmer page.
    r = c.get("/reports?org=05&%s&lang=km" % Q1)
    assert r.status == 200 and "ស្ត្រី" in r.text and "សន្ទស្សន៍សមភាពយេនឌ័រ" in r.text


def test_cli_matches_web():
    srv = ctx()
    c = client("admin")
    for by in ("org,sex", "course,sex", "org,course,sex", "sex"):
        web = c.get("/reports.csv?org=05&%s&by=%s&lang=en" % (Q1, by)).body
        cli = sala("report", "--org", "05", "--from", "2025-01-01", "--to", "2025-03-31", "--by", by,
                   "--format", "csv", db=srv.db, check=True)
        assert cli.stdout.encode("utf-8") == web.replace(b"\r\n", b"\n") or \
            cli.stdout.encode("utf-8") == web, by
    j = sala("report", "--org", "05", "--period", "all", "--format", "json", "--by", "sex", db=srv.db, check=True)
    web = c.get("/reports.json?org=05&period=all&by=sex&lang=en").body.decode("utf-8")
    assert j.stdout == web
    t = sala("report", "--org", "05", "--from", "2025-01-01", "--to", "2025-03-31", "--by", "sex", db=srv.db,
             check=True)
    lines = t.stdout.splitlines()
    assert lines[0].split() == HEADER.split(",")[:9]
    assert lines[1].split()[-5:] == ["3", "3", "3", "1", "88.3"]
    assert "gender parity index (completion rate, women / men): 4.00" in t.stdout
    bad = sala("report", "--org", "nope", db=srv.db)
    assert bad.returncode != 0 and "no org unit 'nope'" in bad.stderr
    bad = sala("report", "--by", "gender", db=srv.db)
    assert bad.returncode != 0 and "unknown grouping" in bad.stderr


def test_manager_scope():
    c = client("manager")  # Siem Reap (17)
    r = c.get("/reports?%s&course=rt-a&lang=en" % Q1)
    assert r.status == 200
    got = cells(r.text)
    assert got[("", "17", "rt-a", "all", "enrolled")] == "1"  # t12 only
    assert got[("org", "1701", "rt-a", "all", "enrolled")] == "1"
    assert "org=12" not in r.text and "org=05" not in r.text
    for code in re.findall(r'href="/reports\?[^"]*org=([^"&]+)"', r.text):
        assert code.startswith("17") or code == "17", code
    for path in ("/reports?org=12", "/reports.csv?org=12", "/reports.json?org=12", "/reports?org=05&" + Q1,
                 "/reports.csv?org=T501&by=org,sex", "/reports.json?org=KH", "/reports?org=1201"):
        r = c.get(path)
        assert r.status == 403, (path, r.status)
        assert b"T501" not in r.body and b"Chamkar" not in r.body
    assert "outside your area" in c.get("/reports?org=12&lang=en").text
    assert c.get("/reports.json?org=12").json()["error"]
    # Drill-down inside the scope works.
    assert c.get("/reports?org=1701&%s" % Q1).status == 200
    rows = parse_csv(c.get("/reports.csv?%s&course=rt-a&by=org,sex" % Q1).body)
    assert figures(rows[("1701", "rt-a", "male")]) == (1, 1, 0, 0, "")
    assert all(k[0].startswith("17") for k in rows)
    j = c.get("/reports.json?%s&course=rt-a" % Q1).json()
    assert j["org"]["code"] == "17" and j["summary"]["by_sex"]["all"]["enrolled"] == 1
    assert c.get("/reports?org=nope").status == 404


def test_admin_sees_everything_learner_nothing():
    c = client("admin")
    j = c.get("/reports.json?org=KH&%s&course=rt-a&by=org" % Q1).json()
    rows = {x["org_code"]: x for x in j["rows"]}
    assert rows["05"]["enrolled"] == 8 and rows["12"]["enrolled"] == 1 and rows["17"]["enrolled"] == 1
    assert j["summary"]["by_sex"]["all"]["enrolled"] == 10
    assert c.get("/reports?org=12").status == 200
    l = client("learner")
    assert l.get("/reports").status == 403
    assert l.get("/reports.csv").status == 403
    anon = ctx().client()
    assert anon.get("/reports.json").status in (302, 303, 401)


def test_demo_learners_quick():
    """sala demo --learners: synthetic officials with uneven progress, one shared password hash."""
    srv = Server()
    try:
        db = connect(srv.db)
        if db.execute("SELECT count(*) FROM courses").fetchone()[0] < 3:
            for i in range(3):
                db.execute("INSERT INTO courses(id, created_at) VALUES (?, 0) ON CONFLICT DO NOTHING",
                           ("demo-c%d" % i,))
            db.commit()
        t = time.time()
        p = sala("demo", "--learners", "3000", db=srv.db, check=True)
        assert time.time() - t < 60
        assert "added 3000 demo learners" in p.stdout
        n, hashes, sexes = db.execute("SELECT count(*), count(DISTINCT password_hash), count(DISTINCT sex) "
                                      "FROM users WHERE is_demo = 1 AND %s" % DEMO_NAMES).fetchone()
        assert n == 3000 and hashes == 1 and sexes == 4
        assert db.execute("SELECT count(*) FROM org_units WHERE is_demo = 1 AND level = 'commune'").fetchone()[0] >= 75
        per = db.execute("SELECT count(*) FROM progress").fetchone()[0] / 3000
        assert 6 <= per <= 14, per
        assert db.execute("SELECT count(*) FROM certificates WHERE serial LIKE 'DEMO-%' AND length(signature) = 88"
                          ).fetchone()[0] > 0  # signed like issued ones (test_certs checks that they verify)
        db.close()
        c = srv.client()
        c.login("admin")
        j = c.get("/reports.json?period=all&by=sex").json()
        s = j["summary"]["by_sex"]
        assert s["all"]["enrolled"] >= 3000 and 0 < s["female"]["completed"] < s["female"]["enrolled"]
        p = sala("demo", "--learners", "10", db=srv.db, check=True)  # again: new usernames
        assert "added 10 demo learners" in p.stdout
    finally:
        srv.stop()


def test_demo_learners_follow_the_tree_rules():
    """The demo generator makes units and accounts through the same functions as real use: each demo
    unit sits under a unit of a higher level with its path built from its parent's, each learner has
    the learner role only and the defaults of an account made by `sala user add`, and the CLI lists
    show them where the tree puts them."""
    import os
    import shutil
    import tempfile
    tmp = tempfile.mkdtemp(prefix="sala-demo-tree-")
    try:
        db = fresh_db(tmp, "demo.db")
        sala("demo", "--init", "--learners", "200", db=db, check=True)
        con = connect(db)
        rank = {"national": 0, "ministry": 1, "province": 2, "district": 3, "commune": 4, "office": 5}
        units = con.execute("SELECT u.code, u.level, p.level, u.path, p.path || u.id || '/' FROM org_units u "
                            "JOIN org_units p ON p.id = u.parent_id WHERE u.is_demo = 1 AND "
                            "u.level IN ('district', 'commune')").fetchall()
        assert len(units) >= 25 * 4 * 4, len(units)
        bad = [u for u in units if rank[u[2]] >= rank[u[1]] or u[3] != u[4]]
        assert not bad, bad[:3]
        rows = con.execute("SELECT u.username, min(r.role), count(r.role), u.email, u.phone, u.lang, u.is_demo, "
                           "u.created_at < ? FROM users u "
                           "JOIN user_roles r ON r.user_id = u.id WHERE " + DEMO_NAMES.replace("username", "u.username") + " "
                           "GROUP BY u.id, u.username, u.email, u.phone, u.lang, u.is_demo, u.created_at",
                           (int(time.time()) - 500 * 86400,)).fetchall()
        assert len(rows) == 200
        assert {r[1:] for r in rows} == {("learner", 1, "", "", "km", 1, 1)}, {r[1:] for r in rows}
        dcode, n = con.execute("SELECT o.code, count(*) FROM users u JOIN org_units o ON o.id = u.org_id "
                               "WHERE " + DEMO_NAMES.replace("username", "u.username") + " AND o.level = 'commune' GROUP BY o.id, o.code "
                               "ORDER BY 2 DESC LIMIT 1").fetchone()
        con.close()
        p = sala("user", "list", "--org", dcode, db=db, check=True)
        listed = [l.split()[0] for l in p.stdout.splitlines()[1:]]
        assert len(listed) == n and all(u.startswith("demo") for u in listed), (dcode, n, p.stdout)
        # A province without districts of its own gets four demo ones, listed after it by code.
        p = sala("orgs", "list", "01", db=db, check=True)
        lines = p.stdout.splitlines()
        assert lines[0].startswith("01 ") and len(lines) == 5, p.stdout
        assert [l.split()[0] for l in lines[1:]] == ["0151", "0152", "0153", "0154"], p.stdout
        assert re.match(r"0151 +district +Banteay Meanchey demo district 1 / ស្រុកសាកល្បង 1 ", lines[1]), lines[1]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_concurrent_identical_reports_share_one_result():
    """Many managers asking the same report at once get the same, complete figures (they share one
    computation), and a different report asked meanwhile gets its own."""
    import threading
    clients = [client("admin") for _ in range(8)]
    want = clients[0].get("/reports.csv?org=05&%s&by=org,sex" % Q1).body
    other_want = clients[0].get("/reports.csv?org=05&%s&by=course" % Q1).body
    assert want != other_want
    got = [None] * len(clients)
    other = [None]

    def ask(i):
        got[i] = clients[i].get("/reports.csv?org=05&%s&by=org,sex" % Q1)

    def ask_other():
        other[0] = clients[0].get("/reports.csv?org=05&%s&by=course" % Q1)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(1, len(clients))]
    threads.append(threading.Thread(target=ask_other))
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for r in got[1:]:
        assert r is not None and r.status == 200
        assert r.body == want
    assert other[0].status == 200 and other[0].body == other_want


def test_read_error_fails_the_report():
    """A report whose read ends on a database error is a 503 (dashboard and CSV) and an exit status 1
    from `sala report`, never a page of short figures; once reads work, the figures are back."""
    srv = ctx()
    c = client("admin")
    # A range that is not a calendar month, quarter, semester or year: computed from the rows.
    q1 = "from=2025-01-01&to=2025-03-30"
    want = c.get("/reports.csv?org=05&%s&by=org,sex" % q1)
    assert want.status == 200
    # report_enrolments swapped for one whose rows of learner t5 fail (abs() of the smallest integer overflows).
    db = connect(srv.db)
    if is_pg(srv.db):  # replaced in place: other views may read this one
        orig = "CREATE OR REPLACE VIEW report_enrolments AS " + db.execute(
            "SELECT pg_get_viewdef('report_enrolments'::regclass)").fetchone()[0]
        swap = "CREATE OR REPLACE VIEW"
    else:
        orig = "DROP VIEW report_enrolments; " + db.execute(
            "SELECT sql FROM sqlite_schema WHERE type = 'view' AND name = 'report_enrolments'").fetchone()[0]
        swap = "DROP VIEW report_enrolments; CREATE VIEW"
    t5 = db.execute("SELECT id FROM users WHERE username = 't5'").fetchone()[0]
    db.executescript(swap + " report_enrolments AS SELECT user_id, course_id, "
                     "CASE WHEN user_id = %d THEN abs(user_id - user_id - 9223372036854775807 - 1) "
                     "ELSE enrolled_at END AS enrolled_at, started_at, completed_at, best_final, pretest "
                     "FROM enrolments" % t5)
    try:
        r = c.get("/reports?org=05&%s" % q1)
        assert r.status == 503, (r.status, r.text[:300])
        assert "មិនអាចអានមូលដ្ឋានទិន្នន័យបានទេ" in r.text, r.text[:500]  # the admin reads Khmer
        assert "Test district one" not in r.text
        r = c.get("/reports.csv?org=05&%s&by=org,sex" % q1)
        assert r.status == 503 and not r.body.startswith(b"\xef\xbb\xbf" + HEADER.encode()), r.body[:200]
        cli = sala("report", "--org", "05", "--from", "2025-01-01", "--format", "csv", db=srv.db)
        assert cli.returncode == 1, cli.stdout[:300]
        assert "cannot read the report's figures" in cli.stderr, cli.stderr
        assert "T501" not in cli.stdout
    finally:
        db.executescript(orig)
        db.close()
    again = c.get("/reports.csv?org=05&%s&by=org,sex" % q1)
    assert again.status == 200 and again.body == want.body


def test_zz_stop():
    if Ctx.srv:
        Ctx.srv.stop()
        Ctx.srv = None
