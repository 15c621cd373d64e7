#!/usr/bin/env python3
"""Sala benchmarks (make bench). Builds a national-size database, serves it on
127.0.0.1 and measures with wrk; prints one table and writes docs/performance.md.

Both engines are measured on the same contents: a SQLite file, then a PostgreSQL 15
database in a throwaway cluster (tests/pg/cluster.sh, fsync on) built by the same
commands (the demo data is generated from a fixed seed); the table shows them side by
side. The memory, import and certificate rows are measured on SQLite only.

Environment: SALA_BENCH_BIN (default ./sala), BENCH_SECONDS per wrk run (10),
BENCH_DIR work folder (build/bench-run), BENCH_LEARNERS (100000), BENCH_KEEP=1
keeps an existing SQLite database in BENCH_DIR instead of building a new one,
BENCH_ENGINES (sqlite,postgresql: the engines to measure). BENCH_ONLY=csv
measures only the CSV validation (on a small database of its own) and updates its
row of docs/performance.md."""
import glob
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.join(ROOT, "tests", "bench")
SALA = os.path.abspath(os.environ.get("SALA_BENCH_BIN") or os.path.join(ROOT, "sala"))
SECS = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = 3  # seconds of unmeasured load before each measured page run
WORK = os.path.abspath(os.environ.get("BENCH_DIR") or os.path.join(ROOT, "build", "bench-run"))
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "100000"))
DB = os.path.join(WORK, "bench.db")
KEY = None  # the signing key file (PostgreSQL keeps none)
ENGINE = "sqlite"
ENGINES = [e for e in os.environ.get("BENCH_ENGINES", "sqlite,postgresql").split(",") if e]
PG_DIR = None
LESSON = "/courses/cyber-awareness/lessons/lessons/02-passwords.md"
QUIZ = ("cyber-awareness", "quizzes/final.md")

rows = {}  # (measure, setting) -> {engine: (result, target, verdict)}, in the order first measured
notes = []


def add_row(r):
    """One measure on the engine being measured: (measure, setting, result, target, verdict)."""
    name, setting, result, target, verdict = r
    rows.setdefault((name, setting), {})[ENGINE] = (result, target, verdict)


def log(msg):
    print("bench: " + msg, flush=True)


def run(*args, check=True, **kw):
    p = subprocess.run(list(args), cwd=ROOT, capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        sys.exit("bench: %s failed (%d): %s %s" % (" ".join(args), p.returncode, p.stdout[-2000:], p.stderr[-2000:]))
    return p


def sala(*args, **kw):
    return run(SALA, *args, "--db", DB, **kw)


def key_args():
    return ["--key", KEY] if KEY else []


def q(sql, *a):
    if ENGINE == "postgresql":
        for v in a:  # only numbers and plain words are ever passed
            sql = sql.replace("?", "'%s'" % str(v).replace("'", "''") if isinstance(v, str) else str(v), 1)
        out = run("psql", "-X", "-At", "-c", sql, DB).stdout.strip()
        if not out:
            return None
        return int(out) if re.fullmatch(r"-?\d+", out) else out
    con = sqlite3.connect(DB, timeout=60)
    try:
        return con.execute(sql, a).fetchone()[0]
    finally:
        con.close()


def x(sql):
    """Runs one statement that changes the database."""
    if ENGINE == "postgresql":
        run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql, DB)
        return
    con = sqlite3.connect(DB, timeout=60)
    try:
        con.execute(sql)
        con.commit()
    finally:
        con.close()


def timed(fn):
    t0 = time.time()
    out = fn()
    return time.time() - t0, out


# --- the database ---------------------------------------------------------------

def build_database():
    if ENGINE == "sqlite" and os.environ.get("BENCH_KEEP") and os.path.exists(DB):
        log("keeping the database in " + DB)
        return
    if ENGINE == "sqlite":
        shutil.rmtree(WORK, ignore_errors=True)
        os.makedirs(WORK)
    log("%s: demo database with the bundled courses" % ENGINE)
    if ENGINE == "postgresql":
        sala("init", *key_args())
        sala("demo", *key_args())
    else:
        sala("demo", "--init")
    gen = os.path.join(WORK, "courses")
    shutil.rmtree(gen, ignore_errors=True)
    os.makedirs(gen)
    have = q("SELECT count(*) FROM courses")
    bases = sorted(d for d in os.listdir(os.path.join(ROOT, "courses", "library")) if "." not in d)
    i = 0
    while have < 30:
        base = bases[i % len(bases)]
        n = i // len(bases) + 1
        dst = os.path.join(gen, "%s-v%d" % (base, n))
        shutil.copytree(os.path.join(ROOT, "courses", "library", base), dst)
        yml = os.path.join(dst, "course.yml")
        text = open(yml, encoding="utf-8").read()
        text = re.sub(r"(?m)^id: .*$", "id: %s-v%d" % (base, n), text, count=1)
        text = re.sub(r"(?m)^title: (.*)$", r"title: \1 (variant %d)" % n, text, count=1)
        open(yml, "w", encoding="utf-8").write(text)
        sala("import", dst)
        have = q("SELECT count(*) FROM courses")
        i += 1
    log("%s: %d courses; adding %d learners" % (ENGINE, have, LEARNERS))
    t, _ = timed(lambda: sala("demo", "--learners", str(LEARNERS), *key_args()))
    notes.append("%s: `sala demo --learners %d` took %.1f s." % (ENGINE, LEARNERS, t))


def describe_database():
    users = q("SELECT count(*) FROM users")
    courses = q("SELECT count(*) FROM courses")
    progress = q("SELECT count(*) FROM progress")
    enrol = q("SELECT count(*) FROM enrolments")
    certs = q("SELECT count(*) FROM certificates")
    if ENGINE == "postgresql":
        size = q("SELECT pg_database_size(current_database())") / 1e6
    else:
        size = os.path.getsize(DB) / 1e6
    return ("%d users, %d courses, %d progress events (lessons opened), %d enrolments, %d certificates; "
            "database %.0f MB" % (users, courses, progress, enrol, certs, size))


# --- the server -------------------------------------------------------------------

class Serve:
    """The server under test. Every client is on 127.0.0.1, so the cap on connections per address is off:
    it is for real clients, and what is measured here is throughput."""
    def __init__(self, threads):
        self.port_file = os.path.join(WORK, "port")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.log = open(os.path.join(WORK, "serve.log"), "ab")
        self.proc = subprocess.Popen([SALA, "serve", "--listen", "127.0.0.1:0", "--port-file", self.port_file,
                                      "--threads", str(threads), "--conns-per-address", "0", "--db", DB] + key_args(), cwd=ROOT, stdout=self.log,
                                     stderr=self.log)
        end = time.time() + 60
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > end:
                sys.exit("bench: the server did not start (see %s/serve.log)" % WORK)
            time.sleep(0.05)
        self.port = int(open(self.port_file).read())
        self.url = "http://127.0.0.1:%d" % self.port

    def status(self, key):
        for line in open("/proc/%d/status" % self.proc.pid):
            if line.startswith(key + ":"):
                return int(line.split()[1])  # kB
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def ms(s):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", s)
    if not m:
        return float("nan")
    v = float(m.group(1))
    return v * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]


def wrk(url, conns, script=None, env=None, secs=None, threads=2):
    args = ["wrk", "-t", str(min(threads, conns)), "-c", str(conns), "-d", "%ds" % (secs or SECS), "--latency",
            "--timeout", "10s"]
    if script:
        args += ["-s", os.path.join(HERE, script)]
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(args + [url], capture_output=True, text=True, env=e, cwd=ROOT)
    out = p.stdout + p.stderr
    res = {"out": out}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["rps"] = float(m.group(1)) if m else 0.0
    for pct in ("50", "99"):
        m = re.search(r"^\s+%s%%\s+(\S+)" % pct, out, re.M)
        res["p" + pct] = ms(m.group(1)) if m else float("nan")
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    res["bad"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", out)
    res["sockerr"] = m.group(1) if m else ""
    m = re.search(r"(\d+) requests in", out)
    res["n"] = int(m.group(1)) if m else 0
    for k in ("acknowledged", "other"):
        m = re.search(r"^%s (\d+)" % k, out, re.M)
        if m:
            res[k] = int(m.group(1))
    return res


def check_page(srv, path, token):
    """One request with curl-like care: the page must answer 200 for that session."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    h = {"Cookie": "sala_session=" + token} if token else {}
    c.request("GET", path, headers=h)
    r = c.getresponse()
    r.read()
    return r.status


def http_row(srv, name, path, tokens, target=None, target_fn=None):
    env = {"BENCH_PATH": path}
    if tokens:
        env["BENCH_TOKENS"] = tokens
    tok = open(tokens).readline().strip() if tokens else None
    st = check_page(srv, path, tok)
    if st != 200:
        add_row((name, "GET " + path, "not measured: answers %d" % st, target or "", "n/a"))
        return
    for c in (16, 64):
        # A short unmeasured run first: connections opened, caches warm, as in steady service.
        wrk(srv.url + path, c, "cookies.lua", env, secs=WARMUP)
        r = wrk(srv.url + path, c, "cookies.lua", env)
        res = "%.0f req/s, p50 %.2f ms, p99 %.2f ms" % (r["rps"], r["p50"], r["p99"])
        if r["bad"]:
            res += ", %d non-2xx" % r["bad"]
        if r["sockerr"]:
            res += ", socket errors: " + r["sockerr"]
        verdict = ""
        if target_fn and c == 64:
            verdict = "met" if target_fn(r) else "MISSED"
        add_row((name, "%d connections" % c, res, target if c == 64 and target else "", verdict))


# --- measures ---------------------------------------------------------------------

def bench_http():
    learners = os.path.join(WORK, "learner-tokens")
    managers = os.path.join(WORK, "manager-tokens")
    run(sys.executable, os.path.join(HERE, "sessions.py"), DB, learners, "1000")
    run(sys.executable, os.path.join(HERE, "sessions.py"), DB, managers, "16", "manager")
    srv = Serve(threads=96)
    try:
        http_row(srv, "Login page (anonymous)", "/login", None)
        if ENGINE == "postgresql":
            http_row(srv, "Catalogue", "/courses", learners)
            http_row(srv, "Lesson page", LESSON, learners, "≥ 5,000 req/s, p99 < 50 ms",
                     lambda r: r["rps"] >= 5000 and r["p99"] < 50 and not r["bad"])
        else:
            http_row(srv, "Catalogue", "/courses", learners, "≥ 15,000 req/s",
                     lambda r: r["rps"] >= 15000 and not r["bad"])
            http_row(srv, "Lesson page", LESSON, learners, "≥ 20,000 req/s, p99 < 20 ms",
                     lambda r: r["rps"] >= 20000 and r["p99"] < 20 and not r["bad"])
        http_row(srv, "Manager dashboard (/reports, org 17)", "/reports", managers)
        bench_submissions_both(srv, learners)
        hwm = srv.status("VmHWM")
        add_row(("Peak RSS of the server after the runs above", "--threads 96", "%.1f MB" % (hwm / 1024), "",
                 ""))
    finally:
        srv.stop()


def bench_submissions_both(srv, learners):
    """Durable submissions with the report aggregates kept by their triggers, then with the triggers off
    on the same server and database, for comparison; the aggregates are rebuilt after."""
    bench_submissions(srv, learners, "report aggregates kept")
    x("UPDATE report_agg_state SET live = 0 WHERE id = 1")
    try:
        bench_submissions(srv, learners, "report aggregates off, for comparison", compare=True)
    finally:
        sala("report", "--rebuild")


def bench_submissions(srv, learners, label="", compare=False):
    toks = os.path.join(WORK, "submit-tokens")
    with open(learners) as f, open(toks, "w") as o:
        o.writelines(f.readlines()[:400])
    attempts = os.path.join(WORK, "attempts")
    need = max(30000, 4000 * SECS)
    p = run(sys.executable, os.path.join(HERE, "attempts.py"), str(srv.port), DB, toks, QUIZ[0], QUIZ[1],
            str(need // 400 + 1), attempts, check=False)
    goal = 1000 if ENGINE == "postgresql" else 2000
    target = "≥ %s/s, all on disk" % format(goal, ",")
    name = "Quiz submissions (durable: synchronous=FULL; PostgreSQL synchronous_commit=on, fsync on)"
    if label:
        name += ", " + label
    if compare:
        target = ""
    if p.returncode != 0:
        add_row((name, "64 connections", "not measured: " + (p.stderr or p.stdout).strip()[-200:], target, "n/a"))
        return
    ids = [int(l.split()[0]) for l in open(attempts) if l.strip()]
    before = q("SELECT count(*) FROM attempts WHERE submitted_at IS NOT NULL")
    r = wrk(srv.url, 64, "submit.lua", {"BENCH_ATTEMPTS": attempts, "BENCH_THREADS": "2"})
    acked = r.get("acknowledged", 0)
    after = q("SELECT count(*) FROM attempts WHERE submitted_at IS NOT NULL")
    on_disk = after - before
    rate = acked / SECS
    res = "%.0f submissions/s (%d acknowledged in %d s, %d on disk), p50 %.2f ms, p99 %.2f ms" % (
        rate, acked, SECS, on_disk, r["p50"], r["p99"])
    if acked >= len(ids):
        res += " (ran out of open attempts: rate is a lower bound)"
    add_row((name, "64 connections", res, target,
             "" if compare else "met" if rate >= goal and on_disk >= acked else "MISSED"))


def bench_memory():
    learners = os.path.join(WORK, "learner-tokens")
    for threads, conns in ((96, 64), (1100, 1000)):
        srv = Serve(threads=threads)
        try:
            base = srv.status("VmRSS")
            r = wrk(srv.url + LESSON, conns, "cookies.lua", {"BENCH_PATH": LESSON, "BENCH_TOKENS": learners},
                    threads=2)
            hwm = srv.status("VmHWM")
            res = "peak %.1f MB (%.1f MB idle); %.0f req/s, p99 %.2f ms" % (hwm / 1024, base / 1024, r["rps"],
                                                                          r["p99"])
            if r["bad"] or r["sockerr"]:
                res += "; %d non-2xx %s" % (r["bad"], r["sockerr"])
            add_row(("Memory: 1,000 sessions on the lesson page", "%d connections, --threads %d" % (conns, threads),
                     res, "< 100 MB", "met" if hwm < 100 * 1024 else "MISSED"))
        finally:
            srv.stop()


def bench_reports():
    t, p = timed(lambda: sala("report", "--format", "csv", check=False))
    pg = ENGINE == "postgresql"
    add_row(("National report: `sala report --format csv` (whole country)", "",
             "%.2f s, %d lines" % (t, p.stdout.count("\n")) if p.returncode == 0
             else "failed: " + p.stderr.strip()[-200:], "< 2 s" if pg else "",
             ("met" if p.returncode == 0 and t < 2 else "MISSED") if pg else ""))
    t, p = timed(lambda: sala("report", "--org", "17", "--by", "sex,org,course", "--format", "csv", check=False))
    add_row(("`sala report --org 17 --by sex,org,course`", "", "%.2f s, %d lines" % (t, p.stdout.count("\n"))
             if p.returncode == 0 else "failed: " + p.stderr.strip()[-200:], "", ""))
    year = time.gmtime().tm_year
    # Read from the aggregates (a calendar period or a series), and the same year from the rows (a range that
    # is not a calendar period, 1 January left out), for comparison.
    for label, args, goal in (
            ("National report, one year (`--period %d --by sex,org`)" % year,
             ("--period", str(year), "--by", "sex,org"), 1),
            ("National 12-month series (`--series month --by sex`)", ("--series", "month", "--by", "sex"), 2),
            ("Province 17, one year (`--org 17 --period %d --by sex,org`)" % year,
             ("--org", "17", "--period", str(year), "--by", "sex,org"), None),
            ("Province 17, 12-month series (`--org 17 --series month --by sex`)",
             ("--org", "17", "--series", "month", "--by", "sex"), None),
            ("National, the same year from the rows (`--from %d-01-02 --to %d-12-31`), for comparison" % (year, year),
             ("--from", "%d-01-02" % year, "--to", "%d-12-31" % year, "--by", "sex,org"), None)):
        t, p = timed(lambda: sala("report", *args, "--format", "csv", check=False))
        ok = p.returncode == 0
        add_row((label, "", "%.2f s, %d lines" % (t, p.stdout.count("\n")) if ok
                 else "failed: " + p.stderr.strip()[-200:], "< %d s" % goal if goal else "",
                 ("met" if ok and t < goal else "MISSED") if goal else ""))


def bench_cli():
    # Import a 50 MB package.
    pkg = os.path.join(WORK, "big", "bench-big")
    shutil.rmtree(os.path.dirname(pkg), ignore_errors=True)
    make_big_package(pkg, 50)
    t, p = timed(lambda: sala("import", pkg, check=False))
    add_row(("`sala import` of a 50 MB package (6 video files)", "", "%.2f s" % t if p.returncode == 0
             else "failed: " + (p.stderr or p.stdout).strip()[-200:], "", ""))


CSV_ROW = "`sala users import` / `sala orgs import`: 100,000 rows, the last one bad"


def write_csv(path, rows_n, header, good, bad):
    with open(path, "w", encoding="utf-8") as f:
        f.write(header + "\n")
        for i in range(rows_n):
            f.write(good % {"i": i} + "\n")
        f.write(bad + "\n")


def bench_csv(db):
    """Validation of a national roster: linear, refused with the line named, nothing imported."""
    d = os.path.join(WORK, "csv")
    os.makedirs(d, exist_ok=True)
    users, orgs = os.path.join(d, "users.csv"), os.path.join(d, "orgs.csv")
    write_csv(users, 100000, "username,full_name,full_name_km,sex,org_code,position,role,email,phone,password",
              "roster%(i)06d,Official %(i)d,មន្ត្រី %(i)d,female,12,Clerk,learner,o%(i)d@example.gov.kh,012345678,"
              "passw0rd-%(i)06d", "bad user!,Bad,,female,12,,learner,,,short")
    write_csv(orgs, 100000, "code,name_en,name_km,parent_code,level", "R%(i)06d,District %(i)d,ស្រុក %(i)d,12,district",
              "R000001,Duplicate,,12,district")
    res = []
    worst = 0.0
    for what, path, line in (("users", users, 100002), ("orgs", orgs, 100002)):
        t, p = timed(lambda: run(SALA, what, "import", path, "--db", db, check=False))
        named = "%s:%d:" % (path, line) in p.stderr
        if p.returncode != 1 or not named:
            res.append("%s: unexpected result (%d): %s" % (what, p.returncode, p.stderr.strip()[-200:]))
            worst = 1e9
            continue
        worst = max(worst, t)
        res.append("%s %.2f s" % (what, t))
    add_row((CSV_ROW, "refused, line named, nothing imported", "; ".join(res), "< 5 s",
             "met" if worst < 5 else "not met"))


def csv_only():
    """BENCH_ONLY=csv: the CSV row alone, written into docs/performance.md's table in place."""
    os.makedirs(WORK, exist_ok=True)
    db = os.path.join(WORK, "csv.db")
    for f in glob.glob(db + "*"):
        os.unlink(f)
    run(SALA, "demo", "--init", "--db", db)
    bench_csv(db)
    line = table().splitlines()[-1]
    print(line)
    doc = os.path.join(ROOT, "docs", "performance.md")
    text = open(doc, encoding="utf-8").read().split("\n")
    at = [i for i, l in enumerate(text) if l.startswith("| " + CSV_ROW)]
    if at:
        text[at[0]] = line
    else:
        last = max(i for i, l in enumerate(text) if l.startswith("| ") and "## Analysis" not in l)
        text.insert(last + 1, line)
    open(doc, "w", encoding="utf-8").write("\n".join(text))
    log("updated the CSV row of docs/performance.md")


CERT_CURRENT = "revoked_at IS NULL AND superseded_by IS NULL"


def bench_certs():
    """Certificates: one render timed inside the process (`sala cert render-bench`: no CLI start-up, database
    open or file write), and 1,000 rendered in bulk end to end (`sala cert bulk --limit 1000`)."""
    serial = q("SELECT serial FROM certificates WHERE %s ORDER BY id LIMIT 1" % CERT_CURRENT)
    for fmt in ("png", "png-full", "pdf"):
        name = "Render one certificate (%s, in-process)" % {"png": "PNG for phones, 1600 px",
                                                            "png-full": "PNG at 300 dpi", "pdf": "PDF"}[fmt]
        if not serial:
            add_row((name, "", "not measured: no certificates", "< 100 ms", "n/a"))
            continue
        p = sala("cert", "render-bench", serial, "--format", fmt, "--count", "20", check=False)
        m = re.search(r"one ([\d.]+) ms, each ([\d.]+) ms", p.stdout)
        if p.returncode != 0 or not m:
            add_row((name, "", "failed: " + (p.stderr or p.stdout).strip()[-200:], "< 100 ms", "n/a"))
            continue
        one, each = float(m.group(1)), float(m.group(2))
        add_row((name, "`sala cert render-bench`", "%.1f ms (renderer made, one page, freed: what a download "
                     "does); %.1f ms a page with a warm renderer" % (one, each), "< 100 ms",
                     "met" if one < 100 else "MISSED"))
    current = q("SELECT count(*) FROM certificates WHERE %s" % CERT_CURRENT)
    for ext in ("pdf", "zip"):
        name = "Render 1,000 certificates in bulk (`sala cert bulk --limit 1000`, %s)" % ext.upper()
        if current < 1000:
            add_row((name, "", "not measured: %d current certificates" % current, "1,000 in < 60 s", "n/a"))
            continue
        out = os.path.join(WORK, "bulk." + ext)
        # Peak memory from /usr/bin/time -v (its last lines on stderr): the target is < 200 MB.
        t, p = timed(lambda: run("/usr/bin/time", "-v", SALA, "cert", "bulk", "--limit", "1000", "-o", out, "--db",
                                 DB, check=False))
        m = re.search(r": (\d+) certificates", p.stdout)
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
        n = int(m.group(1)) if m and p.returncode == 0 else 0
        peak = int(rss.group(1)) / 1024 if rss else 0
        if n:
            res = "%.1f s for %d certificates (%.1f MB file), peak RSS %.0f MB" % (t, n, os.path.getsize(out) / 1e6,
                                                                                  peak)
        else:
            res = "failed: " + (p.stderr or p.stdout).strip()[-200:]
        add_row((name, "1 thread, `/usr/bin/time -v`", res, "1,000 in < 60 s, < 200 MB peak",
                     "met" if n == 1000 and t < 60 and 0 < peak < 200 else "MISSED"))
        if os.path.exists(out):
            os.unlink(out)


def make_big_package(root, mb):
    os.makedirs(os.path.join(root, "lessons"))
    os.makedirs(os.path.join(root, "media"))
    with open(os.path.join(root, "course.yml"), "w") as f:
        f.write("id: bench-big\nversion: 1.0.%d\nlanguage: en\ntitle: Big media course\nsummary: Videos.\n"
                "minutes: 30\npass_mark: 50\ncertificate: false\nlessons:\n" % (int(time.time()) % 9999))
        for i in range(6):
            f.write("  - file: lessons/%02d.md\n" % i)
    per = (mb << 20) // 6
    for i in range(6):
        with open(os.path.join(root, "media", "clip%02d.mp4" % i), "wb") as f:
            f.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(per))
        with open(os.path.join(root, "lessons", "%02d.md" % i), "w") as f:
            f.write("# Clip %d\n\nWatch the clip.\n\n[Video](../media/clip%02d.mp4)\n" % (i, i))


# --- report -----------------------------------------------------------------------

def machine():
    mem = 0
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1]) / 1024 / 1024
    cpu = ""
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return "%d cores (nproc; %s), %.1f GB memory (MemTotal)" % (os.cpu_count() and int(
        run("nproc").stdout.strip()), cpu, mem)


NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def table():
    out = ["| Measure | Setting | SQLite | PostgreSQL | Target | |", "|---|---|---|---|---|---|"]
    for (name, setting), by in rows.items():
        res = [by[e][0] if e in by else ("" if e not in ENGINES else "not measured") for e in ("sqlite", "postgresql")]
        targets = {by[e][1] for e in by if by[e][1]}
        if len(targets) > 1:
            target = "; ".join("%s %s" % (NAMES[e], by[e][1]) for e in ("sqlite", "postgresql") if e in by and by[e][1])
        else:
            target = targets.pop() if targets else ""
        verdicts = [(e, by[e][2]) for e in ("sqlite", "postgresql") if e in by and by[e][2]]
        verdict = ("; ".join("%s %s" % (NAMES[e], v) for e, v in verdicts) if len(verdicts) > 1
                   else (verdicts[0][1] if verdicts and len(by) == 1 else
                         "; ".join("%s %s" % (NAMES[e], v) for e, v in verdicts)))
        cells = [name, setting] + res + [target, verdict]
        out.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
    return "\n".join(out)


def use_engine(engine):
    """Points DB, KEY and ENGINE at the engine's database: SQLite's file, or a new PostgreSQL cluster."""
    global DB, KEY, ENGINE, PG_DIR
    ENGINE = engine
    if engine == "sqlite":
        DB, KEY = os.path.join(WORK, "bench.db"), None
        return
    env = dict(os.environ, SALA_PG_FSYNC="on")
    p = subprocess.run([os.path.join(ROOT, "tests", "pg", "cluster.sh"), "start"], capture_output=True, text=True,
                       env=env)
    if p.returncode != 0:
        sys.exit("bench: cannot start a PostgreSQL cluster: " + p.stderr.strip()[-500:])
    PG_DIR, DB = p.stdout.split()
    KEY = os.path.join(WORK, "pg-signing.key")
    if os.path.exists(KEY):
        os.unlink(KEY)
    log("postgresql: cluster in %s (fsync on), %s" % (PG_DIR, DB))


def stop_pg():
    global PG_DIR
    if PG_DIR:
        subprocess.run([os.path.join(ROOT, "tests", "pg", "cluster.sh"), "stop", PG_DIR])
        PG_DIR = None


def measure_postgresql():
    """The same database contents on PostgreSQL: the pages, the durable submissions and the reports."""
    use_engine("postgresql")
    try:
        build_database()
        text = describe_database()
        log("postgresql: " + text)
        bench_http()
        bench_reports()
        bench_csv(DB)
        return text
    finally:
        stop_pg()


def reports_only():
    """BENCH_ONLY=reports: the database, the report rows and the durable submissions with and without the
    report aggregates, on each engine of BENCH_ENGINES; prints the table (docs/performance.md unchanged)."""
    os.makedirs(WORK, exist_ok=True)
    for engine in ENGINES:
        use_engine(engine)
        try:
            build_database()
            log("%s: %s" % (engine, describe_database()))
            bench_reports()
            learners = os.path.join(WORK, "learner-tokens")
            run(sys.executable, os.path.join(HERE, "sessions.py"), DB, learners, "400")
            srv = Serve(threads=96)
            try:
                bench_submissions_both(srv, learners)
            finally:
                srv.stop()
        finally:
            if engine == "postgresql":
                stop_pg()
    print("\n".join(notes))
    print(table())


def main():
    if not os.path.exists(SALA):
        sys.exit("bench: no binary at %s" % SALA)
    if os.environ.get("BENCH_ONLY") == "csv":
        return csv_only()
    if os.environ.get("BENCH_ONLY") == "reports":
        return reports_only()
    if not shutil.which("wrk"):
        sys.exit("bench: wrk is missing (scripts/deps.sh bench)")
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    texts = []
    os.makedirs(WORK, exist_ok=True)
    if "sqlite" in ENGINES:
        use_engine("sqlite")
        build_database()
        texts.append("SQLite: " + describe_database())
        log(texts[-1])
        bench_http()
        bench_memory()
        bench_reports()
        bench_cli()
        bench_csv(DB)
        bench_certs()
    if "postgresql" in ENGINES:
        texts.append("PostgreSQL 15 (a cluster of its own on this machine, default settings but fsync on): " +
                     measure_postgresql())
    t = table()
    head = ("Machine: %s. Kernel %s. wrk runs of %d s each (2 wrk threads; each page run after a %d s "
            "warm-up at the same settings), server, database server and wrk on the same machine over loopback. "
            "Databases, built by the same commands: %s."
            % (machine(), os.uname().release, SECS, WARMUP, "; ".join(texts)))
    print()
    print(head)
    print()
    print(t)
    doc = os.path.join(ROOT, "docs", "performance.md")
    keep = ""
    if os.path.exists(doc):
        text = open(doc, encoding="utf-8").read()
        i = text.find("## Analysis")
        if i >= 0:
            keep = "\n" + text[i:]
    with open(doc, "w", encoding="utf-8") as f:
        f.write("# Performance\n\n`make bench` (tests/bench/run.sh) builds with `-O2`, creates the database below, "
                "serves it on 127.0.0.1 and measures with wrk. This table is rewritten by every run; the analysis "
                "after it is kept.\n\n%s\n\n%s\n%s%s\n" % (head, t, "\n".join("- " + n for n in notes) + "\n"
                                                            if notes else "", keep))
    log("wrote docs/performance.md")


if __name__ == "__main__":
    main()
