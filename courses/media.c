/* Media types, magic bytes, image header dimensions and downscaling (libgd). */
#include "courses/media.h"

#include <gd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db.h"
#include "lib/xmalloc.h"

static const struct {
	const char *ext, *mime;
} types[] = {
    {"png", "image/png"},   {"jpg", "image/jpeg"},  {"jpeg", "image/jpeg"},	{"gif", "image/gif"},
    {"webp", "image/webp"}, {"mp3", "audio/mpeg"},  {"ogg", "audio/ogg"},	{"m4a", "audio/mp4"},
    {"mp4", "video/mp4"},   {"webm", "video/webm"}, {"pdf", "application/pdf"},
};

const char *media_ext(const char *name, char out[8])
{
	out[0] = '\0';
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash ? slash + 1 : name, '.');
	if (!dot || strlen(dot + 1) >= 8)
		return out;
	size_t i = 0;
	for (const char *s = dot + 1; *s; s++)
		out[i++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
	out[i] = '\0';
	return out;
}

const char *media_type_for_ext(const char *ext)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].ext, ext) == 0)
			return types[i].mime;
	return NULL;
}

bool media_is_image(const char *ext)
{
	return !strcmp(ext, "png") || !strcmp(ext, "jpg") || !strcmp(ext, "jpeg") || !strcmp(ext, "gif") ||
	       !strcmp(ext, "webp");
}

static bool has(const unsigned char *d, size_t len, size_t off, const char *magic, size_t n)
{
	return len >= off + n && memcmp(d + off, magic, n) == 0;
}

bool media_magic_ok(const char *ext, const unsigned char *d, size_t len)
{
	if (!strcmp(ext, "png"))
		return has(d, len, 0, "\x89PNG\r\n\x1a\n", 8);
	if (!strcmp(ext, "jpg") || !strcmp(ext, "jpeg"))
		return has(d, len, 0, "\xff\xd8\xff", 3);
	if (!strcmp(ext, "gif"))
		return has(d, len, 0, "GIF87a", 6) || has(d, len, 0, "GIF89a", 6);
	if (!strcmp(ext, "webp"))
		return has(d, len, 0, "RIFF", 4) && has(d, len, 8, "WEBP", 4);
	if (!strcmp(ext, "mp3"))
		return has(d, len, 0, "ID3", 3) || (len >= 2 && d[0] == 0xff && (d[1] & 0xe0) == 0xe0);
	if (!strcmp(ext, "ogg"))
		return has(d, len, 0, "OggS", 4);
	if (!strcmp(ext, "m4a") || !strcmp(ext, "mp4"))
		return has(d, len, 4, "ftyp", 4);
	if (!strcmp(ext, "webm"))
		return has(d, len, 0, "\x1a\x45\xdf\xa3", 4);
	if (!strcmp(ext, "pdf"))
		return has(d, len, 0, "%PDF-", 5);
	return false;
}

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[1] << 8 | p[0];
}

static int jpeg_size(const unsigned char *d, size_t len, int *w, int *h)
{
	size_t i = 2;
	while (i + 4 <= len) {
		if (d[i] != 0xff) {
			i++;
			continue;
		}
		unsigned char m = d[i + 1];
		if (m == 0xff) {
			i++;
			continue;
		}
		if (m == 0xd8 || m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {
			i += 2;
			continue;
		}
		size_t seg = be16(d + i + 2);
		if (seg < 2)
			return -1;
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
			if (i + 9 > len)
				return -1;
			*h = (int)be16(d + i + 5);
			*w = (int)be16(d + i + 7);
			return *w > 0 && *h > 0 ? 0 : -1;
		}
		i += 2 + seg;
	}
	return -1;
}

static int webp_size(const unsigned char *d, size_t len, int *w, int *h)
{
	if (len < 30)
		return -1;
	if (has(d, len, 12, "VP8 ", 4)) {
		if (d[23] != 0x9d || d[24] != 0x01 || d[25] != 0x2a)
			return -1;
		*w = (int)(le16(d + 26) & 0x3fff);
		*h = (int)(le16(d + 28) & 0x3fff);
	} else if (has(d, len, 12, "VP8L", 4)) {
		if (d[20] != 0x2f)
			return -1;
		uint32_t b = (uint32_t)d[21] | (uint32_t)d[22] << 8 | (uint32_t)d[23] << 16 | (uint32_t)d[24] << 24;
		*w = (int)(b & 0x3fff) + 1;
		*h = (int)((b >> 14) & 0x3fff) + 1;
	} else if (has(d, len, 12, "VP8X", 4)) {
		*w = (int)((uint32_t)d[24] | (uint32_t)d[25] << 8 | (uint32_t)d[26] << 16) + 1;
		*h = (int)((uint32_t)d[27] | (uint32_t)d[28] << 8 | (uint32_t)d[29] << 16) + 1;
	} else {
		return -1;
	}
	return *w > 0 && *h > 0 ? 0 : -1;
}

int media_image_size(const char *ext, const unsigned char *d, size_t len, int *w, int *h)
{
	*w = *h = 0;
	if (!media_magic_ok(ext, d, len))
		return -1;
	if (!strcmp(ext, "png")) {
		if (len < 24 || !has(d, len, 12, "IHDR", 4))
			return -1;
		uint32_t pw = (uint32_t)d[16] << 24 | (uint32_t)d[17] << 16 | (uint32_t)d[18] << 8 | d[19];
		uint32_t ph = (uint32_t)d[20] << 24 | (uint32_t)d[21] << 16 | (uint32_t)d[22] << 8 | d[23];
		if (pw == 0 || ph == 0 || pw > 0x7fffffff || ph > 0x7fffffff)
			return -1;
		*w = (int)pw, *h = (int)ph;
		return 0;
	}
	if (!strcmp(ext, "gif")) {
		if (len < 10)
			return -1;
		*w = (int)le16(d + 6), *h = (int)le16(d + 8);
		return *w > 0 && *h > 0 ? 0 : -1;
	}
	if (!strcmp(ext, "jpg") || !strcmp(ext, "jpeg"))
		return jpeg_size(d, len, w, h);
	if (!strcmp(ext, "webp"))
		return webp_size(d, len, w, h);
	return -1;
}

int media_downscale(const char *ext, const unsigned char *data, size_t len, int max_width, uint64_t max_pixels,
		    unsigned char **out, size_t *outlen, struct err *e)
{
	int w, h;
	*out = NULL;
	*outlen = 0;
	if (media_image_size(ext, data, len, &w, &h) < 0)
		return err_set(e, "cannot read the image dimensions");
	if ((uint64_t)w * (uint64_t)h > max_pixels)
		return err_set(e, "image is %dx%d, more than %llu megapixels", w, h,
			       (unsigned long long)(max_pixels / 1000000));
	if (w <= max_width)
		return 0;
	if (len > (size_t)0x7fffffff)
		return err_set(e, "image file too large");
	bool jpeg = !strcmp(ext, "jpg") || !strcmp(ext, "jpeg");
	gdImagePtr im = NULL;
	if (!strcmp(ext, "png"))
		im = gdImageCreateFromPngPtr((int)len, (void *)data);
	else if (jpeg)
		im = gdImageCreateFromJpegPtr((int)len, (void *)data);
	else if (!strcmp(ext, "gif"))
		im = gdImageCreateFromGifPtr((int)len, (void *)data);
	else if (!strcmp(ext, "webp"))
		im = gdImageCreateFromWebpPtr((int)len, (void *)data);
	if (!im)
		return err_set(e, "cannot decode the image");
	int nh = (int)((int64_t)h * max_width / w);
	if (nh < 1)
		nh = 1;
	if (!gdImageTrueColor(im) && strcmp(ext, "gif") != 0)
		gdImagePaletteToTrueColor(im);
	gdImageSetInterpolationMethod(im, GD_BILINEAR_FIXED);
	gdImagePtr small = gdImageScale(im, (unsigned)max_width, (unsigned)nh);
	gdImageDestroy(im);
	if (!small)
		return err_set(e, "cannot scale the image");
	int size = 0;
	void *p = NULL;
	if (!strcmp(ext, "png")) {
		gdImageSaveAlpha(small, 1);
		p = gdImagePngPtrEx(small, &size, 9);
	} else if (jpeg) {
		p = gdImageJpegPtr(small, &size, 85);
	} else if (!strcmp(ext, "gif")) {
		if (gdImageTrueColor(small))
			gdImageTrueColorToPalette(small, 1, 256);
		p = gdImageGifPtr(small, &size);
	} else {
		p = gdImageWebpPtrEx(small, &size, 85);
	}
	gdImageDestroy(small);
	if (!p || size <= 0) {
		if (p)
			gdFree(p);
		return err_set(e, "cannot encode the scaled image");
	}
	*out = xmalloc((size_t)size);
	memcpy(*out, p, (size_t)size);
	*outlen = (size_t)size;
	gdFree(p);
	return 1;
}

int media_blob_find(struct db *db, const char *sha256, const char *mime, struct media_blob *b, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT b.id, b.size FROM blobs b WHERE b.sha256 = ?1 AND EXISTS "
					 "(SELECT 1 FROM package_files f WHERE f.sha256 = ?1 AND f.mime = ?2)");
	db_bind_text(st, 1, sha256);
	db_bind_text(st, 2, mime);
	int rc = db_step_row(st);
	if (rc > 0)
		*b = (struct media_blob){db, db_col_int64(st, 0), (size_t)db_col_int64(st, 1)};
	else if (rc < 0)
		err_set(e, "cannot read the stored file '%s': %s", sha256, db_errstr(db));
	db_finish(st);
	return rc > 0 ? 0 : rc == 0 ? 1 : -1;
}

int media_blob_store(struct db *db, const char *sha256, const void *data, size_t len, struct err *e)
{
	bool pg = db_engine(db) == DB_ENGINE_PG;
	/* RETURNING gives a row only when the blob is new: a stored one is never written again. */
	struct db_stmt *st = db_stmt(db, "INSERT INTO blobs(sha256, size, data) VALUES (?, ?, ?) "
					 "ON CONFLICT DO NOTHING RETURNING id");
	db_bind_text(st, 1, sha256);
	db_bind_int64(st, 2, (int64_t)len);
	db_bind_blob(st, 3, pg || !len ? "" : data, pg ? 0 : len);
	int rc = db_step(st);
	int64_t id = rc == DB_ROW ? db_col_int64(st, 0) : 0;
	if (rc == DB_ROW)
		rc = db_step(st);
	db_clear_bindings(st);
	db_finish(st);
	if (rc != DB_DONE)
		return err_set(e, "cannot store the file '%s': %s", sha256, db_errmsg(db));
	if (!pg || !id)
		return 0;
	st = db_stmt(db, "INSERT INTO blob_chunks(blob_id, n, data) VALUES (?, ?, ?)");
	for (size_t off = 0, n = 0; off < len && rc == DB_DONE; off += MEDIA_BLOB_CHUNK, n++) {
		db_bind_int64(st, 1, id);
		db_bind_int64(st, 2, (int64_t)n);
		db_bind_blob(st, 3, (const char *)data + off,
			     len - off < MEDIA_BLOB_CHUNK ? len - off : MEDIA_BLOB_CHUNK);
		rc = db_step(st);
		db_reset(st);
		db_clear_bindings(st);
	}
	db_finish(st);
	if (rc != DB_DONE)
		return err_set(e, "cannot store the file '%s': %s", sha256, db_errmsg(db));
	return 0;
}

/*
 * PostgreSQL: the pieces of blob_chunks that hold [off, off + n), in one query. A blob with no pieces
 * at all (a copy that filled blobs.data itself) is read from blobs.data instead.
 */
static int chunks_read(const struct media_blob *b, size_t off, void *buf, size_t n)
{
	size_t first = off / MEDIA_BLOB_CHUNK, last = (off + n - 1) / MEDIA_BLOB_CHUNK;
	struct db_stmt *st =
	    db_stmt(b->db, "SELECT n, data FROM blob_chunks WHERE blob_id = ?1 AND n >= ?2 AND n <= ?3 "
			   "ORDER BY n");
	db_bind_int64(st, 1, b->rowid);
	db_bind_int64(st, 2, (int64_t)first);
	db_bind_int64(st, 3, (int64_t)last);
	size_t want = first, done = 0;
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		size_t at = (size_t)db_col_int64(st, 0) * MEDIA_BLOB_CHUNK, len = (size_t)db_col_bytes(st, 1);
		if ((size_t)db_col_int64(st, 0) != want++)
			break; /* a piece is missing */
		size_t from = off > at ? off - at : 0;
		size_t to = off + n < at + len ? off + n - at : len;
		if (from >= to || to - from > n - done || at + from != off + done)
			break; /* not the next bytes: a piece of the wrong size */
		memcpy((char *)buf + done, (const char *)db_col_blob(st, 1) + from, to - from);
		done += to - from;
	}
	db_finish(st);
	if (rc < 0)
		return -1;
	if (done == n)
		return 0;
	if (want == first) /* no pieces: the bytes are in blobs.data */
		return db_blob_read(b->db, "blobs", "data", b->rowid, off, buf, n);
	return -1;
}

int media_blob_read(const struct media_blob *b, size_t off, void *buf, size_t n)
{
	if (off + n > b->size || off + n < off)
		return -1;
	if (n == 0)
		return 0;
	if (db_engine(b->db) == DB_ENGINE_PG)
		return chunks_read(b, off, buf, n);
	return db_blob_read(b->db, "blobs", "data", b->rowid, off, buf, n);
}

int media_file_find(struct db *db, int64_t package_id, const char *path, struct media_file *f, struct err *e)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT f.sha256, p.language, p.pass_mark FROM package_files f "
			"JOIN packages p ON p.id = f.package_id WHERE f.package_id = ? AND f.path = ?");
	db_bind_int64(st, 1, package_id);
	db_bind_text(st, 2, path);
	int rc = db_step_row(st);
	if (rc > 0) {
		snprintf(f->sha256, sizeof f->sha256, "%s", db_col_text(st, 0));
		snprintf(f->language, sizeof f->language, "%s", db_col_text(st, 1));
		f->pass_mark = db_col_int(st, 2);
	} else if (rc < 0) {
		err_set(e, "cannot read the file '%s' of package %lld: %s", path, (long long)package_id, db_errstr(db));
	}
	db_finish(st);
	return rc > 0 ? 0 : rc == 0 ? 1 : -1;
}

int media_file_read(struct db *db, int64_t package_id, const char *path, char **data, size_t *len, struct err *e)
{
	*data = NULL;
	*len = 0;
	/* The blob's id and size, then its bytes as media_blob_read() reads them (in pieces on PostgreSQL). */
	struct db_stmt *st = db_stmt(db, "SELECT b.id, b.size FROM package_files f JOIN blobs b ON b.sha256 = f.sha256 "
					 "WHERE f.package_id = ? AND f.path = ?");
	db_bind_int64(st, 1, package_id);
	db_bind_text(st, 2, path);
	int rc = db_step_row(st);
	struct media_blob b = {db, 0, 0};
	if (rc > 0)
		b = (struct media_blob){db, db_col_int64(st, 0), (size_t)db_col_int64(st, 1)};
	db_finish(st);
	if (rc > 0) {
		*data = xmalloc(b.size + 1);
		if (media_blob_read(&b, 0, *data, b.size) < 0) {
			free(*data);
			*data = NULL;
			rc = -1;
		} else {
			(*data)[b.size] = '\0';
			*len = b.size;
		}
	}
	if (rc < 0)
		err_set(e, "cannot read the file '%s' of package %lld: %s", path, (long long)package_id, db_errstr(db));
	return rc > 0 ? 0 : rc == 0 ? 1 : -1;
}
