"""Khmer digits where numbers were still Latin in Khmer mode (the check-in result and the session's day
links, server/h_checkin.c; the invite problem list, server/h_training.c), and secret settings on the admin
settings page (metrics_token: never shown, only whether it is set and its last characters)."""
import re
import time

from harness import Server, sala
from learnutil import one, q
from test_checkin import add_session, code_of, ict, learner_client, minute

KHMER_DIGITS = "០១២៣៤៥៦៧៨៩"


def notices(page):
    """The text of the page's notices (ok, error, info), tags removed."""
    return [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'<div class="notice[^"]*"[^>]*>(.*?)</div>', page, re.S)]


def test_checkin_result_and_day_links_in_khmer_digits():
    with Server() as srv:
        now = time.time()
        d2 = (minute(now - 600), minute(now + 600))  # open now
        d1 = (d2[0] - 86400, d2[0] - 86400 + 300)
        wid = add_session(srv, "One-window service", [d1, d2], invite=["learner"])
        trainer = learner_client(srv, "trainer")
        code = code_of(trainer, wid, 2)
        c = learner_client(srv, "learner")
        c.cookies["sala_lang"] = "km"
        c.get("/profile")
        r = c.post(code)
        assert r.status == 200, r.text[-800:]
        said = [n for n in notices(r.text) if "សូមអរគុណ" in n]
        assert len(said) == 1, notices(r.text)
        # Day 2 in Khmer digits, and no Latin digit left in the sentence.
        assert "ថ្ងៃទី ២" in said[0] and not re.search("[0-9]", said[0]), said[0]
        # The same check-in again: the refusal says the day in Khmer digits too.
        r = c.post(code)
        assert r.status == 409
        again = [n for n in notices(r.text) if "២" in n]
        assert again and not re.search("[0-9]", again[0]), notices(r.text)
        # In English the digits stay Latin.
        c.cookies["sala_lang"] = "en"
        c.get("/profile")
        r = c.post(code)
        assert r.status == 409 and "already checked in for day 2" in r.text
        # The trainer's day links of a two-day session, in Khmer: ថ្ងៃ ១, ថ្ងៃ ២.
        trainer.cookies["sala_lang"] = "km"
        trainer.get("/profile")
        page = trainer.get("/sessions/%d/keyin?day=1" % wid).text
        nav = re.search(r'<nav aria-label="[^"]*"><p>(.*?)</p></nav>', page, re.S)
        assert nav, page[-1500:]
        links = re.sub(r"<[^>]+>", " ", nav.group(1))
        assert "១" in links and "២" in links and not re.search("[0-9]", links), links
        # The key-in page's count of recorded marks, and the QR code's name, in Khmer digits.
        page = trainer.get("/sessions/%d/keyin?day=1&recorded=3" % wid).text
        said = [n for n in notices(page) if "បានកត់ត្រាវត្តមាន" in n]
        assert said and "៣" in said[0] and not re.search("[0-9]", said[0]), notices(page)
        page = trainer.get("/sessions/%d/checkin-code?day=2" % wid).text
        label = re.search(r'role="img" aria-label="([^"]*)"', page)
        assert label and label.group(1).endswith("ថ្ងៃទី ២"), label and label.group(1)


def test_invite_problem_list_in_khmer_digits():
    with Server() as srv:
        now = time.time()
        s = minute(now + 86400)
        if ict(s)[:10] != ict(s + 3600)[:10]:  # not across midnight in Cambodia
            s -= 4 * 3600
        wid = add_session(srv, "Budget planning", [(s, s + 3600)])
        c = learner_client(srv, "trainer")
        # More names than one invite takes: the limit is said in Khmer digits; names keep their own letters.
        names = " ".join("ghost" + "".join(chr(ord("a") + (i // 26 ** k) % 26) for k in range(3)) for i in range(501))
        r = c.post("/sessions/%d/invite?lang=km" % wid, {"invite": names, "invite_org": ""})
        assert r.status in (200, 422), r.status
        problems = [n for n in notices(r.text) if "ghost" in n]
        assert problems, notices(r.text)
        assert "៥០០" in problems[0] and "500" not in problems[0], problems[0][:300]
        assert "ghostaaa" in problems[0]
        assert one(srv, "SELECT count(*) FROM workshop_people WHERE workshop_id = ?", wid) == 0


TOKEN = "Kampot-pepper-monitoring-token-2026-abcd"


def test_metrics_token_never_shown_only_its_end():
    with Server() as srv:
        c = srv.client()
        c.login("admin")
        c.cookies["sala_lang"] = "en"
        page = c.get("/admin/settings").text
        assert 'id="secret-metrics_token">Not set.' in page
        assert re.search(r'<input id="f-metrics_token" name="metrics_token" type="password"', page), page
        # Set it from the page: saved, never echoed back, only its last 4 characters shown.
        assert c.post("/admin/settings", {"metrics_token": TOKEN}).status == 303
        assert one(srv, "SELECT value FROM settings WHERE key = 'metrics_token'") == TOKEN
        page = c.get("/admin/settings").text
        assert TOKEN not in page and TOKEN[:-4] not in page
        assert "Set: it ends with …abcd." in page
        field = re.search(r'<input id="f-metrics_token"[^>]*>', page).group(0)
        assert "value=" not in field, field
        # The form sent again with the field empty keeps the token (it is not shown, so empty is not "remove").
        assert c.post("/admin/settings", {"metrics_token": "", "cert_color": "#224466"}).status == 303
        assert one(srv, "SELECT value FROM settings WHERE key = 'metrics_token'") == TOKEN
        # A refused new value is not typed back either, and changes nothing.
        r = c.post("/admin/settings", {"metrics_token": "short-secret"})
        assert r.status == 422 and "short-secret" not in r.text and TOKEN not in r.text
        assert one(srv, "SELECT value FROM settings WHERE key = 'metrics_token'") == TOKEN
        # Khmer page: the same mask, in Khmer words.
        c.cookies["sala_lang"] = "km"
        page = c.get("/admin/settings").text
        assert TOKEN not in page and "…abcd" in page and "បានកំណត់" in page
        # The box removes it; the audit entry names the key, never the value.
        c.cookies["sala_lang"] = "en"
        c.get("/admin/settings")
        assert c.post("/admin/settings", {"metrics_token": "", "metrics_token_remove": "1"}).status == 303
        assert one(srv, "SELECT count(*) FROM settings WHERE key = 'metrics_token'") == 0
        details = [d for (d,) in q(srv, "SELECT detail FROM audit_log WHERE action = 'settings.change'")]
        assert "keys=metrics_token" in details and not any(TOKEN in d for d in details), details
        # `sala settings list` hides a set secret; `get` gives it to the operator who asks for it.
        sala("settings", "set", "metrics_token", TOKEN, db=srv.db, check=True)
        listed = sala("settings", "list", db=srv.db, check=True).stdout
        assert TOKEN not in listed and "(set: secret" in listed
        assert sala("settings", "get", "metrics_token", db=srv.db, check=True).stdout.strip() == TOKEN
