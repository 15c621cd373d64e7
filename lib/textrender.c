/* The shared Pango font map, its lock and the memory headroom check (lib/textrender.h). */
#include "lib/textrender.h"

#include <fontconfig/fontconfig.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define TEXTRENDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEXTRENDER_ASAN 1
#endif
#endif
#ifdef TEXTRENDER_ASAN
/*
 * Sanitizer builds: fontconfig keeps allocations of the fontset sorts Pango runs on its threads that
 * nothing frees (not Sala's memory: no Sala frame is in their stacks). LeakSanitizer reads this hook.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}
#endif

static PangoFontMap *font_map;
static pthread_once_t fonts_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t text_lock = PTHREAD_MUTEX_INITIALIZER;

static void fonts_init(void)
{
	const char *dir = getenv("SALA_FONT_DIR");
	if (dir && *dir)
		FcConfigAppFontAddDir(NULL, (const FcChar8 *)dir);
	font_map = pango_cairo_font_map_new();
}

bool textrender_headroom(void)
{
	void *p =
	    mmap(NULL, (size_t)TEXTRENDER_HEADROOM, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return false;
	munmap(p, (size_t)TEXTRENDER_HEADROOM);
	return true;
}

PangoFontMap *textrender_fonts(void)
{
	pthread_once(&fonts_once, fonts_init);
	return font_map;
}

void textrender_lock(void)
{
	pthread_mutex_lock(&text_lock);
}

void textrender_unlock(void)
{
	pthread_mutex_unlock(&text_lock);
}

PangoLayout *textrender_layout(cairo_t *cr, const char *families, bool bold, double px, const char *lang)
{
	PangoContext *ctx = pango_font_map_create_context(textrender_fonts());
	cairo_font_options_t *fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(ctx, fo);
	cairo_font_options_destroy(fo);
	if (lang && *lang)
		pango_context_set_language(ctx, pango_language_from_string(lang));
	pango_cairo_update_context(cr, ctx);
	PangoLayout *l = pango_layout_new(ctx);
	g_object_unref(ctx);
	PangoFontDescription *fd = pango_font_description_from_string(families);
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_font_description_set_absolute_size(fd, px * PANGO_SCALE);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	return l;
}

double textrender_fit(PangoLayout *l, double px, double max_w, double min_px)
{
	PangoRectangle logical;
	pango_layout_get_extents(l, NULL, &logical);
	double w = (double)logical.width / PANGO_SCALE;
	if (max_w <= 0 || w <= max_w)
		return w;
	double fit = px * max_w / w;
	PangoFontDescription *fd = pango_font_description_copy(pango_layout_get_font_description(l));
	pango_font_description_set_absolute_size(fd, (fit < min_px ? min_px : fit) * PANGO_SCALE);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_get_extents(l, NULL, &logical);
	return (double)logical.width / PANGO_SCALE;
}
