"""scripts/lint-step.sh: every sqlite3_step result is checked, row loops included (docs/architecture.md)."""
import os
import shutil
import subprocess
import tempfile

SRC = os.environ.get("SALA_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def run(tree):
    p = subprocess.run(["sh", os.path.join(tree, "scripts", "lint-step.sh")], capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stdout + p.stderr


def make_tree(files):
    """A copy of the script with the given source files."""
    tree = tempfile.mkdtemp(prefix="sala-lint-step-")
    os.makedirs(os.path.join(tree, "scripts"))
    shutil.copy(os.path.join(SRC, "scripts", "lint-step.sh"), os.path.join(tree, "scripts"))
    for path, text in files.items():
        os.makedirs(os.path.join(tree, os.path.dirname(path)), exist_ok=True)
        with open(os.path.join(tree, path), "w") as f:
            f.write(text)
    return tree


BAD = """#include "lib/db.h"
/* A comment may say db_step_done(st); only code counts. */
static int add(sqlite3 *db, sqlite3_stmt *st)
{
	db_step_done(st);
	(void)sqlite3_step(st);
	return 0;
}

static int list(sqlite3_stmt *st, int *n)
{
	while (db_step_row(st) > 0)
		(*n)++;
	return 0;
}

static int list2(sqlite3_stmt *st, int *n)
{
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		(*n)++;
	}
	rc = 0;
	return 0;
}
"""

GOOD = """#include "lib/db.h"
static int list(sqlite3_stmt *st, int *n)
{
	int rc;
	while ((rc = db_step_row(st)) > 0)
		(*n)++;
	db_finish(st);
	return rc < 0 ? -1 : 0;
}

static int first(sqlite3_stmt *st, int *n)
{
	int step = 0;
	for (int i = 0; i < 3 && (step = db_step_row(st)) > 0; i++) {
		if (i == 1)
			continue;
		(*n)++;
	}
	if (step < 0)
		return -1;
	return db_step_done(st) == 0 && db_step_row(st) > 0 ? 0 : -1;
}

static void through(sqlite3_stmt *st, int *rc)
{
	while ((*rc = db_step_row(st)) > 0)
		;
	if (*rc < 0)
		log_msg(LOG_ERROR, "error", "read failed");
}
"""


def test_repository_passes():
    rc, out = run(SRC)
    assert rc == 0, out
    assert "lint-step: ok" in out, out


def test_unchecked_steps_fail_naming_file_and_line():
    tree = make_tree({"courses/x.c": BAD, "accounts/ok.c": GOOD})
    try:
        rc, out = run(tree)
        assert rc == 1, out
        assert "courses/x.c:5: the result of db_step_done() is discarded" in out, out
        assert "courses/x.c:6: the result of sqlite3_step() is discarded" in out, out
        assert "courses/x.c:12: a row loop on db_step_row() must keep the result" in out, out
        assert "courses/x.c:20: the row loop on db_step_row() never checks 'rc' after the loop" in out, out
        assert "courses/x.c:2:" not in out, out  # the comment
        assert "accounts/ok.c" not in out, out
        assert "lint-step: 4 unchecked" in out, out
    finally:
        shutil.rmtree(tree)
