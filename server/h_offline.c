/*
 * GET /courses/:id/offline.html: a course's lessons as one self-contained HTML file to read with no
 * signal. Images are inlined as data: URIs, the stylesheet is inlined, there is no JavaScript and no
 * font beyond the device's. GET /courses/:id/offline.pdf: the same lessons as an A4 PDF
 * (courses/offline_pdf.h). Only for learners enrolled in the course. Reading either offline records
 * nothing: progress is recorded when a lesson is next opened online (the course page says so).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courses/learn.h"
#include "courses/media.h"
#include "courses/offline_pdf.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "server/h_learn.h"
#include "server/packages.h"
#include "server/server.h"
#include "server/views.h"

/* The largest file made, and the largest image inlined; a larger image is left out (its alt text stays). */
#define OFFLINE_MAX_BYTES (24u * 1024 * 1024)
#define OFFLINE_MAX_IMAGE (4u * 1024 * 1024)

/* Appends an image blob as a data: URI; false (nothing appended) when it is missing or too large. */
static bool data_uri(struct req *r, struct buf *b, const char *sha, const char *ext, size_t room)
{
	const char *mime = media_type_for_ext(ext);
	struct media_blob blob;
	struct err e;
	if (!mime || !media_is_image(ext) || media_blob_find(r->db, sha, mime, &blob, &e) != 0)
		return false;
	size_t b64 = sodium_base64_ENCODED_LEN(blob.size, sodium_base64_VARIANT_ORIGINAL);
	if (blob.size > OFFLINE_MAX_IMAGE || b64 + 64 > room)
		return false;
	unsigned char *bytes = xmalloc(blob.size ? blob.size : 1);
	if (media_blob_read(&blob, 0, bytes, blob.size) < 0) {
		free(bytes);
		return false;
	}
	char *text = xmalloc(b64);
	sodium_bin2base64(text, b64, bytes, blob.size, sodium_base64_VARIANT_ORIGINAL);
	buf_printf(b, "data:%s;base64,", mime);
	buf_puts(b, text);
	free(text);
	free(bytes);
	return true;
}

/*
 * The lesson body with every src="/media/SHA.EXT" of an image replaced by the image itself. The body
 * is cmark's safe output made at import, so its media URLs have exactly this form.
 */
static void body_inline(struct req *r, struct buf *b, const char *html)
{
	static const char key[] = "src=\"/media/";
	const char *p = html;
	for (const char *hit; (hit = strstr(p, key));) {
		buf_add(b, p, (size_t)(hit - p));
		const char *name = hit + strlen(key), *end = strchr(name, '"');
		if (!end) {
			p = hit;
			break;
		}
		char sha[65], ext[8];
		char *n = arena_strndup(&r->arena, name, (size_t)(end - name));
		size_t room = OFFLINE_MAX_BYTES > b->len ? OFFLINE_MAX_BYTES - b->len : 0;
		buf_puts(b, "src=\"");
		if (media_name_parse(n, sha, ext) < 0 || !data_uri(r, b, sha, ext, room))
			buf_puts(b, "data:,"); /* not inlined: an empty image shows its alt text */
		buf_putc(b, '"');
		p = end + 1;
	}
	buf_puts(b, p);
}

/* An attachment's headers: the file name from the course id (only characters that need no quoting), no caching. */
static const char *download_headers(struct req *r, const char *course_id, const char *ext)
{
	char *fname = arena_strdup(&r->arena, course_id);
	for (char *q = fname; *q; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '-' ||
		      *q == '_' || *q == '.'))
			*q = '_';
	return arena_printf(&r->arena,
			    "Content-Disposition: attachment; filename=\"%s.%s\"\r\n"
			    "Cache-Control: private, no-store\r\n",
			    fname, ext);
}

/*
 * The course of an offline download and its outline, for an enrolled learner: 0, or the status of the
 * error page sent (404 no such course, 403 not enrolled).
 */
static int offline_course(struct req *r, struct learn_course *c, struct learn_item **items, size_t *n)
{
	if (learn_course_get(r->db, &r->arena, r->user->id, r->param[0], r->lang, c) < 0)
		return resp_error(r, 404, T(r, "No such course."));
	if (!c->enrolled)
		return resp_error(r, 403, T(r, "Enrol in this course to download it for reading offline."));
	*n = learn_outline(r->db, &r->arena, r->user->id, c->course_id, c->package_id, items);
	return 0;
}

int h_learn_offline(struct req *r)
{
	struct learn_course c;
	struct learn_item *items;
	size_t n;
	int status = offline_course(r, &c, &items, &n);
	if (status)
		return status;
	struct buf b = BUF_INIT;
	size_t css_len;
	const char *css = view_css(&css_len);
	buf_printf(&b,
		   "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>",
		   c.language);
	buf_html(&b, c.title);
	buf_puts(&b, "</title><style>");
	buf_add(&b, css, css_len);
	buf_puts(&b, "</style></head><body><main id=\"main\"><h1>");
	buf_html(&b, c.title);
	buf_printf(&b, "</h1><p class=\"meta\" lang=\"%s\">", r->lang);
	buf_html(&b, T(r, "Reading offline is not recorded: your progress is recorded when you next open each "
			  "lesson online."));
	buf_puts(&b, " ");
	view_date(r, &b, now_s());
	buf_printf(&b, "</p><nav aria-label=\"%s\"><ol class=\"outline\">", T(r, "Course outline"));
	for (size_t i = 0; i < n; i++) {
		bool quiz = strcmp(items[i].type, "quiz") == 0;
		buf_puts(&b, "<li>");
		if (!quiz)
			buf_printf(&b, "<a href=\"#item-%zu\">", i + 1);
		buf_html(&b, items[i].title);
		buf_puts(&b, quiz ? "" : "</a>");
		if (quiz)
			buf_printf(&b, " <span class=\"meta\" lang=\"%s\">(%s)</span>", r->lang,
				   T(r, "quiz: take it online"));
		buf_puts(&b, "</li>");
	}
	buf_puts(&b, "</ol></nav>");
	for (size_t i = 0; i < n; i++) {
		if (strcmp(items[i].type, "lesson") != 0)
			continue;
		buf_printf(&b, "<hr><article class=\"lesson\" id=\"item-%zu\">", i + 1);
		body_inline(r, &b, learn_lesson_html(r->db, &r->arena, c.package_id, items[i].path));
		buf_puts(&b, "</article>");
		if (b.len > OFFLINE_MAX_BYTES) {
			buf_release(&b);
			return resp_error(r, 413, T(r, "This course is too large to download as one file."));
		}
	}
	buf_puts(&b, "</main></body></html>");
	int rc = resp_send(r, 200, "text/html; charset=utf-8", b.data, b.len, download_headers(r, c.course_id, "html"));
	buf_release(&b);
	return rc;
}

int h_learn_offline_pdf(struct req *r)
{
	struct learn_course c;
	struct learn_item *items;
	size_t n;
	int status = offline_course(r, &c, &items, &n);
	if (status)
		return status;
	/* The learner's name as they read names: the Khmer one first in Khmer, with the Latin one beside it. */
	const struct user *u = r->user;
	const char *latin = u->full_name && *u->full_name ? u->full_name : u->username;
	const char *name = latin;
	if (u->full_name_km && *u->full_name_km)
		name = arena_printf(&r->arena, "%s (%s)", strcmp(r->lang, "km") == 0 ? u->full_name_km : latin,
				    strcmp(r->lang, "km") == 0 ? latin : u->full_name_km);
	struct buf date = BUF_INIT;
	view_date(r, &date, now_s());
	struct offline_pdf_text t = {
	    .course_title = c.title,
	    .language = c.language,
	    .ui_language = r->lang,
	    .learner = arena_printf(&r->arena, T(r, "Prepared for %s"), name),
	    .date = arena_strdup(&r->arena, buf_str(&date)),
	    .note = T(r, "Reading offline is not recorded: your progress is recorded when you next open each "
			 "lesson online."),
	    .outline = T(r, "Course outline"),
	    .quiz = arena_printf(&r->arena, "(%s)", T(r, "quiz: take it online")),
	    .page = T(r, "Page"),
	};
	buf_release(&date);
	struct buf b = BUF_INIT;
	struct err e;
	int got = offline_pdf(r->db, c.package_id, items, n, &t, &b, &e);
	if (got == ERR_LIMIT) {
		buf_release(&b);
		return resp_error(r, 413, T(r, "This course is too large to download as one file."));
	}
	if (got < 0) {
		buf_release(&b);
		log_msg(LOG_ERROR, "error", "offline PDF of %s: %s", c.course_id, e.msg);
		return resp_error(r, http_status_of(got),
				  T(r, "The PDF could not be made. Please try again in a moment."));
	}
	int rc = resp_send(r, 200, "application/pdf", b.data, b.len, download_headers(r, c.course_id, "pdf"));
	buf_release(&b);
	return rc;
}
