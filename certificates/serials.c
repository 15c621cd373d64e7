/* A learner's valid certificate serials, for the course pages (certificates/cert.h). */
#include <string.h>

#include "certificates/cert.h"
#include "lib/db.h"

int cert_valid_serials(struct db *db, struct arena *a, int64_t user_id, const char *course_id, struct cert_serial **out,
		       size_t *n)
{
	/* Rows come in certificates_user order (user, course); the latest of each course is kept here,
	 * so there is no sort. */
	struct db_stmt *st = db_stmt(db, "SELECT course_id, serial, issued_at, id FROM certificates "
					 "WHERE user_id = ?1 AND (course_id = ?2 OR ?2 IS NULL) "
					 "AND revoked_at IS NULL AND superseded_by IS NULL");
	db_bind_int64(st, 1, user_id);
	db_bind_text(st, 2, course_id);
	size_t len = 0, cap = 0;
	struct cert_serial *v = NULL;
	int64_t *latest = NULL; /* issued_at, id of v[i] */
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		const char *course = db_col_text(st, 0);
		int64_t at = db_col_int64(st, 2), id = db_col_int64(st, 3);
		size_t i = 0;
		while (i < len && strcmp(v[i].course_id, course) != 0)
			i++;
		if (i == len) {
			if (len == cap) {
				cap = cap ? cap * 2 : 8;
				struct cert_serial *grown = arena_alloc(a, cap * sizeof *grown);
				int64_t *lg = arena_alloc(a, cap * 2 * sizeof *lg);
				if (len) {
					memcpy(grown, v, len * sizeof *v);
					memcpy(lg, latest, len * 2 * sizeof *lg);
				}
				v = grown;
				latest = lg;
			}
			v[len].course_id = arena_strdup(a, course);
			len++;
		} else if (at < latest[2 * i] || (at == latest[2 * i] && id < latest[2 * i + 1])) {
			continue;
		}
		v[i].serial = arena_strdup(a, db_col_text(st, 1));
		latest[2 * i] = at;
		latest[2 * i + 1] = id;
	}
	db_finish(st);
	*out = rc < 0 ? NULL : v;
	*n = rc < 0 ? 0 : len;
	return rc < 0 ? -1 : 0;
}
