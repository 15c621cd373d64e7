/*
 * Media files of a package: the accepted types, their magic bytes, image
 * dimensions read from headers (before any decoding), and downscaling of wide
 * images with libgd at import.
 */
#ifndef SALA_MEDIA_H
#define SALA_MEDIA_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/db.h"

#include "lib/err.h"

/* The lower-case extension of name without the dot ("png"), or "" when none; points into name or a static "". */
const char *media_ext(const char *name, char out[8]);
/* The MIME type for an extension ("png"), or NULL when it is not an accepted media type. */
const char *media_type_for_ext(const char *ext);
/* True for png, jpg, jpeg, gif, webp. */
bool media_is_image(const char *ext);
/* True when the first bytes of data match what ext promises. */
bool media_magic_ok(const char *ext, const unsigned char *data, size_t len);
/* Width and height from an image header (png, jpeg, gif, webp); -1 when unreadable. */
int media_image_size(const char *ext, const unsigned char *data, size_t len, int *w, int *h);
/*
 * Downscales an image wider than max_width to max_width (same format,
 * recompressed). Refuses images above max_pixels before decoding.
 * Returns 1 with *out (caller frees) when a smaller copy was made, 0 when the
 * image is small enough, -1 with a message when it cannot be read.
 */
int media_downscale(const char *ext, const unsigned char *data, size_t len, int max_width, uint64_t max_pixels,
		    unsigned char **out, size_t *outlen, struct err *e);

/*
 * A stored media file (table blobs), read a chunk at a time: with SQLite's incremental blob I/O (the one
 * place Sala uses it), on PostgreSQL from the rows of blob_chunks that cover the chunk. A download holds
 * at most one chunk in memory, and the connection only while a chunk is read (a handle kept open across
 * slow writes to the client would hold a read transaction, and the WAL could not be checkpointed past it).
 */
struct media_blob {
	struct db *db; /* borrowed: the connection must outlive the reads */
	int64_t rowid;
	size_t size;
};
/*
 * Finds the stored file with this SHA-256 (64 hex digits) that some package holds with this MIME type.
 * 0 with *b filled, 1 when there is none, -1 with a message on a database error.
 */
int media_blob_find(struct db *db, const char *sha256, const char *mime, struct media_blob *b, struct err *e);
/* Reads n bytes at off into buf (off + n must not pass b->size). 0, or -1 when the read failed. */
int media_blob_read(const struct media_blob *b, size_t off, void *buf, size_t n);
/*
 * Stores a file's bytes as the blob sha256 (64 hex digits of them) unless it is stored already (files are
 * content-addressed and shared across packages and versions). SQLite: one row of blobs. PostgreSQL: a
 * blobs row with empty data and the bytes in blob_chunks, MEDIA_BLOB_CHUNK bytes a row, so that a read
 * fetches only the pieces it needs. Inside the caller's transaction. 0, or -1 with a message.
 */
#define MEDIA_BLOB_CHUNK (256 * 1024)
int media_blob_store(struct db *db, const char *sha256, const void *data, size_t len, struct err *e);

/*
 * A file of a package by its path (a quiz file, say), with what every reader of it needs from its
 * package: the file's SHA-256 (a file never changes once imported, so it keys caches of parsed forms),
 * the package's language and pass mark. One indexed query. 0 with *f filled, 1 when the package has no
 * such file, -1 with a message on a database error.
 */
struct media_file {
	char sha256[65];
	char language[16];
	int pass_mark;
};
int media_file_find(struct db *db, int64_t package_id, const char *path, struct media_file *f, struct err *e);
/*
 * The bytes of a package's file, NUL-terminated (not counted in *len), in *data: caller frees.
 * 0, 1 when the package has no such file (*data NULL), -1 with a message on a database error.
 */
int media_file_read(struct db *db, int64_t package_id, const char *path, char **data, size_t *len, struct err *e);

#endif
