/* Placeholder lists for statements that take a batch of values at once (db_params() in lib/db.h). */
#include "lib/buf.h"
#include "lib/db.h"

void db_params(struct buf *sql, int first, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(sql, i ? ",?%d" : "?%d", first + (int)i);
}
