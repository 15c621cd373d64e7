/* Small helpers shared by every module: time, UTF-8, hashing, tokens, files. */
#ifndef SALA_UTIL_H
#define SALA_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

/* Seconds since the epoch; SALA_NOW in the environment overrides it for tests. */
int64_t now_s(void);
/* Formats t (UTC) as YYYY-MM-DD into out (at least 11 bytes). */
void date_ymd(int64_t t, char out[11]);
/* Parses YYYY-MM-DD (UTC midnight) into *t; -1 if malformed. */
int date_parse(const char *s, int64_t *t);

/* True when s[0..len) is well-formed UTF-8 with no NUL bytes. */
bool utf8_valid(const char *s, size_t len);
/* Line number (1-based) of byte offset off in s. */
int line_of(const char *s, size_t off);

/* SHA-256 of data as 64 lower-case hex digits into out (65 bytes). */
void sha256_hex(const void *data, size_t len, char out[65]);
/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void hex_encode(const unsigned char *in, size_t len, char *out);
/* n random bytes as URL-safe text into out (at least 2n+1 bytes: hex). */
void random_token(size_t n, char *out);

/* Reads a whole file into b (appending). -1 with a message on failure. */
int file_read(const char *path, struct buf *b, struct err *e);
/*
 * Makes the finished temporary file tmp the file at path: fsync, mode (-1 keeps it), rename over path,
 * fsync of the folder. On failure tmp is removed. Readers see the old file or the whole new one.
 */
int file_commit(const char *tmp, const char *path, int mode, struct err *e);
/* Writes data to path atomically (temporary file, then file_commit()). */
int file_write_atomic(const char *path, const void *data, size_t len, int mode, struct err *e);

/* String helpers. */
bool str_starts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);
/* Trims ASCII space in place; returns s. */
char *str_trim(char *s);

#endif
