/*
 * Course packages (format version 1, docs/package-format.md): a folder or a
 * .zip / .tar.gz of one, with course.yml at its root. This module loads a
 * package into memory with hostile-input limits, checks and renders it, and
 * writes the reproducible .zip that `sala pack` makes. Nothing here touches
 * the disk beyond reading the folder given, nor the database (see import.h).
 */
#ifndef SALA_PACKAGE_H
#define SALA_PACKAGE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/err.h"

/* Limits on what a package may contain; pkg_limits_default() fills the defaults shown. */
struct pkg_limits {
	size_t max_entries;	   /* 10,000 files and folders */
	size_t max_entry_bytes;	   /* 200 MB per file */
	size_t max_total_bytes;	   /* 1 GB uncompressed in all */
	size_t max_ratio;	   /* 200: uncompressed/compressed above this is a bomb... */
	size_t ratio_min_bytes;	   /* ...for entries above 1 MB */
	size_t max_markdown_bytes; /* 256 KB per Markdown or quiz file (cmark has quadratic cases) */
	size_t max_path;	   /* 512 bytes per path */
	uint64_t max_pixels;	   /* 40 megapixels per image */
	int max_width;		   /* 1600: wider images are downscaled at import */
};
void pkg_limits_default(struct pkg_limits *l);

/*
 * The limits a site may configure, by name, NULL-terminated: "max_entries",
 * "max_entry_mb", "max_total_mb", "max_markdown_kb", "max_ratio" (the
 * settings package_NAME and the flags --max-entries ... of the CLI).
 */
extern const char *const pkg_limit_names[];
/*
 * Sets the limit name from value, a whole number in the unit the name says
 * (entries, MB, KB, times). -1 with a message naming the limit when the name
 * is unknown or the value is not a number in its range.
 */
int pkg_limits_set(struct pkg_limits *l, const char *name, const char *value, struct err *e);
/* n bytes as "200 MB", "256 KB" or "1000 bytes" (the largest unit that divides it), written into out. */
const char *pkg_size_text(size_t n, char out[32]);

struct pkg_file {
	char *path; /* relative, '/'-separated, no '.', '..' or empty components */
	unsigned char *data;
	size_t len;
};

/* Files sorted by path (byte order). */
struct package {
	struct pkg_file *files;
	size_t nfiles;
	size_t total;
};
/*
 * Adds a file the package derives at import (the images embedded in a Moodle
 * XML quiz), keeping the order; takes ownership of data. -1 (data freed) when
 * the path is already there.
 */
int pkg_file_insert(struct package *p, const char *path, unsigned char *data, size_t len);

/* Problems found by a check are collected in struct problems (lib/diag.h), FILE relative to the package root. */

/*
 * Loading. Every refusal (absolute path, '..', link, device, duplicate,
 * invalid UTF-8 name, too many or too big entries, compression bomb) returns
 * -1 with the reason in e and leaves p empty. A single top folder holding
 * everything is stripped. Free p with pkg_free().
 */
int pkg_load_dir(const char *dir, const struct pkg_limits *lim, struct package *p, struct err *e);
/* An archive in memory: zip, tar or tar.gz (detected by content). */
int pkg_load_archive(const void *data, size_t len, const struct pkg_limits *lim, struct package *p, struct err *e);
/* A folder or an archive file, by what path is. */
int pkg_load_path(const char *path, const struct pkg_limits *lim, struct package *p, struct err *e);
const struct pkg_file *pkg_find(const struct package *p, const char *path);
void pkg_free(struct package *p);

/* An item of the manifest, rendered or parsed by pkg_analyze(). */
struct pkg_item {
	bool quiz;
	char *path;
	char *title;
	char *html;	 /* lessons: safe HTML with rewritten links */
	char *quiz_kind; /* quizzes: "final", "practice", "pretest" */
	int questions;
	char etag[65];
};

/* Most years a course.yml certificate_valid_years may give. */
#define CERT_VALID_YEARS_MAX 50

/* Most days a course.yml attendance_days may ask for. */
#define PKG_ATTENDANCE_DAYS_MAX 100

/* The manifest (course.yml) and the analysed items. Strings owned; pkg_info_free(). */
struct pkg_info {
	char *id, *version, *language, *title, *summary, *authors, *certificate_title;
	char *survey; /* course.yml `survey:`, the reaction survey's path in the package; NULL when none */
	int64_t version_num;
	int minutes, pass_mark;
	int certificate_valid_years; /* 0: certificates do not expire */
	bool certificate, completion_quizzes;
	/*
	 * `completion:` with attendance (face-to-face workshops of the course): completion_attendance when
	 * attendance is required, completion_online false when nothing online is (`completion: attendance`).
	 * attendance_days: the days present it takes (0: every day of one workshop of the course).
	 */
	bool completion_attendance, completion_online;
	int attendance_days;
	struct pkg_item *items;
	size_t nitems;
	int nlessons, nquizzes, nquestions;
};
void pkg_info_free(struct pkg_info *info);

/* MAJOR.MINOR.PATCH (each 0..9999) as one comparable number; -1 if malformed. */
int64_t pkg_version_num(const char *v);

/* Parses course.yml into info (items without titles); problems carry course.yml:LINE. */
int pkg_manifest_parse(const char *data, size_t len, struct pkg_info *info, struct problems *pr);

enum { PKG_FOR_IMPORT = 1 }; /* pkg_analyze flags */
/*
 * Checks everything (manifest, listed files, links and images, media types
 * and sizes, UTF-8, quiz syntax, MANIFEST.sha256) and renders the lessons.
 * With PKG_FOR_IMPORT, wide images in p are replaced by downscaled copies.
 * Returns the number of problems (0 = ok); info is filled as far as possible.
 */
int pkg_analyze(struct package *p, const struct pkg_limits *lim, int flags, struct pkg_info *info, struct problems *pr);

/*
 * Writes the reproducible zip of p (sorted entries, fixed times and modes)
 * with a fresh MANIFEST.sha256 into out. -1 with a message on failure.
 */
int pkg_write_zip(const struct package *p, struct buf *out, struct err *e);

#endif
