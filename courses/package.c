/*
 * Loading packages into memory with hostile-input limits (libarchive, read
 * only, zip/tar/gzip only) and writing the reproducible zip of `sala pack`.
 */
#define _POSIX_C_SOURCE 200809L
#include "courses/package.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/util.h"
#include "lib/xmalloc.h"

/* The timestamp of every zip entry: 2020-01-01T00:00:00Z, so packs are byte-identical. */
#define PACK_MTIME 1577836800

void pkg_limits_default(struct pkg_limits *l)
{
	l->max_entries = 10000;
	l->max_entry_bytes = (size_t)200 << 20;
	l->max_total_bytes = (size_t)1 << 30;
	l->max_ratio = 200;
	l->ratio_min_bytes = (size_t)1 << 20;
	l->max_markdown_bytes = (size_t)256 << 10;
	l->max_path = 512;
	l->max_pixels = 40000000;
	l->max_width = 1600;
}

/* The limits a site may change: name, the unit its value is given in, and the accepted range. */
static const struct {
	const char *name;
	size_t unit;
	long long min, max;
} limit_defs[] = {
    {"max_entries", 1, 1, 1000000},
    {"max_entry_mb", (size_t)1 << 20, 1, 16384},
    {"max_total_mb", (size_t)1 << 20, 1, 65536},
    {"max_markdown_kb", (size_t)1 << 10, 1, 4096},
    {"max_ratio", 1, 2, 100000},
};

const char *const pkg_limit_names[] = {"max_entries",	  "max_entry_mb", "max_total_mb",
				       "max_markdown_kb", "max_ratio",	  NULL};

int pkg_limits_set(struct pkg_limits *l, const char *name, const char *value, struct err *e)
{
	size_t i = 0;
	while (i < sizeof limit_defs / sizeof limit_defs[0] && strcmp(limit_defs[i].name, name) != 0)
		i++;
	if (i == sizeof limit_defs / sizeof limit_defs[0])
		return err_set(e, "unknown package limit '%s'", name);
	char *end;
	errno = 0;
	long long v = strtoll(value, &end, 10);
	if (errno || end == value || *end || v < limit_defs[i].min || v > limit_defs[i].max)
		return err_set(e, "%s: '%s' is not a whole number from %lld to %lld", name, value, limit_defs[i].min,
			       limit_defs[i].max);
	size_t n = (size_t)v * limit_defs[i].unit;
	switch (i) {
	case 0:
		l->max_entries = n;
		break;
	case 1:
		l->max_entry_bytes = n;
		break;
	case 2:
		l->max_total_bytes = n;
		break;
	case 3:
		l->max_markdown_bytes = n;
		break;
	default:
		l->max_ratio = n;
		break;
	}
	return 0;
}

const char *pkg_size_text(size_t n, char out[32])
{
	if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0)
		snprintf(out, 32, "%zu MB", n >> 20);
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(out, 32, "%zu KB", n >> 10);
	else
		snprintf(out, 32, "%zu bytes", n);
	return out;
}

void pkg_free(struct package *p)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i].path);
		free(p->files[i].data);
	}
	free(p->files);
	memset(p, 0, sizeof *p);
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct pkg_file *)a)->path, ((const struct pkg_file *)b)->path);
}

const struct pkg_file *pkg_find(const struct package *p, const char *path)
{
	struct pkg_file key = {.path = (char *)path};
	if (!p->nfiles)
		return NULL;
	return bsearch(&key, p->files, p->nfiles, sizeof key, cmp_file);
}

/* Takes ownership of path and data. */
static void pkg_add(struct package *p, size_t *cap, char *path, unsigned char *data, size_t len)
{
	if (p->nfiles == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		p->files = xrealloc(p->files, *cap * sizeof *p->files);
	}
	p->files[p->nfiles++] = (struct pkg_file){path, data, len};
	p->total += len;
}

int pkg_file_insert(struct package *p, const char *path, unsigned char *data, size_t len)
{
	if (pkg_find(p, path)) {
		free(data);
		return -1;
	}
	p->files = xrealloc(p->files, (p->nfiles + 1) * sizeof *p->files);
	p->files[p->nfiles++] = (struct pkg_file){xstrdup(path), data, len};
	p->total += len;
	qsort(p->files, p->nfiles, sizeof *p->files, cmp_file);
	return 0;
}

/*
 * Normalises an entry name into a package path: strips a leading "./" and a
 * trailing '/', refuses absolute paths, '..', '.', empty components,
 * backslashes, control characters and invalid UTF-8. Caller frees.
 */
static char *path_clean(const char *name, size_t max_path, struct err *e)
{
	if (!name || !*name)
		return err_set(e, "an entry has no name"), NULL;
	size_t n = strlen(name);
	if (n > max_path)
		return err_set(e, "entry name longer than %zu bytes", max_path), NULL;
	if (!utf8_valid(name, n))
		return err_set(e, "entry name is not valid UTF-8"), NULL;
	if (name[0] == '/')
		return err_set(e, "entry '%s' has an absolute path", name), NULL;
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	for (const char *s = name; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return err_set(e, "entry name has a control character"), NULL;
		if (*s == '\\')
			return err_set(e, "entry '%s' has a backslash in its path", name), NULL;
		if (*s == ':' && s == name + 1)
			return err_set(e, "entry '%s' has a drive letter", name), NULL;
	}
	char *p = xstrdup(name);
	size_t len = strlen(p);
	while (len && p[len - 1] == '/')
		p[--len] = '\0';
	if (!len) {
		free(p);
		return xstrdup("");
	}
	for (char *c = p;;) {
		char *end = strchr(c, '/');
		size_t cl = end ? (size_t)(end - c) : strlen(c);
		if (cl == 0 || (cl == 1 && c[0] == '.') || (cl == 2 && c[0] == '.' && c[1] == '.')) {
			err_set(e, "entry '%s' has a '%.*s' component", name, (int)cl, cl ? c : "//");
			free(p);
			return NULL;
		}
		if (!end)
			break;
		c = end + 1;
	}
	return p;
}

/*
 * After loading: sorts, refuses duplicates and file/folder clashes, strips a
 * single top folder that holds everything.
 */
static int pkg_finish(struct package *p, struct err *e)
{
	if (!p->nfiles)
		return err_set(e, "the package is empty");
	bool strip = true;
	const char *top = NULL;
	size_t toplen = 0;
	for (size_t i = 0; i < p->nfiles && strip; i++) {
		const char *slash = strchr(p->files[i].path, '/');
		if (!slash)
			strip = false;
		else if (!top)
			top = p->files[i].path, toplen = (size_t)(slash - top);
		else if ((size_t)(slash - p->files[i].path) != toplen || memcmp(p->files[i].path, top, toplen) != 0)
			strip = false;
	}
	if (strip) {
		for (size_t i = 0; i < p->nfiles; i++) {
			char *s = p->files[i].path;
			memmove(s, s + toplen + 1, strlen(s + toplen + 1) + 1);
		}
	}
	qsort(p->files, p->nfiles, sizeof *p->files, cmp_file);
	for (size_t i = 1; i < p->nfiles; i++)
		if (strcmp(p->files[i - 1].path, p->files[i].path) == 0)
			return err_set(e, "duplicate entry '%s'", p->files[i].path);
	for (size_t i = 0; i < p->nfiles; i++) {
		const char *s = p->files[i].path;
		for (const char *slash = strchr(s, '/'); slash; slash = strchr(slash + 1, '/')) {
			/* A copy: the array must not change while it is searched. */
			char *dir = xstrndup(s, (size_t)(slash - s));
			bool clash = pkg_find(p, dir) != NULL;
			free(dir);
			if (clash)
				return err_set(e, "'%.*s' is both a file and a folder", (int)(slash - s), s);
		}
	}
	return 0;
}

struct dirwalk {
	const struct pkg_limits *lim;
	struct package *p;
	size_t cap, entries;
	struct err *e;
};

static int walk(struct dirwalk *w, const char *root, const char *rel, int depth)
{
	if (depth > 32)
		return err_set(w->e, "folders nested too deeply under '%s'", rel);
	char *dirpath = *rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	DIR *d = opendir(dirpath);
	if (!d) {
		err_set(w->e, "cannot open '%s': %s", dirpath, strerror(errno));
		free(dirpath);
		return -1;
	}
	int rc = 0;
	struct dirent *de;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue; /* ., .., and hidden files such as .git or .DS_Store */
		if (++w->entries > w->lim->max_entries) {
			rc = err_set(w->e, "more than %zu entries", w->lim->max_entries);
			break;
		}
		char *name = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		char *full = xasprintf("%s/%s", root, name);
		struct stat st;
		char *clean = NULL, sz[32];
		if (lstat(full, &st) < 0)
			rc = err_set(w->e, "cannot read '%s': %s", name, strerror(errno));
		else if (!(clean = path_clean(name, w->lim->max_path, w->e)))
			rc = -1;
		else if (S_ISLNK(st.st_mode))
			rc = err_set(w->e, "'%s' is a symbolic link", name);
		else if (S_ISDIR(st.st_mode))
			rc = walk(w, root, name, depth + 1);
		else if (!S_ISREG(st.st_mode))
			rc = err_set(w->e, "'%s' is not a regular file", name);
		else if ((uint64_t)st.st_size > w->lim->max_entry_bytes)
			rc = err_set(w->e, "'%s' is larger than %s", name, pkg_size_text(w->lim->max_entry_bytes, sz));
		else if (w->p->total + (size_t)st.st_size > w->lim->max_total_bytes)
			rc = err_set(w->e, "the package is larger than %s", pkg_size_text(w->lim->max_total_bytes, sz));
		else {
			struct buf b = BUF_INIT;
			if (file_read(full, &b, w->e) < 0) {
				rc = -1;
			} else if (b.len > w->lim->max_entry_bytes) {
				rc = err_set(w->e, "'%s' is larger than %s", name,
					     pkg_size_text(w->lim->max_entry_bytes, sz));
			} else {
				size_t len;
				char *data = buf_detach(&b, &len);
				pkg_add(w->p, &w->cap, clean, (unsigned char *)data, len);
				clean = NULL;
			}
			buf_release(&b);
		}
		free(clean);
		free(name);
		free(full);
	}
	closedir(d);
	free(dirpath);
	return rc;
}

int pkg_load_dir(const char *dir, const struct pkg_limits *lim, struct package *p, struct err *e)
{
	memset(p, 0, sizeof *p);
	struct dirwalk w = {.lim = lim, .p = p, .e = e};
	if (walk(&w, dir, "", 0) < 0 || pkg_finish(p, e) < 0) {
		pkg_free(p);
		return -1;
	}
	return 0;
}

/* libarchive's message, or words when it has none: never "(null)". */
static const char *archive_reason(struct archive *a)
{
	const char *m = a ? archive_error_string(a) : NULL;
	if (m)
		return m;
	int n = a ? archive_errno(a) : ENOMEM;
	return n == ENOMEM ? "not enough memory" : n ? strerror(n) : "the data is empty or not an archive";
}

enum { ENTRY_CHUNK = 65536 };

/* chunk: ENTRY_CHUNK bytes of the caller's (on the heap: uploads are read on a request thread's 100 KiB stack). */
static int read_entry_into(struct archive *a, const char *name, const struct pkg_limits *lim, size_t total,
			   struct buf *b, char *chunk, struct err *e)
{
	char sz[32];
	int64_t before = archive_filter_bytes(a, -1);
	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, ENTRY_CHUNK);
		if (n < 0)
			return err_set(e, "cannot read '%s': %s", name, archive_reason(a));
		if (n == 0)
			break;
		/* Count what was really returned: the header's size may lie. */
		if (b->len + (size_t)n > lim->max_entry_bytes)
			return err_set(e, "'%s' is larger than %s", name, pkg_size_text(lim->max_entry_bytes, sz));
		if (total + b->len + (size_t)n > lim->max_total_bytes)
			return err_set(e, "the package is larger than %s uncompressed",
				       pkg_size_text(lim->max_total_bytes, sz));
		buf_add(b, chunk, (size_t)n);
	}
	int64_t packed = archive_filter_bytes(a, -1) - before;
	if (packed < 1)
		packed = 1;
	if (b->len > lim->ratio_min_bytes && b->len / (uint64_t)packed > lim->max_ratio)
		return err_set(e, "'%s' expands more than %zu times: a compression bomb?", name, lim->max_ratio);
	return 0;
}

static int read_entry(struct archive *a, const char *name, const struct pkg_limits *lim, size_t total, struct buf *b,
		      struct err *e)
{
	char *chunk = xmalloc(ENTRY_CHUNK);
	int rc = read_entry_into(a, name, lim, total, b, chunk, e);
	free(chunk);
	return rc;
}

int pkg_load_archive(const void *data, size_t len, const struct pkg_limits *lim, struct package *p, struct err *e)
{
	memset(p, 0, sizeof *p);
	struct archive *a = archive_read_new();
	if (!a)
		return err_set(e, "cannot read the package: not enough memory");
	archive_read_support_filter_gzip(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_tar(a);
	size_t cap = 0, entries = 0;
	int rc = 0;
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
		rc = err_set(e, "not a zip or tar.gz archive: %s", archive_reason(a));
		goto done;
	}
	for (;;) {
		struct archive_entry *ent;
		int r = archive_read_next_header(a, &ent);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			rc = err_set(e, "%s: %s", entries ? "damaged archive" : "not a zip or tar.gz archive",
				     archive_reason(a));
			goto done;
		}
		if (++entries > lim->max_entries) {
			rc = err_set(e, "more than %zu entries", lim->max_entries);
			goto done;
		}
		const char *raw = archive_entry_pathname(ent);
		char *name = path_clean(raw, lim->max_path, e);
		if (!name) {
			rc = -1;
			goto done;
		}
		mode_t type = archive_entry_filetype(ent);
		if (archive_entry_hardlink(ent))
			rc = err_set(e, "'%s' is a hard link", name);
		else if (archive_entry_symlink(ent) || type == AE_IFLNK)
			rc = err_set(e, "'%s' is a symbolic link", name);
		else if (type != AE_IFREG && type != AE_IFDIR)
			rc = err_set(e, "'%s' is not a regular file or folder", name);
		if (rc < 0 || type == AE_IFDIR || !*name) {
			free(name);
			if (rc < 0)
				goto done;
			continue;
		}
		struct buf b = BUF_INIT;
		if (read_entry(a, name, lim, p->total, &b, e) < 0) {
			buf_release(&b);
			free(name);
			rc = -1;
			goto done;
		}
		size_t n;
		char *bytes = buf_detach(&b, &n);
		pkg_add(p, &cap, name, (unsigned char *)(bytes ? bytes : xstrdup("")), n);
	}
	if (p->total > lim->ratio_min_bytes && p->total / (len ? len : 1) > lim->max_ratio) {
		rc = err_set(e, "the archive expands more than %zu times: a compression bomb?", lim->max_ratio);
		goto done;
	}
	rc = pkg_finish(p, e);
done:
	archive_read_free(a);
	if (rc < 0)
		pkg_free(p);
	return rc;
}

int pkg_load_path(const char *path, const struct pkg_limits *lim, struct package *p, struct err *e)
{
	struct stat st;
	memset(p, 0, sizeof *p);
	if (stat(path, &st) < 0)
		return err_set(e, "cannot open '%s': %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return pkg_load_dir(path, lim, p, e);
	if (!S_ISREG(st.st_mode))
		return err_set(e, "'%s' is not a folder or an archive file", path);
	char sz[32];
	if ((uint64_t)st.st_size > lim->max_total_bytes)
		return err_set(e, "'%s' is larger than %s", path, pkg_size_text(lim->max_total_bytes, sz));
	struct buf b = BUF_INIT;
	if (file_read(path, &b, e) < 0)
		return -1;
	int rc = pkg_load_archive(b.data, b.len, lim, p, e);
	buf_release(&b);
	return rc;
}

static la_ssize_t buf_writer(struct archive *a, void *ctx, const void *data, size_t len)
{
	(void)a;
	buf_add(ctx, data, len);
	return (la_ssize_t)len;
}

static int zip_add(struct archive *a, const char *path, const void *data, size_t len, struct err *e)
{
	struct archive_entry *ent = archive_entry_new();
	archive_entry_set_pathname_utf8(ent, path);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0644);
	archive_entry_set_size(ent, (la_int64_t)len);
	archive_entry_set_mtime(ent, PACK_MTIME, 0);
	archive_entry_set_uid(ent, 0);
	archive_entry_set_gid(ent, 0);
	int rc = 0;
	if (archive_write_header(a, ent) != ARCHIVE_OK || (len && archive_write_data(a, data, len) != (la_ssize_t)len))
		rc = err_set(e, "cannot add '%s' to the zip: %s", path, archive_reason(a));
	archive_entry_free(ent);
	return rc;
}

int pkg_write_zip(const struct package *p, struct buf *out, struct err *e)
{
	struct buf manifest = BUF_INIT;
	for (size_t i = 0; i < p->nfiles; i++) {
		if (strcmp(p->files[i].path, "MANIFEST.sha256") == 0)
			continue;
		char hex[65];
		sha256_hex(p->files[i].data, p->files[i].len, hex);
		buf_printf(&manifest, "%s  %s\n", hex, p->files[i].path);
	}
	struct archive *a = archive_write_new();
	int rc = 0;
	if (!a) {
		buf_release(&manifest);
		return err_set(e, "cannot write a zip: not enough memory");
	}
	if (archive_write_set_format_zip(a) != ARCHIVE_OK ||
	    archive_write_set_options(a, "zip:compression=deflate") != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open(a, out, NULL, buf_writer, NULL) != ARCHIVE_OK) {
		rc = err_set(e, "cannot write a zip: %s", archive_reason(a));
		goto done;
	}
	bool manifest_done = false;
	for (size_t i = 0; i <= p->nfiles && rc == 0; i++) {
		const struct pkg_file *f = i < p->nfiles ? &p->files[i] : NULL;
		if (f && strcmp(f->path, "MANIFEST.sha256") == 0)
			continue;
		/* MANIFEST.sha256 goes in its sorted place. */
		if (!manifest_done && (!f || strcmp("MANIFEST.sha256", f->path) < 0)) {
			manifest_done = true;
			rc = zip_add(a, "MANIFEST.sha256", manifest.data, manifest.len, e);
		}
		if (f && rc == 0)
			rc = zip_add(a, f->path, f->data, f->len, e);
	}
	if (rc == 0 && archive_write_close(a) != ARCHIVE_OK)
		rc = err_set(e, "cannot finish the zip: %s", archive_reason(a));
done:
	archive_write_free(a);
	buf_release(&manifest);
	return rc;
}
