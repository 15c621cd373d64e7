#!/usr/bin/env python3
"""Stand-ins for systemctl, journalctl and nginx on a test machine without systemd, so the
commands of docs/operations.md run as written. Installed as symlinks named after each
command; the state lives in $SALA_SHIM_DIR:

    ports.json     {"127.0.0.1:8080": "127.0.0.1:PORT", ...} and "tls"/"http" ports for nginx
    journal/UNIT   what a unit wrote (standard output and error), as the journal would hold it
    run/UNIT.pid   a running service; run/UNIT.killed when it had to be killed (stop timed out)
    run/enabled    enabled units
    etc/nginx      a copy of /etc/nginx whose paths point into the folder

systemctl runs the installed unit files (/etc/systemd/system, then /lib/systemd/system, with
drop-ins): User=, Group=, UMask=, Environment=, WorkingDirectory=, ExecStart=, Type=oneshot,
OnFailure=, TimeoutStopSec=; it only maps the listen addresses to the test's ports.
"""
import fnmatch
import glob
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time

STATE = os.environ["SALA_SHIM_DIR"]
JOURNAL = os.path.join(STATE, "journal")
RUN = os.path.join(STATE, "run")
UNIT_DIRS = ["/etc/systemd/system", "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"]
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
NGINX = "/usr/sbin/nginx"


def ports():
    with open(os.path.join(STATE, "ports.json")) as f:
        return json.load(f)


def map_addrs(text):
    for a, b in ports()["map"].items():
        text = text.replace(a, b)
    return text


# ---- units -------------------------------------------------------------------------------


def unit_name(n):
    return n if "." in n else n + ".service"


def unit_file(name):
    """The unit file for name (a template instance falls back to NAME@.service)."""
    cands = [name]
    m = re.match(r"^([^@]+@).*(\.\w+)$", name)
    if m:
        cands.append(m.group(1) + m.group(2))
    for c in cands:
        for d in UNIT_DIRS:
            p = os.path.join(d, c)
            if os.path.exists(p):
                return p, c
    return None, None


def load_unit(name):
    path, tmpl = unit_file(name)
    if not path:
        sys.exit("Unit %s could not be found." % name)
    files = [path] + sorted(glob.glob("/etc/systemd/system/%s.d/*.conf" % name))
    u = {"Environment": [], "ExecStart": [], "OnFailure": []}
    instance = name.split("@", 1)[1].rsplit(".", 1)[0] if "@" in name else ""
    for f in files:
        for line in open(f):
            line = line.strip()
            if not line or line[0] in "#;[":
                continue
            k, _, v = line.partition("=")
            k, v = k.strip(), v.strip()
            v = v.replace("%i", instance).replace("%n", name).replace("%%", "%")
            if k in ("Environment", "ExecStart", "OnFailure"):
                if v == "":
                    u[k] = []
                elif k == "Environment":
                    u[k] += shlex.split(v)
                elif k == "OnFailure":
                    u[k] += v.split()
                else:
                    u[k].append(v)
            else:
                u[k] = v
    return u


def pidfile(name):
    return os.path.join(RUN, name + ".pid")


def running(name):
    try:
        pid = int(open(pidfile(name)).read())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    # A zombie is not running: reap it if it is ours, else look at /proc.
    try:
        st = open("/proc/%d/stat" % pid).read().split(")")[-1].split()[0]
        if st == "Z":
            return None
    except OSError:
        return None
    return pid


def spawn(name, u, wait):
    user, group = u.get("User", "root"), u.get("Group") or None
    env = {"PATH": PATH, "LANG": "C.UTF-8", "INVOCATION_ID": "shim"}
    if user != "root":
        import pwd
        pw = pwd.getpwnam(user)
        env.update({"USER": user, "LOGNAME": user, "HOME": pw.pw_dir, "SHELL": pw.pw_shell})
    for kv in u["Environment"]:
        k, _, v = kv.partition("=")
        env[k] = v
    umask = int(u.get("UMask", "0022"), 8)
    cwd = u.get("WorkingDirectory", "/")
    os.makedirs(JOURNAL, exist_ok=True)
    log = open(os.path.join(JOURNAL, name), "ab")
    rc = 0
    for cmd in u["ExecStart"]:
        ignore = cmd.startswith("-")
        argv = shlex.split(map_addrs(cmd.lstrip("-@+!")))
        p = subprocess.Popen(argv, stdout=log, stderr=log, env=env, cwd=cwd, user=user, group=group,
                             extra_groups=[] if user != "root" else None, umask=umask, start_new_session=True,
                             stdin=subprocess.DEVNULL)
        if not wait:
            with open(pidfile(name), "w") as f:
                f.write(str(p.pid))
            return 0
        r = p.wait()
        if r and not ignore:
            rc = r
            break
    return rc


def stop(name):
    pid = running(name)
    if not pid:
        return 0
    u = load_unit(name)
    sig = getattr(signal, u.get("KillSignal", "SIGTERM"))
    timeout = float(re.sub(r"[^0-9.]", "", u.get("TimeoutStopSec", "90")) or 90)
    os.kill(pid, sig)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not running(name):
            break
        time.sleep(0.05)
    else:
        os.killpg(pid, signal.SIGKILL)
        open(os.path.join(RUN, name + ".killed"), "w").write("killed after %gs\n" % timeout)
        print("%s: stop timed out after %gs: killed" % (name, timeout), file=sys.stderr)
    try:
        os.unlink(pidfile(name))
    except OSError:
        pass
    return 0


def start(name):
    if name == "nginx.service":
        return nginx_ctl("start")
    if name.endswith(".timer"):
        return 0  # enabled below; the test starts the backup service itself
    u = load_unit(name)
    if u.get("Type") == "oneshot":
        rc = spawn(name, u, wait=True)
        if rc:
            for f in u["OnFailure"]:
                spawn(f, load_unit(f), wait=True)
            print("Job for %s failed because the control process exited with error code." % name,
                  file=sys.stderr)
            return 1
        return 0
    if running(name):
        return 0
    return spawn(name, u, wait=False)


def systemctl(args):
    opts = [a for a in args if a.startswith("-")]
    args = [a for a in args if not a.startswith("-")]
    if not args:
        sys.exit("systemctl (test stand-in): no command")
    cmd, units = args[0], [unit_name(a) for a in args[1:]]
    os.makedirs(RUN, exist_ok=True)
    rc = 0
    if cmd == "daemon-reload":
        return 0
    for n in units:
        if cmd == "start":
            rc |= start(n)
        elif cmd == "stop":
            rc |= nginx_ctl("stop") if n == "nginx.service" else stop(n)
        elif cmd == "restart":
            if n == "nginx.service":
                rc |= nginx_ctl("reload")
            else:
                stop(n)
                rc |= start(n)
        elif cmd == "reload":
            rc |= nginx_ctl("reload") if n == "nginx.service" else 0
        elif cmd in ("enable", "disable"):
            with open(os.path.join(RUN, "enabled"), "a") as f:
                f.write("%s %s\n" % (cmd, n))
            if "--now" in opts:
                rc |= start(n) if cmd == "enable" else stop(n)
        elif cmd == "is-active":
            ok = running(n) is not None
            print("active" if ok else "inactive")
            rc |= 0 if ok else 3
        elif cmd == "status":
            pid = running(n)
            print("%s: %s" % (n, "active (running), pid %d" % pid if pid else "inactive"))
            rc |= 0 if pid else 3
        else:
            sys.exit("systemctl (test stand-in): '%s' is not emulated" % cmd)
    return rc


# ---- journalctl --------------------------------------------------------------------------


def journalctl(args):
    units, n, prio = [], None, None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-u", "--unit"):
            units.append(args[i + 1])
            i += 1
        elif a in ("-n", "--lines"):
            n = int(args[i + 1])
            i += 1
        elif a in ("-p", "--priority"):
            prio = args[i + 1]
            i += 1
        elif a == "--since":
            i += 1
        elif a in ("--no-pager", "-q", "--quiet", "-e"):
            pass
        else:
            sys.exit("journalctl (test stand-in): option '%s' is not emulated" % a)
        i += 1
    names = os.listdir(JOURNAL) if os.path.isdir(JOURNAL) else []
    lines = []
    for pat in units or ["*"]:
        pat = unit_name(pat) if "*" not in pat else pat
        for name in sorted(names):
            if fnmatch.fnmatch(name, pat):
                lines += open(os.path.join(JOURNAL, name), errors="replace").read().splitlines()
    if prio in ("err", "3"):
        lines = [l for l in lines if l.startswith("<3>") or re.search(r"\berror\b", l)]
    lines = [l[3:] if re.match(r"^<\d>", l) else l for l in lines]
    if n is not None:
        lines = lines[-n:]
    print("\n".join(lines) if lines else "-- No entries --")
    return 0


# ---- nginx -------------------------------------------------------------------------------


def nginx_conf():
    return os.path.join(STATE, "etc", "nginx", "nginx.conf")


def nginx_sites():
    """Points the enabled sites at the test's ports and certificate (what an administrator edits)."""
    p = ports()
    for f in glob.glob(os.path.join(STATE, "etc", "nginx", "sites-enabled", "*")):
        real = os.path.realpath(f)
        text = open(real).read()
        text = re.sub(r"^\s*listen \[::\]:\d+.*\n", "", text, flags=re.M)
        text = re.sub(r"listen 443 ", "listen 127.0.0.1:%d " % p["tls"], text)
        text = re.sub(r"listen 80;", "listen 127.0.0.1:%d;" % p["http"], text)
        text = text.replace("/etc/ssl/sala/", os.path.join(STATE, "ssl") + "/")
        text = map_addrs(text)
        with open(real, "w") as out:
            out.write(text)


def nginx_ctl(what):
    pidf = os.path.join(STATE, "nginx.pid")
    alive = False
    try:
        os.kill(int(open(pidf).read()), 0)
        alive = True
    except (OSError, ValueError):
        pass
    if what == "stop":
        return subprocess.call([NGINX, "-c", nginx_conf(), "-e", os.path.join(STATE, "nginx-error.log"), "-s",
                                "quit"]) if alive else 0
    nginx_sites()
    base = [NGINX, "-c", nginx_conf(), "-e", os.path.join(STATE, "nginx-error.log")]
    if what == "reload" and alive:
        rc = subprocess.call(base + ["-s", "reload"])
        time.sleep(0.5)  # the new workers take over
        return rc
    return subprocess.call(base)


def nginx(args):
    nginx_sites()
    return subprocess.call([NGINX, "-c", nginx_conf(), "-e", os.path.join(STATE, "nginx-error.log")] + args)


if __name__ == "__main__":
    prog = os.path.basename(sys.argv[0])
    fn = {"systemctl": systemctl, "journalctl": journalctl, "nginx": nginx}.get(prog)
    if not fn:
        sys.exit("shim.py: run as systemctl, journalctl or nginx")
    sys.exit(fn(sys.argv[1:]))
