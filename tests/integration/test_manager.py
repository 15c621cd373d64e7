"""Managers: the small-group rule identical on screen, CSV, XLSX and JSON; n beside rates and averages;
a default period that holds data; bad dates inline; distinct export names; the people behind figures and
their scope; due dates, the overdue list and count; the org unit found by search; home is the dashboard."""
import csv
import io
import re
import time
import urllib.parse

from harness import Server, connect
from test_reports import cells, csv_code


def in_words(day):
    """A YYYY-MM-DD day as English pages show it: "5 January 2026"."""
    t = time.strptime(day, "%Y-%m-%d")
    return "%d %s %d" % (t.tm_mday, time.strftime("%B", t), t.tm_year)

try:
    import openpyxl
except ImportError:  # pragma: no cover - installed by scripts/deps.sh
    openpyxl = None

Q2 = "period=2024-Q2"
APR1 = 1711929600  # 2024-04-01T00:00:00Z
DAY = 86400
COURSE = "cyber-awareness"  # a demo course with an active package

# Units: code, English name, Khmer name, parent, level. M17A and M17B are in the manager's province (17);
# M12X is in Phnom Penh (12), outside it.
UNITS = [
    ("M17A", "Manager test district A", "ស្រុកតេស្តអ្នកគ្រប់គ្រង ក", "17", "district"),
    ("M17A1", "Manager test commune A1", "", "M17A", "commune"),
    ("M17B", "Manager test district B", "", "17", "district"),
    ("M12X", "Manager test district X", "", "12", "district"),
]


def people():
    """(username, sex, org, position, enrolled_at, completed_at, best_final) for 2024-Q2 in COURSE."""
    out = []
    # M17A: 4 women (2 completed), 12 men (6 completed): women's figures rest on fewer than 5 people.
    for i in range(4):
        out.append(("mfa%d" % i, "female", "M17A", "clerk", APR1 + i * DAY,
                    APR1 + 20 * DAY if i < 2 else None, 80 if i < 2 else None))
    for i in range(12):
        out.append(("mma%d" % i, "male", "M17A", "chief" if i == 0 else "clerk", APR1 + i * DAY,
                    APR1 + 30 * DAY if i < 6 else None, 70 if i < 6 else None))
    # M17B: 10 women (5 completed), 10 men (4 completed): exactly the parity minimum.
    for i in range(10):
        out.append(("mfb%d" % i, "female", "M17B", "officer", APR1 + i * DAY,
                    APR1 + 40 * DAY if i < 5 else None, 90 if i < 5 else None))
        out.append(("mmb%d" % i, "male", "M17B", "officer", APR1 + i * DAY,
                    APR1 + 40 * DAY if i < 4 else None, 60 if i < 4 else None))
    # M12X: another province's staff.
    for i in range(3):
        out.append(("mx%d" % i, "female", "M12X", "secret-post", APR1 + i * DAY, None, None))
    return out


def build(db):
    c = connect(db)
    for code, en, km, parent, level in UNITS:
        pid, ppath = c.execute("SELECT id, path FROM org_units WHERE code = ?", (parent,)).fetchone()
        oid = c.execute("INSERT INTO org_units(code, name_en, name_km, parent_id, level) VALUES (?,?,?,?,?) "
                        "RETURNING id", (code, en, km, pid, level)).fetchone()[0]
        c.execute("UPDATE org_units SET path = ? WHERE id = ?", (ppath + str(oid) + "/", oid))
    for user, sex, org, pos, en, co, best in people():
        oid = c.execute("SELECT id FROM org_units WHERE code = ?", (org,)).fetchone()[0]
        uid = c.execute("INSERT INTO users(username, password_hash, full_name, sex, org_id, position, created_at) "
                        "VALUES (?, 'x', ?, ?, ?, ?, 0) RETURNING id", (user, user.upper(), sex, oid, pos)).fetchone()[0]
        c.execute("INSERT INTO enrolments(user_id, course_id, enrolled_at, started_at, completed_at, best_final) "
                  "VALUES (?,?,?,?,?,?)", (uid, COURSE, en, en if co else None, co, best))
    c.commit()
    c.close()


class Ctx:
    srv = None


def ctx():
    if Ctx.srv is None or Ctx.srv.proc is None:
        Ctx.srv = Server()
        build(Ctx.srv.db)
    return Ctx.srv


def client(user):
    """Logged in as user (the demo accounts read Khmer unless a page asks for lang=en)."""
    c = ctx().client()
    c.login(user)
    return c


def parse_csv(body):
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body[3:].decode("utf-8"), newline="")))
    return [{k: csv_code(v) for k, v in r.items()} for r in rows]


def filename(r):
    m = re.fullmatch(r'attachment; filename="([A-Za-z0-9._-]+)"', r.header("Content-Disposition") or "")
    assert m, r.header("Content-Disposition")
    return m.group(1)


def people_count(page):
    """The count of a people list, in the page's digits (a Khmer page has Khmer digits; int() reads both)."""
    return int(re.search(r'<span id="people-count">([^<]*)</span>', page).group(1))


def test_small_groups_marked_identically_everywhere():
    c = client("manager")
    q = "org=M17A&%s&course=%s&lang=en" % (Q2, COURSE)
    # CSV: the women's average and completion rate rest on 4 people, the parity index on 4 women.
    rows = {r["sex"]: r for r in parse_csv(c.get("/reports.csv?%s&by=sex" % q).body)}
    f, m = rows["female"], rows["male"]
    assert (f["enrolled"], f["completed"], f["avg_score_n"]) == ("4", "2", "2")
    assert f["avg_score"] == "n<5" and f["completion_rate"] == "n<5" and f["parity_index"] == "n<10"
    assert f["parity_n"] == "4"
    assert m["avg_score"] == "70.0" and m["avg_score_n"] == "6" and m["completion_rate"] == "50.0"
    assert f["course_title"] == m["course_title"] and f["course_title"] not in ("", COURSE)
    # JSON: null, with the same mark under "withheld", and the n beside.
    j = c.get("/reports.json?%s&by=sex" % q).json()
    s = j["summary"]
    fe = s["by_sex"]["female"]
    assert fe["avg_score"] is None and fe["avg_score_n"] == 2 and fe["withheld"]["avg_score"] == "n<5"
    assert fe["completion_rate_pct"] is None and fe["completion_n"] == 4
    assert s["by_sex"]["male"]["avg_score"] == 70.0 and s["by_sex"]["male"]["withheld"] == {}
    assert s["parity_index"] is None and s["parity_n"] == 4 and s["withheld"]["parity_index"] == "n<10"
    assert s["withheld"]["completion_rate_pct.female"] == "n<5"
    assert s["completion_rate_pct"]["all"] == 50.0 and s["completion_n"]["all"] == 16
    assert s["female_share_pct"]["enrolled"] == 25.0  # 4 of 16: enough people in the total
    # Screen: the same marks in the same cells, n beside every rate and average.
    html = c.get("/reports?" + q).text
    got = cells(html)
    assert got[("sex", "M17A", COURSE, "female", "avg_score")] == "n<5"
    assert got[("sex", "M17A", COURSE, "male", "avg_score")] == "70.0"
    assert re.search(r'id="parity" data-k="parity_index" data-n="4">n&lt;10<', html)
    assert re.search(r'data-sex="female" data-k="completion_rate" data-n="4" data-few="1">'
                     r'<span class="v">n&lt;5</span> <span class="n">n=4</span>', html)
    assert re.search(r'data-sex="all" data-k="completion_rate" data-n="16"><span class="v">'
                     r'<a href="[^"]*list=enrolled[^"]*">50.0%</a></span> '
                     r'<span class="n">n=16</span>', html)
    assert "fewer than 5 people" in html and "fewer than 10 women" in html
    # XLSX: the mark as text in the same cells, the n beside.
    if openpyxl:
        wb = openpyxl.load_workbook(io.BytesIO(c.get("/reports.xlsx?%s&by=sex" % q).body))
        rows = list(wb["Summary"].iter_rows(values_only=True))
        assert rows[0][7] == "n: people behind the figure"
        by_label = {r[0]: r for r in rows if r[0]}
        assert by_label["Average final score"][1] == "n<5" and by_label["Average final score"][2] == 70.0
        assert by_label["Completion rate"][1] == "n<5" and by_label["Completion rate"][5] == 0.5
        gpi = [r for r in rows if r[0] and r[0].startswith("Gender parity index")][0]
        assert gpi[1] == "n<10" and gpi[7] == 4
        about = [r[0] for r in wb["About"].iter_rows(values_only=True) if r[0]]
        assert any("fewer than 5 people" in t for t in about)
    # At the minimum the figures are shown: 10 women and 10 men in M17B.
    q = "org=M17B&%s&course=%s&lang=en" % (Q2, COURSE)
    rows = {r["sex"]: r for r in parse_csv(c.get("/reports.csv?%s&by=sex" % q).body)}
    assert rows["female"]["parity_index"] == "1.25" and rows["female"]["parity_n"] == "10"
    assert rows["female"]["completion_rate"] == "50.0" and rows["female"]["avg_score"] == "90.0"
    assert c.get("/reports.json?%s&by=sex" % q).json()["summary"]["parity_index"] == 1.25
    html = c.get("/reports?" + q).text
    assert re.search(r'id="parity" data-k="parity_index" data-n="10">1.25<', html)


def test_small_group_minimum_is_a_setting():
    from harness import sala
    srv = ctx()
    c = client("admin")
    try:
        sala("settings", "set", "report_min_group", "2", db=srv.db, check=True)
        sala("settings", "set", "report_min_parity_group", "4", db=srv.db, check=True)
        rows = {r["sex"]: r for r in parse_csv(c.get(
            "/reports.csv?org=M17A&%s&course=%s&by=sex" % (Q2, COURSE)).body)}
        assert rows["female"]["avg_score"] == "80.0" and rows["female"]["parity_index"] == "1.00"
        bad = sala("settings", "set", "report_min_group", "0", db=srv.db)
        assert bad.returncode != 0 and "report_min_group" in bad.stderr
    finally:
        sala("settings", "set", "report_min_group", "", db=srv.db, check=True)
        sala("settings", "set", "report_min_parity_group", "", db=srv.db, check=True)
    rows = {r["sex"]: r for r in parse_csv(c.get(
        "/reports.csv?org=M17A&%s&course=%s&by=sex" % (Q2, COURSE)).body)}
    assert rows["female"]["avg_score"] == "n<5"


def test_default_period_holds_data():
    c = client("admin")
    # M12X has enrolments only in 2024-Q2: with no period asked, that quarter is shown, not an empty one.
    html = c.get("/reports?org=M12X&lang=en").text
    assert "2024-Q2 (1 April 2024 – 30 June 2024)" in html
    assert '<option value="2024-Q2" selected>Quarter 2 of 2024</option>' in html  # the form says so too
    assert html.count(" selected>") == 1
    assert cells(html)[("", "M12X", "", "all", "enrolled")] == "3"
    j = c.get("/reports.json?org=M12X").json()
    assert j["period"]["label"] == "2024-Q2" and j["summary"]["by_sex"]["all"]["enrolled"] == 3
    # A unit with no enrolment at all: the current quarter.
    now = time.gmtime()
    html = c.get("/reports?org=M17A1&lang=en").text
    assert "%d-Q%d" % (now.tm_year, (now.tm_mon - 1) // 3 + 1) in html


def test_bad_date_range_is_inline_and_keeps_the_filters():
    c = client("manager")
    for frm, to in (("2024-06-30", "2024-04-01"), ("2024-13-45", "2024-06-30")):
        r = c.get("/reports?org=M17A&from=%s&to=%s&course=%s&lang=en" % (frm, to, COURSE))
        assert r.status == 400
        html = r.text
        assert 'role="alert"' in html and "These dates cannot be used" in html
        assert 'value="%s"' % frm in html and 'value="%s"' % to in html  # the filters as typed
        assert 'name="org" value="M17A"' in html
        assert re.search(r'<option value="%s"[^>]* selected' % COURSE, html)
        assert 'aria-invalid="true"' in html
        assert 'id="summary"' not in html  # no figures for dates that cannot be used
    # Khmer.
    r = c.get("/reports?org=M17A&from=2024-06-30&to=2024-04-01&lang=km")
    assert r.status == 400 and "មិនអាចប្រើកាលបរិច្ឆេទទាំងនេះបានទេ" in r.text


def test_csv_variants_have_distinct_names():
    c = client("manager")
    names = set()
    for by in ("org,sex", "course,sex", "org,course,sex"):
        r = c.get("/reports.csv?org=M17A&%s&by=%s" % (Q2, by))
        assert r.status == 200
        names.add(filename(r))
    assert names == {"sala-report-M17A-2024-Q2-by-org-sex.csv", "sala-report-M17A-2024-Q2-by-course-sex.csv",
                     "sala-report-M17A-2024-Q2-by-org-course-sex.csv"}
    r = c.get("/reports.xlsx?org=M17A&%s&by=course,sex&course=%s" % (Q2, COURSE))
    assert filename(r) == "sala-report-M17A-2024-Q2-%s-by-course-sex.xlsx" % COURSE
    # The dashboard's links lead to those three names.
    html = c.get("/reports?org=M17A&%s" % Q2).text
    # (the face-to-face CSV, part=training, is a fourth link of another kind)
    links = [x for x in re.findall(r'href="(/reports\.csv\?[^"]*)"', html) if "part=training" not in x]
    assert len(links) == 3
    assert {filename(c.get(l.replace("&amp;", "&"))) for l in links} == names
    # Course titles and the by-course CSV.
    rows = parse_csv(c.get("/reports.csv?org=M17A&%s&by=course" % Q2).body)
    row = [x for x in rows if x["course_id"] == COURSE][0]
    assert row["course_title"] and row["course_title"] != COURSE and row["completion_rate"] == "50.0"


def test_people_behind_a_figure_and_their_scope():
    c = client("manager")
    html = c.get("/reports?org=M17A&%s&course=%s&lang=en" % (Q2, COURSE)).text
    # The women's enrolled count links to the list of those women.
    m = re.search(r'data-by="sex" data-org="M17A" data-course="%s" data-sex="female" data-k="enrolled">'
                  r'<a href="([^"]*)">4</a>' % COURSE, html)
    assert m, "no link behind the figure"
    page = c.get(m.group(1).replace("&amp;", "&")).text
    assert people_count(page) == 4
    for i in range(4):
        assert "MFA%d" % i in page
    assert "MMA0" not in page
    # Not completed: 2 women and 6 men, with unit, position and sex; the CSV has the same people.
    r = c.get("/reports/people?org=M17A&%s&course=%s&list=not-completed&lang=en" % (Q2, COURSE))
    assert r.status == 200 and '<span id="people-count">8</span>' in r.text
    assert "Manager test district A" in r.text and "clerk" in r.text and "Female" in r.text
    csv_link = re.search(r'href="(/reports/people\.csv\?[^"]*)"', r.text).group(1).replace("&amp;", "&")
    r = c.get(csv_link)
    assert filename(r) == "sala-people-M17A-not-completed-2024-Q2.csv"
    rows = parse_csv(r.body)
    assert len(rows) == 8
    assert {x["username"] for x in rows} == {"mfa2", "mfa3"} | {"mma%d" % i for i in range(6, 12)}
    assert {x["org_code"] for x in rows} == {"M17A"} and {x["sex"] for x in rows} == {"female", "male"}
    assert all(x["position"] == "clerk" and x["completed_on"] == "" for x in rows)
    rows = parse_csv(c.get("/reports/people.csv?org=M17A&%s&list=completed&sex=female" % Q2).body)
    assert sorted(x["username"] for x in rows) == ["mfa0", "mfa1"]
    assert all(x["completed_on"] == "2024-04-21" for x in rows)
    # Scope: the manager of 17 never sees Phnom Penh's staff, asked for or not.
    for path in ("/reports/people?org=M12X&%s&list=enrolled" % Q2, "/reports/people.csv?org=M12X&%s&list=enrolled" % Q2):
        r = c.get(path)
        assert r.status == 403 and "mx0" not in r.text and "secret-post" not in r.text
    r = c.get("/reports/people.csv?%s&list=enrolled" % Q2)  # the whole area of the manager
    names = {x["username"] for x in parse_csv(r.body)}
    assert "mfa0" in names and "mfb0" in names and not any(n.startswith("mx") for n in names)
    # An administrator sees them.
    a = client("admin")
    rows = parse_csv(a.get("/reports/people.csv?org=M12X&%s&list=enrolled" % Q2).body)
    assert sorted(x["username"] for x in rows) == ["mx0", "mx1", "mx2"]
    # Unknown list or sex: refused.
    assert c.get("/reports/people?org=M17A&list=everyone").status == 400
    assert c.get("/reports/people?org=M17A&list=enrolled&sex=x").status == 400


def assign(c, course, fields):
    """course may carry a query (?lang=en)."""
    path = "/courses/%s" % course
    c.get(path.replace("?", "/assign?") if "?" in path else path + "/assign")
    return c.post(path.replace("?", "/assign?") if "?" in path else path + "/assign", fields)


def due_of(db, username, course):
    con = connect(db)
    row = con.execute("SELECT e.due_at FROM enrolments e JOIN users u ON u.id = e.user_id "
                      "WHERE u.username = ? AND e.course_id = ?", (username, course)).fetchone()
    con.close()
    return row[0] if row else None


def test_assign_with_due_date_org_search_and_overdue():
    srv = ctx()
    c = client("manager")
    # The unit is found by a search (code or name, English or Khmer), within the manager's area only.
    html = c.get("/courses/%s/assign?find=sla+kram" % COURSE).text
    assert re.search(r'<input type="radio" name="org" id="org-0" value="171001" checked>', html)
    html = c.get("/courses/%s/assign?find=%s" % (COURSE, urllib.parse.quote("ស្រុកតេស្តអ្នកគ្រប់គ្រង"))).text
    assert 'value="M17A"' in html
    html = c.get("/courses/%s/assign?find=M1" % COURSE).text
    assert 'value="M17A"' in html and 'value="M12X"' not in html  # another province: not offered
    html = c.get("/courses/%s/assign?find=Manager+test+district+X&lang=en" % COURSE).text
    assert "No org unit matches" in html
    # A bad or past due date is refused, nothing assigned.
    for bad in ("2024-02-30", "2020-01-01"):
        r = assign(c, COURSE + "?lang=en", {"org": "M17A1", "due": bad})
        assert r.status == 422 and "The due date" in r.text and bad in r.text
    con = connect(srv.db)
    assert con.execute("SELECT count(*) FROM org_assignments a JOIN org_units o ON o.id = a.org_id "
                       "WHERE o.code = 'M17A1'").fetchone()[0] == 0  # nothing assigned
    con.close()
    # An org unit with a due date: people there now and people who join later get it.
    con = connect(srv.db)
    oid = con.execute("SELECT id FROM org_units WHERE code = 'M17A1'").fetchone()[0]
    for i in range(3):
        con.execute("INSERT INTO users(username, password_hash, full_name, sex, org_id, position, created_at) "
                    "VALUES (?, 'x', ?, 'female', ?, 'nurse', 0)", ("due%d" % i, "DUE%d" % i, oid))
    con.commit()
    con.close()
    due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 30 * DAY))
    r = assign(c, COURSE + "?lang=en", {"org": "M17A1", "due": due})
    assert r.status == 200 and "Due on %s" % in_words(due) in r.text
    end_of_day = int(time.mktime(time.strptime(due, "%Y-%m-%d"))) - time.timezone + DAY
    assert due_of(srv.db, "due0", COURSE) == end_of_day
    con = connect(srv.db)
    con.execute("INSERT INTO users(username, password_hash, full_name, sex, org_id, position, created_at) "
                "VALUES ('due9', 'x', 'DUE9', 'male', ?, 'nurse', 0)", (oid,))
    con.commit()
    con.close()
    assert due_of(srv.db, "due9", COURSE) == end_of_day  # joined later: the unit's due date
    # Not overdue yet.
    html = c.get("/reports?org=M17A1&lang=en").text
    assert '<span id="overdue-count">0</span>' in html
    # Time passes: the due day of three of them is over, one completed in time.
    con = connect(srv.db)
    con.execute("UPDATE enrolments SET due_at = ? WHERE course_id = ? AND user_id IN "
                "(SELECT id FROM users WHERE username IN ('due0', 'due1', 'due2', 'due9'))",
                (int(time.time()) - DAY, COURSE))
    con.execute("UPDATE enrolments SET completed_at = ? WHERE course_id = ? AND user_id = "
                "(SELECT id FROM users WHERE username = 'due2')", (int(time.time()) - 2 * DAY, COURSE))
    con.commit()
    con.close()
    html = c.get("/reports?org=M17A1&lang=en").text
    assert '<span id="overdue-count">3</span>' in html
    link = re.search(r'<a href="([^"]*list=overdue[^"]*)"', html).group(1).replace("&amp;", "&")
    page = c.get(link).text
    assert people_count(page) == 3 and "DUE2" not in page and "nurse" in page
    rows = parse_csv(c.get(link.replace("/reports/people?", "/reports/people.csv?")).body)
    assert sorted(x["username"] for x in rows) == ["due0", "due1", "due9"]
    assert all(x["due_on"] and x["org_code"] == "M17A1" for x in rows)
    # The province's dashboard counts them too; another province's manager view never lists them.
    html = c.get("/reports?lang=en").text
    assert int(re.search(r'<span id="overdue-count">(\d+)</span>', html).group(1)) >= 3


def test_learner_sees_the_due_date():
    c = client("manager")
    due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 10 * DAY))
    r = assign(c, "digital-literacy?lang=en", {"users": "learner", "due": due})
    assert r.status == 200 and "learner" in r.text, r.text[:500]
    lc = client("learner")
    my = lc.get("/my?lang=en").text
    assert 'Due by <time datetime="%s">%s</time>' % (due, in_words(due)) in my
    page = lc.get("/courses/digital-literacy?lang=en").text
    assert 'Due by <time datetime="%s">' % due in page
    km = lc.get("/my?lang=km").text
    assert "ត្រូវបញ្ចប់មុន" in km
    # The API takes a due date too, and refuses a bad one.
    r = c.api("POST", "/api/v1/courses/digital-literacy/assign", {"users": ["learner"], "due": "soon"},
              headers={"X-CSRF-Token": c.csrf_token})
    assert r.status == 422 and "due date" in r.text


def test_manager_home_is_the_dashboard():
    c = ctx().client()
    r = c.login("manager")
    loc = r.header("Location") or "/"
    r = c.get(loc)
    while r.status in (302, 303):
        loc = r.header("Location")
        r = c.get(loc)
    assert loc.startswith("/reports") and r.status == 200 and 'id="summary"' in r.text


def test_zz_stop():
    if Ctx.srv:
        Ctx.srv.stop()
        Ctx.srv = None
