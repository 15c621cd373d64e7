/*
 * The certificate page, drawn once with Cairo and Pango (HarfBuzz shaping) in
 * the units of an A4 landscape page at 300 dpi (3508 x 2480), onto either a
 * PDF surface (text with embedded, subset fonts, the verify URL a link, title,
 * language and the signed token in the document information) or an image
 * surface at any width (the PNG, with the token in a tEXt chunk).
 */
#define _GNU_SOURCE /* memmem */
#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <pango/pangocairo.h>
#include <png.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "certificates/cert.h"
#include "certificates/text.h"
#include "lib/db.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/settings.h"
#include "lib/textrender.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#define PAGE_W 3508
#define PAGE_H 2480
/* A4 landscape in PDF points. */
#define PDF_W 841.89
#define PDF_H 595.28
/* Template images larger than this (pixels) are refused before decoding. */
#define IMAGE_MAX_PIXELS (40L * 1000 * 1000)

#define INK 0x1b1f24
#define MUTED 0x4a5560

#define NO_MEMORY "not enough memory to render the certificate"

/*
 * Font families by style, in order: Pango takes each character from the first
 * family that has it, so Latin text is set in Noto Serif and Khmer in a Khmer
 * face (Muol Light for headings, as on Cambodian official documents).
 */
static const char *const families[TEXT_STYLES] = {
    "Noto Serif, Noto Sans Khmer, Khmer OS, DejaVu Serif",
    "Noto Serif, Noto Sans Khmer, Khmer OS Battambang, DejaVu Serif",
    "Noto Serif, Khmer OS Muol Light, Noto Serif Khmer, DejaVu Serif",
};

struct cert_renderer {
	int color;			   /* 0xrrggbb of setting cert_color */
	cairo_surface_t *logo, *signature; /* NULL when not configured */
	char *base_url;
	bool failed; /* a text of the page being drawn could not be laid out (out of memory) */
};

static void color_of(cairo_t *cr, int rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

static int parse_color(const char *s, int def)
{
	if (!s)
		return def;
	if (*s == '#')
		s++;
	unsigned v;
	char tail;
	if (strlen(s) != 6 || sscanf(s, "%6x%c", &v, &tail) != 1)
		return def;
	return (int)v;
}

struct png_read {
	const unsigned char *data;
	size_t len, off;
};

static cairo_status_t png_read_fn(void *closure, unsigned char *data, unsigned int len)
{
	struct png_read *r = closure;
	if (len > r->len - r->off)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(data, r->data + r->off, len);
	r->off += len;
	return CAIRO_STATUS_SUCCESS;
}

/*
 * A template PNG (b: the file's bytes, path: what to call it in the log) after checking its magic bytes and its
 * size from the header. NULL (and a log line) on failure. b is released.
 */
static cairo_surface_t *load_png_bytes(struct buf *b, const char *path)
{
	cairo_surface_t *im = NULL;
	const unsigned char *d = (const unsigned char *)b->data;
	if (b->len < 24 || memcmp(d, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(d + 12, "IHDR", 4) != 0) {
		log_msg(LOG_ERROR, "error", "certificate template '%s' is not a PNG file", path);
		goto done;
	}
	long w = (long)d[16] << 24 | d[17] << 16 | d[18] << 8 | d[19];
	long h = (long)d[20] << 24 | d[21] << 16 | d[22] << 8 | d[23];
	if (w <= 0 || h <= 0 || w > IMAGE_MAX_PIXELS / h) {
		log_msg(LOG_ERROR, "error", "certificate template '%s' is too large (%ldx%ld)", path, w, h);
		goto done;
	}
	struct png_read r = {.data = d, .len = b->len};
	im = cairo_image_surface_create_from_png_stream(png_read_fn, &r);
	if (cairo_surface_status(im) != CAIRO_STATUS_SUCCESS) {
		log_msg(LOG_ERROR, "error", "certificate template '%s' cannot be read as a PNG image", path);
		cairo_surface_destroy(im);
		im = NULL;
	}
done:
	buf_release(b);
	return im;
}

static cairo_surface_t *load_png(const char *path)
{
	struct buf b = BUF_INIT;
	struct err e;
	if (file_read(path, &b, &e) < 0) {
		log_msg(LOG_ERROR, "error", "certificate template: %s", e.msg);
		buf_release(&b);
		return NULL;
	}
	return load_png_bytes(&b, path);
}

/* The uploaded image called name (cert_images), else the PNG file the setting key names, else NULL. */
static cairo_surface_t *template_image(struct db *db, const char *name, const char *key)
{
	struct buf b = BUF_INIT;
	struct err e;
	int got = cert_image_get(db, name, &b, &e);
	if (got > 0)
		return load_png_bytes(&b, name);
	buf_release(&b);
	if (got < 0)
		log_msg(LOG_ERROR, "error", "certificate template: %s", e.msg);
	char *path = db_setting_get(db, key);
	cairo_surface_t *im = path && *path ? load_png(path) : NULL;
	free(path);
	return im;
}

/*
 * Text is laid out with the process's one font map, under its lock (lib/textrender.h). A renderer is
 * only made when the text renderer's headroom of address space can be reserved: a process that is short
 * of memory gets the ordinary "not enough memory" error instead of dying in a library.
 */
struct cert_renderer *cert_renderer_new(struct db *db, struct err *e)
{
	if (!textrender_headroom()) {
		err_set(e, NO_MEMORY);
		return NULL;
	}
	textrender_fonts();
	if (render_oom_injected()) {
		err_set(e, NO_MEMORY);
		return NULL;
	}
	struct cert_renderer *cr = xcalloc(1, sizeof *cr);
	char *color = setting_value(db, "cert_color");
	cr->color = parse_color(color, 0x0b4f8a);
	free(color);
	cr->logo = template_image(db, "logo", "cert_logo_path");
	cr->signature = template_image(db, "signature", "cert_signature_path");
	cr->base_url = cert_base_url(db);
	return cr;
}

void cert_renderer_free(struct cert_renderer *cr)
{
	if (!cr)
		return;
	if (cr->logo)
		cairo_surface_destroy(cr->logo);
	if (cr->signature)
		cairo_surface_destroy(cr->signature);
	free(cr->base_url);
	free(cr);
}

static void fill_rect(cairo_t *cr, double x1, double y1, double x2, double y2, int color)
{
	color_of(cr, color);
	cairo_rectangle(cr, x1, y1, x2 - x1 + 1, y2 - y1 + 1);
	cairo_fill(cr);
}

/* Draws src scaled to fit in a box of w x h whose top-left is (x, y), keeping its aspect. */
static void draw_image(cairo_t *cr, cairo_surface_t *src, double x, double y, double w, double h, bool center)
{
	double sw = cairo_image_surface_get_width(src), sh = cairo_image_surface_get_height(src);
	double s = w / sw;
	if (sh * s > h)
		s = h / sh;
	if (center)
		x += (w - sw * s) / 2;
	cairo_save(cr);
	cairo_translate(cr, x, y);
	cairo_scale(cr, s, s);
	cairo_set_source_surface(cr, src, 0, 0);
	cairo_paint(cr);
	cairo_restore(cr);
}

/* -1 when libqrencode cannot make the code (out of memory, or a URL too long for a QR code). */
static int draw_qr(cairo_t *cr, const char *url, double x, double y, double size, struct err *e)
{
	errno = 0;
	QRcode *qr =
	    render_oom_injected() ? (errno = ENOMEM, NULL) : QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return errno == ENOMEM ? err_set(e, NO_MEMORY)
				       : err_set(e, "cannot make the QR code for '%s': the address is too long", url);
	int quiet = 4;
	double mod = (int)(size / (qr->width + 2 * quiet));
	if (mod < 1)
		mod = 1;
	double total = mod * (qr->width + 2 * quiet);
	fill_rect(cr, x, y, x + total - 1, y + total - 1, 0xffffff);
	/* One path for every dark module: no seams between neighbours when scaled. */
	cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
	for (int r = 0; r < qr->width; r++)
		for (int c = 0; c < qr->width; c++)
			if (qr->data[r * qr->width + c] & 1)
				cairo_rectangle(cr, x + (quiet + c) * mod, y + (quiet + r) * mod, mod, mod);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_fill(cr);
	cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
	QRcode_free(qr);
	return 0;
}

/* 2026 -> ២០២៦ */
static void khmer_digits(struct buf *b, const char *s)
{
	i18n_digits(b, "km", s);
}

/* "5 January 2026" and "ថ្ងៃទី៥ ខែមករា ឆ្នាំ២០២៦"; false (and day copied) when day is not YYYY-MM-DD. */
static bool date_words(const char *day, struct buf *en, struct buf *km)
{
	i18n_date(km, "km", day);
	return i18n_date(en, "en", day);
}

static void date_lines(const struct cert *c, struct buf *en, struct buf *km)
{
	buf_puts(en, "Completed on ");
	buf_puts(km, "បានបញ្ចប់នៅ");
	date_words(c->completed_on, en, km);
	if (c->has_score) {
		char num[16];
		snprintf(num, sizeof num, "%.0f", c->score);
		buf_printf(en, "  ·  Final score %s%%", num);
		buf_puts(km, "  ·  ពិន្ទុចុងក្រោយ ");
		khmer_digits(km, num);
		buf_puts(km, "%");
	}
}

/*
 * Draws s with its baseline at y; x is the left edge, centre or right edge by
 * align. Wider than max_w (0: no limit), the size shrinks to fit, down to a
 * quarter of px. Metrics are unhinted, so the layout is the same at every
 * scale and on every surface. A failure is remembered in cr->failed.
 */
static void put(struct cert_renderer *r, cairo_t *cr, enum text_style style, const char *s, double px, double x,
		double y, enum text_align align, double max_w, int color)
{
	if (r->failed || !s || !*s)
		return;
	if (render_oom_injected()) {
		r->failed = true;
		return;
	}
	PangoLayout *l = textrender_layout(cr, families[style], style == TEXT_BOLD, px, NULL);
	pango_layout_set_text(l, s, -1);
	double w = textrender_fit(l, px, max_w, px / 4);
	double left = align == ALIGN_CENTER ? x - w / 2 : align == ALIGN_RIGHT ? x - w : x;
	color_of(cr, color);
	cairo_move_to(cr, left, y - (double)pango_layout_get_baseline(l) / PANGO_SCALE);
	pango_cairo_show_layout(cr, l);
	g_object_unref(l);
	if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
		r->failed = true;
}

static int draw_page_locked(struct cert_renderer *r, cairo_t *cr, const struct cert *c, struct err *e);

/* Draws the page of c onto cr, whose user space is the 3508 x 2480 page; -1 with a message on failure. */
static int draw_page(struct cert_renderer *r, cairo_t *cr, const struct cert *c, struct err *e)
{
	textrender_lock();
	int rc = draw_page_locked(r, cr, c, e);
	textrender_unlock();
	return rc;
}

static int draw_page_locked(struct cert_renderer *r, cairo_t *cr, const struct cert *c, struct err *e)
{
	int col = r->color, cx = PAGE_W / 2;
	r->failed = false;
	fill_rect(cr, 0, 0, PAGE_W - 1, PAGE_H - 1, 0xffffff);
	/* Frame: a broad band and a fine inner rule in the site colour. */
	fill_rect(cr, 90, 90, PAGE_W - 91, 113, col);
	fill_rect(cr, 90, PAGE_H - 114, PAGE_W - 91, PAGE_H - 91, col);
	fill_rect(cr, 90, 90, 113, PAGE_H - 91, col);
	fill_rect(cr, PAGE_W - 114, 90, PAGE_W - 91, PAGE_H - 91, col);
	color_of(cr, col);
	cairo_set_line_width(cr, 4);
	cairo_rectangle(cr, 152, 152, PAGE_W - 304, PAGE_H - 304);
	cairo_stroke(cr);
	/* The kingdom's motto in the centre, the logo top left. */
	put(r, cr, TEXT_TITLE, "ព្រះរាជាណាចក្រកម្ពុជា", 70, cx, 330, ALIGN_CENTER, 1400, INK);
	put(r, cr, TEXT_TITLE, "ជាតិ សាសនា ព្រះមហាក្សត្រ", 54, cx, 450, ALIGN_CENTER, 1400, INK);
	fill_rect(cr, cx - 220, 500, cx + 220, 505, INK);
	if (r->logo)
		draw_image(cr, r->logo, 240, 220, 420, 300, true);
	if (r->signature)
		draw_image(cr, r->signature, 330, 1930, 700, 240, true);
	fill_rect(cr, 300, 2190, 1060, 2193, INK);

	int issuer_y = r->logo ? 620 : 330;
	put(r, cr, TEXT_TITLE, c->issuer_km, 50, 450, issuer_y, ALIGN_CENTER, 800, INK);
	put(r, cr, TEXT_REGULAR, c->issuer, 40, 450, issuer_y + 80, ALIGN_CENTER, 800, INK);

	/* Heading. */
	put(r, cr, TEXT_TITLE, "វិញ្ញាបនបត្របញ្ជាក់ការសិក្សា", 110, cx, 830, ALIGN_CENTER, 2400, col);
	put(r, cr, TEXT_BOLD, c->heading && *c->heading ? c->heading : "Certificate of Completion", 92, cx, 980,
	    ALIGN_CENTER, 2600, col);
	put(r, cr, TEXT_REGULAR, "សូមបញ្ជាក់ថា  ·  This is to certify that", 48, cx, 1110, ALIGN_CENTER, 2600, MUTED);

	/* The learner: the Khmer name first, as on Cambodian documents. */
	int y = 1300;
	if (c->name_km && *c->name_km) {
		put(r, cr, TEXT_BOLD, c->name_km, 130, cx, y, ALIGN_CENTER, 2600, INK);
		put(r, cr, TEXT_BOLD, c->name, 84, cx, y + 130, ALIGN_CENTER, 2600, INK);
		y += 130;
	} else {
		put(r, cr, TEXT_BOLD, c->name, 120, cx, y, ALIGN_CENTER, 2600, INK);
	}
	fill_rect(cr, cx - 900, y + 45, cx + 900, y + 49, col);
	put(r, cr, TEXT_REGULAR, "បានបញ្ចប់វគ្គសិក្សាដោយជោគជ័យ  ·  has successfully completed the course", 48, cx, y + 150,
	    ALIGN_CENTER, 2600, MUTED);
	put(r, cr, TEXT_BOLD, c->course_title, 80, cx, y + 290, ALIGN_CENTER, 2700, col);
	struct buf en = BUF_INIT, km = BUF_INIT;
	date_lines(c, &en, &km);
	put(r, cr, TEXT_REGULAR, buf_str(&km), 46, cx, y + 410, ALIGN_CENTER, 1900, INK);
	put(r, cr, TEXT_REGULAR, buf_str(&en), 44, cx, y + 485, ALIGN_CENTER, 1900, INK);
	if (c->expires_on && *c->expires_on) {
		buf_reset(&en);
		buf_reset(&km);
		buf_puts(&en, "Valid until ");
		buf_puts(&km, "មានសុពលភាពរហូតដល់");
		date_words(c->expires_on, &en, &km);
		buf_puts(&km, "  ·  ");
		buf_add(&km, en.data, en.len);
		put(r, cr, TEXT_REGULAR, buf_str(&km), 40, cx, y + 560, ALIGN_CENTER, 1900, MUTED);
	}
	buf_release(&en);
	buf_release(&km);

	/* Bottom left: the issuer's name under the signature. */
	put(r, cr, TEXT_REGULAR, c->issuer_km, 40, 680, 2255, ALIGN_CENTER, 900, INK);
	put(r, cr, TEXT_REGULAR, c->issuer, 36, 680, 2310, ALIGN_CENTER, 900, INK);

	/* Bottom right: QR to the verify page and the code to type; both are a link to the page in a PDF. */
	char url[512], link[600];
	snprintf(url, sizeof url, "%s/verify/%s", r->base_url, c->code);
	/* cairo's link attribute: a quoted string, where \ and ' are escaped. */
	size_t k = (size_t)snprintf(link, sizeof link, "uri='");
	for (const char *p = url; *p && k + 4 < sizeof link; p++) {
		if (*p == '\\' || *p == '\'')
			link[k++] = '\\';
		link[k++] = *p;
	}
	snprintf(link + k, sizeof link - k, "'");
	cairo_tag_begin(cr, CAIRO_TAG_LINK, link);
	if (draw_qr(cr, url, PAGE_W - 230 - 440, 1840, 440, e) < 0) {
		cairo_tag_end(cr, CAIRO_TAG_LINK);
		return -1;
	}
	int tx = PAGE_W - 230 - 470;
	put(r, cr, TEXT_REGULAR, "ផ្ទៀងផ្ទាត់  ·  Verify", 40, tx, 2000, ALIGN_RIGHT, 900, MUTED);
	put(r, cr, TEXT_BOLD, c->code, 60, tx, 2085, ALIGN_RIGHT, 900, INK);
	put(r, cr, TEXT_REGULAR, url, 32, tx, 2150, ALIGN_RIGHT, 1100, MUTED);
	cairo_tag_end(cr, CAIRO_TAG_LINK);
	char serial[64];
	snprintf(serial, sizeof serial, "No. %s", c->serial);
	put(r, cr, TEXT_REGULAR, serial, 36, tx, 2220, ALIGN_RIGHT, 900, MUTED);
	if (cairo_status(cr) == CAIRO_STATUS_NO_MEMORY)
		r->failed = true;
	return r->failed ? err_set(e, NO_MEMORY) : 0;
}

struct png_out {
	struct buf *out;
	jmp_buf jmp;
};

static void png_write_fn(png_structp png, png_bytep data, png_size_t len)
{
	struct png_out *po = png_get_io_ptr(png);
	buf_add(po->out, data, len);
}

static void png_flush_fn(png_structp png)
{
	(void)png;
}

static void png_error_fn(png_structp png, png_const_charp msg)
{
	(void)msg;
	struct png_out *po = png_get_error_ptr(png);
	longjmp(po->jmp, 1);
}

static void png_warning_fn(png_structp png, png_const_charp msg)
{
	(void)png, (void)msg;
}

/*
 * Encodes an RGB24 cairo image with libpng and the token as tEXt "sala-certificate". The page is mostly
 * flat colour: no row filter is both the smallest and the fastest here (measured: adaptive filters make
 * the phone page 20% larger and several times slower); zlib level 6 for the phone page (about 110 KB),
 * level 2 at 300 dpi, where level 9 would triple the time for a third less.
 */
static int page_png(cairo_surface_t *im, bool small, const char *token, struct buf *out, struct err *e)
{
	int w = cairo_image_surface_get_width(im), h = cairo_image_surface_get_height(im);
	int stride = cairo_image_surface_get_stride(im);
	const unsigned char *data = cairo_image_surface_get_data(im);
	double dpm = 11811.0 * w / PAGE_W; /* 300 dpi at full size: the page stays A4 when printed */
	struct png_out po = {.out = out};
	png_structp png = render_oom_injected()
			      ? NULL
			      : png_create_write_struct(PNG_LIBPNG_VER_STRING, &po, png_error_fn, png_warning_fn);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	unsigned char *row = xmalloc((size_t)w * 3);
	size_t start = out->len;
	/* libpng fails only for want of memory here: the bytes go to a growing buffer. */
	if (!info || setjmp(po.jmp)) {
		png_destroy_write_struct(&png, &info);
		free(row);
		out->len = start;
		return err_set(e, NO_MEMORY);
	}
	png_set_write_fn(png, &po, png_write_fn, png_flush_fn);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_filter(png, 0, PNG_FILTER_NONE);
	png_set_compression_level(png, small ? 6 : 2);
	png_set_pHYs(png, info, (png_uint_32)dpm, (png_uint_32)dpm, PNG_RESOLUTION_METER);
	png_text chunk = {.compression = PNG_TEXT_COMPRESSION_NONE,
			  .key = (png_charp) "sala-certificate",
			  .text = (png_charp)token,
			  .text_length = strlen(token)};
	png_set_text(png, info, &chunk, 1);
	png_write_info(png, info);
	for (int y = 0; y < h; y++) {
		const uint32_t *px = (const uint32_t *)(data + (size_t)y * (size_t)stride);
		/* Most rows repeat the one above (margins, blank bands): row still holds their bytes. */
		if (y == 0 || memcmp(px, data + (size_t)(y - 1) * (size_t)stride, (size_t)w * 4) != 0) {
			unsigned char *p = row;
			for (int x = 0; x < w; x++) {
				*p++ = (unsigned char)(px[x] >> 16);
				*p++ = (unsigned char)(px[x] >> 8);
				*p++ = (unsigned char)px[x];
			}
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	return 0;
}

int cert_render_png_width(struct cert_renderer *r, const struct cert *c, int width, struct buf *out, struct err *e)
{
	if (width < 200 || width > PAGE_W)
		width = PAGE_W;
	int height = (int)((long)width * PAGE_H / PAGE_W);
	cairo_surface_t *im =
	    render_oom_injected() ? NULL : cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
	if (!im || cairo_surface_status(im) != CAIRO_STATUS_SUCCESS) {
		if (im)
			cairo_surface_destroy(im);
		return err_set(e, NO_MEMORY);
	}
	cairo_t *cr = cairo_create(im);
	cairo_scale(cr, (double)width / PAGE_W, (double)width / PAGE_W);
	int rc = draw_page(r, cr, c, e);
	cairo_destroy(cr);
	if (rc == 0) {
		cairo_surface_flush(im);
		struct buf token = BUF_INIT;
		cert_token(c, &token);
		rc = page_png(im, width < PAGE_W, buf_str(&token), out, e);
		buf_release(&token);
	}
	cairo_surface_destroy(im);
	return rc;
}

int cert_render_png(struct cert_renderer *r, const struct cert *c, struct buf *out, struct err *e)
{
	return cert_render_png_width(r, c, PAGE_W, out, e);
}

/* A PDF being written: one cairo PDF surface, pages added one at a time, bytes written as they are made. */
struct cert_pdf {
	struct cert_renderer *r;
	cairo_surface_t *surface;
	FILE *file;	  /* the bundle's file, or NULL */
	struct buf *out;  /* or the buffer the document is appended to */
	size_t start;	  /* where the document starts in out */
	int write_errno;  /* the first write error */
	const char *lang; /* the document's language */
	char *path;
};

static cairo_status_t pdf_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct cert_pdf *p = closure;
	if (p->file) {
		if (fwrite(data, 1, len, p->file) != len) {
			if (!p->write_errno)
				p->write_errno = errno ? errno : EIO;
			return CAIRO_STATUS_WRITE_ERROR;
		}
	} else {
		buf_add(p->out, data, len);
	}
	return CAIRO_STATUS_SUCCESS;
}

static const char *errno_words(int n)
{
	switch (n) {
	case ENOSPC:
	case EDQUOT:
		return "the disk is full";
	case EACCES:
	case EPERM:
		return "no permission";
	case ENOENT:
		return "no such folder";
	case ENOTDIR:
		return "a part of the path is not a folder";
	case EISDIR:
		return "it is a folder";
	case EROFS:
		return "the file system is read-only";
	case ENOMEM:
		return "not enough memory";
	default:
		return strerror(n);
	}
}

/*
 * The document's language: cairo 1.16 writes no /Lang, so it is added the way PDF allows any change to a
 * finished file, as an incremental update: the catalogue object again with /Lang, a cross-reference
 * section for it and a trailer pointing back to the previous one. tail is the end of the document (it
 * holds cairo's catalogue, trailer and startxref); total is the document's length. The update is appended to upd; -1
 * when the end is not as cairo writes it.
 */
static int pdf_lang_update(const char *tail, size_t len, size_t total, const char *lang, struct buf *upd)
{
	const char *sx = NULL;
	for (const char *p = tail; (p = memmem(p, len - (size_t)(p - tail), "startxref", 9)); p += 9)
		sx = p;
	const char *tr = NULL;
	for (const char *p = tail; (p = memmem(p, len - (size_t)(p - tail), "trailer", 7)); p += 7)
		tr = p;
	if (!sx || !tr || tr > sx)
		return -1;
	long prev = strtol(sx + 9, NULL, 10);
	const char *root = memmem(tr, (size_t)(sx - tr), "/Root ", 6);
	const char *size = memmem(tr, (size_t)(sx - tr), "/Size ", 6);
	const char *info = memmem(tr, (size_t)(sx - tr), "/Info ", 6);
	if (!root || !size || prev <= 0)
		return -1;
	long obj = strtol(root + 6, NULL, 10), nobj = strtol(size + 6, NULL, 10);
	char head[32];
	int hn = snprintf(head, sizeof head, "\n%ld 0 obj", obj);
	const char *o = memmem(tail, (size_t)(tr - tail), head, (size_t)hn);
	if (!o)
		return -1;
	const char *d = memmem(o, (size_t)(tr - o), "<<", 2), *end = memmem(o, (size_t)(tr - o), "endobj", 6);
	if (!d || !end)
		return -1;
	const char *close = end;
	while (close > d && memcmp(close, ">>", 2) != 0)
		close--;
	if (close <= d)
		return -1;
	size_t at = total + upd->len;
	buf_printf(upd, "\n%ld 0 obj\n", obj);
	size_t obj_off = at + 1;
	buf_add(upd, d, (size_t)(close - d));
	buf_printf(upd, "/Lang (%s)\n>>\nendobj\n", lang);
	size_t xref = total + upd->len;
	buf_printf(upd, "xref\n%ld 1\n%010zu 00000 n \ntrailer\n<< /Size %ld /Root %ld 0 R", obj, obj_off, nobj, obj);
	if (info)
		buf_printf(upd, " /Info %ld 0 R", strtol(info + 6, NULL, 10));
	buf_printf(upd, " /Prev %ld >>\nstartxref\n%zu\n%%%%EOF\n", prev, xref);
	return 0;
}

/* cairo's metadata setter, skipped when the value is empty. */
static void pdf_meta(cairo_surface_t *s, cairo_pdf_metadata_t key, const char *value)
{
	if (value && *value)
		cairo_pdf_surface_set_metadata(s, key, value);
}

static struct cert_pdf *pdf_open(struct cert_renderer *r, const struct cert *single, FILE *file, struct buf *out,
				 struct err *e)
{
	if (render_oom_injected()) {
		err_set(e, NO_MEMORY);
		return NULL;
	}
	struct cert_pdf *p = xcalloc(1, sizeof *p);
	p->r = r;
	p->file = file;
	p->out = out;
	p->start = out ? out->len : 0;
	p->lang = single && single->language && *single->language ? single->language : "km";
	p->surface = cairo_pdf_surface_create_for_stream(pdf_write, p, PDF_W, PDF_H);
	if (cairo_surface_status(p->surface) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(p->surface);
		free(p);
		err_set(e, NO_MEMORY);
		return NULL;
	}
	cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "Sala");
	if (single) {
		/* One certificate: a title, its facts in Subject, the signed token in Keywords (read by sala cert
		 * verify --offline). */
		struct buf title = BUF_INIT, token = BUF_INIT;
		buf_printf(&title, "Certificate %s: %s, %s", single->serial, single->name, single->course_title);
		cert_token(single, &token);
		pdf_meta(p->surface, CAIRO_PDF_METADATA_TITLE, buf_str(&title));
		pdf_meta(p->surface, CAIRO_PDF_METADATA_AUTHOR, single->issuer);
		pdf_meta(p->surface, CAIRO_PDF_METADATA_SUBJECT, single->payload);
		pdf_meta(p->surface, CAIRO_PDF_METADATA_KEYWORDS, buf_str(&token));
		buf_release(&title);
		buf_release(&token);
	} else {
		cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE, "Certificates");
	}
	return p;
}

struct cert_pdf *cert_pdf_open(struct cert_renderer *r, const char *path, struct err *e)
{
	FILE *f = fopen(path, "w+b");
	if (!f) {
		err_set(e, "cannot write the PDF to '%s': %s", path, errno_words(errno));
		return NULL;
	}
	struct cert_pdf *p = pdf_open(r, NULL, f, NULL, e);
	if (!p) {
		fclose(f);
		unlink(path);
		return NULL;
	}
	p->path = xstrdup(path);
	return p;
}

int cert_pdf_page(struct cert_pdf *p, const struct cert *c, struct err *e)
{
	cairo_t *cr = cairo_create(p->surface);
	cairo_scale(cr, PDF_W / PAGE_W, PDF_W / PAGE_W);
	textrender_lock();
	int rc = draw_page_locked(p->r, cr, c, e);
	if (rc == 0)
		cairo_show_page(cr);
	textrender_unlock();
	cairo_status_t st = cairo_status(cr);
	cairo_destroy(cr);
	if (rc == 0 && p->write_errno)
		rc = err_set(e, "cannot write the PDF: %s", errno_words(p->write_errno));
	else if (rc == 0 && st != CAIRO_STATUS_SUCCESS)
		rc = err_set(e, st == CAIRO_STATUS_NO_MEMORY ? NO_MEMORY : "cannot draw a PDF page: %s",
			     cairo_status_to_string(st));
	return rc;
}

/* Finishes the surface and adds the language; 0 or -1 with a message. Frees p, not the file. */
static int pdf_finish(struct cert_pdf *p, bool ok, struct err *e)
{
	textrender_lock(); /* the font subsets are made from the font map's fonts */
	cairo_surface_finish(p->surface);
	textrender_unlock();
	cairo_status_t st = cairo_surface_status(p->surface);
	cairo_surface_destroy(p->surface);
	int rc = 0;
	if (!ok)
		rc = -1;
	else if (p->write_errno)
		rc = err_set(e, "cannot write the PDF%s%s%s: %s", p->path ? " to '" : "", p->path ? p->path : "",
			     p->path ? "'" : "", errno_words(p->write_errno));
	else if (st != CAIRO_STATUS_SUCCESS)
		rc = err_set(e, st == CAIRO_STATUS_NO_MEMORY ? NO_MEMORY : "cannot write the PDF: %s",
			     cairo_status_to_string(st));
	if (rc == 0) {
		struct buf upd = BUF_INIT;
		int lr;
		if (p->file) {
			/* The catalogue is written just before the cross-reference table, which startxref names. */
			long total = ftell(p->file), xref = 0;
			char end[64] = "";
			if (total > 40 && fseek(p->file, total - 40, SEEK_SET) == 0 &&
			    fread(end, 1, 40, p->file) == 40) {
				const char *sx = memmem(end, 40, "startxref", 9);
				xref = sx ? strtol(sx + 9, NULL, 10) : 0;
			}
			long from = xref > 65536 ? xref - 65536 : 0;
			struct buf tail = BUF_INIT;
			buf_grow(&tail, (size_t)(total - from));
			if (fseek(p->file, from, SEEK_SET) != 0 ||
			    fread(tail.data, 1, (size_t)(total - from), p->file) != (size_t)(total - from)) {
				lr = -1;
			} else {
				tail.len = (size_t)(total - from);
				lr = pdf_lang_update(tail.data, tail.len, (size_t)total, p->lang, &upd);
			}
			buf_release(&tail);
			if (lr == 0 && (fseek(p->file, 0, SEEK_END) != 0 ||
					fwrite(upd.data, 1, upd.len, p->file) != upd.len || fflush(p->file) != 0))
				rc = err_set(e, "cannot write the PDF to '%s': %s", p->path, errno_words(errno));
		} else {
			size_t total = p->out->len - p->start;
			lr = pdf_lang_update(p->out->data + p->start, total, total, p->lang, &upd);
			if (lr == 0)
				buf_add(p->out, upd.data, upd.len);
		}
		if (lr < 0 && rc == 0)
			rc = err_set(e, "cannot write the PDF: its end is not as expected");
		buf_release(&upd);
	}
	free(p->path);
	free(p);
	return rc;
}

int cert_pdf_close(struct cert_pdf *p, bool ok, struct err *e)
{
	FILE *f = p->file;
	char *path = xstrdup(p->path);
	int rc = pdf_finish(p, ok, e);
	if (fclose(f) != 0 && rc == 0)
		rc = err_set(e, "cannot write the PDF to '%s': %s", path, errno_words(errno));
	if (rc < 0)
		unlink(path);
	free(path);
	return rc;
}

int cert_render_pdf(struct cert_renderer *r, const struct cert *const *cs, size_t n, struct buf *out, struct err *e)
{
	size_t start = out->len;
	struct cert_pdf *p = pdf_open(r, n == 1 ? cs[0] : NULL, NULL, out, e);
	if (!p)
		return -1;
	if (n == 1)
		p->lang = cs[0]->language && *cs[0]->language ? cs[0]->language : "km";
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = cert_pdf_page(p, cs[i], e);
	rc = pdf_finish(p, rc == 0, e);
	if (rc < 0)
		out->len = start;
	return rc;
}

int cert_png_width(struct db *db, const struct cert *c, int width, struct buf *out, struct err *e)
{
	struct cert_renderer *r = cert_renderer_new(db, e);
	if (!r)
		return -1;
	int rc = cert_render_png_width(r, c, width, out, e);
	cert_renderer_free(r);
	return rc;
}

int cert_png(struct db *db, const struct cert *c, struct buf *out, struct err *e)
{
	return cert_png_width(db, c, PAGE_W, out, e);
}

int cert_pdf(struct db *db, const struct cert *c, struct buf *out, struct err *e)
{
	struct cert_renderer *r = cert_renderer_new(db, e);
	if (!r)
		return -1;
	int rc = cert_render_pdf(r, &c, 1, out, e);
	cert_renderer_free(r);
	return rc;
}
