/* The certificate template's uploaded images (table cert_images): checked, stored as PNG, read by the renderer. */
#include <gd.h>
#include <stdio.h>
#include <string.h>

#include "certificates/cert.h"
#include "courses/media.h"
#include "lib/db.h"
#include "lib/util.h"

bool cert_image_name_ok(const char *name)
{
	return name && (strcmp(name, "logo") == 0 || strcmp(name, "signature") == 0);
}

/* "png" or "jpg" from the magic bytes, or NULL. */
static const char *image_kind(const unsigned char *d, size_t len)
{
	if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "png";
	if (len >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		return "jpg";
	return NULL;
}

/* Decodes the image (proving it whole) and, for a JPEG, encodes it as PNG into *png (gdFree). */
static int image_decode(const char *kind, const void *data, size_t len, void **png, int *png_len)
{
	gdImagePtr im = strcmp(kind, "png") == 0 ? gdImageCreateFromPngPtr((int)len, (void *)data)
						 : gdImageCreateFromJpegPtr((int)len, (void *)data);
	if (!im)
		return -1;
	*png = NULL;
	*png_len = 0;
	if (strcmp(kind, "jpg") == 0)
		*png = gdImagePngPtrEx(im, png_len, 9);
	gdImageDestroy(im);
	return strcmp(kind, "jpg") == 0 && (!*png || *png_len <= 0) ? -1 : 0;
}

int cert_image_store(struct db *db, const char *name, const void *data, size_t len, int *w, int *h, struct err *e)
{
	if (!cert_image_name_ok(name))
		return err_set(e, "unknown certificate image '%s' (logo or signature)", name ? name : "");
	if (len == 0)
		return err_set(e, "the %s file is empty", name);
	if (len > CERT_IMAGE_MAX_BYTES)
		return err_set(e, "the %s file is %zu KB: at most %d KB", name, (len + 1023) / 1024,
			       CERT_IMAGE_MAX_BYTES / 1024);
	const char *kind = image_kind(data, len);
	if (!kind)
		return err_set(e, "the %s file is not a PNG or JPEG image", name);
	if (media_image_size(kind, data, len, w, h) < 0)
		return err_set(e, "the %s file is not a readable %s image", name, strcmp(kind, "png") ? "JPEG" : "PNG");
	if (*w < CERT_IMAGE_MIN_SIDE || *h < CERT_IMAGE_MIN_SIDE || *w > CERT_IMAGE_MAX_SIDE ||
	    *h > CERT_IMAGE_MAX_SIDE)
		return err_set(e, "the %s image is %dx%d pixels: each side must be %d to %d", name, *w, *h,
			       CERT_IMAGE_MIN_SIDE, CERT_IMAGE_MAX_SIDE);
	void *png = NULL;
	int png_len = 0;
	if (image_decode(kind, data, len, &png, &png_len) < 0)
		return err_set(e, "the %s file is damaged: it cannot be read as a %s image", name,
			       strcmp(kind, "png") ? "JPEG" : "PNG");
	const void *bytes = png ? png : data;
	size_t n = png ? (size_t)png_len : len;
	char sha[65];
	sha256_hex(bytes, n, sha);
	struct db_stmt *st =
	    db_stmt(db, "INSERT INTO cert_images(name, width, height, sha256, uploaded_at, data) VALUES "
			"(?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET width = excluded.width, "
			"height = excluded.height, sha256 = excluded.sha256, uploaded_at = "
			"excluded.uploaded_at, data = excluded.data");
	db_bind_text(st, 1, name);
	db_bind_int(st, 2, *w);
	db_bind_int(st, 3, *h);
	db_bind_text(st, 4, sha);
	db_bind_int64(st, 5, now_s());
	db_bind_blob(st, 6, bytes, n);
	int rc = db_step_done(st) < 0 ? err_set(e, "cannot save the %s: %s", name, db_errstr(db)) : 0;
	db_finish(st);
	if (png)
		gdFree(png);
	return rc;
}

int cert_image_remove(struct db *db, const char *name, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "DELETE FROM cert_images WHERE name = ?");
	db_bind_text(st, 1, name ? name : "");
	int rc = db_step_done(st) < 0 ? err_set(e, "cannot remove the %s: %s", name, db_errstr(db)) : 0;
	db_finish(st);
	return rc;
}

int cert_image_get(struct db *db, const char *name, struct buf *out, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT data FROM cert_images WHERE name = ?");
	db_bind_text(st, 1, name ? name : "");
	int rc = db_step_row(st);
	if (rc > 0)
		buf_add(out, db_col_blob(st, 0), (size_t)db_col_bytes(st, 0));
	else if (rc < 0)
		err_set(e, "cannot read the certificate %s: %s", name, db_errstr(db));
	db_finish(st);
	return rc;
}

int cert_image_info(struct db *db, const char *name, int *w, int *h, char sha[65], struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT width, height, sha256 FROM cert_images WHERE name = ?");
	db_bind_text(st, 1, name ? name : "");
	int rc = db_step_row(st);
	if (rc > 0) {
		*w = db_col_int(st, 0);
		*h = db_col_int(st, 1);
		snprintf(sha, 65, "%s", db_col_text(st, 2));
	} else if (rc < 0) {
		err_set(e, "cannot read the certificate %s: %s", name, db_errstr(db));
	}
	db_finish(st);
	return rc;
}
