/*
 * multipart/form-data bodies (RFC 7578), parsed with strict bounds: the
 * server reads the whole body first (capped by the route), then text fields
 * go into the request form (so the CSRF field works as for urlencoded forms)
 * and a handler fetches an uploaded file by its field name.
 */
#ifndef SALA_MULTIPART_H
#define SALA_MULTIPART_H
#include <stddef.h>

#include "lib/arena.h"
#include "server/http.h"

/* True when content_type is multipart/form-data with a usable boundary. */
int multipart_is(const char *content_type);
/* The text fields (parts without a filename, up to 64 KB each, at most 100) as pairs in the arena. */
size_t multipart_fields(struct arena *a, const char *content_type, const char *body, size_t len, struct kv **out);
/*
 * The first file part named field: *data and *dlen point into body, *filename
 * (may be "") is an arena copy. 0 on success, -1 when absent or malformed.
 */
int multipart_file(struct arena *a, const char *content_type, const char *body, size_t len, const char *field,
		   const char **data, size_t *dlen, const char **filename);

#endif
