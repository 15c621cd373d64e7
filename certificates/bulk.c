/* Bulk printing: a selection of certificates as one PDF or as a zip of one PDF each. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accounts/users.h"
#include "certificates/cert.h"
#include "lib/buf.h"
#include "lib/db.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

/* A selected certificate with the date it is ordered by. */
struct pick {
	char day[11];
	int64_t id;
};

static int id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int pick_cmp(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;
	int d = strcmp(x->day, y->day);
	return d ? d : (x->id > y->id) - (x->id < y->id);
}

int cert_select(struct db *db, const struct cert_filter *f, size_t max, int64_t **ids, size_t *n, struct err *e)
{
	*ids = NULL;
	*n = 0;
	/*
	 * The org subtree is the learners' current units (accounts/). A small subtree's certificates are read
	 * DB_BATCH learners a statement (through certificates_user); a large one's in one ordered pass over
	 * the certificates, keeping those of its learners (found in the sorted ids), as without an org.
	 */
	int64_t *users = NULL;
	size_t nu = 0;
	if (f->org_id > 0 && users_in_org_subtree(db, f->org_id, false, &users, &nu, e) < 0)
		return -1;
	bool batched = f->org_id > 0 && nu <= 4 * DB_BATCH, scan = f->org_id > 0 && !batched;
	if (scan)
		qsort(users, nu, sizeof *users, id_cmp);
	/* Only the first `want` rows of each statement can be among the first `want` of all: the limit, or
	 * one more than max to tell a selection that is too large. */
	size_t want = f->limit && f->limit <= max ? f->limit : max + 1;
	size_t batches = batched ? (nu + DB_BATCH - 1) / DB_BATCH : 1;
	struct pick *v = NULL;
	size_t nv = 0, cap = 0;
	struct buf sql = BUF_INIT;
	int rc = 0;
	for (size_t b = 0; b < batches && rc == 0; b++) {
		size_t at = b * DB_BATCH, k = batched ? (nu - at < DB_BATCH ? nu - at : DB_BATCH) : 0;
		buf_reset(&sql);
		buf_puts(
		    &sql,
		    "SELECT id, completed_on, user_id FROM certificates WHERE superseded_by IS NULL AND revoked_at IS "
		    "NULL AND (?1 IS NULL OR course_id = ?1) AND (?2 IS NULL OR completed_on >= ?2) AND "
		    "(?3 IS NULL OR completed_on <= ?3)");
		if (k) {
			buf_puts(&sql, " AND user_id IN (");
			db_params(&sql, 5, k);
			buf_puts(&sql, ")");
		}
		buf_puts(&sql, " ORDER BY completed_on, id LIMIT ?4");
		struct db_stmt *st = db_prepare(db, buf_str(&sql));
		db_bind_text(st, 1, f->course_id && *f->course_id ? f->course_id : NULL);
		db_bind_text(st, 2, f->from && *f->from ? f->from : NULL);
		db_bind_text(st, 3, f->to && *f->to ? f->to : NULL);
		db_bind_int64(st, 4, scan ? -1 : (int64_t)want);
		for (size_t i = 0; i < k; i++)
			db_bind_int64(st, (int)(5 + i), users[at + i]);
		int r;
		while ((r = db_step_row(st)) > 0) {
			int64_t uid = db_col_int64(st, 2);
			if (scan && !bsearch(&uid, users, nu, sizeof *users, id_cmp))
				continue;
			if (scan && nv == want)
				break;
			if (nv == cap)
				v = xrealloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);
			v[nv].id = db_col_int64(st, 0);
			snprintf(v[nv].day, sizeof v[nv].day, "%s", db_col_text(st, 1));
			nv++;
		}
		db_finish(st);
		if (r < 0)
			rc = err_set(e, "cannot read the certificates: %s", db_errstr(db));
	}
	buf_release(&sql);
	free(users);
	if (rc == 0 && batches > 1)
		qsort(v, nv, sizeof *v, pick_cmp);
	if (nv > want)
		nv = want;
	if (rc == 0 && nv > max)
		rc = err_set(e, "more than %zu certificates match: narrow the selection", max);
	if (rc == 0 && nv) {
		*ids = xmalloc(nv * sizeof **ids);
		for (size_t i = 0; i < nv; i++)
			(*ids)[i] = v[i].id;
		*n = nv;
	}
	free(v);
	return rc;
}

/* libarchive's message for the last error, or words from errno when it has none (never "(null)"). */
static const char *zip_reason(struct archive *a)
{
	const char *m = archive_error_string(a);
	if (m)
		return m;
	int n = archive_errno(a);
	return n == ENOSPC ? "the disk is full" : n == ENOMEM ? "not enough memory" : n ? strerror(n) : "write failed";
}

static int zip_add(struct archive *a, const struct cert *c, const struct buf *pdf, struct err *e)
{
	char name[64];
	snprintf(name, sizeof name, "%s.pdf", c->serial);
	struct archive_entry *ent = archive_entry_new();
	if (!ent)
		return err_set(e, "not enough memory to write the zip");
	archive_entry_set_pathname(ent, name);
	archive_entry_set_size(ent, (la_int64_t)pdf->len);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0644);
	archive_entry_set_mtime(ent, (time_t)c->issued_at, 0);
	int rc = 0;
	if (archive_write_header(a, ent) != ARCHIVE_OK ||
	    archive_write_data(a, pdf->data, pdf->len) != (la_ssize_t)pdf->len)
		rc = err_set(e, "cannot write zip: %s", zip_reason(a));
	archive_entry_free(ent);
	return rc;
}

/*
 * One PDF: the pages go one after the other into one document, written as they are drawn (a PDF page is
 * text and shapes, quick to draw: one thread does it; the document keeps only the glyphs used until it is
 * closed).
 */
static int bulk_pdf(struct db *db, struct cert_renderer *cr, const int64_t *ids, size_t n, const char *path,
		    struct err *e)
{
	struct cert_pdf *pdf = cert_pdf_open(cr, path, e);
	if (!pdf)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct cert c;
		/* Certificates are never deleted: one selected but not read is a read error, not a shorter file. */
		if (cert_get(db, ids[i], &c) < 0)
			rc = err_set(e, "cannot read certificate %lld: %s", (long long)ids[i], db_errstr(db));
		else {
			rc = cert_pdf_page(pdf, &c, e);
			cert_release(&c);
		}
	}
	return cert_pdf_close(pdf, rc == 0, e);
}

/* A one-page PDF per certificate into the zip archive, one at a time. */
static int bulk_zip(struct db *db, struct cert_renderer *cr, const int64_t *ids, size_t n, struct archive *zip,
		    struct err *e)
{
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct cert c;
		if (cert_get(db, ids[i], &c) < 0)
			return err_set(e, "cannot read certificate %lld: %s", (long long)ids[i], db_errstr(db));
		const struct cert *one = &c;
		struct buf pdf = BUF_INIT;
		rc = cert_render_pdf(cr, &one, 1, &pdf, e);
		if (rc == 0)
			rc = zip_add(zip, &c, &pdf, e);
		buf_release(&pdf);
		cert_release(&c);
	}
	return rc;
}

int cert_bulk(struct db *db, const struct cert_filter *f, const char *format, const char *path, size_t *count,
	      struct err *e)
{
	bool zip = format && strcmp(format, "zip") == 0;
	if (!zip && format && strcmp(format, "pdf") != 0) {
		unlink(path);
		return err_set(e, "unknown format '%s' (pdf or zip)", format);
	}
	int64_t *ids = NULL;
	size_t n = 0;
	if (cert_select(db, f, CERT_BULK_MAX, &ids, &n, e) < 0) {
		unlink(path);
		return -1;
	}
	*count = n;
	if (n == 0) {
		free(ids);
		unlink(path);
		return err_set(e, "no certificates match");
	}
	/*
	 * One thread: a page is text and shapes, drawn in a few milliseconds, and Pango's font machinery per
	 * thread would cost more memory than the threads save time.
	 */
	struct cert_renderer *cr = cert_renderer_new(db, e);
	int rc = cr ? 0 : -1;
	struct archive *a = NULL;
	if (rc == 0 && !zip) {
		rc = bulk_pdf(db, cr, ids, n, path, e);
	} else if (rc == 0) {
		a = archive_write_new();
		if (!a) {
			rc = err_set(e, "not enough memory to write the zip");
		} else {
			archive_write_set_format_zip(a);
			archive_write_zip_set_compression_store(a); /* the PDFs inside are already deflated */
			if (archive_write_open_filename(a, path) != ARCHIVE_OK)
				rc = err_set(e, "cannot write zip '%s': %s", path, zip_reason(a));
		}
		if (rc == 0)
			rc = bulk_zip(db, cr, ids, n, a, e);
	}
	if (a) {
		if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
			rc = err_set(e, "cannot write zip: %s", zip_reason(a));
		archive_write_free(a);
	}
	cert_renderer_free(cr);
	free(ids);
	if (rc < 0)
		unlink(path);
	return rc;
}
