#include "lib/audit.h"

#include <string.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"

/* s cut to AUDIT_FIELD_MAX bytes at a UTF-8 character boundary, into b; NULL stays NULL. */
static const char *field_cut(struct buf *b, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	if (n <= AUDIT_FIELD_MAX)
		return s;
	n = AUDIT_FIELD_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	buf_add(b, s, n);
	return buf_str(b);
}

int audit_record(struct db *db, const char *actor, const char *from, const char *action, const char *target,
		 const char *detail, struct err *e)
{
	log_audit(actor, from, action, target, detail);
	if (!db)
		return 0;
	struct buf f[5] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
	struct db_stmt *st = db_stmt(db, "INSERT INTO audit_log(created_at, actor, origin, action, target, detail) "
					 "VALUES (?, ?, ?, ?, ?, ?)");
	db_bind_int64(st, 1, now_s());
	db_bind_text(st, 2, field_cut(&f[0], actor ? actor : "-"));
	db_bind_text(st, 3, field_cut(&f[1], from ? from : "-"));
	db_bind_text(st, 4, field_cut(&f[2], action ? action : "-"));
	db_bind_text(st, 5, field_cut(&f[3], target ? target : ""));
	db_bind_text(st, 6, field_cut(&f[4], detail ? detail : ""));
	int rc = db_step_done(st);
	db_finish(st);
	for (int i = 0; i < 5; i++)
		buf_release(&f[i]);
	if (rc < 0) {
		log_msg(LOG_ERROR, "audit", "cannot store the audit entry %s: %s", action ? action : "-",
			db_errmsg(db));
		return err_set(e, "cannot store the audit entry: %s", db_errstr(db));
	}
	return 0;
}

int audit_write(struct db *db, const struct audit_who *who, const char *action, const char *target, const char *detail,
		struct err *e)
{
	if (!who)
		return 0;
	if (!db_in_txn(db))
		return err_set(e, "cannot store the audit entry %s: no transaction is open", action ? action : "-");
	return audit_record(db, who->actor, who->from, action, target, detail, e);
}

/*
 * The WHERE clause every query shares (each parameter cast where it is first read: PostgreSQL must know its type): ?1
 * actor, ?2 action, ?3 the action's family as a LIKE pattern, ?4 the target pattern, ?5 since, ?6 until (NULL: open).
 */
#define AUDIT_WHERE                                                                                                    \
	" WHERE (CAST(?1 AS TEXT) IS NULL OR lower(actor) = lower(CAST(?1 AS TEXT)))"                                  \
	" AND (CAST(?2 AS TEXT) IS NULL OR action = ?2 OR action LIKE ?3 ESCAPE '\\')"                                 \
	" AND (CAST(?4 AS TEXT) IS NULL OR lower(target) LIKE ?4 ESCAPE '\\')"                                         \
	" AND (CAST(?5 AS BIGINT) IS NULL OR created_at >= ?5) AND (CAST(?6 AS BIGINT) IS NULL OR created_at < ?6)"

static void bind_filter(struct db_stmt *st, const struct audit_filter *f)
{
	const char *actor = f && f->actor && *f->actor ? f->actor : NULL;
	const char *action = f && f->action && *f->action ? f->action : NULL;
	const char *target = f && f->target && *f->target ? f->target : NULL;
	db_bind_text(st, 1, actor);
	db_bind_text(st, 2, action);
	struct buf family = BUF_INIT, contains = BUF_INIT;
	if (action) {
		/* "user" finds user.create, user.delete...; not users.import. */
		for (const char *p = action; *p; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				buf_putc(&family, '\\');
			buf_putc(&family, *p);
		}
		buf_puts(&family, ".%");
	}
	db_bind_text(st, 3, action ? buf_str(&family) : NULL);
	if (target)
		db_like_contains(&contains, target);
	db_bind_text(st, 4, target ? buf_str(&contains) : NULL);
	buf_release(&family);
	buf_release(&contains);
	if (f && f->since > 0)
		db_bind_int64(st, 5, f->since);
	else
		db_bind_null(st, 5);
	if (f && f->until > 0)
		db_bind_int64(st, 6, f->until);
	else
		db_bind_null(st, 6);
}

int64_t audit_count(struct db *db, const struct audit_filter *f, struct err *e)
{
	struct db_stmt *st = db_stmt(db, "SELECT count(*) FROM audit_log" AUDIT_WHERE);
	bind_filter(st, f);
	int rc = db_step_row(st);
	int64_t n = rc > 0 ? db_col_int64(st, 0) : -1;
	db_finish(st);
	if (rc <= 0)
		return err_set(e, "cannot count the audit entries: %s", db_errstr(db));
	return n;
}

int audit_list(struct db *db, const struct audit_filter *f, int64_t limit, int64_t offset, audit_fn fn, void *ctx,
	       struct err *e)
{
	struct db_stmt *st =
	    db_stmt(db, "SELECT id, created_at, actor, origin, action, target, detail FROM audit_log" AUDIT_WHERE
			" ORDER BY created_at DESC, id DESC LIMIT ?7 OFFSET ?8");
	bind_filter(st, f);
	db_bind_int64(st, 7, limit > 0 ? limit : INT64_MAX);
	db_bind_int64(st, 8, offset > 0 ? offset : 0);
	int rc;
	while ((rc = db_step_row(st)) > 0) {
		struct audit_entry a = {
		    .id = db_col_int64(st, 0),
		    .created_at = db_col_int64(st, 1),
		    .actor = db_col_text(st, 2),
		    .origin = db_col_text(st, 3),
		    .action = db_col_text(st, 4),
		    .target = db_col_text(st, 5),
		    .detail = db_col_text(st, 6),
		};
		int stop = fn(ctx, &a);
		if (stop) {
			db_finish(st);
			return stop;
		}
	}
	if (rc < 0)
		err_set(e, "cannot read the audit entries: %s", db_errstr(db));
	db_finish(st);
	return rc < 0 ? -1 : 0;
}
