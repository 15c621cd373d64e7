/* A course's lessons as one PDF for reading offline (courses/offline_pdf.h). */
#include "courses/offline_pdf.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <gd.h>
#include <pango/pangocairo.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courses/media.h"
#include "courses/render.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/textrender.h"
#include "lib/xmalloc.h"

/* A4 portrait in PDF points. */
#define PAGE_W 595.28
#define PAGE_H 841.89
#define MARGIN_X 56.0
#define TOP 56.0
#define BOTTOM (PAGE_H - 64.0) /* the text's lowest line; the footer is below */
#define CONTENT_W (PAGE_W - 2 * MARGIN_X)
#define INDENT 18.0
/* List items and block quotes indent their text up to this depth; deeper ones keep the last indent. */
#define MAX_LEVEL 8
/* Lists whose numbering is followed; deeper ones share the last one's. */
#define MAX_LISTS 32
/* Table columns drawn; the others are left out. */
#define MAX_COLS 16
#define BODY_PX 11.0
/* A block with more inline styles (bold, italic, code, links) than this is drawn as plain text. */
#define MAX_TAGS 512
/* The longest piece of a block laid out at once (draw_text()). */
#define CHUNK 4096
/* Images are drawn at 96 dpi, narrowed to the text's width and at most this share of a page's height. */
#define IMAGE_PT_PER_PX 0.75
#define IMAGE_MAX_H ((BOTTOM - TOP) * 0.75)
/*
 * Images above this many pixels are left out: decoded, one takes 4 bytes a pixel twice (libgd's copy and
 * Cairo's). (Import narrows images to 1,600 pixels: about 240 dpi across the text's width.)
 */
#define IMAGE_MAX_PIXELS (16L * 1000 * 1000)

#define INK 0x1b1f24
#define MUTED 0x4a5560
#define RULE 0x9aa5b1
#define LINK "#0b4f8a"

#define NO_MEMORY "not enough memory to draw the course as a PDF"

/* Latin text in Noto Sans, Khmer in a Khmer face: Pango takes each character from the first family that has it. */
static const char *const SANS = "Noto Sans, Noto Sans Khmer, Khmer OS, DejaVu Sans";
static const char *const MONO = "DejaVu Sans Mono, Noto Sans Khmer, Khmer OS";

struct pending_image {
	char *url, *alt;
};

struct list_state {
	bool ordered;
	int next;
};

struct doc {
	struct db *db;
	int64_t package_id;
	const struct offline_pdf_text *t;
	cairo_surface_t *surface;
	cairo_t *cr;
	struct buf *out;
	size_t start;
	bool too_large; /* past OFFLINE_PDF_MAX_BYTES or OFFLINE_PDF_MAX_PAGES: nothing more is drawn */
	int pageno;
	bool blank; /* nothing drawn on this page yet but its footer */
	double y;
	const char *path; /* the lesson being drawn */
	/* Where the walk is. */
	int level;  /* list items and block quotes around the block */
	int quotes; /* block quotes around it */
	int lists;  /* lists around it */
	int tight;  /* tight lists around it: their paragraphs have no space after */
	struct list_state list[MAX_LISTS];
	char marker[16]; /* the list item's marker, drawn beside its first line; "" once drawn */
	/* The inline text of the block being read: Pango markup, and the same without tags. */
	bool collecting;
	struct buf markup, plain;
	int tags;     /* tags opened in markup */
	int in_image; /* images being read: their text is their alt text */
	struct buf alt;
	struct pending_image *images; /* drawn after the block that holds them */
	size_t nimages;
	/* The table being read. */
	int ncols, col;
	bool header_row;
	char *cells[MAX_COLS], *cells_plain[MAX_COLS];
};

static void color_of(cairo_t *cr, int rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
}

/* Appends s escaped for Pango markup. */
static void markup_esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&apos;");
			break;
		default:
			buf_putc(b, *s);
		}
	}
}

/* The text of l: markup when it parses, else the plain text (a tag cmark's tree could not balance). */
static void layout_text(PangoLayout *l, const char *markup, const char *plain)
{
	PangoAttrList *attrs = NULL;
	char *text = NULL;
	if (markup && pango_parse_markup(markup, -1, 0, &attrs, &text, NULL, NULL)) {
		pango_layout_set_text(l, text, -1);
		pango_layout_set_attributes(l, attrs);
		pango_attr_list_unref(attrs);
		g_free(text);
	} else {
		pango_layout_set_text(l, plain ? plain : "", -1);
	}
}

static PangoLayout *layout(struct doc *d, const char *families, bool bold, double px, const char *lang, double width)
{
	PangoLayout *l = textrender_layout(d->cr, families, bold, px, lang);
	if (width > 0) {
		pango_layout_set_width(l, (int)(width * PANGO_SCALE));
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	}
	return l;
}

/* One line of text at the foot of the page: the course and the page number. */
static void footer(struct doc *d)
{
	const struct offline_pdf_text *t = d->t;
	double fy = PAGE_H - 40;
	color_of(d->cr, RULE);
	cairo_set_line_width(d->cr, 0.5);
	cairo_move_to(d->cr, MARGIN_X, fy - 4);
	cairo_line_to(d->cr, PAGE_W - MARGIN_X, fy - 4);
	cairo_stroke(d->cr);
	struct buf num = BUF_INIT, pg = BUF_INIT;
	char n[16];
	snprintf(n, sizeof n, "%d", d->pageno);
	i18n_digits(&num, t->ui_language, n);
	buf_printf(&pg, "%s %s", t->page ? t->page : "", buf_str(&num));
	PangoLayout *l = layout(d, SANS, false, 8, t->ui_language, 0);
	pango_layout_set_text(l, buf_str(&pg), -1);
	PangoRectangle r;
	pango_layout_get_extents(l, NULL, &r);
	double w = (double)r.width / PANGO_SCALE;
	color_of(d->cr, MUTED);
	cairo_move_to(d->cr, PAGE_W - MARGIN_X - w, fy);
	pango_cairo_show_layout(d->cr, l);
	g_object_unref(l);
	l = layout(d, SANS, false, 8, t->language, CONTENT_W - w - 24);
	pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	pango_layout_set_text(l, t->course_title ? t->course_title : "", -1);
	cairo_move_to(d->cr, MARGIN_X, fy);
	pango_cairo_show_layout(d->cr, l);
	g_object_unref(l);
	buf_release(&num);
	buf_release(&pg);
}

static void new_page(struct doc *d)
{
	if (d->pageno >= OFFLINE_PDF_MAX_PAGES) {
		/* Past the page limit nothing more is drawn (the draw calls see too_large and stop). */
		d->too_large = true;
		return;
	}
	if (d->pageno > 0)
		cairo_show_page(d->cr);
	d->pageno++;
	d->y = TOP;
	d->blank = true;
	footer(d);
}

/* Room for h more points on this page, or a new page. */
static void need(struct doc *d, double h)
{
	if (!d->blank && d->y + h > BOTTOM)
		new_page(d);
}

/*
 * Draws l line by line from d->y with its left edge at x, turning the page between lines; a marker (a
 * list item's bullet or number) beside the first line, ending just left of x.
 */
static void draw_lines(struct doc *d, PangoLayout *l, double x, int color, const char *marker)
{
	PangoLayoutIter *it = pango_layout_get_iter(l);
	bool first = true;
	do {
		PangoRectangle log;
		pango_layout_iter_get_line_extents(it, NULL, &log);
		double h = (double)log.height / PANGO_SCALE;
		double base = (double)(pango_layout_iter_get_baseline(it) - log.y) / PANGO_SCALE;
		need(d, h);
		if (d->too_large)
			break;
		color_of(d->cr, color);
		/* The marker first: text extractors read the page in drawing order ("1. Open the register"). */
		if (first && marker && *marker) {
			PangoLayout *m = layout(d, SANS, false, BODY_PX, NULL, 0);
			pango_layout_set_text(m, marker, -1);
			PangoRectangle mr;
			pango_layout_get_extents(m, NULL, &mr);
			cairo_move_to(d->cr, x - 5 - (double)mr.width / PANGO_SCALE, d->y + base);
			pango_cairo_show_layout_line(d->cr, pango_layout_get_line_readonly(m, 0));
			g_object_unref(m);
		}
		PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
		cairo_move_to(d->cr, x + (double)log.x / PANGO_SCALE, d->y + base);
		pango_cairo_show_layout_line(d->cr, line);
		first = false;
		d->y += h;
		d->blank = false;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

static double text_x(const struct doc *d)
{
	return MARGIN_X + (d->level < MAX_LEVEL ? d->level : MAX_LEVEL) * INDENT;
}

/*
 * Where to cut the first piece of s (len bytes) that is at most CHUNK bytes: after its last space, else
 * before its last character that starts a cluster (not a Khmer vowel sign, sign or subscript, nor a
 * UTF-8 continuation byte), so that no cluster is shaped in two halves.
 */
static size_t chunk_end(const char *s, size_t len)
{
	if (len <= CHUNK)
		return len;
	for (size_t i = CHUNK; i > CHUNK / 2; i--)
		if (s[i - 1] == ' ')
			return i;
	for (size_t i = CHUNK; i > 0; i--) {
		const unsigned char *c = (const unsigned char *)s + i;
		if ((*c & 0xc0) == 0x80)
			continue;
		/* U+17B4..U+17DD (vowels, signs, coeng) are E1 9E B4..E1 9F 9D: they join the character before. */
		bool joins = c[0] == 0xe1 && ((c[1] == 0x9e && c[2] >= 0xb4) || (c[1] == 0x9f && c[2] <= 0x9d));
		if (!joins && !(i >= 3 && (unsigned char)s[i - 3] == 0xe1 && (unsigned char)s[i - 2] == 0x9f &&
				(unsigned char)s[i - 1] == 0x92)) /* nor after a coeng (U+17D2) */
			return i;
	}
	return CHUNK;
}

/*
 * Draws a block of text (markup, or plain when it does not parse) in the lessons' language. A block
 * longer than CHUNK bytes is drawn as plain text, a piece at a time: Pango's time to break lines grows
 * faster than the length of a run with no break opportunity.
 */
static void draw_text(struct doc *d, const char *markup, const char *plain, const char *families, bool bold, double px,
		      int color)
{
	if (d->too_large)
		return;
	double x = text_x(d);
	size_t len = strlen(plain);
	for (size_t off = 0; (off < len || off == 0) && !d->too_large;) {
		PangoLayout *l = layout(d, families, bold, px, d->t->language, PAGE_W - MARGIN_X - x);
		size_t n = chunk_end(plain + off, len - off);
		if (len <= CHUNK)
			layout_text(l, markup, plain);
		else
			pango_layout_set_text(l, plain + off, (int)n);
		draw_lines(d, l, x, color, d->marker);
		d->marker[0] = '\0';
		g_object_unref(l);
		off += n ? n : 1;
	}
}

/*
 * A package image as a Cairo surface (a JPEG keeps its bytes, which the PDF embeds as they are); NULL when
 * missing, too large or unreadable.
 */
static cairo_surface_t *load_image(struct doc *d, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	struct err e;
	int got = media_file_read(d->db, d->package_id, path, &data, &len, &e);
	if (got != 0) {
		if (got < 0)
			log_msg(LOG_ERROR, "error", "offline PDF: image '%s': %s", path, e.msg);
		free(data);
		return NULL;
	}
	char extbuf[8];
	const char *ext = media_ext(path, extbuf);
	int w = 0, h = 0;
	if (!media_is_image(ext) || len > OFFLINE_PDF_MAX_IMAGE ||
	    !media_magic_ok(ext, (const unsigned char *)data, len) ||
	    media_image_size(ext, (const unsigned char *)data, len, &w, &h) < 0 || w <= 0 || h <= 0 ||
	    w > IMAGE_MAX_PIXELS / h) {
		free(data);
		return NULL;
	}
	bool jpeg = !strcmp(ext, "jpg") || !strcmp(ext, "jpeg");
	gdImagePtr im = !strcmp(ext, "png")   ? gdImageCreateFromPngPtr((int)len, data)
			: jpeg		      ? gdImageCreateFromJpegPtr((int)len, data)
			: !strcmp(ext, "gif") ? gdImageCreateFromGifPtr((int)len, data)
					      : gdImageCreateFromWebpPtr((int)len, data);
	if (!im) {
		free(data);
		return NULL;
	}
	if (!gdImageTrueColor(im) && !gdImagePaletteToTrueColor(im)) {
		gdImageDestroy(im);
		free(data);
		return NULL;
	}
	int iw = gdImageSX(im), ih = gdImageSY(im);
	cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, iw, ih);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		gdImageDestroy(im);
		free(data);
		return NULL;
	}
	cairo_surface_flush(s);
	unsigned char *px = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);
	for (int y = 0; y < ih; y++) {
		uint32_t *row = (uint32_t *)(px + (size_t)y * (size_t)stride);
		for (int x = 0; x < iw; x++) {
			int p = gdImageTrueColorPixel(im, x, y);
			uint32_t a = 255 - (uint32_t)gdTrueColorGetAlpha(p) * 255 / 127;
			uint32_t r = (uint32_t)gdTrueColorGetRed(p) * a / 255,
				 g = (uint32_t)gdTrueColorGetGreen(p) * a / 255,
				 b = (uint32_t)gdTrueColorGetBlue(p) * a / 255;
			row[x] = a << 24 | r << 16 | g << 8 | b;
		}
	}
	cairo_surface_mark_dirty(s);
	gdImageDestroy(im);
	if (jpeg && cairo_surface_set_mime_data(s, CAIRO_MIME_TYPE_JPEG, (unsigned char *)data, len, free, data) ==
			CAIRO_STATUS_SUCCESS)
		return s;
	free(data);
	return s;
}

static void draw_image(struct doc *d, const struct pending_image *pi)
{
	if (d->too_large)
		return;
	char path[1024];
	cairo_surface_t *s = NULL;
	if (pi->url && *pi->url && !strchr(pi->url, ':') && pi->url[0] != '/') {
		char rel[1024];
		snprintf(rel, sizeof rel, "%s", pi->url);
		rel[strcspn(rel, "?#")] = '\0';
		if (render_resolve_path(d->path, rel, path, sizeof path) == 0)
			s = load_image(d, path);
	}
	if (!s) {
		/* Left out: its alt text stays, as in the HTML file. */
		if (pi->alt && *pi->alt) {
			struct buf m = BUF_INIT;
			buf_puts(&m, "<i>[");
			markup_esc(&m, pi->alt);
			buf_puts(&m, "]</i>");
			draw_text(d, buf_str(&m), pi->alt, SANS, false, BODY_PX, MUTED);
			buf_release(&m);
		}
		return;
	}
	double x = text_x(d);
	double w = cairo_image_surface_get_width(s) * IMAGE_PT_PER_PX,
	       h = cairo_image_surface_get_height(s) * IMAGE_PT_PER_PX;
	double scale = 1;
	if (w * scale > PAGE_W - MARGIN_X - x)
		scale = (PAGE_W - MARGIN_X - x) / w;
	if (h * scale > IMAGE_MAX_H)
		scale = IMAGE_MAX_H / h;
	need(d, h * scale + 6);
	if (d->too_large) {
		cairo_surface_destroy(s);
		return;
	}
	cairo_save(d->cr);
	cairo_translate(d->cr, x, d->y + 3);
	cairo_scale(d->cr, scale * IMAGE_PT_PER_PX, scale * IMAGE_PT_PER_PX);
	cairo_set_source_surface(d->cr, s, 0, 0);
	cairo_paint(d->cr);
	cairo_restore(d->cr);
	cairo_surface_destroy(s);
	d->y += h * scale + 9;
	d->blank = false;
}

static void images_flush(struct doc *d)
{
	for (size_t i = 0; i < d->nimages; i++) {
		draw_image(d, &d->images[i]);
		free(d->images[i].url);
		free(d->images[i].alt);
	}
	d->nimages = 0;
}

static void rule(struct doc *d, double y, double x1, double x2, double width, int color)
{
	color_of(d->cr, color);
	cairo_set_line_width(d->cr, width);
	cairo_move_to(d->cr, x1, y);
	cairo_line_to(d->cr, x2, y);
	cairo_stroke(d->cr);
}

static void table_clear(struct doc *d)
{
	for (int i = 0; i < MAX_COLS; i++) {
		free(d->cells[i]);
		free(d->cells_plain[i]);
		d->cells[i] = d->cells_plain[i] = NULL;
	}
}

/* Draws the table row read (its cells in d->cells): equal columns, the row as tall as its tallest cell. */
static void table_row(struct doc *d)
{
	int n = d->ncols < 1 ? 1 : d->ncols > MAX_COLS ? MAX_COLS : d->ncols;
	double x0 = text_x(d), cw = (PAGE_W - MARGIN_X - x0) / n;
	PangoLayout *cells[MAX_COLS] = {0};
	double h = 0;
	if (d->too_large) {
		table_clear(d);
		return;
	}
	for (int c = 0; c < n; c++) {
		if (!d->cells_plain[c] || !*d->cells_plain[c])
			continue; /* an empty cell: nothing to lay out */
		cells[c] = layout(d, SANS, d->header_row, BODY_PX - 1, d->t->language, cw - 8);
		layout_text(cells[c], d->cells[c], d->cells_plain[c] ? d->cells_plain[c] : "");
		PangoRectangle r;
		pango_layout_get_extents(cells[c], NULL, &r);
		double ch = (double)r.height / PANGO_SCALE;
		if (ch > h)
			h = ch;
	}
	h += 8;
	need(d, h);
	if (d->header_row)
		rule(d, d->y, x0, PAGE_W - MARGIN_X, 1, INK);
	for (int c = 0; c < n; c++) {
		if (!cells[c])
			continue;
		color_of(d->cr, INK);
		cairo_move_to(d->cr, x0 + c * cw + 4, d->y + 4);
		pango_cairo_show_layout(d->cr, cells[c]);
		g_object_unref(cells[c]);
	}
	d->y += h;
	rule(d, d->y, x0, PAGE_W - MARGIN_X, d->header_row ? 1 : 0.5, d->header_row ? INK : RULE);
	d->blank = false;
	table_clear(d);
}

/* The block's markup, or NULL (plain text) when it has too many styles. */
static const char *block_markup(const struct doc *d)
{
	return d->tags > MAX_TAGS ? NULL : buf_str(&d->markup);
}

static void collect_begin(struct doc *d)
{
	d->collecting = true;
	d->tags = 0;
	buf_reset(&d->markup);
	buf_reset(&d->plain);
}

/* The text of an inline node, entering (enter) or leaving it. */
static void inline_node(struct doc *d, cmark_node *n, bool enter)
{
	cmark_node_type t = cmark_node_get_type(n);
	if (t == CMARK_NODE_IMAGE) {
		bool in_table = d->ncols > 0;
		if (enter) {
			if (d->in_image++ == 0)
				buf_reset(&d->alt);
			if (in_table)
				buf_puts(&d->markup, "<i>["), buf_putc(&d->plain, '['), d->tags++;
		} else if (--d->in_image == 0) {
			if (in_table) {
				buf_puts(&d->markup, "]</i>"), buf_putc(&d->plain, ']');
			} else {
				d->images = xrealloc(d->images, (d->nimages + 1) * sizeof *d->images);
				d->images[d->nimages++] =
				    (struct pending_image){xstrdup(cmark_node_get_url(n) ? cmark_node_get_url(n) : ""),
							   xstrdup(buf_str(&d->alt))};
			}
		}
		return;
	}
	if (!enter) {
		if (t == CMARK_NODE_EMPH)
			buf_puts(&d->markup, "</i>");
		else if (t == CMARK_NODE_STRONG)
			buf_puts(&d->markup, "</b>");
		else if (t == CMARK_NODE_LINK && cmark_node_first_child(n))
			buf_puts(&d->markup, "</span>");
		return;
	}
	const char *lit = NULL;
	switch (t) {
	case CMARK_NODE_TEXT:
		lit = cmark_node_get_literal(n);
		break;
	case CMARK_NODE_CODE:
		if (d->in_image && d->ncols <= 0) {
			buf_puts(&d->alt, cmark_node_get_literal(n));
			return;
		}
		buf_puts(&d->markup, "<tt>");
		d->tags++;
		markup_esc(&d->markup, cmark_node_get_literal(n));
		buf_puts(&d->markup, "</tt>");
		buf_puts(&d->plain, cmark_node_get_literal(n));
		return;
	case CMARK_NODE_SOFTBREAK:
		lit = " ";
		break;
	case CMARK_NODE_LINEBREAK:
		lit = "\n";
		break;
	case CMARK_NODE_EMPH:
		buf_puts(&d->markup, "<i>");
		d->tags++;
		return;
	case CMARK_NODE_STRONG:
		buf_puts(&d->markup, "<b>");
		d->tags++;
		return;
	case CMARK_NODE_LINK:
		if (cmark_node_first_child(n)) { /* a link with no text shows nothing */
			buf_puts(&d->markup, "<span foreground=\"" LINK "\" underline=\"single\">");
			d->tags++;
		}
		return;
	default:
		return; /* raw HTML: shown as nothing, as in safe mode */
	}
	if (!lit)
		return;
	if (d->in_image && d->ncols <= 0) {
		buf_puts(&d->alt, lit);
		return;
	}
	markup_esc(&d->markup, lit);
	buf_puts(&d->plain, lit);
}

static const double heading_px[6] = {20, 16, 13.5, 12, 11, 11};

/* Draws a lesson's parsed Markdown, walking cmark's tree with its iterator (never recursively). */
static void draw_markdown(struct doc *d, cmark_node *root)
{
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE && !d->too_large) {
		cmark_node *n = cmark_iter_get_node(it);
		cmark_node_type t = cmark_node_get_type(n);
		bool enter = ev == CMARK_EVENT_ENTER;
		const char *ext = cmark_node_get_type_string(n);
		if (!strcmp(ext, "table")) {
			if (enter) {
				d->ncols = cmark_gfm_extensions_get_table_columns(n);
				if (d->ncols < 1)
					d->ncols = 1;
				need(d, 40);
			} else {
				d->ncols = 0;
				d->y += 8;
				images_flush(d);
			}
			continue;
		}
		/* cmark-gfm names a table's first row "table_header". */
		if (!strcmp(ext, "table_row") || !strcmp(ext, "table_header")) {
			if (enter) {
				d->col = 0;
				d->header_row = cmark_gfm_extensions_get_table_row_is_header(n);
			} else {
				table_row(d);
			}
			continue;
		}
		if (!strcmp(ext, "table_cell")) {
			if (enter) {
				collect_begin(d);
			} else {
				if (d->col < MAX_COLS) {
					d->cells[d->col] = d->tags > MAX_TAGS ? NULL : xstrdup(buf_str(&d->markup));
					d->cells_plain[d->col] = xstrdup(buf_str(&d->plain));
				}
				d->col++;
				d->collecting = false;
			}
			continue;
		}
		switch (t) {
		case CMARK_NODE_PARAGRAPH:
		case CMARK_NODE_HEADING:
			if (enter) {
				collect_begin(d);
				if (t == CMARK_NODE_HEADING) {
					/* A heading is not left alone at the foot of a page. */
					d->y += d->blank ? 0 : 8;
					need(d, 60);
				}
				break;
			}
			d->collecting = false;
			if (t == CMARK_NODE_HEADING) {
				int lv = cmark_node_get_heading_level(n);
				draw_text(d, block_markup(d), buf_str(&d->plain), SANS, true,
					  heading_px[lv >= 1 && lv <= 6 ? lv - 1 : 5], INK);
				d->y += 4;
			} else {
				if (d->plain.len)
					draw_text(d, block_markup(d), buf_str(&d->plain), SANS, false, BODY_PX,
						  d->quotes ? MUTED : INK);
				d->y += d->tight ? 2 : 6;
			}
			images_flush(d);
			break;
		case CMARK_NODE_CODE_BLOCK:
			if (enter) {
				const char *lit = cmark_node_get_literal(n);
				size_t ll = lit ? strlen(lit) : 0;
				char *code = xstrdup(lit ? lit : "");
				if (ll && code[ll - 1] == '\n')
					code[ll - 1] = '\0';
				draw_text(d, NULL, code, MONO, false, BODY_PX - 1.5, INK);
				free(code);
				d->y += 6;
			}
			break;
		case CMARK_NODE_THEMATIC_BREAK:
			if (enter) {
				need(d, 12);
				rule(d, d->y + 6, text_x(d), PAGE_W - MARGIN_X, 0.5, RULE);
				d->y += 12;
			}
			break;
		case CMARK_NODE_BLOCK_QUOTE:
			d->level += enter ? 1 : -1;
			d->quotes += enter ? 1 : -1;
			break;
		case CMARK_NODE_LIST: {
			bool tight = cmark_node_get_list_tight(n);
			if (enter) {
				struct list_state *ls = &d->list[d->lists < MAX_LISTS ? d->lists : MAX_LISTS - 1];
				d->lists++;
				ls->ordered = cmark_node_get_list_type(n) == CMARK_ORDERED_LIST;
				ls->next = cmark_node_get_list_start(n);
				d->tight += tight;
			} else {
				d->lists--;
				d->tight -= tight;
				if (!d->tight)
					d->y += 4;
			}
			break;
		}
		case CMARK_NODE_ITEM:
			if (enter) {
				int li = d->lists < 1 ? 0 : d->lists <= MAX_LISTS ? d->lists - 1 : MAX_LISTS - 1;
				struct list_state *ls = &d->list[li];
				if (d->lists > 0 && ls->ordered)
					snprintf(d->marker, sizeof d->marker, "%d.", ls->next++);
				else
					snprintf(d->marker, sizeof d->marker, "%s", "•");
				d->level++;
			} else {
				d->level--;
				d->marker[0] = '\0';
			}
			break;
		case CMARK_NODE_DOCUMENT:
		case CMARK_NODE_HTML_BLOCK:
			break;
		default:
			if (d->collecting || d->in_image)
				inline_node(d, n, enter);
			break;
		}
	}
	cmark_iter_free(it);
	images_flush(d);
	table_clear(d);
	d->level = d->quotes = d->lists = d->tight = d->in_image = 0;
	d->ncols = 0;
	d->collecting = false;
}

/* The first page: the course, who it is for, when it was made, the note, and the outline. */
static void title_page(struct doc *d, const struct learn_item *items, size_t n)
{
	const struct offline_pdf_text *t = d->t;
	new_page(d);
	d->y += 40;
	struct buf m = BUF_INIT;
	markup_esc(&m, t->course_title);
	PangoLayout *l = layout(d, SANS, true, 24, t->language, CONTENT_W);
	layout_text(l, buf_str(&m), t->course_title);
	draw_lines(d, l, MARGIN_X, INK, NULL);
	g_object_unref(l);
	buf_release(&m);
	rule(d, d->y + 10, MARGIN_X, MARGIN_X + 120, 2, 0x0b4f8a);
	d->y += 26;
	const char *lines[] = {t->learner, t->date};
	for (size_t i = 0; i < 2; i++) {
		if (!lines[i] || !*lines[i])
			continue;
		l = layout(d, SANS, i == 0, 12, t->ui_language, CONTENT_W);
		pango_layout_set_text(l, lines[i], -1);
		draw_lines(d, l, MARGIN_X, i == 0 ? INK : MUTED, NULL);
		g_object_unref(l);
		d->y += 4;
	}
	if (t->note && *t->note) {
		d->y += 8;
		l = layout(d, SANS, false, 10, t->ui_language, CONTENT_W);
		pango_layout_set_text(l, t->note, -1);
		draw_lines(d, l, MARGIN_X, MUTED, NULL);
		g_object_unref(l);
	}
	d->y += 24;
	if (t->outline && *t->outline) {
		l = layout(d, SANS, true, 14, t->ui_language, CONTENT_W);
		pango_layout_set_text(l, t->outline, -1);
		draw_lines(d, l, MARGIN_X, INK, NULL);
		g_object_unref(l);
		d->y += 6;
	}
	for (size_t i = 0; i < n; i++) {
		bool quiz = strcmp(items[i].type, "quiz") == 0;
		struct buf num = BUF_INIT, text = BUF_INIT;
		char no[24];
		snprintf(no, sizeof no, "%zu.", i + 1);
		i18n_digits(&num, t->language, no);
		markup_esc(&text, items[i].title);
		if (quiz && t->quiz) {
			buf_printf(&text, " <span foreground=\"#4a5560\" lang=\"%s\">", t->ui_language);
			markup_esc(&text, t->quiz);
			buf_puts(&text, "</span>");
		}
		snprintf(d->marker, sizeof d->marker, "%s", buf_str(&num));
		d->level = 1;
		draw_text(d, buf_str(&text), items[i].title, SANS, false, BODY_PX, INK);
		d->level = 0;
		d->y += 3;
		buf_release(&num);
		buf_release(&text);
	}
}

static cairo_status_t pdf_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct doc *d = closure;
	if (d->out->len - d->start + len > OFFLINE_PDF_MAX_BYTES) {
		d->too_large = true;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	buf_add(d->out, data, len);
	return CAIRO_STATUS_SUCCESS;
}

int offline_pdf(struct db *db, int64_t package_id, const struct learn_item *items, size_t n,
		const struct offline_pdf_text *t, struct buf *out, struct err *e)
{
	if (!textrender_headroom())
		return err_set(e, NO_MEMORY);
	struct doc d = {.db = db, .package_id = package_id, .t = t, .out = out, .start = out->len};
	d.surface = cairo_pdf_surface_create_for_stream(pdf_write, &d, PAGE_W, PAGE_H);
	if (cairo_surface_status(d.surface) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(d.surface);
		return err_set(e, NO_MEMORY);
	}
	cairo_pdf_surface_set_metadata(d.surface, CAIRO_PDF_METADATA_TITLE, t->course_title ? t->course_title : "");
	cairo_pdf_surface_set_metadata(d.surface, CAIRO_PDF_METADATA_CREATOR, "Sala");
	d.cr = cairo_create(d.surface);
	int rc = 0;
	textrender_lock();
	title_page(&d, items, n);
	textrender_unlock();
	/* A lesson at a time under the lock, so that certificates and sheets are not kept waiting for a whole course.
	 */
	for (size_t i = 0; i < n && !d.too_large && rc == 0; i++) {
		if (strcmp(items[i].type, "lesson") != 0)
			continue;
		char *src = NULL;
		size_t len = 0;
		struct err le;
		int got = media_file_read(db, package_id, items[i].path, &src, &len, &le);
		if (got < 0) {
			rc = err_fail(e, ERR_UNAVAILABLE, "cannot read the lesson '%s': %s", items[i].path, le.msg);
			break;
		}
		d.path = items[i].path;
		/* Parsed before the lock is taken: Debian's cmark takes seconds on some inputs (fixed upstream in
		 * 0.30.3). */
		cmark_node *root = got == 0 ? render_parse(src, len) : NULL;
		free(src);
		textrender_lock();
		new_page(&d);
		if (root)
			draw_markdown(&d, root);
		textrender_unlock();
		if (root)
			cmark_node_free(root);
		if (cairo_status(d.cr) != CAIRO_STATUS_SUCCESS)
			break;
	}
	textrender_lock();
	if (rc == 0 && !d.too_large)
		cairo_show_page(d.cr);
	cairo_status_t st = cairo_status(d.cr);
	cairo_destroy(d.cr);
	cairo_surface_finish(d.surface); /* the font subsets are made from the font map's fonts */
	textrender_unlock();
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(d.surface);
	cairo_surface_destroy(d.surface);
	buf_release(&d.markup);
	buf_release(&d.plain);
	buf_release(&d.alt);
	for (size_t i = 0; i < d.nimages; i++) {
		free(d.images[i].url);
		free(d.images[i].alt);
	}
	free(d.images);
	if (rc == 0 && d.too_large)
		rc = err_fail(e, ERR_LIMIT, "the course is too large for one PDF (more than %u MB or %d pages)",
			      OFFLINE_PDF_MAX_BYTES >> 20, OFFLINE_PDF_MAX_PAGES);
	else if (rc == 0 && st != CAIRO_STATUS_SUCCESS)
		rc = err_set(e, st == CAIRO_STATUS_NO_MEMORY ? NO_MEMORY : "cannot draw the course as a PDF: %s",
			     cairo_status_to_string(st));
	if (rc < 0)
		out->len = d.start;
	return rc;
}
