"""sala doctor: each seeded problem is named with its fix, a sound installation exits 0.
(The deployment test, tests/deploy/, runs it as the sala user on an installed package.)"""
import os
import re
import shutil
import tempfile
import time

from harness import ENGINE, connect, demo_db, sala, sqlite_only


def doctor(db, *args):
    p = sala("doctor", *args, db=db)
    problems = re.findall(r"^PROBLEM\s+(\S+)\s+(.*)\n\s+fix: (.*)$", p.stdout, re.M)
    return p, problems


def sound_site(d):
    """A database with no demo account, base_url set, key and files 0600, a fresh backup with its key."""
    db = os.path.join(d, "sala.db")
    if sala("init", db=db).returncode != 0:  # a build without sala init: any command creates the database
        sala("settings", "list", db=db, check=True)
    sala("settings", "set", "base_url", "https://sala.example.gov.kh", db=db, check=True)
    if not os.path.exists(db + ".key"):
        sala("cert", "public-key", db=db, check=True)
    os.chmod(db, 0o600)
    os.chmod(db + ".key", 0o600)
    b = os.path.join(d, "backups")
    os.makedirs(b)
    shutil.copy(db, os.path.join(b, "sala-2026-01-01.db"))
    shutil.copy(db + ".key", os.path.join(b, "sala-2026-01-01.db.key"))
    return db, b


@sqlite_only("sala doctor's checks of the database file, its modes, its backups and its pages")
def test_sound_site_is_clean():
    d = tempfile.mkdtemp(prefix="sala-doctor-")
    db, b = sound_site(d)
    p, problems = doctor(db, "--backups", b, "--listen", "127.0.0.1:8080")
    assert p.returncode == 0, p.stdout + p.stderr
    assert problems == [], problems
    assert p.stdout.rstrip().endswith("no problems found"), p.stdout
    for check in ("database", "files", "key", "integrity", "base_url", "demo", "listen", "disk", "backup"):
        assert re.search(r"^ok\s+%s\s" % check, p.stdout, re.M), "no ok line for %s:\n%s" % (check, p.stdout)


@sqlite_only("sala doctor's checks of the database file, its modes, its backups and its pages")
def test_each_seeded_problem_and_its_fix():
    """One problem at a time on a sound site: (seed, doctor arguments, check, message, fix)."""
    cases = [
        ("key_mode", [], "key", r"mode 0644, not 0600", r"^chmod 0600 '.*sala\.db\.key'$"),
        ("key_missing", [], "key", r"no signing key", r"sala cert keygen --db "),
        ("db_mode", [], "files", r"readable by other users \(mode 0644\)", r"^chmod o-rwx '.*sala\.db'$"),
        ("base_url", [], "base_url", r"still the default http://127\.0\.0\.1:8080",
         r"^sala settings set base_url https://"),
        ("listen", ["--listen", "0.0.0.0:8080"], "listen", r"sala serves on 0\.0\.0\.0:8080", r"127\.0\.0\.1:8080"),
        ("disk", ["--min-free-mb", "1000000000"], "disk", r"MB free next to the database \(want at least 1000000000",
         r"free space"),
        ("old_backup", [], "backup", r"is \d+ hours old \(want at most 36\)", r"^sala backup .*/sala-\$\(date \+%F\)\.db"),
        ("backup_key", [], "backup", r"no copy of the signing key beside", r"^cp -p '.*sala\.db\.key' '.*\.db\.key'"),
        ("no_backup", [], "backup", r"no backup \(\*\.db\) in", r"^sala backup "),
    ]
    for name, args, check, msg, fix in cases:
        d = tempfile.mkdtemp(prefix="sala-doctor-%s-" % name)
        db, b = sound_site(d)
        newest = os.path.join(b, "sala-2026-01-01.db")
        if name == "key_mode":
            os.chmod(db + ".key", 0o644)
        elif name == "key_missing":
            os.unlink(db + ".key")
        elif name == "db_mode":
            os.chmod(db, 0o644)
        elif name == "base_url":
            sala("settings", "set", "base_url", "", db=db, check=True)
        elif name == "old_backup":
            old = time.time() - 3 * 86400
            os.utime(newest, (old, old))
        elif name == "backup_key":
            os.unlink(newest + ".key")
        elif name == "no_backup":
            os.unlink(newest)
        if name != "listen":
            args = args + ["--listen", "127.0.0.1:8080"]
        p, problems = doctor(db, "--backups", b, *args)
        assert p.returncode == 1, "%s: exit %d\n%s" % (name, p.returncode, p.stdout)
        assert len(problems) == 1, "%s: want one problem, got %s" % (name, problems)
        got_check, got_msg, got_fix = problems[0]
        assert got_check == check, (name, problems)
        assert re.search(msg, got_msg), (name, got_msg)
        assert re.search(fix, got_fix), (name, got_fix)
        assert re.search(r"^1 problem found$", p.stdout, re.M), p.stdout


def test_demo_database_and_missing_files():
    d = tempfile.mkdtemp(prefix="sala-doctor-demo-")
    db = demo_db(os.path.join(d, "demo.db"))
    p, problems = doctor(db, "--backups", os.path.join(d, "none"), "--listen", "8080")
    assert p.returncode == 1
    demo = sorted(re.search(r"'(\w+)'", m).group(1) for c, m, _ in problems if c == "demo")
    assert demo == ["admin", "learner", "manager", "trainer"], problems
    fixes = {re.search(r"'(\w+)'", m).group(1): f for c, m, f in problems if c == "demo"}
    # The demo admin is the only administrator: the site's own comes first, then it can be disabled.
    assert fixes["admin"].startswith("sala user add --db %s --username NAME" % db), fixes["admin"]
    assert "; then: sala user disable admin --db %s" % db in fixes["admin"], fixes["admin"]
    assert fixes["learner"].startswith("sala user disable learner --db %s" % db), fixes["learner"]
    if ENGINE == "sqlite":
        assert ("backup", "cannot open the backup folder '%s': No such file or directory" % os.path.join(d, "none")) \
            in [(c, m) for c, m, _ in problems], problems
    else:  # PostgreSQL's backups are pg_dump's; its key is a file named by $SALA_KEY, checked like SQLite's
        assert not [c for c, _, _ in problems if c in ("backup", "key")], problems
        assert re.search(r"^ok\s+key\s", p.stdout, re.M) and re.search(r"^ok\s+backup\s", p.stdout, re.M), p.stdout
    assert not [c for c, _, _ in problems if c == "listen"], "a bare port is loopback: %s" % problems
    n = len(problems)
    assert re.search(r"^%d problems found$" % n, p.stdout, re.M), p.stdout
    if ENGINE != "sqlite":
        # Without $SALA_KEY a PostgreSQL database's key cannot be found: said so, with the fix.
        p = sala("doctor", "--backups", d, "--listen", "8080", db=db, env={"SALA_KEY": ""})
        assert p.returncode == 1 and re.search(r"^PROBLEM\s+key\s+a PostgreSQL database keeps no signing key",
                                               p.stdout, re.M), p.stdout
        return
    # No database file: one problem, and nothing is created.
    missing = os.path.join(d, "nothing.db")
    p, problems = doctor(missing)
    assert p.returncode == 1 and problems == [("database", "no database at '%s'" % missing,
                                                "sala init --db %s   (an empty site; or restore a backup)" % missing)]
    assert not os.path.exists(missing)


@sqlite_only("sala doctor's checks of the database file, its modes, its backups and its pages")
def test_damaged_database():
    d = tempfile.mkdtemp(prefix="sala-doctor-bad-")
    db, b = sound_site(d)
    con = connect(db)
    con.execute("CREATE TABLE doctor_filler(x)")
    con.execute("INSERT INTO doctor_filler WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                "WHERE i < 3000) SELECT randomblob(300) FROM n")
    con.commit()
    pages = con.execute("PRAGMA page_count").fetchone()[0]
    size = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    with open(db, "r+b") as f:
        f.seek((pages - 20) * size)
        f.write(b"\xa5" * size)
    p, problems = doctor(db, "--backups", b, "--listen", "127.0.0.1:8080")
    assert p.returncode == 1
    got = [(c, m, f) for c, m, f in problems if c in ("integrity", "database")]
    assert got and "restore the last good backup" in got[0][2], p.stdout + p.stderr
    assert "quick_check" in got[0][1] or "malformed" in got[0][1], got


def test_bad_arguments():
    p = sala("doctor", "--min-free-mb", "lots", db="x.db")
    assert p.returncode != 0 and "--min-free-mb must be a whole number" in p.stderr, p.stderr
    p = sala("doctor", "--frobnicate", db="x.db")
    assert p.returncode == 2 and "usage: sala doctor" in p.stderr, p.stderr
