"""scripts/lint-sql.sh: SQL only in the owner of its tables, none in server/ or cli/ (docs/architecture.md)."""
import os
import re
import shutil
import subprocess
import tempfile

SRC = os.environ.get("SALA_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def run(tree):
    p = subprocess.run(["sh", os.path.join(tree, "scripts", "lint-sql.sh")], capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stdout + p.stderr


def make_tree(files, allow=None):
    """A copy of the script, the real map and the real migrations of both engines, with the given source files."""
    tree = tempfile.mkdtemp(prefix="sala-lint-")
    os.makedirs(os.path.join(tree, "scripts"))
    os.makedirs(os.path.join(tree, "docs"))
    os.makedirs(os.path.join(tree, "lib"))
    shutil.copy(os.path.join(SRC, "scripts", "lint-sql.sh"), os.path.join(tree, "scripts"))
    shutil.copy(os.path.join(SRC, "docs", "architecture.md"), os.path.join(tree, "docs"))
    shutil.copy(os.path.join(SRC, "lib", "schema.c"), os.path.join(tree, "lib"))
    shutil.copy(os.path.join(SRC, "lib", "schema_pg.c"), os.path.join(tree, "lib"))
    for path, text in files.items():
        os.makedirs(os.path.join(tree, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(tree, path), "w") as f:
            f.write(text)
    if allow is not None:
        with open(os.path.join(tree, "scripts", "lint-sql.allow"), "w") as f:
            f.write(allow)
    return tree


HANDLER = """#include "server/server.h"
/* A comment may say SELECT id FROM users; only code counts. */
static int h_users(struct req *r)
{
	sqlite3_stmt *st = db_stmt(r->db, "SELECT id, username "
					  "FROM users WHERE org_id = ?1");
	return page_send(r, 200, NULL);
}
"""


def test_repository_passes():
    rc, out = run(SRC)
    assert rc == 0, out
    assert "lint-sql: ok" in out, out
    # server/ and cli/ are clean: no allow-list entry for either.
    with open(os.path.join(SRC, "scripts", "lint-sql.allow")) as f:
        front = [l.split()[0] for l in f if l.startswith(("server/", "cli/"))]
    assert front == [], front


def test_server_sql_and_calls_fail_naming_file_and_line():
    tree = make_tree({"server/h_x.c": HANDLER, "server/h_ok.c": "int f(void) { return printf(\"SELECT a course\"); }\n"})
    try:
        rc, out = run(tree)
        assert rc == 1, out
        assert "server/h_x.c:5: SQL in server/" in out, out
        assert "server/h_x.c:5: db_stmt() called in server/" in out, out
        assert "server/h_x.c:5: table 'users' named in SQL outside its owner accounts/" in out, out
        assert "h_x.c:2" not in out, out  # the comment
        assert "h_ok.c" not in out, out  # words, not SQL
    finally:
        shutil.rmtree(tree)


def test_owner_rule():
    sql = 'const char *q = "SELECT c.id FROM certificates c JOIN users u ON u.id = c.user_id";\n'
    upd = 'const char *q = "UPDATE enrolments SET started_at = 1 WHERE user_id = 2";\n'
    tree = make_tree({"certificates/x.c": sql, "accounts/y.c": 'const char *q = "DELETE FROM sessions";\n',
                      "assessment/z.c": upd, "courses/w.c": upd,
                      # A clause after a column macro, before a macro call: still SQL.
                      "courses/v.c": 'static const char q[] = COLS "FROM packages p JOIN users u ON 1 " PICK("p");\n'})
    try:
        rc, out = run(tree)
        assert rc == 1, out
        assert "certificates/x.c:1: table 'users' named in SQL outside its owner accounts/" in out, out
        assert "'certificates' named" not in out, out  # its own table
        assert "assessment/z.c:1: table 'enrolments' named in SQL outside its owner courses/" in out, out
        assert "accounts/y.c" not in out and "courses/w.c" not in out, out
        assert "courses/v.c:1: table 'users' named in SQL outside its owner accounts/" in out, out
        assert "'packages' named" not in out, out
    finally:
        shutil.rmtree(tree)


def test_allow_list():
    allow = ("# pending\n"
             "cli/cmd_x.c cli SQL: moved later\n"
             "server/h_x.c@h_users package pick: moved later\n"
             "certificates/x.c:users a join to move\n"
             "cli/gone.c an entry that matches nothing\n")
    tree = make_tree({"server/h_x.c": HANDLER, "cli/cmd_x.c": 'int n = db_int(db, "SELECT 1 FROM users", 0);\n',
                      "certificates/x.c": 'const char *q = "SELECT 1 FROM certificates c JOIN users u";\n'}, allow)
    try:
        rc, out = run(tree)
        assert rc == 0, out
        assert "pending: cli/cmd_x.c:1: db_int() called in cli/" in out, out
        assert "(allowed: package pick: moved later)" in out, out
        assert "entry 'cli/gone.c' matches nothing now" in out, out
        # Another function of the same server file is not covered by the entry.
        with open(os.path.join(tree, "server", "h_x.c"), "a") as f:
            f.write("static int h_more(struct req *r)\n{\n\treturn db_int(r->db, \"x\", 0);\n}\n")
        rc, out = run(tree)
        assert rc == 1 and "server/h_x.c:11: db_int() called in server/" in out, out
        # A server/ entry must name its function; an entry needs a reason.
        for bad, says in (("server/h_x.c whole file\n", "must name its function"),
                          ("cli/cmd_x.c\n", "gives no reason")):
            with open(os.path.join(tree, "scripts", "lint-sql.allow"), "w") as f:
                f.write(bad)
            rc, out = run(tree)
            assert rc != 0 and says in out, out
    finally:
        shutil.rmtree(tree)


def test_published_views():
    """A view is read by anyone, written by no one, created only in lib/schema.c and reads only its owner's tables."""
    # Reading published views from reports/ is clean; so is the repository's own schema.
    read = ('static const char q[] = "SELECT l.user_id, e.course_id FROM report_learners l "\n'
            '\t"JOIN report_enrolments e ON e.user_id = l.user_id";\n')
    tree = make_tree({"reports/r.c": read})
    try:
        rc, out = run(tree)
        assert rc == 0, out
        with open(os.path.join(SRC, "lib", "schema.c")) as f:
            nviews = len(set(re.findall(r'"CREATE VIEW (\w+)', f.read())))
        assert nviews >= 6 and "%d published views" % nviews in out, out
        # Writes to a view and a view created outside lib/schema.c fail, naming file, line and view.
        with open(os.path.join(tree, "reports", "w.c"), "w") as f:
            f.write('int a = 1;\nconst char *u = "UPDATE report_enrolments SET pretest = 1";\n'
                    'const char *d = "DELETE FROM report_certificates WHERE user_id = 1";\n'
                    'const char *c = "CREATE VIEW my_view AS SELECT 1 FROM report_courses";\n')
        rc, out = run(tree)
        assert rc == 1, out
        assert "reports/w.c:2: view 'report_enrolments' written: a published view is read-only" in out, out
        assert "reports/w.c:3: view 'report_certificates' written" in out, out
        assert "reports/w.c:4: view 'my_view' created outside lib/schema.c" in out, out
        assert "reports/r.c" not in out, out
        os.remove(os.path.join(tree, "reports", "w.c"))
        # The schema: a view reading another owner's table, and a view not published in the map.
        schema = os.path.join(tree, "lib", "schema.c")
        with open(schema) as f:
            text = f.read()
        bad = text.replace('"CREATE VIEW report_courses AS SELECT id FROM courses;"',
                           '"CREATE VIEW report_courses AS SELECT c.id FROM courses c JOIN users u ON 1;"'
                           '"CREATE VIEW stray AS SELECT id FROM courses;"')
        assert bad != text, "lib/schema.c no longer creates report_courses as the test expects"
        with open(schema, "w") as f:
            f.write(bad)
        rc, out = run(tree)
        assert rc == 1, out
        assert "view 'report_courses' of courses/ reads table 'users' of accounts/" in out, out
        assert "view 'stray' is not published in docs/architecture.md" in out, out
        # A published view that the schema never creates.
        with open(schema, "w") as f:
            f.write(re.sub(r'"CREATE VIEW report_courses AS[^;]*;"', '""', text))
        rc, out = run(tree)
        assert rc == 1, out
        assert "published view 'report_courses' is not created in lib/schema.c" in out, out
    finally:
        shutil.rmtree(tree)
