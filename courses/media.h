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

#endif
