/*
 * Certificates on the web: the public verify pages and public key, the
 * learner's list and downloads (PNG, PDF, Open Badges), bulk printing for
 * managers, and the admin pages to revoke and re-issue.
 */
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "certificates/cert.h"
#include "lib/csv.h"
#include "lib/db.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/util.h"
#include "server/h_certs.h"
#include "server/server.h"
#include "server/views.h"

/* True when the logged-in user may see c: the learner, a manager whose subtree holds the learner's unit, an admin. */
static bool can_view(struct req *r, const struct cert *c)
{
	if (!r->user)
		return false;
	if (r->user->id == c->user_id || (r->user->roles & ROLE_ADMIN))
		return true;
	if (!(r->user->roles & ROLE_MANAGER))
		return false;
	int64_t org = user_org_id(r->db, c->user_id);
	return org > 0 && org_within(r->db, r->user->org_id, org);
}

/* Loads the certificate of serial for the current user; false (and a 404 sent, *rc set) when absent or not theirs. */
bool h_certs_load_visible(struct req *r, const char *serial, struct cert *c, int *rc)
{
	if (cert_get_by_serial(r->db, serial, c) < 0) {
		*rc = resp_error(r, 404, T(r, "No such certificate."));
		return false;
	}
	if (!can_view(r, c)) {
		cert_release(c);
		*rc = resp_error(r, 404, T(r, "No such certificate."));
		return false;
	}
	return true;
}

static void dl_row(struct buf *b, const char *label, const char *value, const char *lang)
{
	buf_puts(b, "<dt>");
	buf_html(b, label);
	buf_printf(b, "</dt><dd%s%s%s>", lang ? " lang=\"" : "", lang ? lang : "", lang ? "\"" : "");
	buf_html(b, value);
	buf_puts(b, "</dd>");
}

/* What the public may know of a certificate: name, course, date, issuer. */
static void public_facts(struct req *r, struct buf *b, const struct cert *c)
{
	buf_puts(b, "<dl class=\"cert-facts\">");
	dl_row(b, T(r, "Name"), c->name, NULL);
	if (*c->name_km)
		dl_row(b, T(r, "Name (Khmer)"), c->name_km, "km");
	dl_row(b, T(r, "Course"), c->course_title, c->language);
	dl_row(b, T(r, "Completed on"), view_day(r, c->completed_on), NULL);
	if (c->expires_on && *c->expires_on)
		dl_row(b, T(r, "Valid until"), view_day(r, c->expires_on), NULL);
	dl_row(b, T(r, "Issued by"), strcmp(r->lang, "km") == 0 && *c->issuer_km ? c->issuer_km : c->issuer, NULL);
	buf_puts(b, "</dl>");
}

static void verify_form(struct req *r, struct buf *b, const char *value, const struct form_errs *fe)
{
	buf_puts(b, "<form method=\"get\" action=\"/verify\">");
	field_input_e(b, fe, "code", T(r, "Verification code (for example ABCD-EFGH-JK)"), "text", value, true, "off");
	buf_printf(b, "<button type=\"submit\">%s</button></form>", T(r, "Check"));
}

static int h_verify_form(struct req *r)
{
	const char *code = req_query(r, "code");
	if (code && *code) {
		char norm[16];
		if (cert_code_normalize(code, norm) == 0) {
			char to[64];
			snprintf(to, sizeof to, "/verify/%s", norm);
			return resp_redirect(r, to);
		}
	}
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Verify a certificate"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Verify a certificate"));
	/* A submitted form (code present) with nothing or a wrong code in it: the error is tied to the field. */
	struct form_errs fe = {0};
	if (code && *code)
		form_errs_add(&fe, "code", T(r, "That is not a valid code. Check it for typing mistakes."));
	else if (code)
		form_errs_add(&fe, "code", T(r, "Type the verification code first."));
	form_errs_summary(r, &b, &fe);
	buf_printf(&b, "<p>%s</p>", T(r, "Type the code printed on the certificate, under the QR code."));
	verify_form(r, &b, code, &fe);
	page_end(r, &b);
	return page_send(r, code && *code ? 404 : code ? 400 : 200, &b);
}

/* The key or the key list is missing or broken: a setup problem of this server, said as such (503), never "forged". */
static int verify_unavailable(struct req *r, const struct err *e)
{
	fprintf(stderr, "sala: cannot verify certificates: %s\n", e->msg);
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Verify a certificate"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Verify a certificate"));
	buf_printf(&b, "<p class=\"cert-status unavailable\" data-status=\"unavailable\" role=\"status\"><strong>");
	buf_html(&b, T(r, "This server cannot verify certificates right now because of a problem in its setup. This "
			  "says nothing about the certificate. Please try again later, or contact the issuer."));
	buf_puts(&b, "</strong></p>");
	page_end(r, &b);
	return page_send(r, 503, &b);
}

static int h_verify(struct req *r)
{
	char norm[16];
	bool well_formed = cert_code_normalize(r->param[0], norm) == 0;
	struct cert c;
	struct err e;
	enum cert_status s = well_formed ? cert_verify_code_key(r->db, norm, &c, NULL, &e) : CERT_UNKNOWN;
	if (s == CERT_UNAVAILABLE)
		return verify_unavailable(r, &e);
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Verify a certificate"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Verify a certificate"));
	buf_printf(&b, "<p class=\"cert-status %s\" data-status=\"%s\" role=\"status\"><strong>", cert_status_name(s),
		   cert_status_name(s));
	char day[11];
	switch (s) {
	case CERT_VALID:
		buf_html(&b, T(r, "Valid certificate."));
		break;
	case CERT_REVOKED:
		buf_html(&b, T(r, "This certificate was revoked."));
		break;
	case CERT_SUPERSEDED:
		buf_html(&b, T(r, "This certificate was replaced by a corrected one. Ask its holder for the new one."));
		break;
	case CERT_TAMPERED:
		buf_html(&b, T(r, "This record does not match its signature. Do not trust it."));
		break;
	case CERT_EXPIRED:
		buf_html(&b, T(r, "This certificate has expired."));
		break;
	case CERT_UNAVAILABLE: /* answered above */
	case CERT_UNKNOWN:
		buf_html(&b, well_formed ? T(r, "Unknown: no certificate has this code.")
					 : T(r, "Unknown: this is not a valid code. Check it for typing mistakes."));
		break;
	}
	buf_puts(&b, "</strong></p>");
	if (s != CERT_UNKNOWN) {
		if (s == CERT_REVOKED) {
			date_ymd(c.revoked_at, day);
			buf_printf(&b, "<p class=\"revoked\">%s <time datetime=\"%s\">%s</time>. %s ",
				   T(r, "Revoked on"), day, view_day(r, day), T(r, "Reason:"));
			buf_html(&b, c.revoked_reason);
			buf_puts(&b, "</p>");
		}
		if (s == CERT_EXPIRED) /* the date it stopped being valid: the first day without validity */
			buf_printf(&b, "<p class=\"expired\">%s <time datetime=\"%s\">%s</time>.</p>",
				   T(r, "Expired on"), c.expires_on, view_day(r, c.expires_on));
		public_facts(r, &b, &c);
		buf_printf(&b, "<p class=\"meta\">%s %s</p>", T(r, "Code"), c.code);
		cert_release(&c);
	}
	buf_printf(&b, "<h2>%s</h2>", T(r, "Check another code"));
	verify_form(r, &b, NULL, NULL);
	page_end(r, &b);
	return page_send(r, s == CERT_UNKNOWN ? 404 : 200, &b);
}

/* The key set for the public-key pages; false (the problem logged, 503 sent) when it cannot be loaded. */
static bool load_keys(struct req *r, struct cert_pubkey **keys, size_t *n, int *rc)
{
	struct err e;
	if (cert_keys_load(r->db, keys, n, &e) == 0)
		return true;
	log_msg(LOG_ERROR, "error", "signing key: %s", e.msg);
	r->cause = arena_printf(&r->arena, "signing key: %s", e.msg);
	*rc = resp_error(r, 503, T(r, "The signing key is not available."));
	return false;
}

static int h_pubkey(struct req *r)
{
	struct cert_pubkey *keys;
	size_t n;
	int rc;
	if (!load_keys(r, &keys, &n, &rc))
		return rc;
	struct buf b = BUF_INIT;
	cert_keys_text(keys, n, &b);
	free(keys);
	rc = resp_send(r, 200, "text/plain; charset=utf-8", b.data, b.len, NULL);
	buf_release(&b);
	return rc;
}

static int h_pubkey_json(struct req *r)
{
	struct cert_pubkey *keys;
	size_t n;
	int rc;
	if (!load_keys(r, &keys, &n, &rc))
		return rc;
	struct buf b = BUF_INIT;
	cert_keys_json(keys, n, &b);
	free(keys);
	rc = resp_json(r, 200, &b);
	buf_release(&b);
	return rc;
}

/* The public Open Badges documents a verifier follows: key set, DID document, issuer profile, revocations. */
static int send_public_json(struct req *r, const char *type, struct buf *b)
{
	int rc = resp_send(r, 200, type, b->data, b->len, "Cache-Control: public, max-age=300\r\n");
	buf_release(b);
	return rc;
}

/* A document naming every signing key, current and retired (write: the key set or the DID document). */
static int send_key_document(struct req *r, const char *type,
			     void (*write)(struct db *, const struct cert_pubkey *, size_t, struct buf *))
{
	struct cert_pubkey *keys;
	size_t n;
	int rc;
	if (!load_keys(r, &keys, &n, &rc))
		return rc;
	struct buf b = BUF_INIT;
	write(r->db, keys, n, &b);
	free(keys);
	return send_public_json(r, type, &b);
}

static int h_jwks(struct req *r)
{
	return send_key_document(r, "application/jwk-set+json", cert_badge_jwks);
}

static int h_did(struct req *r)
{
	return send_key_document(r, "application/did+json", cert_badge_did);
}

static int h_issuer(struct req *r)
{
	struct buf b = BUF_INIT;
	cert_badge_issuer(r->db, &b);
	return send_public_json(r, "application/ld+json", &b);
}

static int h_revocations(struct req *r)
{
	struct buf b = BUF_INIT;
	struct err e;
	if (cert_badge_revocations(r->db, &b, &e) < 0) {
		buf_release(&b);
		r->cause = arena_printf(&r->arena, "revocation list: %s", e.msg);
		return resp_error(r, 503, T(r, "The list of revoked certificates cannot be read right now."));
	}
	/* A verifier must see a revocation at once: not cached. */
	int rc = resp_send(r, 200, "application/json", b.data, b.len, "Cache-Control: no-cache\r\n");
	buf_release(&b);
	return rc;
}

static void download_links(struct req *r, struct buf *b, const struct cert *c)
{
	buf_printf(b,
		   "<a href=\"/certificates/%s.pdf\">PDF</a> · <a href=\"/certificates/%s.png\">PNG</a> · "
		   "<a href=\"/certificates/%s/badge.json\">%s</a> · <a href=\"/verify/%s\">%s</a>",
		   c->serial, c->serial, c->serial, T(r, "Open Badge"), c->code, T(r, "Verify"));
}

static int h_mine(struct req *r)
{
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "My certificates"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "My certificates"));
	if (req_query(r, "reissued"))
		notice(&b, "ok", T(r, "A corrected certificate was issued. The old one is no longer valid."));
	int64_t *ids;
	size_t nids;
	struct err e;
	/* A read that ends on an error is remembered by db_step_row(): the page becomes a 503. */
	cert_current_ids(r->db, r->user->id, &ids, &nids, &e);
	int n = 0;
	buf_puts(&b, "<ul class=\"cards\">");
	for (size_t i = 0; i < nids; i++) {
		struct cert c;
		if (cert_get(r->db, ids[i], &c) < 0)
			continue;
		n++;
		buf_printf(&b, "<li class=\"card\"><h2 lang=\"%s\">", c.language);
		buf_html(&b, c.course_title);
		/* The date in the page's words and digits, as on My learning. */
		struct buf day = BUF_INIT;
		i18n_date(&day, r->lang, c.completed_on);
		buf_puts(&b, "</h2><p class=\"meta\">");
		buf_printf(&b, T(r, "Completed on %s"), buf_str(&day));
		buf_printf(&b, " · %s %s</p>", T(r, "No."), c.serial);
		buf_release(&day);
		if (c.revoked_at) {
			buf_printf(&b, "<p class=\"status wrong\">%s ", T(r, "This certificate was revoked."));
			buf_html(&b, c.revoked_reason);
			buf_puts(&b, "</p>");
		} else {
			if (c.expires_on && *c.expires_on) {
				char today[11];
				date_ymd(now_s(), today);
				bool expired = cert_expired(&c, today);
				buf_printf(&b, "<p class=\"%s\">%s <time datetime=\"%s\">%s</time></p>",
					   expired ? "status wrong" : "meta",
					   expired ? T(r, "Expired on") : T(r, "Valid until"), c.expires_on,
					   view_day(r, c.expires_on));
			}
			buf_puts(&b, "<p>");
			download_links(r, &b, &c);
			buf_puts(&b, "</p>");
			if (cert_name_changed(r->db, &c)) {
				char action[80];
				snprintf(action, sizeof action, "/certificates/%s/reissue", c.serial);
				buf_printf(&b, "<p>%s</p>",
					   T(r, "Your name has changed since this certificate was issued."));
				form_begin(r, &b, action);
				form_submit(&b, T(r, "Get a certificate with my current name"));
			}
		}
		buf_puts(&b, "</li>");
		cert_release(&c);
	}
	free(ids);
	buf_puts(&b, "</ul>");
	if (n == 0)
		buf_printf(&b, "<p>%s</p>", T(r, "You have no certificates yet. Complete a course to earn one."));
	page_end(r, &b);
	return page_send(r, 200, &b);
}

static int h_reissue_own(struct req *r)
{
	struct cert c;
	int rc;
	if (!h_certs_load_visible(r, r->param[0], &c, &rc))
		return rc;
	bool mine = c.user_id == r->user->id, changed = cert_name_changed(r->db, &c);
	cert_release(&c);
	if (!mine && !(r->user->roles & ROLE_ADMIN))
		return resp_error(r, 404, T(r, "No such certificate."));
	if (!changed)
		return resp_error(r, 409, T(r, "Your name has not changed since this certificate was issued."));
	struct err e;
	int64_t id;
	/* The new certificate and its audit entry in one transaction. */
	if (db_begin(r->db, &e) < 0)
		return audit_unsaved(r, e.msg);
	if (cert_reissue(r->db, r->param[0], &id, &e) < 0) {
		db_rollback(r->db);
		return resp_error(r, 409, e.msg);
	}
	if (req_audit_commit(r, "certificate.reissue", arena_printf(&r->arena, "certificate:%s", r->param[0]),
			     "reason=name changed") < 0)
		return audit_unsaved(r, NULL);
	return resp_redirect(r, "/certificates?reissued=1");
}

/* PNG (phone size; ?full=1: 300 dpi) or PDF of a certificate the caller may see (also behind the API's Bearer token).
 */
static int send_file(struct req *r, const char *serial, bool png)
{
	const char *full = req_query(r, "full");
	if (full && (!png || strcmp(full, "1") != 0))
		return resp_error(r, 400, T(r, "The parameter full must be 1, on a PNG."));
	struct cert c;
	int rc;
	if (!h_certs_load_visible(r, serial, &c, &rc))
		return rc;
	char hdr[160];
	snprintf(hdr, sizeof hdr,
		 "Content-Disposition: inline; filename=\"%s.%s\"\r\nCache-Control: private, no-store\r\n", c.serial,
		 png ? "png" : "pdf");
	if (req_is_head(r)) { /* the headers only: nothing is rendered */
		cert_release(&c);
		return resp_head(r, 200, png ? "image/png" : "application/pdf", hdr);
	}
	struct buf out = BUF_INIT;
	struct err e;
	if ((png ? cert_png_width(r->db, &c, full ? CERT_PNG_FULL_W : CERT_PNG_PHONE_W, &out, &e)
		 : cert_pdf(r->db, &c, &out, &e)) < 0) {
		r->cause = arena_printf(&r->arena, "certificate %s: %s", c.serial, e.msg);
		cert_release(&c);
		buf_release(&out);
		return resp_error(r, 500, T(r, "The certificate could not be made."));
	}
	rc = resp_send(r, 200, png ? "image/png" : "application/pdf", out.data, out.len, hdr);
	cert_release(&c);
	buf_release(&out);
	return rc;
}

static int send_badge(struct req *r, const char *serial, bool jwt)
{
	struct cert c;
	int rc;
	if (!h_certs_load_visible(r, serial, &c, &rc))
		return rc;
	if (c.revoked_at || c.superseded_by) {
		cert_release(&c);
		return resp_error(r, 410, T(r, "This certificate is no longer valid."));
	}
	struct buf out = BUF_INIT;
	struct err e;
	char hdr[200];
	snprintf(hdr, sizeof hdr,
		 "Content-Disposition: attachment; filename=\"%s-badge.%s\"\r\nCache-Control: private, no-store\r\n",
		 c.serial, jwt ? "jwt" : "json");
	if (jwt && cert_badge_jwt(r->db, &c, &out, &e) < 0) {
		r->cause = arena_printf(&r->arena, "badge %s: %s", c.serial, e.msg);
		rc = resp_error(r, 503, T(r, "The signing key is not available."));
	} else {
		if (!jwt)
			cert_badge_json(r->db, &c, &out);
		rc = resp_send(r, 200, jwt ? "application/vc+jwt" : "application/ld+json", out.data, out.len, hdr);
	}
	buf_release(&out);
	cert_release(&c);
	return rc;
}

int h_certs_download(struct req *r, const char *serial, enum cert_download what)
{
	switch (what) {
	case CERT_DL_PNG:
	case CERT_DL_PDF:
		return send_file(r, serial, what == CERT_DL_PNG);
	case CERT_DL_BADGE_JSON:
	case CERT_DL_BADGE_JWT:
		break;
	}
	return send_badge(r, serial, what == CERT_DL_BADGE_JWT);
}

/* GET /certificates/SERIAL.png and .pdf */
static int h_file(struct req *r)
{
	const char *f = r->param[0];
	bool png = str_ends(f, ".png"), pdf = str_ends(f, ".pdf");
	if (!png && !pdf)
		return resp_error(r, 404, T(r, "Page not found."));
	return send_file(r, arena_strndup(&r->arena, f, strlen(f) - 4), png);
}

static int h_badge_json(struct req *r)
{
	return send_badge(r, r->param[0], false);
}

static int h_badge_jwt(struct req *r)
{
	return send_badge(r, r->param[0], true);
}

static void bulk_form(struct req *r, struct buf *b)
{
	buf_puts(b, "<form method=\"get\" action=\"/certificates/bulk\">");
	field_input(b, "course", T(r, "Course id (empty for every course)"), "text", req_query(r, "course"), false,
		    "off");
	field_input(b, "org", T(r, "Org unit code (empty for all you manage)"), "text", req_query(r, "org"), false,
		    "off");
	field_input(b, "from", T(r, "Completed from"), "date", req_query(r, "from"), false, NULL);
	field_input(b, "to", T(r, "Completed until"), "date", req_query(r, "to"), false, NULL);
	const char *formats[] = {"pdf", T(r, "One PDF, a page each"), "zip", T(r, "A zip of PDF files"), NULL};
	field_select(b, "format", T(r, "Format"), req_query(r, "format"), formats);
	buf_printf(b, "<button type=\"submit\">%s</button></form>", T(r, "Download"));
}

static int bulk_page(struct req *r, int status, const char *error)
{
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Print certificates"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Print certificates"));
	if (error)
		notice(&b, "error", error);
	buf_printf(&b, "<p>%s</p>",
		   T(r, "Download the valid certificates of a course, an org unit and a period, to print them."));
	bulk_form(r, &b);
	buf_printf(&b, "<p><a href=\"/certificates/expiring\">%s</a></p>", T(r, "Certificates expiring soon"));
	page_end(r, &b);
	return page_send(r, status, &b);
}

static sem_t bulk_slot;
static pthread_once_t bulk_once = PTHREAD_ONCE_INIT;
static void bulk_slot_init(void)
{
	sem_init(&bulk_slot, 0, 1);
}

/* Reads a chunk of an open file for resp_stream(). */
static int read_fd(void *ctx, size_t off, void *buf, size_t n)
{
	int fd = *(const int *)ctx;
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(fd, (char *)buf + got, n - got, (off_t)(off + got));
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

static int h_bulk(struct req *r)
{
	const char *format = req_query(r, "format");
	if (!format || !*format)
		return bulk_page(r, 200, NULL);
	if (strcmp(format, "pdf") != 0 && strcmp(format, "zip") != 0)
		return bulk_page(r, 400, T(r, "Choose PDF or zip."));
	struct cert_filter f = {
	    .course_id = req_query(r, "course"), .from = req_query(r, "from"), .to = req_query(r, "to")};
	int64_t t;
	if ((f.from && *f.from && date_parse(f.from, &t) < 0) || (f.to && *f.to && date_parse(f.to, &t) < 0))
		return bulk_page(r, 400, T(r, "Dates are written YYYY-MM-DD."));
	const char *org = req_query(r, "org");
	bool admin = r->user->roles & ROLE_ADMIN;
	if (org && *org) {
		f.org_id = org_id(r->db, org);
		/* Outside the manager's subtree looks the same as absent. */
		if (f.org_id < 0 || (!admin && !org_within(r->db, r->user->org_id, f.org_id)))
			return bulk_page(r, 404, T(r, "No such org unit in your area."));
	} else if (!admin) {
		f.org_id = r->user->org_id;
	}
	bool zip = strcmp(format, "zip") == 0;
	char hdr[200];
	snprintf(
	    hdr, sizeof hdr,
	    "Content-Disposition: attachment; filename=\"certificates.%s\"\r\nCache-Control: private, no-store\r\n",
	    format);
	if (req_is_head(r)) { /* the headers only: what would be rendered is counted, nothing is rendered */
		int64_t *ids = NULL;
		size_t n = 0;
		struct err e;
		int sel = cert_select(r->db, &f, CERT_BULK_MAX, &ids, &n, &e);
		free(ids);
		if (sel < 0 || n == 0)
			return bulk_page(r, n == 0 && sel == 0 ? 404 : 422,
					 sel == 0 ? T(r, "No certificates match.") : e.msg);
		char *all = arena_printf(&r->arena, "%sX-Certificates: %zu\r\n", hdr, n);
		return resp_head(r, 200, zip ? "application/zip" : "application/pdf", all);
	}
	/* Rendered into a temporary file (unlinked once open) and sent from it a chunk at a time: the
	 * document is never held in memory a second time. */
	const char *tmp = getenv("TMPDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/sala-bulk-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return resp_error(r, 500, T(r, "The file could not be written. Please tell the administrator."));
	close(fd);
	struct err e;
	size_t n = 0;
	/* Rendering takes up to half a minute: no read snapshot held that long (the WAL could not be
	 * checkpointed past it); each query reads the latest data. One bulk job at a time (it already uses
	 * every core); others wait their turn with their connection lent out. */
	db_snapshot_end(r->db);
	pthread_once(&bulk_once, bulk_slot_init);
	db_pool_pause();
	sem_wait(&bulk_slot);
	db_pool_resume();
	int bulk = cert_bulk(r->db, &f, format, path, &n, &e);
	sem_post(&bulk_slot);
	if (bulk < 0) {
		unlink(path);
		return bulk_page(r, n == 0 ? 404 : 422, n == 0 ? T(r, "No certificates match.") : e.msg);
	}
	fd = open(path, O_RDONLY);
	unlink(path);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		if (fd >= 0)
			close(fd);
		return resp_error(r, 500, T(r, "The file could not be written. Please tell the administrator."));
	}
	req_audit(r, "certificate.bulk", arena_printf(&r->arena, "org:%s", org && *org ? org : "(own)"),
		  arena_printf(&r->arena, "format=%s course=%s count=%zu", format, f.course_id ? f.course_id : "", n));
	char *all = arena_printf(&r->arena, "%sX-Certificates: %zu\r\n", hdr, n);
	int rc =
	    resp_stream(r, 200, zip ? "application/zip" : "application/pdf", (size_t)sb.st_size, all, read_fd, &fd);
	close(fd);
	return rc;
}

/*
 * The expiring list's query: days (default 90) and org (a unit in the manager's subtree; default: the
 * manager's own unit, or everyone for an administrator). False when the query is refused (sent).
 */
static bool expiring_query(struct req *r, int *days, int64_t *org, int *rc)
{
	const char *d = req_query(r, "days"), *code = req_query(r, "org");
	*days = 90;
	if (d && *d) {
		char *end;
		long v = strtol(d, &end, 10);
		if (*end || v < 1 || v > CERT_EXPIRING_DAYS_MAX) {
			*rc = resp_error(r, 400,
					 arena_printf(&r->arena, T(r, "The number of days must be 1 to %d."),
						      CERT_EXPIRING_DAYS_MAX));
			return false;
		}
		*days = (int)v;
	}
	bool admin = r->user->roles & ROLE_ADMIN;
	*org = admin ? 0 : r->user->org_id;
	if (code && *code) {
		*org = org_id(r->db, code);
		/* Outside the manager's subtree looks the same as absent. */
		if (*org < 0 || (!admin && !org_within(r->db, r->user->org_id, *org))) {
			*rc = resp_error(r, 404, T(r, "No such org unit in your area."));
			return false;
		}
	}
	return true;
}

/* The expiring list being written row by row. */
struct expiring_out {
	struct req *r;
	struct buf *b;
	int n;
};

static int expiring_row_html(void *ctx, const struct cert_row *c)
{
	struct expiring_out *o = ctx;
	struct buf *b = o->b;
	o->n++;
	buf_printf(b, "<tr><td><a href=\"/certificates/%s.pdf\">%s</a></td><td>", c->serial, c->serial);
	buf_html(b, c->name);
	buf_puts(b, "</td><td lang=\"km\">");
	buf_html(b, c->name_km);
	buf_printf(b, "</td><td lang=\"%s\">", c->language);
	buf_html(b, c->course_title);
	buf_printf(b, "</td><td><time datetime=\"%s\">", c->completed_on);
	buf_html(b, view_day(o->r, c->completed_on));
	buf_printf(b, "</time></td><td><time datetime=\"%s\">", c->expires_on);
	buf_html(b, view_day(o->r, c->expires_on));
	buf_puts(b, "</time></td></tr>");
	return 0;
}

static int expiring_row_csv(void *ctx, const struct cert_row *c)
{
	struct buf *b = ((struct expiring_out *)ctx)->b;
	const char *f[] = {c->serial,	 c->code,	  c->name,	   c->name_km,
			   c->course_id, c->course_title, c->completed_on, c->expires_on};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (i)
			buf_putc(b, ',');
		csv_put_field(b, f[i]);
	}
	buf_puts(b, "\r\n");
	return 0;
}

/* GET /certificates/expiring: current certificates that expire in the next days (90) in the manager's area. */
static int h_expiring(struct req *r)
{
	int days, rc;
	int64_t org;
	if (!expiring_query(r, &days, &org, &rc))
		return rc;
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Certificates expiring soon"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Certificates expiring soon"));
	buf_puts(&b, "<p>");
	buf_html(&b, arena_printf(&r->arena, T(r, "Valid certificates that expire in the next %d days, in your area."),
				  days));
	buf_puts(&b, "</p><form method=\"get\" action=\"/certificates/expiring\">");
	char dv[16];
	snprintf(dv, sizeof dv, "%d", days);
	field_input(&b, "days", T(r, "Days ahead"), "number", dv, false, "off");
	field_input(&b, "org", T(r, "Org unit code (empty for all you manage)"), "text", req_query(r, "org"), false,
		    "off");
	buf_printf(&b, "<button type=\"submit\">%s</button></form>", T(r, "Show"));
	buf_printf(&b, "<p><a class=\"button secondary\" href=\"/certificates/expiring.csv?days=%d", days);
	const char *code = req_query(r, "org");
	if (code && *code) {
		buf_puts(&b, "&amp;org=");
		buf_url(&b, code);
	}
	buf_printf(&b, "\">%s</a></p>", T(r, "Download CSV"));
	buf_printf(&b,
		   "<div class=\"table-scroll\"><table><thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		   "<th scope=\"col\">%s</th></tr></thead><tbody>",
		   T(r, "Serial"), T(r, "Name"), T(r, "Name (Khmer)"), T(r, "Course"), T(r, "Completed on"),
		   T(r, "Expires on"));
	struct err e;
	struct expiring_out o = {r, &b, 0};
	/* A read that ends on an error is remembered by db_step_row(): the page becomes a 503. */
	cert_list_expiring(r->db, org, days, expiring_row_html, &o, &e);
	buf_puts(&b, "</tbody></table></div>");
	if (o.n == 0)
		buf_printf(&b, "<p data-empty>%s</p>", T(r, "No certificates expire in this period."));
	page_end(r, &b);
	return page_send(r, 200, &b);
}

/* GET /certificates/expiring.csv: the same list for a spreadsheet. */
static int h_expiring_csv(struct req *r)
{
	int days, rc;
	int64_t org;
	if (!expiring_query(r, &days, &org, &rc))
		return rc;
	struct buf b = BUF_INIT;
	buf_puts(&b, "serial,code,name,name_km,course_id,course_title,completed_on,expires_on\r\n");
	struct err e;
	struct expiring_out o = {r, &b, 0};
	if (cert_list_expiring(r->db, org, days, expiring_row_csv, &o, &e) < 0) {
		buf_release(&b);
		r->cause = arena_printf(&r->arena, "expiring certificates: %s", e.msg);
		return resp_error(r, 503, T(r, "The certificates could not be read. Please try again."));
	}
	rc = resp_send(r, 200, "text/csv; charset=utf-8", b.data, b.len,
		       "Content-Disposition: attachment; filename=\"certificates-expiring.csv\"\r\n"
		       "Cache-Control: private, no-store\r\n");
	buf_release(&b);
	return rc;
}

/* The administrators' list being written row by row. */
struct cert_page {
	struct req *r;
	struct buf *b;
};

static int cert_row_html(void *ctx, const struct cert_row *c)
{
	const struct cert_page *p = ctx;
	struct req *r = p->r;
	struct buf *b = p->b;
	buf_printf(b, "<tr><td><a href=\"/admin/certificates/%s\">%s</a></td><td>", c->serial, c->serial);
	buf_html(b, name_for(r, c->name, c->name_km));
	buf_puts(b, "</td><td>");
	buf_html(b, c->course_id);
	buf_printf(b, "</td><td><time datetime=\"%s\">", c->completed_on);
	buf_html(b, view_day(r, c->completed_on));
	buf_printf(b, "</time></td><td>%s</td></tr>", T(r, cert_status_name(c->status)));
	return 0;
}

static int h_admin_list(struct req *r)
{
	const char *q = req_query(r, "q");
	struct buf b = BUF_INIT;
	page_begin(r, &b, T(r, "Certificates"));
	buf_printf(&b, "<h1>%s</h1>", T(r, "Certificates"));
	buf_printf(&b, "<p><a class=\"button secondary\" href=\"/certificates/bulk\">%s</a></p>",
		   T(r, "Print certificates"));
	buf_puts(&b, "<form method=\"get\" action=\"/admin/certificates\" role=\"search\">");
	field_input(&b, "q", T(r, "Search by serial, code, name or course"), "search", q, false, "off");
	buf_printf(&b, "<button type=\"submit\">%s</button></form>", T(r, "Search"));
	buf_printf(&b,
		   "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"%s\"><table><thead><tr><th "
		   "scope=\"col\">%s</th><th scope=\"col\">%s</th>"
		   "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead><tbody>",
		   T(r, "Certificates"), T(r, "Serial"), T(r, "Name"), T(r, "Course"), T(r, "Completed on"),
		   T(r, "Status"));
	struct err e;
	struct cert_page p = {r, &b};
	/* A read that ends on an error is remembered by db_step_row(): the page becomes a 503. */
	cert_search(r->db, q, 200, cert_row_html, &p, &e);
	buf_puts(&b, "</tbody></table></div>");
	page_end(r, &b);
	return page_send(r, 200, &b);
}

/* One certificate for an administrator; after a refused revocation, its errors (fe) and the typed reason. */
static int admin_cert_page(struct req *r, int http_status, const struct form_errs *fe)
{
	struct cert c;
	if (cert_get_by_serial(r->db, r->param[0], &c) < 0)
		return resp_error(r, 404, T(r, "No such certificate."));
	struct buf b = BUF_INIT;
	page_begin(r, &b, c.serial);
	buf_printf(&b, "<h1>%s %s</h1>", T(r, "Certificate"), c.serial);
	if (req_query(r, "revoked"))
		notice(&b, "ok", T(r, "The certificate was revoked."));
	char day[11];
	const char *status = c.revoked_at ? "revoked" : c.superseded_by ? "superseded" : "valid";
	buf_printf(&b, "<p class=\"cert-status %s\"><strong>%s</strong></p>", status, T(r, status));
	if (c.revoked_at) {
		date_ymd(c.revoked_at, day);
		buf_printf(&b, "<p>%s <time datetime=\"%s\">%s</time>. %s ", T(r, "Revoked on"), day, view_day(r, day),
			   T(r, "Reason:"));
		buf_html(&b, c.revoked_reason);
		buf_puts(&b, "</p>");
	}
	if (c.superseded_by) {
		char next[32];
		if (cert_serial_of(r->db, c.superseded_by, next) == 0)
			buf_printf(&b, "<p>%s <a href=\"/admin/certificates/%s\">%s</a></p>", T(r, "Replaced by"), next,
				   next);
	}
	public_facts(r, &b, &c);
	buf_printf(&b, "<p class=\"meta\">%s %s · %s ", T(r, "Code"), c.code, T(r, "Org unit"));
	buf_html(&b, c.org_name);
	buf_puts(&b, "</p><p>");
	download_links(r, &b, &c);
	buf_puts(&b, "</p>");
	if (!c.revoked_at && !c.superseded_by) {
		char action[80];
		buf_printf(&b, "<h2>%s</h2><p>%s</p>", T(r, "Re-issue"),
			   T(r,
			     "Issue a new certificate with the learner's current name and org unit; this one is then "
			     "marked as replaced."));
		if (cert_name_changed(r->db, &c))
			notice(&b, "info", T(r, "The learner's name has changed since this certificate was issued."));
		snprintf(action, sizeof action, "/admin/certificates/%s/reissue", c.serial);
		form_begin(r, &b, action);
		form_submit(&b, T(r, "Re-issue"));
		buf_printf(&b, "<h2>%s</h2>", T(r, "Revoke"));
		form_errs_summary(r, &b, fe);
		snprintf(action, sizeof action, "/admin/certificates/%s/revoke", c.serial);
		form_begin(r, &b, action);
		field_textarea_e(&b, fe, "reason", T(r, "Reason (shown on the verify page)"),
				 fe ? req_form(r, "reason") : NULL, true, 3, 500);
		form_submit(&b, T(r, "Revoke"));
	}
	cert_release(&c);
	page_end(r, &b);
	return page_send(r, http_status, &b);
}

static int h_admin_cert(struct req *r)
{
	return admin_cert_page(r, 200, NULL);
}

static int h_admin_revoke(struct req *r)
{
	struct err e;
	struct form_errs fe = {0};
	const char *reason = req_form(r, "reason");
	while (reason && (*reason == ' ' || *reason == '\t' || *reason == '\r' || *reason == '\n'))
		reason++;
	if (!reason || !*reason) {
		form_errs_add(&fe, "reason", T(r, "Type the reason for revoking this certificate."));
		return admin_cert_page(r, 422, &fe);
	}
	if (db_begin(r->db, &e) < 0)
		return audit_unsaved(r, e.msg);
	if (cert_revoke(r->db, r->param[0], req_form(r, "reason"), &e) < 0) {
		db_rollback(r->db);
		form_errs_add(&fe, "reason", T(r, arena_strdup(&r->arena, e.msg)));
		return admin_cert_page(r, 422, &fe);
	}
	if (req_audit_commit(r, "certificate.revoke", arena_printf(&r->arena, "certificate:%s", r->param[0]),
			     arena_printf(&r->arena, "reason=%s", req_form(r, "reason") ? req_form(r, "reason") : "")) <
	    0)
		return audit_unsaved(r, NULL);
	struct buf to = BUF_INIT;
	buf_printf(&to, "/admin/certificates/%s?revoked=1", r->param[0]);
	int rc = resp_redirect(r, buf_str(&to));
	buf_release(&to);
	return rc;
}

static int h_admin_reissue(struct req *r)
{
	struct err e;
	int64_t id;
	char serial[32];
	if (db_begin(r->db, &e) < 0)
		return audit_unsaved(r, e.msg);
	if (cert_reissue(r->db, r->param[0], &id, &e) < 0) {
		db_rollback(r->db);
		return resp_error(r, 409, e.msg);
	}
	if (cert_serial_of(r->db, id, serial) < 0) {
		db_rollback(r->db);
		return resp_error(r, 500, T(r, "No such certificate."));
	}
	if (req_audit_commit(r, "certificate.reissue", arena_printf(&r->arena, "certificate:%s", r->param[0]),
			     arena_printf(&r->arena, "new=%s", serial)) < 0)
		return audit_unsaved(r, NULL);
	char to[80];
	snprintf(to, sizeof to, "/admin/certificates/%s", serial);
	return resp_redirect(r, to);
}

const struct route cert_routes[] = {
    {"GET", "/verify", 0, h_verify_form, 0},
    {"GET", "/verify/:code", 0, h_verify, 0},
    {"GET", "/certificates/public-key", 0, h_pubkey, 0},
    {"GET", "/certificates/public-key.json", 0, h_pubkey_json, 0},
    {"GET", "/.well-known/jwks.json", 0, h_jwks, 0},
    {"GET", "/.well-known/did.json", 0, h_did, 0},
    {"GET", "/issuer", 0, h_issuer, 0},
    {"GET", "/certificates/revocations", 0, h_revocations, 0},
    {"GET", "/certificates", ROLE_ANY, h_mine, 0},
    {"GET", "/certificates/bulk", ROLE_MANAGER | ROLE_ADMIN, h_bulk, 0},
    {"GET", "/certificates/expiring", ROLE_MANAGER | ROLE_ADMIN, h_expiring, 0},
    {"GET", "/certificates/expiring.csv", ROLE_MANAGER | ROLE_ADMIN, h_expiring_csv, 0},
    {"GET", "/certificates/:serial/badge.json", ROLE_ANY, h_badge_json, 0},
    {"GET", "/certificates/:serial/badge.jwt", ROLE_ANY, h_badge_jwt, 0},
    {"POST", "/certificates/:serial/reissue", ROLE_ANY, h_reissue_own, 0},
    {"GET", "/certificates/:file", ROLE_ANY, h_file, 0},
    {"GET", "/admin/certificates", ROLE_ADMIN, h_admin_list, 0},
    {"GET", "/admin/certificates/:serial", ROLE_ADMIN, h_admin_cert, 0},
    {"POST", "/admin/certificates/:serial/revoke", ROLE_ADMIN, h_admin_revoke, 0},
    {"POST", "/admin/certificates/:serial/reissue", ROLE_ADMIN, h_admin_reissue, 0},
    {NULL, NULL, 0, NULL, 0},
};

/* Khmer drafts for review by a native speaker. */
static const struct msg cert_msgs[] = {
    {"No such certificate.", "រកមិនឃើញវិញ្ញាបនបត្រនេះទេ។"},
    {"Name", "ឈ្មោះ"},
    {"Name (Khmer)", "ឈ្មោះ (ខ្មែរ)"},
    {"Course", "វគ្គសិក្សា"},
    {"Completed on", "បានបញ្ចប់នៅ"},
    {"Issued by", "ចេញដោយ"},
    {"Verification code (for example ABCD-EFGH-JK)", "លេខកូដផ្ទៀងផ្ទាត់ (ឧទាហរណ៍ ABCD-EFGH-JK)"},
    {"Check", "ពិនិត្យ"},
    {"Verify a certificate", "ផ្ទៀងផ្ទាត់វិញ្ញាបនបត្រ"},
    {"That is not a valid code. Check it for typing mistakes.", "នេះមិនមែនជាលេខកូដត្រឹមត្រូវទេ។ សូមពិនិត្យកំហុសវាយអក្សរ។"},
    {"Type the code printed on the certificate, under the QR code.", "សូមវាយលេខកូដដែលបោះពុម្ពនៅលើវិញ្ញាបនបត្រ ក្រោមកូដ QR។"},
    {"Valid certificate.", "វិញ្ញាបនបត្រត្រឹមត្រូវ។"},
    {"This certificate was revoked.", "វិញ្ញាបនបត្រនេះត្រូវបានដកហូត។"},
    {"This certificate was replaced by a corrected one. Ask its holder for the new one.",
     "វិញ្ញាបនបត្រនេះត្រូវបានជំនួសដោយវិញ្ញាបនបត្រដែលបានកែតម្រូវ។ សូមសុំវិញ្ញាបនបត្រថ្មីពីម្ចាស់។"},
    {"This record does not match its signature. Do not trust it.", "កំណត់ត្រានេះមិនត្រូវនឹងហត្ថលេខារបស់វាទេ។ កុំទុកចិត្តវា។"},
    {"Unknown: no certificate has this code.", "មិនស្គាល់៖ គ្មានវិញ្ញាបនបត្រណាមានលេខកូដនេះទេ។"},
    {"Unknown: this is not a valid code. Check it for typing mistakes.",
     "មិនស្គាល់៖ នេះមិនមែនជាលេខកូដត្រឹមត្រូវទេ។ សូមពិនិត្យកំហុសវាយអក្សរ។"},
    {"Revoked on", "ដកហូតនៅ"},
    {"Reason:", "មូលហេតុ៖"},
    {"Code", "លេខកូដ"},
    {"Check another code", "ពិនិត្យលេខកូដផ្សេងទៀត"},
    {"The signing key is not available.", "កូនសោចុះហត្ថលេខាមិនអាចប្រើបានទេ។"},
    {"The list of revoked certificates cannot be read right now.", "មិនអាចអានបញ្ជីវិញ្ញាបនបត្រដែលត្រូវបានដកហូតបានទេនៅពេលនេះ។"},
    {"This server cannot verify certificates right now because of a problem in its setup. This says nothing about "
     "the certificate. Please try again later, or contact the issuer.",
     "ម៉ាស៊ីនមេនេះមិនអាចផ្ទៀងផ្ទាត់វិញ្ញាបនបត្របានទេនៅពេលនេះ ដោយសារបញ្ហាក្នុងការរៀបចំរបស់វា។ "
     "នេះមិនបានបញ្ជាក់អ្វីអំពីវិញ្ញាបនបត្រនោះទេ។ សូមព្យាយាមម្តងទៀតនៅពេលក្រោយ ឬទាក់ទងអ្នកចេញវិញ្ញាបនបត្រ។"},
    {"Open Badge", "ស្លាកសញ្ញាបើកចំហ (Open Badge)"},
    {"Verify", "ផ្ទៀងផ្ទាត់"},
    {"My certificates", "វិញ្ញាបនបត្ររបស់ខ្ញុំ"},
    {"A corrected certificate was issued. The old one is no longer valid.",
     "វិញ្ញាបនបត្រដែលបានកែតម្រូវត្រូវបានចេញ។ វិញ្ញាបនបត្រចាស់លែងមានសុពលភាពទៀតហើយ។"},
    {"No.", "លេខ"},
    {"Your name has changed since this certificate was issued.", "ឈ្មោះរបស់អ្នកបានផ្លាស់ប្ដូរ តាំងពីវិញ្ញាបនបត្រនេះត្រូវបានចេញ។"},
    {"Get a certificate with my current name", "ទទួលវិញ្ញាបនបត្រដែលមានឈ្មោះបច្ចុប្បន្នរបស់ខ្ញុំ"},
    {"You have no certificates yet. Complete a course to earn one.",
     "អ្នកមិនទាន់មានវិញ្ញាបនបត្រនៅឡើយទេ។ សូមបញ្ចប់វគ្គសិក្សាមួយដើម្បីទទួលបាន។"},
    {"Your name has not changed since this certificate was issued.",
     "ឈ្មោះរបស់អ្នកមិនបានផ្លាស់ប្ដូរទេ តាំងពីវិញ្ញាបនបត្រនេះត្រូវបានចេញ។"},
    {"The certificate could not be made.", "មិនអាចបង្កើតវិញ្ញាបនបត្របានទេ។"},
    {"This certificate is no longer valid.", "វិញ្ញាបនបត្រនេះលែងមានសុពលភាពទៀតហើយ។"},
    {"Course id (empty for every course)", "លេខសម្គាល់វគ្គសិក្សា (ទុកទទេសម្រាប់គ្រប់វគ្គ)"},
    {"Org unit code (empty for all you manage)", "លេខកូដអង្គភាព (ទុកទទេសម្រាប់ទាំងអស់ដែលអ្នកគ្រប់គ្រង)"},
    {"Completed from", "បានបញ្ចប់ចាប់ពី"},
    {"Completed until", "បានបញ្ចប់រហូតដល់"},
    {"One PDF, a page each", "PDF មួយ មួយទំព័រក្នុងមួយវិញ្ញាបនបត្រ"},
    {"A zip of PDF files", "ឯកសារ zip នៃឯកសារ PDF"},
    {"Format", "ទម្រង់"},
    {"Download", "ទាញយក"},
    {"Print certificates", "បោះពុម្ពវិញ្ញាបនបត្រ"},
    {"Download the valid certificates of a course, an org unit and a period, to print them.",
     "ទាញយកវិញ្ញាបនបត្រដែលមានសុពលភាពនៃវគ្គសិក្សា អង្គភាព និងរយៈពេលមួយ ដើម្បីបោះពុម្ព។"},
    {"Choose PDF or zip.", "សូមជ្រើសរើស PDF ឬ zip។"},
    {"Dates are written YYYY-MM-DD.", "កាលបរិច្ឆេទត្រូវសរសេរជា YYYY-MM-DD។"},
    {"No such org unit in your area.", "គ្មានអង្គភាពនេះក្នុងតំបន់របស់អ្នកទេ។"},
    {"No certificates match.", "គ្មានវិញ្ញាបនបត្រណាត្រូវនឹងលក្ខខណ្ឌទេ។"},
    {"The file could not be written. Please tell the administrator.", "មិនអាចសរសេរឯកសារបានទេ។ សូមប្រាប់អ្នកគ្រប់គ្រងប្រព័ន្ធ។"},
    {"Certificates", "វិញ្ញាបនបត្រ"},
    {"Search by serial, code, name or course", "ស្វែងរកតាមលេខរៀង លេខកូដ ឈ្មោះ ឬវគ្គសិក្សា"},
    {"Search", "ស្វែងរក"},
    {"Serial", "លេខរៀង"},
    {"Status", "ស្ថានភាព"},
    {"valid", "មានសុពលភាព"},
    {"expired", "ផុតសុពលភាព"},
    {"Valid until", "មានសុពលភាពរហូតដល់"},
    {"This certificate has expired.", "វិញ្ញាបនបត្រនេះផុតសុពលភាពហើយ។"},
    {"Expired on", "ផុតសុពលភាពនៅ"},
    {"Expires on", "ផុតសុពលភាពនៅ"},
    {"Certificates expiring soon", "វិញ្ញាបនបត្រដែលជិតផុតសុពលភាព"},
    {"Valid certificates that expire in the next %d days, in your area.",
     "វិញ្ញាបនបត្រមានសុពលភាពដែលនឹងផុតសុពលភាពក្នុងរយៈពេល %d ថ្ងៃខាងមុខ ក្នុងតំបន់របស់អ្នក។"},
    {"The number of days must be 1 to %d.", "ចំនួនថ្ងៃត្រូវតែពី 1 ដល់ %d។"},
    {"Days ahead", "ចំនួនថ្ងៃខាងមុខ"},
    {"Show", "បង្ហាញ"},
    {"Download CSV", "ទាញយក CSV"},
    {"No certificates expire in this period.", "គ្មានវិញ្ញាបនបត្រណាផុតសុពលភាពក្នុងរយៈពេលនេះទេ។"},
    {"The certificates could not be read. Please try again.", "មិនអាចអានវិញ្ញាបនបត្របានទេ។ សូមព្យាយាមម្តងទៀត។"},
    {"The parameter full must be 1, on a PNG.", "ប៉ារ៉ាម៉ែត្រ full ត្រូវតែជា 1 សម្រាប់តែរូបភាព PNG ប៉ុណ្ណោះ។"},
    {"revoked", "ត្រូវបានដកហូត"},
    {"superseded", "ត្រូវបានជំនួស"},
    {"Certificate", "វិញ្ញាបនបត្រ"},
    {"The certificate was revoked.", "វិញ្ញាបនបត្រត្រូវបានដកហូត។"},
    {"Replaced by", "ជំនួសដោយ"},
    {"Org unit", "អង្គភាព"},
    {"Re-issue", "ចេញម្ដងទៀត"},
    {"Issue a new certificate with the learner's current name and org unit; this one is then marked as replaced.",
     "ចេញវិញ្ញាបនបត្រថ្មីដែលមានឈ្មោះ និងអង្គភាពបច្ចុប្បន្នរបស់អ្នកសិក្សា។ វិញ្ញាបនបត្រនេះនឹងត្រូវសម្គាល់ថាត្រូវបានជំនួស។"},
    {"The learner's name has changed since this certificate was issued.",
     "ឈ្មោះរបស់អ្នកសិក្សាបានផ្លាស់ប្ដូរ តាំងពីវិញ្ញាបនបត្រនេះត្រូវបានចេញ។"},
    {"Revoke", "ដកហូត"},
    {"Reason (shown on the verify page)", "មូលហេតុ (បង្ហាញនៅលើទំព័រផ្ទៀងផ្ទាត់)"},
};

void cert_messages_register(void)
{
	i18n_register(cert_msgs, sizeof cert_msgs / sizeof cert_msgs[0]);
}
