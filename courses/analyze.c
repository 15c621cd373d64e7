/*
 * Checking a loaded package: course.yml (libyaml), the listed files, every
 * file's type, size and encoding, links and images (while rendering), quiz
 * syntax (quiz_parse) and MANIFEST.sha256.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "assessment/quiz.h"
#include "courses/media.h"
#include "courses/package.h"
#include "courses/render.h"
#include "lib/i18n.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "lib/yaml_nesting.h"
#include "training/survey.h"

#define MANIFEST_FILE "course.yml"

int64_t pkg_version_num(const char *v)
{
	int64_t num = 0;
	const char *s = v;
	for (int part = 0; part < 3; part++) {
		if (*s < '0' || *s > '9')
			return -1;
		int64_t n = 0;
		int digits = 0;
		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (*s++ - '0');
			if (++digits > 4)
				return -1;
		}
		if (digits > 1 && s[-digits] == '0')
			return -1; /* no leading zeros */
		num = num * 10000 + n;
		if (part < 2 && *s++ != '.')
			return -1;
	}
	return *s ? -1 : num;
}

void pkg_info_free(struct pkg_info *info)
{
	free(info->id), free(info->version), free(info->language), free(info->title);
	free(info->summary), free(info->authors), free(info->certificate_title), free(info->survey);
	for (size_t i = 0; i < info->nitems; i++) {
		free(info->items[i].path), free(info->items[i].title);
		free(info->items[i].html), free(info->items[i].quiz_kind);
	}
	free(info->items);
	memset(info, 0, sizeof *info);
}

static bool id_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n > 63)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* A BCP 47 tag in the simple form Sala uses: 2-3 letter language, optional subtags. */
static bool lang_valid(const char *s)
{
	size_t i = 0;
	while (s[i] >= 'a' && s[i] <= 'z')
		i++;
	if (i < 2 || i > 3)
		return false;
	while (s[i] == '-') {
		size_t k = ++i;
		while ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9'))
			i++;
		if (i - k < 2 || i - k > 8)
			return false;
	}
	return i <= 35 && s[i] == '\0';
}

/* A relative, normalised package path. */
static bool relpath_valid(const char *s)
{
	if (!*s || *s == '/' || strchr(s, '\\') || strlen(s) > 512)
		return false;
	for (const char *c = s;;) {
		const char *end = strchr(c, '/');
		size_t cl = end ? (size_t)(end - c) : strlen(c);
		if (cl == 0 || (cl == 1 && c[0] == '.') || (cl == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!end)
			return true;
		c = end + 1;
	}
}

static int yline(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool parse_int(const char *s, int min, int max, int *out)
{
	if (!s || !*s)
		return false;
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < min || v > max)
		return false;
	*out = (int)v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	if (!s)
		return false;
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "True") || !strcmp(s, "on")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "False") || !strcmp(s, "off")) {
		*out = false;
		return true;
	}
	return false;
}

static void parse_items(yaml_document_t *doc, yaml_node_t *seq, struct pkg_info *info, int *item_lines,
			struct problems *pr)
{
	size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	info->items = xcalloc(n ? n : 1, sizeof *info->items);
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *m = yaml_document_get_node(doc, *it);
		if (!m || m->type != YAML_MAPPING_NODE ||
		    m->data.mapping.pairs.top - m->data.mapping.pairs.start != 1) {
			problem_add(pr, MANIFEST_FILE, m ? yline(m) : 1,
				    "each entry of 'lessons' must be 'file: PATH' or 'quiz: PATH'");
			continue;
		}
		yaml_node_pair_t *pair = m->data.mapping.pairs.start;
		const char *k = scalar(yaml_document_get_node(doc, pair->key));
		yaml_node_t *vn = yaml_document_get_node(doc, pair->value);
		const char *v = scalar(vn);
		bool quiz = k && !strcmp(k, "quiz");
		if (!k || (!quiz && strcmp(k, "file") != 0)) {
			problem_add(pr, MANIFEST_FILE, yline(m), "unknown lesson key '%s' (use 'file' or 'quiz')",
				    k ? k : "?");
			continue;
		}
		int line = yline(vn);
		if (!v || !relpath_valid(v)) {
			problem_add(pr, MANIFEST_FILE, line, "'%s' must be a relative path inside the package",
				    v ? v : "?");
			continue;
		}
		if (quiz ? !(str_ends(v, ".md") || str_ends(v, ".gift") || str_ends(v, ".xml")) : !str_ends(v, ".md")) {
			problem_add(pr, MANIFEST_FILE, line,
				    quiz ? "quiz '%s' must be a .md, .gift or .xml (Moodle XML) file"
					 : "lesson '%s' must be a .md file",
				    v);
			continue;
		}
		bool dup = false;
		for (size_t i = 0; i < info->nitems && !dup; i++)
			dup = strcmp(info->items[i].path, v) == 0;
		if (dup) {
			problem_add(pr, MANIFEST_FILE, line, "'%s' is listed twice", v);
			continue;
		}
		item_lines[info->nitems] = line;
		info->items[info->nitems++] = (struct pkg_item){.quiz = quiz, .path = xstrdup(v)};
	}
}

/*
 * One part of a completion rule ("all", "quizzes", "attendance") into *online (0 all, 1 quizzes)
 * and *attendance; false when the word is unknown or repeats a part already given.
 */
static bool completion_part(const char *w, size_t n, int *online, bool *attendance)
{
	if (n == 3 && !strncmp(w, "all", 3) && *online < 0)
		*online = 0;
	else if (n == 7 && !strncmp(w, "quizzes", 7) && *online < 0)
		*online = 1;
	else if (n == 10 && !strncmp(w, "attendance", 10) && !*attendance)
		*attendance = true;
	else
		return false;
	return true;
}

#define COMPLETION_HELP                                                                                                \
	"must be all, quizzes, attendance, all+attendance or quizzes+attendance (or a list such as [quizzes, "         \
	"attendance])"

/*
 * course.yml `completion:`: a scalar of parts joined by '+' ("quizzes+attendance") or a list of parts
 * ([quizzes, attendance]). Without a part, all (every lesson and final quiz) is the online rule.
 */
static void parse_completion(yaml_document_t *doc, yaml_node_t *vn, struct pkg_info *info, struct problems *pr)
{
	int online = -1, line = yline(vn);
	bool attendance = false, ok = true, any = false;
	if (vn->type == YAML_SCALAR_NODE) {
		const char *v = (const char *)vn->data.scalar.value;
		for (const char *w = v; ok;) {
			const char *end = strchr(w, '+');
			size_t n = end ? (size_t)(end - w) : strlen(w);
			ok = completion_part(w, n, &online, &attendance);
			any = true;
			if (!end)
				break;
			w = end + 1;
		}
		if (!ok)
			problem_add(pr, MANIFEST_FILE, line, "completion '%s' " COMPLETION_HELP, v);
	} else if (vn->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = vn->data.sequence.items.start; ok && it < vn->data.sequence.items.top;
		     it++) {
			yaml_node_t *n = yaml_document_get_node(doc, *it);
			const char *w = scalar(n);
			ok = w && completion_part(w, strlen(w), &online, &attendance);
			any = true;
			if (!ok)
				problem_add(pr, MANIFEST_FILE, n ? yline(n) : line,
					    "completion part '%s' " COMPLETION_HELP, w ? w : "?");
		}
	} else {
		ok = false;
		problem_add(pr, MANIFEST_FILE, line, "completion " COMPLETION_HELP);
	}
	if (ok && !any)
		problem_add(pr, MANIFEST_FILE, line, "completion " COMPLETION_HELP);
	info->completion_quizzes = online == 1;
	info->completion_attendance = attendance;
	/* Attendance alone asks nothing online; no part (an error) keeps the default. */
	info->completion_online = !(attendance && online < 0);
}

static int manifest_parse(const char *data, size_t len, struct pkg_info *info, int **item_lines, int *survey_line,
			  struct problems *pr)
{
	int before = pr->n;
	yaml_parser_t parser;
	yaml_document_t doc;
	memset(info, 0, sizeof *info);
	info->pass_mark = 70;
	info->certificate = true;
	info->completion_online = true;
	int deep_line, lessons_line = 1, days_line = 0;
	if (yaml_nesting_check(data, len, YAML_MAX_NESTING, &deep_line) < 0) {
		problem_add(pr, MANIFEST_FILE, deep_line, "lists and mappings are nested more than %d levels deep",
			    YAML_MAX_NESTING);
		return pr->n - before;
	}
	if (!yaml_parser_initialize(&parser)) {
		problem_add(pr, MANIFEST_FILE, 0, "cannot read: not enough memory");
		return pr->n - before;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		/* A scanner error with a context (an unclosed quote or bracket) is reported at the end of the
		 * input; where it started (the context mark) is the line the author must fix. */
		bool started = parser.error == YAML_SCANNER_ERROR && parser.context;
		problem_add(pr, MANIFEST_FILE, (int)(started ? parser.context_mark.line : parser.problem_mark.line) + 1,
			    "YAML error: %s%s%s", started ? parser.context : "", started ? ": " : "",
			    parser.error == YAML_MEMORY_ERROR ? "not enough memory"
			    : parser.problem		      ? parser.problem
							      : "cannot parse");
		yaml_parser_delete(&parser);
		return pr->n - before;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root || root->type != YAML_MAPPING_NODE) {
		problem_add(pr, MANIFEST_FILE, 1, "must be a mapping of 'key: value' lines");
		goto done;
	}
	static const char *const keys[] = {
	    "id",	  "version",	     "language", "title",	"summary",	     "authors",
	    "minutes",	  "pass_mark",	     "lessons",	 "certificate", "certificate_title", "certificate_valid_years",
	    "completion", "attendance_days", "survey"};
	int seen[sizeof keys / sizeof keys[0]] = {0};
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(&doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(&doc, p->value);
		const char *k = scalar(kn), *v = scalar(vn);
		int line = yline(kn);
		size_t ki = 0;
		while (ki < sizeof keys / sizeof keys[0] && (!k || strcmp(keys[ki], k) != 0))
			ki++;
		if (ki == sizeof keys / sizeof keys[0]) {
			problem_add(pr, MANIFEST_FILE, line, "unknown key '%s'", k ? k : "?");
			continue;
		}
		if (seen[ki]++) {
			problem_add(pr, MANIFEST_FILE, line, "'%s' is given twice", k);
			continue;
		}
		if (!strcmp(k, "lessons")) {
			if (vn->type != YAML_SEQUENCE_NODE) {
				problem_add(pr, MANIFEST_FILE, line, "'lessons' must be a list");
				continue;
			}
			size_t n = (size_t)(vn->data.sequence.items.top - vn->data.sequence.items.start);
			*item_lines = xcalloc(n ? n : 1, sizeof **item_lines);
			lessons_line = yline(vn);
			parse_items(&doc, vn, info, *item_lines, pr);
			continue;
		}
		if (!strcmp(k, "completion")) {
			parse_completion(&doc, vn, info, pr);
			continue;
		}
		if (!strcmp(k, "authors")) {
			struct buf b = BUF_INIT;
			if (vn->type == YAML_SEQUENCE_NODE) {
				for (yaml_node_item_t *it = vn->data.sequence.items.start;
				     it < vn->data.sequence.items.top; it++) {
					const char *a = scalar(yaml_document_get_node(&doc, *it));
					if (!a) {
						problem_add(pr, MANIFEST_FILE, line,
							    "'authors' must be a list of names");
						break;
					}
					buf_printf(&b, "%s%s", b.len ? ", " : "", a);
				}
			} else if (v) {
				buf_puts(&b, v);
			} else {
				problem_add(pr, MANIFEST_FILE, line, "'authors' must be a list of names");
			}
			info->authors = buf_detach(&b, NULL);
			continue;
		}
		if (!v) {
			problem_add(pr, MANIFEST_FILE, line, "'%s' must be a single value", k);
			continue;
		}
		int vline = yline(vn);
		if (!strcmp(k, "id")) {
			if (!id_valid(v))
				problem_add(pr, MANIFEST_FILE, vline,
					    "id '%s' must be 2-63 lower-case letters, digits or '-', starting with a "
					    "letter or digit",
					    v);
			info->id = xstrdup(v);
		} else if (!strcmp(k, "version")) {
			info->version_num = pkg_version_num(v);
			if (info->version_num < 0)
				problem_add(pr, MANIFEST_FILE, vline,
					    "version '%s' must be MAJOR.MINOR.PATCH, e.g. 1.2.0", v);
			info->version = xstrdup(v);
		} else if (!strcmp(k, "language")) {
			if (!lang_valid(v))
				problem_add(pr, MANIFEST_FILE, vline,
					    "language '%s' must be a language tag such as en or km", v);
			else if (!i18n_known(v))
				problem_add(pr, MANIFEST_FILE, vline,
					    "language '%s' is not one Sala serves: use en or km", v);
			info->language = xstrdup(v);
		} else if (!strcmp(k, "title")) {
			if (!*v || strlen(v) > 300)
				problem_add(pr, MANIFEST_FILE, vline, "title must be 1 to 300 bytes");
			info->title = xstrdup(v);
		} else if (!strcmp(k, "summary")) {
			if (strlen(v) > 4000)
				problem_add(pr, MANIFEST_FILE, vline, "summary is longer than 4000 bytes");
			info->summary = xstrdup(v);
		} else if (!strcmp(k, "certificate_title")) {
			info->certificate_title = xstrdup(v);
		} else if (!strcmp(k, "minutes")) {
			if (!parse_int(v, 0, 100000, &info->minutes))
				problem_add(pr, MANIFEST_FILE, vline, "minutes '%s' must be a whole number", v);
		} else if (!strcmp(k, "pass_mark")) {
			if (!parse_int(v, 0, 100, &info->pass_mark))
				problem_add(pr, MANIFEST_FILE, vline, "pass_mark '%s' must be a number from 0 to 100",
					    v);
		} else if (!strcmp(k, "certificate")) {
			if (!parse_bool(v, &info->certificate))
				problem_add(pr, MANIFEST_FILE, vline, "certificate '%s' must be true or false", v);
		} else if (!strcmp(k, "certificate_valid_years")) {
			if (!parse_int(v, 1, CERT_VALID_YEARS_MAX, &info->certificate_valid_years))
				problem_add(pr, MANIFEST_FILE, vline,
					    "certificate_valid_years '%s' must be a whole number of years from 1 to %d "
					    "(leave it out for certificates that do not expire)",
					    v, CERT_VALID_YEARS_MAX);
		} else if (!strcmp(k, "attendance_days")) {
			days_line = vline;
			if (!parse_int(v, 1, PKG_ATTENDANCE_DAYS_MAX, &info->attendance_days))
				problem_add(pr, MANIFEST_FILE, vline,
					    "attendance_days '%s' must be a whole number of days from 1 to %d", v,
					    PKG_ATTENDANCE_DAYS_MAX);
		} else if (!strcmp(k, "survey")) {
			if (!relpath_valid(v) || !str_ends(v, ".md"))
				problem_add(pr, MANIFEST_FILE, vline,
					    "survey '%s' must be the path of a .md file inside the package", v);
			else
				info->survey = xstrdup(v);
			*survey_line = vline;
		}
	}
	if (days_line && !info->completion_attendance)
		problem_add(pr, MANIFEST_FILE, days_line,
			    "attendance_days needs attendance in completion (e.g. completion: attendance)");
	/* A workshop-only course (completion: attendance) may have no lesson at all. */
	bool lessons_needed = info->completion_online;
	static const char *const required[] = {"id", "version", "language", "title", "lessons"};
	for (size_t r = 0; r < sizeof required / sizeof required[0]; r++) {
		size_t ki = 0;
		while (strcmp(keys[ki], required[r]) != 0)
			ki++;
		if (!seen[ki] && (lessons_needed || strcmp(required[r], "lessons") != 0))
			problem_add(pr, MANIFEST_FILE, 1, "missing required key '%s'", required[r]);
	}
	if (seen[8] && !info->nitems && lessons_needed)
		problem_add(pr, MANIFEST_FILE, lessons_line, "'lessons' lists no lesson or quiz");
done:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return pr->n - before;
}

int pkg_manifest_parse(const char *data, size_t len, struct pkg_info *info, struct problems *pr)
{
	int *lines = NULL, survey_line = 0;
	int n = manifest_parse(data, len, info, &lines, &survey_line, pr);
	free(lines);
	return n;
}

/* Line of the first invalid UTF-8 sequence, or 0 when data is valid. */
static int utf8_bad_line(const unsigned char *data, size_t len)
{
	if (utf8_valid((const char *)data, len))
		return 0;
	int line = 1;
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || data[i] == '\n') {
			if (!utf8_valid((const char *)data + start, i - start))
				return line;
			line++;
			start = i + 1;
		}
	}
	return line;
}

static void check_manifest_sums(const struct package *p, struct problems *pr)
{
	const struct pkg_file *m = pkg_find(p, "MANIFEST.sha256");
	if (!m)
		return;
	const char *name = "MANIFEST.sha256";
	size_t listed = 0;
	int line = 0;
	const char *s = (const char *)m->data, *end = s + m->len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		line++;
		if (n && s[n - 1] == '\r')
			n--;
		if (n) {
			char path[600];
			if (n < 67 || n - 66 >= sizeof path || s[64] != ' ' || (s[65] != ' ' && s[65] != '*')) {
				problem_add(pr, name, line, "not a sha256sum line");
			} else {
				memcpy(path, s + 66, n - 66);
				path[n - 66] = '\0';
				char *rel = path;
				while (rel[0] == '.' && rel[1] == '/')
					rel += 2;
				const struct pkg_file *f = pkg_find(p, rel);
				char hex[65];
				if (!f) {
					problem_add(pr, name, line, "'%s' is listed but not in the package", rel);
				} else {
					listed++;
					sha256_hex(f->data, f->len, hex);
					if (strncasecmp(hex, s, 64) != 0)
						problem_add(pr, name, line, "checksum of '%s' does not match", rel);
				}
			}
		}
		s += (nl ? (size_t)(nl - s) + 1 : n);
		if (!nl)
			break;
	}
	if (listed != p->nfiles - 1)
		problem_add(pr, name, 1, "lists %zu files but the package has %zu", listed, p->nfiles - 1);
}

/* The state lessons are rendered with: what each path of the package links to. */
struct resolver {
	const struct package *p;
	const struct pkg_info *info;
};

static int resolve(void *ctx, const char *path, struct render_target *t)
{
	struct resolver *rs = ctx;
	for (size_t i = 0; i < rs->info->nitems; i++) {
		if (strcmp(rs->info->items[i].path, path) == 0) {
			snprintf(t->url, sizeof t->url, "/courses/%s/%s/%s", rs->info->id ? rs->info->id : "x",
				 rs->info->items[i].quiz ? "quizzes" : "lessons", path);
			return strlen(t->url) + 1 < sizeof t->url ? 0 : -1;
		}
	}
	const struct pkg_file *f = pkg_find(rs->p, path);
	char ext[8];
	if (!f)
		return ERR_NOTFOUND;
	if (!media_type_for_ext(media_ext(path, ext)))
		return ERR_INVALID;
	char hex[65];
	sha256_hex(f->data, f->len, hex);
	snprintf(t->url, sizeof t->url, "/media/%s.%s", hex, ext);
	if (media_is_image(ext)) {
		t->image = 1;
		if (media_image_size(ext, f->data, f->len, &t->width, &t->height) < 0)
			t->width = t->height = 0;
	}
	return 0;
}

static void check_files(struct package *p, const struct pkg_limits *lim, int flags, struct problems *pr)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		struct pkg_file *f = &p->files[i];
		char ext[8];
		media_ext(f->path, ext);
		/* xml: Moodle XML quizzes */
		bool text = !strcmp(ext, "md") || !strcmp(ext, "gift") || !strcmp(ext, "xml");
		if (!strcmp(f->path, MANIFEST_FILE) || !strcmp(f->path, "MANIFEST.sha256"))
			text = true;
		if (text) {
			char sz[32];
			int bad = utf8_bad_line(f->data, f->len);
			if (bad)
				problem_add(pr, f->path, bad, "not valid UTF-8 text");
			if (f->len > lim->max_markdown_bytes)
				problem_add(pr, f->path, 1, "larger than %s",
					    pkg_size_text(lim->max_markdown_bytes, sz));
			continue;
		}
		if (!media_type_for_ext(ext)) {
			problem_add(
			    pr, f->path, 1,
			    "file type '%s' is not accepted (png, jpg, gif, webp, mp3, ogg, m4a, mp4, webm, pdf)",
			    *ext ? ext : "(none)");
			continue;
		}
		if (!media_magic_ok(ext, f->data, f->len)) {
			problem_add(pr, f->path, 1, "content is not a %s file", ext);
			continue;
		}
		if (!media_is_image(ext))
			continue;
		int w, h;
		if (media_image_size(ext, f->data, f->len, &w, &h) < 0) {
			problem_add(pr, f->path, 1, "cannot read the image dimensions");
			continue;
		}
		if ((uint64_t)w * (uint64_t)h > lim->max_pixels) {
			problem_add(pr, f->path, 1, "image is %dx%d, more than %llu megapixels", w, h,
				    (unsigned long long)(lim->max_pixels / 1000000));
			continue;
		}
		if (!(flags & PKG_FOR_IMPORT) || w <= lim->max_width)
			continue;
		unsigned char *out;
		size_t outlen;
		struct err e;
		int r = media_downscale(ext, f->data, f->len, lim->max_width, lim->max_pixels, &out, &outlen, &e);
		if (r < 0) {
			problem_add(pr, f->path, 1, "%s", e.msg);
		} else if (r > 0) {
			p->total = p->total - f->len + outlen;
			free(f->data);
			f->data = out;
			f->len = outlen;
		}
	}
}

static const char *kind_name(enum quiz_kind k)
{
	return k == QUIZ_PRACTICE ? "practice" : k == QUIZ_PRETEST ? "pretest" : "final";
}

/*
 * The images embedded in a Moodle XML quiz, as package files beside it
 * ("quizzes/bank.xml.media/SHA256.EXT"): the quiz's HTML names them
 * /media/SHA256.EXT, which serves a package file by its content.
 */
static void add_quiz_media(struct package *p, const char *quiz_path, struct quiz *q)
{
	for (size_t i = 0; i < q->nfiles; i++) {
		struct quiz_file *qf = &q->files[i];
		if (!qf->data)
			continue;
		char *path = xasprintf("%s.media/%s.%s", quiz_path, qf->sha256, qf->ext);
		pkg_file_insert(p, path, qf->data, qf->len);
		qf->data = NULL;
		free(path);
	}
}

static void analyze_quiz(struct package *p, int flags, const struct pkg_file *f, struct pkg_item *it,
			 struct pkg_info *info, struct problems *pr)
{
	struct quiz q;
	/* Questions left out (unsupported types) are warnings in pr: the rest is imported. */
	struct quiz_opts o = {.pr = pr, .keep_files = (flags & PKG_FOR_IMPORT) != 0};
	int n = quiz_parse_opts(f->path, (const char *)f->data, f->len, &q, &o);
	it->questions = (int)q.nquestions;
	info->nquestions += it->questions;
	it->quiz_kind = xstrdup(kind_name(q.kind));
	if (q.title && *q.title) {
		it->title = xstrdup(q.title);
	} else {
		const char *base = strrchr(f->path, '/');
		it->title = xstrdup(base ? base + 1 : f->path);
	}
	sha256_hex(f->data, f->len, it->etag);
	char *path = xstrdup(f->path); /* f moves when a file is inserted */
	if (n == 0)
		add_quiz_media(p, path, &q);
	free(path);
	quiz_free(&q);
}

int pkg_analyze(struct package *p, const struct pkg_limits *lim, int flags, struct pkg_info *info, struct problems *pr)
{
	int before = pr->n;
	memset(info, 0, sizeof *info);
	const struct pkg_file *mf = pkg_find(p, MANIFEST_FILE);
	if (!mf) {
		problem_add(pr, MANIFEST_FILE, 1, "not found at the root of the package");
		return pr->n - before;
	}
	check_manifest_sums(p, pr); /* before any image is downscaled */
	check_files(p, lim, flags, pr);
	if (mf->len > lim->max_markdown_bytes || !utf8_valid((const char *)mf->data, mf->len))
		return pr->n - before;
	int *lines = NULL, survey_line = 0;
	manifest_parse((const char *)mf->data, mf->len, info, &lines, &survey_line, pr);
	if (info->survey) {
		const struct pkg_file *sf = pkg_find(p, info->survey);
		struct survey_def def;
		if (!sf)
			problem_add(pr, MANIFEST_FILE, survey_line, "survey '%s' not found", info->survey);
		else if (sf->len <= lim->max_markdown_bytes && utf8_valid((const char *)sf->data, sf->len)) {
			survey_parse(sf->path, (const char *)sf->data, sf->len, &def, pr);
			survey_def_free(&def);
		}
	}
	struct resolver rs = {p, info};
	for (size_t i = 0; i < info->nitems; i++) {
		struct pkg_item *it = &info->items[i];
		const struct pkg_file *f = pkg_find(p, it->path);
		if (it->quiz)
			info->nquizzes++;
		else
			info->nlessons++;
		if (!f) {
			problem_add(pr, MANIFEST_FILE, lines[i], "file '%s' not found", it->path);
			continue;
		}
		if (f->len > lim->max_markdown_bytes || !utf8_valid((const char *)f->data, f->len))
			continue; /* already reported */
		if (it->quiz) {
			analyze_quiz(p, flags, f, it, info, pr);
			continue;
		}
		struct render_opts o = {.file = it->path, .resolve = resolve, .ctx = &rs, .pr = pr};
		struct buf html = BUF_INIT;
		render_lesson((const char *)f->data, f->len, &o, &html, &it->title);
		if (!it->title) {
			problem_add(pr, it->path, 1, "no '# ' heading to use as the lesson title");
			it->title = xstrdup(it->path);
		}
		it->html = buf_detach(&html, NULL);
		if (!it->html)
			it->html = xstrdup("");
		sha256_hex(it->html, strlen(it->html), it->etag);
	}
	free(lines);
	return pr->n - before;
}
