/*
 * Shaped text for the PDFs and images Sala draws with Cairo and Pango (HarfBuzz shapes Khmer): the
 * certificate (certificates/render.c), the sign-in sheet (training/sheet.c) and a course for reading
 * offline (courses/offline_pdf.c). One Pango font map for the whole process, made once with the system's
 * fonts (Debian's fonts-noto-core and fonts-khmeros) and $SALA_FONT_DIR's, used under one lock: Pango's
 * default font map is one per thread, each with its own font and fontset caches, and fonts are not to be
 * shared between threads without a lock. A page takes milliseconds, so drawings take turns.
 *
 * Pango, GLib and fontconfig do not survive running out of memory, so a drawing starts only when
 * textrender_headroom() says there is room.
 */
#ifndef SALA_TEXTRENDER_H
#define SALA_TEXTRENDER_H
#include <cairo.h>
#include <pango/pangocairo.h>
#include <stdbool.h>

/*
 * Whether TEXTRENDER_HEADROOM of address space can be reserved now. GLib aborts when it cannot start
 * Pango's font threads or allocate, and fontconfig dereferences failed allocations (measured under
 * `prlimit --as`: SIGTRAP and SIGSEGV between 110 and 180 MB for a bulk PDF that needs about 190): a
 * process short of memory gives the caller's "not enough memory" error instead of dying in a library.
 */
#define TEXTRENDER_HEADROOM (256L << 20)
bool textrender_headroom(void);

/* The process's font map, made on the first call ($SALA_FONT_DIR's fonts join the system ones). Borrowed. */
PangoFontMap *textrender_fonts(void);

/*
 * The lock held while the font map or anything made from it is used: laying out and drawing text, and
 * finishing a PDF surface (its font subsets are made from the map's fonts). Not recursive.
 */
void textrender_lock(void);
void textrender_unlock(void);

/*
 * A layout for drawing on cr (under the lock): unhinted metrics, so a text has the same size at every
 * scale and on every surface; the font families (a Pango list, "Noto Sans, Noto Sans Khmer"): Pango
 * takes each character from the first family that has it; bold or regular; px the absolute size in
 * cr's user units. lang (a BCP 47 tag such as "km"; NULL: none) tells Pango the text's language, which
 * chooses among fonts and shaping rules. Caller frees with g_object_unref().
 */
PangoLayout *textrender_layout(cairo_t *cr, const char *families, bool bold, double px, const char *lang);

/*
 * Shrinks the font of l (laid out at px) so that its text is at most max_w wide, but not below min_px.
 * Returns the width of the text after it, in user units.
 */
double textrender_fit(PangoLayout *l, double px, double max_w, double min_px);

#endif
