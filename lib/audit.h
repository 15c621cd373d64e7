/*
 * The audit trail in the database (table audit_log): who (actor: a user name,
 * or "cli:" and the system account), from where (a client address, or
 * "local"), what (action, e.g. "user.create"), to whom or what (target, e.g.
 * "user:bopha", "settings", "certificate:SERIAL", "course:ID") and an
 * optional detail, with the time. The same entry is also a log line
 * (log_audit(), lib/log.h): audit_record() writes both. The entry of a change
 * is written inside the change's own transaction (audit_write()), so both are
 * saved or neither is.
 */
#ifndef SALA_AUDIT_H
#define SALA_AUDIT_H
#include <stdbool.h>
#include <stdint.h>

#include "lib/db.h"
#include "lib/err.h"

/* Longest actor, action, target and detail stored, in bytes (longer ones are cut at a character boundary). */
#define AUDIT_FIELD_MAX 1000

/*
 * Who makes a change, passed down to the code that writes it: actor (a user name, or "cli:" and the system
 * account) and from (a client address, or "local"). Borrowed for the call.
 */
struct audit_who {
	const char *actor, *from;
};

/*
 * Stores the entry of a change inside the transaction that makes the change (db_in_txn(db) must be true), so
 * that both commit or neither does, and writes its log line. 0, or -1 with a message: the caller then rolls
 * the change back. who NULL: nothing to record (the change is not audited), 0.
 */
int audit_write(struct db *db, const struct audit_who *who, const char *action, const char *target, const char *detail,
		struct err *e);

/*
 * Writes the log line and stores the entry (db may be NULL: the log line only). Runs inside the caller's
 * transaction when one is open, so the entry commits or rolls back with the change. 0, or -1 with a message
 * when the entry could not be stored (the log line is written either way).
 */
int audit_record(struct db *db, const char *actor, const char *from, const char *action, const char *target,
		 const char *detail, struct err *e);

/*
 * Which entries to list; NULL or "" (0 for the times) leaves a part open. actor: the actor, any case;
 * action: an action ("user.create") or a family ("user": every "user.*" action); target: a text the target
 * contains, any ASCII case; since and until: Unix seconds, since <= created_at < until.
 */
struct audit_filter {
	const char *actor, *action, *target;
	int64_t since, until;
};

/* One entry; strings borrowed for the call. */
struct audit_entry {
	int64_t id, created_at;
	const char *actor, *origin, *action, *target, *detail;
};
/* Called per entry; a non-zero return stops the walk and is returned. */
typedef int (*audit_fn)(void *ctx, const struct audit_entry *a);

/* The number of entries that match f; -1 with a message when it cannot be read. */
int64_t audit_count(struct db *db, const struct audit_filter *f, struct err *e);
/*
 * The entries that match f, newest first, skipping offset, at most limit (limit <= 0: all). 0 when every row
 * was read, fn's non-zero return, or -1 with a message when reading ended on a database error.
 */
int audit_list(struct db *db, const struct audit_filter *f, int64_t limit, int64_t offset, audit_fn fn, void *ctx,
	       struct err *e);

#endif
