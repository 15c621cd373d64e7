"""Face-to-face figures in the reports: a hand-counted population of sessions, attendance marks and
survey answers (inserted directly, as training/ would write them) over test_reports' online population,
checked in the JSON, the CSV (part=training), the dashboard and `sala report --training`: each person
counted once in "trained" (completed online or attended), four sex categories, manager scope."""
import csv
import io
import re

from harness import Server, connect, sala
from test_reports import APR1, DAY, JAN1, build, csv_code

Q1 = "from=2025-01-01&to=2025-03-31"
H = 3600

# New people (no enrolments): username, sex, org.
PEOPLE = [("a1", "female", "T50101"), ("a2", "female", "T502"), ("a3", "male", "T501"),
          ("a4", "other", "T50102"), ("a5", "unspecified", "T502"), ("a6", "female", "T503")]
# Sessions: code, course, venue, days (start, end).
SESSIONS = [
    ("W1", "rt-a", "T501", [(JAN1 + 10 * DAY + 8 * H, JAN1 + 10 * DAY + 12 * H),  # 4 h
                            (JAN1 + 11 * DAY + 8 * H, JAN1 + 11 * DAY + 16 * H)]),  # 8 h
    ("W2", None, "T502", [(JAN1 + 50 * DAY + 9 * H, JAN1 + 50 * DAY + 11 * H)]),  # 2 h, no course
    ("W3", "rt-b", "T501", [(APR1 + 5 * DAY + 9 * H, APR1 + 5 * DAY + 11 * H)]),  # after Q1
]
# Lists: session, user, status, invited.
LISTS = [("W1", "t1", "registered", 1), ("W1", "t3", "registered", 1), ("W1", "a1", "registered", 0),
         ("W1", "a3", "registered", 1), ("W1", "a6", "waitlisted", 0), ("W1", "t10", "cancelled", 1),
         ("W2", "a2", "registered", 1), ("W2", "a4", "registered", 1), ("W2", "a5", "registered", 1),
         ("W3", "a3", "registered", 1)]
# Marks: session, user, day, status (a6 is on the waiting list and came anyway).
MARKS = [("W1", "t1", 1, "present"), ("W1", "t1", 2, "present"), ("W1", "t3", 1, "absent"),
         ("W1", "t3", 2, "present"), ("W1", "a1", 1, "present"), ("W1", "a1", 2, "excused"),
         ("W1", "a3", 1, "absent"), ("W1", "a3", 2, "absent"), ("W1", "a6", 1, "present"),
         ("W2", "a2", 1, "present"), ("W2", "a4", 1, "present"), ("W2", "a5", 1, "absent"),
         ("W3", "a3", 1, "present")]
# Survey answers of W1: sex, score; five women (4.2), two men (too few to show); one after Q1.
ANSWERS = [("female", 4), ("female", 5), ("female", 4), ("female", 3), ("female", 5), ("male", 2), ("male", 3)]

# Org 05 in Q1, all courses, by sex (hand-counted):
#   attended: F t1 a1 a6 a2, M t3, O a4                        -> 4 1 1 0 (6)
#   invited (not cancelled, first day in Q1): F t1 a1 a6 a2, M t3 a3, O a4, U a5 -> 4 2 1 1 (8)
#   marks of registered people: F t1 2/2 a1 1/2 a2 1/1 = 4/5; M t3 1/2 a3 0/2 = 1/4; O 1/1; U 0/1 -> 6/11
#   hours (present marks): F 12+4+4+2 = 22, M 8, O 2, U 0 -> 32
#   trained: online completions in Q1 (F t1 t2 t8, M t7, O t5, U t6) + attendees who did not complete
#            (F a1 a6 a2, M t3, O a4)                          -> 6 2 2 1 (11)
EXPECT = {
    "female": dict(trained=6, attended=4, invited=4, marked=5, present=4, rate=80.0, hours=22.0),
    "male": dict(trained=2, attended=1, invited=2, marked=4, present=1, rate=25.0, hours=8.0),
    "other": dict(trained=2, attended=1, invited=1, marked=1, present=1, rate=100.0, hours=2.0),
    "unspecified": dict(trained=1, attended=0, invited=1, marked=1, present=0, rate=0.0, hours=0.0),
    "all": dict(trained=11, attended=6, invited=8, marked=11, present=6, rate=54.5, hours=32.0),
}


def build_training(db):
    c = connect(db)
    ids = {}
    org = lambda code: c.execute("SELECT id FROM org_units WHERE code = ?", (code,)).fetchone()[0]
    for user, sex, unit in PEOPLE:
        c.execute("INSERT INTO users(username, password_hash, full_name, sex, org_id, created_at) "
                  "VALUES (?, 'x', ?, ?, ?, 0)", (user, user.upper(), sex, org(unit)))
    for code, course, venue, days in SESSIONS:
        wid = c.execute("INSERT INTO workshops(code, title, course_id, org_id, created_at) VALUES (?, ?, ?, ?, 0) "
                        "RETURNING id", (code, "Session " + code, course, org(venue))).fetchone()[0]
        ids[code] = wid
        for n, (start, end) in enumerate(days, 1):
            c.execute("INSERT INTO workshop_days(workshop_id, day, starts_at, ends_at) VALUES (?, ?, ?, ?)",
                      (wid, n, start, end))
    uid = lambda u: c.execute("SELECT id FROM users WHERE username = ?", (u,)).fetchone()[0]
    for k, (code, user, status, invited) in enumerate(LISTS):
        c.execute("INSERT INTO workshop_people(workshop_id, user_id, status, invited, row_code, since) "
                  "VALUES (?, ?, ?, ?, ?, 0)", (ids[code], uid(user), status, invited, "R%d" % k))
    for code, user, day, status in MARKS:
        c.execute("INSERT INTO attendance(workshop_id, user_id, day, status, method, marked_at) "
                  "VALUES (?, ?, ?, ?, 'trainer', 0)", (ids[code], uid(user), day, status))
    for sex, score in ANSWERS:
        c.execute("INSERT INTO survey_responses(subject, sex, org_id, submitted_at, answers, score) "
                  "VALUES (?, ?, ?, ?, '[]', ?)", ("workshop:%d" % ids["W1"], sex, org("T50101"),
                                                   JAN1 + 12 * DAY, score))
    c.execute("INSERT INTO survey_responses(subject, sex, org_id, submitted_at, answers, score) "
              "VALUES (?, 'female', ?, ?, '[]', 1)", ("workshop:%d" % ids["W1"], org("T50101"), APR1 + DAY))
    c.commit()
    c.close()


class Ctx:
    srv = None


def population():
    """A server whose database has test_reports' online population and the sessions above."""
    s = Server()
    build(s.db)
    build_training(s.db)
    return s


def srv():
    if Ctx.srv is None or Ctx.srv.proc is None:
        Ctx.srv = population()
    return Ctx.srv


def admin():
    c = srv().client()
    c.login("admin")
    return c


def test_json_figures_by_sex():
    js = admin().get("/reports.json?org=05&%s" % Q1).json()
    t = js["training"]["summary"]
    for sex, want in EXPECT.items():
        got = t["by_sex"][sex]
        assert (got["trained"], got["attended"], got["invited"], got["marked"], got["present"]) == (
            want["trained"], want["attended"], want["invited"], want["marked"], want["present"]), (sex, got)
        assert got["attendance_rate_pct"] == want["rate"], (sex, got)
        assert got["training_hours"] == want["hours"], (sex, got)
    # Satisfaction: five women (21 / 5 = 4.2); two men, too few to show; all seven (26 / 7).
    assert t["by_sex"]["female"]["satisfaction"] == 4.2 and t["by_sex"]["female"]["satisfaction_n"] == 5
    assert t["by_sex"]["male"]["satisfaction"] is None and t["by_sex"]["male"]["satisfaction_n"] == 2
    assert t["by_sex"]["all"]["satisfaction"] == 3.71
    # Women's shares (6 of 11 trained, 4 of 6 attended) and parity against those invited: (4/4) / (1/2).
    assert t["female_share_pct"] == {"trained": 54.5, "attended": 66.7}
    assert t["female_share_n"] == {"trained": 11, "attended": 6}
    # n of the parity index: the fewer of women (4) and men (2) invited; of a rate: people invited.
    assert t["attended_parity_index"] == 2.0 and t["attended_parity_n"] == 2
    assert t["by_sex"]["male"]["attendance_n"] == 2 and t["by_sex"]["all"]["attendance_n"] == 8
    assert t["withheld"] == {} and t["by_sex"]["all"]["withheld"] == {}
    # The online figures are those of test_reports, unchanged.
    assert js["summary"]["by_sex"]["all"]["completed"] == 6


def test_course_and_period():
    c = admin()
    # rt-a: W1 only. Trained = rt-a completions in Q1 (F t1 t2 t8, O t5) + attendees without one (F a1 a6, M t3).
    t = c.get("/reports.json?org=05&course=rt-a&%s" % Q1).json()["training"]["summary"]["by_sex"]
    assert (t["female"]["attended"], t["male"]["attended"], t["all"]["attended"]) == (3, 1, 4)
    assert (t["female"]["trained"], t["male"]["trained"], t["other"]["trained"], t["all"]["trained"]) == (5, 1, 1, 7)
    # rt-b's session is in April: nobody attended in Q1; trained = its online completions (t6, t7).
    t = c.get("/reports.json?org=05&course=rt-b&%s" % Q1).json()["training"]["summary"]["by_sex"]
    assert (t["all"]["attended"], t["all"]["trained"], t["all"]["training_hours"]) == (0, 2, 0.0)
    # Q2: a3 at W3 (2 hours); the late survey answer is one answer, too few to show.
    t = c.get("/reports.json?org=05&period=2025-Q2").json()["training"]["summary"]["by_sex"]
    assert (t["male"]["attended"], t["all"]["attended"], t["all"]["training_hours"]) == (1, 1, 2.0)
    assert t["all"]["satisfaction"] is None and t["all"]["satisfaction_n"] == 1


def test_csv_dashboard_cli_and_scope():
    c = admin()
    r = c.get("/reports.csv?part=training&org=05&by=org,sex&%s" % Q1)
    assert r.status == 200
    text = r.body[3:].decode("utf-8")
    assert text.startswith("org_code,org_name,course_id,sex,trained,attended,invited,attendance_rate,"
                           "attendance_n,training_hours,satisfaction,satisfaction_n\r\n"), text[:200]
    rows = {(csv_code(x["org_code"]), x["sex"]): x for x in csv.DictReader(io.StringIO(text, newline=""))}
    # District T501: t1 a1 (commune T50101), t3 (district), a4 (commune T50102); a3 invited, absent.
    assert (rows[("T501", "female")]["attended"], rows[("T501", "female")]["training_hours"]) == ("2", "16.0")
    assert (rows[("T501", "male")]["attended"], rows[("T501", "male")]["invited"]) == ("1", "2")
    assert (rows[("T501", "male")]["attendance_rate"], rows[("T501", "male")]["attendance_n"]) == ("25.0", "2")
    assert (rows[("T502", "female")]["attended"], rows[("T502", "unspecified")]["invited"]) == ("1", "1")
    assert rows[("T503", "female")]["attended"] == "1" and rows[("T503", "female")]["attendance_rate"] == ""
    assert rows[("T501", "female")]["satisfaction"] == "4.20"
    # The dashboard shows the same figures, with the definition of "trained".
    page = c.get("/reports?org=05&%s&lang=en" % Q1).text  # Latin digits (a Khmer page has Khmer digits)
    for sex, want in EXPECT.items():
        m = re.search(r'data-f2f="trained" data-sex="%s">(\d+)<' % sex, page)
        assert m and int(m.group(1)) == want["trained"], sex
    assert 'data-f2f="attended_share"><span class="v">66.7%</span> <span class="n">n=6</span>' in page
    assert 'data-f2f="attended_parity" data-n="2"><span class="v">2.00</span> <span class="n">n=2</span>' in page
    assert "completed a course online or attended at least one face-to-face session" in page or \
        "បានបញ្ចប់វគ្គសិក្សាតាមអនឡាញ" in page
    # sala report --training: the CSV of the web.
    cli = sala("report", "--org", "05", "--from", "2025-01-01", "--to", "2025-03-31", "--by", "org,sex",
               "--training", "--format", "csv", "--lang", "km", db=srv().db)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.replace("\n", "\r\n").encode("utf-8") == r.body
    # The workbook's face-to-face sheet: the same figures, typed.
    from test_reports_xlsx import workbook  # openpyxl, found as test_reports_xlsx finds it
    wb = workbook(c.get("/reports.xlsx?org=05&lang=en&%s" % Q1).body)
    ws = wb[wb.sheetnames[-1]]
    rows = {r[0]: r[1:] for r in ws.iter_rows(values_only=True) if r[0]}
    trained = [v for k, v in rows.items() if k.startswith("Trained") or k.startswith("បានបណ្តុះបណ្តាល")][0]
    assert list(trained[:5]) == [EXPECT[s]["trained"] for s in ("female", "male", "other", "unspecified", "all")]
    assert abs(trained[5] - 0.545) < 1e-9  # 54.5 %, a fraction with a percent format
    # A manager of Phnom Penh does not see province 05's sessions, nor their CSV.
    m = srv().client()
    m.login("manager")
    mine = m.get("/reports.json?%s" % Q1).json()
    assert mine["training"]["summary"]["by_sex"]["all"]["attended"] == 0
    assert m.get("/reports.csv?part=training&org=05&%s" % Q1).status == 403


def set_minimums(group, parity):
    c = connect(srv().db)
    c.execute("UPDATE settings SET value = ? WHERE key = 'report_min_group'", (str(group),))
    c.execute("UPDATE settings SET value = ? WHERE key = 'report_min_parity_group'", (str(parity),))
    c.commit()
    c.close()


def test_small_groups_withheld_everywhere():
    """Below the minimums (7 people, 3 women and men each), a face-to-face rate, share or parity index is
    withheld and marked the same on the dashboard, in the CSV, the workbook and the JSON, with its n."""
    set_minimums(7, 3)
    try:
        c = admin()
        t = c.get("/reports.json?org=05&%s" % Q1).json()["training"]["summary"]
        # Attendance rate: women (4 invited) withheld, all (8 invited) shown; men's 2 invited withheld.
        f, a = t["by_sex"]["female"], t["by_sex"]["all"]
        assert f["attendance_rate_pct"] is None and f["attendance_n"] == 4
        assert f["withheld"] == {"attendance_rate_pct": "n<7"}
        assert a["attendance_rate_pct"] == 54.5 and a["withheld"] == {}
        # Women's share of attended (6 people) withheld, of trained (11) shown; parity (2 men invited < 3).
        assert t["female_share_pct"] == {"trained": 54.5, "attended": None}
        assert t["attended_parity_index"] is None and t["attended_parity_n"] == 2
        assert t["withheld"] == {"female_share_pct.attended": "n<7", "attended_parity_index": "n<3"}
        # The dashboard: the same marks, flagged, with n; never the values 80.0 or 66.7.
        page = c.get("/reports?org=05&%s&lang=en" % Q1).text
        assert ('data-f2f="attendance_rate" data-sex="female" data-n="4"><span class="v" data-few="1">n&lt;7'
                '</span> <span class="n">n=4</span>') in page
        assert 'data-f2f="attendance_rate" data-sex="all" data-n="8"><span class="v">54.5%</span>' in page
        assert 'data-f2f="attended_share"><span class="v" data-few="1">n&lt;7</span> <span class="n">n=6' in page
        assert 'data-f2f="attended_parity" data-n="2"><span class="v" data-few="1">n&lt;3</span>' in page
        f2f = page[page.index('data-f2f="trained"'):page.index('data-f2f="attended_parity"') + 200]
        assert "80.0%" not in f2f and "66.7%" not in f2f and "2.00" not in f2f
        # The CSV: the mark in place of the rate, n beside it.
        text = c.get("/reports.csv?part=training&org=05&by=sex&%s" % Q1).body[3:].decode("utf-8")
        rows = {x["sex"]: x for x in csv.DictReader(io.StringIO(text, newline=""))}
        assert (rows["female"]["attendance_rate"], rows["female"]["attendance_n"]) == ("n<7", "4")
        text = c.get("/reports.csv?part=training&org=05&by=none&%s" % Q1).body[3:].decode("utf-8")
        rows = {x["sex"]: x for x in csv.DictReader(io.StringIO(text, newline=""))}
        assert (rows["all"]["attendance_rate"], rows["all"]["attendance_n"]) == ("54.5", "8")
        # The workbook: the mark as text where the screen has it, the shown figures as numbers.
        from test_reports_xlsx import workbook
        wb = workbook(c.get("/reports.xlsx?org=05&lang=en&%s" % Q1).body)
        ws = wb[wb.sheetnames[-1]]
        rows = {r[0]: r[1:] for r in ws.iter_rows(values_only=True) if r[0]}
        rate = [v for k, v in rows.items() if k.startswith("Attendance rate")][0]
        assert rate[0] == "n<7" and rate[1] == "n<7" and abs(rate[4] - 0.545) < 1e-9, rate
        attended = [v for k, v in rows.items() if k.startswith("Attended at least")][0]
        assert attended[5] == "n<7", attended
        parity = [v for k, v in rows.items() if k.startswith("Parity index of attendance")][0]
        assert parity[0] == "n<3" and parity[2] == 2, parity
    finally:
        set_minimums(1, 1)


def test_zz_stop():
    if Ctx.srv:
        Ctx.srv.stop()
        Ctx.srv = None
