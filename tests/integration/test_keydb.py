"""The signing key and the database file: only `sala init` / `sala demo --init` create them; a missing,
garbage or group-readable key is a setup error everywhere (never "tampered"); key rotation keeps old
certificates valid; typo paths, damaged, read-only and foreign files are refused at start; a database
deleted under a running server stops writes with 503; files are created 0600 and backups carry the key."""
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time

from harness import ENGINE, SALA, SRC, Server, connect, sala, sala_env, sqlite_only
from test_certs import issue, setup_course, status_of

TYPO_HINT = "sala init --db"


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def serve_fails(db, *extra):
    """Starts `sala serve` on db and expects it to refuse: returns its stderr."""
    p = subprocess.run([SALA, "serve", "--listen", "127.0.0.1:0", "--db", db] + list(extra), capture_output=True,
                       text=True, cwd=SRC, env=sala_env(db), timeout=60)
    assert p.returncode != 0, "serve started on %s: %s %s" % (db, p.stdout, p.stderr)
    return p.stderr


@sqlite_only("the database file and its key made 0600 beside it; typo file paths")
def test_init_creates_database_and_key_0600_and_typo_paths_are_refused():
    d = tempfile.mkdtemp(prefix="sala-keydb-")
    try:
        os.umask(0o022)  # what a shell usually has: the modes below must not depend on it
        db = os.path.join(d, "site.db")
        p = sala("init", db=db)
        assert p.returncode == 0, p.stderr
        assert "created the database" in p.stdout and db + ".key" in p.stdout, p.stdout
        assert mode(db) == 0o600 and mode(db + ".key") == 0o600, (oct(mode(db)), oct(mode(db + ".key")))
        con = connect(db)
        assert con.execute("SELECT count(*) FROM org_units").fetchone()[0] == 26
        assert con.execute("SELECT count(*) FROM org_units WHERE level = 'province'").fetchone()[0] == 25
        assert con.execute("SELECT count(*) FROM users").fetchone()[0] == 0
        con.close()
        key = open(db + ".key").read()
        p = sala("init", db=db)
        assert p.returncode != 0 and "already exists" in p.stderr, p.stderr
        assert open(db + ".key").read() == key, "a second init must not touch the key"
        # A typo path: serve and every other command refuse, say how to create one, create nothing.
        typo = os.path.join(d, "stie.db")
        err = serve_fails(typo)
        assert "'%s' does not exist" % typo in err and TYPO_HINT in err and "demo --init" in err, err
        for args in (["user", "list"], ["cert", "list"], ["report"], ["settings", "list"], ["backup", os.path.join(d, "b.db")],
                     ["demo", "--learners", "3"], ["courses", "list"], ["cert", "public-key"], ["cert", "keygen"]):
            p = sala(*args, db=typo)
            assert p.returncode != 0 and "does not exist" in p.stderr and TYPO_HINT in p.stderr, (args, p.stderr)
        p = sala("user", "list", env={"SALA_DB": typo})
        assert p.returncode != 0 and TYPO_HINT in p.stderr, p.stderr
        assert not os.path.exists(typo) and not os.path.exists(typo + ".key"), os.listdir(d)
        # A broken key left where the new database's key goes: init refuses before creating anything.
        stale = os.path.join(d, "stale.db")
        with open(stale + ".key", "w") as f:
            f.write("left over\n")
        os.chmod(stale + ".key", 0o600)
        p = sala("init", db=stale)
        assert p.returncode != 0 and "is malformed" in p.stderr and "nothing was created" in p.stderr, p.stderr
        assert not os.path.exists(stale)
        # The new empty site serves, and its key set is published.
        with Server(demo=False, db=db) as srv:
            r = srv.client().get("/certificates/public-key")
            assert r.status == 200 and len(r.text.split()) == 1, r.text
            # keygen refuses to replace an existing key.
            p = sala("cert", "keygen", db=db)
            assert p.returncode != 0 and "already exists" in p.stderr, p.stderr
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_key_problems_are_setup_errors_never_tampered():
    with Server() as srv:
        setup_course(srv)
        serial, code = issue(srv)
        key = srv.key
        good = open(key, "rb").read()
        anon = srv.client()
        assert status_of(anon.get("/verify/" + code).text) == "valid"
        cases = [("missing", None, None, "is missing"),
                 ("garbage", b"this is not a key\n", 0o600, "is malformed"),
                 ("short", b"c2FsYQ==\n", 0o600, "is malformed"),
                 ("0644", good, 0o644, "can be read by other users (mode 0644)")]
        for name, content, m, says in cases:
            if os.path.exists(key):
                os.unlink(key)
            if content is not None:
                with open(key, "wb") as f:
                    f.write(content)
                os.chmod(key, m)
            # The running server: /verify is a setup problem (503), not a verdict on the certificate.
            r = anon.get("/verify/%s?lang=en" % code)
            assert r.status == 503, (name, r.status, r.text[:300])
            assert status_of(r.text) == "unavailable" and "problem in its setup" in r.text, (name, r.text[:600])
            assert "does not match" not in r.text and "tampered" not in r.text
            assert anon.get("/certificates/public-key").status == 503
            # The command line says the same, naming the file.
            p = sala("cert", "verify", code, db=srv.db)
            assert p.returncode == 3, (name, p.returncode, p.stdout, p.stderr)
            assert key in p.stderr and says in p.stderr, (name, p.stderr)
            assert "tampered" not in p.stdout + p.stderr and "valid" not in p.stdout, (name, p.stdout)
            # Nothing creates a key on the way.
            assert os.path.exists(key) == (content is not None), name
        log = srv.logtext()
        assert "cannot verify certificates" in log and key in log, log[-1500:]
        # serve refuses to start, with the reason and the file.
        for name, content, m, says in cases:
            if os.path.exists(key):
                os.unlink(key)
            if content is not None:
                with open(key, "wb") as f:
                    f.write(content)
                os.chmod(key, m)
            err = serve_fails(srv.db)
            assert key in err and says in err, (name, err)
            if name == "0644":
                assert "chmod 600" in err, err
            if name == "missing":
                assert not os.path.exists(key), "serve created a key"
        # keygen will not make a new key for a database with certificates: they would all fail.
        os.unlink(key)
        p = sala("cert", "keygen", db=srv.db)
        assert p.returncode != 0 and "fail verification" in p.stderr and not os.path.exists(key), p.stderr
        # The key put back: everything verifies again, on the running server too.
        with open(key, "wb") as f:
            f.write(good)
        os.chmod(key, 0o600)
        r = anon.get("/verify/" + code)
        assert r.status == 200 and status_of(r.text) == "valid"
        p = sala("cert", "verify", code, db=srv.db)
        assert p.returncode == 0 and p.stdout.startswith("valid: " + serial), p.stdout


def test_rotate_key_keeps_old_certificates_valid_and_backup_restores_with_key():
    with Server() as srv:
        setup_course(srv, users=("learner", "trainer"))
        old_serial, old_code = issue(srv, "learner")
        anon = srv.client()
        before = anon.get("/certificates/public-key").text.split()
        assert len(before) == 1
        old_png = os.path.join(srv.dir, "old.png")
        sala("cert", "render", old_serial, "-o", old_png, db=srv.db, check=True)
        p = sala("cert", "rotate-key", db=srv.db)
        assert p.returncode == 0 and "retired" in p.stdout, p.stderr
        assert mode(srv.key) == 0o600 and not os.path.exists(srv.key + ".new")
        time.sleep(1.1)
        new_serial, new_code = issue(srv, "trainer")
        new_png = os.path.join(srv.dir, "new.png")
        sala("cert", "render", new_serial, "-o", new_png, db=srv.db, check=True)
        # Both verify online, each matched to its own key.
        kids = []
        for serial, code in ((old_serial, old_code), (new_serial, new_code)):
            r = anon.get("/verify/%s?lang=en" % code)
            assert r.status == 200 and status_of(r.text) == "valid", (code, r.status, r.text[:400])
            p = sala("cert", "verify", code, db=srv.db)
            assert p.returncode == 0 and p.stdout.startswith("valid: " + serial), p.stdout
            kids.append([l for l in p.stdout.splitlines() if "signed by:" in l][0].split()[-1])
        assert kids[0] != kids[1], kids
        # The public key page and the key set list both, the new one first.
        text = anon.get("/certificates/public-key").text.split()
        assert len(text) == 2 and text[1] == before[0] and text[0] != before[0], (before, text)
        js = anon.get("/certificates/public-key.json").json()
        assert js["public_key"] == text[0] and js["kid"] == kids[1]
        ks = js["keys"]
        assert [k["kid"] for k in ks] == [kids[1], kids[0]], ks
        assert [k["status"] for k in ks] == ["current", "retired"]
        assert ks[1]["valid_to"] and ks[0]["valid_to"] is None and ks[0]["valid_from"] == ks[1]["valid_to"], ks
        assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" for k in ks)
        cli = sala("cert", "public-key", db=srv.db, check=True).stdout.split()
        assert cli == text
        # Offline: both files check against the published key set; the old one not against the new key alone.
        keyset = os.path.join(srv.dir, "keys.txt")
        open(keyset, "w").write("\n".join(text) + "\n")
        newkey = os.path.join(srv.dir, "new.txt")
        open(newkey, "w").write(text[0] + "\n")
        jsonset = os.path.join(srv.dir, "keys.json")
        open(jsonset, "w").write(anon.get("/certificates/public-key.json").text)
        for png in (old_png, new_png):
            for ks_file in (keyset, jsonset):
                p = sala("cert", "verify", "--offline", png, "--key", ks_file)
                assert p.returncode == 0 and "signature valid" in p.stdout, (png, ks_file, p.stdout, p.stderr)
        assert sala("cert", "verify", "--offline", new_png, "--key", newkey).returncode == 0
        p = sala("cert", "verify", "--offline", old_png, "--key", newkey)
        assert p.returncode == 1 and "invalid" in p.stdout, p.stdout
        # A backup carries the key; restored on another path (both files), every certificate verifies.
        if ENGINE == "sqlite":  # sala backup copies the SQLite file
            d = tempfile.mkdtemp(prefix="sala-restore-")
            try:
                out = os.path.join(d, "backup.db")
                p = sala("backup", out, db=srv.db)
                assert p.returncode == 0 and out + ".key" in p.stdout, (p.stdout, p.stderr)
                assert mode(out) == 0o600 and mode(out + ".key") == 0o600
                assert open(out + ".key", "rb").read() == open(srv.key, "rb").read()
                there = os.path.join(d, "restored")
                os.mkdir(there)
                db2 = os.path.join(there, "sala.db")
                shutil.move(out, db2)
                shutil.move(out + ".key", db2 + ".key")
                for serial, code in ((old_serial, old_code), (new_serial, new_code)):
                    p = sala("cert", "verify", code, db=db2)
                    assert p.returncode == 0 and p.stdout.startswith("valid: " + serial), (p.stdout, p.stderr)
                with Server(demo=False, db=db2) as restored:
                    r = restored.client().get("/verify/" + old_code)
                    assert r.status == 200 and status_of(r.text) == "valid"
                # The copy without its key cannot be served, and says which file is missing.
                os.unlink(db2 + ".key")
                err = serve_fails(db2)
                assert db2 + ".key" in err and "is missing" in err, err
                # --key PATH: the key kept elsewhere.
                elsewhere = os.path.join(d, "signing.key")
                shutil.copy(srv.key, elsewhere)
                os.chmod(elsewhere, 0o600)
                p = sala("cert", "verify", old_code, "--key", elsewhere, db=db2)
                assert p.returncode == 0 and p.stdout.startswith("valid: "), (p.stdout, p.stderr)
                with Server(demo=False, db=db2, args=["--key", elsewhere]) as restored:
                    r = restored.client().get("/verify/" + new_code)
                    assert r.status == 200 and status_of(r.text) == "valid"
            finally:
                shutil.rmtree(d, ignore_errors=True)
        # A key that does not belong to the database (the key before the rotation) is refused at start.
        d = tempfile.mkdtemp(prefix="sala-mismatch-")
        try:
            other = os.path.join(d, "other.key")
            subprocess.run([SALA, "init", "--db", os.path.join(d, "x.db")], check=True, capture_output=True)
            shutil.copy(os.path.join(d, "x.db.key"), other)
            os.chmod(other, 0o600)
            err = serve_fails(srv.db, "--key", other)
            assert "do not belong together" in err and other in err, err
            if ENGINE != "sqlite":
                return  # the rest works on a copy made by sala backup
            # Without any rotation too: a database whose certificates another key signed is refused.
            plain = os.path.join(d, "plain.db")
            sala("backup", plain, db=srv.db, check=True)
            con = connect(plain)
            con.execute("DELETE FROM settings WHERE key LIKE 'cert_key_ring%'")
            con.commit()
            con.close()
            err = serve_fails(plain, "--key", other)
            assert "does not verify the newest certificate (%s)" % new_serial in err and other in err, err
        finally:
            shutil.rmtree(d, ignore_errors=True)


@sqlite_only("damaged, read-only and foreign database, -wal and -shm files")
def test_damaged_read_only_and_foreign_files_are_refused_at_start():
    d = tempfile.mkdtemp(prefix="sala-start-")
    try:
        db = os.path.join(d, "s.db")
        sala("demo", "--init", db=db, check=True)
        clean = os.path.join(d, "clean.db")
        shutil.copy(db, clean)
        # Damaged: pages in the middle overwritten.
        size = os.path.getsize(db)
        with open(db, "r+b") as f:
            f.seek(4096 * 3)
            f.write(os.urandom(min(4096 * 20, size - 4096 * 3)))
        err = serve_fails(db)
        assert "is damaged" in err and db in err and "backup" in err, err
        # A file that is not a database at all.
        with open(db, "r+b") as f:
            f.write(os.urandom(4096))
        err = serve_fails(db)
        assert db in err and ("damaged" in err or "not a database" in err), err
        shutil.copy(clean, db)
        # Read-only database file.
        os.chmod(db, 0o444)
        err = serve_fails(db)
        assert "database '%s' is read-only (mode 0444)" % db in err and "chmod" in err, err
        os.chmod(db, 0o600)
        # A newer schema than this program knows.
        con = connect(db)
        ver = con.execute("PRAGMA user_version").fetchone()[0]
        con.execute("PRAGMA user_version = 999")
        con.commit()
        con.close()
        err = serve_fails(db)
        assert "schema version 999" in err and "upgrade sala" in err, err
        con = connect(db)
        con.execute("PRAGMA user_version = %d" % ver)
        con.commit()
        con.close()
        # Leftover -wal/-shm from a killed server: read-only, or owned by another user, are named.
        srv = Server(demo=False, db=db)
        c = srv.client()
        c.login("admin")
        srv.kill()
        shm, wal = db + "-shm", db + "-wal"
        assert os.path.exists(shm) and os.path.exists(wal)
        os.chmod(shm, 0o444)
        err = serve_fails(db)
        assert "'%s' is read-only (mode 0444)" % shm in err and "shared-memory" in err, err
        os.chmod(shm, 0o600)
        os.chown(wal, 65534, 65534)
        err = serve_fails(db)
        assert "'%s' is owned by" % wal in err and "uid 65534" in err and "chown" in err, err
        os.chown(wal, os.geteuid(), os.getegid())
        # Fixed: it starts again and keeps what was written.
        srv.start()
        srv.client().login("admin")
        srv.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


@sqlite_only("the database file deleted or replaced under the server")
def test_database_deleted_or_replaced_under_running_server_stops_writes():
    from test_quiz import COURSE as QUIZ_COURSE, FINAL, RIGHT, start
    srv = Server()
    try:
        sala("import", QUIZ_COURSE, db=srv.db, check=True)
        c = srv.client()
        c.login("learner")
        aid, _ = start(c, FINAL)
        other = srv.client()
        other.get("/login")
        os.unlink(srv.db)
        # The checkpoint thread notices within a few seconds even with no request.
        deadline = time.time() + 10
        while "ALERT" not in srv.logtext() and time.time() < deadline:
            time.sleep(0.2)
        assert "ALERT: the database file '%s' was deleted" % srv.db in srv.logtext(), srv.logtext()[-1500:]
        r = c.post("/attempts/%d/submit" % aid, RIGHT)
        assert r.status == 503, (r.status, r.text[:300])
        assert "Nothing was saved" in r.text or "គ្មានអ្វី" in r.text, r.text[:600]
        r = other.post("/login", {"username": "admin", "password": "admin-demo-1"})
        assert r.status == 503, r.status
        # Reads go on from the open file.
        assert c.get("/courses").status == 200
        srv.kill()
        # No new empty database at restart: the path is refused with the how-to.
        err = serve_fails(srv.db)
        assert "does not exist" in err and TYPO_HINT in err, err
        assert not os.path.exists(srv.db)
    finally:
        srv.stop()
    # Replaced by another file (a copy moved over it): writes stop too.
    srv = Server()
    try:
        c = srv.client()
        c.login("learner")
        copy = os.path.join(srv.dir, "copy.db")
        sala("backup", copy, db=srv.db, check=True)
        os.rename(copy, srv.db)
        r = c.post("/lang", {"lang": "en", "next": "/"})
        assert r.status == 503, r.status
        assert "replaced by another file" in srv.logtext(), srv.logtext()[-1500:]
    finally:
        srv.stop()


@sqlite_only("modes of the database, -wal, -shm and backup files")
def test_wal_and_shm_are_0600_after_writes_and_backups_are_0600():
    d = tempfile.mkdtemp(prefix="sala-modes-")
    try:
        os.umask(0o022)
        db = os.path.join(d, "m.db")
        p = sala("demo", "--init", db=db)
        assert p.returncode == 0 and mode(db) == 0o600 and mode(db + ".key") == 0o600, p.stderr
        with Server(demo=False, db=db) as srv:
            c = srv.client()
            c.login("learner")
            c.post("/lang", {"lang": "en", "next": "/"})
            for f in (db, db + "-wal", db + "-shm"):
                assert os.path.exists(f) and mode(f) == 0o600, (f, oct(mode(f)))
            out = os.path.join(d, "b.db")
            p = sala("backup", out, db=db)
            assert p.returncode == 0, p.stderr
            assert mode(out) == 0o600 and mode(out + ".key") == 0o600, (oct(mode(out)), oct(mode(out + ".key")))
            assert not [n for n in os.listdir(d) if ".tmp" in n], os.listdir(d)
        # A backup whose key cannot be copied says so loudly and fails.
        os.unlink(db + ".key")
        p = sala("backup", os.path.join(d, "c.db"), db=db)
        assert p.returncode == 1 and "NOT copied" in p.stderr and db + ".key" in p.stderr, p.stderr
    finally:
        shutil.rmtree(d, ignore_errors=True)
