"""Runs every test_* function of tests/integration/test_*.py; last line "N passed, N failed".
Usage: run.py [-j N] [PATTERN]  (only tests whose module:name contains PATTERN).

With -j N (default: the SALA_TEST_JOBS environment variable, else 1) N tests run at once, each in a
process of its own (every server a test starts has its own port, directory and database, so tests
do not share state); the modules that measure timing (ALONE) run last, one test at a time. The demo
database every test copies is made once, before the workers start. Output is printed module by
module, as each finishes."""
import importlib.util
import glob
import os
import subprocess
import sys
import tempfile
import time
import traceback

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)

# Modules that measure timing or load and must not share the machine with other modules.
# An entry is a module or one MODULE:FUNCTION.
ALONE = {"test_throttle", "test_crash", "test_faults:test_100000_row_csvs_with_a_bad_last_row_are_refused_quickly_with_the_line"}
# Rough running times (seconds, sanitizer build) so the longest modules start first.
WEIGHT_HINT = {"test_crash": 60, "test_reports": 50, "test_faults": 45, "test_security": 40, "test_quiz": 35,
               "test_observability": 35, "test_accounts_lifecycle": 30, "test_certs": 30, "test_hostile": 30}


def run_module(path, pattern, exact=False):
    """Runs one module's tests in this process; returns (passed, failed)."""
    passed = failed = 0
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


def main():
    args = sys.argv[1:]
    jobs = int(os.environ.get("SALA_TEST_JOBS", "1") or 1)
    module_only = None
    if args[:1] == ["--module"]:
        module_only = args[1]
        args = args[2:]
    if args[:1] == ["-j"]:
        jobs = max(1, int(args[1]))
        args = args[2:]
    pattern = args[0] if args else ""
    paths = sorted(glob.glob(os.path.join(here, "test_*.py")))

    if module_only is not None:  # a worker: one module
        p, f = run_module(os.path.join(here, module_only + ".py"), pattern, exact=pattern.startswith(module_only + ":"))
        print("%d passed, %d failed" % (p, f))
        sys.exit(1 if f else 0)

    names = [os.path.basename(p)[:-3] for p in paths]
    if jobs == 1:
        passed = failed = 0
        for n in names:
            p, f = run_module(os.path.join(here, n + ".py"), pattern)
            passed += p
            failed += f
        print("%d passed, %d failed" % (passed, failed))
        sys.exit(1 if failed else 0)

    # Parallel: make the shared demo template once, then N workers.
    import harness
    tdir = tempfile.mkdtemp(prefix="sala-template-")
    template = os.path.join(tdir, "demo.db")
    harness.sala("demo", "--init", db=template, check=True)
    env = dict(os.environ, SALA_TEST_TEMPLATE=template)

    tests = []  # (module, function): each runs in a process of its own
    for n in names:
        src = open(os.path.join(here, n + ".py"), encoding="utf-8").read()
        for line in src.splitlines():
            if line.startswith("def test_"):
                fn = line[4:].split("(")[0].strip()
                if pattern in "%s:%s" % (n, fn):
                    tests.append((n, fn))
    order = sorted(tests, key=lambda t: -WEIGHT_HINT.get(t[0], 10))
    def is_alone(t):
        return t[0] in ALONE or "%s:%s" % t in ALONE
    together = [t for t in order if not is_alone(t)]
    alone = [t for t in order if is_alone(t)]
    results = {}
    t0 = time.time()

    def start(t):
        out = tempfile.TemporaryFile(mode="w+")
        proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--module", t[0], "%s:%s" % t],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
        return proc, out

    def collect(t, proc, out):
        n = "%s:%s" % t
        proc.wait()
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
        body = "\n".join(l for l in text.splitlines() if not (l.endswith(" failed") and " passed, " in l))
        results[n] = (p, f, body)
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
    for t in alone:  # timing-sensitive modules run with the machine to themselves
        proc, out = start(t)
        collect(t, proc, out)

    passed = sum(r[0] for r in results.values())
    failed = sum(r[1] for r in results.values())
    print("integration: %d tests in %.0f s, %d at a time" % (len(results), time.time() - t0, jobs))
    print("%d passed, %d failed" % (passed, failed))
    try:
        os.unlink(template)
        for ext in (".key",):
            if os.path.exists(template + ext):
                os.unlink(template + ext)
        os.rmdir(tdir)
    except OSError:
        pass
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
