/* Bulk printing: a selection of certificates as one PDF or as a zip of one PDF each. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
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
		    "NULL AND (course_id = ?1 OR ?1 IS NULL) AND (completed_on >= ?2 OR ?2 IS NULL) AND "
		    "(completed_on <= ?3 OR ?3 IS NULL)");
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
		db_bind_int64(st, 4, scan ? INT64_MAX : (int64_t)want); /* no limit: PostgreSQL refuses -1 */
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

/* Pages are rendered by a few threads, a batch at a time, each thread with its own renderer (fonts, page). */
#define BULK_THREADS_MAX 4
#define BULK_BATCH 32

struct batch {
	const struct cert *cs;
	struct buf *outs;
	size_t n;
	bool as_pdf; /* a one-page PDF per certificate (zip) instead of the page PNG */
	atomic_size_t next;
	atomic_int failed;
};

struct worker {
	pthread_t thread;
	struct cert_renderer *cr;
	struct batch *b;
	struct err e;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct batch *b = w->b;
	size_t i;
	while (!atomic_load(&b->failed) && (i = atomic_fetch_add(&b->next, 1)) < b->n) {
		const struct cert *c = &b->cs[i];
		int rc = b->as_pdf ? cert_render_pdf(w->cr, &c, 1, &b->outs[i], &w->e)
				   : cert_render_png(w->cr, c, &b->outs[i], &w->e);
		if (rc < 0)
			atomic_store(&b->failed, 1);
	}
	return NULL;
}

static int render_batch(struct worker *ws, size_t nw, struct batch *b, struct err *e)
{
	atomic_init(&b->next, 0);
	atomic_init(&b->failed, 0);
	size_t started = 0;
	for (size_t t = 0; t < nw; t++) {
		ws[t].b = b;
		ws[t].e.msg[0] = '\0';
		if (t > 0 && pthread_create(&ws[t].thread, NULL, worker_run, &ws[t]) != 0)
			break;
		started = t + 1;
	}
	worker_run(&ws[0]); /* the calling thread works too */
	for (size_t t = 1; t < started; t++)
		pthread_join(ws[t].thread, NULL);
	if (atomic_load(&b->failed)) {
		for (size_t t = 0; t < started; t++)
			if (ws[t].e.msg[0])
				return err_set(e, "%s", ws[t].e.msg);
		return err_set(e, "cannot render a certificate");
	}
	return 0;
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

/* Renders ids in batches on nw workers; each result goes to the zip archive or the PDF. */
static int bulk_run(struct db *db, struct worker *ws, size_t nw, const int64_t *ids, size_t n, struct archive *zip,
		    struct cert_pdf *pdf, struct err *e)
{
	struct cert *cs = xcalloc(BULK_BATCH, sizeof *cs);
	struct buf *outs = xcalloc(BULK_BATCH, sizeof *outs);
	int rc = 0;
	for (size_t at = 0; at < n && rc == 0; at += BULK_BATCH) {
		size_t k = 0;
		/* Certificates are never deleted: one selected but not read is a read error, not a shorter file. */
		for (size_t i = at; i < n && i < at + BULK_BATCH && rc == 0; i++)
			if (cert_get(db, ids[i], &cs[k]) == 0)
				k++;
			else
				rc = err_set(e, "cannot read certificate %lld: %s", (long long)ids[i], db_errstr(db));
		struct batch b = {.cs = cs, .outs = outs, .n = k, .as_pdf = zip != NULL};
		if (rc == 0)
			rc = render_batch(ws, nw, &b, e);
		for (size_t i = 0; i < k; i++) {
			if (rc == 0)
				rc = zip ? zip_add(zip, &cs[i], &outs[i], e) : cert_pdf_add_png(pdf, &outs[i], e);
			buf_release(&outs[i]);
			cert_release(&cs[i]);
		}
	}
	free(cs);
	free(outs);
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
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nw = cpus < 1 ? 1 : cpus > BULK_THREADS_MAX ? BULK_THREADS_MAX : (size_t)cpus;
	if (nw > n)
		nw = n;
	struct worker ws[BULK_THREADS_MAX] = {{0}};
	int rc = 0;
	for (size_t t = 0; t < nw && rc == 0; t++)
		if (!(ws[t].cr = cert_renderer_new(db, e)))
			rc = -1;
	struct archive *a = NULL;
	struct cert_pdf *pdf = NULL;
	if (rc == 0 && zip) {
		a = archive_write_new();
		if (!a) {
			rc = err_set(e, "not enough memory to write the zip");
		} else {
			archive_write_set_format_zip(a);
			archive_write_zip_set_compression_store(a); /* the PDFs inside are already deflated */
			if (archive_write_open_filename(a, path) != ARCHIVE_OK)
				rc = err_set(e, "cannot write zip '%s': %s", path, zip_reason(a));
		}
	} else if (rc == 0 && !(pdf = cert_pdf_begin(NULL))) {
		rc = err_set(e, "cannot create a PDF document: not enough memory");
	}
	if (rc == 0)
		rc = bulk_run(db, ws, nw, ids, n, a, pdf, e);
	if (a) {
		if (archive_write_close(a) != ARCHIVE_OK && rc == 0)
			rc = err_set(e, "cannot write zip: %s", zip_reason(a));
		archive_write_free(a);
	}
	if (pdf && rc == 0) {
		rc = cert_pdf_finish_file(pdf, path, e);
	} else if (pdf) {
		struct buf none = BUF_INIT;
		struct err ignored;
		cert_pdf_finish(pdf, &none, &ignored);
		buf_release(&none);
	}
	for (size_t t = 0; t < nw; t++)
		cert_renderer_free(ws[t].cr);
	free(ids);
	if (rc < 0)
		unlink(path);
	return rc;
}
