/*
 * The schema for PostgreSQL: the same tables, columns, keys and indexes as the
 * SQLite migrations of lib/schema.c give at their latest version, written in
 * PostgreSQL's types (BIGINT ids as identity columns, BYTEA blobs, DOUBLE
 * PRECISION for REAL). The version is kept in table schema_version (SQLite:
 * PRAGMA user_version) with the same numbering: pg_migrations[0] creates
 * version PG_BASE at once; later SQLite migrations get a PostgreSQL twin here.
 * Differences: users.username is unique case-insensitively through an index
 * on lower(username) (SQLite: COLLATE NOCASE); the triggers that enrol a user
 * by organisation are a PL/pgSQL function; login_failures has an explicit
 * rowid column (SQLite's implicit one, which its queries name).
 */
#include "lib/schema.h"

#include <stdio.h>

#include "lib/db.h"
#include "lib/err.h"

/* PostgreSQL's forms of the two engine-specific pieces of the report aggregates' SQL (lib/schema_agg.h). */
#define AGG_MONTH(x) "to_char(to_timestamp(" x ") AT TIME ZONE 'UTC', 'YYYYMM')::int"
#define AGG_ROUND(x) "floor(" x " + 0.5)"
#include "lib/schema_agg.h"
/* The face-to-face refresh's learner: report_f2f_refresh()'s parameter (lib/schema_agg.h F2F_EVENTS). */
#define F2F_W_PARAM(t) t ".user_id = p_user"

/* The SQLite schema version the first PostgreSQL migration creates. */
#define PG_BASE 3

/* The published read-only views (migration 4; dropped and created again by migration 8). */
#define PG_REPORT_VIEWS                                                                                                \
	"CREATE VIEW report_org_units AS"                                                                              \
	"  SELECT id, code, name_en, name_km, level, parent_id, path FROM org_units;"                                  \
	"CREATE VIEW report_learners AS"                                                                               \
	"  SELECT u.id AS user_id, u.sex, u.org_id, o.path AS org_path"                                                \
	"  FROM users u JOIN org_units o ON o.id = u.org_id;"                                                          \
	"CREATE VIEW report_courses AS SELECT id FROM courses;"                                                        \
	"CREATE VIEW report_enrolments AS"                                                                             \
	"  SELECT user_id, course_id, enrolled_at, started_at, completed_at, best_final, pretest FROM enrolments;"     \
	"CREATE VIEW report_certificates AS"                                                                           \
	"  SELECT user_id, course_id, issued_at, CASE WHEN superseded_by IS NULL THEN 1 ELSE 0 END AS is_current"      \
	"  FROM certificates WHERE revoked_at IS NULL;"
/* assessment's published view of submitted attempts (migration 6; created again by migration 8). */
#define PG_SUBMITTED_VIEW                                                                                              \
	"CREATE VIEW submitted_attempts AS"                                                                            \
	"  SELECT user_id, course_id, item_path, passed, submitted_at FROM attempts WHERE submitted_at IS NOT NULL;"

/* 17: the learner's language as a dimension of the report aggregates (lib/schema.c's migration 17). */
// clang-format off
#define PG_MIGRATION_17 \
	"CREATE OR REPLACE VIEW report_learners AS" \
	"  SELECT u.id AS user_id, u.sex, u.org_id, o.path AS org_path, u.lang" \
	"  FROM users u JOIN org_units o ON o.id = u.org_id;" \
	"CREATE OR REPLACE VIEW report_people AS" \
	"  SELECT u.id AS user_id, u.username, u.full_name, u.full_name_km, u.position, u.sex, u.active," \
	"  o.code AS org_code, o.name_en AS org_name_en, o.name_km AS org_name_km, o.path AS org_path, u.lang" \
	"  FROM users u JOIN org_units o ON o.id = u.org_id;" \
	"DROP TABLE report_agg_facts, report_agg, report_agg_all;" \
	"CREATE TABLE report_agg_facts (  user_id BIGINT NOT NULL,  course_id TEXT COLLATE \"C\" NOT NULL," \
	"  org_id BIGINT NOT NULL,  sex TEXT COLLATE \"C\" NOT NULL,  lang TEXT COLLATE \"C\" NOT NULL," \
	"  enrolled_m BIGINT,  started_m BIGINT,  completed_m BIGINT,  certified_m BIGINT,  score DOUBLE PRECISION," \
	"  gain DOUBLE PRECISION,  PRIMARY KEY (user_id, course_id));" \
	"CREATE TABLE report_agg (  pkey TEXT COLLATE \"C\" NOT NULL,  org_id BIGINT NOT NULL,  course_id TEXT COLLATE \"C\" NOT NULL," \
	"  sex TEXT COLLATE \"C\" NOT NULL,  lang TEXT COLLATE \"C\" NOT NULL,  enrolled BIGINT NOT NULL DEFAULT 0," \
	"  started BIGINT NOT NULL DEFAULT 0,  completed BIGINT NOT NULL DEFAULT 0,  certified BIGINT NOT NULL DEFAULT 0," \
	"  score_n BIGINT NOT NULL DEFAULT 0,  score_sum DOUBLE PRECISION NOT NULL DEFAULT 0," \
	"  gain_n BIGINT NOT NULL DEFAULT 0,  gain_sum DOUBLE PRECISION NOT NULL DEFAULT 0," \
	"  PRIMARY KEY (pkey, org_id, course_id, sex, lang));" \
	"CREATE TABLE report_agg_all (  pkey TEXT COLLATE \"C\" NOT NULL,  org_id BIGINT NOT NULL," \
	"  sex TEXT COLLATE \"C\" NOT NULL,  lang TEXT COLLATE \"C\" NOT NULL,  enrolled BIGINT NOT NULL DEFAULT 0," \
	"  started BIGINT NOT NULL DEFAULT 0,  completed BIGINT NOT NULL DEFAULT 0,  certified BIGINT NOT NULL DEFAULT 0," \
	"  PRIMARY KEY (pkey, org_id, sex, lang));" \
	"CREATE OR REPLACE FUNCTION report_agg_refresh(p_user BIGINT, p_course TEXT, p_learner BOOLEAN) RETURNS void" \
	"  LANGUAGE plpgsql AS $$ BEGIN " \
	AGG_KEYS_APPLY_L(AGG_LANG, "-1", "user_id = p_user AND p_learner") "; " \
	AGG_APPLY_L(AGG_LANG, "-1", "user_id = p_user AND course_id = p_course") "; " \
	"DELETE FROM report_agg_facts WHERE user_id = p_user AND course_id = p_course; " \
	AGG_FACTS_INSERT_L(AGG_LANG, "e.user_id = p_user AND e.course_id = p_course") "; " \
	AGG_APPLY_L(AGG_LANG, "1", "user_id = p_user AND course_id = p_course") "; " \
	AGG_KEYS_APPLY_L(AGG_LANG, "1", "user_id = p_user AND p_learner") "; " \
	"END $$;" \
	"CREATE OR REPLACE FUNCTION report_agg_forget(p_user BIGINT) RETURNS void LANGUAGE plpgsql AS $$ BEGIN " \
	AGG_KEYS_APPLY_L(AGG_LANG, "-1", "user_id = p_user") "; " AGG_APPLY_L(AGG_LANG, "-1", "user_id = p_user") "; " \
	"DELETE FROM report_agg_facts WHERE user_id = p_user; END $$;" \
	"CREATE OR REPLACE FUNCTION report_agg_learners() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN" \
	"  IF TG_OP = 'DELETE' THEN" \
	"    IF (SELECT live FROM report_agg_state WHERE id = 1) = 1 THEN PERFORM report_agg_forget(OLD.id); END IF;" \
	"    RETURN NULL;" \
	"  END IF;" \
	"  IF (SELECT live FROM report_agg_state WHERE id = 1) = 1 AND (OLD.org_id IS DISTINCT FROM NEW.org_id" \
	"    OR OLD.sex IS DISTINCT FROM NEW.sex OR OLD.lang IS DISTINCT FROM NEW.lang) THEN" \
	"    PERFORM report_agg_refresh(NEW.id, e.course_id, true) FROM report_enrolments e WHERE e.user_id = NEW.id;" \
	"  END IF;" \
	"  RETURN NULL; END $$;" \
	"DROP TRIGGER report_agg_learners ON users;" \
	"CREATE TRIGGER report_agg_learners AFTER UPDATE OF org_id, sex, lang ON users" \
	"  FOR EACH ROW EXECUTE FUNCTION report_agg_learners();" \
	AGG_REBUILD_L(AGG_LANG)
// clang-format on

static const char *const pg_migrations[] = {
    "CREATE TABLE settings (  key TEXT PRIMARY KEY,  value TEXT NOT NULL);"
    "CREATE TABLE org_units (  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,  code TEXT NOT NULL UNIQUE,  "
    "name_en TEXT NOT NULL,  name_km TEXT NOT NULL DEFAULT '',  parent_id BIGINT REFERENCES org_units(id),  level TEXT "
    "NOT NULL CHECK (level IN ('national','ministry','province','district','commune','office')),  path TEXT NOT NULL "
    "DEFAULT '',  is_demo BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX org_units_parent ON org_units(parent_id);"
    "CREATE INDEX org_units_path ON org_units(path);"
    "CREATE TABLE users (  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,  username TEXT NOT NULL,  "
    "password_hash TEXT NOT NULL,  full_name TEXT NOT NULL,  full_name_km TEXT NOT NULL DEFAULT '',  sex TEXT NOT NULL "
    "DEFAULT 'unspecified' CHECK (sex IN ('female','male','other','unspecified')),  org_id BIGINT NOT NULL REFERENCES "
    "org_units(id),  position TEXT NOT NULL DEFAULT '',  email TEXT NOT NULL DEFAULT '',  phone TEXT NOT NULL DEFAULT "
    "'',  lang TEXT NOT NULL DEFAULT 'km' CHECK (lang IN ('en','km')),  active BIGINT NOT NULL DEFAULT 1,  is_demo "
    "BIGINT NOT NULL DEFAULT 0,  created_at BIGINT NOT NULL, must_change_password BIGINT NOT NULL DEFAULT 0, "
    "activation_expires BIGINT NOT NULL DEFAULT 0, deleted_at BIGINT);"
    "CREATE INDEX users_org ON users(org_id, sex);"
    "CREATE TABLE user_roles (  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,  role TEXT NOT NULL "
    "CHECK (role IN ('learner','trainer','manager','admin')),  PRIMARY KEY (user_id, role));"
    "CREATE TABLE sessions (  token_hash TEXT PRIMARY KEY,  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE "
    "CASCADE,  csrf TEXT NOT NULL,  created_at BIGINT NOT NULL,  last_seen BIGINT NOT NULL);"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE TABLE login_failures (  rowid BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,  key TEXT NOT NULL,  at "
    "BIGINT NOT NULL);"
    "CREATE INDEX login_failures_key ON login_failures(key, at);"
    "CREATE TABLE courses (  id TEXT PRIMARY KEY,  created_at BIGINT NOT NULL);"
    "CREATE TABLE packages (  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,  course_id TEXT NOT NULL "
    "REFERENCES courses(id),  language TEXT NOT NULL,  version TEXT NOT NULL,  version_num BIGINT NOT NULL,  title "
    "TEXT NOT NULL,  summary TEXT NOT NULL DEFAULT '',  authors TEXT NOT NULL DEFAULT '',  minutes BIGINT NOT NULL "
    "DEFAULT 0,  pass_mark BIGINT NOT NULL DEFAULT 70,  certificate BIGINT NOT NULL DEFAULT 1,  certificate_title TEXT "
    "NOT NULL DEFAULT '',  completion TEXT NOT NULL DEFAULT 'all' CHECK (completion IN ('all','quizzes')),  "
    "search_text TEXT NOT NULL DEFAULT '',  active BIGINT NOT NULL DEFAULT 0,  imported_at BIGINT NOT NULL,  "
    "imported_by TEXT NOT NULL DEFAULT '',  UNIQUE (course_id, language, version));"
    "CREATE INDEX packages_active ON packages(course_id, language, active);"
    "CREATE TABLE blobs (  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,  sha256 TEXT NOT NULL UNIQUE,  size "
    "BIGINT NOT NULL,  data BYTEA NOT NULL);"
    "CREATE TABLE package_files (  package_id BIGINT NOT NULL REFERENCES packages(id) ON DELETE CASCADE,  path TEXT "
    "NOT NULL,  sha256 TEXT NOT NULL REFERENCES blobs(sha256),  mime TEXT NOT NULL,  PRIMARY KEY (package_id, path));"
    "CREATE TABLE items (  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,  package_id BIGINT NOT NULL "
    "REFERENCES packages(id) ON DELETE CASCADE,  position BIGINT NOT NULL,  type TEXT NOT NULL CHECK (type IN "
    "('lesson','quiz')),  path TEXT NOT NULL,  title TEXT NOT NULL,  quiz_kind TEXT NOT NULL DEFAULT '' CHECK "
    "(quiz_kind IN ('','final','practice','pretest')),  questions BIGINT NOT NULL DEFAULT 0,  etag TEXT NOT NULL "
    "DEFAULT '',  html TEXT NOT NULL DEFAULT '',  UNIQUE (package_id, position));"
    "CREATE UNIQUE INDEX items_path ON items(package_id, path);"
    "CREATE TABLE enrolments (  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,  course_id TEXT NOT "
    "NULL REFERENCES courses(id),  source TEXT NOT NULL DEFAULT 'self' CHECK (source IN ('self','assigned','org')),  "
    "enrolled_at BIGINT NOT NULL,  started_at BIGINT,  completed_at BIGINT,  last_item TEXT NOT NULL DEFAULT '',  "
    "best_final DOUBLE PRECISION,  pretest DOUBLE PRECISION,  PRIMARY KEY (user_id, course_id));"
    "CREATE INDEX enrolments_course ON enrolments(course_id);"
    "CREATE TABLE org_assignments (  course_id TEXT NOT NULL REFERENCES courses(id),  org_id BIGINT NOT NULL "
    "REFERENCES org_units(id),  assigned_at BIGINT NOT NULL,  PRIMARY KEY (course_id, org_id));"
    "CREATE TABLE progress (  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,  course_id TEXT NOT "
    "NULL,  item_path TEXT NOT NULL,  opened_at BIGINT NOT NULL,  PRIMARY KEY (user_id, course_id, item_path));"
    "CREATE TABLE attempts (  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,  user_id BIGINT NOT NULL "
    "REFERENCES users(id) ON DELETE CASCADE,  course_id TEXT NOT NULL,  package_id BIGINT NOT NULL REFERENCES "
    "packages(id),  item_path TEXT NOT NULL,  kind TEXT NOT NULL,  seed BIGINT NOT NULL,  layout TEXT NOT NULL,  "
    "started_at BIGINT NOT NULL,  deadline_at BIGINT,  submitted_at BIGINT,  answers TEXT,  score DOUBLE PRECISION,  "
    "passed BIGINT);"
    "CREATE TABLE attempt_answers (  attempt_id BIGINT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,  question "
    "BIGINT NOT NULL,  score DOUBLE PRECISION NOT NULL,  chosen TEXT NOT NULL DEFAULT '',  PRIMARY KEY (attempt_id, "
    "question));"
    "CREATE TABLE certificates (  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,  serial TEXT NOT NULL "
    "UNIQUE,  code TEXT NOT NULL UNIQUE,  user_id BIGINT NOT NULL REFERENCES users(id),  course_id TEXT NOT NULL,  "
    "language TEXT NOT NULL,  course_title TEXT NOT NULL,  name TEXT NOT NULL,  name_km TEXT NOT NULL DEFAULT '',  "
    "completed_on TEXT NOT NULL,  score DOUBLE PRECISION,  org_id BIGINT NOT NULL REFERENCES org_units(id),  issuer "
    "TEXT NOT NULL,  issuer_km TEXT NOT NULL DEFAULT '',  payload TEXT NOT NULL,  signature TEXT NOT NULL,  issued_at "
    "BIGINT NOT NULL,  superseded_by BIGINT REFERENCES certificates(id),  revoked_at BIGINT,  revoked_reason TEXT NOT "
    "NULL DEFAULT '');"
    "CREATE INDEX certificates_user ON certificates(user_id, course_id);"
    "CREATE INDEX certificates_course ON certificates(course_id, issued_at);"
    "CREATE INDEX attempts_user ON attempts(user_id, course_id, item_path, submitted_at);"
    "CREATE UNIQUE INDEX users_username ON users(lower(username));"
    "CREATE FUNCTION users_enrol_by_org() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  INSERT INTO enrolments(user_id, course_id, source, enrolled_at)"
    "  SELECT NEW.id, a.course_id, 'org',"
    "    CASE WHEN TG_OP = 'INSERT' THEN NEW.created_at ELSE extract(epoch FROM now())::bigint END"
    "  FROM org_assignments a JOIN org_units o ON o.id = a.org_id JOIN org_units u ON u.id = NEW.org_id"
    "  WHERE substr(u.path, 1, length(o.path)) = o.path"
    "  ON CONFLICT DO NOTHING;"
    "  RETURN NULL; END $$;"
    "CREATE TRIGGER users_enrol_by_org AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION users_enrol_by_org();"
    "CREATE TRIGGER users_enrol_by_org_move AFTER UPDATE OF org_id ON users FOR EACH ROW "
    "  EXECUTE FUNCTION users_enrol_by_org();",
    /* 4: the published read-only views (lib/schema.c's migration 4, docs/architecture.md). */
    PG_REPORT_VIEWS,
    /*
     * 5: the version of the public catalogue (lib/schema.c's migration 5): any write to packages or
     * items moves it on in the same transaction, so every server's catalogue cache sees it.
     */
    "CREATE TABLE catalogue_version (id BIGINT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL);"
    "INSERT INTO catalogue_version(id, version) VALUES (1, (random() * 1e15)::bigint);"
    "CREATE FUNCTION catalogue_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  UPDATE catalogue_version SET version = version + 1 WHERE id = 1; RETURN NULL; END $$;"
    "CREATE TRIGGER packages_version AFTER INSERT OR UPDATE OR DELETE ON packages"
    "  FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump();"
    "CREATE TRIGGER items_version AFTER INSERT OR UPDATE OR DELETE ON items"
    "  FOR EACH STATEMENT EXECUTE FUNCTION catalogue_version_bump();",
    /* 6: assessment's published view of submitted attempts (lib/schema.c's migration 6). */
    PG_SUBMITTED_VIEW,
    /* 7: essays graded by trainers (lib/schema.c's migration 7). */
    "ALTER TABLE attempts ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE attempt_answers ADD COLUMN pending BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE attempt_answers ADD COLUMN points DOUBLE PRECISION;"
    "ALTER TABLE attempt_answers ADD COLUMN comment TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE attempt_answers ADD COLUMN graded_by BIGINT;"
    "ALTER TABLE attempt_answers ADD COLUMN graded_at BIGINT;"
    "CREATE INDEX attempts_pending ON attempts(course_id, pending) WHERE pending > 0;",
    /* 8: certificates with a validity period (lib/schema.c, migration 8). */
    "ALTER TABLE packages ADD COLUMN certificate_valid_years BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE certificates ADD COLUMN expires_on TEXT;"
    "CREATE INDEX certificates_expiry ON certificates(expires_on) WHERE expires_on IS NOT NULL;",
    /*
     * 9 (lib/schema.c's 9 indexes lower(username), which users_username already is here):
     * Every text column gets the "C" collation, whatever the database's locale: ORDER BY and ranges
     * (org paths) then compare bytes, as SQLite's BINARY does, and lower() folds ASCII letters only, as
     * SQLite's does. A text column added by a later migration says COLLATE "C" itself. The views are
     * dropped and created again around it (a column a view reads cannot change type).
     * Files move into blob_chunks, pieces of 256 KiB (courses/media.c, MEDIA_BLOB_CHUNK), stored without
     * compression (media is compressed already): a read fetches the pieces it needs, never a whole
     * bytea; blobs.data stays empty.
     */
    "DROP VIEW report_org_units, report_learners, report_courses, report_enrolments, report_certificates, "
    "submitted_attempts;"
    "DO $$ DECLARE c record; BEGIN"
    "  FOR c IN SELECT k.table_name, k.column_name FROM information_schema.columns k"
    "    JOIN information_schema.tables t ON t.table_schema = k.table_schema AND t.table_name = k.table_name"
    "    WHERE k.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND k.data_type = 'text'"
    "  LOOP"
    "    EXECUTE format('ALTER TABLE %I ALTER COLUMN %I TYPE text COLLATE \"C\"', c.table_name, c.column_name);"
    "  END LOOP; END $$;" PG_REPORT_VIEWS PG_SUBMITTED_VIEW
    "CREATE TABLE blob_chunks (  blob_id BIGINT NOT NULL REFERENCES blobs(id) ON DELETE CASCADE,  n INTEGER NOT NULL,"
    "  data BYTEA NOT NULL,  PRIMARY KEY (blob_id, n));"
    "ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;"
    "INSERT INTO blob_chunks(blob_id, n, data)"
    "  SELECT b.id, g.n, substring(b.data FROM g.n * 262144 + 1 FOR 262144)"
    "  FROM blobs b, generate_series(0, (length(b.data) - 1) / 262144) AS g(n) WHERE length(b.data) > 0;"
    "UPDATE blobs SET data = '' WHERE length(data) > 0;",

    /* 10: blended training (lib/schema.c's migration 10). */
    "CREATE TABLE workshops (  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  code TEXT COLLATE \"C\" NOT NULL UNIQUE,  title TEXT COLLATE \"C\" NOT NULL,"
    "  course_id TEXT COLLATE \"C\" REFERENCES courses(id),  org_id BIGINT NOT NULL REFERENCES org_units(id),"
    "  address TEXT COLLATE \"C\" NOT NULL DEFAULT '',  capacity BIGINT NOT NULL DEFAULT 0 CHECK (capacity >= 0),"
    "  language TEXT COLLATE \"C\" NOT NULL DEFAULT 'km',  created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,"
    "  created_at BIGINT NOT NULL,  cancelled_at BIGINT,  is_demo BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX workshops_course ON workshops(course_id);"
    "CREATE INDEX workshops_org ON workshops(org_id);"
    "CREATE TABLE workshop_days (  workshop_id BIGINT NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,"
    "  day BIGINT NOT NULL CHECK (day >= 1),  starts_at BIGINT NOT NULL,  ends_at BIGINT NOT NULL CHECK (ends_at > "
    "starts_at),  PRIMARY KEY (workshop_id, day));"
    "CREATE INDEX workshop_days_start ON workshop_days(starts_at);"
    "CREATE TABLE workshop_trainers (  workshop_id BIGINT NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,"
    "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,  PRIMARY KEY (workshop_id, user_id));"
    "CREATE TABLE workshop_people (  workshop_id BIGINT NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,"
    "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  status TEXT COLLATE \"C\" NOT NULL CHECK (status IN ('registered','waitlisted','cancelled')),"
    "  invited BIGINT NOT NULL DEFAULT 0,  row_code TEXT COLLATE \"C\" NOT NULL,  since BIGINT NOT NULL,"
    "  PRIMARY KEY (workshop_id, user_id),  UNIQUE (workshop_id, row_code));"
    "CREATE INDEX workshop_people_user ON workshop_people(user_id);"
    "CREATE TABLE attendance (  workshop_id BIGINT NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,"
    "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,  day BIGINT NOT NULL,"
    "  status TEXT COLLATE \"C\" NOT NULL CHECK (status IN ('present','absent','excused')),"
    "  method TEXT COLLATE \"C\" NOT NULL CHECK (method IN ('trainer','sheet','qr','import')),"
    "  marked_by BIGINT REFERENCES users(id) ON DELETE SET NULL,  marked_at BIGINT NOT NULL,"
    "  PRIMARY KEY (workshop_id, user_id, day));"
    "CREATE INDEX attendance_user ON attendance(user_id);"
    "CREATE TABLE survey_responses (  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  subject TEXT COLLATE \"C\" NOT NULL,  sex TEXT COLLATE \"C\" NOT NULL,"
    "  org_id BIGINT NOT NULL REFERENCES org_units(id),  submitted_at BIGINT NOT NULL,"
    "  answers TEXT COLLATE \"C\" NOT NULL,  score DOUBLE PRECISION,  comment TEXT COLLATE \"C\" NOT NULL DEFAULT '');"
    "CREATE INDEX survey_responses_subject ON survey_responses(subject);"
    "CREATE TABLE survey_done (  subject TEXT COLLATE \"C\" NOT NULL,"
    "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,  PRIMARY KEY (subject, user_id));",
    /* 11: the audit trail (lib/audit.c) and certificate images (lib/schema.c's migration 11). */
    "CREATE TABLE audit_log (  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    "  created_at BIGINT NOT NULL,  actor TEXT COLLATE \"C\" NOT NULL,  origin TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
    "  action TEXT COLLATE \"C\" NOT NULL,  target TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
    "  detail TEXT COLLATE \"C\" NOT NULL DEFAULT '');"
    "CREATE INDEX audit_log_time ON audit_log(created_at);"
    "CREATE INDEX audit_log_actor ON audit_log(actor);"
    "CREATE TABLE cert_images (  name TEXT COLLATE \"C\" PRIMARY KEY CHECK (name IN ('logo','signature')),"
    "  width BIGINT NOT NULL,  height BIGINT NOT NULL,  sha256 TEXT COLLATE \"C\" NOT NULL,"
    "  uploaded_at BIGINT NOT NULL,  data BYTEA NOT NULL);",
    /* 12: drafts (lib/schema.c migration 12): published_at NULL for a version never published. */
    "ALTER TABLE packages ADD COLUMN published_at BIGINT;"
    "UPDATE packages SET published_at = imported_at;",
    /* 13: due dates of assignments and the follow-up views (lib/schema.c's migration 13). */
    "ALTER TABLE enrolments ADD COLUMN due_at BIGINT;"
    "ALTER TABLE org_assignments ADD COLUMN due_at BIGINT;"
    "CREATE INDEX enrolments_due ON enrolments(due_at) WHERE due_at IS NOT NULL;"
    "CREATE OR REPLACE FUNCTION users_enrol_by_org() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  INSERT INTO enrolments(user_id, course_id, source, enrolled_at, due_at)"
    "  SELECT NEW.id, a.course_id, 'org',"
    "    CASE WHEN TG_OP = 'INSERT' THEN NEW.created_at ELSE extract(epoch FROM now())::bigint END, a.due_at"
    "  FROM org_assignments a JOIN org_units o ON o.id = a.org_id JOIN org_units u ON u.id = NEW.org_id"
    "  WHERE substr(u.path, 1, length(o.path)) = o.path"
    "  ON CONFLICT DO NOTHING;"
    "  RETURN NULL; END $$;"
    "CREATE VIEW report_people AS"
    "  SELECT u.id AS user_id, u.username, u.full_name, u.full_name_km, u.position, u.sex, u.active,"
    "  o.code AS org_code, o.name_en AS org_name_en, o.name_km AS org_name_km, o.path AS org_path"
    "  FROM users u JOIN org_units o ON o.id = u.org_id;"
    "CREATE VIEW report_due AS SELECT user_id, course_id, due_at FROM enrolments WHERE due_at IS NOT NULL;",

    /* 14: completion rules with attendance and reaction surveys (lib/schema.c's migration 14). */
    "ALTER TABLE packages ADD COLUMN completion_online BIGINT NOT NULL DEFAULT 1,"
    "  ADD COLUMN attendance_days BIGINT CHECK (attendance_days >= 0),"
    "  ADD COLUMN survey TEXT COLLATE \"C\" NOT NULL DEFAULT '';",
    // clang-format off
    /*
     * 15: report aggregates (lib/schema.c's migration 15): the same tables; report_agg_refresh() refreshes
     * one enrolment's fact (and its learner's period keys when asked), called by the triggers of
     * enrolments, certificates and users while report_agg_state.live is 1.
     */
    "CREATE TABLE report_agg_state (id BIGINT PRIMARY KEY CHECK (id = 1), live BIGINT NOT NULL);"
    "INSERT INTO report_agg_state(id, live) VALUES (1, 1);"
    "CREATE TABLE report_agg_facts (  user_id BIGINT NOT NULL,  course_id TEXT COLLATE \"C\" NOT NULL,"
    "  org_id BIGINT NOT NULL,  sex TEXT COLLATE \"C\" NOT NULL,  enrolled_m BIGINT,  started_m BIGINT,"
    "  completed_m BIGINT,  certified_m BIGINT,  score DOUBLE PRECISION,  gain DOUBLE PRECISION,"
    "  PRIMARY KEY (user_id, course_id));"
    "CREATE TABLE report_agg (  pkey TEXT COLLATE \"C\" NOT NULL,  org_id BIGINT NOT NULL,  course_id TEXT COLLATE \"C\" NOT NULL,"
    "  sex TEXT COLLATE \"C\" NOT NULL,  enrolled BIGINT NOT NULL DEFAULT 0,  started BIGINT NOT NULL DEFAULT 0,"
    "  completed BIGINT NOT NULL DEFAULT 0,  certified BIGINT NOT NULL DEFAULT 0,  score_n BIGINT NOT NULL DEFAULT 0,"
    "  score_sum DOUBLE PRECISION NOT NULL DEFAULT 0,  gain_n BIGINT NOT NULL DEFAULT 0,"
    "  gain_sum DOUBLE PRECISION NOT NULL DEFAULT 0,  PRIMARY KEY (pkey, org_id, course_id, sex));"
    "CREATE TABLE report_agg_all (  pkey TEXT COLLATE \"C\" NOT NULL,  org_id BIGINT NOT NULL,"
    "  sex TEXT COLLATE \"C\" NOT NULL,  enrolled BIGINT NOT NULL DEFAULT 0,  started BIGINT NOT NULL DEFAULT 0,"
    "  completed BIGINT NOT NULL DEFAULT 0,  certified BIGINT NOT NULL DEFAULT 0,  PRIMARY KEY (pkey, org_id, sex));"
    /* SQLite's refresh queue; unused here (the triggers call report_agg_refresh()), so both engines have the
     * same tables for sala db copy. */
    "CREATE TABLE report_agg_dirty (  user_id BIGINT NOT NULL,  course_id TEXT COLLATE \"C\" NOT NULL,"
    "  learner BIGINT NOT NULL);"
    "CREATE FUNCTION report_agg_refresh(p_user BIGINT, p_course TEXT, p_learner BOOLEAN) RETURNS void"
    "  LANGUAGE plpgsql AS $$ BEGIN "
    AGG_KEYS_APPLY("-1", "user_id = p_user AND p_learner") "; "
    AGG_APPLY("-1", "user_id = p_user AND course_id = p_course") "; "
    "DELETE FROM report_agg_facts WHERE user_id = p_user AND course_id = p_course; "
    AGG_FACTS_INSERT("e.user_id = p_user AND e.course_id = p_course") "; "
    AGG_APPLY("1", "user_id = p_user AND course_id = p_course") "; "
    AGG_KEYS_APPLY("1", "user_id = p_user AND p_learner") "; "
    "END $$;"
    "CREATE FUNCTION report_agg_enrolments() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  IF (SELECT live FROM report_agg_state WHERE id = 1) IS DISTINCT FROM 1 THEN RETURN NULL; END IF;"
    "  IF TG_OP = 'INSERT' THEN PERFORM report_agg_refresh(NEW.user_id, NEW.course_id, true);"
    "  ELSIF TG_OP = 'DELETE' THEN PERFORM report_agg_refresh(OLD.user_id, OLD.course_id, true);"
    "  ELSIF OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.course_id IS DISTINCT FROM NEW.course_id THEN"
    "    PERFORM report_agg_refresh(OLD.user_id, OLD.course_id, true);"
    "    PERFORM report_agg_refresh(NEW.user_id, NEW.course_id, true);"
    "  ELSIF OLD.enrolled_at IS DISTINCT FROM NEW.enrolled_at OR OLD.started_at IS DISTINCT FROM NEW.started_at"
    "    OR OLD.completed_at IS DISTINCT FROM NEW.completed_at THEN"
    "    PERFORM report_agg_refresh(NEW.user_id, NEW.course_id, true);"
    "  ELSIF OLD.best_final IS DISTINCT FROM NEW.best_final OR OLD.pretest IS DISTINCT FROM NEW.pretest THEN"
    "    PERFORM report_agg_refresh(NEW.user_id, NEW.course_id, false);"
    "  END IF;"
    "  RETURN NULL; END $$;"
    "CREATE TRIGGER report_agg_enrolments AFTER INSERT OR UPDATE OR DELETE ON enrolments"
    "  FOR EACH ROW EXECUTE FUNCTION report_agg_enrolments();"
    "CREATE FUNCTION report_agg_certificates() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  IF (SELECT live FROM report_agg_state WHERE id = 1) IS DISTINCT FROM 1 THEN RETURN NULL; END IF;"
    "  IF TG_OP = 'UPDATE' THEN"
    "    IF NOT (OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.course_id IS DISTINCT FROM NEW.course_id"
    "      OR OLD.issued_at IS DISTINCT FROM NEW.issued_at OR OLD.superseded_by IS DISTINCT FROM NEW.superseded_by"
    "      OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at) THEN RETURN NULL; END IF;"
    "  END IF;"
    "  IF TG_OP <> 'INSERT' THEN"
    "    IF EXISTS (SELECT 1 FROM report_enrolments WHERE user_id = OLD.user_id AND course_id = OLD.course_id) THEN"
    "      PERFORM report_agg_refresh(OLD.user_id, OLD.course_id, true); END IF;"
    "  END IF;"
    "  IF TG_OP = 'INSERT' THEN"
    "    IF EXISTS (SELECT 1 FROM report_enrolments WHERE user_id = NEW.user_id AND course_id = NEW.course_id) THEN"
    "      PERFORM report_agg_refresh(NEW.user_id, NEW.course_id, true); END IF;"
    "  ELSIF TG_OP = 'UPDATE' THEN"
    "    IF (OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.course_id IS DISTINCT FROM NEW.course_id) AND EXISTS"
    "      (SELECT 1 FROM report_enrolments WHERE user_id = NEW.user_id AND course_id = NEW.course_id) THEN"
    "      PERFORM report_agg_refresh(NEW.user_id, NEW.course_id, true); END IF;"
    "  END IF;"
    "  RETURN NULL; END $$;"
    "CREATE TRIGGER report_agg_certificates AFTER INSERT OR UPDATE OR DELETE ON certificates"
    "  FOR EACH ROW EXECUTE FUNCTION report_agg_certificates();"
    "CREATE FUNCTION report_agg_forget(p_user BIGINT) RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
    AGG_KEYS_APPLY("-1", "user_id = p_user") "; " AGG_APPLY("-1", "user_id = p_user") "; "
    "DELETE FROM report_agg_facts WHERE user_id = p_user; END $$;"
    "CREATE FUNCTION report_agg_learners() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  IF TG_OP = 'DELETE' THEN"
    "    IF (SELECT live FROM report_agg_state WHERE id = 1) = 1 THEN PERFORM report_agg_forget(OLD.id); END IF;"
    "    RETURN NULL;"
    "  END IF;"
    "  IF (SELECT live FROM report_agg_state WHERE id = 1) = 1"
    "    AND (OLD.org_id IS DISTINCT FROM NEW.org_id OR OLD.sex IS DISTINCT FROM NEW.sex) THEN"
    "    PERFORM report_agg_refresh(NEW.id, e.course_id, true) FROM report_enrolments e WHERE e.user_id = NEW.id;"
    "  END IF;"
    "  RETURN NULL; END $$;"
    "CREATE TRIGGER report_agg_learners AFTER UPDATE OF org_id, sex ON users"
    "  FOR EACH ROW EXECUTE FUNCTION report_agg_learners();"
    "CREATE TRIGGER report_agg_learners_delete AFTER DELETE ON users"
    "  FOR EACH ROW EXECUTE FUNCTION report_agg_learners();"
    /* training's published views for the face-to-face figures of the reports (docs/architecture.md). */
    "CREATE VIEW report_attendance AS"
    "  SELECT a.workshop_id, a.user_id, a.day, a.status, d.starts_at, d.ends_at, w.course_id"
    "  FROM attendance a JOIN workshop_days d ON d.workshop_id = a.workshop_id AND d.day = a.day"
    "  JOIN workshops w ON w.id = a.workshop_id;"
    "CREATE VIEW report_invitations AS"
    "  SELECT p.workshop_id, p.user_id, p.status, p.invited, w.course_id,"
    "  (SELECT min(d.starts_at) FROM workshop_days d WHERE d.workshop_id = p.workshop_id) AS starts_at"
    "  FROM workshop_people p JOIN workshops w ON w.id = p.workshop_id;"
    "CREATE VIEW report_survey AS"
    "  SELECT s.subject, s.sex, s.org_id, s.submitted_at, s.score,"
    "  CASE WHEN substr(s.subject, 1, 7) = 'course:' THEN substr(s.subject, 8) ELSE w.course_id END AS course_id"
    "  FROM survey_responses s LEFT JOIN workshops w ON s.subject = 'workshop:' || w.id;"
    AGG_REBUILD,
    // clang-format on
    // clang-format off
    /* 16: the survey view finds a session's course by the session's id, not by comparing every
     * answer's subject with every session's name (quadratic: 18 s for 20,000 answers and 2,000 sessions). */
    "DROP VIEW report_survey;"
    "CREATE VIEW report_survey AS"
    "  SELECT s.subject, s.sex, s.org_id, s.submitted_at, s.score,"
    "  CASE WHEN substr(s.subject, 1, 7) = 'course:' THEN substr(s.subject, 8)"
    "  WHEN substr(s.subject, 1, 9) = 'workshop:' THEN (SELECT w.course_id FROM workshops w"
    "  WHERE w.id = CAST(substr(s.subject, 10) AS BIGINT)) END AS course_id"
    "  FROM survey_responses s;",
    /* 17: the learner's language (PG_MIGRATION_17, above). */
    PG_MIGRATION_17,
    /* 18: report_courses leaves out a course never published (lib/schema.c). */
    "DROP VIEW report_courses;"
    "CREATE VIEW report_courses AS SELECT id FROM courses c"
    "  WHERE EXISTS (SELECT 1 FROM packages p WHERE p.course_id = c.id AND p.published_at IS NOT NULL)"
    "  OR NOT EXISTS (SELECT 1 FROM packages p WHERE p.course_id = c.id);",
    /*
     * 19: the face-to-face aggregates (lib/schema.c's migration 19): report_f2f_refresh() refreshes one learner,
     * called by the triggers of attendance, workshop_people, workshop_days, workshops, users and
     * report_agg_facts while report_agg_state.live is 1. report_f2f_dirty is SQLite's queue (unused here).
     */
    F2F_TABLES("BIGINT", "TEXT COLLATE \"C\"", "")
    "CREATE VIEW report_session_people AS"
    "  SELECT workshop_id, user_id FROM workshop_people UNION SELECT workshop_id, user_id FROM attendance;"
    "CREATE VIEW report_sessions AS SELECT id, course_id FROM workshops;"
    "CREATE FUNCTION report_f2f_refresh(p_user BIGINT) RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
    F2F_REFRESH("p_user", F2F_W_PARAM) "; END $$;"
    "CREATE FUNCTION report_f2f_places() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  IF (SELECT live FROM report_agg_state WHERE id = 1) IS DISTINCT FROM 1 THEN RETURN NULL; END IF;"
    "  IF TG_OP <> 'INSERT' THEN PERFORM report_f2f_refresh(OLD.user_id); END IF;"
    "  IF TG_OP = 'INSERT' THEN PERFORM report_f2f_refresh(NEW.user_id);"
    "  ELSIF TG_OP = 'UPDATE' THEN"
    "    IF NEW.user_id IS DISTINCT FROM OLD.user_id THEN PERFORM report_f2f_refresh(NEW.user_id); END IF;"
    "  END IF;"
    "  RETURN NULL; END $$;"
    "CREATE TRIGGER report_f2f_marks AFTER INSERT OR DELETE OR UPDATE OF workshop_id, user_id, day, status"
    "  ON attendance FOR EACH ROW EXECUTE FUNCTION report_f2f_places();"
    "CREATE TRIGGER report_f2f_places AFTER INSERT OR DELETE OR UPDATE OF workshop_id, user_id, status"
    "  ON workshop_people FOR EACH ROW EXECUTE FUNCTION report_f2f_places();"
    "CREATE FUNCTION report_f2f_sessions() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  IF (SELECT live FROM report_agg_state WHERE id = 1) IS DISTINCT FROM 1 THEN RETURN NULL; END IF;"
    "  IF TG_TABLE_NAME = 'workshops' AND TG_OP = 'DELETE' THEN"
    "    PERFORM report_f2f_refresh(s.user_id) FROM report_session_people s WHERE s.workshop_id = OLD.id;"
    "    RETURN NULL;"
    "  ELSIF TG_TABLE_NAME = 'workshops' THEN"
    "    PERFORM report_f2f_refresh(s.user_id) FROM report_session_people s WHERE s.workshop_id = NEW.id;"
    "    RETURN NULL;"
    "  END IF;"
    "  IF TG_OP <> 'INSERT' THEN"
    "    PERFORM report_f2f_refresh(s.user_id) FROM report_session_people s WHERE s.workshop_id = OLD.workshop_id;"
    "  END IF;"
    "  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.workshop_id IS DISTINCT FROM OLD.workshop_id) THEN"
    "    PERFORM report_f2f_refresh(s.user_id) FROM report_session_people s WHERE s.workshop_id = NEW.workshop_id;"
    "  END IF;"
    "  RETURN NULL; END $$;"
    "CREATE TRIGGER report_f2f_days AFTER INSERT OR DELETE OR UPDATE ON workshop_days"
    "  FOR EACH ROW EXECUTE FUNCTION report_f2f_sessions();"
    "CREATE TRIGGER report_f2f_sessions AFTER UPDATE OF course_id ON workshops FOR EACH ROW"
    "  WHEN (OLD.course_id IS DISTINCT FROM NEW.course_id) EXECUTE FUNCTION report_f2f_sessions();"
    "CREATE TRIGGER report_f2f_sessions_delete AFTER DELETE ON workshops FOR EACH ROW"
    "  EXECUTE FUNCTION report_f2f_sessions();"
    "CREATE FUNCTION report_f2f_learners() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  IF (SELECT live FROM report_agg_state WHERE id = 1) IS DISTINCT FROM 1 THEN RETURN NULL; END IF;"
    "  IF TG_OP = 'DELETE' THEN"
    "    IF EXISTS (SELECT 1 FROM report_f2f_keys WHERE user_id = OLD.id) THEN"
    "      PERFORM report_f2f_refresh(OLD.id); END IF;"
    "  ELSIF (OLD.org_id IS DISTINCT FROM NEW.org_id OR OLD.sex IS DISTINCT FROM NEW.sex"
    "    OR OLD.lang IS DISTINCT FROM NEW.lang) AND EXISTS (SELECT 1 FROM report_f2f_keys WHERE user_id = NEW.id) THEN"
    "    PERFORM report_f2f_refresh(NEW.id);"
    "  END IF;"
    "  RETURN NULL; END $$;"
    "CREATE TRIGGER report_f2f_learners AFTER UPDATE OF org_id, sex, lang OR DELETE ON users"
    "  FOR EACH ROW EXECUTE FUNCTION report_f2f_learners();"
    "CREATE FUNCTION report_f2f_facts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    "  IF (SELECT live FROM report_agg_state WHERE id = 1) IS DISTINCT FROM 1 THEN RETURN NULL; END IF;"
    "  IF TG_OP <> 'INSERT' THEN"
    "    IF OLD.completed_m IS NOT NULL"
    "      AND EXISTS (SELECT 1 FROM report_f2f_keys WHERE user_id = OLD.user_id AND attended = 1) THEN"
    "      PERFORM report_f2f_refresh(OLD.user_id); END IF;"
    "  END IF;"
    "  IF TG_OP <> 'DELETE' THEN"
    "    IF NEW.completed_m IS NOT NULL"
    "      AND EXISTS (SELECT 1 FROM report_f2f_keys WHERE user_id = NEW.user_id AND attended = 1) THEN"
    "      PERFORM report_f2f_refresh(NEW.user_id); END IF;"
    "  END IF;"
    "  RETURN NULL; END $$;"
    "CREATE TRIGGER report_f2f_facts AFTER INSERT OR DELETE OR UPDATE ON report_agg_facts"
    "  FOR EACH ROW EXECUTE FUNCTION report_f2f_facts();"
    F2F_REBUILD,
    // clang-format on
};

int schema_pg_migrate(struct db *db, struct err *e)
{
	int n = (int)(sizeof pg_migrations / sizeof pg_migrations[0]);
	int want = PG_BASE + n - 1;
	if (db_exec(db, "BEGIN", e) < 0)
		return -1;
	/* One migrator at a time: several servers may start together on one database. */
	if (db_exec(db, "SELECT pg_advisory_xact_lock(7253)", e) < 0 ||
	    db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)", e) < 0)
		goto fail;
	int have = (int)db_int(db, "SELECT max(version) FROM schema_version", NULL, NULL, 0);
	if (have > want) {
		db_rollback(db);
		return err_set(e, "database schema version %d is newer than this program (%d): upgrade sala", have,
			       want);
	}
	for (int v = have ? have - PG_BASE + 1 : 0; v < n; v++)
		if (db_exec(db, pg_migrations[v], e) < 0)
			goto fail;
	if (have != want) {
		char sql[96];
		snprintf(sql, sizeof sql, "DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d)", want);
		if (db_exec(db, sql, e) < 0)
			goto fail;
	}
	return db_exec(db, "COMMIT", e);
fail:
	db_rollback(db);
	return -1;
}

const char *schema_pg_agg_rebuild_sql(void)
{
	return AGG_REBUILD_FACTS_L(AGG_LANG);
}

const char *schema_pg_f2f_rebuild_sql(void)
{
	return F2F_REBUILD;
}

const char *schema_pg_f2f_verify_sql(void)
{
	return F2F_VERIFY;
}
