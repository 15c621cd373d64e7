"""Runs every test_* function of tests/integration/test_*.py; last line "N passed, N failed".
Usage: run.py [--engine sqlite|pg|sqlite,pg] [-j N] [PATTERN]  (only tests whose module:name contains
PATTERN).

--engine (default: the SALA_TEST_ENGINE environment variable, else sqlite) chooses the database engine
every test's servers use (harness.py). On pg, SALA_TEST_PG names a running cluster; without it run.py
starts a throwaway one with tests/pg/cluster.sh and stops it at the end. Tests marked @sqlite_only are
skipped there, and counted with their reasons before the last line. With both engines, every test runs
on each, in one queue (the lines of PostgreSQL's runs start with "[pg]"), and each engine's count is
printed ("engine pg: N passed, N failed") before the total.

With -j N (default: the SALA_TEST_JOBS environment variable, else 1) N tests run at once, each in a
process of its own (every server a test starts has its own port, directory and database, so tests
do not share state), the longest first (by their times in the last such run, kept in
build/integration-times.json, else in the shipped tests/integration/times.json); the tests that
measure timing (ALONE) run last, one at a time, once the
suites named by SALA_TEST_QUIET_FILES have ended. The demo database every test copies is made once,
before the workers start. Output is printed test by test, as each finishes; then where the time went
("time on ENGINE by module: ...", "time on ENGINE, slowest tests: ...")."""
import importlib.util
import glob
import json as jsonlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)

# Modules that measure timing or load and must not share the machine with other modules.
# An entry is a module, one MODULE:FUNCTION, or one ENGINE:MODULE:FUNCTION (on that engine only).
ALONE = {"test_throttle", "test_crash", "pg:test_reports:test_demo_learners_quick",
         "test_observability:test_healthz_reports_failing_writes"}
# The tests of an ALONE module that measure no time and may share the machine.
TOGETHER = {"test_throttle:test_parallel_wrong_passwords_at_most_five_evaluated_web_form",
            "test_throttle:test_parallel_wrong_passwords_at_most_five_evaluated_api",
            "test_throttle:test_throttle_cli_list_and_clear", "test_throttle:test_options_answered_without_cors",
            "test_throttle:test_personal_documents_are_not_cached"}
# Each test's time in the last run (seconds, written at the end of each run of several tests at once), so
# the longest tests start first; SALA_TEST_TIMES names another file.
TIMES = os.environ.get("SALA_TEST_TIMES") or os.path.join(here, "..", "..", "build", "integration-times.json")
# A full `make test` run's times (sanitizer build), shipped for a fresh checkout, which has no TIMES yet.
TIMES_SHIPPED = os.path.join(here, "times.json")
# Rough running times of modules (seconds, sanitizer build), for the tests that have no time of their own yet.
WEIGHT_HINT = {"test_crash": 60, "test_reports": 50, "test_faults": 45, "test_security": 40, "test_quiz": 35,
               "test_observability": 35, "test_accounts_lifecycle": 30, "test_certs": 30, "test_hostile": 30}


def run_module(path, pattern, exact=False, skipped=None):
    """Runs one module's tests in this process; returns (passed, failed). Tests skipped on this engine are
    printed ("skip MODULE:NAME (sqlite only: WHY)") and added to skipped, a list, as (name, why)."""
    passed = failed = 0
    engine = os.environ.get("SALA_TEST_ENGINE") or "sqlite"
    name = os.path.basename(path)[:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception:
        print("ERROR loading %s" % name)
        traceback.print_exc()
        return 0, 1
    for fn_name in sorted(n for n in dir(mod) if n.startswith("test_")):
        full = "%s:%s" % (name, fn_name)
        if (full != pattern) if exact else (pattern not in full):
            continue
        why = getattr(getattr(mod, fn_name), "sqlite_only", None)
        if why and engine != "sqlite":
            print("skip %s (sqlite only: %s)" % (full, why))
            if skipped is not None:
                skipped.append((full, why))
            continue
        t0 = time.time()
        try:
            getattr(mod, fn_name)()
            passed += 1
            print("ok   %s (%.1fs)" % (full, time.time() - t0))
        except Exception:
            failed += 1
            print("FAIL %s" % full)
            traceback.print_exc()
        sys.stdout.flush()
    return passed, failed


def print_times(took, engines):
    """Where the time went, per engine: each module's total (the sum of its tests' processes) and the
    slowest tests."""
    for engine in engines:
        mine = {t: v for t, v in took.items() if t[0] == engine}
        modules = {}
        for t, v in mine.items():
            modules[t[1]] = modules.get(t[1], 0) + v
        top = sorted(modules.items(), key=lambda kv: -kv[1])
        print("time on %s by module: %s" % (engine, ", ".join("%s %.0f s" % kv for kv in top)))
        slow = sorted(mine.items(), key=lambda kv: -kv[1])[:12]
        print("time on %s, slowest tests: %s" % (engine, ", ".join("%s:%s %.0f s" % (t[1], t[2], v) for t, v in slow)))


def print_skipped(skipped, engine):
    """Before the last line: how many tests this engine skipped, and why (one line per reason)."""
    if not skipped:
        return
    reasons = {}
    for name, why in skipped:
        reasons.setdefault(why, []).append(name)
    print("skipped on %s: %d (sqlite only)" % (engine, len(skipped)))
    for why, names in sorted(reasons.items()):
        print("  %d: %s: %s" % (len(names), why, ", ".join(sorted(names))))


def main():
    args = sys.argv[1:]
    jobs = int(os.environ.get("SALA_TEST_JOBS", "1") or 1)
    module_only = None
    while args[:1] in (["--module"], ["-j"], ["--engine"]):
        if args[0] == "--module":
            module_only = args[1]
        elif args[0] == "-j":
            jobs = max(1, int(args[1]))
        else:
            os.environ["SALA_TEST_ENGINE"] = args[1]
        args = args[2:]
    pattern = args[0] if args else ""
    paths = sorted(glob.glob(os.path.join(here, "test_*.py")))

    if module_only is not None:  # a worker: one module
        skipped = []
        p, f = run_module(os.path.join(here, module_only + ".py"), pattern, exact=pattern.startswith(module_only + ":"),
                          skipped=skipped)
        print("%d passed, %d failed" % (p, f))
        sys.exit(1 if f else 0)

    engines = (os.environ.get("SALA_TEST_ENGINE") or "sqlite").split(",")
    if [e for e in engines if e not in ("sqlite", "pg")] or len(set(engines)) != len(engines):
        sys.exit("run.py: --engine must be sqlite, pg or sqlite,pg, not %r" % ",".join(engines))
    cluster = None
    if "pg" in engines and not os.environ.get("SALA_TEST_PG"):
        out = subprocess.run([os.path.join(here, "..", "pg", "cluster.sh"), "start"], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("run.py: cannot start a PostgreSQL cluster: " + out.stderr.strip())
        cluster, uri = out.stdout.split()
        os.environ["SALA_TEST_PG"] = uri
    try:
        if len(engines) == 1 and jobs == 1:
            rc = run_here(paths, pattern, engines[0])
        else:
            rc = run_pool(paths, pattern, jobs, engines)
    finally:
        if cluster:
            subprocess.run([os.path.join(here, "..", "pg", "cluster.sh"), "stop", cluster])
    sys.exit(rc)


def run_here(paths, pattern, engine):
    """Runs the tests one after another in this process; prints the summary; returns the exit status."""
    os.environ["SALA_TEST_ENGINE"] = engine
    passed = failed = 0
    skipped = []
    for path in paths:
        p, f = run_module(path, pattern, skipped=skipped)
        passed += p
        failed += f
    print_skipped(skipped, engine)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def run_pool(paths, pattern, jobs, engines):
    """Runs each test in a process of its own, jobs at a time, on every engine of engines in one queue (the
    servers' waits of one engine's tests overlap the other's); prints each engine's summary ("engine pg: N
    passed, N failed") and then the total; returns the exit status."""
    os.environ["SALA_TEST_ENGINE"] = engines[0]
    import harness
    names = [os.path.basename(p)[:-3] for p in paths]
    # The shared demo template of each engine, made once before the workers start.
    tdir = tempfile.mkdtemp(prefix="sala-template-")
    envs, templates = {}, []
    for engine in engines:
        harness.ENGINE = engine
        os.makedirs(os.path.join(tdir, engine))
        template = harness.make_template(os.path.join(tdir, engine))
        templates.append(template)
        envs[engine] = dict(os.environ, SALA_TEST_ENGINE=engine, SALA_TEST_TEMPLATE=template,
                            SALA_TEST_TEMPLATE_KEY=harness.template_key(template))

    tests = []  # (engine, module, function): each runs in a process of its own
    for n in names:
        src = open(os.path.join(here, n + ".py"), encoding="utf-8").read()
        for line in src.splitlines():
            if line.startswith("def test_"):
                fn = line[4:].split("(")[0].strip()
                if pattern in "%s:%s" % (n, fn):
                    tests.extend((engine, n, fn) for engine in engines)
    # Longest first, so that no long test starts last: by each test's time in the last run (TIMES), else
    # by its module's hint.
    last = {}
    for path in (TIMES_SHIPPED, TIMES):  # this machine's last run over the shipped times of a full CI run
        try:
            with open(path, encoding="utf-8") as fh:
                last.update(jsonlib.load(fh))
        except (OSError, ValueError):
            pass
    weight = lambda t: last.get("%s:%s:%s" % t, WEIGHT_HINT.get(t[1], 10) / 4.0)
    order = sorted(tests, key=lambda t: -weight(t))

    def is_alone(t):
        return (t[1] in ALONE or "%s:%s" % t[1:] in ALONE or "%s:%s:%s" % t in ALONE) and "%s:%s" % t[1:] not in TOGETHER
    together = [t for t in order if not is_alone(t)]
    alone = [t for t in order if is_alone(t)]
    results = {}
    skipped = {engine: [] for engine in engines}
    t0 = time.time()
    tag = (lambda e: "[%s] " % e) if len(engines) > 1 else (lambda e: "")

    took = {}  # test -> seconds, its process from start to end

    def start(t):
        took[t] = time.time()
        out = tempfile.TemporaryFile(mode="w+")
        proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--module", t[1], "%s:%s" % t[1:]],
                                stdout=out, stderr=subprocess.STDOUT, env=envs[t[0]])
        return proc, out

    def collect(t, proc, out):
        n = "%s:%s" % t[1:]
        proc.wait()
        took[t] = time.time() - took[t]
        out.seek(0)
        text = out.read()
        out.close()
        line = [l for l in text.splitlines() if l.endswith(" failed") and " passed, " in l]
        if line:
            p, f = line[-1].split(" passed, ")
            p, f = int(p), int(f.split()[0])
        else:
            p, f = 0, 1
        if proc.returncode != 0 and f == 0:
            f = 1
            text += "\nFAIL %s: exit status %d with no failed test\n" % (n, proc.returncode)
        body = "\n".join((tag(t[0]) + l if l.startswith(("ok ", "FAIL ", "skip ")) else l)
                         for l in text.splitlines() if not (l.endswith(" failed") and " passed, " in l))
        for m in re.finditer(r"^skip (\S+) \(sqlite only: (.*)\)$", text, re.M):
            skipped[t[0]].append((m.group(1), m.group(2)))
        results[t] = (p, f, body)
        print(body)
        sys.stdout.flush()

    running = {}
    queue = list(together)
    while queue or running:
        while queue and len(running) < jobs:
            t = queue.pop(0)
            running[t] = start(t)
        time.sleep(0.05)
        for t in [t for t, (proc, _) in running.items() if proc.poll() is not None]:
            proc, out = running.pop(t)
            collect(t, proc, out)
    # The timing tests want the machine to themselves: first wait (at most 15 minutes) for the suites
    # tests/run.sh runs in the background, which each leave a file when they end.
    quiet = [f for f in os.environ.get("SALA_TEST_QUIET_FILES", "").split() if f]
    deadline = time.time() + 900
    while quiet and time.time() < deadline and not all(os.path.exists(f) for f in quiet):
        time.sleep(1)
    for t in alone:  # timing-sensitive modules run with the machine to themselves
        proc, out = start(t)
        collect(t, proc, out)

    print("integration (%s): %d tests in %.0f s, %d at a time" % (
        ", ".join(engines), len(results), time.time() - t0, jobs))
    print_times(took, engines)
    try:
        last.update({"%s:%s:%s" % t: round(v, 1) for t, v in took.items()})
        os.makedirs(os.path.dirname(TIMES), exist_ok=True)
        with open(TIMES, "w", encoding="utf-8") as fh:
            jsonlib.dump(last, fh, indent=0, sort_keys=True)
    except OSError:
        pass
    for engine in engines:
        print_skipped(skipped[engine], engine)
    for engine in engines:
        mine = [r for t, r in results.items() if t[0] == engine]
        print("engine %s: %d passed, %d failed" % (engine, sum(r[0] for r in mine), sum(r[1] for r in mine)))
    passed = sum(r[0] for r in results.values())
    failed = sum(r[1] for r in results.values())
    print("%d passed, %d failed" % (passed, failed))
    for template in templates:
        if harness.is_pg(template):
            harness.drop_db(template)
    shutil.rmtree(tdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    main()
