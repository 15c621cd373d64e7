/* sala new, check, pack, preview, import, courses: authoring and managing course packages. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "courses/import.h"
#include "courses/package.h"
#include "lib/db.h"
#include "lib/util.h"
#include "lib/xmalloc.h"
#include "server/preview.h"

static const struct {
	const char *path, *text;
} new_files[] = {
    {"course.yml", "id: my-course\n"
		   "version: 0.1.0\n"
		   "language: en\n"
		   "title: My first course\n"
		   "summary: One paragraph shown in the catalogue.\n"
		   "authors: [Your name]\n"
		   "minutes: 30\n"
		   "pass_mark: 70\n"
		   "certificate: true\n"
		   "completion: all\n"
		   "lessons:\n"
		   "  - file: lessons/01-welcome.md\n"
		   "  - file: lessons/02-next-steps.md\n"
		   "  - quiz: quizzes/final.md\n"},
    {"lessons/01-welcome.md", "# Welcome\n\n"
			      "This is the first lesson. Write it in **Markdown** (CommonMark).\n\n"
			      "## What you will learn\n\n"
			      "- how a lesson is written\n"
			      "- how lessons link to each other\n\n"
			      "Media files (png, jpg, gif, webp, mp3, ogg, m4a, mp4, webm, pdf) go anywhere in the\n"
			      "package and are linked with relative paths, like lessons.\n\n"
			      "[Next: Next steps](02-next-steps.md)\n"},
    {"lessons/02-next-steps.md", "# Next steps\n\n"
				 "Check the package with `sala check`, look at it with `sala preview`, and make\n"
				 "a zip to upload with `sala pack`.\n\n"
				 "[Back to the welcome](01-welcome.md)\n"},
    {"quizzes/final.md", "---\n"
			 "title: Final quiz\n"
			 "pass_mark: 70\n"
			 "kind: final\n"
			 "---\n\n"
			 "## Which command checks a package?\n"
			 "- [x] sala check\n"
			 "- [ ] sala serve\n"
			 "- [ ] sala backup\n\n"
			 "> `sala check` reports every problem as FILE:LINE.\n\n"
			 "## Which files can a lesson link to? Choose all that apply.\n"
			 "- [x] Another lesson of the package\n"
			 "- [x] An image inside the package\n"
			 "- [ ] A script file\n"},
};

static int mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			free(p);
			return -1;
		}
		*s = '/';
	}
	int rc = mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
	free(p);
	return rc;
}

/*
 * The course id for a new course in dir: the folder's name in lower case, any other character than a
 * letter, digit or '-' made a '-' ("E-filing" and "e filing" give "e-filing"); "my-course" when that
 * leaves fewer than 2 characters. Fits the id rule of docs/package-format.md.
 */
static void new_course_id(const char *dir, char *out, size_t outlen)
{
	size_t end = strlen(dir);
	while (end > 1 && dir[end - 1] == '/')
		end--;
	size_t start = end;
	while (start > 0 && dir[start - 1] != '/')
		start--;
	size_t k = 0;
	for (size_t i = start; i < end && k + 1 < outlen && k < 63; i++) {
		char c = dir[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '-';
		if (c == '-' && (k == 0 || out[k - 1] == '-'))
			continue;
		out[k++] = c;
	}
	while (k > 0 && out[k - 1] == '-')
		k--;
	out[k] = '\0';
	if (k < 2)
		snprintf(out, outlen, "my-course");
}

static int cmd_new(struct cmd_args *a)
{
	const char *dir = a->argv[0];
	struct stat st;
	char *yml = xasprintf("%s/course.yml", dir);
	if (stat(yml, &st) == 0)
		die("new: '%s' already exists", yml);
	free(yml);
	for (size_t i = 0; i < sizeof new_files / sizeof new_files[0]; i++) {
		char *path = xasprintf("%s/%s", dir, new_files[i].path);
		char *slash = strrchr(path, '/');
		*slash = '\0';
		if (mkdirs(path) < 0)
			die("new: cannot create '%s': %s", path, strerror(errno));
		*slash = '/';
		struct err e;
		char *text = xstrdup(new_files[i].text);
		if (!strcmp(new_files[i].path, "course.yml")) {
			char id[64];
			new_course_id(dir, id, sizeof id);
			free(text);
			text = xasprintf("id: %s\n%s", id, strchr(new_files[i].text, '\n') + 1);
		}
		if (file_write_atomic(path, text, strlen(text), 0644, &e) < 0)
			die("new: %s", e.msg);
		free(text);
		free(path);
	}
	printf("created a course in %s: edit course.yml, then run 'sala check %s'\n", dir, dir);
	return 0;
}

#define LIMIT_FLAGS "[--max-entries N] [--max-entry-mb N] [--max-total-mb N] [--max-markdown-kb N] [--max-ratio N]"

/* The package limits as options, "--max-total-mb N" for the limit max_total_mb (see pkg_limit_names). */
#define LIMIT_OPTIONS                                                                                                  \
	{"max-entries", required_argument, NULL, 0}, {"max-entry-mb", required_argument, NULL, 0},                     \
	    {"max-total-mb", required_argument, NULL, 0}, {"max-markdown-kb", required_argument, NULL, 0},             \
	{                                                                                                              \
		"max-ratio", required_argument, NULL, 0                                                                \
	}

/* Sets in lim the limits given as options, in the order given; exits on a bad value. */
static void limits_from(const struct cmd_args *a, struct pkg_limits *lim)
{
	for (int i = 0; i < a->nopts; i++) {
		const char *name = a->opts[i].opt->name;
		if (strncmp(name, "max-", 4) != 0)
			continue;
		char limit[40];
		size_t k = 0;
		for (; name[k] && k + 1 < sizeof limit; k++)
			limit[k] = name[k] == '-' ? '_' : name[k];
		limit[k] = '\0';
		struct err e;
		if (pkg_limits_set(lim, limit, a->opts[i].value, &e) < 0)
			die("--%s: %s", name, strchr(e.msg, ':') ? strchr(e.msg, ':') + 2 : e.msg);
	}
}

/* Loads and checks path; prints problems or the ok line. Returns the problem count, or -1 when unreadable. */
static int load_check(const char *path, const struct pkg_limits *lim, struct package *p, struct pkg_info *info,
		      bool quiet)
{
	struct err e;
	memset(info, 0, sizeof *info);
	if (pkg_load_path(path, lim, p, &e) < 0) {
		fprintf(stderr, "sala: %s: %s\n", path, e.msg);
		return -1;
	}
	struct problems pr = {0};
	int n = pkg_analyze(p, lim, 0, info, &pr);
	fputs(problems_warnings(&pr), stderr);
	if (n) {
		fputs(problems_text(&pr), stdout);
		fprintf(stderr, "sala: %d problem%s\n", n, n == 1 ? "" : "s");
	} else if (!quiet) {
		printf("ok: %s %s (%s): %d lessons, %d quizzes, %d questions\n", info->id, info->version,
		       info->language, info->nlessons, info->nquizzes, info->nquestions);
	}
	problems_release(&pr);
	return n;
}

static int cmd_check(struct cmd_args *a)
{
	const char *path = a->argv[0];
	struct pkg_limits lim;
	pkg_limits_default(&lim);
	limits_from(a, &lim);
	struct package p;
	struct pkg_info info;
	int n = load_check(path, &lim, &p, &info, false);
	pkg_info_free(&info);
	if (n >= 0)
		pkg_free(&p);
	return n == 0 ? 0 : 1;
}

static int cmd_pack(struct cmd_args *a)
{
	const char *dir = a->argv[0], *out = cmd_arg(a, "output");
	struct pkg_limits lim;
	pkg_limits_default(&lim);
	limits_from(a, &lim);
	struct package p;
	struct pkg_info info;
	int n = load_check(dir, &lim, &p, &info, true);
	if (n != 0) {
		pkg_info_free(&info);
		if (n > 0)
			pkg_free(&p);
		return 1;
	}
	char *name = out ? xstrdup(out) : xasprintf("%s-%s-%s.zip", info.id, info.version, info.language);
	cli_check_out("pack", name);
	struct buf zip = BUF_INIT;
	struct err e;
	int rc = 0;
	if (pkg_write_zip(&p, &zip, &e) < 0 || file_write_atomic(name, zip.data, zip.len, 0644, &e) < 0) {
		fprintf(stderr, "sala: pack: %s\n", e.msg);
		rc = 1;
	} else {
		printf("packed %s: %s %s (%s), %zu files, %zu bytes\n", name, info.id, info.version, info.language,
		       p.nfiles, zip.len);
	}
	buf_release(&zip);
	free(name);
	pkg_info_free(&info);
	pkg_free(&p);
	return rc;
}

static int cmd_preview(struct cmd_args *a)
{
	const char *dir = a->argv[0], *port_file = cmd_arg(a, "port-file");
	const char *listen = cmd_has(a, "listen") ? cmd_arg(a, "listen") : "127.0.0.1:8090";
	struct pkg_limits lim;
	pkg_limits_default(&lim);
	limits_from(a, &lim);
	return preview_run(dir, listen, port_file, &lim);
}

static int cmd_import(struct cmd_args *a)
{
	const char *path = a->argv[0];
	struct pkg_limits lim;
	pkg_limits_default(&lim);
	limits_from(a, &lim);
	struct import_opts o = {.by = "cli",
				.lim = &lim,
				.force = cmd_has(a, "force"),
				.draft = cmd_has(a, "draft"),
				.who = cli_who(),
				.source = path};
	if (o.draft && o.force)
		die("import: --draft and --force do not go together (a draft replaces nothing until it is published)");
	struct db *db = cli_db_open();
	struct problems pr = {0};
	struct err e;
	char msg[512];
	int rc = package_import_path(db, path, &o, &pr, msg, sizeof msg, &e);
	db_close(db);
	fputs(problems_warnings(&pr), stderr);
	if (rc < 0) {
		fputs(problems_text(&pr), stdout);
		problems_release(&pr);
		die("import: %s: %s", path, e.msg);
	}
	problems_release(&pr);
	printf("%s\n", msg);
	return 0;
}

/* Prints the versions; returns how many packages there were. */
static size_t print_versions(struct db *db, const char *course, const char *lang, bool active_only)
{
	struct pkg_version *v;
	size_t n;
	package_versions(db, course, lang, &v, &n);
	for (size_t i = 0; i < n; i++) {
		if (active_only && !v[i].active)
			continue;
		char day[11];
		date_ymd(v[i].imported_at, day);
		printf("%-24s %-6s %-10s %-9s %s  %s\n", v[i].course_id, v[i].language, v[i].version,
		       v[i].active	? "active"
		       : v[i].published ? "published"
					: "draft",
		       day, v[i].title);
	}
	free(v);
	return n;
}

#define COURSES_USAGE                                                                                                  \
	"courses list | versions ID [--lang L] | rollback ID --lang L --version V | publish ID --lang L [--version V]"

/* sala courses publish: a draft (the newest, or --version) becomes the version learners see. */
static int courses_publish(struct db *db, const char *id, const char *lang, const char *version)
{
	struct err e;
	char done[32];
	/* The published version and its audit entry in one transaction. */
	if (db_begin(db, &e) < 0 || package_publish(db, id, lang, version, done, sizeof done, &e) < 0) {
		db_rollback(db);
		fprintf(stderr, "sala: publish: %s\n", e.msg);
		return 1;
	}
	char target[300], detail[300];
	snprintf(target, sizeof target, "course:%s", id);
	snprintf(detail, sizeof detail, "lang=%s version=%s", lang, done);
	if (cli_audit_commit(db, "course.publish", target, detail, &e) < 0) {
		fprintf(stderr, "sala: publish: %s\n", e.msg);
		return 1;
	}
	printf("published: %s %s (%s) is now the version learners see\n", id, done, lang);
	return 0;
}

static int cmd_courses(struct cmd_args *a)
{
	const char *usage = "usage: sala " COURSES_USAGE;
	const char *sub = a->argv[0], *id = a->argc > 1 ? a->argv[1] : NULL;
	const char *lang = cmd_arg(a, "lang"), *version = cmd_arg(a, "version");
	if (strcmp(sub, "list") && strcmp(sub, "versions") && strcmp(sub, "rollback") && strcmp(sub, "publish"))
		die("courses: unknown command '%s'\n%s", sub, usage);
	if (lang && strcmp(lang, "en") && strcmp(lang, "km"))
		die("courses: --lang must be en or km, not '%s'", lang);
	struct db *db = cli_db_open();
	int rc = 0;
	if (!strcmp(sub, "list") && !id) {
		print_versions(db, NULL, lang, true);
	} else if (!strcmp(sub, "versions") && id) {
		if (print_versions(db, id, lang, false) == 0) {
			fprintf(stderr, "sala: courses: no course '%s'%s%s (see 'sala courses list')\n", id,
				lang ? " in " : "", lang ? lang : "");
			rc = 1;
		}
	} else if (!strcmp(sub, "rollback") && id && lang && version) {
		struct err e;
		char target[300], detail[300];
		snprintf(target, sizeof target, "course:%s", id);
		snprintf(detail, sizeof detail, "lang=%s version=%s", lang, version);
		if (db_begin(db, &e) < 0 || package_rollback(db, id, lang, version, &e) < 0) {
			db_rollback(db);
			fprintf(stderr, "sala: rollback: %s\n", e.msg);
			rc = 1;
		} else if (cli_audit_commit(db, "course.rollback", target, detail, &e) < 0) {
			fprintf(stderr, "sala: rollback: %s\n", e.msg);
			rc = 1;
		} else {
			printf("active: %s %s (%s)\n", id, version, lang);
		}
	} else if (!strcmp(sub, "publish") && id && lang) {
		rc = courses_publish(db, id, lang, version);
	} else {
		db_close(db);
		die("courses %s: %s\n%s", sub,
		    !strcmp(sub, "list")       ? "takes no course ID"
		    : !strcmp(sub, "versions") ? "needs a course ID"
		    : !strcmp(sub, "publish")  ? "needs a course ID and --lang"
					       : "needs a course ID, --lang and --version",
		    usage);
	}
	db_close(db);
	return rc;
}

const struct cmd_entry cmd_new_entry = {
    .name = "new",
    .usage = "new DIR",
    .help = "  a new course to edit: course.yml, two lessons and a quiz",
    .lower = 1,
    .upper = 1,
    .exec = cmd_new,
};

const struct cmd_entry cmd_check_entry = {
    .name = "check",
    .usage = "check DIR|FILE.zip|FILE.tar.gz " LIMIT_FLAGS,
    .options = (const struct option[]){LIMIT_OPTIONS, {0}},
    .lower = 1,
    .upper = 1,
    .exec = cmd_check,
};

const struct cmd_entry cmd_pack_entry = {
    .name = "pack",
    .usage = "pack DIR [-o FILE.zip] " LIMIT_FLAGS,
    .options = (const struct option[]){{"output", required_argument, NULL, 'o'}, LIMIT_OPTIONS, {0}},
    .lower = 1,
    .upper = 1,
    .exec = cmd_pack,
};

const struct cmd_entry cmd_preview_entry = {
    .name = "preview",
    .usage = "preview DIR [--listen 127.0.0.1:8090] [--port-file FILE] " LIMIT_FLAGS,
    .options =
	(const struct option[]){
	    {"listen", required_argument, NULL, 0}, {"port-file", required_argument, NULL, 0}, LIMIT_OPTIONS, {0}},
    .lower = 1,
    .upper = 1,
    .exec = cmd_preview,
};

const struct cmd_entry cmd_import_entry = {
    .name = "import",
    .usage = "import FILE|DIR [--force | --draft] " LIMIT_FLAGS,
    .help = "  publishes at once unless --draft (then 'sala courses publish'); limits: docs/package-format.md",
    .options =
	(const struct option[]){{"force", no_argument, NULL, 0}, {"draft", no_argument, NULL, 0}, LIMIT_OPTIONS, {0}},
    .lower = 1,
    .upper = 1,
    .exec = cmd_import,
};

/* The subcommand is checked by the handler, which names what is missing ("rollback needs a course ID..."). */
const struct cmd_entry cmd_courses_entry = {
    .name = "courses",
    .usage = COURSES_USAGE,
    .options =
	(const struct option[]){{"lang", required_argument, NULL, 0}, {"version", required_argument, NULL, 0}, {0}},
    .lower = 1,
    .upper = 2,
    .exec = cmd_courses,
};
