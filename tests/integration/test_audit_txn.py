"""The audit trail is written in the transaction of the change it records (lib/audit.h audit_write(),
req_audit_commit() in server/http.c, cli_audit_commit() in cli/main.c): a change whose audit entry cannot be
stored is not made (here a trigger on audit_log stands for a full disk, failing after the change's own
statements and before the commit), and every audited kind of change (user, setting, certificate, course
version, session, attendance) leaves its entry with the actor, the address, the target and the time."""
import os
import pwd
import re
import shutil
import tempfile
import time

from harness import Server, connect, is_pg, sala
from learnutil import one, q
from test_certs import COURSE, issue, setup_course
from test_checkin import add_session, code_of, learner_client, minute

CLI = "cli:" + pwd.getpwuid(os.geteuid()).pw_name


def refuse_audit(srv):
    """From now on every audit entry fails to be stored, inside the transaction that writes it."""
    db = connect(srv.db)
    if is_pg(srv.db):
        db.executescript("CREATE FUNCTION qa_audit_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                         "RAISE EXCEPTION 'the disk is full (test)'; END $$;"
                         "CREATE TRIGGER qa_audit_full BEFORE INSERT ON audit_log FOR EACH ROW "
                         "EXECUTE FUNCTION qa_audit_full()")
    else:
        db.executescript("CREATE TRIGGER qa_audit_full BEFORE INSERT ON audit_log "
                         "BEGIN SELECT RAISE(ABORT, 'the disk is full (test)'); END;")
    db.commit()
    db.close()


def allow_audit(srv):
    db = connect(srv.db)
    if is_pg(srv.db):
        db.executescript("DROP TRIGGER qa_audit_full ON audit_log; DROP FUNCTION qa_audit_full()")
    else:
        db.executescript("DROP TRIGGER qa_audit_full;")
    db.commit()
    db.close()


def admin(srv):
    c = srv.client()
    c.login("admin")
    c.cookies["sala_lang"] = "en"
    c.get("/profile")
    return c


def new_version(tmp, version):
    """A copy of the bundled digital-literacy course as version; returns its folder."""
    course = os.path.join(tmp, "digital-literacy-" + version)
    shutil.copytree(os.path.join(os.path.dirname(__file__), "..", "..", "courses", "library", "digital-literacy"),
                    course)
    yml = os.path.join(course, "course.yml")
    text = open(yml).read()
    open(yml, "w").write(re.sub(r"^version: *\S+", "version: " + version, text, count=1, flags=re.M))
    return course


def active_version(srv, lang):
    return one(srv, "SELECT version FROM packages WHERE course_id = 'digital-literacy' AND language = ? AND active = 1",
               lang)


def entries(srv):
    return q(srv, "SELECT actor, origin, action, target, detail, created_at FROM audit_log ORDER BY id")


def test_a_change_whose_audit_entry_cannot_be_stored_is_not_made():
    with Server() as srv, tempfile.TemporaryDirectory() as tmp:
        setup_course(srv)
        serial, _ = issue(srv)
        now = time.time()
        wid = add_session(srv, "One-window service", [(minute(now - 600), minute(now + 600))], invite=["learner"])
        lang = one(srv, "SELECT language FROM packages WHERE course_id = 'digital-literacy' AND active = 1 LIMIT 1")
        before_version = active_version(srv, lang)
        trainer = learner_client(srv, "trainer")
        code = code_of(trainer, wid, 1)
        learner = learner_client(srv, "learner")
        c = admin(srv)
        learner_id = one(srv, "SELECT id FROM users WHERE username = 'learner'")
        audited = one(srv, "SELECT count(*) FROM audit_log")
        refuse_audit(srv)

        # user: added on the web.
        c.get("/admin/users/new")
        r = c.post("/admin/users/new", {"username": "unsaved", "full_name": "Not Saved", "sex": "female",
                                        "org_code": "KH", "password": "rice-field-2031", "role_learner": "1"})
        assert r.status == 503 and "nothing was changed" in r.text, r.status
        assert one(srv, "SELECT count(*) FROM users WHERE username = 'unsaved'") == 0
        # user: disabled on the web, and on the command line.
        c.get("/admin/users/%d" % learner_id)
        assert c.post("/admin/users/%d/active" % learner_id, {"active": "0"}).status == 503
        p = sala("user", "disable", "learner", db=srv.db, env=srv.env)
        assert p.returncode != 0 and "audit entry" in p.stderr, p.stderr
        assert one(srv, "SELECT active FROM users WHERE id = ?", learner_id) == 1
        # setting: on the web and on the command line.
        c.get("/admin/settings")
        assert c.post("/admin/settings", {"cert_color": "#123456"}).status == 503
        p = sala("settings", "set", "issuer_en", "Provincial Hall", db=srv.db, env=srv.env)
        assert p.returncode != 0 and "audit entry" in p.stderr, p.stderr
        assert one(srv, "SELECT count(*) FROM settings WHERE key IN ('cert_color', 'issuer_en')") == 0
        # certificate: revoked on the web; issued on the command line.
        c.get("/admin/certificates/" + serial)
        assert c.post("/admin/certificates/%s/revoke" % serial, {"reason": "Issued by mistake"}).status == 503
        assert one(srv, "SELECT revoked_at FROM certificates WHERE serial = ?", serial) is None
        setup_course(srv, users=("manager",))
        p = sala("cert", "issue", "--user", "manager", "--course", COURSE, db=srv.db, env=srv.env)
        assert p.returncode != 0 and "audit entry" in p.stderr, p.stderr
        assert one(srv, "SELECT count(*) FROM certificates c JOIN users u ON u.id = c.user_id "
                        "WHERE u.username = 'manager'") == 0
        # course version: imported on the command line; the older version made active on the web.
        p = sala("import", new_version(tmp, "9.0.0"), db=srv.db, env=srv.env)
        assert p.returncode != 0 and "audit entry" in p.stderr, p.stderr
        assert one(srv, "SELECT count(*) FROM packages WHERE course_id = 'digital-literacy' AND version = '9.0.0'") == 0
        c.get("/manage/courses")
        assert one(srv, "SELECT count(*) FROM packages WHERE course_id = 'digital-literacy' AND language = ?",
                   lang) >= 1
        r = c.post("/manage/courses/rollback", {"course": "digital-literacy", "lang": lang, "version": before_version})
        assert r.status == 503 and active_version(srv, lang) == before_version
        # session: cancelled on the web; added on the command line.
        r = c.post("/sessions/%d/cancel" % wid, {"confirm": "1"})
        assert r.status == 503, r.status
        assert one(srv, "SELECT cancelled_at FROM workshops WHERE id = ?", wid) is None
        sessions = one(srv, "SELECT count(*) FROM workshops")
        p = sala("sessions", "add", "--title", "Never held", "--org", "12", "--day", "2027-01-05 08:00-16:00",
                 "--trainer", "trainer", db=srv.db, env=srv.env)
        assert p.returncode != 0 and "audit entry" in p.stderr, p.stderr
        assert one(srv, "SELECT count(*) FROM workshops") == sessions
        # attendance: a QR check-in, and a mark by the trainer.
        r = learner.post(code)
        assert r.status == 503 and "not available" in r.text, (r.status, r.text[-600:])
        trainer.get("/sessions/%d/days/1" % wid)
        r = trainer.post("/sessions/%d/days/1" % wid, {"m%d" % learner_id: "present"})
        assert r.status == 503, r.status
        assert one(srv, "SELECT count(*) FROM attendance WHERE workshop_id = ?", wid) == 0

        # Nothing was recorded either; with the disk "free" again the same changes go through, each recorded.
        allow_audit(srv)
        assert one(srv, "SELECT count(*) FROM audit_log") == audited
        assert learner.post(code).status == 200
        assert one(srv, "SELECT count(*) FROM attendance WHERE workshop_id = ?", wid) == 1
        assert c.post("/admin/settings", {"cert_color": "#123456"}).status == 303
        assert one(srv, "SELECT count(*) FROM audit_log") == audited + 2


def test_every_kind_of_change_records_actor_target_and_time():
    with Server() as srv, tempfile.TemporaryDirectory() as tmp:
        setup_course(srv)
        t0 = int(time.time())
        serial, _ = issue(srv)  # certificate, on the command line
        now = time.time()
        wid = add_session(srv, "One-window service", [(minute(now - 600), minute(now + 600))],
                          invite=["learner"])  # session, on the command line
        c = admin(srv)
        # user
        c.get("/admin/users/new")
        assert c.post("/admin/users/new", {"username": "audited", "full_name": "Audit Person", "sex": "female",
                                           "org_code": "KH", "password": "rice-field-2031",
                                           "role_learner": "1"}).status == 303
        # setting
        c.get("/admin/settings")
        assert c.post("/admin/settings", {"cert_color": "#123456"}).status == 303
        # certificate, on the web
        c.get("/admin/certificates/" + serial)
        assert c.post("/admin/certificates/%s/revoke" % serial, {"reason": "Issued by mistake"}).status == 303
        # course version: a new one on the command line, the old one made active again on the web
        lang = one(srv, "SELECT language FROM packages WHERE course_id = 'digital-literacy' AND active = 1 LIMIT 1")
        old = active_version(srv, lang)
        sala("import", new_version(tmp, "9.0.0"), db=srv.db, env=srv.env, check=True)
        c.get("/manage/courses")
        assert c.post("/manage/courses/rollback", {"course": "digital-literacy", "lang": lang,
                                                   "version": old}).status == 303
        # attendance: the learner's QR check-in, then the trainer's mark
        trainer = learner_client(srv, "trainer")
        learner = learner_client(srv, "learner")
        assert learner.post(code_of(trainer, wid, 1)).status == 200
        learner_id = one(srv, "SELECT id FROM users WHERE username = 'learner'")
        trainer.get("/sessions/%d/days/1" % wid)
        assert trainer.post("/sessions/%d/days/1" % wid, {"m%d" % learner_id: "absent"}).status == 303
        # session, on the web
        assert c.post("/sessions/%d/cancel" % wid, {"confirm": "1"}).status == 303
        t1 = int(time.time()) + 1

        rows = entries(srv)
        want = [
            (CLI, "local", "certificate.issue", "certificate:" + serial),
            (CLI, "local", "session.add", "session:%d" % wid),
            ("admin", "127.0.0.1", "user.create", "user:audited"),
            ("admin", "127.0.0.1", "settings.change", "settings"),
            ("admin", "127.0.0.1", "certificate.revoke", "certificate:" + serial),
            (CLI, "local", "course.import", None),
            ("admin", "127.0.0.1", "course.rollback", "course:digital-literacy"),
            ("learner", "127.0.0.1", "attendance.checkin", "session:%d" % wid),
            ("trainer", "127.0.0.1", "attendance.mark", "session:%d" % wid),
            ("admin", "127.0.0.1", "session.cancel", "session:%d" % wid),
        ]
        got = [(a, o, act, t if w[3] is not None else None) for (a, o, act, t, _, _), w in zip(rows, want)]
        assert got == want, rows
        assert len(rows) == len(want), rows
        for actor, origin, action, target, detail, at in rows:
            assert t0 <= int(at) <= t1, (action, at, t0, t1)
        details = {r[2]: r[4] for r in rows}
        assert details["course.import"].startswith("imported: digital-literacy 9.0.0"), details
        assert details["attendance.checkin"] == "day=1" and details["attendance.mark"] == "day=1 marks=1", details
        assert details["settings.change"] == "keys=cert_color"
        assert one(srv, "SELECT revoked_at IS NOT NULL FROM certificates WHERE serial = ?", serial) in (1, True)
