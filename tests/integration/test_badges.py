"""Open Badges 3.0 as an independent verifier sees them: the VC-JWT of a certificate is verified by
npm `jose` through the key set the header's kid points to (fetched from the test server), validated by
`ajv` against 1EdTech's published JSON Schema (tests/ob3/schema), and its 1EdTechRevocationList says
revoked after `sala cert revoke`. Also the key set, the did:web document and the issuer profile."""
import json
import os
import subprocess
import tempfile

from harness import SRC, Server, sala
from test_certs import issue, setup_course

OB3 = os.path.join(SRC, "tests", "ob3")


def ob3_ready():
    """Installs the verifier's npm packages (pinned by tests/ob3/package-lock.json) once."""
    if os.path.isdir(os.path.join(OB3, "node_modules", "jose")) and \
            os.path.isdir(os.path.join(OB3, "node_modules", "ajv-formats")):
        return
    p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=OB3, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, "npm ci in tests/ob3 failed:\n" + p.stdout[-2000:] + p.stderr[-2000:]


def verify(jwt):
    """Runs the independent verifier on a badge; returns its report."""
    with tempfile.NamedTemporaryFile("w", suffix=".jwt", delete=False) as f:
        f.write(jwt)
    try:
        p = subprocess.run(["node", os.path.join(OB3, "verify.mjs"), f.name], capture_output=True, text=True,
                           timeout=120)
    finally:
        os.unlink(f.name)
    assert p.stdout.strip(), "verifier printed nothing: " + p.stderr[-2000:]
    report = json.loads(p.stdout.strip().splitlines()[-1])
    report["exit"] = p.returncode
    return report


def test_ob3_badge_verifies_independently_and_shows_revocation():
    ob3_ready()
    with Server() as srv:
        setup_course(srv)
        serial, code = issue(srv)
        base = "http://127.0.0.1:%d" % srv.port
        c = srv.client()
        c.login("learner")
        r = c.get("/certificates/%s/badge.jwt" % serial)
        assert r.status == 200, r.status
        jwt = r.text.strip()
        rep = verify(jwt)
        assert rep["verified"] is True and rep["exit"] == 0, rep
        assert rep["schemaErrors"] == [] and rep["profileErrors"] == [], rep
        assert rep["header"]["typ"] == "JWT" and rep["alg"] == "EdDSA", rep
        assert rep["header"]["kid"].startswith(base + "/.well-known/jwks.json#"), rep
        assert rep["claims"]["iss"] == base + "/issuer", rep
        assert rep["claims"]["jti"] == base + "/verify/" + code, rep
        assert rep["claims"]["sub"].startswith("urn:uuid:"), rep
        assert isinstance(rep["claims"]["nbf"], int), rep
        assert rep["didKey"] is True and rep["revoked"] is False, rep

        # The JSON badge is the same credential (no JWT claims).
        vc = c.get("/certificates/%s/badge.json" % serial).json()
        assert vc["id"] == rep["claims"]["jti"] and vc["issuer"]["id"] == rep["claims"]["iss"]
        assert vc["credentialSubject"]["id"] == rep["claims"]["sub"] and "iss" not in vc
        assert vc["credentialStatus"] == {"id": base + "/certificates/revocations", "type": "1EdTechRevocationList"}

        # A key rotation keeps the old key in the key set: the badge signed before it still verifies,
        # and a badge fetched after it is signed by the new key.
        p = sala("cert", "rotate-key", db=srv.db)
        assert p.returncode == 0, p.stderr
        keys = srv.client().get("/.well-known/jwks.json").json()["keys"]
        assert len(keys) == 2 and keys[1]["kid"] == rep["header"]["kid"], keys
        assert all(k["kty"] == "OKP" and k["crv"] == "Ed25519" and "d" not in k for k in keys)
        assert verify(jwt)["verified"] is True
        jwt2 = c.get("/certificates/%s/badge.jwt" % serial).text.strip()
        rep2 = verify(jwt2)
        assert rep2["verified"] is True and rep2["header"]["kid"] == keys[0]["kid"] != rep["header"]["kid"], rep2

        # Revoked: the signature still holds, and the revocation list tells every verifier.
        p = sala("cert", "revoke", serial, "--reason", "issued by mistake", db=srv.db)
        assert p.returncode == 0, p.stderr
        rep3 = verify(jwt)
        assert rep3["revoked"] is True and rep3["revocationReason"] == "issued by mistake", rep3
        lst = srv.client().get("/certificates/revocations").json()
        assert [e["id"] for e in lst["revokedCredentials"]] == [base + "/verify/" + code], lst

        # A tampered payload fails the signature check.
        h, body, sig = jwt.split(".")
        forged = h + "." + body[:-4] + ("AAAA" if body[-4:] != "AAAA" else "BBBB") + "." + sig
        assert verify(forged)["verified"] is False


def test_key_set_did_document_and_issuer_profile():
    with Server() as srv:
        setup_course(srv)
        base = "http://127.0.0.1:%d" % srv.port
        c = srv.client()
        r = c.get("/.well-known/jwks.json")
        assert r.status == 200 and r.header("Content-Type") == "application/jwk-set+json"
        keys = r.json()["keys"]
        pub = c.get("/certificates/public-key.json").json()
        assert [k["x"] for k in keys] == [k["x"] for k in pub["keys"]]
        assert keys[0]["kid"] == base + "/.well-known/jwks.json#" + pub["kid"]
        r = c.get("/.well-known/did.json")
        assert r.status == 200 and r.header("Content-Type") == "application/did+json"
        did = r.json()
        assert did["id"] == "did:web:127.0.0.1%%3A%d" % srv.port, did["id"]
        vm = did["verificationMethod"]
        assert [m["publicKeyJwk"]["x"] for m in vm] == [k["x"] for k in keys]
        assert did["assertionMethod"] == [m["id"] for m in vm] and vm[0]["controller"] == did["id"]
        prof = c.get("/issuer").json()
        assert prof["id"] == base + "/issuer" and prof["type"] == ["Profile"] and prof["name"] == "Ministry of Interior"
        lst = c.get("/certificates/revocations").json()
        assert lst["id"] == base + "/certificates/revocations" and lst["issuer"] == prof["id"]
        assert lst["revokedCredentials"] == []
