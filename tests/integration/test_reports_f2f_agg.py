"""Face-to-face figures kept as aggregates (report_f2f, lib/schema_agg.h): over test_reports_training's
hand-counted sessions, each change to a mark, a place on a list, a session day, a session's course, a learner's
unit, sex or account, or an online completion moves the figures as the rows say, and `sala report --verify`
(which now checks every face-to-face aggregate row and compares sampled reports with the rows) finds 0
differences after each; a wrong aggregate row is named and exits 1; `sala report --rebuild` mends it; a
session of a course never published is counted from the rows."""
import re

from harness import connect, sala
from test_reports import DAY, JAN1
from test_reports_training import EXPECT, Q1, population


class Ctx:
    srv = None


def srv():
    if Ctx.srv is None or Ctx.srv.proc is None:
        Ctx.srv = population()
    return Ctx.srv


def verify(*args):
    """`sala report --verify`: every aggregate row and a sample of reports; fails on any difference."""
    r = sala("report", "--verify", *args, db=srv().db)
    m = re.search(r"verified (\d+) reports?: (\d+) difference", r.stdout)
    assert r.returncode == 0 and m and m.group(2) == "0", (r.returncode, r.stdout[-3000:], r.stderr)
    return r.stdout


def run_sql(*statements):
    c = connect(srv().db)
    try:
        for sql, params in statements:
            c.execute(sql, params)
        c.commit()
    finally:
        c.close()


def one(sql, *params):
    c = connect(srv().db)
    try:
        return c.execute(sql, params).fetchone()[0]
    finally:
        c.close()


def f2f(query=Q1, org="05"):
    """The face-to-face summary by sex of org's report (the aggregates for a whole quarter)."""
    c = srv().client()
    c.login("admin")
    return c.get("/reports.json?org=%s&%s" % (org, query)).json()["training"]["summary"]["by_sex"]


def figs(t, sex, *names):
    return tuple(t[sex][n] for n in names)


def ws(code):
    return one("SELECT id FROM workshops WHERE code = ?", code)


def uid(name):
    return one("SELECT id FROM users WHERE username = ?", name)


def test_a_hand_counted_figures_from_the_aggregates():
    # The aggregates hold every key the rows give: Q1 is read from report_f2f, and equals the hand count.
    assert one("SELECT count(*) FROM report_f2f WHERE pkey = 'Q2025-1' AND course_id = '*'") > 0
    t = f2f()
    for sex, want in EXPECT.items():
        assert figs(t, sex, "trained", "attended", "invited", "marked", "present") == (
            want["trained"], want["attended"], want["invited"], want["marked"], want["present"]), sex
        assert t[sex]["training_hours"] == want["hours"], sex
    out = verify()
    assert re.search(r"checked \d+ aggregate rows", out), out
    verify("--org", "05", "--period", "2025-Q1")


def test_b_marks_places_days_and_courses():
    # a3 (male, invited to W1, absent both days) is marked present on day 1: attended and trained grow by one.
    before = f2f()
    run_sql(("UPDATE attendance SET status = 'present' WHERE workshop_id = ? AND user_id = ? AND day = 1",
             (ws("W1"), uid("a3"))))
    t = f2f()
    assert figs(t, "male", "attended", "trained", "present") == (
        figs(before, "male", "attended", "trained", "present")[0] + 1,
        figs(before, "male", "attended", "trained", "present")[1] + 1,
        figs(before, "male", "attended", "trained", "present")[2] + 1)
    verify("--org", "05", "--period", "2025-Q1")
    # t1 (female) cancels her place on W1: no longer invited, her two marks no longer count as a place's.
    run_sql(("UPDATE workshop_people SET status = 'cancelled' WHERE workshop_id = ? AND user_id = ?",
             (ws("W1"), uid("t1"))))
    t2 = f2f()
    assert t2["female"]["invited"] == t["female"]["invited"] - 1
    assert t2["female"]["marked"] == t["female"]["marked"] - 2
    assert t2["female"]["attended"] == t["female"]["attended"]  # she came
    verify("--org", "05", "--period", "2025-Q1")
    # W3 (rt-b, April) is moved into February: a3's place and attendance move into Q1 (he attended W1 too now).
    q2 = f2f("period=2025-Q2")["all"]["attended"]
    run_sql(("UPDATE workshop_days SET starts_at = ?, ends_at = ? WHERE workshop_id = ?",
             (JAN1 + 40 * DAY, JAN1 + 40 * DAY + 7200, ws("W3"))))
    assert f2f("period=2025-Q2")["all"]["attended"] == q2 - 1
    t3 = f2f()
    assert t3["male"]["attended"] == t2["male"]["attended"]  # a3, once, however many sessions
    assert t3["all"]["training_hours"] == t2["all"]["training_hours"] + 2.0
    verify("--org", "05", "--period", "2025-Q1")
    # W1 changes course (rt-a to rt-b): rt-a loses its attendees, rt-b gains them; all courses unchanged.
    a = f2f("course=rt-a&" + Q1)["all"]["attended"]
    run_sql(("UPDATE workshops SET course_id = 'rt-b' WHERE id = ?", (ws("W1"),)))
    assert f2f("course=rt-a&" + Q1)["all"]["attended"] == 0 and a > 0
    assert f2f("course=rt-b&" + Q1)["all"]["attended"] >= a
    assert f2f()["all"]["attended"] == t3["all"]["attended"]
    verify()


def test_c_learners_move_change_and_leave():
    t = f2f()
    # a4 (other) becomes female; a1 moves from T50101 to T503 (still in 05); a6 (female) leaves.
    run_sql(("UPDATE users SET sex = 'female' WHERE username = 'a4'", ()),
            ("UPDATE users SET org_id = (SELECT id FROM org_units WHERE code = 'T503') WHERE username = 'a1'", ()))
    t2 = f2f()
    assert t2["other"]["attended"] == t["other"]["attended"] - 1
    assert t2["female"]["attended"] == t["female"]["attended"] + 1
    assert t2["all"]["attended"] == t["all"]["attended"]
    verify("--org", "05", "--period", "2025-Q1")
    run_sql(("DELETE FROM users WHERE username = 'a6'", ()))
    t3 = f2f()
    assert t3["female"]["attended"] == t2["female"]["attended"] - 1
    assert t3["female"]["invited"] == t2["female"]["invited"] - 1
    verify()


def test_d_online_completion_is_not_counted_twice():
    # a2 (female, attended W2 in Q1, no enrolment) completes rt-a online in Q1: trained is unchanged (once).
    t = f2f()
    run_sql(("INSERT INTO enrolments(user_id, course_id, source, enrolled_at, started_at, completed_at, best_final) "
             "VALUES (?, 'rt-a', 'self', ?, ?, ?, 0.9)", (uid("a2"), JAN1 + 5 * DAY, JAN1 + 5 * DAY, JAN1 + 20 * DAY)))
    t2 = f2f()
    assert t2["female"]["trained"] == t["female"]["trained"], (t, t2)
    assert t2["female"]["attended"] == t["female"]["attended"]
    # ... and when the completion is taken back (the enrolment deleted), she is still trained (attended).
    run_sql(("DELETE FROM enrolments WHERE user_id = ? AND course_id = 'rt-a'", (uid("a2"),)))
    assert f2f()["female"]["trained"] == t["female"]["trained"]
    verify()


def test_e_rolled_back_and_deleted_sessions():
    t = f2f()
    c = connect(srv().db)
    try:
        total = "SELECT sum(attended) FROM report_f2f WHERE pkey = 'A' AND course_id = '*'"
        before = c.execute(total).fetchone()[0]
        c.execute("BEGIN")
        c.execute("UPDATE attendance SET status = 'present' WHERE workshop_id = ? AND user_id = ? AND day = 1",
                  (ws("W2"), uid("a5")))
        assert c.execute(total).fetchone()[0] == before + 1  # seen inside the transaction
        c.execute("ROLLBACK")
    finally:
        c.close()
    assert f2f() == t
    # W2 (no course, T502) is deleted with its list and marks.
    run_sql(("DELETE FROM workshops WHERE code = 'W2'", ()))
    t2 = f2f()
    assert (t2["all"]["attended"], t2["all"]["invited"]) == (t["all"]["attended"] - 2, t["all"]["invited"] - 3), (t, t2)
    verify()


def test_f_a_wrong_row_is_named_and_rebuilt():
    run_sql(("UPDATE report_f2f SET attended = attended + 5 WHERE pkey = 'Q2025-1' AND course_id = '*' "
             "AND org_id = (SELECT org_id FROM report_f2f WHERE pkey = 'Q2025-1' AND course_id = '*' "
             "AND attended > 0 ORDER BY org_id, sex LIMIT 1) AND sex = (SELECT sex FROM report_f2f "
             "WHERE pkey = 'Q2025-1' AND course_id = '*' AND attended > 0 ORDER BY org_id, sex LIMIT 1)", ()))
    r = sala("report", "--verify", db=srv().db)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert re.search(r"face-to-face row Q2025-1, org \S+, course \(all\), sex \w+, language \w+: attended is \d+ "
                     r"in the aggregates, \d+ in the rows", r.stdout), r.stdout
    # The sampled report of that quarter shows it too (aggregates against the rows).
    assert "attended is" in r.stdout and re.search(r"[1-9]\d* differences?", r.stdout)
    r = sala("report", "--rebuild", db=srv().db)
    assert r.returncode == 0, r.stderr
    verify()


def test_g_session_of_an_unpublished_course_is_counted_from_the_rows():
    # A session of a course whose only version is a draft: no report counts it (as before), aggregates or not.
    t = f2f()
    run_sql(("INSERT INTO courses(id, created_at) VALUES ('draft-x', 0)", ()))
    run_sql(("INSERT INTO packages(course_id, language, version, version_num, title, imported_at) "
             "VALUES ('draft-x', 'en', '1.0.0', 10000, 'Draft', 0)", ()))
    run_sql(("UPDATE workshops SET course_id = 'draft-x' WHERE code = 'W1'", ()))
    assert one("SELECT count(*) FROM report_f2f WHERE course_id = 'draft-x' AND attended > 0") > 0
    t2 = f2f()
    assert t2["all"]["attended"] < t["all"]["attended"]
    verify("--org", "05", "--period", "2025-Q1")


def test_zz_stop():
    if Ctx.srv:
        Ctx.srv.stop()
