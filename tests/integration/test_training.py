"""Face-to-face sessions through the real server and the CLI: creating sessions (scope, bad input),
registration up to capacity then the waiting list that moves up on a cancel, invites by user and by org
subtree within the inviter's scope, the trainer's attendance marking on the web page and in the JSON API
(all present, changing a mark, who and how recorded, refusals), `sala sessions`, and My learning."""
import re
import shutil
import tempfile
import threading
import time

from harness import connect, fresh_db, sala, Server
from learnutil import one, q

PW = "Correct-horse-9"
# Session days far ahead, so registration is open whatever the clock says.
DAY1, DAY2 = "2031-03-10 08:00-16:00", "2031-03-11 08:00-12:00"


def setup():
    """The demo database plus: a trainer of Siem Reap province (17; the demo learner's commune 171001 is in
    it), a trainer and a learner of Phnom Penh (12), and three more learners in the demo learner's commune."""
    srv = Server()
    for user, name, org, role in [("srtrainer", "Siem Reap Trainer", "17", "trainer;learner"),
                                  ("pptrainer", "Phnom Penh Trainer", "12", "trainer;learner"),
                                  ("pplearner", "Phnom Penh Learner", "12", "learner"),
                                  ("sokha", "Sokha Chan", "171001", "learner"),
                                  ("dara", "Dara Keo", "171001", "learner"),
                                  ("vanna", "Vanna Lim", "171001", "learner")]:
        sala("user", "add", "--username", user, "--name", name, "--org", org, "--role", role, "--password", PW,
             db=srv.db, env=srv.env, check=True)
    return srv


def login(srv, user):
    c = srv.client()
    c.login(user, None if user in ("admin", "trainer", "manager", "learner") else PW)
    assert c.get("/sessions").status == 200  # a page with the session's form token
    return c


def add_session(srv, *extra, capacity=0, title="One-window service workshop"):
    out = sala("sessions", "add", "--title", title, "--org", "17", "--address", "Provincial hall", "--day", DAY1,
               "--day", DAY2, "--capacity", str(capacity), "--trainer", "srtrainer", *extra, db=srv.db, env=srv.env)
    assert out.returncode == 0, out.stderr
    m = re.match(r"added session (\d+) \(code ([2-9A-Z]{6})\)", out.stdout)
    assert m, out.stdout
    return int(m.group(1))


def place(srv, sid, user):
    return one(srv, "SELECT p.status FROM workshop_people p JOIN users u ON u.id = p.user_id "
               "WHERE p.workshop_id = ? AND u.username = ?", sid, user)


def marks(srv, sid, day):
    """{username: (status, method, marked_by username or None)} of a day."""
    rows = q(srv, "SELECT u.username, a.status, a.method, m.username FROM attendance a "
             "JOIN users u ON u.id = a.user_id LEFT JOIN users m ON m.id = a.marked_by "
             "WHERE a.workshop_id = ? AND a.day = ?", sid, day)
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def uid(srv, user):
    return one(srv, "SELECT id FROM users WHERE username = ?", user)


def new_form(**over):
    f = {"title": "Digital filing", "course": "", "org": "17", "address": "Hall B", "date1": "2031-04-01",
         "start1": "08:00", "end1": "16:00", "date2": "2031-04-02", "start2": "08:00", "end2": "11:30",
         "trainers": "srtrainer", "capacity": "20", "language": "km", "invite": "", "invite_org": ""}
    f.update(over)
    return f


def test_create_session_scope_and_bad_input():
    with setup() as srv:
        c = login(srv, "srtrainer")
        assert c.get("/sessions/new?lang=en").status == 200
        r = c.post("/sessions/new", new_form(invite="sokha\ndara"))
        assert r.status == 303, (r.status, r.text[:500])
        sid = int(re.match(r"^/sessions/(\d+)\?done=created$", r.header("Location")).group(1))
        assert one(srv, "SELECT title FROM workshops WHERE id = ?", sid) == "Digital filing"
        assert one(srv, "SELECT created_by FROM workshops WHERE id = ?", sid) == uid(srv, "srtrainer")
        assert one(srv, "SELECT capacity FROM workshops WHERE id = ?", sid) == 20
        # Cambodia's time: 08:00 on 2031-04-01 at UTC+7 is 01:00 UTC.
        assert one(srv, "SELECT starts_at FROM workshop_days WHERE workshop_id = ? AND day = 1", sid) == 1932771600
        assert one(srv, "SELECT count(*) FROM workshop_days WHERE workshop_id = ?", sid) == 2
        assert place(srv, sid, "sokha") == "registered" and place(srv, sid, "dara") == "registered"
        page = c.get("/sessions/%d?lang=en&done=created" % sid).text
        assert "The session is created." in page and "Hall B" in page and "2 April 2031, 08:00" in page
        before = one(srv, "SELECT count(*) FROM workshops")
        # Outside the trainer's province, bad days, no title, an unknown trainer, an invite out of scope:
        # each refused with its message and nothing added.
        for fields, words in [({"org": "12"}, "Outside the units you manage"),
                              ({"end1": "07:00"}, "The end must be after the start."),
                              ({"date1": "2031-02-30"}, "Give a date."),
                              ({"start1": "8h"}, "Give a time (HH:MM)."),
                              ({"date2": "2031-03-31"}, "Each day must start after the day before it ends."),
                              ({"title": ""}, "Give the session a title."),
                              ({"capacity": "-3"}, "whole number"),
                              ({"trainers": "nobody-here"}, "No such user: nobody-here"),
                              ({"invite": "pplearner"}, "No such user in the units you manage: pplearner"),
                              ({"invite_org": "12"}, "No such org unit in the units you manage: 12")]:
            r = c.post("/sessions/new?lang=en", new_form(**fields))
            assert r.status == 422, (fields, r.status)
            assert words in r.text, (fields, r.text[:3000])
        assert one(srv, "SELECT count(*) FROM workshops") == before
        assert place(srv, sid, "pplearner") is None
        # In Khmer too.
        r = c.post("/sessions/new?lang=km", new_form(title=""))
        assert r.status == 422 and "សូមដាក់ចំណងជើងឱ្យវគ្គ។" in r.text
        # A learner may not create; a form without its CSRF token changes nothing.
        lc = login(srv, "learner")
        assert lc.get("/sessions/new").status == 403
        assert lc.post("/sessions/new", new_form()).status == 403
        assert c.post("/sessions/new", new_form(), csrf=False).status == 403
        assert one(srv, "SELECT count(*) FROM workshops") == before
        # An administrator may create anywhere; a manager within the province.
        ac = login(srv, "admin")
        assert ac.post("/sessions/new", new_form(org="12", trainers="pptrainer")).status == 303
        mc = login(srv, "manager")
        r = mc.post("/sessions/new", new_form(trainers="", title="Filing <script>alert(1)</script> & more",
                                              address='Hall "B" <i>'))
        assert r.status == 303
        page = mc.get(r.header("Location")).text
        assert "<script>alert(1)</script>" not in page and "<i>" not in page
        assert "Filing &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
        assert "Filing &lt;script&gt;" in mc.get("/sessions").text
        assert mc.post("/sessions/new?lang=en", new_form(org="12", trainers="")).status == 422
        assert one(srv, "SELECT count(*) FROM workshops") == before + 2


def test_registration_capacity_and_waiting_list():
    with setup() as srv:
        sid = add_session(srv, capacity=2)
        people = {u: login(srv, u) for u in ("learner", "sokha", "dara")}
        # Listed as open in the learner's area, with a Register button.
        page = people["learner"].get("/sessions?lang=en").text
        assert 'data-session="%d"' % sid in page and "Open for registration" in page
        assert people["learner"].get("/sessions/%d?lang=en" % sid).text.count(">Register</button>") == 1
        r = people["learner"].post("/sessions/%d/register" % sid)
        assert r.status == 303 and r.header("Location").endswith("?done=registered")
        assert people["sokha"].post("/sessions/%d/register" % sid).status == 303
        page = people["dara"].get("/sessions/%d?lang=en" % sid).text
        assert "Join the waiting list" in page
        r = people["dara"].post("/sessions/%d/register" % sid)
        assert r.header("Location").endswith("?done=waitlisted")
        assert [place(srv, sid, u) for u in ("learner", "sokha", "dara")] == ["registered", "registered",
                                                                             "waitlisted"]
        # My learning shows the upcoming session with its date, time and place.
        my = people["learner"].get("/my?lang=en").text
        assert "Face-to-face sessions" in my and "One-window service workshop" in my
        assert "10 March 2031, 08:00" in my and "Provincial hall" in my
        # The learner cancels: Dara moves up from the waiting list.
        r = people["learner"].post("/sessions/%d/leave" % sid)
        assert r.status == 303 and r.header("Location").endswith("?done=left")
        assert place(srv, sid, "learner") == "cancelled" and place(srv, sid, "dara") == "registered"
        # Cancelling again: nothing to cancel.
        assert people["learner"].post("/sessions/%d/leave?lang=en" % sid).status == 409
        # A learner of another province neither sees nor registers.
        pc = login(srv, "pplearner")
        assert 'data-session="%d"' % sid not in pc.get("/sessions").text
        assert pc.get("/sessions/%d" % sid).status == 404
        assert pc.post("/sessions/%d/register" % sid).status == 404
        assert place(srv, sid, "pplearner") is None
        # A cancelled session takes no registration.
        sala("sessions", "cancel", str(sid), db=srv.db, env=srv.env, check=True)
        assert people["learner"].post("/sessions/%d/register" % sid).status == 409
        assert place(srv, sid, "learner") == "cancelled"


def test_concurrent_registrations_keep_capacity():
    """Eight learners register for the last three places at once: exactly three get one."""
    with setup() as srv:
        sid = add_session(srv, capacity=3)
        names = ["race%d" % i for i in range(8)]
        for n in names:
            sala("user", "add", "--username", n, "--name", n, "--org", "171001", "--password", PW, db=srv.db,
                 env=srv.env, check=True)
        clients = []
        for n in names:
            c = srv.client()
            r = c.request("POST", "/api/v1/login", body='{"username": "%s", "password": "%s"}' % (n, PW),
                          headers={"Content-Type": "application/json"})
            c.api_csrf = r.json()["csrf"]
            clients.append(c)
        got = [None] * len(clients)
        start = threading.Barrier(len(clients))

        def go(i):
            start.wait()
            got[i] = clients[i].api("POST", "/api/v1/sessions/%d/register" % sid)
        threads = [threading.Thread(target=go, args=(i,)) for i in range(len(clients))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(r.status == 200 for r in got), [(r.status, r.text) for r in got]
        assert sorted(r.json()["status"] for r in got) == ["registered"] * 3 + ["waitlisted"] * 5
        assert one(srv, "SELECT count(*) FROM workshop_people WHERE workshop_id = ? AND status = 'registered'",
                   sid) == 3


def test_invites_by_user_and_org_subtree():
    with setup() as srv:
        sid = add_session(srv, capacity=3)
        c = login(srv, "srtrainer")
        # Users: one in scope, one outside it (refused, as an unknown one would be).
        r = c.post("/sessions/%d/invite?lang=en" % sid, {"invite": "learner pplearner ghost", "invite_org": ""})
        assert r.status == 200
        assert "No such user in the units you manage: pplearner" in r.text
        assert "No such user in the units you manage: ghost" in r.text
        assert place(srv, sid, "learner") == "registered" and place(srv, sid, "pplearner") is None
        assert one(srv, "SELECT invited FROM workshop_people WHERE workshop_id = ? AND user_id = ?", sid,
                   uid(srv, "learner")) == 1
        # An org subtree outside the scope: refused, nobody added.
        r = c.post("/sessions/%d/invite?lang=en" % sid, {"invite": "", "invite_org": "12"})
        assert r.status == 422 and "No such org unit in the units you manage: 12" in r.text
        assert one(srv, "SELECT count(*) FROM workshop_people WHERE workshop_id = ?", sid) == 1
        # The commune: every active account in it, places then the waiting list.
        commune = one(srv, "SELECT count(*) FROM users u JOIN org_units o ON o.id = u.org_id "
                      "WHERE o.code = '171001' AND u.active = 1")
        assert commune >= 4
        r = c.post("/sessions/%d/invite" % sid, {"invite": "", "invite_org": "171001"})
        assert r.status == 303 and r.header("Location").endswith("?done=invited")
        assert one(srv, "SELECT count(*) FROM workshop_people WHERE workshop_id = ? AND status = 'registered'",
                   sid) == 3
        assert one(srv, "SELECT count(*) FROM workshop_people WHERE workshop_id = ?", sid) == commune
        # The session page lists the people with their row codes.
        page = c.get("/sessions/%d?lang=en" % sid).text
        codes = q(srv, "SELECT row_code FROM workshop_people WHERE workshop_id = ?", sid)
        assert all(code[0] in page for code in codes)
        assert 'data-people="waitlisted"' in page
        # Another province's trainer cannot invite (the session is not theirs to see).
        pc = login(srv, "pptrainer")
        assert pc.post("/sessions/%d/invite" % sid, {"invite": "pplearner"}).status == 404
        assert place(srv, sid, "pplearner") is None
        # Cancelling the session: a second step, then the session is cancelled and says so; nobody else may.
        assert pc.post("/sessions/%d/cancel" % sid, {"confirm": "1"}).status == 404
        r = c.post("/sessions/%d/cancel?lang=en" % sid)
        assert r.status == 200 and "Yes, cancel the session" in r.text
        assert one(srv, "SELECT cancelled_at FROM workshops WHERE id = ?", sid) is None
        r = c.post("/sessions/%d/cancel" % sid, {"confirm": "1"})
        assert r.status == 303 and r.header("Location") == "/sessions?done=cancelled"
        assert one(srv, "SELECT cancelled_at FROM workshops WHERE id = ?", sid) is not None
        assert "This session is cancelled." in c.get("/sessions/%d?lang=en" % sid).text
        assert c.post("/sessions/%d/invite?lang=en" % sid, {"invite": "dara"}).status == 409
        assert place(srv, sid, "dara") is not None  # invited with the commune before, still listed


def test_trainer_marks_attendance():
    with setup() as srv:
        sid = add_session(srv, "--invite", "learner", "--invite", "sokha", "--invite", "dara", capacity=2)
        assert place(srv, sid, "dara") == "waitlisted"
        c = login(srv, "srtrainer")
        page = c.get("/sessions/%d/days/1?lang=en" % sid).text
        assert 'data-user="learner"' in page and 'data-user="sokha"' in page
        assert 'data-user="dara"' not in page  # waitlisted: no place, no mark
        assert 'data-present="0" data-shown="2"' in page
        # All present marks everyone not yet marked.
        r = c.post("/sessions/%d/days/1" % sid, {"all": "present"})
        assert r.status == 303 and r.header("Location").endswith("?done=saved")
        assert marks(srv, sid, 1) == {"learner": ("present", "trainer", "srtrainer"),
                                      "sokha": ("present", "trainer", "srtrainer")}
        first = one(srv, "SELECT marked_at FROM attendance WHERE workshop_id = ? AND user_id = ?", sid,
                    uid(srv, "learner"))
        # Changing one mark (the manager of the province this time) leaves the other as it was.
        mc = login(srv, "manager")
        mc.get("/sessions/%d/days/1" % sid)
        r = mc.post("/sessions/%d/days/1" % sid, {"m%d" % uid(srv, "sokha"): "absent",
                                                   "m%d" % uid(srv, "learner"): "present"})
        assert r.status == 303
        assert marks(srv, sid, 1) == {"learner": ("present", "trainer", "srtrainer"),
                                      "sokha": ("absent", "trainer", "manager")}
        assert one(srv, "SELECT marked_at FROM attendance WHERE workshop_id = ? AND user_id = ?", sid,
                   uid(srv, "learner")) == first
        page = c.get("/sessions/%d/days/1?lang=en" % sid).text
        assert 'data-user="sokha" data-mark="absent"' in page and "by the trainer, manager" in page
        # The search finds by name, server-side; the day's other people are not in the form.
        page = c.get("/sessions/%d/days/1?lang=en&q=CHAN" % sid).text
        assert 'data-user="sokha"' in page and 'data-user="learner"' not in page
        # An unknown mark, a day that does not exist: refused, nothing changed.
        r = c.post("/sessions/%d/days/1?lang=en" % sid, {"m%d" % uid(srv, "sokha"): "late"})
        assert r.status == 400
        assert c.get("/sessions/%d/days/3" % sid).status == 404
        assert c.post("/sessions/%d/days/3" % sid, {"all": "present"}).status == 404
        assert marks(srv, sid, 3) == {}
        # A waitlisted person's field is ignored by the page (only registered people are marked).
        c.post("/sessions/%d/days/2" % sid, {"m%d" % uid(srv, "dara"): "present"})
        assert marks(srv, sid, 2) == {}
        # Another province's trainer, the demo trainer (Ministry) and a learner: not theirs.
        for user in ("pptrainer", "trainer", "sokha"):
            o = login(srv, user)
            assert o.get("/sessions/%d/days/1" % sid).status in (403, 404), user
            assert o.post("/sessions/%d/days/1" % sid, {"all": "present"}).status in (403, 404), user
        assert login(srv, "pptrainer").get("/sessions/%d" % sid).status == 404
        assert marks(srv, sid, 1)["sokha"] == ("absent", "trainer", "manager")
        # In Khmer, on the page.
        assert "វត្តមានទាំងអស់" in c.get("/sessions/%d/days/1?lang=km" % sid).text


def test_attendance_api():
    with setup() as srv:
        sid = add_session(srv, "--invite", "learner", "--invite", "sokha", "--invite", "dara", capacity=2)
        c = srv.client()
        r = c.request("POST", "/api/v1/login", body='{"username": "srtrainer", "password": "%s"}' % PW,
                      headers={"Content-Type": "application/json"})
        c.api_csrf = r.json()["csrf"]
        day = c.api("GET", "/api/v1/sessions/%d/days/1/attendance" % sid).json()
        assert [p["username"] for p in day["people"]] == ["learner", "sokha"] or \
            sorted(p["username"] for p in day["people"]) == ["learner", "sokha"]
        assert all(p["mark"] is None for p in day["people"])
        r = c.api("POST", "/api/v1/sessions/%d/days/1/attendance" % sid, {"all_present": True})
        assert r.status == 200, r.text
        assert {p["username"]: p["mark"]["status"] for p in r.json()["people"]} == {"learner": "present",
                                                                                     "sokha": "present"}
        r = c.api("POST", "/api/v1/sessions/%d/days/1/attendance" % sid, {"excused": ["sokha"]})
        got = {p["username"]: p["mark"] for p in r.json()["people"]}
        assert got["sokha"]["status"] == "excused" and got["sokha"]["method"] == "trainer"
        assert got["sokha"]["marked_by"] == "srtrainer"
        # All or nothing: a waitlisted person in the list refuses the whole request.
        r = c.api("POST", "/api/v1/sessions/%d/days/1/attendance" % sid, {"absent": ["learner", "dara"]})
        assert r.status == 400 and r.json()["error"] == "'dara' is not registered for this session"
        assert marks(srv, sid, 1)["learner"][0] == "present"
        assert c.api("POST", "/api/v1/sessions/%d/days/9/attendance" % sid, {"all_present": True}).status == 404
        assert c.api("POST", "/api/v1/sessions/%d/days/1/attendance" % sid, {"present": "learner"}).status == 400
        # Another province's trainer: not visible.
        o = srv.client()
        r = o.request("POST", "/api/v1/login", body='{"username": "pptrainer", "password": "%s"}' % PW,
                      headers={"Content-Type": "application/json"})
        o.api_csrf = r.json()["csrf"]
        assert o.api("GET", "/api/v1/sessions/%d/days/1/attendance" % sid).status == 404
        assert o.api("POST", "/api/v1/sessions/%d/days/1/attendance" % sid, {"all_present": True}).status == 404
        # A learner: their sessions, registration and cancel.
        lc = srv.client()
        r = lc.request("POST", "/api/v1/login", body='{"username": "vanna", "password": "%s"}' % PW,
                       headers={"Content-Type": "application/json"})
        lc.api_csrf = r.json()["csrf"]
        mine = lc.api("GET", "/api/v1/sessions").json()
        assert mine["sessions"] == [] and [s["id"] for s in mine["open"]] == [sid]
        s = mine["open"][0]
        assert s["days"][0]["local"] == DAY1 and s["address"] == "Provincial hall" and s["status"] is None
        assert s["capacity"] == 2 and s["registered"] == 2 and s["waitlisted"] == 1
        assert lc.api("GET", "/api/v1/sessions/%d/days/1/attendance" % sid).status == 403
        r = lc.api("POST", "/api/v1/sessions/%d/register" % sid)
        assert r.status == 200 and r.json() == {"status": "waitlisted"}
        mine = lc.api("GET", "/api/v1/sessions").json()
        assert [s["status"] for s in mine["sessions"]] == ["waitlisted"] and mine["open"] == []
        assert lc.api("POST", "/api/v1/sessions/%d/unregister" % sid).json() == {"status": "cancelled"}
        assert lc.api("POST", "/api/v1/sessions/%d/unregister" % sid).status == 409
        assert place(srv, sid, "vanna") == "cancelled"
        # Without the CSRF header a cookie session changes nothing.
        lc.api_csrf = None
        assert lc.api("POST", "/api/v1/sessions/%d/register" % sid).status == 403
        assert place(srv, sid, "vanna") == "cancelled"


def test_sessions_cli():
    with setup() as srv:
        def run(*args):
            return sala("sessions", *args, db=srv.db, env=srv.env)
        for args, words in [(("add", "--org", "17", "--day", DAY1), "--title is required"),
                            (("add", "--title", "T", "--day", DAY1), "--org is required"),
                            (("add", "--title", "T", "--org", "17"), "give at least one --day"),
                            (("add", "--title", "T", "--org", "99", "--day", DAY1), "--org: no org unit '99'"),
                            (("add", "--title", "T", "--org", "17", "--day", "2031-03-10 16:00-08:00"),
                             "the end 08:00 is not after the start 16:00"),
                            (("add", "--title", "T", "--org", "17", "--day", "tomorrow"),
                             "'tomorrow' is not a day (YYYY-MM-DD HH:MM-HH:MM)"),
                            (("add", "--title", "T", "--org", "17", "--day", DAY2, "--day", DAY1),
                             "day 2 starts before day 1 ends"),
                            (("add", "--title", "T", "--org", "17", "--day", DAY1, "--language", "fr"),
                             "unknown language 'fr' (km or en)"),
                            (("add", "--title", "T", "--org", "17", "--day", DAY1, "--course", "nope"),
                             "no course 'nope'"),
                            (("add", "--title", "T", "--org", "17", "--day", DAY1, "--trainer", "ghost"),
                             "--trainer: no user 'ghost'"),
                            (("add", "--title", "T", "--org", "17", "--day", DAY1, "--capacity", "x"),
                             "--capacity"),
                            (("show", "999"), "no session 999"),
                            (("cancel", "999"), "no session 999")]:
            out = run(*args)
            assert out.returncode != 0 and words in out.stderr, (args, out.stderr)
        assert one(srv, "SELECT count(*) FROM workshops") == 0
        out = run("add", "--title", "Kandal filing", "--org", "17", "--day", DAY1, "--capacity", "2",
                  "--invite", "sokha", "--invite-org", "171001", "--course", "one-window-services",
                  "--language", "en")
        assert out.returncode == 0, out.stderr
        commune = one(srv, "SELECT count(*) FROM users u JOIN org_units o ON o.id = u.org_id "
                      "WHERE o.code = '171001' AND u.active = 1")
        assert "2 registered, %d on the waiting list" % (commune - 2) in out.stdout
        sid = int(re.search(r"added session (\d+)", out.stdout).group(1))
        assert place(srv, sid, "sokha") == "registered"
        listing = run("list").stdout
        assert re.search(r"^%d\t[2-9A-Z]{6}\t2031-03-10 08:00-16:00\t1 day\t2/2\+\tKandal filing$" % sid, listing,
                         re.M), listing
        shown = run("show", str(sid)).stdout
        assert "course: one-window-services" in shown and "day 1: 2031-03-10 08:00-16:00 (UTC+7)" in shown
        assert re.search(r"^  [2-9A-Z]{4}\tsokha\tregistered \(invited\)\t-\tSokha Chan$", shown, re.M), shown
        out = run("cancel", str(sid))
        assert out.returncode == 0 and "cancelled session %d" % sid in out.stdout
        assert one(srv, "SELECT cancelled_at FROM workshops WHERE id = ?", sid) is not None
        assert "Kandal filing" not in run("list").stdout
        assert "(cancelled)" in run("list", "--all").stdout


def test_demo_sessions():
    """`sala demo --learners` adds past sessions with attendance and upcoming ones with registrations, all
    marked as demo data; the demo learner sees an upcoming one on My learning."""
    tmp = tempfile.mkdtemp(prefix="sala-demo-sessions-")
    try:
        db = fresh_db(tmp, "demo.db")
        out = sala("demo", "--init", "--learners", "400", db=db, check=True).stdout
        made = int(re.search(r"added (\d+) face-to-face sessions with (\d+) attendance marks", out).group(1))
        con = connect(db)
        now = int(time.time())

        def one_value(sql, *args):
            return con.execute(sql, args).fetchone()[0]
        assert made >= 25 and one_value("SELECT count(*) FROM workshops") == made
        assert one_value("SELECT count(*) FROM workshops WHERE is_demo = 0") == 0
        past = one_value("SELECT count(DISTINCT workshop_id) FROM workshop_days WHERE ends_at < ?", now)
        assert past >= made // 2, (past, made)
        # Every registered person of a past session has a mark for every day; nobody else has one.
        assert one_value("SELECT count(*) FROM attendance a JOIN workshop_people p ON p.workshop_id = a.workshop_id "
                         "AND p.user_id = a.user_id WHERE p.status <> 'registered'") == 0
        assert one_value("SELECT count(*) FROM attendance") == one_value(
            "SELECT count(*) FROM workshop_people p JOIN workshop_days d ON d.workshop_id = p.workshop_id "
            "WHERE p.status = 'registered' AND d.ends_at < ?", now)
        assert {r[0] for r in con.execute("SELECT DISTINCT method FROM attendance")} == {"trainer", "sheet", "qr"}
        assert one_value("SELECT count(*) FROM attendance WHERE status = 'present'") > \
            one_value("SELECT count(*) FROM attendance") // 2
        assert one_value("SELECT count(*) FROM workshop_people p JOIN workshop_days d ON d.workshop_id = "
                         "p.workshop_id AND d.day = 1 WHERE d.starts_at > ?", now) > 0
        # Reaction surveys: a share of the people present at a past session answered it, once each,
        # anonymously (survey_done knows who, survey_responses does not), after its last day.
        answers = int(re.search(r"and (\d+) survey answers", out).group(1))
        present = one_value("SELECT count(*) FROM (SELECT DISTINCT workshop_id, user_id FROM attendance "
                            "WHERE status = 'present') x")
        assert one_value("SELECT count(*) FROM survey_responses") == answers
        assert one_value("SELECT count(*) FROM survey_done") == answers
        assert present * 0.4 < answers < present * 0.9, (answers, present)
        assert one_value("SELECT count(*) FROM survey_done d WHERE NOT EXISTS (SELECT 1 FROM attendance a WHERE "
                         "'workshop:' || a.workshop_id = d.subject AND a.user_id = d.user_id "
                         "AND a.status = 'present')") == 0
        assert one_value("SELECT count(*) FROM survey_responses r WHERE r.submitted_at < (SELECT max(d.ends_at) "
                         "FROM workshop_days d WHERE 'workshop:' || d.workshop_id = r.subject) - 86400") == 0
        scores = [r[0] for r in con.execute("SELECT score FROM survey_responses WHERE score IS NOT NULL")]
        con.close()
        # The aggregates still match the raw rows.
        verify = sala("report", "--verify", db=db)
        assert verify.returncode == 0 and "0 differences" in verify.stdout, verify.stdout + verify.stderr
        with Server(demo=False, db=db) as srv:
            c = srv.client()
            c.login("admin")
            # On first start (the current quarter) the national unit shows a satisfaction figure ...
            page = c.get("/reports?lang=en").text
            pat = r'data-f2f="satisfaction" data-sex="all">(\d\.\d\d) \(n=(\d+)\)<'
            m = re.search(pat, page)
            assert m and 1 <= float(m.group(1)) <= 5 and int(m.group(2)) >= 5, page[-4000:]
            # ... and over every answer, the mean of all their scores.
            until = time.strftime("%Y-%m-%d", time.gmtime(now + 86400))
            m = re.search(pat, c.get("/reports?lang=en&from=2020-01-01&to=%s" % until).text)
            assert m and int(m.group(2)) == len(scores), (m and m.groups(), len(scores))
            assert abs(float(m.group(1)) - sum(scores) / len(scores)) < 0.006, (m.groups(), sum(scores) / len(scores))
        with Server(demo=False, db=db) as srv:
            c = srv.client()
            c.login("learner")
            my = c.get("/my?lang=en").text
            assert "Face-to-face sessions" in my and 'data-place="registered"' in my, my[-3000:]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
