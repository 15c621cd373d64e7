"""Report aggregates: `sala report --verify` finds 0 differences between the aggregates and the figures
computed from the rows after the hand-counted population of test_reports, after moves between units,
revocations, re-issues, name corrections, deletions, rolled-back transactions, imports and demo data;
and the figures themselves follow each event (a report counts people by their unit at the time of the
report)."""
import csv
import io
import os
import re

from harness import Server, connect, sala
from test_reports import EXPECT_05_TOTAL, build, csv_code, figures, parse_csv

Q1 = ("--from", "2025-01-01", "--to", "2025-03-31")


def verify(db, *args):
    """Runs `sala report --verify`; returns the number of reports compared. Fails on any difference."""
    r = sala("report", "--verify", *args, db=db)
    m = re.search(r"verified (\d+) reports?: (\d+) difference", r.stdout)
    assert r.returncode == 0 and m and m.group(2) == "0", (r.returncode, r.stdout[-2000:], r.stderr)
    return int(m.group(1))


def q1_05(db):
    """Org 05's Q1 figures by child unit and sex, from `sala report` (the aggregates)."""
    out = os.path.join(os.path.dirname(Ctx.srv.dir if Ctx.srv else "/tmp/x"), "agg-q1-%d.csv" % os.getpid())
    r = sala("report", "--org", "05", *Q1, "--by", "org,sex", "--format", "csv", "-o", out, db=db)
    assert r.returncode == 0, r.stderr
    with open(out, "rb") as f:
        body = f.read()
    os.unlink(out)
    return {k: figures(v) for k, v in parse_csv(body).items()}


def one(db, sql, *params):
    c = connect(db)
    try:
        return c.execute(sql, params).fetchone()[0]
    finally:
        c.close()


def run_sql(db, sql, *params):
    c = connect(db)
    try:
        c.execute(sql, params)
        c.commit()
    finally:
        c.close()


class Ctx:
    srv = None


def population():
    if Ctx.srv is None or Ctx.srv.proc is None:
        Ctx.srv = Server()
        build(Ctx.srv.db)
    return Ctx.srv.db


def test_a_verify_hand_counted_population_and_find_a_wrong_figure():
    db = population()
    # Every aggregate row against the rows, then a sample of reports (the national root for all time and the
    # latest year, semester, quarter and month; units with children).
    r = sala("report", "--verify", db=db)
    m = re.search(r"checked (\d+) aggregate rows; verified (\d+) reports: 0 differences", r.stdout)
    assert r.returncode == 0 and m, (r.stdout[-2000:], r.stderr)
    assert int(m.group(1)) == one(db, "SELECT count(*) FROM report_agg") + one(db, "SELECT count(*) FROM report_agg_all")
    assert int(m.group(2)) >= 5
    # A stored row made wrong is named by the full check, with its period key, unit, course and sex.
    t50101 = one(db, "SELECT id FROM org_units WHERE code = 'T50101'")
    run_sql(db, "UPDATE report_agg SET score_n = score_n + 1 WHERE pkey = 'M202502' AND org_id = ? AND sex = 'female' "
            "AND course_id = (SELECT min(course_id) FROM report_agg WHERE pkey = 'M202502' AND org_id = ? "
            "AND sex = 'female')", t50101, t50101)
    course = one(db, "SELECT min(course_id) FROM report_agg WHERE pkey = 'M202502' AND org_id = ? AND sex = 'female'",
                 t50101)
    want = one(db, "SELECT score_n FROM report_agg WHERE pkey = 'M202502' AND org_id = ? AND sex = 'female' "
               "AND course_id = ?", t50101, course)
    try:
        r = sala("report", "--verify", db=db)
        assert r.returncode == 1, r.stdout
        assert ("aggregate row M202502, org T50101, course %s, sex female, language km: score_n is %d in the aggregates, %d in "
                "the rows" % (course, want, want - 1)) in r.stdout, r.stdout
    finally:
        run_sql(db, "UPDATE report_agg SET score_n = score_n - 1 WHERE pkey = 'M202502' AND org_id = ? "
                "AND sex = 'female' AND course_id = ?", t50101, course)
    # Every unit with children for one period; one unit for every period held.
    assert verify(db, "--period", "2025") > 5
    assert verify(db, "--org", "05") > 10
    assert verify(db, "--org", "05", "--period", "2025-Q1") == 1
    # A figure of the aggregates made wrong on purpose is found, named, and fails the check.
    t50101 = one(db, "SELECT id FROM org_units WHERE code = 'T50101'")
    run_sql(db, "UPDATE report_agg_all SET completed = completed + 1 WHERE pkey = 'Q2025-1' AND org_id = ? "
            "AND sex = 'female'", t50101)
    try:
        r = sala("report", "--verify", "--org", "05", "--period", "2025-Q1", db=db)
        assert r.returncode == 1, r.stdout
        assert "2025-Q1: org T501, course (all), sex female: completed is 3 in the aggregates, 2 in the rows" \
            in r.stdout, r.stdout
        # The unit's own figure and the totals above it (the district, the province; women and all), each
        # twice: "trained" (face-to-face) adds the online completions to those who attended.
        assert "verified 1 report: 8 differences" in r.stdout, r.stdout
        assert "2025-Q1: org T501, course (all), sex female: trained is 3 in the aggregates, 2 in the rows" \
            in r.stdout, r.stdout
        assert "2025-Q1: org 05, course (all), sex all: completed is 7 in the aggregates, 6 in the rows" \
            in r.stdout, r.stdout
    finally:
        run_sql(db, "UPDATE report_agg_all SET completed = completed - 1 WHERE pkey = 'Q2025-1' AND org_id = ? "
                "AND sex = 'female'", t50101)
    verify(db, "--org", "05", "--period", "2025-Q1")


def test_b_move_revoke_reissue_delete_rollback():
    db = population()
    before = q1_05(db)
    assert before[("T501", "", "female")] == (1, 2, 2, 1, "85.0")
    assert before[("T502", "", "female")] == (1, 1, 1, 0, "95.0")
    # t1 (female, commune T50101 of district T501, enrolled, started, completed and certified in Q1)
    # moves to district T502: the report counts her there, by her unit at the time of the report.
    t502 = one(db, "SELECT id FROM org_units WHERE code = 'T502'")
    run_sql(db, "UPDATE users SET org_id = ? WHERE username = 't1'", t502)
    now = q1_05(db)
    assert now[("T501", "", "female")] == (0, 1, 1, 0, "90.0")
    assert now[("T502", "", "female")] == (2, 2, 2, 1, "87.5")
    verify(db, "--org", "05")
    # A change of sex moves her figures to the other column.
    run_sql(db, "UPDATE users SET sex = 'other' WHERE username = 't1'")
    now = q1_05(db)
    assert now[("T502", "", "female")] == (1, 1, 1, 0, "95.0")
    assert now[("T502", "", "other")] == (1, 1, 1, 1, "80.0")
    run_sql(db, "UPDATE users SET sex = 'female' WHERE username = 't1'")

    # t7's certificate (male, attached to T501, certified in Q1) revoked: certified no more.
    r = sala("cert", "revoke", "T-6-0", "--reason", "issued in error", db=db)
    assert r.returncode == 0, r.stderr
    assert q1_05(db)[("T501", "", "male")] == (3, 2, 1, 0, "75.0")
    verify(db, "--org", "05")

    # t5's name corrected and the certificate re-issued after Q1: the first date (in Q1) still counts.
    run_sql(db, "UPDATE users SET full_name = 'T5 Corrected' WHERE username = 't5'")
    c = connect(db)
    cid = c.execute("SELECT id FROM certificates WHERE serial = 'T-4-0r'").fetchone()[0]
    new = c.execute(
        "INSERT INTO certificates(serial, code, user_id, course_id, language, course_title, name, completed_on, "
        "org_id, issuer, payload, signature, issued_at) SELECT 'T-4-0rr', 't40rr', user_id, course_id, language, "
        "course_title, 'T5 Corrected', completed_on, org_id, issuer, payload, signature, issued_at + 86400 "
        "FROM certificates WHERE id = ? RETURNING id", (cid,)).fetchone()[0]
    c.execute("UPDATE certificates SET superseded_by = ? WHERE id = ?", (new, cid))
    c.commit()
    c.close()
    assert q1_05(db)[("T501", "", "other")] == (1, 1, 1, 1, "60.0")
    verify(db, "--org", "05")

    # Deleting an account (sala user delete) keeps its history in the figures.
    r = sala("user", "delete", "t8", db=db)
    assert r.returncode == 0, r.stderr
    assert q1_05(db)[("T502", "", "female")] == (2, 2, 2, 1, "87.5")
    # Removing a person's rows altogether (their enrolments go with them) removes them from the figures.
    run_sql(db, "DELETE FROM users WHERE username = 't9'")
    assert q1_05(db)[("T502", "", "male")] == (0, 0, 0, 0, "")
    verify(db, "--org", "05")

    # A transaction that is rolled back leaves no trace in the aggregates.
    before = q1_05(db)
    c = connect(db)
    uid = c.execute("SELECT id FROM users WHERE username = 't10'").fetchone()[0]
    c.execute("BEGIN")
    c.execute("INSERT INTO enrolments(user_id, course_id, enrolled_at, started_at, completed_at, best_final) "
              "VALUES (?, 'rt-b', 1736000000, 1736000000, 1736100000, 99)", (uid,))
    c.execute("UPDATE users SET org_id = ? WHERE id = ?", (t502, uid))
    c.execute("ROLLBACK")
    c.close()
    assert q1_05(db) == before
    verify(db)


def test_c_imports_and_demo_learners():
    srv = Server()
    try:
        db = srv.db
        # Demo learners (built in bulk, then the aggregates from them), then an org-wide enrolment
        # and a users import into a unit with an assigned course (each enrolled by the trigger).
        r = sala("demo", "--learners", "150", db=db, env=srv.env)
        assert r.returncode == 0, r.stderr
        course = one(db, "SELECT id FROM courses ORDER BY id")
        r = sala("enroll", "--course", course, "--org", "1701", db=db)
        assert r.returncode == 0, r.stderr
        path = os.path.join(srv.dir, "users.csv")
        with open(path, "w") as f:
            f.write("username,full_name,sex,org_code,password\n"
                    "agg1,Agg One,female,170101,import-pass-1\n"
                    "agg2,Agg Two,male,170101,import-pass-1\n")
        r = sala("users", "import", path, db=db)
        assert r.returncode == 0, r.stderr
        assert one(db, "SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id "
                   "WHERE u.username IN ('agg1', 'agg2') AND e.course_id = ?", course) == 2
        # An import refused for a bad row changes nothing, aggregates included.
        with open(path, "w") as f:
            f.write("username,full_name,sex,org_code,password\n"
                    "agg3,Agg Three,female,170101,import-pass-1\n"
                    "agg4,Agg Four,nonsense,170101,import-pass-1\n")
        r = sala("users", "import", path, db=db)
        assert r.returncode != 0
        verify(db)
    finally:
        srv.stop()


def test_d_language():
    """The learners' language (users.lang, today's) as a dimension: the aggregates follow a change of language,
    --language and language= give the figures of one language's learners, both add up to the whole, and
    --verify finds 0 differences."""
    db = population()
    run_sql(db, "UPDATE users SET lang = 'km'")
    everyone = q1_05(db)
    # t1 (female; enrolled, started, completed and certified in Q1, final score 80; in a commune of district
    # T501, or in T502 once test_b moved her) reads Sala in English: the English report of 05 is hers alone.
    district = one(db, "SELECT CASE WHEN o.level = 'district' THEN o.code ELSE p.code END FROM users u "
                   "JOIN org_units o ON o.id = u.org_id LEFT JOIN org_units p ON p.id = o.parent_id "
                   "WHERE u.username = 't1'")
    assert district in ("T501", "T502"), district
    run_sql(db, "UPDATE users SET lang = 'en' WHERE username = 't1'")
    out = os.path.join(Ctx.srv.dir, "lang.csv")

    def by_language(lang):
        r = sala("report", "--org", "05", *Q1, "--by", "org,sex", "--language", lang, "--format", "csv", "-o", out,
                 db=db)
        assert r.returncode == 0, r.stderr
        with open(out, "rb") as f:
            return {k: figures(v) for k, v in parse_csv(f.read()).items()}
    en, km = by_language("en"), by_language("km")
    assert en[(district, "", "female")] == (1, 1, 1, 1, "80.0"), en
    assert all(v[:4] == (0, 0, 0, 0) for k, v in en.items() if k != (district, "", "female")), en
    for k, v in everyone.items():
        assert tuple(a + b for a, b in zip(en[k][:4], km[k][:4])) == v[:4], (k, v, en[k], km[k])
    verify(db)
    verify(db, "--org", "05", "--period", "2025-Q1", "--language", "en")
    # The web gives the same figures, says which language in the JSON, and keeps the choice in the form.
    c = Ctx.srv.client()
    c.login("admin")
    web = parse_csv(c.get("/reports.csv?org=05&from=2025-01-01&to=2025-03-31&by=org,sex&language=en").body)
    assert {k: figures(v) for k, v in web.items()} == en
    js = c.get("/reports.json?org=05&from=2025-01-01&to=2025-03-31&language=en").json()
    assert js["language"] == "en" and js["summary"]["by_sex"]["female"]["enrolled"] == 1, js["summary"]
    assert c.get("/reports.json?org=05&from=2025-01-01&to=2025-03-31").json()["language"] is None
    page = c.get("/reports?org=05&from=2025-01-01&to=2025-03-31&language=en")
    assert page.status == 200
    assert re.search(r'<select id="f-language" name="language">.*<option value="en" lang="en" selected>', page.text,
                     re.S), page.text[:3000]
    assert "language=en" in page.text
    # A language that is not one is refused, naming it, and changes nothing.
    bad = c.get("/reports.csv?org=05&language=fr")
    assert bad.status == 400 and "fr" in bad.text, (bad.status, bad.text[:300])
    r = sala("report", "--org", "05", "--language", "fr", db=db)
    assert r.returncode == 1 and "'fr'" in r.stderr, r.stderr
    # Grouped by language: a first column language, the rows of km then en, the same figures as each filter.
    r = sala("report", "--org", "05", *Q1, "--by", "language,org,sex", "--format", "csv", "-o", out, db=db)
    assert r.returncode == 0, r.stderr
    with open(out, "rb") as f:
        body = f.read()
    assert body.startswith(b"\xef\xbb\xbflanguage,org_code,"), body[:60]
    grouped = {}
    for row in csv.DictReader(io.StringIO(body[3:].decode("utf-8"), newline="")):
        row = {k: csv_code(v) for k, v in row.items()}
        grouped[(row["language"], row["org_code"], row["sex"])] = tuple(
            int(row[k]) for k in ("enrolled", "started", "completed", "certified"))
    assert {k[1:]: v for k, v in grouped.items() if k[0] == "en"} == {(k[0], k[2]): v[:4] for k, v in en.items()}
    assert {k[1:]: v for k, v in grouped.items() if k[0] == "km"} == {(k[0], k[2]): v[:4] for k, v in km.items()}
    webg = c.get("/reports.csv?org=05&from=2025-01-01&to=2025-03-31&by=language,org,sex&lang=en")
    assert webg.status == 200 and webg.body == body, webg.body[:200]
    assert "by-language-org-sex" in webg.header("Content-Disposition"), webg.headers
    jl = c.get("/reports.json?org=05&from=2025-01-01&to=2025-03-31&by=language,sex").json()
    assert [x["language"] for x in jl["by_language"]] == ["km", "en"]
    assert jl["by_language"][1]["summary"]["by_sex"]["female"]["completed"] == 1
    for path in ("/reports.xlsx?org=05&by=language", "/reports.csv?org=05&by=language&language=en",
                 "/reports.csv?org=05&series=month&by=language"):
        assert c.get(path).status == 400, path
    r = sala("report", "--org", "05", "--by", "language", "--series", "month", db=db)
    assert r.returncode == 1 and "language" in r.stderr, r.stderr
    # The follow-up list behind the English figure: t1 alone.
    people = c.get("/reports/people.csv?list=completed&org=05&from=2025-01-01&to=2025-03-31&language=en")
    assert people.status == 200
    names = [l.split(",")[0] for l in people.body.decode("utf-8-sig").splitlines()[1:] if l]
    assert names == ["t1"], names
    # Back to Khmer: the English figures are empty again.
    run_sql(db, "UPDATE users SET lang = 'km' WHERE username = 't1'")
    assert all(v[:4] == (0, 0, 0, 0) for v in by_language("en").values())
    assert q1_05(db) == everyone
    verify(db)


def cli_csv(db, *args):
    out = os.path.join(Ctx.srv.dir, "series.csv")
    r = sala("report", *args, "--format", "csv", "-o", out, db=db)
    assert r.returncode == 0, r.stderr
    with open(out, "rb") as f:
        return f.read()


def series_rows(body):
    assert body.startswith(b"\xef\xbb\xbfperiod,org_code,"), body[:80]
    rows = {}
    for r in csv.DictReader(io.StringIO(body[3:].decode("utf-8"), newline="")):
        r = {k: csv_code(v) for k, v in r.items()}
        rows[(r["period"], r["org_code"], r["sex"])] = (r["enrolled"], r["started"], r["completed"],
                                                          r["certified"], r["avg_score"])
    return rows


def test_a2_series():
    db = population()
    # Quarters of 2025 for org 05 by sex: Q1 holds the hand-counted figures; Q2..Q4 what happened then.
    rows = series_rows(cli_csv(db, "--org", "05", "--series", "quarter", "--from", "2025-01-01", "--to",
                               "2025-12-31", "--by", "sex"))
    assert sorted({k[0] for k in rows}) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    for sex, want in EXPECT_05_TOTAL.items():
        if sex != "all":
            got = rows[("2025-Q1", "05", sex)]
            assert (int(got[0]), int(got[1]), int(got[2]), int(got[3]), got[4]) == want, (sex, got)
    # Each month of the series is the report of that month alone (same definitions).
    months = series_rows(cli_csv(db, "--org", "05", "--series", "month", "--from", "2025-01-15", "--to",
                                 "2025-03-02"))
    assert sorted({k[0] for k in months}) == ["2025-01", "2025-02", "2025-03"]
    for m, last in (("01", "31"), ("02", "28"), ("03", "31")):
        single = parse_csv(cli_csv(db, "--org", "05", "--from", "2025-%s-01" % m, "--to", "2025-%s-%s" % (m, last)))
        assert figures(single[("05", "", "all")]) == tuple(
            int(x) if i < 4 else x for i, x in enumerate(months[("2025-" + m, "05", "all")])), m
    # The web: the page, the CSV (the same bytes as the command line's) and the JSON.
    c = Ctx.srv.client()
    c.login("admin")
    q = "series=quarter&org=05&from=2025-01-01&to=2025-06-30"
    page = c.get("/reports?" + q)
    assert page.status == 200, page.text[:300]
    cell = re.search(r'data-period="2025-Q1" data-sex="all" data-k="enrolled">(\d+)<', page.text)
    assert cell and int(cell.group(1)) == EXPECT_05_TOTAL["all"][0], page.text[:2000]
    csv_web = c.get("/reports.csv?" + q + "&by=sex")
    assert csv_web.status == 200
    assert csv_web.body == cli_csv(db, "--org", "05", "--series", "quarter", "--from", "2025-01-01", "--to",
                                   "2025-06-30", "--by", "sex", "--lang", "km")  # the admin reads Khmer
    js = c.get("/reports.json?" + q).json()
    assert js["series"] == "quarter" and [p["period"]["label"] for p in js["periods"]] == ["2025-Q1", "2025-Q2"]
    assert js["periods"][0]["summary"]["by_sex"]["all"]["completed"] == EXPECT_05_TOTAL["all"][2]
    # Bad parameters are refused with a message; nothing else changes.
    bad = c.get("/reports.csv?series=week&org=05")
    assert bad.status == 400 and "unknown series" in bad.text, bad.text[:300]
    r = sala("report", "--series", "quarter", "--period", "2025", db=db)
    assert r.returncode == 1 and "--series takes --from and --to" in r.stderr, r.stderr
    # The dashboard links to the series.
    assert "/reports?series=month&amp;org=05" in c.get("/reports?org=05&period=2025-Q1").text


def xlsx_rows(body):
    """The series sheet of a workbook: its header and its rows (openpyxl, as test_reports_xlsx reads)."""
    from test_reports_xlsx import openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(body))
    assert len(wb.sheetnames) == 1, wb.sheetnames
    ws = wb[wb.sheetnames[0]]
    rows = list(ws.iter_rows(values_only=True))
    pct = {ws.cell(row=i + 2, column=12).number_format for i in range(len(rows) - 1)
           if isinstance(rows[i + 1][11], (int, float))}  # the completion rates that are numbers
    return wb.sheetnames[0], rows[0], rows[1:], pct


def same_figures(xrow, crow):
    """An XLSX row against the CSV row of the same group: text codes, numeric counts and figures."""
    period, code, _, course = xrow[0:4]
    assert isinstance(period, str) and isinstance(code, str), xrow
    assert (period, code, course or "") == (csv_code(crow["period"]), csv_code(crow["org_code"]),
                                            crow["course_id"]), (xrow, crow)
    counts = xrow[5:9]
    assert all(isinstance(v, int) for v in counts), xrow
    assert list(counts) == [int(crow[k]) for k in ("enrolled", "started", "completed", "certified")], (xrow, crow)
    for x, k, scale in ((xrow[9], "avg_score", 1), (xrow[11], "completion_rate", 100), (xrow[12], "parity_index", 1)):
        want = crow[k]
        if want == "":
            assert x is None, (k, xrow, crow)
        elif want.startswith("n<"):
            assert x == want, (k, xrow, crow)  # the small-group mark, as text
        else:
            assert isinstance(x, (int, float)) and abs(x * scale - float(want)) < 1e-9, (k, xrow, crow)
    assert (xrow[10], xrow[13]) == (int(crow["avg_score_n"]), int(crow["parity_n"])), (xrow, crow)


def test_a3_series_xlsx():
    db = population()
    args = ("--org", "05", "--series", "quarter", "--from", "2025-01-01", "--to", "2025-12-31", "--by", "org,sex")
    # The population shows every figure (report_min_group 1); with 3, some groups are too small.
    sala("settings", "set", "report_min_group", "3", db=db, check=True)
    try:
        body = cli_csv(db, *args)
        out = os.path.join(Ctx.srv.dir, "series.xlsx")
        r = sala("report", *args, "--format", "xlsx", "-o", out, db=db)
        assert r.returncode == 0, r.stderr
    finally:
        sala("settings", "set", "report_min_group", "1", db=db, check=True)
    want = list(csv.DictReader(io.StringIO(body[3:].decode("utf-8"), newline="")))
    with open(out, "rb") as f:
        name, head, rows, pct = xlsx_rows(f.read())
    assert name == "Series" and head[:5] == ("Period", "Org unit code", "Org unit", "Course", "Sex"), head
    assert pct == {"0.0%"}, pct
    # The same rows as the series CSV, in the same order, with the same figures and marks.
    assert len(rows) == len(want) > 8, (len(rows), len(want))
    for x, c in zip(rows, want):
        same_figures(x, c)
    assert sorted({x[0] for x in rows}) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    # The series applies the small-group rule as the single report does (the CSV has the same marks).
    assert any(x[9] == "n<3" for x in rows), [x[9:13] for x in rows]
    assert any(isinstance(x[k], (int, float)) for x in rows for k in (9, 11)), "no figure shown"
    # Without -o, no file: the command says how.
    r = sala("report", *args, "--format", "xlsx", db=db)
    assert r.returncode != 0 and "-o FILE.xlsx" in r.stderr, r.stderr
    # The web: the series page links to the workbook; the admin reads Khmer, so its headers are Khmer,
    # the figures those of the command line's CSV in Khmer.
    c = Ctx.srv.client()
    c.login("admin")
    q = "series=quarter&org=05&from=2025-01-01&to=2025-06-30"
    assert "/reports.xlsx?series=quarter&amp;org=05&amp;" in c.get("/reports?" + q).text
    web = c.get("/reports.xlsx?" + q + "&by=sex")
    assert web.status == 200 and (web.header("Content-Type") or "").startswith("application/vnd.openxml"), web.status
    assert "sala-report-05-quarter.xlsx" in (web.header("Content-Disposition") or "")
    name, head, rows, _ = xlsx_rows(web.body)
    assert head[0] == "រយៈពេល" and head[4] == "ភេទ" and rows[0][4] == "ស្ត្រី", (head, rows[:1])
    km = cli_csv(db, "--org", "05", "--series", "quarter", "--from", "2025-01-01", "--to", "2025-06-30", "--by",
                 "sex", "--lang", "km")
    want = list(csv.DictReader(io.StringIO(km[3:].decode("utf-8"), newline="")))
    assert len(rows) == len(want) == 8, (len(rows), len(want))
    for x, c2 in zip(rows, want):
        same_figures(x, c2)
    bad = c.get("/reports.xlsx?series=week&org=05")
    assert bad.status == 400 and "unknown series" in bad.text, bad.text[:300]


def test_zz_stop():
    if Ctx.srv:
        Ctx.srv.stop()
        Ctx.srv = None
