"""Runs every test_* function of tests/integration/test_*.py; last line "N passed, N failed".
Usage: run.py [PATTERN]  (only tests whose module:name contains PATTERN)."""
import importlib.util
import glob
import os
import sys
import time
import traceback

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
pattern = sys.argv[1] if len(sys.argv) > 1 else ""
passed = failed = 0
for path in sorted(glob.glob(os.path.join(here, "test_*.py"))):
    name = os.path.basename(path)[:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception:
        print("ERROR loading %s" % name)
        traceback.print_exc()
        failed += 1
        continue
    for fn_name in sorted(n for n in dir(mod) if n.startswith("test_")):
        full = "%s:%s" % (name, fn_name)
        if pattern not in full:
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
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
