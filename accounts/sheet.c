#include "accounts/sheet.h"

#include <gd.h>
#include <hpdf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts/users.h"
#include "certificates/text.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

/* A4 portrait at 150 dots per inch; two columns of five slips. */
#define DPI 150
#define PAGE_W 1240
#define PAGE_H 1754
#define COLS 2
#define ROWS 5
#define SLIP_W (PAGE_W / COLS)
#define SLIP_H (PAGE_H / ROWS)

/* One person's slip, copied from the batch. */
struct slip {
	char *name, *name_km, *username, code[ACTIVATION_CODE_LEN + 1];
};

struct sheet {
	struct cert_fonts fonts;
	HPDF_Doc doc;
	HPDF_STATUS status; /* set by libharu's error handler */
	HPDF_Font layer_latin, layer_khmer;
	const char *base_url;
	char until[16]; /* the codes' last valid day, YYYY-MM-DD */
	struct slip *slips;
	size_t n;
	struct buf *out;
};

static void pdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
	(void)detail_no;
	*(HPDF_STATUS *)user_data = error_no;
}

static bool ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* The invisible copy of a line, at the same place and no wider than the drawn one (pixels from the top left). */
static void layer_text(struct sheet *sh, HPDF_Page page, const char *s, int x, int y, int px, int max_w)
{
	if (!*s)
		return;
	double k = 72.0 / DPI;
	HPDF_Page_BeginText(page);
	HPDF_Page_SetTextRenderingMode(page, HPDF_INVISIBLE);
	HPDF_Page_SetFontAndSize(page, ascii(s) ? sh->layer_latin : sh->layer_khmer, (HPDF_REAL)(px * k));
	HPDF_REAL w = HPDF_Page_TextWidth(page, s);
	HPDF_Page_SetHorizontalScalling(page, w > max_w * k ? (HPDF_REAL)(100.0 * max_w * k / w) : 100);
	HPDF_Page_TextOut(page, (HPDF_REAL)(x * k), (HPDF_REAL)((PAGE_H - y) * k), s);
	HPDF_Page_EndText(page);
}

/* The lines of one slip, drawn and layered the same way. */
struct line {
	const char *text;
	enum text_style style;
	int px, dy;
};
#define NLINES 7

static void slip_lines(const struct sheet *sh, const struct slip *s, char lines[][256], struct line *out)
{
	snprintf(lines[0], 256, "Username / ឈ្មោះអ្នកប្រើ: %s", s->username);
	snprintf(lines[1], 256, "Code / លេខកូដ: %s", s->code);
	snprintf(lines[2], 256, "%s", sh->base_url);
	snprintf(lines[3], 256, "ចូលដោយឈ្មោះអ្នកប្រើ និងលេខកូដនេះ រួចជ្រើសរើសពាក្យសម្ងាត់ថ្មី។ ប្រើបានដល់ %s។", sh->until);
	snprintf(lines[4], 256, "Log in with your username and this code, then choose a password. Valid until %s.",
		 sh->until);
	struct line l[NLINES] = {
	    {s->name_km, TEXT_BOLD, 34, 62},  {s->name, TEXT_BOLD, 30, 48},	{lines[0], TEXT_REGULAR, 24, 46},
	    {lines[1], TEXT_BOLD, 30, 52},    {lines[2], TEXT_REGULAR, 24, 42}, {lines[3], TEXT_REGULAR, 17, 34},
	    {lines[4], TEXT_REGULAR, 17, 30},
	};
	memcpy(out, l, sizeof l);
}

static void page_clear(gdImagePtr im)
{
	gdImageFilledRectangle(im, 0, 0, PAGE_W - 1, PAGE_H - 1, gdTrueColor(255, 255, 255));
	/* Dashed cut lines between the slips. */
	int grey = gdTrueColor(150, 150, 150);
	int style[] = {grey, grey, grey, grey, grey, grey, gdTransparent, gdTransparent, gdTransparent, gdTransparent};
	gdImageSetStyle(im, style, sizeof style / sizeof style[0]);
	for (int c = 1; c < COLS; c++)
		gdImageLine(im, c * SLIP_W, 0, c * SLIP_W, PAGE_H - 1, gdStyled);
	for (int r = 1; r < ROWS; r++)
		gdImageLine(im, 0, r * SLIP_H, PAGE_W - 1, r * SLIP_H, gdStyled);
}

/* One page: slips [first, first + count) drawn into im, then the image and the text layer into the PDF. */
static int sheet_page(struct sheet *sh, gdImagePtr im, size_t first, size_t count, struct err *e)
{
	page_clear(im);
	int ink = gdTrueColor(20, 20, 20);
	int used[COLS * ROWS][NLINES]; /* the sizes drawn (a long line shrinks to fit), for the text layer */
	for (size_t k = 0; k < count; k++) {
		int x0 = (int)(k % COLS) * SLIP_W + 36, y = (int)(k / COLS) * SLIP_H + 10;
		char lines[5][256];
		struct line l[NLINES];
		slip_lines(sh, &sh->slips[first + k], lines, l);
		for (int i = 0; i < NLINES; i++) {
			y += l[i].dy;
			used[k][i] = *l[i].text ? text_draw(im, &sh->fonts, l[i].style, l[i].text, l[i].px, x0, y,
							    ALIGN_LEFT, SLIP_W - 72, ink)
						: l[i].px;
		}
	}
	int size = 0;
	void *png = gdImagePngPtrEx(im, &size, 6);
	if (!png)
		return err_set(e, "cannot encode a sheet page");
	HPDF_Image img = HPDF_LoadPngImageFromMem(sh->doc, png, (HPDF_UINT)size);
	gdFree(png);
	HPDF_Page page = img ? HPDF_AddPage(sh->doc) : NULL;
	if (!page)
		return err_set(e, "cannot add a PDF page (libharu error 0x%04lx)", (unsigned long)sh->status);
	HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	HPDF_Page_DrawImage(page, img, 0, 0, HPDF_Page_GetWidth(page), HPDF_Page_GetHeight(page));
	for (size_t k = 0; k < count; k++) {
		int x0 = (int)(k % COLS) * SLIP_W + 36, y = (int)(k / COLS) * SLIP_H + 10;
		char lines[5][256];
		struct line l[NLINES];
		slip_lines(sh, &sh->slips[first + k], lines, l);
		for (int i = 0; i < NLINES; i++) {
			y += l[i].dy;
			layer_text(sh, page, l[i].text, x0, y, used[k][i], SLIP_W - 72);
		}
	}
	return sh->status ? err_set(e, "cannot draw a PDF page (libharu error 0x%04lx)", (unsigned long)sh->status) : 0;
}

/* The fonts of the text layer: the TrueType files the drawing uses (libharu loads .ttf only). */
static int layer_fonts(struct sheet *sh, struct err *e)
{
	HPDF_UseUTFEncodings(sh->doc);
	const char *lat = HPDF_LoadTTFontFromFile(sh->doc, sh->fonts.latin_path[TEXT_REGULAR], HPDF_FALSE);
	const char *khm = HPDF_LoadTTFontFromFile(sh->doc, sh->fonts.khmer_path[TEXT_REGULAR], HPDF_FALSE);
	sh->layer_latin = lat ? HPDF_GetFont(sh->doc, lat, "UTF-8") : NULL;
	sh->layer_khmer = khm ? HPDF_GetFont(sh->doc, khm, "UTF-8") : NULL;
	if (!sh->layer_latin || !sh->layer_khmer)
		return err_set(e, "cannot load the fonts %s and %s into the PDF (libharu error 0x%04lx)",
			       sh->fonts.latin_path[TEXT_REGULAR], sh->fonts.khmer_path[TEXT_REGULAR],
			       (unsigned long)sh->status);
	return 0;
}

static int sheet_render(struct sheet *sh, struct err *e)
{
	sh->doc = HPDF_New(pdf_error, &sh->status);
	if (!sh->doc)
		return err_set(e, "cannot create a PDF document");
	HPDF_SetCompressionMode(sh->doc, HPDF_COMP_ALL);
	HPDF_SetInfoAttr(sh->doc, HPDF_INFO_CREATOR, "Sala");
	HPDF_SetInfoAttr(sh->doc, HPDF_INFO_TITLE, "Activation codes");
	int rc = layer_fonts(sh, e);
	gdImagePtr im = rc == 0 ? gdImageCreateTrueColor(PAGE_W, PAGE_H) : NULL;
	if (rc == 0 && !im)
		rc = err_set(e, "cannot allocate a sheet page");
	for (size_t first = 0; rc == 0 && first < sh->n; first += COLS * ROWS)
		rc = sheet_page(sh, im, first, sh->n - first < COLS * ROWS ? sh->n - first : COLS * ROWS, e);
	if (im)
		gdImageDestroy(im);
	if (rc == 0 && HPDF_SaveToStream(sh->doc) == HPDF_OK && sh->status == 0) {
		HPDF_UINT32 size = HPDF_GetStreamSize(sh->doc), got = size;
		buf_grow(sh->out, size);
		HPDF_ReadFromStream(sh->doc, (HPDF_BYTE *)sh->out->data + sh->out->len, &got);
		sh->out->len += got;
		sh->out->data[sh->out->len] = '\0';
		if (got != size)
			rc = err_set(e, "cannot write the PDF");
	} else if (rc == 0) {
		rc = err_set(e, "cannot write the PDF (libharu error 0x%04lx)", (unsigned long)sh->status);
	}
	HPDF_Free(sh->doc);
	sh->doc = NULL;
	return rc;
}

struct render_job {
	struct sheet *sh;
	struct err *e;
	int rc;
};

static void *render_thread(void *arg)
{
	struct render_job *j = arg;
	j->rc = sheet_render(j->sh, j->e);
	return NULL;
}

/*
 * libharu 2.3 keeps a 65,536-entry table on the stack while it loads a
 * TrueType font for UTF-8 text (about 130 KB), more than a server worker
 * thread has: the rendering runs on its own thread with a stack of
 * RENDER_STACK, and touches no database.
 */
#define RENDER_STACK (4u << 20)

static int render_big_stack(struct sheet *sh, struct err *e)
{
	struct render_job j = {sh, e, -1};
	pthread_attr_t attr;
	pthread_t t;
	if (pthread_attr_init(&attr) != 0)
		return err_set(e, "cannot start the sheet renderer");
	pthread_attr_setstacksize(&attr, RENDER_STACK);
	int started = pthread_create(&t, &attr, render_thread, &j) == 0;
	pthread_attr_destroy(&attr);
	if (!started)
		return err_set(e, "cannot start the sheet renderer");
	pthread_join(t, NULL);
	return j.rc;
}

static int collect(void *ctx, const struct user *u, const char *code, struct err *e)
{
	struct sheet *sh = ctx;
	if (!u)
		return render_big_stack(sh, e);
	sh->slips = xrealloc(sh->slips, (sh->n + 1) * sizeof *sh->slips);
	struct slip *s = &sh->slips[sh->n++];
	s->name = xstrdup(u->full_name);
	s->name_km = xstrdup(u->full_name_km);
	s->username = xstrdup(u->username);
	snprintf(s->code, sizeof s->code, "%s", code);
	return 0;
}

int activation_sheet_pdf(struct db *db, const char *org_code, struct buf *out, int *n, const struct audit_who *who,
			 struct err *e)
{
	struct sheet sh = {.out = out};
	if (cert_fonts_load(&sh.fonts, e) < 0)
		return -1;
	char *base = setting_value(db, "base_url");
	sh.base_url = base ? base : "";
	time_t until = time(NULL) + ACTIVATION_VALID_S;
	struct tm tm;
	gmtime_r(&until, &tm);
	strftime(sh.until, sizeof sh.until, "%Y-%m-%d", &tm);
	int rc = users_activation_batch(db, org_code, collect, &sh, n, who, e);
	for (size_t i = 0; i < sh.n; i++) {
		free(sh.slips[i].name);
		free(sh.slips[i].name_km);
		free(sh.slips[i].username);
		sodium_memzero(sh.slips[i].code, sizeof sh.slips[i].code);
	}
	free(sh.slips);
	free(base);
	cert_fonts_release(&sh.fonts);
	return rc;
}
