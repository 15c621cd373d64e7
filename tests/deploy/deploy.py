#!/usr/bin/env python3
"""The deployment test: builds the Debian package, inspects it, installs it on this machine, runs
`sala --version` and `sala doctor` on seeded problems, then runs every command of
docs/operations.md in order (the production path: first admin, bundled courses, settings, the
server as the unit runs it, nginx with TLS in front, backups with the key, a restore check, a
restore, monitoring, logs, an upgrade restart under load, removal and purge; then the demo path),
checking what each must have done. Prints one line per step and "N passed, N failed" last.

Needs root (it installs the package, creates the user sala, writes /var/lib/sala). Services run
through tests/deploy/shim.py (systemctl, journalctl, nginx stand-ins: this machine has no
systemd); nginx runs from a copy of /etc/nginx on ephemeral ports, never as the system service.

Usage: deploy.py [STEP-PATTERN]   (steps whose name contains the pattern, with what they need)
"""
import glob
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

SRC = os.environ.get("SALA_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.dirname(os.path.abspath(__file__))
DOC = os.path.join(SRC, "docs", "operations.md")
VERSION = open(os.path.join(SRC, "VERSION")).read().strip()
UPGRADE_VERSION = VERSION + "+deploytest1"
MARKER = "/var/tmp/sala-deploy-test.marker"
DB = "/var/lib/sala/sala.db"
ADMIN_PASSWORD = "Mekong-Delta-Floodplain-2026"
CLIENT_ADDR = "127.0.0.7"  # the test's browser: nginx sees it, Sala must log it

T = tempfile.mkdtemp(prefix="sala-deploy-")
# Builds here are the package's own, not those of a make that started this test (make test -j2).
for _v in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SANITIZE", "SALA_DB"):
    os.environ.pop(_v, None)
results = []
state = {}


def log(msg):
    print(msg, flush=True)


def run(cmd, check=True, timeout=600, **kw):
    """Runs cmd (list, or str through bash); returns CompletedProcess with text output."""
    if isinstance(cmd, str):
        cmd = ["bash", "-c", cmd]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d:\n%s\n%s" % (cmd, p.returncode, p.stdout[-3000:], p.stderr[-3000:]))
    return p


def as_sala(*args, check=True, input=None):
    return run(["runuser", "-u", "sala", "--"] + list(args), check=check, input=input)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


# ---- docs/operations.md ------------------------------------------------------------------


def doc_blocks():
    """{name: script} of the ```sh blocks, each named by the <!-- ops: NAME --> line before it."""
    text = open(DOC).read()
    blocks, order = {}, []
    for m in re.finditer(r"```sh\n(.*?)```", text, re.S):
        before = text[:m.start()].rstrip().splitlines()[-1] if text[:m.start()].strip() else ""
        n = re.match(r"<!-- ops: ([\w-]+) -->$", before.strip())
        if not n:
            raise AssertionError("docs/operations.md: an sh block has no '<!-- ops: NAME -->' line before it, so "
                                 "no test runs it:\n" + m.group(1)[:300])
        blocks[n.group(1)] = m.group(1)
        order.append(n.group(1))
    return blocks, order


def localise(script):
    """The documented commands with this test's ports, host name and folders."""
    p = state["ports"]
    subs = [
        ("https://sala.example.gov.kh", "https://localhost:%d" % p["tls"]),
        ("sala.example.gov.kh", "localhost"),
        ("127.0.0.1:8080", "127.0.0.1:%d" % p["main"]),
        ("127.0.0.1:8081", "127.0.0.1:%d" % p["standby"]),
        ("/etc/nginx", os.path.join(T, "etc", "nginx")),
        ("/etc/ssl/sala", os.path.join(T, "ssl")),
    ]
    for a, b in subs:
        script = script.replace(a, b)
    return script


ran_blocks = set()


def doc_run(name, cwd=None, input=None, timeout=600):
    """Runs the documented block as written (bash -e -x), with the shims first on PATH."""
    blocks, _ = doc_blocks()
    script = localise(blocks[name])
    env = dict(os.environ)
    env["PATH"] = os.path.join(T, "bin") + ":" + env["PATH"]
    env["SALA_SHIM_DIR"] = T
    env["DEBIAN_FRONTEND"] = "noninteractive"
    env.pop("SALA_DB", None)
    # The administrator answers apt-get's questions with yes.
    apt_conf = os.path.join(T, "apt.conf")
    if not os.path.exists(apt_conf):
        open(apt_conf, "w").write('APT::Get::Assume-Yes "true";\n')
    env["APT_CONFIG"] = apt_conf
    p = subprocess.run(["bash", "-e", "-x", "-c", script], capture_output=True, text=True, cwd=cwd or T,
                       input=input, env=env, timeout=timeout)
    with open(os.path.join(T, "ops-%s.log" % name), "w") as f:
        f.write(p.stdout + "\n--- stderr ---\n" + p.stderr)
    ran_blocks.add(name)
    if p.returncode != 0:
        raise AssertionError("docs/operations.md block '%s' failed (exit %d):\n%s\n%s" %
                             (name, p.returncode, p.stdout[-2500:], p.stderr[-2500:]))
    return p


def journal(unit="sala.service"):
    try:
        return open(os.path.join(T, "journal", unit), errors="replace").read()
    except OSError:
        return ""


# ---- HTTPS through nginx -----------------------------------------------------------------


class Client:
    """A browser behind nginx: HTTPS to localhost with the test's certificate, from CLIENT_ADDR."""

    def __init__(self, port=None, source=CLIENT_ADDR):
        self.port = port or state["ports"]["tls"]
        self.source = source
        self.cookies = {}
        self.ctx = ssl.create_default_context(cafile=os.path.join(T, "ssl", "fullchain.pem"))

    def request(self, method, path, body=None, headers=None):
        h = {"Host": "localhost:%d" % self.port}
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        h.update(headers or {})
        c = http.client.HTTPSConnection("localhost", self.port, timeout=30, context=self.ctx,
                                        source_address=(self.source, 0))
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        for k, v in r.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data.decode("utf-8", "replace")

    def login(self, username, password):
        st, _, page = self.request("GET", "/login")
        assert st == 200, "GET /login through nginx: %d" % st
        csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
        body = urllib.parse.urlencode({"csrf": csrf, "username": username, "password": password})
        st, h, page = self.request("POST", "/login", body,
                                   {"Content-Type": "application/x-www-form-urlencoded"})
        assert st == 303, "login through nginx: %d %s" % (st, page[:300])
        return h


def http_local(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read().decode("utf-8", "replace")
    c.close()
    return r.status, body


def metric_sum(text, name):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


# ---- steps -------------------------------------------------------------------------------


def step(name, needs=()):
    def wrap(fn):
        fn.step_name = name
        fn.needs = needs
        STEPS.append(fn)
        return fn
    return wrap


STEPS = []


@step("preflight")
def s_preflight():
    assert os.geteuid() == 0, "the deployment test installs a package: run it as root"
    leftover = os.path.exists(MARKER)
    installed = run(["dpkg-query", "-W", "-f=${Status}", "sala"], check=False).stdout
    present = "install ok installed" in installed or os.path.exists("/var/lib/sala") or \
        run(["getent", "passwd", "sala"], check=False).returncode == 0
    if present and not leftover:
        raise AssertionError("Sala is installed on this machine (package, /var/lib/sala or user sala) and not by "
                             "this test: the deployment test would purge it. Run it on a test machine.")
    open(MARKER, "w").write("sala deployment test %s\n" % T)
    if present:
        cleanup_system()
    # Ports, shims, a copy of /etc/nginx whose paths point into T.
    state["ports"] = {"main": free_port(), "standby": free_port(), "tls": free_port(), "http": free_port()}
    p = state["ports"]
    with open(os.path.join(T, "ports.json"), "w") as f:
        json.dump({"map": {"127.0.0.1:8080": "127.0.0.1:%d" % p["main"],
                           "127.0.0.1:8081": "127.0.0.1:%d" % p["standby"]},
                   "tls": p["tls"], "http": p["http"]}, f)
    os.makedirs(os.path.join(T, "bin"))
    for n in ("systemctl", "journalctl", "nginx"):
        os.symlink(os.path.join(HERE, "shim.py"), os.path.join(T, "bin", n))
    os.makedirs(os.path.join(T, "etc"))
    shutil.copytree("/etc/nginx", os.path.join(T, "etc", "nginx"), symlinks=True)
    conf = os.path.join(T, "etc", "nginx", "nginx.conf")
    text = open(conf).read().replace("/etc/nginx", os.path.join(T, "etc", "nginx"))
    text = re.sub(r"^pid .*;", "pid %s/nginx.pid;" % T, text, flags=re.M)
    text = text.replace("/var/log/nginx/", T + "/nginx-")
    open(conf, "w").write(text)
    for f in glob.glob(os.path.join(T, "etc", "nginx", "sites-enabled", "*")):
        if os.path.islink(f) and os.readlink(f).startswith("/etc/nginx"):
            os.unlink(f)
            os.symlink(os.path.join(T, "etc", "nginx", "sites-available", os.path.basename(f)), f)
    os.chmod(T, 0o755)
    blocks, order = doc_blocks()
    state["order"] = order


@step("build", needs=("preflight",))
def s_build():
    doc_run("build", cwd=SRC, timeout=900)
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    deb = os.path.join(SRC, "build", "deb", "sala_%s_%s.deb" % (VERSION, arch))
    assert os.path.exists(deb), "make deb did not write %s" % deb
    os.makedirs(os.path.join(T, "pkg1"))
    shutil.copy(deb, os.path.join(T, "pkg1"))
    state["deb"] = os.path.join(T, "pkg1", os.path.basename(deb))
    # The package of the upgrade: the same tree with a higher version (built in a copy, so that
    # build/deb keeps the package of the checkout).
    src = source_copy()
    run(["make", "deb", "VERSION=" + UPGRADE_VERSION], cwd=src, timeout=900)
    os.makedirs(os.path.join(T, "pkg2"))
    shutil.copy(os.path.join(src, "build", "deb", "sala_%s_%s.deb" % (UPGRADE_VERSION, arch)),
                os.path.join(T, "pkg2"))


@step("package-contents", needs=("build",))
def s_contents():
    deb = state["deb"]
    assert run(["dpkg-deb", "-f", deb, "Version"]).stdout.strip() == VERSION
    listing = run(["dpkg-deb", "-c", deb]).stdout
    files = {}
    for line in listing.splitlines():
        perm, owner, _size, _d, _t, path = line.split(None, 5)
        path = path.split(" -> ")[0]
        files[path[1:]] = (perm, owner)
        assert owner == "root/root", "%s is owned by %s" % (path, owner)
        assert perm[8] != "w" and perm[5] != "w", "%s is writable by group or others: %s" % (path, perm)
        assert "s" not in perm and "S" not in perm, "%s is setuid/setgid: %s" % (path, perm)
    want = {
        "/usr/bin/sala": "-rwxr-xr-x",
        "/lib/systemd/system/sala.service": "-rw-r--r--",
        "/lib/systemd/system/sala-standby.service": "-rw-r--r--",
        "/lib/systemd/system/sala-backup.service": "-rw-r--r--",
        "/lib/systemd/system/sala-backup.timer": "-rw-r--r--",
        "/lib/systemd/system/sala-alert@.service": "-rw-r--r--",
        "/usr/libexec/sala/sala-backup": "-rwxr-xr-x",
        "/usr/libexec/sala/sala-alert": "-rwxr-xr-x",
        "/usr/share/sala/nginx/sala.conf": "-rw-r--r--",
        "/usr/share/doc/sala/operations.md": "-rw-r--r--",
        "/usr/share/doc/sala/copyright": "-rw-r--r--",
    }
    for path, perm in want.items():
        assert path in files, "the package lacks %s" % path
        assert files[path][0] == perm, "%s has mode %s, want %s" % (path, files[path][0], perm)
    for course in sorted(os.listdir(os.path.join(SRC, "courses", "library"))):
        p = "/usr/share/sala/courses/%s/course.yml" % course
        assert p in files, "the package lacks the bundled course %s" % p
    assert not [p for p in files if p.startswith("/var/") or p.startswith("/etc/")], \
        "the package ships files under /var or /etc"
    scripts = run(["dpkg-deb", "-I", deb]).stdout
    for s in ("postinst", "postrm", "prerm"):
        assert re.search(r"\b%s\b" % s, scripts), "no %s script" % s


@step("install", needs=("package-contents",))
def s_install():
    p = doc_run("install", cwd=os.path.join(T, "pkg1"))
    assert p.stdout.strip().splitlines()[-1] == "sala " + VERSION, p.stdout[-300:]
    assert "install ok installed" in run(["dpkg-query", "-W", "-f=${Status}", "sala"]).stdout
    pw = run(["getent", "passwd", "sala"]).stdout.strip().split(":")
    assert int(pw[2]) < 1000 and pw[6] == "/usr/sbin/nologin" and pw[5] == "/var/lib/sala", pw
    for d in ("/var/lib/sala", "/var/backups/sala"):
        st = os.stat(d)
        assert oct(st.st_mode & 0o7777) == "0o750", "%s has mode %o" % (d, st.st_mode & 0o7777)
        assert run(["stat", "-c", "%U:%G", d]).stdout.strip() == "sala:sala", d
    assert shutil.which("sala") == "/usr/bin/sala"
    # The shipped units as systemd reads them.
    units = ["/lib/systemd/system/" + u for u in ("sala.service", "sala-standby.service", "sala-backup.service",
                                                   "sala-backup.timer", "sala-alert@.service")]
    v = run(["systemd-analyze", "verify"] + units, check=False)
    said = [l for l in (v.stdout + v.stderr).splitlines() if "/lib/systemd/system/sala" in l]
    assert v.returncode == 0 and not said, "systemd-analyze verify: %s" % (v.stdout + v.stderr)
    # systemd's own rating of the sandboxing (0 is the most confined, 10 the least).
    for u in ("sala.service", "sala-backup.service"):
        out = run(["systemd-analyze", "security", "--offline=true", "/lib/systemd/system/" + u], check=False).stdout
        level = float(re.search(r"Overall exposure level for %s: ([\d.]+)" % re.escape(u), out).group(1))
        assert level <= 2.5, "%s: systemd-analyze security rates its exposure %.1f" % (u, level)
    unit = open("/lib/systemd/system/sala.service").read()
    for want in ("User=sala", "UMask=0027", "ProtectSystem=strict", "ReadWritePaths=/var/lib/sala /var/backups/sala",
                 "PrivateTmp=yes", "NoNewPrivileges=yes", "ProtectHome=yes", "Restart=on-failure",
                 "--listen 127.0.0.1:8080"):
        assert want in unit, "sala.service lacks %s" % want
    stop = int(re.search(r"^TimeoutStopSec=(\d+)", unit, re.M).group(1))
    assert stop > 30, "TimeoutStopSec=%d is not above the 30 s drain" % stop
    assert "OnFailure=sala-alert@%n.service" in open("/lib/systemd/system/sala-backup.service").read()


@step("nginx-site", needs=("install",))
def s_nginx_site():
    """The shipped site, as is (only its certificate paths), passes nginx -t inside Debian's nginx.conf."""
    d = os.path.join(T, "nginx-t")
    shutil.copytree(os.path.join(T, "etc", "nginx"), os.path.join(d, "nginx"), symlinks=False)
    conf = os.path.join(d, "nginx", "nginx.conf")
    text = open(conf).read().replace(os.path.join(T, "etc", "nginx"), os.path.join(d, "nginx"))
    open(conf, "w").write(text)
    for f in glob.glob(os.path.join(d, "nginx", "sites-enabled", "*")):
        os.unlink(f)
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=t -keyout %s/k.pem -out %s/c.pem" % (d, d))
    site = open("/usr/share/sala/nginx/sala.conf").read()
    site = site.replace("/etc/ssl/sala/fullchain.pem", d + "/c.pem").replace("/etc/ssl/sala/privkey.pem",
                                                                             d + "/k.pem")
    open(os.path.join(d, "nginx", "sites-enabled", "sala"), "w").write(site)
    p = run(["nginx", "-t", "-c", conf, "-e", os.path.join(d, "error.log")], check=False)
    assert p.returncode == 0, "nginx -t refuses the shipped site: " + p.stderr
    # Its limits match Sala's: the largest package (300 MB, server/h_packages.c) fits, every login route is limited.
    src = open(os.path.join(SRC, "server", "h_packages.c")).read()
    upload_mb = int(re.search(r"#define UPLOAD_MAX \(\(size_t\)(\d+) << 20\)", src).group(1))
    body_mb = int(re.search(r"client_max_body_size (\d+)m;", site).group(1))
    assert upload_mb < body_mb <= upload_mb + 64, "client_max_body_size %dm vs Sala's %d MB" % (body_mb, upload_mb)
    routes = set()
    for f in glob.glob(os.path.join(SRC, "server", "*.c")):
        # Every POST route of anyone (not an administrator's) that checks a password or an activation code.
        routes |= set(r for r in re.findall(r'\{"POST", "(/[^"]*(?:login|password|activat)[^"]*)"', open(f).read())
                      if not r.startswith("/admin/"))
    assert "/login" in routes and "/api/v1/login" in routes, routes
    for r in routes:
        m = re.search(r"location = %s \{([^}]*)\}" % re.escape(r), site)
        assert m and "limit_req zone=sala_login" in m.group(1), "the site does not rate-limit %s" % r
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    assert re.search(r"proxy_next_upstream error", site)


@step("version", needs=("install",))
def s_version():
    p = run(["sala", "--version"])
    assert p.stdout == "sala %s\n" % VERSION, p.stdout


@step("doctor-seeded", needs=("install",))
def s_doctor():
    """sala doctor on a database with the problems an administrator forgets."""
    d = os.path.join(T, "doctor")
    os.makedirs(os.path.join(d, "backups"))
    run(["chown", "-R", "sala:sala", d])
    db = os.path.join(d, "sala.db")
    as_sala("sala", "demo", "--init", "--db", db)  # demo accounts, base_url left at its default
    key = db + ".key"
    if not os.path.exists(key):
        as_sala("sala", "cert", "public-key", "--db", db)  # a build that makes the key on first use
    os.chmod(key, 0o644)  # the key readable by others
    # sala.service changed to listen on every address, with no proxy configured.
    dropin = "/etc/systemd/system/sala.service.d"
    os.makedirs(dropin, exist_ok=True)
    with open(os.path.join(dropin, "zz-deploy-test.conf"), "w") as f:
        f.write("[Service]\nExecStart=\nExecStart=/usr/bin/sala serve --listen 0.0.0.0:8080\n")
    try:
        p = as_sala("sala", "doctor", "--db", db, "--backups", os.path.join(d, "backups"), check=False)
    finally:
        shutil.rmtree(dropin)
    out = p.stdout
    state["doctor_out"] = out
    assert p.returncode == 1, "doctor exit %d with problems seeded:\n%s" % (p.returncode, out)
    expect = {
        "base_url": r"PROBLEM\s+base_url .*default",
        "demo": r"PROBLEM\s+demo .*'admin'",
        "key": r"PROBLEM\s+key .*mode 0644",
        "backup": r"PROBLEM\s+backup .*no backup",
        "listen": r"PROBLEM\s+listen .*0\.0\.0\.0:8080",
    }
    for what, pat in expect.items():
        assert re.search(pat, out), "doctor did not flag %s:\n%s" % (what, out)
    problems = len(re.findall(r"^PROBLEM", out, re.M))
    fixes = len(re.findall(r"^\s+fix: \S", out, re.M))
    assert problems == fixes, "a problem without its fix:\n" + out
    assert re.search(r"^%d problems found$" % problems, out, re.M), out
    # As root it refuses to open sala's database (it would leave root's -wal/-shm behind).
    before = sorted(os.listdir(d))
    p = run(["sala", "doctor", "--db", db, "--backups", os.path.join(d, "backups")], check=False)
    assert p.returncode == 1 and "runuser -u sala -- sala doctor" in p.stdout, p.stdout
    assert sorted(os.listdir(d)) == before, "doctor as root created files: %s" % (set(os.listdir(d)) - set(before))


@step("doctor-fixes", needs=("doctor-seeded",))
def s_doctor_fixes():
    """Each printed fix, run as printed, makes its problem go away: doctor then exits 0."""
    d = os.path.join(T, "doctor")
    db = os.path.join(d, "sala.db")
    for fix in re.findall(r"^\s+fix: (.*)$", state["doctor_out"], re.M):
        cmd = fix.split("   (")[0]
        if cmd.startswith("listen on"):
            continue  # the drop-in that caused it is gone
        if "; then: " in cmd:  # the site's own administrator before the demo one goes
            first, cmd = cmd.split("; then: ")
            first = first.replace("NAME", "chief").replace('"FULL chief"', '"Chief Administrator"')
            as_sala("sh", "-c", first, input=ADMIN_PASSWORD + "\n")
        if cmd.startswith("as root: "):
            run(cmd[len("as root: "):])
        else:
            as_sala("sh", "-c", cmd)
    p = as_sala("sala", "doctor", "--db", db, "--backups", os.path.join(d, "backups"), check=False)
    assert p.returncode == 0 and "no problems found" in p.stdout, "after the fixes:\n" + p.stdout


@step("init", needs=("install",))
def s_init():
    doc_run("init")
    st = os.stat(DB)
    assert st.st_mode & 0o777 == 0o600, "the database has mode %o" % (st.st_mode & 0o777)
    k = os.stat(DB + ".key")
    assert k.st_mode & 0o777 == 0o600 and run(["stat", "-c", "%U", DB + ".key"]).stdout.strip() == "sala"
    doc_run("admin", input=ADMIN_PASSWORD + "\n")
    doc_run("courses")
    p = as_sala("sala", "courses", "list", "--db", DB)
    n = len(os.listdir("/usr/share/sala/courses"))
    assert len([l for l in p.stdout.splitlines() if " active " in l]) == n, p.stdout
    doc_run("settings")
    assert as_sala("sala", "settings", "get", "base_url", "--db", DB).stdout.strip() == \
        "https://localhost:%d" % state["ports"]["tls"]


@step("serve", needs=("init",))
def s_serve():
    doc_run("start")
    doc_run("tls")
    doc_run("nginx")
    ps = run(["ps", "-o", "user=,args=", "-C", "sala"]).stdout
    assert re.search(r"^sala\s+/usr/bin/sala serve --listen 127\.0\.0\.1:%d" % state["ports"]["main"], ps, re.M), ps


@step("login-through-proxy", needs=("serve",))
def s_login():
    c = Client()
    st, h, _ = c.request("GET", "/healthz")
    assert st == 200, st
    assert "max-age" in h.get("strict-transport-security", ""), h
    c.login("admin", ADMIN_PASSWORD)
    st, _, page = c.request("GET", "/admin/users")
    assert st == 200 and "admin" in page, st
    state["admin"] = c
    # A client cannot choose its address: nginx replaces X-Forwarded-For.
    c.request("GET", "/verify/SPOOFCHECK", headers={"X-Forwarded-For": "203.0.113.9"})
    time.sleep(0.5)
    lines = journal().splitlines()
    login = [l for l in lines if "/login" in l and "POST" in l]
    assert login and CLIENT_ADDR in login[-1], "the log has no POST /login from %s:\n%s" % (
        CLIENT_ADDR, "\n".join(lines[-20:]))
    spoof = [l for l in lines if "SPOOFCHECK" in l]
    assert spoof and CLIENT_ADDR in spoof[-1] and "203.0.113.9" not in spoof[-1].split("SPOOFCHECK")[0], spoof


@step("certificate", needs=("login-through-proxy",))
def s_certificate():
    """admin completes a bundled course (written as the quiz area would) and gets a certificate."""
    course = "digital-literacy"
    as_sala("python3", "-c", """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
uid = db.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()[0]
db.execute("INSERT OR REPLACE INTO enrolments(user_id, course_id, enrolled_at, started_at, completed_at, best_final)"
           " VALUES (?, ?, 1767000000, 1767000000, 1767600000, 90)", (uid, sys.argv[2]))
db.commit()
""", DB, course)
    p = as_sala("sala", "cert", "issue", "--user", "admin", "--course", course, "--db", DB)
    serial, code = p.stdout.split()[:2]
    state["code"] = code
    st, _, page = state["admin"].request("GET", "/verify/" + code)
    assert st == 200 and 'data-status="valid"' in page, (st, page[:500])


@step("backup", needs=("certificate",))
def s_backup():
    doc_run("backup")
    today = time.strftime("%Y-%m-%d")
    f = "/var/backups/sala/sala-%s.db" % today
    for p in (f, f + ".key"):
        st = os.stat(p)
        assert st.st_mode & 0o077 == 0, "%s has mode %o" % (p, st.st_mode & 0o777)
        assert run(["stat", "-c", "%U", p]).stdout.strip() == "sala", p
    assert open(f + ".key").read() == open(DB + ".key").read(), "the backup's key is not the site's"
    # An old backup is pruned by the next run; today's stays.
    old = "/var/backups/sala/sala-2000-01-01.db"
    as_sala("sh", "-c", "touch -d 2000-01-01 %s %s.key" % (old, old))
    run(["systemctl", "start", "sala-backup.service"], env=shim_env())
    assert not os.path.exists(old) and not os.path.exists(old + ".key") and os.path.exists(f), \
        os.listdir("/var/backups/sala")
    # A failing backup is loud: OnFailure= logs at err priority.
    dropin = "/etc/systemd/system/sala-backup.service.d"
    os.makedirs(dropin, exist_ok=True)
    open(os.path.join(dropin, "zz-deploy-test.conf"), "w").write(
        "[Service]\nEnvironment=SALA_DB=/var/lib/sala/missing.db\n")
    try:
        p = run(["systemctl", "start", "sala-backup.service"], env=shim_env(), check=False)
    finally:
        shutil.rmtree(dropin)
    assert p.returncode != 0, "a backup of a missing database succeeded"
    alert = journal("sala-alert@sala-backup.service.service")
    assert alert.startswith("<3>sala-alert: sala-backup.service FAILED"), alert
    p = doc_run("alerts")
    assert "sala-backup.service FAILED" in p.stdout, p.stdout


def shim_env():
    env = dict(os.environ)
    env["PATH"] = os.path.join(T, "bin") + ":" + env["PATH"]
    env["SALA_SHIM_DIR"] = T
    return env


@step("restore-check", needs=("backup",))
def s_restore_check():
    p = doc_run("restore-check")
    assert "no problems found" in p.stdout and state["code"] in p.stdout, p.stdout
    # The same restore on a path of the test's: the certificate verifies with the restored key.
    d = os.path.join(T, "restored")
    os.makedirs(d)
    b = sorted(glob.glob("/var/backups/sala/sala-*.db"))[-1]
    run(["install", "-o", "sala", "-g", "sala", "-m", "0600", b, d + "/sala.db"])
    run(["install", "-o", "sala", "-g", "sala", "-m", "0600", b + ".key", d + "/sala.db.key"])
    run(["chown", "sala:sala", d])
    p = as_sala("sala", "cert", "verify", state["code"], "--db", d + "/sala.db")
    assert p.stdout.startswith("valid"), p.stdout


@step("monitor", needs=("serve",))
def s_monitor():
    c = state.get("admin") or Client()
    for _ in range(20):
        c.request("GET", "/login")
    p = doc_run("monitor")
    st, body = http_local(state["ports"]["main"], "/metrics")
    assert st == 200, st
    n = metric_sum(body, "sala_http_requests_total")
    assert n >= 20, "sala_http_requests_total is %g after 20 requests through nginx" % n
    doc_run("logs")
    lines = [l for l in journal().splitlines() if CLIENT_ADDR in l and "/login" in l]
    assert len(lines) >= 20, "the request log has %d lines of the 20 GET /login" % len(lines)
    doc_run("throttle")


@step("upgrade-under-load", needs=("login-through-proxy",))
def s_upgrade():
    stop = threading.Event()
    stats = {"ok": 0, "errors": []}
    lock = threading.Lock()
    code = state.get("code", "NONE")

    def loop(i):
        c = Client()
        c.cookies = dict(state["admin"].cookies)
        paths = ["/", "/login", "/verify/" + code, "/healthz", "/courses"]
        k = 0
        while not stop.is_set():
            path = paths[(i + k) % len(paths)]
            k += 1
            try:
                st, _, _ = c.request("GET", path)
                with lock:
                    if st >= 500:
                        stats["errors"].append("%s %d" % (path, st))
                    else:
                        stats["ok"] += 1
            except Exception as e:  # a refused or cut connection is a client error too
                with lock:
                    stats["errors"].append("%s %r" % (path, e))

    posts = {"ok": 0, "errors": []}

    def post_loop():
        """A form POST (the language switch, with the session and its CSRF token) again and again."""
        c = Client()
        c.cookies = dict(state["admin"].cookies)
        st, _, page = c.request("GET", "/admin/users")
        csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
        body = urllib.parse.urlencode({"csrf": csrf, "lang": "en", "next": "/"})
        while not stop.is_set():
            try:
                st, _, _ = c.request("POST", "/lang", body, {"Content-Type": "application/x-www-form-urlencoded"})
                with lock:
                    if st == 303:
                        posts["ok"] += 1
                    else:
                        posts["errors"].append("POST /lang %d" % st)
            except Exception as e:
                with lock:
                    posts["errors"].append("POST /lang %r" % e)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(4)] + [threading.Thread(target=post_loop)]
    for t in threads:
        t.start()
    try:
        time.sleep(1)
        p = doc_run("upgrade", cwd=os.path.join(T, "pkg2"))
        time.sleep(1)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert p.stdout.strip().splitlines()[-1] == "sala " + UPGRADE_VERSION, p.stdout[-300:]
    assert not glob.glob(os.path.join(T, "run", "*.killed")), "a server had to be killed: it did not drain in time"
    assert stats["ok"] > 50, "only %d requests during the upgrade" % stats["ok"]
    assert not stats["errors"], "%d client errors of %d requests during the upgrade: %s" % (
        len(stats["errors"]), stats["ok"] + len(stats["errors"]), stats["errors"][:10])
    log("     %d GET requests through nginx during the upgrade, 0 errors; POSTs: %d answered, %d errors" %
        (stats["ok"], posts["ok"], len(posts["errors"])))
    state["posts"] = posts
    # The new server counts the traffic since its start.
    st, body = http_local(state["ports"]["main"], "/metrics")
    assert st == 200 and metric_sum(body, "sala_http_requests_total") > 0, body[:500]


@step("upgrade-posts", needs=("upgrade-under-load",))
def s_upgrade_posts():
    """Form POSTs during the upgrade restart: none may fail either. nginx resends a request to the
    standby only when it could not send it; a server that still takes connections after SIGTERM
    (into its listen queue, reset when it exits) fails the POSTs that wait there."""
    posts = state["posts"]
    assert posts["ok"] > 5, "only %d POSTs during the upgrade" % posts["ok"]
    assert not posts["errors"], "%d of %d POSTs failed during the upgrade restart: %s" % (
        len(posts["errors"]), posts["ok"] + len(posts["errors"]), posts["errors"][:5])


@step("restore", needs=("backup", "upgrade-under-load"))
def s_restore():
    doc_run("restore")
    assert os.stat(DB).st_mode & 0o777 == 0o600
    st, _, page = Client().request("GET", "/verify/" + state["code"])
    assert st == 200 and 'data-status="valid"' in page, "after the restore: %d" % st


@step("remove", needs=("install",))
def s_remove():
    run(["systemctl", "stop", "sala", "sala-standby"], env=shim_env(), check=False)
    p = doc_run("remove")
    assert "install ok installed" not in run(["dpkg-query", "-W", "-f=${Status}", "sala"], check=False).stdout
    for f in ("/usr/bin/sala", "/lib/systemd/system/sala.service", "/usr/share/sala", "/usr/libexec/sala",
              "/usr/share/doc/sala"):
        assert not os.path.exists(f), "%s is still there after purge" % f
    # The records stay, and purge says so.
    assert os.path.isdir("/var/lib/sala") and os.path.isdir("/var/backups/sala")
    assert "kept the database" in p.stdout + p.stderr, p.stdout[-1500:]
    assert run(["getent", "passwd", "sala"], check=False).returncode == 0
    doc_run("erase")
    assert not os.path.exists("/var/lib/sala") and run(["getent", "passwd", "sala"], check=False).returncode != 0


@step("demo", needs=("preflight",))
def s_demo():
    """The demo path: make run in a copy of the checkout, on an ephemeral port."""
    src = source_copy()
    port = free_port()
    env = dict(os.environ, SALA_LISTEN="127.0.0.1:%d" % port, SALA_DB=os.path.join(T, "demo.db"))
    env.pop("SANITIZE", None)
    env.pop("MAKEFLAGS", None)
    blocks, _ = doc_blocks()
    logf = open(os.path.join(T, "ops-demo.log"), "w")
    p = subprocess.Popen(["bash", "-e", "-c", blocks["demo"]], cwd=src, env=env, stdout=logf, stderr=logf,
                         start_new_session=True)
    ran_blocks.add("demo")
    try:
        deadline = time.time() + 600
        while True:
            try:
                if http_local(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert p.poll() is None, "make run stopped: " + open(os.path.join(T, "ops-demo.log")).read()[-2000:]
            assert time.time() < deadline, "make run did not serve within 10 minutes"
            time.sleep(0.5)
        out = open(os.path.join(T, "ops-demo.log")).read()
        m = re.search(r"^\s+admin\s+/\s+(\S+)", out, re.M)
        assert m, "make run did not print the admin login:\n" + out[-2000:]
        # The printed login works.
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/login")
        r = c.getresponse()
        page = r.read().decode("utf-8", "replace")
        cookie = "; ".join(v.split(";", 1)[0] for k, v in r.getheaders() if k.lower() == "set-cookie")
        csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
        c.request("POST", "/login", urllib.parse.urlencode({"csrf": csrf, "username": "admin", "password": m.group(1)}),
                  {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        r = c.getresponse()
        r.read()
        c.close()
        assert r.status == 303, "the demo admin's printed password does not log in: %d" % r.status
    finally:
        # make and the server it started share the group: stop both, and wait for the server's drain.
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=60)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                os.killpg(p.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)


def source_copy():
    """A copy of the checkout (what git would hold), so builds here never touch the tree under test."""
    src = os.path.join(T, "src")
    if not os.path.isdir(src):
        os.makedirs(src)
        run("tar -C %s -c --exclude-vcs --exclude-vcs-ignores --exclude=./build --exclude=./sala -f - . | "
            "tar -x -C %s" % (SRC, src))
    return src


@step("make-install", needs=("preflight",))
def s_make_install():
    """make install with the default PREFIX=/usr/local into DESTDIR, then make uninstall."""
    src = source_copy()
    dest = os.path.join(T, "destdir")
    run(["make", "install", "DESTDIR=" + dest], cwd=src, timeout=900)
    want = {
        "usr/local/bin/sala": 0o755,
        "usr/local/libexec/sala/sala-backup": 0o755,
        "usr/local/libexec/sala/sala-alert": 0o755,
        "usr/local/lib/systemd/system/sala.service": 0o644,
        "usr/local/lib/systemd/system/sala-backup.timer": 0o644,
        "usr/local/share/sala/nginx/sala.conf": 0o644,
        "usr/local/share/doc/sala/operations.md": 0o644,
        "usr/local/share/sala/courses/digital-literacy/course.yml": 0o644,
    }
    for f, mode in want.items():
        st = os.stat(os.path.join(dest, f))
        assert st.st_mode & 0o777 == mode, "%s has mode %o, want %o" % (f, st.st_mode & 0o777, mode)
    unit = open(os.path.join(dest, "usr/local/lib/systemd/system/sala.service")).read()
    assert "ExecStart=/usr/local/bin/sala serve --listen 127.0.0.1:8080" in unit, unit
    assert "file:///usr/local/share/doc/sala/operations.md" in unit
    backup = open(os.path.join(dest, "usr/local/lib/systemd/system/sala-backup.service")).read()
    assert "ExecStart=/usr/local/libexec/sala/sala-backup" in backup, backup
    assert "/usr/local/share/sala/nginx/sala.conf" in open(os.path.join(dest, "usr/local/share/sala/nginx/sala.conf")).read()
    p = run([os.path.join(dest, "usr/local/bin/sala"), "--version"])
    assert p.stdout == "sala %s\n" % VERSION, p.stdout
    run(["make", "uninstall", "DESTDIR=" + dest], cwd=src)
    left = [os.path.join(r, f) for r, _, fs in os.walk(dest) for f in fs]
    assert not left, "make uninstall left %s" % left[:10]


@step("docs-covered", needs=("preflight",))
def s_covered():
    """Every documented block was run by a step above (checked last)."""
    missing = [b for b in state["order"] if b not in ran_blocks]
    assert not missing, "docs/operations.md blocks no step ran: %s" % missing


def cleanup_system():
    """Leaves the machine as before: services stopped, package purged, user and folders gone."""
    env = shim_env()
    if os.path.exists(os.path.join(T, "ports.json")):
        run(["systemctl", "stop", "sala", "sala-standby", "nginx"], env=env, check=False)
    for pidf in glob.glob(os.path.join(T, "run", "*.pid")) + [os.path.join(T, "nginx.pid")]:
        try:
            os.kill(int(open(pidf).read()), signal.SIGKILL)
        except (OSError, ValueError):
            pass
    env["DEBIAN_FRONTEND"] = "noninteractive"
    if "install ok installed" in run(["dpkg-query", "-W", "-f=${Status}", "sala"], check=False).stdout or \
            "config-files" in run(["dpkg-query", "-W", "-f=${Status}", "sala"], check=False).stdout:
        run(["dpkg", "--purge", "sala"], check=False, env=env)
    for d in ("/var/lib/sala", "/var/backups/sala", "/etc/systemd/system/sala.service.d",
              "/etc/systemd/system/sala-backup.service.d"):
        shutil.rmtree(d, ignore_errors=True)
    if run(["getent", "passwd", "sala"], check=False).returncode == 0:
        run(["deluser", "--system", "--quiet", "sala"], check=False)
    if run(["getent", "group", "sala"], check=False).returncode == 0:
        run(["delgroup", "--system", "--quiet", "sala"], check=False)


def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 else ""
    wanted = set()
    byname = {s.step_name: s for s in STEPS}

    def want(n):
        if n in wanted:
            return
        wanted.add(n)
        for d in byname[n].needs:
            want(d)
    for s in STEPS:
        if pattern in s.step_name:
            want(s.step_name)
    if pattern and "docs-covered" in wanted and pattern not in "docs-covered":
        wanted.discard("docs-covered")
    if pattern:
        wanted.discard("docs-covered")
    passed_names, failed = set(), 0
    try:
        for s in STEPS:
            if s.step_name not in wanted:
                continue
            missing = [d for d in s.needs if d not in passed_names]
            if missing:
                log("FAIL %s (not run: needs %s)" % (s.step_name, ", ".join(missing)))
                failed += 1
                continue
            t0 = time.time()
            try:
                s()
                passed_names.add(s.step_name)
                log("ok   %s (%.1fs)" % (s.step_name, time.time() - t0))
            except Exception:
                failed += 1
                log("FAIL %s (%.1fs)" % (s.step_name, time.time() - t0))
                traceback.print_exc(file=sys.stdout)
                sys.stdout.flush()
    finally:
        if "preflight" in passed_names:
            try:
                cleanup_system()
            except Exception:
                traceback.print_exc(file=sys.stdout)
            try:
                os.unlink(MARKER)
            except OSError:
                pass
        if os.environ.get("SALA_DEPLOY_KEEP"):
            log("kept %s" % T)
        else:
            shutil.rmtree(T, ignore_errors=True)
    print("%d passed, %d failed" % (len(passed_names), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
