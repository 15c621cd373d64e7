/* The sign-in sheet PDF (training/sheet.h). */
#include "training/sheet.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <inttypes.h>
#include <pango/pangocairo.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts/orgs.h"
#include "lib/textrender.h"
#include "lib/xmalloc.h"
#include "training/checkin.h"
#include "training/workshops.h"

/* A4 portrait in PDF points. */
#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN 36.0
#define HEAD_H 104.0 /* the session's header, from the top margin */
#define TABLE_HEAD_H 26.0
#define ROW_H 36.0
#define FOOT_H 28.0
#define ROWS_PER_PAGE ((int)((PAGE_H - 2 * MARGIN - HEAD_H - TABLE_HEAD_H - FOOT_H) / ROW_H))

#define INK 0x1b1f24
#define MUTED 0x4a5560
#define RULE 0x9aa5b1

/* Latin text in Noto Sans, Khmer in a Khmer face: Pango takes each character from the first that has it. */
static const char *const family = "Noto Sans, Noto Sans Khmer, Khmer OS, DejaVu Sans";

struct person {
	char *name, *name_km, *position, *row_code;
	int64_t org_id;
};

struct org_name {
	int64_t id;
	char *name;		 /* "Khmer · English", for the venue line */
	char *name_km, *name_en; /* for the rows, one line each */
};

struct sheet {
	struct workshop w;
	struct person *people;
	size_t npeople;
	struct org_name *orgs;
	size_t norgs;
	bool failed;
};

static int person_fn(void *ctx, const struct workshop_person *p)
{
	struct sheet *s = ctx;
	if (p->status != WS_REGISTERED)
		return 0;
	s->people = xrealloc(s->people, (s->npeople + 1) * sizeof *s->people);
	s->people[s->npeople++] = (struct person){
	    xstrdup(p->full_name ? p->full_name : ""), xstrdup(p->full_name_km ? p->full_name_km : ""),
	    xstrdup(p->position ? p->position : ""), xstrdup(p->row_code ? p->row_code : ""), p->org_id};
	return 0;
}

static int org_fn(void *ctx, const struct org_row *o)
{
	struct sheet *s = ctx;
	s->orgs = xrealloc(s->orgs, (s->norgs + 1) * sizeof *s->orgs);
	bool km = o->name_km && *o->name_km;
	s->orgs[s->norgs++] = (struct org_name){
	    o->id, xasprintf("%s%s%s", km ? o->name_km : "", km ? " · " : "", o->name_en ? o->name_en : ""),
	    xstrdup(km ? o->name_km : ""), xstrdup(o->name_en ? o->name_en : "")};
	return 0;
}

static const struct org_name *org_of(const struct sheet *s, int64_t id)
{
	static const struct org_name none = {0, "", "", ""};
	for (size_t i = 0; i < s->norgs; i++)
		if (s->orgs[i].id == id)
			return &s->orgs[i];
	return &none;
}

static void sheet_free(struct sheet *s)
{
	for (size_t i = 0; i < s->npeople; i++) {
		free(s->people[i].name);
		free(s->people[i].name_km);
		free(s->people[i].position);
		free(s->people[i].row_code);
	}
	free(s->people);
	for (size_t i = 0; i < s->norgs; i++) {
		free(s->orgs[i].name);
		free(s->orgs[i].name_km);
		free(s->orgs[i].name_en);
	}
	free(s->orgs);
	workshop_free(&s->w);
}

static void color_of(cairo_t *cr, int rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

/*
 * Draws s with its top at y, x the left edge (or the right edge when right); wider than max_w (0: no
 * limit), the size shrinks to fit, down to a third. Returns the height drawn. A failure sets s->failed.
 */
static double put(struct sheet *sh, cairo_t *cr, const char *s, double px, bool bold, double x, double y, double max_w,
		  bool right, int color)
{
	if (sh->failed || !s || !*s)
		return 0;
	PangoLayout *l = textrender_layout(cr, family, bold, px, NULL);
	pango_layout_set_text(l, s, -1);
	double w = textrender_fit(l, px, max_w, px / 3);
	PangoRectangle logical;
	pango_layout_get_extents(l, NULL, &logical);
	color_of(cr, color);
	cairo_move_to(cr, right ? x - w : x, y);
	pango_cairo_show_layout(cr, l);
	double h = (double)logical.height / PANGO_SCALE;
	g_object_unref(l);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		sh->failed = true;
	return h;
}

static void hline(cairo_t *cr, double x1, double x2, double y, double width, int color)
{
	color_of(cr, color);
	cairo_set_line_width(cr, width);
	cairo_move_to(cr, x1, y);
	cairo_line_to(cr, x2, y);
	cairo_stroke(cr);
}

static void vline(cairo_t *cr, double x, double y1, double y2)
{
	color_of(cr, RULE);
	cairo_set_line_width(cr, 0.5);
	cairo_move_to(cr, x, y1);
	cairo_line_to(cr, x, y2);
	cairo_stroke(cr);
}

static void hm(int64_t t, char out[6])
{
	time_t tt = (time_t)(t + WORKSHOP_TZ_OFFSET);
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 6, "%H:%M", &tm);
}

/* The columns: left edges from the margin, the last one ends at the right margin. */
enum { C_NO, C_CODE, C_NAME, C_POSITION, C_ORG, C_SIGN, NCOLS };
static const double col_x[NCOLS + 1] = {MARGIN,	      MARGIN + 24,  MARGIN + 76,    MARGIN + 246,
					MARGIN + 336, MARGIN + 436, PAGE_W - MARGIN};
static const char *const col_en[NCOLS] = {"No.", "Row code", "Name", "Position", "Org unit", "Signature"};
static const char *const col_km[NCOLS] = {"ល.រ", "លេខកូដ", "ឈ្មោះ", "មុខតំណែង", "អង្គភាព", "ហត្ថលេខា"};

static void page(struct sheet *s, cairo_t *cr, const struct workshop_day *d, int pageno, int pages, size_t first,
		 const char *venue)
{
	const struct workshop *w = &s->w;
	double y = MARGIN;
	put(s, cr, "បញ្ជីវត្តមាន  ·  Sign-in sheet", 10, false, MARGIN, y, 0, false, MUTED);
	char code[96];
	snprintf(code, sizeof code, "%s  %s", "លេខកូដវគ្គ · Session code", w->code ? w->code : "");
	put(s, cr, code, 10, true, PAGE_W - MARGIN, y, 0, true, INK);
	y += 16;
	put(s, cr, w->title, 16, true, MARGIN, y, PAGE_W - 2 * MARGIN, false, INK);
	y += 26;
	char line[600], date[11], from[6], to[6];
	checkin_local_date(d->starts_at, date);
	hm(d->starts_at, from);
	hm(d->ends_at, to);
	snprintf(line, sizeof line, "ថ្ងៃទី %d · Day %d of %d:  %s,  %s–%s", d->day, d->day, w->ndays, date, from, to);
	put(s, cr, line, 11, true, MARGIN, y, PAGE_W - 2 * MARGIN, false, INK);
	y += 18;
	snprintf(line, sizeof line, "ទីកន្លែង · Venue:  %s%s%s", venue, w->address && *w->address ? ", " : "",
		 w->address ? w->address : "");
	put(s, cr, line, 10, false, MARGIN, y, PAGE_W - 2 * MARGIN, false, INK);
	y += 16;
	put(s, cr,
	    "សូមចុះហត្ថលេខានៅជួររបស់អ្នក។ · Please sign on your row. The row code is keyed in afterwards "
	    "to record your attendance.",
	    8, false, MARGIN, y, PAGE_W - 2 * MARGIN, false, MUTED);

	/* The table's head. */
	y = MARGIN + HEAD_H;
	hline(cr, MARGIN, PAGE_W - MARGIN, y, 1.2, INK);
	for (int c = 0; c < NCOLS; c++) {
		double cw = col_x[c + 1] - col_x[c] - 6;
		put(s, cr, col_km[c], 8, true, col_x[c] + 3, y + 2, cw, false, INK);
		put(s, cr, col_en[c], 8, true, col_x[c] + 3, y + 13, cw, false, INK);
	}
	y += TABLE_HEAD_H;
	hline(cr, MARGIN, PAGE_W - MARGIN, y, 1.2, INK);
	double top = MARGIN + HEAD_H;
	for (size_t i = first; i < s->npeople && i < first + (size_t)ROWS_PER_PAGE; i++) {
		const struct person *p = &s->people[i];
		char no[16];
		snprintf(no, sizeof no, "%zu", i + 1);
		put(s, cr, no, 9, false, col_x[C_CODE] - 4, y + 6, 0, true, INK);
		put(s, cr, p->row_code, 11, true, col_x[C_CODE] + 3, y + 6, col_x[C_NAME] - col_x[C_CODE] - 6, false,
		    INK);
		double nw = col_x[C_POSITION] - col_x[C_NAME] - 6;
		if (*p->name_km) {
			put(s, cr, p->name_km, 10, true, col_x[C_NAME] + 3, y + 2, nw, false, INK);
			put(s, cr, p->name, 9, false, col_x[C_NAME] + 3, y + 19, nw, false, INK);
		} else {
			put(s, cr, p->name, 10, true, col_x[C_NAME] + 3, y + 6, nw, false, INK);
		}
		put(s, cr, p->position, 8, false, col_x[C_POSITION] + 3, y + 6, col_x[C_ORG] - col_x[C_POSITION] - 6,
		    false, INK);
		const struct org_name *o = org_of(s, p->org_id);
		double ow = col_x[C_SIGN] - col_x[C_ORG] - 6;
		put(s, cr, o->name_km, 8, false, col_x[C_ORG] + 3, y + 3, ow, false, INK);
		put(s, cr, o->name_en, 8, false, col_x[C_ORG] + 3, y + 19, ow, false, INK);
		y += ROW_H;
		hline(cr, MARGIN, PAGE_W - MARGIN, y, 0.5, RULE);
	}
	if (s->npeople == 0)
		put(s, cr, "គ្មានអ្នកចុះឈ្មោះ · Nobody is registered for this session yet.", 10, false, MARGIN + 3, y + 8,
		    0, false, MUTED);
	for (int c = 1; c < NCOLS; c++)
		vline(cr, col_x[c], top, y);

	/* The footer. */
	double fy = PAGE_H - MARGIN - 12;
	hline(cr, MARGIN, PAGE_W - MARGIN, fy - 4, 0.5, RULE);
	snprintf(line, sizeof line, "%s · %s · ថ្ងៃទី %d · Day %d", w->code ? w->code : "", date, d->day, d->day);
	put(s, cr, line, 8, false, MARGIN, fy, 0, false, MUTED);
	snprintf(line, sizeof line, "ទំព័រ %d / %d · Page %d of %d", pageno, pages, pageno, pages);
	put(s, cr, line, 8, false, PAGE_W - MARGIN, fy, 0, true, MUTED);
}

static cairo_status_t pdf_write(void *closure, const unsigned char *data, unsigned int len)
{
	buf_add(closure, data, len);
	return CAIRO_STATUS_SUCCESS;
}

static int render(struct sheet *s, int day, const char *venue, struct buf *out, struct err *e)
{
	cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(pdf_write, out, PAGE_W, PAGE_H);
	if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(surface);
		return err_set(e, "not enough memory to draw the sign-in sheet");
	}
	char title[400];
	snprintf(title, sizeof title, "Sign-in sheet %s: %s", s->w.code ? s->w.code : "", s->w.title ? s->w.title : "");
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Sala");
	cairo_t *cr = cairo_create(surface);
	int per = ROWS_PER_PAGE;
	int pages = s->npeople ? (int)((s->npeople + (size_t)per - 1) / (size_t)per) : 1;
	for (int i = 0; i < s->w.ndays && !s->failed; i++) {
		const struct workshop_day *d = &s->w.days[i];
		if (day && d->day != day)
			continue;
		for (int pg = 0; pg < pages && !s->failed; pg++) {
			page(s, cr, d, pg + 1, pages, (size_t)pg * (size_t)per, venue);
			cairo_show_page(cr);
		}
	}
	cairo_status_t st = cairo_status(cr);
	cairo_destroy(cr);
	cairo_surface_finish(surface);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (s->failed || st != CAIRO_STATUS_SUCCESS)
		return err_set(e, "cannot draw the sign-in sheet: %s",
			       st != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(st)
							  : "a text could not be laid out");
	return 0;
}

int workshop_sheet_pdf(struct db *db, int64_t workshop_id, int day, struct buf *out, struct err *e)
{
	struct sheet s = {0};
	int rc = workshop_get(db, workshop_id, &s.w, e);
	if (rc < 0)
		return rc;
	bool has_day = day == 0 && s.w.ndays > 0;
	for (int i = 0; i < s.w.ndays; i++)
		has_day |= s.w.days[i].day == day;
	if (!has_day) {
		rc = err_fail(e, ERR_NOTFOUND, "session %" PRId64 " has no day %d", workshop_id, day);
		goto out;
	}
	struct err le;
	if (workshop_people_list(db, workshop_id, person_fn, &s, &le) < 0) {
		rc = err_fail(e, ERR_UNAVAILABLE, "%s", le.msg);
		goto out;
	}
	int64_t *ids = xcalloc(s.npeople + 1, sizeof *ids);
	ids[0] = s.w.org_id;
	for (size_t i = 0; i < s.npeople; i++)
		ids[i + 1] = s.people[i].org_id;
	rc = orgs_get(db, ids, s.npeople + 1, org_fn, &s, &le);
	free(ids);
	if (rc < 0) {
		rc = err_fail(e, ERR_UNAVAILABLE, "%s", le.msg);
		goto out;
	}
	if (!textrender_headroom()) {
		rc = err_set(e, "not enough memory to draw the sign-in sheet");
		goto out;
	}
	size_t start = out->len;
	textrender_lock();
	rc = render(&s, day, org_of(&s, s.w.org_id)->name, out, e);
	textrender_unlock();
	if (rc < 0)
		out->len = start;
out:
	sheet_free(&s);
	return rc;
}
