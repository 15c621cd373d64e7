/*
 * CSV reading (RFC 4180, through libcsv) with line numbers for messages, and
 * CSV writing that is safe to open in a spreadsheet.
 */
#ifndef SALA_CSV_H
#define SALA_CSV_H
#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"

/*
 * Called once per record with its fields (NUL-terminated, borrowed for the
 * call) and the line the record starts on. Return non-zero to stop.
 */
typedef int (*csv_row_fn)(char **fields, size_t nfields, int line, void *ctx);

/* Parses data[0..len); -1 with "NAME:LINE: message" on malformed CSV or invalid UTF-8. A leading BOM is skipped. */
int csv_parse_mem(const char *name, const char *data, size_t len, csv_row_fn fn, void *ctx, struct err *e);

/* Appends one field, quoted when needed; a value starting with = + - @ tab or CR gets a leading ' (formula injection).
 */
void csv_put_field(struct buf *b, const char *s);
/*
 * Appends a code (an org unit code, a course id) so that a spreadsheet keeps it as text: a code that starts
 * with a digit, which a spreadsheet would turn into a number or a date ("0012" into 12), is written as the
 * text formula ="0012" (CSV-quoted), which shows 0012; any other code as csv_put_field().
 */
void csv_put_code(struct buf *b, const char *s);
/* Appends a field that is a number or empty; never neutralised. */
void csv_put_raw(struct buf *b, const char *s);

/* Finds name in a header row; -1 when absent. */
int csv_column(char **header, size_t n, const char *name);

#endif
