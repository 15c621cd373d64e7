/*
 * The certificate page: A4 landscape at 300 dpi drawn with libgd, text shaped
 * by certificates/text.c, a QR code (libqrencode) to the verify page, and the
 * signed token embedded (PNG tEXt chunk; PDF Keywords). The PDF page is the
 * image (libharu), so PNG and PDF look the same.
 */
#include <errno.h>
#include <hpdf.h>
#include <hpdf_doc.h>
#include <hpdf_objects.h>
#include <png.h>
#include <qrencode.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "certificates/cert.h"
#include "certificates/text.h"
#include "lib/db.h"
#include "lib/log.h"
#include "lib/settings.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#define PAGE_W 3508
#define PAGE_H 2480
/*
 * zlib level for the page PNG. The page is mostly flat colour: level 2 with no
 * row filter is within a third of level 9's size at a fraction of the time
 * (libgd's own writer tries every filter on every row: 200-300 ms a page).
 */
#define PNG_LEVEL 2
/* Template images larger than this (pixels) are refused before decoding. */
#define IMAGE_MAX_PIXELS (40L * 1000 * 1000)

#define INK 0x1b1f24
#define MUTED 0x4a5560

struct cert_renderer {
	struct cert_fonts fonts;
	int color;		    /* gd truecolor of setting cert_color */
	gdImagePtr logo, signature; /* NULL when not configured */
	char *base_url;
	gdImagePtr im; /* the page, reused */
	/*
	 * The parts every page shares (frame, motto, logo), copied row by row:
	 * drawn from the second page on, so a renderer used once (a download)
	 * draws them straight into im and holds one page, not two.
	 */
	gdImagePtr bg;
	long pages;  /* rendered so far */
	bool failed; /* a text of the page being drawn could not be laid out (out of memory) */
};

#define NO_MEMORY "not enough memory to render the certificate"

/* A new page-sized image; NULL when there is not enough memory (libgd returns NULL). */
static gdImagePtr page_image(void)
{
	return render_oom_injected() ? NULL : gdImageCreateTrueColor(PAGE_W, PAGE_H);
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

/* Loads a template PNG after checking its magic bytes and its size from the header. NULL (and a log line) on failure.
 */
static gdImagePtr load_png(const char *path)
{
	struct buf b = BUF_INIT;
	struct err e;
	gdImagePtr im = NULL;
	if (file_read(path, &b, &e) < 0) {
		log_msg(LOG_ERROR, "error", "certificate template: %s", e.msg);
		return NULL;
	}
	const unsigned char *d = (const unsigned char *)b.data;
	if (b.len < 24 || memcmp(d, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(d + 12, "IHDR", 4) != 0) {
		log_msg(LOG_ERROR, "error", "certificate template '%s' is not a PNG file", path);
		goto done;
	}
	long w = (long)d[16] << 24 | d[17] << 16 | d[18] << 8 | d[19];
	long h = (long)d[20] << 24 | d[21] << 16 | d[22] << 8 | d[23];
	if (w <= 0 || h <= 0 || w > IMAGE_MAX_PIXELS / h) {
		log_msg(LOG_ERROR, "error", "certificate template '%s' is too large (%ldx%ld)", path, w, h);
		goto done;
	}
	im = gdImageCreateFromPngPtr((int)b.len, b.data);
done:
	buf_release(&b);
	return im;
}

static gdImagePtr setting_image(struct db *db, const char *key)
{
	char *path = db_setting_get(db, key);
	gdImagePtr im = path && *path ? load_png(path) : NULL;
	free(path);
	return im;
}

struct cert_renderer *cert_renderer_new(struct db *db, struct err *e)
{
	struct cert_renderer *cr = xcalloc(1, sizeof *cr);
	if (cert_fonts_load(&cr->fonts, e) < 0) {
		free(cr);
		return NULL;
	}
	char *color = setting_value(db, "cert_color");
	cr->color = parse_color(color, 0x0b4f8a);
	free(color);
	cr->logo = setting_image(db, "cert_logo_path");
	cr->signature = setting_image(db, "cert_signature_path");
	cr->base_url = cert_base_url(db);
	return cr;
}

void cert_renderer_free(struct cert_renderer *cr)
{
	if (!cr)
		return;
	cert_fonts_release(&cr->fonts);
	if (cr->logo)
		gdImageDestroy(cr->logo);
	if (cr->signature)
		gdImageDestroy(cr->signature);
	if (cr->im)
		gdImageDestroy(cr->im);
	if (cr->bg)
		gdImageDestroy(cr->bg);
	free(cr->base_url);
	free(cr);
}

/*
 * Fills the rectangle with corners (x1, y1) and (x2, y2), inclusive and
 * clipped, with an opaque colour. Straight into the pixel rows:
 * gdImageFilledRectangle sets pixel by pixel, 40 ms for a white page.
 */
static void fill_rect(gdImagePtr im, int x1, int y1, int x2, int y2, int color)
{
	if (x1 < 0)
		x1 = 0;
	if (y1 < 0)
		y1 = 0;
	if (x2 >= gdImageSX(im))
		x2 = gdImageSX(im) - 1;
	if (y2 >= gdImageSY(im))
		y2 = gdImageSY(im) - 1;
	for (int y = y1; y <= y2; y++) {
		int *row = im->tpixels[y];
		for (int x = x1; x <= x2; x++)
			row[x] = color;
	}
}

/* Draws src scaled to fit in a box of w x h whose top-left is (x, y), keeping its aspect. */
static void draw_image(gdImagePtr dst, gdImagePtr src, int x, int y, int w, int h, bool center)
{
	int sw = gdImageSX(src), sh = gdImageSY(src);
	int dw = w, dh = (int)((long)sh * w / sw);
	if (dh > h)
		dh = h, dw = (int)((long)sw * h / sh);
	if (center)
		x += (w - dw) / 2;
	gdImageAlphaBlending(dst, 1);
	gdImageCopyResampled(dst, src, x, y, 0, 0, dw, dh, sw, sh);
}

/* -1 when libqrencode cannot make the code (out of memory, or a URL too long for a QR code). */
static int draw_qr(gdImagePtr im, const char *url, int x, int y, int size, struct err *e)
{
	errno = 0;
	QRcode *qr =
	    render_oom_injected() ? (errno = ENOMEM, NULL) : QRcode_encodeString(url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return errno == ENOMEM ? err_set(e, NO_MEMORY)
				       : err_set(e, "cannot make the QR code for '%s': the address is too long", url);
	int quiet = 4, mod = size / (qr->width + 2 * quiet);
	if (mod < 1)
		mod = 1;
	int total = mod * (qr->width + 2 * quiet);
	fill_rect(im, x, y, x + total - 1, y + total - 1, 0xffffff);
	for (int r = 0; r < qr->width; r++)
		for (int c = 0; c < qr->width; c++)
			if (qr->data[r * qr->width + c] & 1)
				fill_rect(im, x + (quiet + c) * mod, y + (quiet + r) * mod,
					  x + (quiet + c + 1) * mod - 1, y + (quiet + r + 1) * mod - 1, 0);
	QRcode_free(qr);
	return 0;
}

/* 2026 -> ២០២៦ */
static void khmer_digits(struct buf *b, const char *s)
{
	static const char *const d[] = {"០", "១", "២", "៣", "៤", "៥", "៦", "៧", "៨", "៩"};
	for (; *s; s++)
		if (*s >= '0' && *s <= '9')
			buf_puts(b, d[*s - '0']);
		else
			buf_putc(b, *s);
}

static const char *const months_en[] = {"January", "February", "March",	    "April",   "May",	   "June",
					"July",	   "August",   "September", "October", "November", "December"};
static const char *const months_km[] = {"មករា",	 "កុម្ភៈ", "មីនា",	 "មេសា", "ឧសភា",  "មិថុនា",
					"កក្កដា", "សីហា",	 "កញ្ញា", "តុលា",	 "វិច្ឆិកា", "ធ្នូ"};

static void date_lines(const struct cert *c, struct buf *en, struct buf *km)
{
	int y = 0, m = 0, d = 0;
	if (sscanf(c->completed_on, "%d-%d-%d", &y, &m, &d) != 3 || m < 1 || m > 12) {
		buf_puts(en, c->completed_on);
		buf_puts(km, c->completed_on);
		return;
	}
	buf_printf(en, "Completed on %d %s %d", d, months_en[m - 1], y);
	buf_puts(km, "បានបញ្ចប់នៅថ្ងៃទី");
	char num[16];
	snprintf(num, sizeof num, "%d", d);
	khmer_digits(km, num);
	buf_printf(km, " ខែ%s ឆ្នាំ", months_km[m - 1]);
	snprintf(num, sizeof num, "%d", y);
	khmer_digits(km, num);
	if (c->has_score) {
		snprintf(num, sizeof num, "%.0f", c->score);
		buf_printf(en, "  ·  Final score %s%%", num);
		buf_puts(km, "  ·  ពិន្ទុចុងក្រោយ ");
		khmer_digits(km, num);
		buf_puts(km, "%");
	}
}

/* text_draw(), remembering a failure for the page (cr->failed). */
static void put(struct cert_renderer *cr, gdImagePtr im, enum text_style style, const char *s, int px, int x, int y,
		enum text_align align, int max_w, int color)
{
	if (text_draw(im, &cr->fonts, style, s, px, x, y, align, max_w, color) < 0)
		cr->failed = true;
}

/* Draws the parts of the page that do not depend on the certificate into im (a page-sized image). */
static void draw_background(struct cert_renderer *cr, gdImagePtr im)
{
	int col = cr->color, cx = PAGE_W / 2;
	gdImageAlphaBlending(im, 0);
	fill_rect(im, 0, 0, PAGE_W - 1, PAGE_H - 1, 0xffffff);
	/* Frame: a broad band and a fine inner rule in the site colour. */
	fill_rect(im, 90, 90, PAGE_W - 91, 113, col);
	fill_rect(im, 90, PAGE_H - 114, PAGE_W - 91, PAGE_H - 91, col);
	fill_rect(im, 90, 90, 113, PAGE_H - 91, col);
	fill_rect(im, PAGE_W - 114, 90, PAGE_W - 91, PAGE_H - 91, col);
	gdImageSetThickness(im, 4);
	gdImageRectangle(im, 150, 150, PAGE_W - 151, PAGE_H - 151, col);
	gdImageSetThickness(im, 1);
	/* The kingdom's motto in the centre, the logo top left. */
	put(cr, im, TEXT_TITLE, "ព្រះរាជាណាចក្រកម្ពុជា", 70, cx, 330, ALIGN_CENTER, 1400, INK);
	put(cr, im, TEXT_TITLE, "ជាតិ សាសនា ព្រះមហាក្សត្រ", 54, cx, 450, ALIGN_CENTER, 1400, INK);
	fill_rect(im, cx - 220, 500, cx + 220, 505, INK);
	if (cr->logo)
		draw_image(im, cr->logo, 240, 220, 420, 300, true);
	if (cr->signature)
		draw_image(im, cr->signature, 330, 1930, 700, 240, true);
	fill_rect(im, 300, 2190, 1060, 2193, INK);
}

/* Draws the page of c into cr->im; -1 with a message when memory runs out (nothing is drawn half). */
static int draw_page(struct cert_renderer *cr, const struct cert *c, struct err *e)
{
	if (!cr->im && !(cr->im = page_image()))
		return err_set(e, NO_MEMORY);
	gdImagePtr im = cr->im;
	cr->failed = false;
	if (cr->pages == 0) {
		draw_background(cr, im);
		if (cr->failed)
			return err_set(e, NO_MEMORY);
		cr->pages++;
	} else {
		if (!cr->bg) {
			if (!(cr->bg = page_image()))
				return err_set(e, NO_MEMORY);
			draw_background(cr, cr->bg);
			if (cr->failed) {
				gdImageDestroy(cr->bg);
				cr->bg = NULL;
				return err_set(e, NO_MEMORY);
			}
		}
		cr->pages++;
		for (int y = 0; y < PAGE_H; y++)
			memcpy(im->tpixels[y], cr->bg->tpixels[y], PAGE_W * sizeof(int));
	}
	int col = cr->color, cx = PAGE_W / 2;
	int issuer_y = cr->logo ? 620 : 330;
	put(cr, im, TEXT_TITLE, c->issuer_km, 50, 450, issuer_y, ALIGN_CENTER, 800, INK);
	put(cr, im, TEXT_REGULAR, c->issuer, 40, 450, issuer_y + 80, ALIGN_CENTER, 800, INK);

	/* Heading. */
	put(cr, im, TEXT_TITLE, "វិញ្ញាបនបត្របញ្ជាក់ការសិក្សា", 110, cx, 830, ALIGN_CENTER, 2400, col);
	put(cr, im, TEXT_BOLD, c->heading && *c->heading ? c->heading : "Certificate of Completion", 92, cx, 980,
	    ALIGN_CENTER, 2600, col);
	put(cr, im, TEXT_REGULAR, "សូមបញ្ជាក់ថា  ·  This is to certify that", 48, cx, 1110, ALIGN_CENTER, 2600, MUTED);

	/* The learner: the Khmer name first, as on Cambodian documents. */
	int y = 1300;
	if (c->name_km && *c->name_km) {
		put(cr, im, TEXT_BOLD, c->name_km, 130, cx, y, ALIGN_CENTER, 2600, INK);
		put(cr, im, TEXT_BOLD, c->name, 84, cx, y + 130, ALIGN_CENTER, 2600, INK);
		y += 130;
	} else {
		put(cr, im, TEXT_BOLD, c->name, 120, cx, y, ALIGN_CENTER, 2600, INK);
	}
	fill_rect(im, cx - 900, y + 45, cx + 900, y + 49, col);
	put(cr, im, TEXT_REGULAR, "បានបញ្ចប់វគ្គសិក្សាដោយជោគជ័យ  ·  has successfully completed the course", 48, cx, y + 150,
	    ALIGN_CENTER, 2600, MUTED);
	put(cr, im, TEXT_BOLD, c->course_title, 80, cx, y + 290, ALIGN_CENTER, 2700, col);
	struct buf en = BUF_INIT, km = BUF_INIT;
	date_lines(c, &en, &km);
	put(cr, im, TEXT_REGULAR, buf_str(&km), 46, cx, y + 410, ALIGN_CENTER, 1900, INK);
	put(cr, im, TEXT_REGULAR, buf_str(&en), 44, cx, y + 485, ALIGN_CENTER, 1900, INK);
	buf_release(&en);
	buf_release(&km);

	/* Bottom left: the issuer's name under the signature. */
	put(cr, im, TEXT_REGULAR, c->issuer_km, 40, 680, 2255, ALIGN_CENTER, 900, INK);
	put(cr, im, TEXT_REGULAR, c->issuer, 36, 680, 2310, ALIGN_CENTER, 900, INK);

	/* Bottom right: QR to the verify page and the code to type. */
	char url[512];
	snprintf(url, sizeof url, "%s/verify/%s", cr->base_url, c->code);
	if (draw_qr(im, url, PAGE_W - 230 - 440, 1840, 440, e) < 0)
		return -1;
	int tx = PAGE_W - 230 - 470;
	put(cr, im, TEXT_REGULAR, "ផ្ទៀងផ្ទាត់  ·  Verify", 40, tx, 2000, ALIGN_RIGHT, 900, MUTED);
	put(cr, im, TEXT_BOLD, c->code, 60, tx, 2085, ALIGN_RIGHT, 900, INK);
	char verify_at[300];
	snprintf(verify_at, sizeof verify_at, "%s/verify", cr->base_url);
	put(cr, im, TEXT_REGULAR, verify_at, 32, tx, 2150, ALIGN_RIGHT, 1100, MUTED);
	char serial[64];
	snprintf(serial, sizeof serial, "No. %s", c->serial);
	put(cr, im, TEXT_REGULAR, serial, 36, tx, 2220, ALIGN_RIGHT, 900, MUTED);
	return cr->failed ? err_set(e, NO_MEMORY) : 0;
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

/* Encodes the page with libpng (no row filter, PNG_LEVEL) and the token as tEXt "sala-certificate". */
static int page_png(gdImagePtr im, const char *token, struct buf *out, struct err *e)
{
	struct png_out po = {.out = out};
	png_structp png = render_oom_injected()
			      ? NULL
			      : png_create_write_struct(PNG_LIBPNG_VER_STRING, &po, png_error_fn, png_warning_fn);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	unsigned char *row = xmalloc((size_t)PAGE_W * 3);
	size_t start = out->len;
	/* libpng fails only for want of memory here: the bytes go to a growing buffer. */
	if (!info || setjmp(po.jmp)) {
		png_destroy_write_struct(&png, &info);
		free(row);
		out->len = start;
		return err_set(e, NO_MEMORY);
	}
	png_set_write_fn(png, &po, png_write_fn, png_flush_fn);
	png_set_IHDR(png, info, PAGE_W, PAGE_H, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_set_filter(png, 0, PNG_FILTER_NONE);
	png_set_compression_level(png, PNG_LEVEL);
	png_set_pHYs(png, info, 11811, 11811, PNG_RESOLUTION_METER); /* 300 dpi */
	png_text chunk = {.compression = PNG_TEXT_COMPRESSION_NONE,
			  .key = (png_charp) "sala-certificate",
			  .text = (png_charp)token,
			  .text_length = strlen(token)};
	png_set_text(png, info, &chunk, 1);
	png_write_info(png, info);
	for (int y = 0; y < PAGE_H; y++) {
		const int *px = im->tpixels[y];
		/* Most rows repeat the one above (margins, blank bands): row still holds its bytes. */
		if (y == 0 || memcmp(px, im->tpixels[y - 1], PAGE_W * sizeof *px) != 0) {
			unsigned char *p = row;
			for (int x = 0; x < PAGE_W; x++) {
				*p++ = (unsigned char)gdTrueColorGetRed(px[x]);
				*p++ = (unsigned char)gdTrueColorGetGreen(px[x]);
				*p++ = (unsigned char)gdTrueColorGetBlue(px[x]);
			}
		}
		png_write_row(png, row);
	}
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	free(row);
	return 0;
}

int cert_render_png(struct cert_renderer *cr, const struct cert *c, struct buf *out, struct err *e)
{
	if (draw_page(cr, c, e) < 0)
		return -1;
	struct buf token = BUF_INIT;
	cert_token(c, &token);
	int rc = page_png(cr->im, buf_str(&token), out, e);
	buf_release(&token);
	return rc;
}

struct cert_pdf {
	HPDF_Doc doc;
	HPDF_STATUS status; /* set by libharu's error handler */
	int sys_errno;	    /* errno when it failed: libharu's file errors carry the reason there */
};

static void pdf_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user_data)
{
	(void)detail_no;
	struct cert_pdf *p = user_data;
	if (!p->status) {
		p->status = error_no;
		p->sys_errno = errno;
	}
}

/* What went wrong, in words, for a libharu status (never its hex code). */
static const char *pdf_reason(const struct cert_pdf *p)
{
	switch (p->status) {
	case HPDF_FAILD_TO_ALLOC_MEM:
		return "not enough memory";
	case HPDF_FILE_IO_ERROR:
	case HPDF_FILE_OPEN_ERROR:
		switch (p->sys_errno) {
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
		case 0:
			return "the file could not be written";
		default:
			return strerror(p->sys_errno);
		}
	default:
		return "the PDF library refused the page";
	}
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The concatenated IDAT data of a PNG we wrote: one zlib stream of filtered rows. */
static void png_idat(const struct buf *png, struct buf *out)
{
	const unsigned char *d = (const unsigned char *)png->data;
	for (size_t off = 8; off + 12 <= png->len;) {
		uint32_t n = be32(d + off);
		if (n > png->len - off - 12)
			break;
		if (memcmp(d + off + 4, "IDAT", 4) == 0)
			buf_add(out, d + off + 8, n);
		off += 12 + (size_t)n;
	}
}

/* Written inside the image dictionary: the data is the PNG's zlib stream, undone by the PNG predictors. */
static HPDF_STATUS flate_png_keys(HPDF_Dict dict, HPDF_Stream stream)
{
	(void)dict;
	char keys[160];
	snprintf(
	    keys, sizeof keys,
	    "/Filter /FlateDecode\012/DecodeParms << /Predictor 15 /Colors 3 /BitsPerComponent 8 /Columns %d >>\012",
	    PAGE_W);
	return HPDF_Stream_WriteStr(stream, keys);
}

/*
 * An image XObject whose stream is the page PNG's IDAT data, passed through.
 * libharu's loaders would decode the image and deflate it again at level 6,
 * which triples the time of a page; its public object API (hpdf_objects.h)
 * lets us add the stream as is, like the DCT pass-through of its JPEG loader.
 */
static HPDF_Image pdf_png_image(HPDF_Doc pdf, const struct buf *png)
{
	HPDF_Dict img = HPDF_DictStream_New(pdf->mmgr, pdf->xref);
	if (!img)
		return NULL;
	img->header.obj_class |= HPDF_OSUBCLASS_XOBJECT;
	img->write_fn = flate_png_keys;
	HPDF_STATUS ret = HPDF_Dict_AddName(img, "Type", "XObject");
	ret += HPDF_Dict_AddName(img, "Subtype", "Image");
	ret += HPDF_Dict_AddNumber(img, "Width", PAGE_W);
	ret += HPDF_Dict_AddNumber(img, "Height", PAGE_H);
	ret += HPDF_Dict_AddName(img, "ColorSpace", "DeviceRGB");
	ret += HPDF_Dict_AddNumber(img, "BitsPerComponent", 8);
	struct buf idat = BUF_INIT;
	png_idat(png, &idat);
	ret += HPDF_Stream_Write(img->stream, (const HPDF_BYTE *)idat.data, (HPDF_UINT)idat.len);
	buf_release(&idat);
	return ret == HPDF_OK ? img : NULL;
}

struct cert_pdf *cert_pdf_begin(const struct cert *single)
{
	struct cert_pdf *p = xcalloc(1, sizeof *p);
	p->doc = render_oom_injected() ? NULL : HPDF_New(pdf_error, p);
	if (!p->doc) {
		free(p);
		return NULL;
	}
	HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
	HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, "Sala");
	if (single) {
		/* One certificate: its facts in Subject, the signed token in Keywords (read by sala cert verify
		 * --offline). */
		struct buf token = BUF_INIT;
		cert_token(single, &token);
		char title[64];
		snprintf(title, sizeof title, "Certificate %s", single->serial);
		HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, title);
		HPDF_SetInfoAttr(p->doc, HPDF_INFO_SUBJECT, single->payload);
		HPDF_SetInfoAttr(p->doc, HPDF_INFO_KEYWORDS, buf_str(&token));
		buf_release(&token);
	} else {
		HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, "Certificates");
	}
	return p;
}

int cert_pdf_add_png(struct cert_pdf *p, const struct buf *png, struct err *e)
{
	HPDF_Image img = p->status ? NULL : pdf_png_image(p->doc, png);
	HPDF_Page page = img ? HPDF_AddPage(p->doc) : NULL;
	if (!page)
		return err_set(e, "cannot add a PDF page: %s", p->status ? pdf_reason(p) : "not enough memory");
	HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_LANDSCAPE);
	HPDF_Page_DrawImage(page, img, 0, 0, HPDF_Page_GetWidth(page), HPDF_Page_GetHeight(page));
	return p->status ? err_set(e, "cannot draw a PDF page: %s", pdf_reason(p)) : 0;
}

int cert_pdf_finish(struct cert_pdf *p, struct buf *out, struct err *e)
{
	if (!p)
		return err_set(e, "cannot create a PDF document: not enough memory");
	if (p->status == 0 && HPDF_SaveToStream(p->doc) == HPDF_OK) {
		HPDF_UINT32 size = HPDF_GetStreamSize(p->doc), got = size;
		buf_grow(out, size);
		HPDF_ReadFromStream(p->doc, (HPDF_BYTE *)out->data + out->len, &got);
		if (got != size && p->status == 0)
			p->status = HPDF_FILE_IO_ERROR;
		out->len += got;
		out->data[out->len] = '\0';
	}
	if (p->status != 0)
		err_set(e, "cannot write the PDF: %s", pdf_reason(p));
	int rc = p->status ? -1 : 0;
	HPDF_Free(p->doc);
	free(p);
	return rc;
}

int cert_pdf_finish_file(struct cert_pdf *p, const char *path, struct err *e)
{
	if (!p)
		return err_set(e, "cannot create a PDF document: not enough memory");
	errno = 0;
	if (p->status == 0 && HPDF_SaveToFile(p->doc, path) != HPDF_OK && p->status == 0) {
		p->status = HPDF_FILE_IO_ERROR;
		p->sys_errno = errno;
	}
	if (p->status != 0)
		err_set(e, "cannot write the PDF to '%s': %s", path, pdf_reason(p));
	int rc = p->status ? -1 : 0;
	HPDF_Free(p->doc);
	free(p);
	return rc;
}

int cert_render_pdf(struct cert_renderer *cr, const struct cert *const *cs, size_t n, struct buf *out, struct err *e)
{
	struct cert_pdf *p = cert_pdf_begin(n == 1 ? cs[0] : NULL);
	if (!p)
		return err_set(e, "cannot create a PDF document: not enough memory");
	for (size_t i = 0; i < n; i++) {
		struct buf png = BUF_INIT;
		int rc = cert_render_png(cr, cs[i], &png, e);
		if (rc == 0)
			rc = cert_pdf_add_png(p, &png, e);
		buf_release(&png);
		if (rc < 0) {
			struct buf none = BUF_INIT;
			struct err ignored;
			cert_pdf_finish(p, &none, &ignored);
			buf_release(&none);
			return -1;
		}
	}
	return cert_pdf_finish(p, out, e);
}

int cert_png(struct db *db, const struct cert *c, struct buf *out, struct err *e)
{
	struct cert_renderer *cr = cert_renderer_new(db, e);
	if (!cr)
		return -1;
	int rc = cert_render_png(cr, c, out, e);
	cert_renderer_free(cr);
	return rc;
}

int cert_pdf(struct db *db, const struct cert *c, struct buf *out, struct err *e)
{
	struct cert_renderer *cr = cert_renderer_new(db, e);
	if (!cr)
		return -1;
	int rc = cert_render_pdf(cr, &c, 1, out, e);
	cert_renderer_free(cr);
	return rc;
}
