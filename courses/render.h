/*
 * Lesson rendering: CommonMark through cmark in safe mode (raw HTML and
 * javascript: links never reach the output), with relative links resolved
 * against the package and rewritten to server URLs, images given
 * loading="lazy" and their size, external links rel="noopener", and headings
 * given id anchors.
 */
#ifndef SALA_RENDER_H
#define SALA_RENDER_H
#include <stddef.h>

#include "courses/package.h"
#include "lib/buf.h"

/* What a package-relative path resolves to. */
struct render_target {
	char url[160];	   /* the server URL, e.g. /courses/ID/lessons/PATH or /media/SHA.EXT */
	int width, height; /* images: pixels; 0 when unknown */
	int image;	   /* 1 when the target may be shown with ![](...) */
};

struct render_opts {
	const char *file; /* the lesson's package path: base of relative links, FILE in problems */
	/* Resolves a normalised package path; 0 with t filled, ERR_NOTFOUND when there is no such file (any
	 * other negative value too), ERR_INVALID when it cannot be linked. */
	int (*resolve)(void *ctx, const char *path, struct render_target *t);
	void *ctx;
	struct problems *pr; /* link problems "FILE:LINE: ..."; may be NULL */
};

/*
 * Renders src[0..len) into html (appended). *title gets the text of the first
 * level-1 heading, or NULL (caller frees). Returns the number of problems.
 */
int render_lesson(const char *src, size_t len, const struct render_opts *o, struct buf *html, char **title);

/*
 * Parses src[0..len) as render_lesson() does (cmark-gfm, safe mode, pipe tables), for readers that walk
 * the tree themselves (with cmark_iter: never recursively). Caller frees with cmark_node_free().
 */
struct cmark_node;
struct cmark_node *render_parse(const char *src, size_t len);

/*
 * Resolves rel, a relative URL path as a lesson writes it ("../media/map.png", %-escapes decoded, no query
 * or fragment), against the folder of the package path base into out. -1 when it climbs above the
 * package root or is too long.
 */
int render_resolve_path(const char *base, const char *rel, char *out, size_t outlen);

#endif
