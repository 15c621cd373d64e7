"""The command table: every command reads its options the same way (getopt_long), refuses an unknown option
by name with status 2 and changes nothing, and prints its usage for --help from the same table as `sala help`."""
import os
import re
import shutil
import tempfile

from harness import demo_db, sala
from secutil import snapshot


def commands():
    """The command words of each usage line of `sala help` ("cert issue", "serve", "courses")."""
    p = sala("help")
    assert p.returncode == 0, p.stderr
    found = []
    for line in p.stdout.splitlines():
        m = re.match(r"  sala (.*)", line)
        if not m:
            continue
        words = []
        for w in m.group(1).split():
            if not re.fullmatch(r"[a-z][a-z-]*", w):
                break
            words.append(w)
        found.append(words)
    return found


def test_help_lists_every_command_and_each_prints_its_usage():
    found = commands()
    names = {w[0] for w in found}
    for name in ("init", "serve", "user", "users", "orgs", "demo", "backup", "settings", "doctor", "cert", "new",
                 "check", "pack", "preview", "import", "courses", "report", "enroll", "throttle", "help"):
        assert name in names, (name, sorted(names))
    assert ["cert", "rotate-key"] in found and ["user", "passwd"] in found and ["throttle", "clear"] in found
    for words in found:
        if words[0] == "help":
            continue
        # `courses` reads its own subcommand (list, versions, rollback) as an argument.
        path = words[:1] if words[0] == "courses" else words
        p = sala(*path, "--help")
        assert p.returncode == 0 and p.stdout.startswith("usage: sala " + " ".join(path)), (path, p.stdout, p.stderr)
        q = sala("help", path[0])
        assert q.returncode == 0 and ("sala " + " ".join(path)) in q.stdout, (path, q.stdout)


def test_unknown_option_is_named_with_its_command_and_changes_nothing():
    tmp = tempfile.mkdtemp(prefix="sala-table-")
    try:
        db = demo_db(os.path.join(tmp, "sala.db"))
        before = snapshot(db)
        problems = []
        for words in commands():
            if words[0] == "help":
                continue
            path = words[:1] if words[0] == "courses" else words
            for bad in ("--frobnicate", "--frobnicate=1", "-Z"):
                p = sala(*path, bad, db=db, input="")
                want = "sala: %s: unknown option '%s'" % (" ".join(path), bad.split("=")[0])
                if p.returncode != 2 or want not in p.stderr or ("usage: sala " + " ".join(path)) not in p.stderr:
                    problems.append("sala %s %s -> %d %r" % (" ".join(path), bad, p.returncode, p.stderr[:200]))
        assert not problems, "\n".join(problems)
        assert snapshot(db) == before, "a refused command changed the database"
        p = sala("cert", "frob", db=db)
        assert p.returncode == 2 and "unknown cert command 'frob'" in p.stderr, p.stderr
        p = sala("user", db=db)
        assert p.returncode == 2 and "user: needs a command" in p.stderr and "usage: sala user add" in p.stderr
        p = sala("demo", "--init=yes", db=db)
        assert p.returncode == 2 and "demo: --init takes no value" in p.stderr, p.stderr
        p = sala("user", "disable", db=db)
        assert p.returncode == 2 and "user disable: too few arguments" in p.stderr, p.stderr
        p = sala("orgs", "list", "17", "18", db=db)
        assert p.returncode == 2 and "orgs list: unexpected '18'" in p.stderr, p.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_option_forms_are_equivalent():
    tmp = tempfile.mkdtemp(prefix="sala-table-")
    try:
        db = demo_db(os.path.join(tmp, "sala.db"))
        runs = [
            sala("report", "--format", "csv", "--by", "sex", db=db),
            sala("report", "--format=csv", "--by=sex", db=db),
            sala("report", "--by", "sex", "--form", "csv", db=db),  # a unique abbreviation
        ]
        for p in runs:
            assert p.returncode == 0, p.stderr
        assert runs[0].stdout == runs[1].stdout == runs[2].stdout and "," in runs[0].stdout
        # Options after the arguments, and "--" before an argument.
        a = sala("orgs", "list", "17", db=db)
        b = sala("orgs", "list", "--", "17", db=db)
        assert a.returncode == 0 and a.stdout == b.stdout and "1710" in a.stdout, a.stderr
        p = sala("orgs", "list", "--", "--help", db=db)
        assert p.returncode == 1 and "unknown org code '--help'" in p.stderr, p.stderr
        # A value that starts with '-' is the option's value, not another option.
        p = sala("demo", "--learners", "-5", db=db)
        assert p.returncode == 2 and "--learners must be a whole number from 0 to 1000000, not '-5'" in p.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
