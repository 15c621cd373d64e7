/* Shaped text drawing: libraqm for layout, FreeType for glyph bitmaps, blended into a gd truecolor image. */
#include "certificates/text.h"

#include <raqm.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xmalloc.h"

/* At 300 dpi hinting buys nothing visible, costs time in the bytecode interpreter and makes widths non-linear in size.
 */
#define LOAD_FLAGS FT_LOAD_NO_HINTING

/* Candidate files per face, best first; relative names are looked up in the font directories. */
static const char *const latin_files[TEXT_STYLES][4] = {
    {"noto/NotoSerif-Regular.ttf", "noto/NotoSans-Regular.ttf", "dejavu/DejaVuSerif.ttf",
     "liberation/LiberationSerif-Regular.ttf"},
    {"noto/NotoSerif-Bold.ttf", "noto/NotoSans-Bold.ttf", "dejavu/DejaVuSerif-Bold.ttf",
     "liberation/LiberationSerif-Bold.ttf"},
    {"noto/NotoSerif-Bold.ttf", "noto/NotoSans-Bold.ttf", "dejavu/DejaVuSerif-Bold.ttf",
     "liberation/LiberationSerif-Bold.ttf"},
};
static const char *const khmer_files[TEXT_STYLES][4] = {
    {"noto/NotoSansKhmer-Regular.ttf", "khmeros/KhmerOS.ttf", "khmeros/KhmerOSsys.ttf",
     "noto/NotoSerifKhmer-Regular.ttf"},
    {"noto/NotoSansKhmer-Bold.ttf", "khmeros/KhmerOSbattambang.ttf", "khmeros/KhmerOS.ttf",
     "noto/NotoSerifKhmer-Bold.ttf"},
    /* Muol Light is the face of Cambodian official headings. */
    {"khmeros/KhmerOSmuollight.ttf", "noto/NotoSerifKhmer-Bold.ttf", "noto/NotoSansKhmer-Bold.ttf",
     "khmeros/KhmerOS.ttf"},
};
static const char *const font_dirs[] = {"/usr/share/fonts/truetype/", "/usr/share/fonts/opentype/",
					"/usr/local/share/fonts/"};

/*
 * The first of files that FreeType opens. When none opens but one exists, *failed holds its path and
 * FreeType's error (out of memory under a memory limit: the message must not say "cannot find").
 */
static FT_Face open_face(FT_Library ft, const char *const files[4], char used[512], char failed[512], int *ft_err)
{
	const char *env = getenv("SALA_FONT_DIR");
	for (int i = 0; i < 4; i++) {
		for (int d = -1; d < (int)(sizeof font_dirs / sizeof font_dirs[0]); d++) {
			const char *dir = d < 0 ? env : font_dirs[d];
			if (!dir || !*dir)
				continue;
			char path[512];
			/* $SALA_FONT_DIR holds the files flat; the system directories by package. */
			const char *base = strrchr(files[i], '/');
			snprintf(path, sizeof path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
				 d < 0 && base ? base + 1 : files[i]);
			FT_Face face;
			FT_Error err = FT_New_Face(ft, path, 0, &face);
			if (err == 0) {
				snprintf(used, 512, "%s", path);
				return face;
			}
			if (!*failed && access(path, R_OK) == 0) {
				snprintf(failed, 512, "%s", path);
				*ft_err = err;
			}
		}
	}
	return NULL;
}

int cert_fonts_load(struct cert_fonts *f, struct err *e)
{
	memset(f, 0, sizeof *f);
	FT_Error init = FT_Init_FreeType(&f->ft);
	if (init != 0)
		return err_set(e, "cannot initialise FreeType%s",
			       init == FT_Err_Out_Of_Memory ? ": not enough memory to render the certificate" : "");
	for (int s = 0; s < TEXT_STYLES; s++) {
		char failed[512] = "";
		int ft_err = 0;
		f->latin[s] = open_face(f->ft, latin_files[s], f->latin_path[s], failed, &ft_err);
		f->khmer[s] = open_face(f->ft, khmer_files[s], f->khmer_path[s], failed, &ft_err);
		if ((!f->latin[s] || !f->khmer[s]) && *failed) {
			cert_fonts_release(f);
			/* Under a memory limit FreeType's drivers each fail and it reports "unknown file format". */
			return err_set(
			    e, "cannot load the certificate font '%s': %s", failed,
			    ft_err == FT_Err_Out_Of_Memory
				? "not enough memory to render the certificate"
				: "not enough memory to render the certificate, or the font file is damaged");
		}
		if (!f->latin[s] || !f->khmer[s]) {
			cert_fonts_release(f);
			return err_set(e,
				       "cannot find the certificate fonts (install fonts-noto-core and fonts-khmeros, "
				       "or set SALA_FONT_DIR)");
		}
	}
	return 0;
}

void cert_fonts_release(struct cert_fonts *f)
{
	for (int s = 0; s < TEXT_STYLES; s++) {
		if (f->latin[s])
			FT_Done_Face(f->latin[s]);
		if (f->khmer[s])
			FT_Done_Face(f->khmer[s]);
	}
	if (f->ft)
		FT_Done_FreeType(f->ft);
	memset(f, 0, sizeof *f);
}

static bool is_khmer(unsigned c)
{
	return (c >= 0x1780 && c <= 0x17FF) || (c >= 0x19E0 && c <= 0x19FF);
}

/* Neither Khmer nor Latin: spaces, punctuation, digits, joiners. They follow the run they are in. */
static bool is_neutral(unsigned c)
{
	return c < 0x80 ? !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
			: (c >= 0x2000 && c <= 0x206F) || c == 0xA0 || c == 0xB7;
}

static unsigned next_cp(const unsigned char *s, size_t *len)
{
	unsigned c = s[0];
	int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
	for (int i = 1; i <= n; i++)
		if ((s[i] & 0xC0) != 0x80) {
			*len = 1;
			return 0xFFFD;
		}
	*len = (size_t)n + 1;
	if (n == 0)
		return c;
	c &= n == 3 ? 0x07 : n == 2 ? 0x0F : 0x1F;
	for (int i = 1; i <= n; i++)
		c = c << 6 | (s[i] & 0x3F);
	return c;
}

/* Lays out s at px; NULL when raqm fails. The faces keep the size set here until the next layout. */
static raqm_t *layout(struct cert_fonts *f, enum text_style style, const char *s, int px)
{
	FT_Face latin = f->latin[style], khmer = f->khmer[style];
	FT_Set_Pixel_Sizes(latin, 0, (FT_UInt)px);
	FT_Set_Pixel_Sizes(khmer, 0, (FT_UInt)px);
	raqm_t *rq = render_oom_injected() ? NULL : raqm_create();
	size_t len = strlen(s);
	if (!rq || !raqm_set_text_utf8(rq, s, len) || !raqm_set_par_direction(rq, RAQM_DIRECTION_LTR) ||
	    !raqm_set_freetype_face(rq, latin) || !raqm_set_freetype_load_flags(rq, LOAD_FLAGS))
		goto fail;
	/* Khmer runs (with the neutral characters inside them) get the Khmer face. */
	size_t i = 0, run = 0;
	bool in_khmer = false;
	while (i < len) {
		size_t n;
		unsigned c = next_cp((const unsigned char *)s + i, &n);
		bool k = is_khmer(c) || (in_khmer && is_neutral(c) && FT_Get_Char_Index(khmer, c) != 0);
		if (k && !in_khmer)
			run = i;
		if (!k && in_khmer && !raqm_set_freetype_face_range(rq, khmer, run, i - run))
			goto fail;
		in_khmer = k;
		i += n;
	}
	if (in_khmer && !raqm_set_freetype_face_range(rq, khmer, run, len - run))
		goto fail;
	if (!raqm_layout(rq))
		goto fail;
	return rq;
fail:
	if (rq)
		raqm_destroy(rq);
	return NULL;
}

static long advance26(raqm_t *rq)
{
	size_t n = 0;
	raqm_glyph_t *g = raqm_get_glyphs(rq, &n);
	long w = 0;
	for (size_t i = 0; i < n; i++)
		w += g[i].x_advance;
	return w;
}

int text_width(struct cert_fonts *f, enum text_style style, const char *s, int px)
{
	raqm_t *rq = layout(f, style, s, px);
	if (!rq)
		return 0;
	long w = advance26(rq);
	raqm_destroy(rq);
	return (int)((w + 32) >> 6);
}

/* Source-over blend of a coverage bitmap in one colour onto an opaque truecolor image. */
static void blend_bitmap(gdImagePtr im, const FT_Bitmap *bm, int x0, int y0, int color)
{
	int cr = gdTrueColorGetRed(color), cg = gdTrueColorGetGreen(color), cb = gdTrueColorGetBlue(color);
	for (unsigned row = 0; row < bm->rows; row++) {
		int y = y0 + (int)row;
		if (y < 0 || y >= gdImageSY(im))
			continue;
		const unsigned char *src = bm->buffer + (long)row * bm->pitch;
		int *dst = im->tpixels[y];
		for (unsigned col = 0; col < bm->width; col++) {
			int x = x0 + (int)col, a = src[col];
			if (a == 0 || x < 0 || x >= gdImageSX(im))
				continue;
			int d = dst[x];
			int r = (cr * a + gdTrueColorGetRed(d) * (255 - a) + 127) / 255;
			int g = (cg * a + gdTrueColorGetGreen(d) * (255 - a) + 127) / 255;
			int b = (cb * a + gdTrueColorGetBlue(d) * (255 - a) + 127) / 255;
			dst[x] = gdTrueColorAlpha(r, g, b, gdTrueColorGetAlpha(d));
		}
	}
}

int text_draw(gdImagePtr im, struct cert_fonts *f, enum text_style style, const char *s, int px, int x, int y,
	      enum text_align align, int max_w, int color)
{
	if (!s || !*s)
		return px;
	raqm_t *rq = layout(f, style, s, px);
	if (!rq)
		return -1;
	long w = advance26(rq);
	/* Too wide: shrink in proportion, then step down until it fits (hinting makes widths a little non-linear). */
	int min_px = px / 4 > 8 ? px / 4 : 8;
	while (max_w > 0 && ((w + 32) >> 6) > max_w && px > min_px) {
		int want = (int)((long)px * max_w * 64 / (w > 0 ? w : 1));
		px = want < px ? want : px - 1;
		if (px < min_px)
			px = min_px;
		raqm_destroy(rq);
		if (!(rq = layout(f, style, s, px)))
			return -1;
		w = advance26(rq);
	}
	long pen = (long)x * 64;
	if (align == ALIGN_CENTER)
		pen -= w / 2;
	else if (align == ALIGN_RIGHT)
		pen -= w;
	long pen_y = (long)y * 64;
	size_t n = 0;
	raqm_glyph_t *g = raqm_get_glyphs(rq, &n);
	int rc = px;
	for (size_t i = 0; i < n; i++) {
		FT_Face face = g[i].ftface;
		/* A glyph FreeType cannot load or render (out of memory) would leave a gap in a name. */
		if (FT_Load_Glyph(face, g[i].index, LOAD_FLAGS) != 0 ||
		    FT_Render_Glyph(face->glyph, FT_RENDER_MODE_NORMAL) != 0) {
			rc = -1;
			break;
		}
		int gx = (int)((pen + g[i].x_offset + 32) >> 6) + face->glyph->bitmap_left;
		int gy = (int)((pen_y - g[i].y_offset + 32) >> 6) - face->glyph->bitmap_top;
		blend_bitmap(im, &face->glyph->bitmap, gx, gy, color);
		pen += g[i].x_advance;
		pen_y -= g[i].y_advance;
	}
	raqm_destroy(rq);
	return rc;
}

bool render_oom_injected(void)
{
	static long limit = -2; /* -2: not read yet; -1: off */
	static long count;
	long lim = __atomic_load_n(&limit, __ATOMIC_ACQUIRE);
	if (lim == -2) {
		const char *v = getenv("SALA_TEST_RENDER_OOM");
		char *end;
		lim = v && *v ? strtol(v, &end, 10) : -1;
		if (lim <= 0 || (v && *end))
			lim = -1;
		__atomic_store_n(&limit, lim, __ATOMIC_RELEASE);
	}
	return lim > 0 && __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED) >= lim;
}
