/*
 * Unit tests for courses/: manifest errors with line numbers, link checks,
 * render safety, hostile archives (each refused with the database unchanged),
 * import versions, downscaling and the reproducible zip.
 */
/* cmocka needs these first, in this order. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <archive.h>
#include <archive_entry.h>
#include <gd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "accounts/orgs.h"
#include "accounts/users.h"
#include "assessment/completion.h"
#include "courses/enrol.h"
#include "courses/history.h"
#include "courses/import.h"
#include "courses/learn.h"
#include "courses/listing.h"
#include "courses/media.h"
#include "courses/package.h"
#include "courses/render.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/db.h"
#include "lib/util.h"
#include "lib/xmalloc.h"

#define GOOD "../data/courses/good"
#define BAD "../data/courses/bad"

/* ---- helpers ---- */

static int setup(void **state)
{
	struct err e;
	struct db *db = db_open(":memory:", &e);
	assert_non_null(db);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

/* SHA-256 over every row of every table: proves "nothing changed". */
static void db_hash(struct db *db, char out[65])
{
	struct buf all = BUF_INIT;
	struct db_stmt *t;
	assert_non_null(t = db_prepare(db, "SELECT name, (SELECT count(*) FROM pragma_table_info(m.name)) "
					   "FROM sqlite_master m WHERE type = 'table' ORDER BY name"));
	while (db_step(t) == DB_ROW) {
		/* Ordered by every column: the same rows give the same text. */
		struct buf order = BUF_INIT;
		for (int c = 1; c <= db_col_int(t, 1); c++)
			buf_printf(&order, "%s%d", c > 1 ? ", " : "", c);
		char *sql = xasprintf("SELECT * FROM \"%s\" ORDER BY %s", db_col_text(t, 0), buf_str(&order));
		buf_release(&order);
		struct db_stmt *st;
		assert_non_null(st = db_prepare(db, sql));
		buf_printf(&all, "[%s]", sql);
		while (db_step(st) == DB_ROW)
			for (int c = 0; c < db_col_count(st); c++) {
				const void *v = db_col_blob(st, c);
				buf_printf(&all, "|%d:", db_col_bytes(st, c));
				if (v)
					buf_add(&all, v, (size_t)db_col_bytes(st, c));
			}
		db_finish(st);
		free(sql);
	}
	db_finish(t);
	sha256_hex(all.data, all.len, out);
	buf_release(&all);
}

struct entry {
	const char *path;
	int type; /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, AE_IFIFO; 1 = hard link */
	const void *data;
	size_t len;
	const char *link;
};

static la_ssize_t buf_writer(struct archive *a, void *ctx, const void *data, size_t len)
{
	(void)a;
	buf_add(ctx, data, len);
	return (la_ssize_t)len;
}

/* Builds an archive in memory: format "zip", "tar" or "tgz". */
static void build_archive(const char *format, const struct entry *ents, size_t n, struct buf *out)
{
	struct archive *a = archive_write_new();
	if (!strcmp(format, "zip")) {
		archive_write_set_format_zip(a);
		archive_write_set_options(a, "zip:compression=deflate");
	} else {
		archive_write_set_format_pax_restricted(a);
		if (!strcmp(format, "tgz"))
			archive_write_add_filter_gzip(a);
	}
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open(a, out, NULL, buf_writer, NULL), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_copy_pathname(e, ents[i].path);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_mtime(e, 1577836800, 0);
		if (ents[i].type == 1) {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_copy_hardlink(e, ents[i].link);
		} else {
			archive_entry_set_filetype(e, (unsigned)ents[i].type);
		}
		if (ents[i].type == AE_IFLNK)
			archive_entry_copy_symlink(e, ents[i].link);
		if (ents[i].type == AE_IFREG)
			archive_entry_set_size(e, (la_int64_t)ents[i].len);
		archive_write_header(a, e);
		if (ents[i].type == AE_IFREG && ents[i].len)
			archive_write_data(a, ents[i].data, ents[i].len);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
}

/* The good fixture package as entries (borrowed from p). */
static size_t good_entries(struct package *p, struct entry *ents, const char *prefix)
{
	static char names[32][256];
	struct pkg_limits lim;
	struct err e;
	pkg_limits_default(&lim);
	assert_int_equal(pkg_load_dir(GOOD, &lim, p, &e), 0);
	for (size_t i = 0; i < p->nfiles; i++) {
		snprintf(names[i], sizeof names[i], "%s%s", prefix, p->files[i].path);
		ents[i] = (struct entry){names[i], AE_IFREG, p->files[i].data, p->files[i].len, NULL};
	}
	return p->nfiles;
}

static int import_mem(struct db *db, const struct buf *arc, const struct pkg_limits *lim, bool force, struct err *e,
		      struct problems *pr)
{
	struct package p;
	if (pkg_load_archive(arc->data, arc->len, lim, &p, e) < 0)
		return -1;
	struct import_opts o = {.force = force, .by = "test", .lim = lim};
	char msg[512];
	int rc = package_import(db, &p, &o, pr, msg, sizeof msg, e);
	pkg_free(&p);
	return rc;
}

/* ---- manifest ---- */

static const struct {
	const char *yaml;
	const char *want; /* a line of the problems */
} manifest_cases[] = {
    {"version: 1.0.0\nlanguage: en\ntitle: T\nlessons:\n  - file: a.md\n", "course.yml:1: missing required key 'id'"},
    {"id: ok-id\nversion: 1.0\nlanguage: en\ntitle: T\nlessons:\n  - file: a.md\n",
     "course.yml:2: version '1.0' must be MAJOR.MINOR.PATCH"},
    {"id: A_B\nversion: 1.0.0\nlanguage: en\ntitle: T\nlessons:\n  - file: a.md\n", "course.yml:1: id 'A_B' must be"},
    {"id: ok-id\nversion: 1.0.0\nlanguage: English\ntitle: T\nlessons:\n  - file: a.md\n",
     "course.yml:3: language 'English' must be"},
    {"id: ok-id\nversion: 1.0.0\nlanguage: en\ntitle: T\ncolour: red\nlessons:\n  - file: a.md\n",
     "course.yml:5: unknown key 'colour'"},
    {"id: ok-id\nversion: 1.0.0\nlanguage: en\ntitle: T\npass_mark: 120\nlessons:\n  - file: a.md\n",
     "course.yml:5: pass_mark '120' must be a number from 0 to 100"},
    {"id: ok-id\nversion: 1.0.0\nlanguage: en\ntitle: T\ncompletion: some\nlessons:\n  - file: a.md\n",
     "course.yml:5: completion 'some' must be all, quizzes, attendance, all+attendance or quizzes+attendance (or a "
     "list such as [quizzes, attendance])"},
    {"id: ok-id\nversion: 1.0.0\nlanguage: en\ntitle: T\nlessons:\n  - file: a.md\n  - file: ../b.md\n",
     "course.yml:7: '../b.md' must be a relative path inside the package"},
    {"id: ok-id\nversion: 1.0.0\nlanguage: en\ntitle: T\nlessons:\n  - file: a.md\n  - file: a.md\n",
     "course.yml:7: 'a.md' is listed twice"},
    {"id: ok-id\nversion: 1.0.0\nlanguage: en\ntitle: T\nlessons:\n  - video: a.mp4\n",
     "course.yml:6: unknown lesson key 'video'"},
    {"id: ok-id\nversion: 1.0.0\nlanguage: en\ntitle: T\nlessons:\n  - quiz: q.txt\n",
     "course.yml:6: quiz 'q.txt' must be a .md, .gift or .xml (Moodle XML) file"},
    {"id: ok-id\nid: other\nversion: 1.0.0\nlanguage: en\ntitle: T\nlessons:\n  - file: a.md\n",
     "course.yml:2: 'id' is given twice"},
    {"id: ok-id\nversion: 1.0.0\nlanguage: en\ntitle: T\ncertificate_valid_years: two\nlessons:\n  - file: a.md\n",
     "course.yml:5: certificate_valid_years 'two' must be a whole number of years from 1 to 50"},
    {"id: ok-id\nversion: 1.0.0\nlanguage: en\ntitle: T\nlessons:\n  - file: a.md\ncertificate_valid_years: 0\n",
     "course.yml:7: certificate_valid_years '0' must be a whole number of years from 1 to 50"},
    {"id: ok-id\nversion: 1.0.0\nlanguage: en\ntitle: T\ncertificate_valid_years: 1.5\nlessons:\n  - file: a.md\n",
     "course.yml:5: certificate_valid_years '1.5' must be"},
    {"id: ok-id\nversion: 1.0.0\nlanguage: en\ntitle: T\ncertificate_valid_years: 51\nlessons:\n  - file: a.md\n",
     "course.yml:5: certificate_valid_years '51' must be"},
    {"id: ok-id\nversion: 1.0.0\nlanguage: en\ntitle: T\ncertificate_valid_years: [2]\nlessons:\n  - file: a.md\n",
     "course.yml:5: 'certificate_valid_years' must be a single value"},
    {"id: [unclosed\n", "course.yml:2: YAML error"},
    {"- just\n- a list\n", "course.yml:1: must be a mapping"},
};

static void test_manifest_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof manifest_cases / sizeof manifest_cases[0]; i++) {
		struct pkg_info info;
		struct problems pr = {0};
		int n = pkg_manifest_parse(manifest_cases[i].yaml, strlen(manifest_cases[i].yaml), &info, &pr);
		if (n == 0 || !strstr(buf_str(&pr.text), manifest_cases[i].want))
			fail_msg("case %zu: want '%s', got '%s'", i, manifest_cases[i].want, buf_str(&pr.text));
		pkg_info_free(&info);
		problems_release(&pr);
	}
}

static void test_manifest_ok(void **state)
{
	(void)state;
	const char *y = "id: ok-id\nversion: 1.12.3\nlanguage: km\ntitle: T\nauthors: [A, B]\nminutes: 5\n"
			"certificate: false\ncompletion: quizzes\nlessons:\n  - file: a.md\n  - quiz: q.gift\n";
	struct pkg_info info;
	struct problems pr = {0};
	assert_int_equal(pkg_manifest_parse(y, strlen(y), &info, &pr), 0);
	assert_string_equal(info.id, "ok-id");
	assert_string_equal(info.authors, "A, B");
	assert_int_equal(info.version_num, pkg_version_num("1.12.3"));
	assert_true(pkg_version_num("1.12.3") > pkg_version_num("1.9.9"));
	assert_int_equal(pkg_version_num("1.2"), -1);
	assert_int_equal(info.nitems, 2);
	assert_true(info.items[1].quiz);
	assert_false(info.certificate);
	assert_true(info.completion_quizzes);
	assert_int_equal(info.certificate_valid_years, 0); /* absent: certificates do not expire */
	pkg_info_free(&info);
	problems_release(&pr);
	const char *v = "id: ok-id\nversion: 1.0.0\nlanguage: en\ntitle: T\ncertificate_valid_years: 3\n"
			"lessons:\n  - file: a.md\n";
	struct pkg_info vi;
	struct problems vp = {0};
	assert_int_equal(pkg_manifest_parse(v, strlen(v), &vi, &vp), 0);
	assert_int_equal(vi.certificate_valid_years, 3);
	pkg_info_free(&vi);
	problems_release(&vp);
}

/* ---- links and rendering ---- */

static int fake_resolve(void *ctx, const char *path, struct render_target *t)
{
	(void)ctx;
	if (!strcmp(path, "lessons/b.md")) {
		snprintf(t->url, sizeof t->url, "/courses/c/lessons/lessons/b.md");
		return 0;
	}
	if (!strcmp(path, "media/p.png")) {
		snprintf(t->url, sizeof t->url, "/media/%064d.png", 0);
		t->image = 1, t->width = 640, t->height = 480;
		return 0;
	}
	if (!strcmp(path, "notes.txt"))
		return ERR_INVALID;
	return ERR_NOTFOUND;
}

static char *render(const char *md, struct problems *pr)
{
	struct render_opts o = {.file = "lessons/a.md", .resolve = fake_resolve, .pr = pr};
	struct buf html = BUF_INIT;
	char *title;
	render_lesson(md, strlen(md), &o, &html, &title);
	free(title);
	return buf_detach(&html, NULL);
}

static const struct {
	const char *md, *problem;
} link_cases[] = {
    {"# A\n\ntext\n\n[x](missing.md)\n", "lessons/a.md:5: link target 'missing.md' not found"},
    {"# A\n\n[x](../notes.txt)\n", "lessons/a.md:3: link target '../notes.txt' is not a lesson"},
    {"# A\n\n![x](b.md)\n", "lessons/a.md:3: image 'b.md' is not an image file"},
    {"# A\n\n![x](https://example.org/a.png)\n", "lessons/a.md:3: image 'https://example.org/a.png' must be a file"},
    {"# A\n\n[x](/etc/passwd)\n", "lessons/a.md:3: link target '/etc/passwd' must be a relative path"},
    {"# A\n\n[x](../../../etc/passwd)\n", "lessons/a.md:3: link target '../../../etc/passwd' not found"},
};

static void test_link_checks(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof link_cases / sizeof link_cases[0]; i++) {
		struct problems pr = {0};
		free(render(link_cases[i].md, &pr));
		if (!strstr(buf_str(&pr.text), link_cases[i].problem))
			fail_msg("case %zu: want '%s', got '%s'", i, link_cases[i].problem, buf_str(&pr.text));
		problems_release(&pr);
	}
	struct problems pr = {0};
	/* Dangerous schemes are removed with a warning, not refused. */
	free(render("# A\n\nfirst line\nsecond [x](javascript:alert(1)) line\n\n![i](javascript:x)\n", &pr));
	assert_int_equal(pr.n, 0);
	assert_int_equal(pr.nwarnings, 2);
	assert_non_null(
	    strstr(buf_str(&pr.warnings), "lessons/a.md:4: warning: link 'javascript:alert(1)' uses a scheme"));
	problems_release(&pr);
	char *h = render("# A\n\n[ok](b.md#part) ![p](../media/p.png) [web](https://example.org) [top](#a)\n", &pr);
	assert_int_equal(pr.n, 0);
	assert_non_null(strstr(h, "href=\"/courses/c/lessons/lessons/b.md#part\""));
	free(h);
	problems_release(&pr);
}

static const struct {
	const char *md;
	const char *must, *must_not;
} render_cases[] = {
    {"# T\n\n<script>alert(1)</script>\n", NULL, "<script"},
    {"# T\n\nhello <img src=x onerror=alert(1)> there\n", NULL, "onerror"},
    {"# T\n\n<div onclick=\"x()\">raw</div>\n", NULL, "<div"},
    {"# T\n\n[click](javascript:alert(1))\n", NULL, "javascript:"},
    {"# T\n\n[click](JaVaScRiPt:alert(1))\n", NULL, "alert(1)"},
    {"# T\n\n[d](data:text/html;base64,PHNjcmlwdD4=)\n", NULL, "data:text"},
    {"# T\n\n<a href=\"javascript:x\">a</a>\n", NULL, "javascript"},
    {"# T\n\n![p](../media/p.png)\n", "loading=\"lazy\" width=\"640\" height=\"480\"", NULL},
    {"# T\n\n[w](https://example.org/x)\n", "href=\"https://example.org/x\" rel=\"noopener noreferrer\"", "target="},
    {"# The Title\n\n## Part One\n\n## Part One\n", "<h2 id=\"part-one-2\">", NULL},
    {"# The Title\n", "<h1 id=\"the-title\">The Title</h1>", NULL},
    {"# T\n\n`<b>code</b>` and\n\n    <h2>block</h2>\n", "&lt;h2&gt;block", "<b>"},
    /* GitHub's pipe tables (cmark-gfm's table extension), in a region that scrolls on a phone; cells stay safe. */
    {"# T\n\n| Service | Fee |\n|---|--:|\n| Birth | 4,000 |\n",
     "<div class=\"table-scroll\" tabindex=\"0\"><table>\n<thead>\n<tr>\n<th>Service</th>\n<th "
     "align=\"right\">Fee</th>",
     "| Service"},
    {"# T\n\n| a | b |\n|---|---|\n| <script>x</script> | [c](javascript:alert(1)) |\n", "<td>", "<script"},
    {"# T\n\n| a | b |\n|---|---|\n| [c](javascript:alert(1)) | ~~s~~ www.example.org |\n", "</table></div>",
     "javascript:"},
};

static void test_render_safety(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof render_cases / sizeof render_cases[0]; i++) {
		char *h = render(render_cases[i].md, NULL);
		if (render_cases[i].must && !strstr(h, render_cases[i].must))
			fail_msg("case %zu: want '%s' in '%s'", i, render_cases[i].must, h);
		if (render_cases[i].must_not && strstr(h, render_cases[i].must_not))
			fail_msg("case %zu: '%s' must not be in '%s'", i, render_cases[i].must_not, h);
		free(h);
	}
	struct render_opts o = {.file = "a.md"};
	struct buf html = BUF_INIT;
	char *title;
	render_lesson("# Hello *world*\n", 16, &o, &html, &title);
	assert_string_equal(title, "Hello world");
	free(title);
	buf_release(&html);
}

/* Pathological Markdown within the size cap renders in bounded time. */
static void test_render_pathological(void **state)
{
	(void)state;
	struct buf md = BUF_INIT;
	while (md.len < 200 * 1024)
		buf_puts(&md, "![[]()");
	struct render_opts o = {.file = "a.md"};
	struct buf html = BUF_INIT;
	char *title;
	/* CPU time (clock()), not the wall clock: the bound holds however busy the machine is. */
	clock_t t0 = clock();
	render_lesson(md.data, md.len, &o, &html, &title);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 10.0);
	free(title);
	buf_release(&html);
	/* Tables: a wide header and many rows of empty cells (the table extension's costly cases). */
	struct {
		const char *head, *delim, *row;
	} tables[] = {{"|a", "|-", "|"}, {"|", "|-", "|x"}};
	for (size_t k = 0; k < sizeof tables / sizeof tables[0]; k++) {
		buf_reset(&md);
		for (int i = 0; i < 2000; i++)
			buf_puts(&md, tables[k].head);
		buf_puts(&md, "\n");
		for (int i = 0; i < 2000; i++)
			buf_puts(&md, tables[k].delim);
		buf_puts(&md, "\n");
		while (md.len < 200 * 1024)
			buf_puts(&md, tables[k].row), buf_puts(&md, "\n");
		struct buf out = BUF_INIT;
		t0 = clock();
		render_lesson(md.data, md.len, &o, &out, &title);
		assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 10.0);
		free(title);
		buf_release(&out);
	}
	buf_release(&md);
}

/* ---- package checks ---- */

static void test_check_fixtures(void **state)
{
	(void)state;
	struct pkg_limits lim;
	pkg_limits_default(&lim);
	struct package p;
	struct err e;
	struct pkg_info info;
	struct problems pr = {0};
	assert_int_equal(pkg_load_dir(GOOD, &lim, &p, &e), 0);
	assert_int_equal(pkg_analyze(&p, &lim, 0, &info, &pr), 0);
	assert_int_equal(info.nlessons, 2);
	assert_int_equal(info.nquizzes, 1);
	assert_string_equal(info.items[0].title, "Introduction");
	pkg_info_free(&info);
	pkg_free(&p);

	assert_int_equal(pkg_load_dir(BAD, &lim, &p, &e), 0);
	assert_true(pkg_analyze(&p, &lim, 0, &info, &pr) > 0);
	static const char *const want[] = {
	    "logo.svg:1: file type 'svg' is not accepted",
	    "course.yml:1: id 'Bad_Course'",
	    "course.yml:5: unknown key 'colour'",
	    "course.yml:8: file 'lessons/missing.md' not found",
	    "lessons/01-broken.md:5: link target 'missing-too.md' not found",
	    "lessons/01-broken.md:7: link target 'img/none.png' not found",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!strstr(buf_str(&pr.text), want[i]))
			fail_msg("want '%s' in:\n%s", want[i], buf_str(&pr.text));
	pkg_info_free(&info);
	pkg_free(&p);
	problems_release(&pr);
}

static void png_of(int w, int h, struct buf *out)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	gdImageFilledRectangle(im, 0, 0, w / 2, h / 2, gdTrueColor(200, 30, 30));
	int size;
	void *p = gdImagePngPtr(im, &size);
	buf_add(out, p, (size_t)size);
	gdFree(p);
	gdImageDestroy(im);
}

static void test_media_types(void **state)
{
	(void)state;
	struct buf png = BUF_INIT;
	png_of(30, 20, &png);
	int w, h;
	assert_int_equal(media_image_size("png", (unsigned char *)png.data, png.len, &w, &h), 0);
	assert_int_equal(w, 30);
	assert_int_equal(h, 20);
	assert_true(media_magic_ok("png", (unsigned char *)png.data, png.len));
	assert_false(media_magic_ok("jpg", (unsigned char *)png.data, png.len));
	assert_false(media_magic_ok("pdf", (const unsigned char *)"<html>", 6));
	assert_true(media_magic_ok("pdf", (const unsigned char *)"%PDF-1.4", 8));
	assert_null(media_type_for_ext("svg"));
	assert_null(media_type_for_ext("html"));
	assert_string_equal(media_type_for_ext("mp4"), "video/mp4");
	buf_release(&png);
}

/* ---- hostile archives: each refused, the database unchanged ---- */

enum { LIMIT_DEFAULT, LIMIT_ENTRIES, LIMIT_SIZE, LIMIT_TOTAL };

static void test_hostile_archives(void **state)
{
	struct db *db = *state;
	struct package gp;
	struct entry base[32];
	size_t nb = good_entries(&gp, base, "");
	struct pkg_limits lim;
	pkg_limits_default(&lim);
	struct err e;
	struct problems pr = {0};
	/* A first version so refusals could damage something. */
	struct buf ok = BUF_INIT;
	build_archive("zip", base, nb, &ok);
	assert_int_equal(import_mem(db, &ok, &lim, false, &e, &pr), IMPORT_NEW);
	buf_release(&ok);
	char before[65], after[65];
	db_hash(db, before);

	static char zeros[3 << 20];
	char many[40][32];
	struct entry extra[48];
	const char *bad_sums = "0000000000000000000000000000000000000000000000000000000000000000  course.yml\n";
	static const struct {
		const char *name, *format, *want;
		struct entry add;
		int limits;
	} cases[] = {
	    {"absolute path", "tar", "absolute path", {"/etc/evil.md", AE_IFREG, "x", 1, NULL}, LIMIT_DEFAULT},
	    {"dot-dot", "tar", "'..' component", {"lessons/../../evil.md", AE_IFREG, "x", 1, NULL}, LIMIT_DEFAULT},
	    {"dot-dot zip", "zip", "'..' component", {"../evil.md", AE_IFREG, "x", 1, NULL}, LIMIT_DEFAULT},
	    {"symlink", "tar", "symbolic link", {"lessons/link.md", AE_IFLNK, NULL, 0, "/etc/passwd"}, LIMIT_DEFAULT},
	    {"hardlink", "tar", "hard link", {"lessons/hard.md", 1, NULL, 0, "course.yml"}, LIMIT_DEFAULT},
	    {"device", "tar", "not a regular file", {"dev", AE_IFCHR, NULL, 0, NULL}, LIMIT_DEFAULT},
	    {"fifo", "tar", "not a regular file", {"fifo", AE_IFIFO, NULL, 0, NULL}, LIMIT_DEFAULT},
	    {"duplicate",
	     "tar",
	     "duplicate entry 'course.yml'",
	     {"course.yml", AE_IFREG, "id: x\n", 6, NULL},
	     LIMIT_DEFAULT},
	    {"bad utf-8 name",
	     "tar",
	     "not valid UTF-8",
	     {"lessons/\xff\xfe.md", AE_IFREG, "x", 1, NULL},
	     LIMIT_DEFAULT},
	    {"too many entries", "tar", "more than 20 entries", {NULL, 0, NULL, 0, NULL}, LIMIT_ENTRIES},
	    {"too big", "tar", "larger than 1 MB", {"big.pdf", AE_IFREG, zeros, 2 << 20, NULL}, LIMIT_SIZE},
	    /* The total limit (1 GB by default) with a small configured value, so the test is fast. */
	    {"too big in all",
	     "zip",
	     "the package is larger than 64 KB uncompressed",
	     {"big.pdf", AE_IFREG, zeros, 100 << 10, NULL},
	     LIMIT_TOTAL},
	    {"too big in all tgz",
	     "tgz",
	     "the package is larger than 64 KB uncompressed",
	     {"big.pdf", AE_IFREG, zeros, 100 << 10, NULL},
	     LIMIT_TOTAL},
	    {"bomb zip", "zip", "compression bomb", {"bomb.pdf", AE_IFREG, zeros, sizeof zeros, NULL}, LIMIT_DEFAULT},
	    {"bomb tgz", "tgz", "compression bomb", {"bomb.pdf", AE_IFREG, zeros, sizeof zeros, NULL}, LIMIT_DEFAULT},
	    {"bad MANIFEST.sha256", "zip", "problem", {"MANIFEST.sha256", AE_IFREG, NULL, 0, NULL}, LIMIT_DEFAULT},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = 0;
		/* Version 2.0.0 of the same course plus the hostile entry. */
		for (size_t k = 0; k < nb; k++)
			extra[n++] = base[k];
		static char yml[1024];
		const struct pkg_file *cy = pkg_find(&gp, "course.yml");
		snprintf(yml, sizeof yml, "%.*s", (int)cy->len, (const char *)cy->data);
		char *v = strstr(yml, "version: 1.0.0");
		memcpy(v, "version: 2.0.0", 14);
		for (size_t k = 0; k < n; k++)
			if (!strcmp(extra[k].path, "course.yml"))
				extra[k].data = yml, extra[k].len = strlen(yml);
		struct pkg_limits l = lim;
		if (cases[i].limits == LIMIT_ENTRIES) {
			l.max_entries = 20;
			for (int k = 0; k < 30; k++) {
				snprintf(many[k], sizeof many[k], "m/%02d.pdf", k);
				extra[n++] = (struct entry){many[k], AE_IFREG, "%PDF-1", 6, NULL};
			}
		} else if (cases[i].limits == LIMIT_SIZE) {
			l.max_entry_bytes = 1 << 20;
		} else if (cases[i].limits == LIMIT_TOTAL) {
			struct err le;
			assert_int_equal(pkg_limits_set(&l, "max_total_mb", "1", &le), 0);
			assert_int_equal(l.max_total_bytes, 1 << 20);
			l.max_total_bytes = 64 << 10;
		}
		if (cases[i].add.path) {
			extra[n] = cases[i].add;
			if (!strcmp(cases[i].add.path, "MANIFEST.sha256"))
				extra[n].data = bad_sums, extra[n].len = strlen(bad_sums);
			n++;
		}
		struct buf arc = BUF_INIT;
		build_archive(cases[i].format, extra, n, &arc);
		problems_release(&pr);
		e.msg[0] = '\0';
		int rc = import_mem(db, &arc, &l, true, &e, &pr);
		if (rc >= 0 || !strstr(e.msg, cases[i].want))
			fail_msg("%s: want refusal '%s', got %d '%s' %s", cases[i].name, cases[i].want, rc, e.msg,
				 buf_str(&pr.text));
		buf_release(&arc);
		db_hash(db, after);
		if (strcmp(before, after) != 0)
			fail_msg("%s: the database changed", cases[i].name);
	}
	assert_non_null(strstr(buf_str(&pr.text), "MANIFEST.sha256:1: checksum of 'course.yml' does not match"));
	problems_release(&pr);
	pkg_free(&gp);
}

/* Configured limits: names and ranges; a folder over the total limit is refused. */
static void test_limits_config(void **state)
{
	(void)state;
	static const struct {
		const char *name, *value;
		int rc;
		size_t want; /* the field after a successful set */
	} cases[] = {
	    {"max_entries", "20", 0, 20},	{"max_entry_mb", "2", 0, 2u << 20},
	    {"max_total_mb", "5", 0, 5u << 20}, {"max_markdown_kb", "64", 0, 64u << 10},
	    {"max_ratio", "50", 0, 50},		{"max_total_mb", "0", -1, 0},
	    {"max_total_mb", "-3", -1, 0},	{"max_total_mb", "10x", -1, 0},
	    {"max_total_mb", "", -1, 0},	{"max_total_mb", "99999999999999999999", -1, 0},
	    {"max_pixels", "5", -1, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pkg_limits l;
		pkg_limits_default(&l);
		struct err e = {""};
		int rc = pkg_limits_set(&l, cases[i].name, cases[i].value, &e);
		if (rc != cases[i].rc)
			fail_msg("%s=%s: got %d '%s'", cases[i].name, cases[i].value, rc, e.msg);
		if (rc < 0) {
			assert_non_null(strstr(e.msg, cases[i].name));
			continue;
		}
		size_t got = i == 0   ? l.max_entries
			     : i == 1 ? l.max_entry_bytes
			     : i == 2 ? l.max_total_bytes
			     : i == 3 ? l.max_markdown_bytes
				      : l.max_ratio;
		assert_int_equal(got, cases[i].want);
	}
	size_t n = 0;
	while (pkg_limit_names[n])
		n++;
	assert_int_equal(n, 5);
	/* The same limit on a folder: the good fixture is a few KB. */
	struct pkg_limits l;
	pkg_limits_default(&l);
	l.max_total_bytes = 200;
	struct package p;
	struct err e;
	assert_int_equal(pkg_load_dir(GOOD, &l, &p, &e), -1);
	assert_string_equal(e.msg, "the package is larger than 200 bytes");
	assert_int_equal(p.nfiles, 0);
	char sz[32];
	assert_string_equal(pkg_size_text((size_t)1 << 30, sz), "1024 MB");
	assert_string_equal(pkg_size_text((size_t)256 << 10, sz), "256 KB");
}

/* Importing a stored but inactive version: refused when older than the active one, else made active. */
/* The version of the package a learner reading in lang sees (course_pick_package()), in out; "" when none. */
static const char *picked_version(struct db *db, const char *lang, char *out, size_t n)
{
	struct course_pick pk;
	out[0] = '\0';
	if (course_pick_package(db, "test-course", lang, NULL, &pk) < 0)
		return out;
	struct db_stmt *st;
	st = db_prepare(db, "SELECT version FROM packages WHERE id = ?");
	db_bind_int64(st, 1, pk.package_id);
	if (db_step(st) == DB_ROW)
		snprintf(out, n, "%s", db_col_text(st, 0));
	db_finalize(st);
	course_pick_release(&pk);
	return out;
}

static void test_reimport_inactive(void **state)
{
	struct db *db = *state;
	struct pkg_limits lim;
	pkg_limits_default(&lim);
	struct err e;
	struct problems pr = {0};
	char msg[512];
	struct import_opts o = {.by = "test"};
	struct package v1, v11;
	assert_int_equal(pkg_load_dir(GOOD, &lim, &v1, &e), 0);
	assert_int_equal(pkg_load_dir(GOOD, &lim, &v11, &e), 0);
	struct pkg_file *cy = (struct pkg_file *)pkg_find(&v11, "course.yml");
	memcpy(strstr((char *)cy->data, "version: 1.0.0"), "version: 1.1.0", 14);
	assert_int_equal(package_import(db, &v1, &o, &pr, msg, sizeof msg, &e), IMPORT_NEW);
	assert_int_equal(package_import(db, &v11, &o, &pr, msg, sizeof msg, &e), IMPORT_NEW);
	char before[65], after[65];
	db_hash(db, before);
	/* 1.0.0 again while 1.1.0 is active: refused, says so and names the rollback command. */
	e.msg[0] = '\0';
	assert_int_equal(package_import(db, &v1, &o, &pr, msg, sizeof msg, &e), ERR_CONFLICT);
	assert_string_equal(e.msg, "test-course 1.0.0 (en) is stored but not active: the active version is 1.1.0. To "
				   "make 1.0.0 active again, publish it (on the course page, or 'sala courses "
				   "publish test-course --lang en --version 1.0.0'), or import with --force");
	db_hash(db, after);
	assert_string_equal(before, after);
	/* The active one again: unchanged. */
	assert_int_equal(package_import(db, &v11, &o, &pr, msg, sizeof msg, &e), IMPORT_UNCHANGED);
	assert_string_equal(msg, "unchanged: test-course 1.1.0 (en) is already imported and active");
	db_hash(db, after);
	assert_string_equal(before, after);
	/* With --force the stored 1.0.0 becomes active; nothing new is stored. */
	int64_t npkgs = db_int(db, "SELECT count(*) FROM packages", NULL, NULL, 0);
	o.force = true;
	assert_int_equal(package_import(db, &v1, &o, &pr, msg, sizeof msg, &e), IMPORT_ACTIVATED);
	assert_string_equal(msg, "activated: test-course 1.0.0 (en) was stored already and is active again; "
				 "replaces 1.1.0");
	o.force = false;
	assert_int_equal(db_int(db, "SELECT count(*) FROM packages", NULL, NULL, 0), npkgs);
	char ver[32];
	assert_string_equal(picked_version(db, "en", ver, sizeof ver), "1.0.0");
	/* A stored newer version imported again becomes active, as a new one would. */
	assert_int_equal(package_import(db, &v11, &o, &pr, msg, sizeof msg, &e), IMPORT_ACTIVATED);
	assert_string_equal(picked_version(db, "en", ver, sizeof ver), "1.1.0");
	pkg_free(&v1);
	pkg_free(&v11);
	problems_release(&pr);
}

/* A single top folder is stripped; a tar.gz works like a zip. */
static void test_top_folder(void **state)
{
	struct db *db = *state;
	struct package gp;
	struct entry ents[32];
	size_t n = good_entries(&gp, ents, "test-course/");
	struct buf arc = BUF_INIT;
	build_archive("tgz", ents, n, &arc);
	struct pkg_limits lim;
	pkg_limits_default(&lim);
	struct err e;
	struct problems pr = {0};
	assert_int_equal(import_mem(db, &arc, &lim, false, &e, &pr), IMPORT_NEW);
	assert_int_equal(import_mem(db, &arc, &lim, false, &e, &pr), IMPORT_UNCHANGED);
	buf_release(&arc);
	pkg_free(&gp);
	problems_release(&pr);
}

/* Versions: higher replaces and keeps progress, lower refused without force, rollback. */
static void test_versions(void **state)
{
	struct db *db = *state;
	struct pkg_limits lim;
	pkg_limits_default(&lim);
	struct err e;
	struct problems pr = {0};
	char msg[512];
	struct import_opts o = {.by = "test"};
	assert_int_equal(package_import_path(db, GOOD, &o, &pr, msg, sizeof msg, &e), IMPORT_NEW);
	assert_string_equal(msg, "imported: test-course 1.0.0 (en): 2 lessons, 1 quizzes, 2 questions");
	assert_int_equal(package_import_path(db, GOOD, &o, &pr, msg, sizeof msg, &e), IMPORT_UNCHANGED);
	assert_non_null(strstr(msg, "unchanged: test-course 1.0.0 (en)"));
	/* Progress by path (no user needed for this check). */
	db_exec(db, "PRAGMA foreign_keys = OFF", NULL);
	db_exec(db, "INSERT INTO progress VALUES (1, 'test-course', 'lessons/01-intro.md', 1)", NULL);
	db_exec(db, "PRAGMA foreign_keys = ON", NULL);

	struct package p;
	assert_int_equal(pkg_load_dir(GOOD, &lim, &p, &e), 0);
	struct pkg_file *cy = (struct pkg_file *)pkg_find(&p, "course.yml");
	char *v = strstr((char *)cy->data, "version: 1.0.0");
	memcpy(v, "version: 1.1.0", 14);
	assert_int_equal(package_import(db, &p, &o, &pr, msg, sizeof msg, &e), IMPORT_NEW);
	assert_non_null(strstr(msg, "replaces 1.0.0"));
	memcpy(v, "version: 0.9.0", 14);
	assert_int_equal(package_import(db, &p, &o, &pr, msg, sizeof msg, &e), ERR_CONFLICT);
	assert_non_null(strstr(e.msg, "older than the active version 1.1.0"));
	/* As a draft it is stored, replaces nothing, and learners keep 1.1.0 until it is published. */
	o.draft = true;
	assert_int_equal(package_import(db, &p, &o, &pr, msg, sizeof msg, &e), IMPORT_DRAFT);
	assert_string_equal(msg, "draft: test-course 0.9.0 (en): 2 lessons, 1 quizzes, 2 questions; not published "
				 "(learners see 1.1.0)");
	assert_int_equal(package_import(db, &p, &o, &pr, msg, sizeof msg, &e), IMPORT_UNCHANGED);
	assert_string_equal(msg, "unchanged: test-course 0.9.0 (en) is already stored (draft)");
	o.draft = false;
	pkg_free(&p);

	char ver[32];
	assert_string_equal(picked_version(db, "km", ver, sizeof ver), "1.1.0"); /* falls back to en */
	char pub[32];
	assert_int_equal(package_publish(db, "test-course", "en", NULL, pub, sizeof pub, &e), 0);
	assert_string_equal(pub, "0.9.0");
	assert_string_equal(picked_version(db, "km", ver, sizeof ver), "0.9.0");
	assert_int_equal(package_publish(db, "test-course", "en", NULL, pub, sizeof pub, &e), ERR_NOTFOUND);
	assert_int_equal(package_rollback(db, "test-course", "en", "1.1.0", &e), 0);
	assert_string_equal(picked_version(db, "km", ver, sizeof ver), "1.1.0");
	struct arena la = ARENA_INIT;
	struct course_pick pk;
	assert_int_equal(course_pick_package(db, "test-course", "km", "lessons/01-intro.md", &pk), 0);
	assert_string_equal(pk.language, "en");
	assert_string_equal(pk.item_title, "Introduction");
	const int64_t package_id = pk.package_id;
	course_pick_release(&pk);
	const char *html = learn_lesson_html(db, &la, package_id, "lessons/01-intro.md");
	assert_non_null(strstr(html, "/courses/test-course/lessons/lessons/02-more.md#details"));
	assert_non_null(strstr(html, "/courses/test-course/quizzes/quizzes/final.md"));
	struct learn_item *items;
	size_t ni = learn_outline(db, &la, 0, "test-course", package_id, &items);
	assert_int_equal(ni, 3);
	assert_string_equal(items[0].type, "lesson");
	assert_string_equal(items[1].type, "lesson");
	assert_string_equal(items[2].type, "quiz");
	assert_string_equal(items[2].quiz_kind, "final");
	struct db_stmt *st;
	st = db_prepare(db,
			"SELECT b.data FROM package_files f JOIN blobs b ON b.sha256 = f.sha256 WHERE f.package_id = ? "
			"AND f.path = 'quizzes/final.md'");
	db_bind_int64(st, 1, package_id);
	assert_int_equal(db_step(st), DB_ROW);
	assert_non_null(strstr((const char *)db_col_blob(st, 0), "Is this a test?"));
	db_finalize(st);
	arena_release(&la);

	struct arena ar = ARENA_INIT;
	struct learn_course *list;
	assert_int_equal(learn_catalogue(db, &ar, 0, "en", "TEST course", &list), 1);
	assert_string_equal(list[0].course_id, "test-course");
	assert_int_equal(learn_catalogue(db, &ar, 0, "en", "nothing-like-this", &list), 0);
	arena_release(&ar);

	assert_int_equal(package_rollback(db, "test-course", "en", "1.0.0", &e), 0);
	assert_string_equal(picked_version(db, "en", ver, sizeof ver), "1.0.0");
	assert_int_equal(package_rollback(db, "test-course", "en", "7.0.0", &e), ERR_NOTFOUND);
	assert_int_equal(db_int(db, "SELECT count(*) FROM progress", NULL, NULL, 0), 1);
	/* Blobs are shared: two versions with the same files store each file once. */
	assert_int_equal(db_int(db, "SELECT count(*) FROM blobs", NULL, NULL, 0),
			 db_int(db, "SELECT count(DISTINCT sha256) FROM package_files", NULL, NULL, 0));
	problems_release(&pr);
}

static const struct learn_course *find_course(const struct learn_course *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].course_id, id) == 0)
			return &v[i];
	return NULL;
}

/*
 * The course lists merge the cached public part with the learner's state from its owners: lessons opened
 * (by path, any version), quizzes submitted (a final one only when passed), enrolment, and a direct write
 * to packages is seen at once (the catalogue version moves on).
 */
static void test_learner_state(void **state)
{
	struct db *db = *state;
	struct err e;
	assert_int_equal(orgs_seed(db, &e), 0);
	assert_int_equal(
	    db_exec(db,
		    "INSERT INTO users(id, username, password_hash, full_name, org_id, created_at) VALUES "
		    "(1, 'dara', 'x', 'Dara', 1, 0), (2, 'bopha', 'x', 'Bopha', 1, 0);"
		    "INSERT INTO courses(id, created_at) VALUES ('st', 0), ('other', 0);"
		    "INSERT INTO packages(id, course_id, language, version, version_num, title, imported_at, active) "
		    "VALUES (10, 'st', 'en', '1', 1, 'State course', 0, 1), (11, 'other', 'km', '1', 1, 'Other', 0, 1);"
		    "INSERT INTO items(package_id, position, type, path, title, quiz_kind) VALUES "
		    "(10, 0, 'quiz', 'q/pre.md', 'Pre', 'pretest'), (10, 1, 'lesson', 'a.md', 'A', ''),"
		    "(10, 2, 'lesson', 'b.md', 'B', ''), (10, 3, 'quiz', 'q/final.md', 'Final', 'final'),"
		    "(10, 4, 'quiz', 'q/practice.md', 'Practice', 'practice'), (11, 0, 'lesson', 'x.md', 'X', '');"
		    "INSERT INTO enrolments(user_id, course_id, enrolled_at, started_at) VALUES (1, 'st', 5, 6);"
		    "INSERT INTO progress(user_id, course_id, item_path, opened_at) VALUES (1, 'st', 'a.md', 6),"
		    "(1, 'st', 'gone.md', 6), (2, 'st', 'b.md', 6);"
		    "INSERT INTO attempts(user_id, course_id, package_id, item_path, kind, seed, layout, started_at, "
		    "submitted_at, passed) VALUES (1, 'st', 10, 'q/pre.md', 'pretest', 1, '', 6, 7, 0),"
		    "(1, 'st', 10, 'q/final.md', 'final', 1, '', 6, 7, 0),"
		    "(1, 'st', 10, 'q/practice.md', 'practice', 1, '', 6, NULL, NULL);",
		    &e),
	    0);
	struct arena a = ARENA_INIT;
	struct submitted_quiz *sq;
	size_t nq = 0;
	assert_int_equal(assessment_submitted_quizzes(db, &a, 1, NULL, &sq, &nq), 0);
	assert_int_equal(nq, 2); /* the practice attempt is not submitted */
	assert_string_equal(sq[0].item_path, "q/final.md");
	assert_false(sq[0].passed);
	assert_string_equal(sq[1].item_path, "q/pre.md");
	assert_int_equal(assessment_submitted_quizzes(db, &a, 1, "other", &sq, &nq), 0);
	assert_int_equal(nq, 0);

	struct learn_course *v;
	size_t n = learn_catalogue(db, &a, 1, "en", NULL, &v);
	assert_int_equal(n, 2);
	const struct learn_course *c = find_course(v, n, "st");
	assert_non_null(c);
	assert_true(c->enrolled);
	assert_int_equal(c->total, 5);
	assert_int_equal(c->done, 2); /* a.md and the pretest; gone.md is no item, the final is failed */
	assert_int_equal(c->status, LEARN_IN_PROGRESS);
	assert_null(c->cert_serial);
	c = find_course(v, n, "other");
	assert_false(c->enrolled);
	assert_int_equal(c->status, LEARN_NOT_STARTED);
	assert_string_equal(c->language, "km"); /* the fallback */
	/* Another learner's state: b.md only, not enrolled. */
	n = learn_catalogue(db, &a, 2, "en", NULL, &v);
	c = find_course(v, n, "st");
	assert_false(c->enrolled);
	assert_int_equal(c->done, 1);
	assert_int_equal(c->status, LEARN_IN_PROGRESS);

	struct learn_item *items;
	size_t ni = learn_outline(db, &a, 1, "st", 10, &items);
	assert_int_equal(ni, 5);
	const bool done[] = {true, true, false, false, false};
	for (size_t i = 0; i < ni; i++)
		assert_int_equal(items[i].done, done[i]);

	/* The final passed: done, and the course page sees it. */
	assert_int_equal(db_exec(db,
				 "INSERT INTO attempts(user_id, course_id, package_id, item_path, kind, seed, layout, "
				 "started_at, submitted_at, passed) VALUES (1, 'st', 10, 'q/final.md', 'final', 2, '', "
				 "8, 9, 1)",
				 &e),
			 0);
	struct learn_course one;
	assert_int_equal(learn_course_get(db, &a, 1, "st", "en", &one), 0);
	assert_int_equal(one.done, 3);
	assert_int_equal(learn_course_get(db, &a, 1, "no-such", "en", &one), -1);
	ni = learn_outline(db, &a, 1, "st", 10, &items);
	assert_true(items[3].done);

	/* My courses: only the enrolled one. */
	n = learn_my_courses(db, &a, 1, "en", &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].course_id, "st");
	assert_int_equal(learn_my_courses(db, &a, 2, "en", &v), 0);

	/* A write straight to packages is seen by the next list (the cached one is not used). */
	int64_t before = db_int(db, "SELECT version FROM catalogue_version", NULL, NULL, 0);
	assert_int_equal(db_exec(db, "UPDATE packages SET title = 'Renamed course' WHERE id = 10", &e), 0);
	assert_true(db_int(db, "SELECT version FROM catalogue_version", NULL, NULL, 0) != before);
	n = learn_catalogue(db, &a, 1, "en", "renamed", &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].title, "Renamed course");
	arena_release(&a);
}

/* Wide images are downscaled to 1600 px at import and the lesson gets the new size. */
static void test_downscale(void **state)
{
	struct db *db = *state;
	struct package gp;
	struct entry ents[32];
	size_t n = good_entries(&gp, ents, "");
	struct buf png = BUF_INIT;
	png_of(2000, 100, &png);
	static char lesson[] = "# Pictures\n\n![wide](../img/wide.png)\n";
	static char yml[1024];
	const struct pkg_file *cy = pkg_find(&gp, "course.yml");
	snprintf(yml, sizeof yml, "%.*s  - file: lessons/03-pics.md\n", (int)cy->len, (const char *)cy->data);
	for (size_t k = 0; k < n; k++)
		if (!strcmp(ents[k].path, "course.yml"))
			ents[k].data = yml, ents[k].len = strlen(yml);
	ents[n++] = (struct entry){"img/wide.png", AE_IFREG, png.data, png.len, NULL};
	ents[n++] = (struct entry){"lessons/03-pics.md", AE_IFREG, lesson, strlen(lesson), NULL};
	struct buf arc = BUF_INIT;
	build_archive("zip", ents, n, &arc);
	struct pkg_limits lim;
	pkg_limits_default(&lim);
	struct err e;
	struct problems pr = {0};
	if (import_mem(db, &arc, &lim, false, &e, &pr) != IMPORT_NEW)
		fail_msg("%s\n%s", e.msg, buf_str(&pr.text));
	struct db_stmt *st;
	st = db_prepare(db, "SELECT b.data FROM package_files f JOIN blobs b ON b.sha256 = f.sha256 WHERE f.path = "
			    "'img/wide.png'");
	assert_int_equal(db_step(st), DB_ROW);
	int w, h;
	assert_int_equal(media_image_size("png", db_col_blob(st, 0), (size_t)db_col_bytes(st, 0), &w, &h), 0);
	assert_int_equal(w, 1600);
	assert_int_equal(h, 80);
	db_finish(st);
	struct arena ar = ARENA_INIT;
	struct course_pick pics;
	assert_int_equal(course_pick_package(db, "test-course", "en", "lessons/03-pics.md", &pics), 0);
	assert_non_null(strstr(learn_lesson_html(db, &ar, pics.package_id, "lessons/03-pics.md"),
			       "loading=\"lazy\" width=\"1600\" height=\"80\""));
	course_pick_release(&pics);
	arena_release(&ar);
	buf_release(&arc);
	buf_release(&png);
	pkg_free(&gp);
	problems_release(&pr);
}

/* The pack zip is byte-identical on repeat, carries MANIFEST.sha256, and loads back. */
static void test_pack_reproducible(void **state)
{
	(void)state;
	struct pkg_limits lim;
	pkg_limits_default(&lim);
	struct package p;
	struct err e;
	assert_int_equal(pkg_load_dir(GOOD, &lim, &p, &e), 0);
	struct buf a = BUF_INIT, b = BUF_INIT;
	assert_int_equal(pkg_write_zip(&p, &a, &e), 0);
	assert_int_equal(pkg_write_zip(&p, &b, &e), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	struct package q;
	assert_int_equal(pkg_load_archive(a.data, a.len, &lim, &q, &e), 0);
	assert_non_null(pkg_find(&q, "MANIFEST.sha256"));
	struct pkg_info info;
	struct problems pr = {0};
	assert_int_equal(pkg_analyze(&q, &lim, 0, &info, &pr), 0);
	pkg_info_free(&info);
	pkg_free(&q);
	pkg_free(&p);
	buf_release(&a);
	buf_release(&b);
}

/*
 * Which package a learner sees (course_pick_package()): a table of stored packages, the learner's
 * reading language and an item, and the package expected ("LANG VERSION", or NULL for none).
 * Packages are "LANG VERSION" plus " *" when active, then ":" and the item paths they hold.
 */
struct pick_case {
	const char *what;
	const char *pkgs[5];
	const char *lang, *item;
	const char *want;
};

static const struct pick_case pick_cases[] = {
    {"the preferred language", {"en 1.0.0 *", "km 1.0.0 *"}, "km", NULL, "km 1.0.0"},
    {"English preferred", {"en 1.0.0 *", "km 1.0.0 *"}, "en", NULL, "en 1.0.0"},
    {"a language with no package falls back to English", {"km 1.0.0 *", "en 1.0.0 *"}, "fr", NULL, "en 1.0.0"},
    {"no preference reads English", {"km 1.0.0 *", "en 1.0.0 *"}, NULL, NULL, "en 1.0.0"},
    {"an empty preference reads English", {"km 1.0.0 *", "en 1.0.0 *"}, "", NULL, "en 1.0.0"},
    {"Khmer only, English preferred", {"km 1.0.0 *"}, "en", NULL, "km 1.0.0"},
    {"no English: the first language tag", {"km 3.0.0 *", "fr 1.0.0 *"}, "en", NULL, "fr 1.0.0"},
    {"versions differ per language", {"en 2.0.0 *", "km 1.0.0 *", "en 1.0.0"}, "km", NULL, "km 1.0.0"},
    {"after a rollback the active version", {"en 1.0.0 *", "en 1.1.0"}, "en", NULL, "en 1.0.0"},
    {"a rollback in Khmer only", {"en 2.0.0 *", "km 1.0.0 *", "km 1.1.0"}, "km", NULL, "km 1.0.0"},
    {"a newer inactive Khmer version is not seen", {"km 2.0.0", "km 1.0.0 *", "en 1.0.0 *"}, "km", NULL, "km 1.0.0"},
    {"an inactive preferred language is not seen", {"km 1.0.0", "en 1.0.0 *"}, "km", NULL, "en 1.0.0"},
    {"a language added later is seen at once", {"en 1.0.0", "en 1.1.0 *", "km 1.0.0 *"}, "km", NULL, "km 1.0.0"},
    {"no active package", {"en 1.0.0", "km 1.0.0"}, "en", NULL, NULL},
    {"an item in both languages", {"en 1.1.0 *:l/1.md,l/3.md", "km 1.0.0 *:l/1.md"}, "km", "l/1.md", "km 1.0.0"},
    {"an item only in English", {"en 1.1.0 *:l/1.md,l/3.md", "km 1.0.0 *:l/1.md"}, "km", "l/3.md", "en 1.1.0"},
    {"an item only in an inactive version", {"en 1.0.0 *:l/1.md", "en 1.1.0:l/1.md,l/3.md"}, "en", "l/3.md", NULL},
    {"an item in no package", {"en 1.0.0 *:l/1.md"}, "en", "l/9.md", NULL},
};

/* Stores the packages of a case for course "pick"; returns in ids[] the id of each. */
static void pick_store(struct db *db, const struct pick_case *c, int64_t ids[5])
{
	assert_int_equal(db_exec(db,
				 "DELETE FROM items; DELETE FROM packages; DELETE FROM courses; "
				 "INSERT INTO courses VALUES ('pick', 1)",
				 NULL),
			 0);
	for (int k = 0; k < 5 && c->pkgs[k]; k++) {
		char lang[8], ver[16], rest[128] = "";
		assert_true(sscanf(c->pkgs[k], "%7s %15[0-9.]%127[^\n]", lang, ver, rest) >= 2);
		bool active = rest[0] == ' ' && rest[1] == '*';
		const char *items = strchr(c->pkgs[k], ':');
		struct db_stmt *st;
		assert_non_null(
		    st = db_prepare(db, "INSERT INTO packages (course_id, language, version, version_num, title, "
					"active, imported_at) VALUES ('pick', ?, ?, ?, ?, ?, 1)"));
		int maj = 0, min = 0, pat = 0;
		sscanf(ver, "%d.%d.%d", &maj, &min, &pat);
		db_bind_text(st, 1, lang);
		db_bind_text(st, 2, ver);
		db_bind_int(st, 3, maj * 1000000 + min * 1000 + pat);
		db_bind_text(st, 4, c->pkgs[k]);
		db_bind_int(st, 5, active);
		assert_int_equal(db_step(st), DB_DONE);
		db_finalize(st);
		ids[k] = db_last_insert_id(db);
		for (int pos = 0; items && *items; pos++) {
			const char *path = items + 1;
			items = strchr(path, ',');
			size_t n = items ? (size_t)(items - path) : strlen(path);
			assert_non_null(st = db_prepare(db,
							"INSERT INTO items (package_id, position, type, path, title) "
							"VALUES (?, ?, 'lesson', ?, 'T')"));
			db_bind_int64(st, 1, ids[k]);
			db_bind_int(st, 2, pos);
			char *one = xstrndup(path, n);
			db_bind_text(st, 3, one);
			free(one);
			assert_int_equal(db_step(st), DB_DONE);
			db_finalize(st);
		}
	}
}

static void test_pick_package(void **state)
{
	struct db *db = *state;
	for (size_t i = 0; i < sizeof pick_cases / sizeof pick_cases[0]; i++) {
		const struct pick_case *c = &pick_cases[i];
		int64_t ids[5] = {0};
		pick_store(db, c, ids);
		int64_t want = 0;
		for (int k = 0; k < 5 && c->pkgs[k] && c->want; k++)
			if (strncmp(c->pkgs[k], c->want, strlen(c->want)) == 0)
				want = ids[k];
		if (c->want && !want)
			fail_msg("case '%s': no package '%s' in the table", c->what, c->want);
		struct course_pick pk;
		int rc = course_pick_package(db, "pick", c->lang, c->item, &pk);
		if (!c->want) {
			if (rc != ERR_NOTFOUND)
				fail_msg("case '%s': picked package %lld, wanted none", c->what,
					 (long long)pk.package_id);
			course_pick_release(&pk);
			continue;
		}
		if (rc != 0 || pk.package_id != want)
			fail_msg("case '%s': rc %d, picked %lld (%s %s), wanted %lld (%s)", c->what, rc,
				 (long long)pk.package_id, pk.language, pk.title ? pk.title : "", (long long)want,
				 c->want);
		assert_int_equal(strncmp(pk.language, c->want, strlen(pk.language)), 0);
		if (c->item) {
			assert_string_equal(pk.item_type, "lesson");
		} else {
			/* The catalogue and the lesson page embed the same rule: they agree with it. */
			struct arena ar = ARENA_INIT;
			struct learn_course lc;
			assert_int_equal(learn_course_get(db, &ar, 0, "pick", c->lang, &lc), 0);
			if (lc.package_id != want)
				fail_msg("case '%s': the catalogue shows %lld, the rule %lld", c->what,
					 (long long)lc.package_id, (long long)want);
			arena_release(&ar);
		}
		course_pick_release(&pk);
	}
	/* A course that does not exist has no package. */
	struct course_pick pk;
	assert_int_equal(course_pick_package(db, "no-such-course", "en", NULL, &pk), ERR_NOTFOUND);
	assert_int_equal(pk.package_id, 0);
	course_pick_release(&pk);
}

/* The course plans follow the active package; enrolment_record replaces, progress_record keeps the first reading. */
static void test_plans_and_history(void **state)
{
	struct db *db = *state;
	struct err e = {""};
	struct problems pr = {0};
	char msg[512];
	struct import_opts o = {.by = "test"};
	assert_int_equal(package_import_path(db, GOOD, &o, &pr, msg, sizeof msg, &e), IMPORT_NEW);
	struct course_plan *plans;
	size_t n;
	assert_int_equal(course_plans(db, "km", &plans, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(plans[0].id, "test-course");
	assert_string_equal(plans[0].title, "Test Course");
	assert_string_equal(plans[0].language, "en");
	assert_true(plans[0].packaged);
	assert_true(plans[0].certificate);
	assert_false(plans[0].pretest);
	assert_int_equal(plans[0].nlessons, 2);
	assert_string_equal(plans[0].lessons[0], "lessons/01-intro.md");
	assert_string_equal(plans[0].lessons[1], "lessons/02-more.md");
	course_plans_free(plans, n);

	assert_int_equal(orgs_seed(db, &e), 0);
	struct user_input u = {.username = "sokha",
			       .full_name = "Test Person",
			       .org_code = ORG_ROOT_CODE,
			       .roles = "learner",
			       .password_hash = "$argon2id$not-a-real-hash"};
	int64_t uid = user_add(db, &u, &e);
	assert_true(uid > 0);
	struct enrolment_record r = {
	    .user_id = uid, .course_id = "test-course", .source = "self", .enrolled_at = 100, .started_at = 200};
	assert_int_equal(enrolment_record(db, &r, &e), 0);
	r.completed_at = 300, r.has_final = true, r.best_final = 82.5;
	assert_int_equal(enrolment_record(db, &r, &e), 0);
	assert_int_equal(db_int(db, "SELECT count(*) FROM enrolments", NULL, NULL, -1), 1);
	assert_int_equal(db_int(db, "SELECT completed_at * 1000 + best_final * 2 + (pretest IS NULL) FROM enrolments",
				NULL, NULL, -1),
			 300166);
	assert_int_equal(progress_record(db, uid, "test-course", "lessons/01-intro.md", 250, &e), 0);
	assert_int_equal(progress_record(db, uid, "test-course", "lessons/01-intro.md", 260, &e), 0);
	assert_int_equal(db_int(db, "SELECT count(*) * 1000 + max(opened_at) FROM progress", NULL, NULL, -1), 1250);
	/* An unknown course breaks the foreign key: refused with the course named. */
	r.course_id = "no-such-course";
	assert_int_equal(enrolment_record(db, &r, &e), -1);
	assert_non_null(strstr(e.msg, "'no-such-course'"));
}

/* Collects course_requirements() rows as "L path opened" / "Q path" lines. */
static int req_collect(void *ctx, const struct course_requirement *r)
{
	struct buf *b = ctx;
	buf_printf(b, "%c %s%s%s\n", r->final_quiz ? 'Q' : 'L', r->path, r->opened ? " opened" : "",
		   r->quizzes_only ? " quizzes-only" : "");
	return 0;
}

static int req_stop(void *ctx, const struct course_requirement *r)
{
	(void)r;
	++*(int *)ctx;
	return 7;
}

/* The enrolment functions assessment/ calls (courses/enrol.h) and a package's quiz file (courses/media.h). */
static void test_enrolment_milestones(void **state)
{
	struct db *db = *state;
	struct err e = {""};
	struct problems pr = {0};
	char msg[512];
	struct import_opts o = {.by = "test"};
	assert_int_equal(package_import_path(db, GOOD, &o, &pr, msg, sizeof msg, &e), IMPORT_NEW);
	assert_int_equal(orgs_seed(db, &e), 0);
	struct user_input u = {.username = "sokha",
			       .full_name = "Test Person",
			       .org_code = ORG_ROOT_CODE,
			       .roles = "learner",
			       .password_hash = "$argon2id$not-a-real-hash"};
	int64_t uid = user_add(db, &u, &e);
	assert_true(uid > 0);
	struct course_pick pick;
	assert_int_equal(course_pick_package(db, "test-course", "en", NULL, &pick), 0);
	int64_t pkg = pick.package_id;
	course_pick_release(&pick);

	/* The quiz file: its hash, its package's language and pass mark, and its exact bytes. */
	struct media_file f;
	assert_int_equal(media_file_find(db, pkg, "quizzes/final.md", &f, &e), 0);
	assert_int_equal(strlen(f.sha256), 64);
	assert_string_equal(f.language, "en");
	assert_int_equal(f.pass_mark, 60);
	assert_int_equal(media_file_find(db, pkg, "quizzes/none.md", &f, &e), 1);
	assert_int_equal(media_file_find(db, pkg + 1000, "quizzes/final.md", &f, &e), 1);
	char *data;
	size_t len;
	assert_int_equal(media_file_read(db, pkg, "quizzes/final.md", &data, &len, &e), 0);
	FILE *fp = fopen(GOOD "/quizzes/final.md", "rb");
	assert_non_null(fp);
	char disk[8192];
	size_t dlen = fread(disk, 1, sizeof disk, fp);
	fclose(fp);
	assert_int_equal(len, dlen);
	assert_memory_equal(data, disk, len);
	assert_int_equal(data[len], '\0');
	free(data);
	assert_int_equal(media_file_read(db, pkg, "quizzes/none.md", &data, &len, &e), 1);
	assert_null(data);

	/* Starting a quiz enrols and marks the course started, once. */
	const char *row =
	    "SELECT enrolled_at || '/' || coalesce(started_at, '-') || '/' || coalesce(completed_at, '-') "
	    "|| '/' || coalesce(best_final, '-') || '/' || coalesce(pretest, '-') || '/' || source "
	    "FROM enrolments WHERE course_id = 'test-course' AND user_id = ";
	char sql[512];
	snprintf(sql, sizeof sql, "%s%lld", row, (long long)uid);
#define ROW_IS(want)                                                                                                   \
	do {                                                                                                           \
		struct db_stmt *st_ = NULL;                                                                            \
		assert_non_null(st_ = db_prepare(db, sql));                                                            \
		assert_int_equal(db_step(st_), DB_ROW);                                                                \
		assert_string_equal(db_col_text(st_, 0), want);                                                        \
		db_finalize(st_);                                                                                      \
	} while (0)
	assert_int_equal(enrolment_completed(db, uid, "test-course", &e), 0);
	assert_int_equal(enrolment_record_quiz(db, uid, "test-course", 100, ENROLMENT_SCORE_NONE, 0, &e), 0);
	ROW_IS("100/100/-/-/-/self");
	/* The first pretest is the baseline; later ones leave it. */
	assert_int_equal(enrolment_record_quiz(db, uid, "test-course", 150, ENROLMENT_SCORE_PRETEST, 40, &e), 0);
	assert_int_equal(enrolment_record_quiz(db, uid, "test-course", 160, ENROLMENT_SCORE_PRETEST, 90, &e), 0);
	ROW_IS("100/100/-/-/40.0/self");
	/* best_final only rises. */
	assert_int_equal(enrolment_record_quiz(db, uid, "test-course", 170, ENROLMENT_SCORE_FINAL, 55, &e), 0);
	assert_int_equal(enrolment_record_quiz(db, uid, "test-course", 180, ENROLMENT_SCORE_FINAL, 50, &e), 0);
	ROW_IS("100/100/-/55.0/40.0/self");
	assert_int_equal(enrolment_record_quiz(db, uid, "test-course", 190, ENROLMENT_SCORE_FINAL, 80, &e), 0);
	ROW_IS("100/100/-/80.0/40.0/self");
	/* Completion is recorded once, with its first date. */
	bool recorded = false;
	assert_int_equal(enrolment_complete(db, uid, "test-course", 500, &recorded, &e), 0);
	assert_true(recorded);
	assert_int_equal(enrolment_complete(db, uid, "test-course", 600, &recorded, &e), 0);
	assert_false(recorded);
	ROW_IS("100/100/500/80.0/40.0/self");
	assert_int_equal(enrolment_completed(db, uid, "test-course", &e), 1);

	/* enrolment_ensure() adds a row once and keeps its source; completing a learner not enrolled enrols them. */
	u.username = "dara";
	int64_t uid2 = user_add(db, &u, &e);
	assert_true(uid2 > 0);
	snprintf(sql, sizeof sql, "%s%lld", row, (long long)uid2);
	bool created = false;
	assert_int_equal(enrolment_ensure(db, uid2, "test-course", "assigned", 700, &created, &e), 0);
	assert_true(created);
	assert_int_equal(enrolment_ensure(db, uid2, "test-course", "self", 710, &created, &e), 0);
	assert_false(created);
	ROW_IS("700/-/-/-/-/assigned");
	u.username = "vanna";
	int64_t uid3 = user_add(db, &u, &e);
	snprintf(sql, sizeof sql, "%s%lld", row, (long long)uid3);
	assert_int_equal(enrolment_complete(db, uid3, "test-course", 800, &recorded, &e), 0);
	assert_true(recorded);
	ROW_IS("800/800/800/-/-/self");
#undef ROW_IS
	/* An unknown course is refused by the foreign key, with a message. */
	assert_int_equal(enrolment_record_quiz(db, uid, "no-such-course", 900, ENROLMENT_SCORE_FINAL, 70, &e), -1);
	assert_non_null(strstr(e.msg, "cannot update the enrolment"));

	/* What completion asks: both lessons (opened or not, by path) and the final quiz. */
	struct buf b = BUF_INIT;
	assert_int_equal(course_requirements(db, uid2, "test-course", req_collect, &b, &e), 0);
	assert_non_null(strstr(buf_str(&b), "L lessons/01-intro.md\n"));
	assert_non_null(strstr(buf_str(&b), "L lessons/02-more.md\n"));
	assert_non_null(strstr(buf_str(&b), "Q quizzes/final.md\n"));
	assert_int_equal(b.len, strlen("L lessons/01-intro.md\nL lessons/02-more.md\nQ quizzes/final.md\n"));
	buf_reset(&b);
	assert_int_equal(progress_record(db, uid2, "test-course", "lessons/02-more.md", 720, &e), 0);
	assert_int_equal(course_requirements(db, uid2, "test-course", req_collect, &b, &e), 0);
	assert_non_null(strstr(buf_str(&b), "L lessons/01-intro.md\n"));
	assert_non_null(strstr(buf_str(&b), "L lessons/02-more.md opened\n"));
	buf_release(&b);
	int calls = 0;
	assert_int_equal(course_requirements(db, uid2, "test-course", req_stop, &calls, &e), 7);
	assert_int_equal(calls, 1);
	calls = 0;
	assert_int_equal(course_requirements(db, uid2, "no-such-course", req_stop, &calls, &e), 0);
	assert_int_equal(calls, 0);
}

static bool body_held(const char *etag)
{
	return etag && etag[0];
}

/* learn_lesson_view(): the lesson, its place, neighbours and the reader's state; a first reading is recorded once. */
static void test_lesson_view(void **state)
{
	struct db *db = *state;
	struct err e = {""};
	struct problems pr = {0};
	char msg[512];
	struct import_opts o = {.by = "test"};
	assert_int_equal(package_import_path(db, GOOD, &o, &pr, msg, sizeof msg, &e), IMPORT_NEW);
	assert_int_equal(orgs_seed(db, &e), 0);
	struct user_input u = {.username = "dara",
			       .full_name = "Test Person",
			       .org_code = ORG_ROOT_CODE,
			       .roles = "learner",
			       .password_hash = "$argon2id$not-a-real-hash"};
	int64_t uid = user_add(db, &u, &e);
	assert_true(uid > 0);
	struct arena ar = ARENA_INIT;
	struct learn_lesson l;
	/* Khmer reader, English-only course: the English package (the pick rule's fallback). */
	assert_int_equal(learn_lesson_view(db, &ar, uid, "test-course", "km", "lessons/01-intro.md", NULL, &l, &e), 0);
	assert_string_equal(l.language, "en");
	assert_string_equal(l.course_title, "Test Course");
	assert_int_equal(l.position, 1);
	assert_int_equal(l.count, 3);
	assert_null(l.prev);
	assert_non_null(l.next);
	assert_string_equal(l.next->path, "lessons/02-more.md");
	assert_string_equal(l.next->type, "lesson");
	assert_non_null(l.html);
	assert_true(strlen(l.html) > 0);
	assert_false(l.unsaved);
	/* The first reading was recorded and the state read after it: one lesson read, no attempt, not complete. */
	assert_string_equal(l.state, "1.0.0");
	assert_int_equal(db_int(db, "SELECT count(*) FROM progress", NULL, NULL, -1), 1);
	assert_int_equal(db_int(db,
				"SELECT count(*) FROM enrolments WHERE started_at IS NOT NULL AND "
				"last_item = 'lessons/01-intro.md'",
				NULL, NULL, -1),
			 1);
	/* The second lesson: both neighbours, the next one a quiz; a caller holding the body gets none. */
	assert_int_equal(learn_lesson_view(db, &ar, uid, "test-course", "en", "lessons/02-more.md", body_held, &l, &e),
			 0);
	assert_int_equal(l.position, 2);
	assert_string_equal(l.prev->path, "lessons/01-intro.md");
	assert_int_equal(l.next->position - l.prev->position, 2); /* stored positions, one on either side */
	assert_string_equal(l.next->type, "quiz");
	assert_string_equal(l.next->quiz_kind, "final");
	assert_null(l.html);
	assert_string_equal(l.state, "2.0.0");
	/* Reading every lesson does not complete a course with a final quiz still to pass. */
	assert_int_equal(db_int(db, "SELECT count(*) FROM enrolments WHERE completed_at IS NOT NULL", NULL, NULL, -1),
			 0);
	assert_int_equal(db_int(db, "SELECT count(*) FROM certificates", NULL, NULL, -1), 0);
	/* A quiz path is not a lesson and records nothing; an unknown path or course is not found. */
	assert_int_equal(learn_lesson_view(db, &ar, uid, "test-course", "en", "quizzes/final.md", NULL, &l, &e),
			 ERR_CONFLICT);
	assert_int_equal(learn_lesson_view(db, &ar, uid, "test-course", "en", "lessons/none.md", NULL, &l, &e),
			 ERR_NOTFOUND);
	assert_int_equal(learn_lesson_view(db, &ar, uid, "no-course", "en", "lessons/01-intro.md", NULL, &l, &e),
			 ERR_NOTFOUND);
	assert_int_equal(db_int(db, "SELECT count(*) FROM progress", NULL, NULL, -1), 2);
	/* Reading the last-opened lesson again writes nothing: its state is the one the view query read. */
	assert_int_equal(learn_lesson_view(db, &ar, uid, "test-course", "en", "lessons/02-more.md", NULL, &l, &e), 0);
	assert_string_equal(l.state, "2.0.0");
	assert_int_equal(db_int(db, "SELECT count(*) FROM progress", NULL, NULL, -1), 2);
	arena_release(&ar);
	problems_release(&pr);
}

/* Course ids, titles and assigned org units; stored files read back through the blob reader. */
static void test_listing_and_blobs(void **state)
{
	struct db *db = *state;
	struct err e;
	struct problems pr = {0};
	char msg[512];
	struct import_opts o = {.by = "test"};
	char **ids;
	size_t n;
	assert_int_equal(course_ids(db, &ids, &n, &e), 0);
	assert_int_equal(n, 0);
	assert_null(course_title_get(db, "test-course", "en"));
	assert_int_equal(package_import_path(db, GOOD, &o, &pr, msg, sizeof msg, &e), IMPORT_NEW);
	assert_int_equal(course_ids(db, &ids, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], "test-course");
	free(ids[0]);
	free(ids);
	char *t = course_title_get(db, "test-course", "km"); /* no Khmer package: the English one */
	assert_string_equal(t, "Test Course");
	free(t);

	int64_t *orgs;
	assert_int_equal(orgs_seed(db, &e), 0);
	assert_int_equal(course_org_ids(db, "test-course", &orgs, &n, &e), 0);
	assert_int_equal(n, 0);
	int added;
	assert_int_equal(learn_assign_org(db, "test-course", "17", &added, &e), 0);
	assert_int_equal(learn_assign_org(db, "test-course", "12", &added, &e), 0);
	assert_int_equal(course_org_ids(db, "test-course", &orgs, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_true((orgs[0] == org_id(db, "12") && orgs[1] == org_id(db, "17")) ||
		    (orgs[0] == org_id(db, "17") && orgs[1] == org_id(db, "12")));
	free(orgs);
	assert_int_equal(course_org_ids(db, "no-such-course", &orgs, &n, &e), 0);
	assert_int_equal(n, 0);
	/* Every active account of the subtree (accounts/ gives them), enrolled a batch at a time: 601 active in
	 * district 1401 (two batches), one disabled there, one in province 14 itself. */
	assert_true(org_add(db, "1401", "Baray", "បារាយណ៍", "14", "district", &e) > 0);
	assert_int_equal(db_exec(db,
				 "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 602) "
				 "INSERT INTO users(username, password_hash, full_name, org_id, active, created_at) "
				 "SELECT 'b' || n, 'x', 'B', (SELECT id FROM org_units WHERE code = '1401'), n <> 7, 0 "
				 "FROM k;"
				 "INSERT INTO users(username, password_hash, full_name, org_id, created_at) VALUES "
				 "('p14', 'x', 'P', (SELECT id FROM org_units WHERE code = '14'), 0)",
				 &e),
			 0);
	assert_int_equal(learn_assign_org(db, "test-course", "1401", &added, &e), 0);
	assert_int_equal(added, 601);
	assert_int_equal(learn_assign_org(db, "test-course", "1401", &added, &e), 0);
	assert_int_equal(added, 0);
	assert_int_equal(learn_assign_org(db, "test-course", "14", &added, &e), 0);
	assert_int_equal(added, 1);
	assert_int_equal(
	    db_int(db,
		   "SELECT count(*) FROM enrolments e JOIN users u ON u.id = e.user_id WHERE e.course_id = "
		   "'test-course' AND e.source = 'org' AND (u.username LIKE 'b%' OR u.username = 'p14')",
		   NULL, NULL, -1),
	    602);
	assert_int_equal(db_int(db,
				"SELECT count(*) FROM enrolments WHERE user_id = (SELECT id FROM users WHERE "
				"username = 'b7')",
				NULL, NULL, -1),
			 0);
	assert_int_equal(learn_assign_org(db, "test-course", "ZZ", &added, &e), -1);
	assert_string_equal(e.msg, "no org unit 'ZZ'");
	assert_int_equal(learn_assign_org(db, "no-such-course", "14", &added, &e), -1);

	/* lessons/01-intro.md as stored: found by its hash and type only, read whole and in chunks. */
	struct buf file = BUF_INIT;
	assert_int_equal(file_read(GOOD "/lessons/01-intro.md", &file, &e), 0);
	const char *want = buf_str(&file);
	size_t len = file.len;
	struct db_stmt *st = db_stmt(db, "SELECT sha256, mime FROM package_files WHERE path = 'lessons/01-intro.md'");
	assert_int_equal(db_step_row(st), 1);
	char sha[65], mime[64];
	snprintf(sha, sizeof sha, "%s", db_col_text(st, 0));
	snprintf(mime, sizeof mime, "%s", db_col_text(st, 1));
	db_finish(st);
	struct media_blob b;
	assert_int_equal(media_blob_find(db, sha, mime, &b, &e), 0);
	assert_int_equal(b.size, len);
	char *got = xmalloc(len);
	assert_int_equal(media_blob_read(&b, 0, got, len), 0);
	assert_memory_equal(got, want, len);
	assert_int_equal(media_blob_read(&b, 5, got, len - 5), 0);
	assert_memory_equal(got, want + 5, len - 5);
	assert_int_equal(media_blob_read(&b, 1, got, len), -1); /* past the end */
	assert_int_equal(media_blob_find(db, sha, "image/png", &b, &e), 1);
	assert_int_equal(
	    media_blob_find(db, "00000000000000000000000000000000000000000000000000000000000000aa", mime, &b, &e), 1);
	free(got);
	buf_release(&file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_manifest_errors),
	    cmocka_unit_test(test_manifest_ok),
	    cmocka_unit_test(test_link_checks),
	    cmocka_unit_test(test_render_safety),
	    cmocka_unit_test(test_render_pathological),
	    cmocka_unit_test(test_check_fixtures),
	    cmocka_unit_test(test_media_types),
	    cmocka_unit_test_setup_teardown(test_hostile_archives, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_top_folder, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
	    cmocka_unit_test(test_limits_config),
	    cmocka_unit_test_setup_teardown(test_reimport_inactive, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_downscale, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_listing_and_blobs, setup, teardown),
	    cmocka_unit_test(test_pack_reproducible),
	    cmocka_unit_test_setup_teardown(test_pick_package, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_plans_and_history, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lesson_view, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_enrolment_milestones, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_learner_state, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
