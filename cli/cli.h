/* The command-line interface: git-style commands, one table of entries (lib/cmdline.h) in cli/main.c. */
#ifndef SALA_CLI_H
#define SALA_CLI_H
#include <stdbool.h>
#include "lib/audit.h"
#include "lib/db.h"

#include "lib/cmdline.h"

/* The database path: --db from the command line, else $SALA_DB, else sala.db. */
const char *cli_db_path(void);
/* Removes "--db PATH" / "--db=PATH" from argv (called by main for every command). */
int cli_take_db(int argc, char **argv);
/* Opens the database or exits with a message (a path that does not exist: how to create one). */
struct db *cli_db_open(void);
/* Exits with the how-to-create message when the database path does not exist. */
void cli_db_must_exist(void);
/*
 * For the commands that create a database (sala init, sala demo --init): creates it (0600) and its signing
 * key when the path does not exist (*created true), else opens it. Exits with a message on failure.
 */
struct db *cli_db_create(bool *created);
/* Reads a whole file (or "-" for stdin) or exits with a message; caller frees. */
char *cli_read_file(const char *path, size_t *len);
/* --key PATH, when given: the signing key file to use instead of <database>.key (certificates/cert.h). */
void cli_key_option(const struct cmd_args *a);

/*
 * Records an administrative action from the command line that changes nothing
 * in the database (an export: "certificate.bulk", "db.copy") in the audit
 * trail (lib/audit.h): a log line on standard error and a row of the
 * database's audit_log (on a connection of its own; a database that cannot be
 * opened gets the log line only, with a warning). The actor is "cli:" and the
 * system account (and the sudo caller, if any), the address "local". A change
 * records its entry in its own transaction instead: cli_audit_commit(), or a
 * domain function given cli_who().
 */
void cli_audit(const char *action, const char *target, const char *detail);
/* Who acts from the command line ("cli:" and the system account, address "local"), for audit_write(). Static. */
const struct audit_who *cli_who(void);
/*
 * Ends the transaction of a change the caller began (db_begin) and made on db: stores its audit entry
 * (lib/audit.h) inside it and commits both. 0; or -1 with a message, everything rolled back.
 */
int cli_audit_commit(struct db *db, const char *action, const char *target, const char *detail, struct err *e);

/*
 * Parses value as a whole number within [min, max], or exits with status 2 and a message naming what
 * ("--learners must be a whole number from 0 to 100000, not 'abc'").
 */
long cli_number(const char *what, const char *value, long min, long max);

/*
 * Checks an output path before any work: its folder exists and is writable, and it is not a folder
 * itself; else exits with a message naming the problem ("cert render: cannot write 'x/y.png': no such
 * folder 'x'").
 */
void cli_check_out(const char *cmd, const char *out);
/* A file system error in words ("no such file or folder", "the disk is full", "no permission"). */
const char *cli_errno_words(int err);
/*
 * Removes the temporary files that killed runs of a command left next to out:
 * names "<basename of out><tag><PID>" optionally followed by "-" and anything
 * (sala backup: tag ".tmp-", sala cert bulk: tag ".part-"), whose process is
 * gone. Files of a running process are left alone. Returns how many were removed.
 */
int cli_remove_stale(const char *out, const char *tag);

/*
 * The commands, one entry each (lib/cmdline.h), listed in cli/main.c's table;
 * a command with subcommands ("user add") has a table of them.
 */
extern const struct cmd_entry cmd_serve_entry, cmd_backup_entry;	       /* cli/cmd_serve.c */
extern const struct cmd_entry cmd_user_entry, cmd_users_entry, cmd_orgs_entry; /* cli/cmd_accounts.c */
extern const struct cmd_entry cmd_demo_entry;				       /* cli/cmd_demo.c */
extern const struct cmd_entry cmd_settings_entry;			       /* cli/cmd_settings.c */
extern const struct cmd_entry cmd_doctor_entry;				       /* cli/cmd_doctor.c */
extern const struct cmd_entry cmd_cert_entry;				       /* cli/cmd_cert.c */
extern const struct cmd_entry cmd_new_entry, cmd_check_entry, cmd_pack_entry, cmd_preview_entry, cmd_import_entry,
    cmd_courses_entry;							      /* cli/cmd_courses.c */
extern const struct cmd_entry cmd_report_entry;				      /* cli/cmd_report.c */
extern const struct cmd_entry cmd_enroll_entry;				      /* cli/cmd_enroll.c */
extern const struct cmd_entry cmd_throttle_entry;			      /* cli/cmd_throttle.c */
extern const struct cmd_entry cmd_audit_entry;				      /* cli/cmd_audit.c */
extern const struct cmd_entry cmd_quiz_entry;				      /* cli/cmd_quiz.c */
extern const struct cmd_entry cmd_db_entry;				      /* cli/cmd_db.c */
extern const struct cmd_entry cmd_sessions_entry;			      /* cli/cmd_sessions.c */
extern const struct cmd_entry cmd_attendance_entry, cmd_sessions_sheet_entry; /* cli/cmd_attendance.c */

#endif
