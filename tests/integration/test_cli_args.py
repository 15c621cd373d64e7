"""Bad command-line arguments: every command refuses nonsense with a message naming the problem and exit
status 1 or 2, and changes nothing in the database."""
import os
import shutil
import tempfile

from harness import ENGINE, demo_db, drop_db, sala
from secutil import snapshot

# (arguments, exit status, text the message must contain)
CASES = [
    # numbers
    (["demo", "--learners", "-5"], 2, "--learners must be a whole number from 0 to 1000000, not '-5'"),
    (["demo", "--learners", "abc"], 2, "--learners must be a whole number from 0 to 1000000, not 'abc'"),
    (["demo", "--learners", "5x"], 2, "not '5x'"),
    (["demo", "--learners", ""], 2, "not ''"),
    (["demo", "--learners", "99999999999999999999"], 2, "--learners must be a whole number"),
    (["serve", "--threads", "0"], 2, "--threads must be a whole number from 1 to 4096, not '0'"),
    (["serve", "--threads", "lots"], 2, "--threads must be a whole number from 1 to 4096, not 'lots'"),
    (["serve", "--db-connections", "-1"], 2, "--db-connections must be a whole number from 1 to 256"),
    (["serve", "--db-cache-kb", "x"], 2, "--db-cache-kb must be a whole number from 1 to 1048576"),
    (["serve", "--threads"], 1, "--threads needs a value"),
    (["cert", "render-bench", "--count", "0"], 2, "--count must be a whole number from 1 to 100000, not '0'"),
    (["cert", "render-bench", "--count", "many"], 2, "not 'many'"),
    (["cert", "bulk", "--limit", "0", "-o", "{tmp}/x.pdf"], 1, "--limit is 1 to"),
    (["cert", "bulk", "--limit", "abc", "-o", "{tmp}/x.pdf"], 1, "--limit is 1 to"),
    # names
    (["courses", "versions", "nope"], 1, "no course 'nope'"),
    (["courses", "frob"], 1, "unknown command 'frob'"),
    (["courses", "list", "--lang", "xx"], 1, "--lang must be en or km, not 'xx'"),
    (["courses", "rollback", "nope"], 1, "needs a course ID, --lang and --version"),
    (["courses", "rollback", "nope", "--lang", "en", "--version", "9.9"], 1, "nope"),
    (["enroll", "--course", "nope", "--user", "learner"], 1, "no course 'nope'"),
    (["enroll", "--course", "nope", "--user", "nobody"], 1, "no user 'nobody'"),
    (["enroll", "--course", "nope"], 1, "--user NAME | --org CODE"),
    (["report", "--org", "NOPE"], 1, "no org unit 'NOPE'"),
    (["report", "--course", "nope"], 1, "no course 'nope'"),
    (["report", "--format", "xml"], 1, "unknown format 'xml'"),
    (["report", "--lang", "fr"], 1, "unknown language 'fr'"),
    (["report", "--by", "colour"], 1, "unknown grouping 'colour'"),
    (["report", "--period", "century"], 1, "unknown period 'century'"),
    (["report", "--from", "2026-99-99"], 1, "invalid date '2026-99-99'"),
    (["settings", "get", "nope"], 1, "unknown setting 'nope'"),
    (["settings", "set", "nope", "v"], 1, "unknown setting 'nope'"),
    (["orgs", "list", "NOPE"], 1, "unknown org code 'NOPE'"),
    (["user", "add", "--username", "x"], 1, "invalid username 'x'"),
    (["cert", "issue", "--user", "nobody", "--course", "x"], 1, "no user 'nobody'"),
    (["cert", "show", "nope"], 1, "no certificate 'nope'"),
    (["cert", "render", "nope", "-o", "{tmp}/c.png"], 1, "no certificate 'nope'"),
    (["cert", "bulk", "--org", "NOPE", "-o", "{tmp}/x.pdf"], 1, "no org unit 'NOPE'"),
    (["cert", "bulk", "--from", "2026-13-01", "-o", "{tmp}/x.pdf"], 1, "dates are YYYY-MM-DD"),
    (["cert", "bulk", "-o", "{tmp}/x.pdf"], 1, "no certificates match"),
    (["cert", "render-bench", "--format", "gif"], 1, "--format png|png-full|pdf"),
    (["cert", "frob"], 2, "unknown cert command 'frob'"),
    (["frob"], 2, "unknown command 'frob'"),
    # output targets: a real message, never a bare "usage:"
    (["cert", "render", "X", "-o", "{tmp}/c.txt"], 1, "-o '{tmp}/c.txt' must end in .png or .pdf"),
    (["cert", "render", "X", "-o", "{tmp}/none/c.png"], 1, "cannot write '{tmp}/none/c.png': no such folder"),
    (["cert", "render", "X", "-o", "{tmp}"], 1, "must end in .png or .pdf"),
    (["cert", "render", "X"], 1, "cert render needs -o FILE.png or FILE.pdf"),
    (["cert", "bulk", "-o", "{tmp}/x.doc"], 1, "-o '{tmp}/x.doc' must end in .pdf or .zip"),
    (["cert", "bulk", "-o", "{tmp}/none/x.pdf"], 1, "cannot write '{tmp}/none/x.pdf': no such folder"),
    (["cert", "bulk", "-o", "{tmp}/dir.pdf"], 1, "it is a folder"),
    (["cert", "bulk", "-o", "{tmp}/file.txt/x.pdf"], 1, "is not a folder"),
    (["backup", "{tmp}/none/b.db"], 1, "cannot write '{tmp}/none/b.db': no such folder"),
    (["backup", "{tmp}/dir.pdf"], 1, "it is a folder"),
    (["pack", "{tmp}/none"], 1, "cannot open"),
    # files
    (["users", "import", "{tmp}/none.csv"], 1, "cannot open '{tmp}/none.csv'"),
    (["orgs", "import", "{tmp}/none.csv"], 1, "cannot open '{tmp}/none.csv'"),
    (["import", "{tmp}/none.zip"], 1, "cannot open"),
]


def fingerprint(db):
    return snapshot(db)


def test_bad_arguments_are_refused_by_name_and_change_nothing():
    tmp = tempfile.mkdtemp(prefix="sala-args-")
    db = None
    try:
        db = demo_db(os.path.join(tmp, "sala.db"))
        os.mkdir(os.path.join(tmp, "dir.pdf"))
        open(os.path.join(tmp, "file.txt"), "w").close()
        before = fingerprint(db)
        files = sorted(os.listdir(tmp))
        problems = []
        for args, status, text in CASES:
            if ENGINE == "pg" and args[0] == "backup":
                continue  # sala backup copies SQLite files; on PostgreSQL it names pg_dump (test_pg_ops)
            args = [a.replace("{tmp}", tmp) for a in args]
            text = text.replace("{tmp}", tmp)
            p = sala(*args, db=db, input="")
            msg = p.stderr.strip()
            if p.returncode != status or text not in msg or "(null)" in msg or not msg.startswith(("sala:", "usage")):
                problems.append("sala %s -> %d %r (want %d and %r)" % (" ".join(args), p.returncode, msg[:200],
                                                                      status, text))
        assert not problems, "\n".join(problems)
        assert fingerprint(db) == before, "a refused command changed the database"
        assert sorted(f for f in os.listdir(tmp) if not f.startswith("sala.db")) == \
            sorted(f for f in files if not f.startswith("sala.db")), os.listdir(tmp)
    finally:
        drop_db(db)
        shutil.rmtree(tmp, ignore_errors=True)
