"""The listing pages whose rows come from domain walks: org units, users, assigned units, the report's
breadcrumb and course choice, certificates in the JSON API."""
import html
import json
import re

from harness import DEMO, Server
from learnutil import one, q


def english_admin(srv, user="admin"):
    c = srv.client()
    c.cookies["sala_lang"] = "en"
    c.get("/login?lang=en")
    c.login(user)
    c.get("/profile")
    assert c.post("/lang", {"lang": "en", "next": "/"}).status == 303
    return c


def test_org_and_user_lists():
    with Server() as srv:
        c = english_admin(srv)
        page = c.get("/admin/orgs?parent=17").text
        rows = re.findall(r"<tr><td>(.*?)</td></tr>", page)
        # The unit first, with the way up; then its children by code, each with its own count below it.
        assert 'href="/admin/orgs?parent=KH"' in rows[0] and "17" in rows[0], rows[0]
        kids = q(srv, "SELECT c.code, (SELECT count(*) FROM org_units g WHERE g.parent_id = c.id) FROM org_units c "
                      "JOIN org_units p ON p.id = c.parent_id WHERE p.code = '17' ORDER BY c.code")
        assert kids, "the demo has units under Siem Reap"
        assert len(rows) == 1 + len(kids), (len(rows), len(kids))
        for row, (code, below) in zip(rows[1:], kids):
            assert row.startswith('<a href="/admin/orgs?parent=%s">%s</a>' % (code, code)), row
            assert row.endswith('<td class="num">%d' % below), row
        # Users: the search by org code finds that unit's users (and anyone whose name holds the code).
        org = one(srv, "SELECT o.code FROM users u JOIN org_units o ON o.id = u.org_id GROUP BY o.id "
                       "ORDER BY count(*) DESC LIMIT 1")
        want = [r[0] for r in q(srv, "SELECT u.username FROM users u JOIN org_units o ON o.id = u.org_id WHERE "
                                     "o.code = ?1 OR u.username LIKE '%' || ?1 || '%' OR u.full_name LIKE '%' || "
                                     "?1 || '%' OR u.full_name_km LIKE '%' || ?1 || '%' ORDER BY u.username "
                                     "LIMIT 200", org)]
        page = c.get("/admin/users?q=" + org).text
        got = re.findall(r'<tr><td><a href="/admin/users/\d+">([^<]*)</a>', page)
        assert want and got == want, (got, want)
        admin = c.get("/admin/users?q=admin").text
        row = re.search(r'<tr><td><a href="/admin/users/\d+">admin</a>.*?</tr>', admin).group(0)
        assert "Administrator" in row.split("</td><td>")[4] and row.endswith("<td>Active</td></tr>"), row


def test_assigned_units_and_report_choices():
    with Server() as srv:
        cid = one(srv, "SELECT course_id FROM packages WHERE active = 1 ORDER BY course_id LIMIT 1")
        c = english_admin(srv)
        page = c.get("/courses/%s/assign" % cid).text
        assert "Assigned to org units" not in page
        r = srv.client().request("POST", "/api/v1/login", headers={"Content-Type": "application/json"},
                                 body=json.dumps({"username": "admin", "password": DEMO["admin"]}))
        tok = r.json()["token"]
        for org in ("17", "12"):
            r = srv.client().request("POST", "/api/v1/courses/%s/assign" % cid, body=json.dumps({"org": org}),
                          headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
            assert r.status == 200, r.text
        page = c.get("/courses/%s/assign" % cid).text
        units = re.findall(r"<li>(\d+) ([^<]*)</li>", page[page.index("Assigned to org units"):])
        assert units == [("12", "Phnom Penh"), ("17", "Siem Reap")], units

        # The report of a unit two levels down links every unit above it, from the root.
        code, parent, top = q(srv, "SELECT o.code, p.code, t.code FROM org_units o JOIN org_units p ON "
                                   "p.id = o.parent_id JOIN org_units t ON t.id = p.parent_id "
                                   "WHERE t.parent_id IS NOT NULL ORDER BY o.id LIMIT 1")[0]
        page = c.get("/reports?org=" + code).text
        nav = re.search(r'<nav aria-label="Org units above this one">(.*?)</nav>', page).group(1)
        links = re.findall(r'org=([^"&]+)"', nav)
        assert links == ["KH", top, parent], links
        # The course choice lists every course, titled.
        select = re.search(r'<select id="f-course" name="course">(.*?)</select>', page, re.S).group(1)
        values = re.findall(r'<option value="([^"]+)"', select)
        assert values == [r[0] for r in q(srv, "SELECT id FROM courses ORDER BY id")], values
        title = one(srv, "SELECT title FROM packages WHERE course_id = ? AND active = 1 ORDER BY language = 'en' "
                         "DESC LIMIT 1", cid)
        assert html.escape(title, quote=False) in select, (title, select[:300])
