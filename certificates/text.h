/*
 * Shaped text for certificates. libgd has no complex text layout, so Khmer
 * goes through libraqm (HarfBuzz) and the glyph bitmaps FreeType renders are
 * blended into the gd image here. Mixed text is split into runs by script:
 * Khmer runs use a Khmer face, everything else a Latin face.
 */
#ifndef SALA_CERT_TEXT_H
#define SALA_CERT_TEXT_H
#include <ft2build.h>
#include FT_FREETYPE_H
#include <gd.h>
#include <stdbool.h>

#include "lib/err.h"

enum text_style { TEXT_REGULAR, TEXT_BOLD, TEXT_TITLE, TEXT_STYLES };
enum text_align { ALIGN_LEFT, ALIGN_CENTER, ALIGN_RIGHT };

struct cert_fonts {
	FT_Library ft;
	FT_Face latin[TEXT_STYLES], khmer[TEXT_STYLES];
	char latin_path[TEXT_STYLES][512], khmer_path[TEXT_STYLES][512]; /* the files opened */
};

/* Finds and opens the faces (Noto, Khmer OS, DejaVu fallbacks; $SALA_FONT_DIR first). -1 when none is found. */
int cert_fonts_load(struct cert_fonts *f, struct err *e);
void cert_fonts_release(struct cert_fonts *f);

/* Width in pixels of s laid out at size px. */
int text_width(struct cert_fonts *f, enum text_style style, const char *s, int px);
/*
 * Draws s with its baseline at y; x is the left edge, centre or right edge by
 * align. When wider than max_w (0 = no limit) the size shrinks to fit, down to
 * a quarter of px. color is a gd truecolor value. Returns the size used, or
 * -1 when the text cannot be laid out or a glyph cannot be rendered (out of
 * memory): the page would miss words, so the caller must not hand it out.
 */
int text_draw(gdImagePtr im, struct cert_fonts *f, enum text_style style, const char *s, int px, int x, int y,
	      enum text_align align, int max_w, int color);

/*
 * Test hook for allocation failures in the render path: with
 * SALA_TEST_RENDER_OOM=N in the environment, the Nth library allocation that
 * the certificate renderer checks (gd images, raqm layouts, QR codes, PNG and
 * PDF writers) and every later one fails as if memory were exhausted. True
 * when this one must fail. Unset (always in production): never.
 */
bool render_oom_injected(void);

#endif
