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
/*
 * The text fields (parts without a filename) as *n pairs in the arena: 0, or
 * a REQ_LIMIT_* or REQ_BAD_MULTIPART code (server/http.h: at most
 * MULTIPART_MAX_PARTS parts, MULTIPART_MAX_HEADERS bytes of headers each,
 * MULTIPART_MAX_FIELD bytes per text field, a boundary of 1-70 characters).
 */
int multipart_form(struct arena *a, const char *content_type, const char *body, size_t len, struct kv **out, size_t *n);
/* The same, returning the number of pairs: 0 (nothing) when the body breaks a limit or is malformed. */
size_t multipart_fields(struct arena *a, const char *content_type, const char *body, size_t len, struct kv **out);
/*
 * The first file part named field: *data and *dlen point into body, *filename
 * (may be "") is an arena copy. 0 on success, -1 when absent, malformed or past a limit.
 */
int multipart_file(struct arena *a, const char *content_type, const char *body, size_t len, const char *field,
		   const char **data, size_t *dlen, const char **filename);

#endif
