/*
 * Schema migrations. migrations[i] takes the database from user_version i to
 * i + 1; they run in order inside one transaction on open. Never edit a
 * migration that has shipped: add a new one at the end.
 */
#include "lib/schema.h"

#include <stddef.h>

/* SQLite's forms of the two engine-specific pieces of the report aggregates' SQL (lib/schema_agg.h). */
#define AGG_MONTH(x) "CAST(strftime('%Y%m', " x ", 'unixepoch') AS INTEGER)"
#define AGG_ROUND(x) "round(" x ")"
#include "lib/schema_agg.h"

/* The aggregates' triggers fire only while report_agg_state.live is 1 (report_agg_pause()). */
#define AGG_LIVE "(SELECT live FROM report_agg_state WHERE id = 1) = 1"
/* The face-to-face refresh's learner: the one queued (lib/schema_agg.h F2F_EVENTS). */
#define F2F_W_NEW(t) t ".user_id = NEW.user_id"

static const char *const migrations[] = {
    /* 1: the whole first schema */
    "CREATE TABLE settings ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);"

    /* Organisation tree. path is the chain of ids from the root, '/1/5/23/',
     * so a subtree is the range [path, path with its last '/' as '0'). */
    "CREATE TABLE org_units ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  name_en TEXT NOT NULL,"
    "  name_km TEXT NOT NULL DEFAULT '',"
    "  parent_id INTEGER REFERENCES org_units(id),"
    "  level TEXT NOT NULL CHECK (level IN ('national','ministry','province','district','commune','office')),"
    "  path TEXT NOT NULL DEFAULT '',"
    "  is_demo INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX org_units_parent ON org_units(parent_id);"
    "CREATE INDEX org_units_path ON org_units(path);"

    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    "  password_hash TEXT NOT NULL,"
    "  full_name TEXT NOT NULL,"
    "  full_name_km TEXT NOT NULL DEFAULT '',"
    "  sex TEXT NOT NULL DEFAULT 'unspecified' CHECK (sex IN ('female','male','other','unspecified')),"
    "  org_id INTEGER NOT NULL REFERENCES org_units(id),"
    "  position TEXT NOT NULL DEFAULT '',"
    "  email TEXT NOT NULL DEFAULT '',"
    "  phone TEXT NOT NULL DEFAULT '',"
    "  lang TEXT NOT NULL DEFAULT 'km' CHECK (lang IN ('en','km')),"
    "  active INTEGER NOT NULL DEFAULT 1,"
    "  is_demo INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL);"
    "CREATE INDEX users_org ON users(org_id, sex);" /* covering for the reports by org unit and sex */

    "CREATE TABLE user_roles ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  role TEXT NOT NULL CHECK (role IN ('learner','trainer','manager','admin')),"
    "  PRIMARY KEY (user_id, role)) WITHOUT ROWID;"

    /* Sessions: only the SHA-256 of the cookie token is stored. */
    "CREATE TABLE sessions ("
    "  token_hash TEXT PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  csrf TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX sessions_user ON sessions(user_id);"

    "CREATE TABLE login_failures ("
    "  key TEXT NOT NULL,"
    "  at INTEGER NOT NULL);"
    "CREATE INDEX login_failures_key ON login_failures(key, at);"

    /* Course packages. Files are content-addressed blobs shared across versions. */
    "CREATE TABLE blobs ("
    "  sha256 TEXT PRIMARY KEY,"
    "  size INTEGER NOT NULL,"
    "  data BLOB NOT NULL) WITHOUT ROWID;"

    "CREATE TABLE courses ("
    "  id TEXT PRIMARY KEY,"
    "  created_at INTEGER NOT NULL) WITHOUT ROWID;"

    "CREATE TABLE packages ("
    "  id INTEGER PRIMARY KEY,"
    "  course_id TEXT NOT NULL REFERENCES courses(id),"
    "  language TEXT NOT NULL,"
    "  version TEXT NOT NULL,"
    "  version_num INTEGER NOT NULL,"
    "  title TEXT NOT NULL,"
    "  summary TEXT NOT NULL DEFAULT '',"
    "  authors TEXT NOT NULL DEFAULT '',"
    "  minutes INTEGER NOT NULL DEFAULT 0,"
    "  pass_mark INTEGER NOT NULL DEFAULT 70,"
    "  certificate INTEGER NOT NULL DEFAULT 1,"
    "  certificate_title TEXT NOT NULL DEFAULT '',"
    "  completion TEXT NOT NULL DEFAULT 'all' CHECK (completion IN ('all','quizzes')),"
    "  search_text TEXT NOT NULL DEFAULT '',"
    "  active INTEGER NOT NULL DEFAULT 0,"
    "  imported_at INTEGER NOT NULL,"
    "  imported_by TEXT NOT NULL DEFAULT '',"
    "  UNIQUE (course_id, language, version));"
    "CREATE INDEX packages_active ON packages(course_id, language, active);"

    "CREATE TABLE package_files ("
    "  package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,"
    "  path TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL REFERENCES blobs(sha256),"
    "  mime TEXT NOT NULL,"
    "  PRIMARY KEY (package_id, path)) WITHOUT ROWID;"

    /* The ordered lessons and quizzes of a package. For a lesson, html is the
     * rendered page body; for a quiz, kind is its quiz kind and source its text. */
    "CREATE TABLE items ("
    "  package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  type TEXT NOT NULL CHECK (type IN ('lesson','quiz')),"
    "  path TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  quiz_kind TEXT NOT NULL DEFAULT '' CHECK (quiz_kind IN ('','final','practice','pretest')),"
    "  questions INTEGER NOT NULL DEFAULT 0,"
    "  etag TEXT NOT NULL DEFAULT '',"
    /* Last: reading the columns before a large body then never walks its overflow pages. */
    "  html TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (package_id, position)) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX items_path ON items(package_id, path);"

    /* Enrolment and its milestones, one row per learner and course (all languages).
     * started/completed are recorded once, with their date; reports read them. */
    "CREATE TABLE enrolments ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  course_id TEXT NOT NULL REFERENCES courses(id),"
    "  source TEXT NOT NULL DEFAULT 'self' CHECK (source IN ('self','assigned','org')),"
    "  enrolled_at INTEGER NOT NULL,"
    "  started_at INTEGER,"
    "  completed_at INTEGER,"
    "  last_item TEXT NOT NULL DEFAULT '',"
    "  best_final REAL,"
    "  pretest REAL,"
    "  PRIMARY KEY (user_id, course_id)) WITHOUT ROWID;"
    "CREATE INDEX enrolments_course ON enrolments(course_id);"

    /* Assignment of a course to a whole org unit: everyone below it, including
     * people added later (the trigger below enrols them). */
    "CREATE TABLE org_assignments ("
    "  course_id TEXT NOT NULL REFERENCES courses(id),"
    "  org_id INTEGER NOT NULL REFERENCES org_units(id),"
    "  assigned_at INTEGER NOT NULL,"
    "  PRIMARY KEY (course_id, org_id)) WITHOUT ROWID;"

    /* Lessons opened, by path: the path is a lesson's identity across versions. */
    "CREATE TABLE progress ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  course_id TEXT NOT NULL,"
    "  item_path TEXT NOT NULL,"
    "  opened_at INTEGER NOT NULL,"
    "  PRIMARY KEY (user_id, course_id, item_path)) WITHOUT ROWID;"

    "CREATE TABLE attempts ("
    "  id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  course_id TEXT NOT NULL,"
    "  package_id INTEGER NOT NULL REFERENCES packages(id),"
    "  item_path TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  seed INTEGER NOT NULL,"
    "  layout TEXT NOT NULL,"
    "  started_at INTEGER NOT NULL,"
    "  deadline_at INTEGER,"
    "  submitted_at INTEGER,"
    "  answers TEXT,"
    "  score REAL,"
    "  passed INTEGER);"
    "CREATE INDEX attempts_user ON attempts(user_id, course_id, item_path);"

    /* Per-question results of submitted attempts, for item analysis. */
    "CREATE TABLE attempt_answers ("
    "  attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,"
    "  question INTEGER NOT NULL,"
    "  score REAL NOT NULL,"
    "  chosen TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (attempt_id, question)) WITHOUT ROWID;"

    "CREATE TABLE certificates ("
    "  id INTEGER PRIMARY KEY,"
    "  serial TEXT NOT NULL UNIQUE,"
    "  code TEXT NOT NULL UNIQUE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id),"
    "  course_id TEXT NOT NULL,"
    "  language TEXT NOT NULL,"
    "  course_title TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  name_km TEXT NOT NULL DEFAULT '',"
    "  completed_on TEXT NOT NULL,"
    "  score REAL,"
    "  org_id INTEGER NOT NULL REFERENCES org_units(id),"
    "  issuer TEXT NOT NULL,"
    "  issuer_km TEXT NOT NULL DEFAULT '',"
    "  payload TEXT NOT NULL,"
    "  signature TEXT NOT NULL,"
    "  issued_at INTEGER NOT NULL,"
    "  superseded_by INTEGER REFERENCES certificates(id),"
    "  revoked_at INTEGER,"
    "  revoked_reason TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX certificates_user ON certificates(user_id, course_id);"
    "CREATE INDEX certificates_course ON certificates(course_id, issued_at);"

    "CREATE TRIGGER users_enrol_by_org AFTER INSERT ON users BEGIN"
    "  INSERT OR IGNORE INTO enrolments(user_id, course_id, source, enrolled_at)"
    "  SELECT NEW.id, a.course_id, 'org', NEW.created_at"
    "  FROM org_assignments a JOIN org_units o ON o.id = a.org_id"
    "  JOIN org_units u ON u.id = NEW.org_id"
    "  WHERE substr(u.path, 1, length(o.path)) = o.path;"
    "END;"
    "CREATE TRIGGER users_enrol_by_org_move AFTER UPDATE OF org_id ON users BEGIN"
    "  INSERT OR IGNORE INTO enrolments(user_id, course_id, source, enrolled_at)"
    "  SELECT NEW.id, a.course_id, 'org', strftime('%s','now')"
    "  FROM org_assignments a JOIN org_units o ON o.id = a.org_id"
    "  JOIN org_units u ON u.id = NEW.org_id"
    "  WHERE substr(u.path, 1, length(o.path)) = o.path;"
    "END;",

    /*
     * 2: items and blobs become rowid tables (and attempts_user covers submitted_at). WITHOUT ROWID stores the whole
     * row in the key's b-tree, so a row with a large lesson body or file was read in full (every overflow page) to
     * compare keys on each lookup, which was most of a lesson page's cost (docs/performance.md). Rebuilt with foreign
     * keys off, checked by foreign_key_check before the commit (lib/db.c).
     */
    "CREATE TABLE items_v2 ("
    "  id INTEGER PRIMARY KEY,"
    "  package_id INTEGER NOT NULL REFERENCES packages(id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  type TEXT NOT NULL CHECK (type IN ('lesson','quiz')),"
    "  path TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  quiz_kind TEXT NOT NULL DEFAULT '' CHECK (quiz_kind IN ('','final','practice','pretest')),"
    "  questions INTEGER NOT NULL DEFAULT 0,"
    "  etag TEXT NOT NULL DEFAULT '',"
    "  html TEXT NOT NULL DEFAULT '',"
    "  UNIQUE (package_id, position));"
    "INSERT INTO items_v2(package_id, position, type, path, title, quiz_kind, questions, etag, html)"
    "  SELECT package_id, position, type, path, title, quiz_kind, questions, etag, html FROM items"
    "  ORDER BY package_id, position;"
    "DROP TABLE items;"
    "ALTER TABLE items_v2 RENAME TO items;"
    "CREATE UNIQUE INDEX items_path ON items(package_id, path);"
    "CREATE TABLE blobs_v2 ("
    "  id INTEGER PRIMARY KEY,"
    "  sha256 TEXT NOT NULL UNIQUE,"
    "  size INTEGER NOT NULL,"
    "  data BLOB NOT NULL);"
    "INSERT INTO blobs_v2(sha256, size, data) SELECT sha256, size, data FROM blobs;"
    "DROP TABLE blobs;"
    "ALTER TABLE blobs_v2 RENAME TO blobs;"
    /* Submitted attempts are counted on every lesson page (its ETag): from the index alone. */
    "DROP INDEX attempts_user;"
    "CREATE INDEX attempts_user ON attempts(user_id, course_id, item_path, submitted_at);",

    /*
     * 3: the password lifecycle (docs/accounts.md). must_change_password sends the
     * user to the change form after login. activation_expires > 0 means
     * password_hash holds the argon2id hash of a one-time activation code valid
     * until then. deleted_at marks an account whose personal data was erased.
     */
    "ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE users ADD COLUMN activation_expires INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE users ADD COLUMN deleted_at INTEGER;",

    /*
     * 4: published views, the read-only reporting interface of the modules that own the tables
     * (docs/architecture.md, "Published views"): reports/ reads these, never the tables. Each
     * reads only its owner's tables, is a plain projection or join that SQLite flattens into the
     * query using it (same plans, same indexes), and is written in SQL PostgreSQL speaks too.
     * A later migration that rebuilds one of these tables (create, copy, drop, rename) drops the
     * views reading it first and creates them again after: a rename checks every view.
     */
    /* accounts: org units, with the id path of their chain from the root ('/1/5/23/'). */
    "CREATE VIEW report_org_units AS"
    "  SELECT id, code, name_en, name_km, level, parent_id, path FROM org_units;"
    /* accounts: every account with its sex and its org unit's path (deleted accounts included). */
    "CREATE VIEW report_learners AS"
    "  SELECT u.id AS user_id, u.sex, u.org_id, o.path AS org_path"
    "  FROM users u JOIN org_units o ON o.id = u.org_id;"
    /* courses: the course ids. */
    "CREATE VIEW report_courses AS SELECT id FROM courses;"
    /* courses: one row per learner and course, with the dates of its milestones and its scores. */
    "CREATE VIEW report_enrolments AS"
    "  SELECT user_id, course_id, enrolled_at, started_at, completed_at, best_final, pretest FROM enrolments;"
    /* certificates: those not revoked; is_current is 1 for one not replaced by a re-issue. */
    "CREATE VIEW report_certificates AS"
    "  SELECT user_id, course_id, issued_at, CASE WHEN superseded_by IS NULL THEN 1 ELSE 0 END AS is_current"
    "  FROM certificates WHERE revoked_at IS NULL;",

    /*
     * 5: the version of the public catalogue (courses/catalogue.c keys its cache on it). Every
     * change to packages or items (import, re-activation, rollback, or any other write) adds one
     * to it in the same transaction, so a cached list is never served for a database it no longer
     * matches, whichever process or server made the change. It starts at a random value so that
     * two databases opened by one process do not share a version.
     */
    "CREATE TABLE catalogue_version ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  version INTEGER NOT NULL);"
    "INSERT INTO catalogue_version(id, version) VALUES (1, random() >> 2);"
    "CREATE TRIGGER packages_insert_version AFTER INSERT ON packages BEGIN"
    "  UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;"
    "CREATE TRIGGER packages_update_version AFTER UPDATE ON packages BEGIN"
    "  UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;"
    "CREATE TRIGGER packages_delete_version AFTER DELETE ON packages BEGIN"
    "  UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;"
    "CREATE TRIGGER items_insert_version AFTER INSERT ON items BEGIN"
    "  UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;"
    "CREATE TRIGGER items_update_version AFTER UPDATE ON items BEGIN"
    "  UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;"
    "CREATE TRIGGER items_delete_version AFTER DELETE ON items BEGIN"
    "  UPDATE catalogue_version SET version = version + 1 WHERE id = 1; END;",

    /*
     * 6: assessment's published view of submitted attempts, read by the lesson page's one query
     * (courses/learn.c) for the learner's state, so courses never names the attempts table.
     */
    "CREATE VIEW submitted_attempts AS"
    "  SELECT user_id, course_id, item_path, passed, submitted_at FROM attempts WHERE submitted_at IS NOT NULL;",

    /*
     * 7: essays graded by trainers. attempts.pending counts a submitted attempt's essays awaiting a
     * grade (the attempt is final at 0); each essay's row in attempt_answers carries pending, the
     * points given, the trainer's comment, who graded it and when (the last grade counts).
     */
    "ALTER TABLE attempts ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE attempt_answers ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE attempt_answers ADD COLUMN points REAL;"
    "ALTER TABLE attempt_answers ADD COLUMN comment TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE attempt_answers ADD COLUMN graded_by INTEGER;"
    "ALTER TABLE attempt_answers ADD COLUMN graded_at INTEGER;"
    "CREATE INDEX attempts_pending ON attempts(course_id, pending) WHERE pending > 0;",

    /*
     * 8: certificates with a validity period. packages.certificate_valid_years is course.yml's
     * certificate_valid_years (0: the certificate does not expire); certificates.expires_on is the
     * date (YYYY-MM-DD) from which a certificate is no longer valid, NULL when it never expires.
     */
    "ALTER TABLE packages ADD COLUMN certificate_valid_years INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE certificates ADD COLUMN expires_on TEXT;"
    "CREATE INDEX certificates_expiry ON certificates(expires_on) WHERE expires_on IS NOT NULL;",

    /*
     * 9: usernames are looked up and ordered as lower(username), the form both engines speak (SQLite's
     * COLLATE NOCASE is its own): an index on that expression, as PostgreSQL's users_username. (On
     * PostgreSQL, migration 9 gives text columns the "C" collation and stores files in blob_chunks.)
     */
    "CREATE INDEX users_username_lower ON users(lower(username));",

    /*
     * 10: blended training (training/, docs/architecture.md). A workshop is a face-to-face session:
     * one or more days, a venue (an org unit and an address line), trainers, invited and registered
     * people with a waiting list, attendance per person and day (who marked it and how), and the
     * anonymous answers to its reaction survey. code is the session's short code, printed on its
     * sign-in sheet; row_code is a person's code on that sheet. Times are seconds (UTC).
     */
    "CREATE TABLE workshops ("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  title TEXT NOT NULL,"
    "  course_id TEXT REFERENCES courses(id),"
    "  org_id INTEGER NOT NULL REFERENCES org_units(id),"
    "  address TEXT NOT NULL DEFAULT '',"
    "  capacity INTEGER NOT NULL DEFAULT 0 CHECK (capacity >= 0),"
    "  language TEXT NOT NULL DEFAULT 'km',"
    "  created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    "  created_at INTEGER NOT NULL,"
    "  cancelled_at INTEGER,"
    "  is_demo INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX workshops_course ON workshops(course_id);"
    "CREATE INDEX workshops_org ON workshops(org_id);"
    "CREATE TABLE workshop_days ("
    "  workshop_id INTEGER NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,"
    "  day INTEGER NOT NULL CHECK (day >= 1),"
    "  starts_at INTEGER NOT NULL,"
    "  ends_at INTEGER NOT NULL CHECK (ends_at > starts_at),"
    "  PRIMARY KEY (workshop_id, day)) WITHOUT ROWID;"
    "CREATE INDEX workshop_days_start ON workshop_days(starts_at);"
    "CREATE TABLE workshop_trainers ("
    "  workshop_id INTEGER NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (workshop_id, user_id)) WITHOUT ROWID;"
    /* status: registered (has a place), waitlisted (in order of since), cancelled; invited is 1 when
     * the person was invited (by user or org subtree) rather than registering themselves. */
    "CREATE TABLE workshop_people ("
    "  workshop_id INTEGER NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  status TEXT NOT NULL CHECK (status IN ('registered','waitlisted','cancelled')),"
    "  invited INTEGER NOT NULL DEFAULT 0,"
    "  row_code TEXT NOT NULL,"
    "  since INTEGER NOT NULL,"
    "  PRIMARY KEY (workshop_id, user_id),"
    "  UNIQUE (workshop_id, row_code)) WITHOUT ROWID;"
    "CREATE INDEX workshop_people_user ON workshop_people(user_id);"
    /* method: trainer (marked on the session page), sheet (keyed in from the sign-in sheet),
     * qr (self check-in), import (sala attendance import); marked_by NULL for the command line. */
    "CREATE TABLE attendance ("
    "  workshop_id INTEGER NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  day INTEGER NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('present','absent','excused')),"
    "  method TEXT NOT NULL CHECK (method IN ('trainer','sheet','qr','import')),"
    "  marked_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    "  marked_at INTEGER NOT NULL,"
    "  PRIMARY KEY (workshop_id, user_id, day)) WITHOUT ROWID;"
    "CREATE INDEX attendance_user ON attendance(user_id);"
    /* Reaction surveys: the answers carry no user (sex and org unit only, for the groups shown);
     * survey_done records who has answered, so each person answers once. subject is
     * 'workshop:ID' or 'course:ID'; answers a JSON array, one entry per item (1..5 for a Likert
     * item, null when skipped); score the mean of the Likert answers (1..5), NULL when none. */
    "CREATE TABLE survey_responses ("
    "  id INTEGER PRIMARY KEY,"
    "  subject TEXT NOT NULL,"
    "  sex TEXT NOT NULL,"
    "  org_id INTEGER NOT NULL REFERENCES org_units(id),"
    "  submitted_at INTEGER NOT NULL,"
    "  answers TEXT NOT NULL,"
    "  score REAL,"
    "  comment TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX survey_responses_subject ON survey_responses(subject);"
    "CREATE TABLE survey_done ("
    "  subject TEXT NOT NULL,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (subject, user_id)) WITHOUT ROWID;",
    /* 11: the audit trail (lib/audit.c): who changed which user, setting, certificate, course version, and when.
     * actor is a user name or "cli:ACCOUNT"; origin the client address or "local". */
    "CREATE TABLE audit_log ("
    "  id INTEGER PRIMARY KEY,"
    "  created_at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  origin TEXT NOT NULL DEFAULT '',"
    "  action TEXT NOT NULL,"
    "  target TEXT NOT NULL DEFAULT '',"
    "  detail TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX audit_log_time ON audit_log(created_at);"
    "CREATE INDEX audit_log_actor ON audit_log(actor);"
    /* The certificate template's uploaded images (certificates/images.c): 'logo' and 'signature', as PNG. */
    "CREATE TABLE cert_images ("
    "  name TEXT PRIMARY KEY CHECK (name IN ('logo','signature')),"
    "  width INTEGER NOT NULL,"
    "  height INTEGER NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  uploaded_at INTEGER NOT NULL,"
    "  data BLOB NOT NULL);",

    /*
     * 12: drafts. packages.published_at is when a version was first made visible to learners (seconds),
     * NULL for a draft: stored and previewable by trainers, never active until published. Versions
     * imported before drafts existed count as published when they were imported.
     */
    "ALTER TABLE packages ADD COLUMN published_at INTEGER;"
    "UPDATE packages SET published_at = imported_at;",

    /*
     * 13: due dates of assignments. enrolments.due_at is the day a learner should have completed
     * the course by (seconds, the end of that UTC day; NULL = none); org_assignments.due_at is the
     * one given to a whole unit, copied to the enrolments the assignment makes, also to people who
     * join the unit later (the triggers). Published views for the managers' follow-up lists:
     * report_people (accounts) and report_due (courses).
     */
    "ALTER TABLE enrolments ADD COLUMN due_at INTEGER;"
    "ALTER TABLE org_assignments ADD COLUMN due_at INTEGER;"
    "CREATE INDEX enrolments_due ON enrolments(due_at) WHERE due_at IS NOT NULL;"
    "DROP TRIGGER users_enrol_by_org;"
    "DROP TRIGGER users_enrol_by_org_move;"
    "CREATE TRIGGER users_enrol_by_org AFTER INSERT ON users BEGIN"
    "  INSERT OR IGNORE INTO enrolments(user_id, course_id, source, enrolled_at, due_at)"
    "  SELECT NEW.id, a.course_id, 'org', NEW.created_at, a.due_at"
    "  FROM org_assignments a JOIN org_units o ON o.id = a.org_id"
    "  JOIN org_units u ON u.id = NEW.org_id"
    "  WHERE substr(u.path, 1, length(o.path)) = o.path;"
    "END;"
    "CREATE TRIGGER users_enrol_by_org_move AFTER UPDATE OF org_id ON users BEGIN"
    "  INSERT OR IGNORE INTO enrolments(user_id, course_id, source, enrolled_at, due_at)"
    "  SELECT NEW.id, a.course_id, 'org', strftime('%s','now'), a.due_at"
    "  FROM org_assignments a JOIN org_units o ON o.id = a.org_id"
    "  JOIN org_units u ON u.id = NEW.org_id"
    "  WHERE substr(u.path, 1, length(o.path)) = o.path;"
    "END;"
    "CREATE VIEW report_people AS"
    "  SELECT u.id AS user_id, u.username, u.full_name, u.full_name_km, u.position, u.sex, u.active,"
    "  o.code AS org_code, o.name_en AS org_name_en, o.name_km AS org_name_km, o.path AS org_path"
    "  FROM users u JOIN org_units o ON o.id = u.org_id;"
    "CREATE VIEW report_due AS SELECT user_id, course_id, due_at FROM enrolments WHERE due_at IS NOT NULL;",

    /*
     * 14: completion rules with attendance and reaction surveys in course packages (course.yml
     * `completion:`, `attendance_days:`, `survey:`; docs/package-format.md). The CHECK on
     * packages.completion cannot change in place, so the rule gains columns: completion keeps the
     * online part (all or quizzes), completion_online is 0 when nothing online counts
     * (`completion: attendance`), attendance_days is NULL when attendance is not required, else the
     * days present it takes (0: every day of one workshop of the course); survey is the path of the
     * package's survey file ('' when none).
     */
    "ALTER TABLE packages ADD COLUMN completion_online INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE packages ADD COLUMN attendance_days INTEGER CHECK (attendance_days >= 0);"
    "ALTER TABLE packages ADD COLUMN survey TEXT NOT NULL DEFAULT '';",
    // clang-format off
    /*
     * 15: report aggregates (owner: reports/, docs/reports.md "Aggregates"), kept by triggers in the
     * transaction of every event that changes a figure: an enrolment's milestones or scores, a
     * certificate issued, re-issued or revoked, a learner's unit or sex. Each trigger queues the
     * enrolments to refresh in report_agg_dirty; its trigger refreshes them (lib/schema_agg.h) and
     * empties the queue. report_agg_state.live = 0 pauses them for bulk loads, which end with
     * report_agg_rebuild(). The aggregates are built here for the existing rows.
     */
    "CREATE TABLE report_agg_state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  live INTEGER NOT NULL);"
    "INSERT INTO report_agg_state(id, live) VALUES (1, 1);"
    "CREATE TABLE report_agg_facts ("
    "  user_id INTEGER NOT NULL,"
    "  course_id TEXT NOT NULL,"
    "  org_id INTEGER NOT NULL,"
    "  sex TEXT NOT NULL,"
    "  enrolled_m INTEGER,"
    "  started_m INTEGER,"
    "  completed_m INTEGER,"
    "  certified_m INTEGER,"
    "  score REAL,"
    "  gain REAL,"
    "  PRIMARY KEY (user_id, course_id)) WITHOUT ROWID;"
    "CREATE TABLE report_agg ("
    "  pkey TEXT NOT NULL,"
    "  org_id INTEGER NOT NULL,"
    "  course_id TEXT NOT NULL,"
    "  sex TEXT NOT NULL,"
    "  enrolled INTEGER NOT NULL DEFAULT 0,"
    "  started INTEGER NOT NULL DEFAULT 0,"
    "  completed INTEGER NOT NULL DEFAULT 0,"
    "  certified INTEGER NOT NULL DEFAULT 0,"
    "  score_n INTEGER NOT NULL DEFAULT 0,"
    "  score_sum REAL NOT NULL DEFAULT 0,"
    "  gain_n INTEGER NOT NULL DEFAULT 0,"
    "  gain_sum REAL NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (pkey, org_id, course_id, sex)) WITHOUT ROWID;"
    "CREATE TABLE report_agg_all ("
    "  pkey TEXT NOT NULL,"
    "  org_id INTEGER NOT NULL,"
    "  sex TEXT NOT NULL,"
    "  enrolled INTEGER NOT NULL DEFAULT 0,"
    "  started INTEGER NOT NULL DEFAULT 0,"
    "  completed INTEGER NOT NULL DEFAULT 0,"
    "  certified INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (pkey, org_id, sex)) WITHOUT ROWID;"
    "CREATE TABLE report_agg_dirty ("
    "  user_id INTEGER NOT NULL,"
    "  course_id TEXT NOT NULL,"
    "  learner INTEGER NOT NULL);"
    "CREATE TRIGGER report_agg_refresh AFTER INSERT ON report_agg_dirty BEGIN "
    AGG_KEYS_APPLY("-1", "user_id = NEW.user_id AND NEW.learner = 1") "; "
    AGG_APPLY("-1", "user_id = NEW.user_id AND course_id = NEW.course_id") "; "
    "DELETE FROM report_agg_facts WHERE user_id = NEW.user_id AND course_id = NEW.course_id; "
    AGG_FACTS_INSERT("e.user_id = NEW.user_id AND e.course_id = NEW.course_id") "; "
    AGG_APPLY("1", "user_id = NEW.user_id AND course_id = NEW.course_id") "; "
    AGG_KEYS_APPLY("1", "user_id = NEW.user_id AND NEW.learner = 1") "; "
    "DELETE FROM report_agg_dirty WHERE rowid = NEW.rowid; END;"
    "CREATE TRIGGER report_agg_enrol_insert AFTER INSERT ON enrolments WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_agg_dirty VALUES (NEW.user_id, NEW.course_id, 1); END;"
    "CREATE TRIGGER report_agg_enrol_delete AFTER DELETE ON enrolments WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_agg_dirty VALUES (OLD.user_id, OLD.course_id, 1); END;"
    "CREATE TRIGGER report_agg_enrol_update AFTER UPDATE OF user_id, course_id, enrolled_at, started_at,"
    "  completed_at, best_final, pretest ON enrolments WHEN " AGG_LIVE " AND (OLD.enrolled_at IS NOT NEW.enrolled_at"
    "  OR OLD.started_at IS NOT NEW.started_at OR OLD.completed_at IS NOT NEW.completed_at"
    "  OR OLD.best_final IS NOT NEW.best_final OR OLD.pretest IS NOT NEW.pretest"
    "  OR OLD.user_id IS NOT NEW.user_id OR OLD.course_id IS NOT NEW.course_id) BEGIN"
    "  INSERT INTO report_agg_dirty SELECT OLD.user_id, OLD.course_id, 1"
    "    WHERE OLD.user_id IS NOT NEW.user_id OR OLD.course_id IS NOT NEW.course_id;"
    "  INSERT INTO report_agg_dirty VALUES (NEW.user_id, NEW.course_id,"
    "    OLD.enrolled_at IS NOT NEW.enrolled_at OR OLD.started_at IS NOT NEW.started_at"
    "    OR OLD.completed_at IS NOT NEW.completed_at OR OLD.user_id IS NOT NEW.user_id"
    "    OR OLD.course_id IS NOT NEW.course_id); END;"
    "CREATE TRIGGER report_agg_cert_insert AFTER INSERT ON certificates WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_agg_dirty SELECT NEW.user_id, NEW.course_id, 1"
    "    WHERE EXISTS (SELECT 1 FROM report_enrolments WHERE user_id = NEW.user_id AND course_id = NEW.course_id);"
    "  END;"
    "CREATE TRIGGER report_agg_cert_delete AFTER DELETE ON certificates WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_agg_dirty SELECT OLD.user_id, OLD.course_id, 1"
    "    WHERE EXISTS (SELECT 1 FROM report_enrolments WHERE user_id = OLD.user_id AND course_id = OLD.course_id);"
    "  END;"
    "CREATE TRIGGER report_agg_cert_update AFTER UPDATE OF user_id, course_id, issued_at, superseded_by, revoked_at"
    "  ON certificates WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_agg_dirty SELECT OLD.user_id, OLD.course_id, 1"
    "    WHERE OLD.user_id IS NOT NEW.user_id OR OLD.course_id IS NOT NEW.course_id;"
    "  INSERT INTO report_agg_dirty SELECT NEW.user_id, NEW.course_id, 1"
    "    WHERE EXISTS (SELECT 1 FROM report_enrolments WHERE user_id = NEW.user_id AND course_id = NEW.course_id);"
    "  END;"
    "CREATE TRIGGER report_agg_learner_update AFTER UPDATE OF org_id, sex ON users WHEN " AGG_LIVE
    "  AND (OLD.org_id IS NOT NEW.org_id OR OLD.sex IS NOT NEW.sex) BEGIN"
    "  INSERT INTO report_agg_dirty SELECT user_id, course_id, 1 FROM report_enrolments WHERE user_id = NEW.id;"
    "  END;"
    "CREATE TRIGGER report_agg_learner_delete AFTER DELETE ON users WHEN " AGG_LIVE " BEGIN "
    AGG_KEYS_APPLY("-1", "user_id = OLD.id") "; " AGG_APPLY("-1", "user_id = OLD.id") "; "
    "DELETE FROM report_agg_facts WHERE user_id = OLD.id; END;"
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
    /*
     * 17: the learner's language as a dimension of the report aggregates (docs/reports.md "Language"):
     * users.lang, the language the learner reads Sala in, published by report_learners and report_people;
     * report_agg_facts, report_agg and report_agg_all gain a column lang, in the keys of both aggregate
     * tables. The triggers that read them are made again (a change of a learner's language refreshes
     * their enrolments, as a move does) and the aggregates are built again for the existing rows.
     */
    "DROP VIEW report_learners;"
    "CREATE VIEW report_learners AS"
    "  SELECT u.id AS user_id, u.sex, u.org_id, o.path AS org_path, u.lang"
    "  FROM users u JOIN org_units o ON o.id = u.org_id;"
    "DROP VIEW report_people;"
    "CREATE VIEW report_people AS"
    "  SELECT u.id AS user_id, u.username, u.full_name, u.full_name_km, u.position, u.sex, u.active,"
    "  o.code AS org_code, o.name_en AS org_name_en, o.name_km AS org_name_km, o.path AS org_path, u.lang"
    "  FROM users u JOIN org_units o ON o.id = u.org_id;"
    "DROP TRIGGER report_agg_refresh;"
    "DROP TRIGGER report_agg_learner_update;"
    "DROP TRIGGER report_agg_learner_delete;"
    "DROP TABLE report_agg_facts;"
    "DROP TABLE report_agg;"
    "DROP TABLE report_agg_all;"
    "CREATE TABLE report_agg_facts ("
    "  user_id INTEGER NOT NULL,"
    "  course_id TEXT NOT NULL,"
    "  org_id INTEGER NOT NULL,"
    "  sex TEXT NOT NULL,"
    "  lang TEXT NOT NULL,"
    "  enrolled_m INTEGER,"
    "  started_m INTEGER,"
    "  completed_m INTEGER,"
    "  certified_m INTEGER,"
    "  score REAL,"
    "  gain REAL,"
    "  PRIMARY KEY (user_id, course_id)) WITHOUT ROWID;"
    "CREATE TABLE report_agg ("
    "  pkey TEXT NOT NULL,"
    "  org_id INTEGER NOT NULL,"
    "  course_id TEXT NOT NULL,"
    "  sex TEXT NOT NULL,"
    "  lang TEXT NOT NULL,"
    "  enrolled INTEGER NOT NULL DEFAULT 0,"
    "  started INTEGER NOT NULL DEFAULT 0,"
    "  completed INTEGER NOT NULL DEFAULT 0,"
    "  certified INTEGER NOT NULL DEFAULT 0,"
    "  score_n INTEGER NOT NULL DEFAULT 0,"
    "  score_sum REAL NOT NULL DEFAULT 0,"
    "  gain_n INTEGER NOT NULL DEFAULT 0,"
    "  gain_sum REAL NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (pkey, org_id, course_id, sex, lang)) WITHOUT ROWID;"
    "CREATE TABLE report_agg_all ("
    "  pkey TEXT NOT NULL,"
    "  org_id INTEGER NOT NULL,"
    "  sex TEXT NOT NULL,"
    "  lang TEXT NOT NULL,"
    "  enrolled INTEGER NOT NULL DEFAULT 0,"
    "  started INTEGER NOT NULL DEFAULT 0,"
    "  completed INTEGER NOT NULL DEFAULT 0,"
    "  certified INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (pkey, org_id, sex, lang)) WITHOUT ROWID;"
    "CREATE TRIGGER report_agg_refresh AFTER INSERT ON report_agg_dirty BEGIN "
    AGG_KEYS_APPLY_L(AGG_LANG, "-1", "user_id = NEW.user_id AND NEW.learner = 1") "; "
    AGG_APPLY_L(AGG_LANG, "-1", "user_id = NEW.user_id AND course_id = NEW.course_id") "; "
    "DELETE FROM report_agg_facts WHERE user_id = NEW.user_id AND course_id = NEW.course_id; "
    AGG_FACTS_INSERT_L(AGG_LANG, "e.user_id = NEW.user_id AND e.course_id = NEW.course_id") "; "
    AGG_APPLY_L(AGG_LANG, "1", "user_id = NEW.user_id AND course_id = NEW.course_id") "; "
    AGG_KEYS_APPLY_L(AGG_LANG, "1", "user_id = NEW.user_id AND NEW.learner = 1") "; "
    "DELETE FROM report_agg_dirty WHERE rowid = NEW.rowid; END;"
    "CREATE TRIGGER report_agg_learner_update AFTER UPDATE OF org_id, sex, lang ON users WHEN " AGG_LIVE
    "  AND (OLD.org_id IS NOT NEW.org_id OR OLD.sex IS NOT NEW.sex OR OLD.lang IS NOT NEW.lang) BEGIN"
    "  INSERT INTO report_agg_dirty SELECT user_id, course_id, 1 FROM report_enrolments WHERE user_id = NEW.id;"
    "  END;"
    "CREATE TRIGGER report_agg_learner_delete AFTER DELETE ON users WHEN " AGG_LIVE " BEGIN "
    AGG_KEYS_APPLY_L(AGG_LANG, "-1", "user_id = OLD.id") "; " AGG_APPLY_L(AGG_LANG, "-1", "user_id = OLD.id") "; "
    "DELETE FROM report_agg_facts WHERE user_id = OLD.id; END;"
    AGG_REBUILD_L(AGG_LANG),
    /*
     * 18: reports list only courses a learner can see. report_courses leaves out a course whose versions are
     * all drafts (none ever published: packages.published_at NULL), so it is in no report, course choice or
     * export until it is published. A course row with no version at all stays.
     */
    "DROP VIEW report_courses;"
    "CREATE VIEW report_courses AS SELECT id FROM courses c"
    "  WHERE EXISTS (SELECT 1 FROM packages p WHERE p.course_id = c.id AND p.published_at IS NOT NULL)"
    "  OR NOT EXISTS (SELECT 1 FROM packages p WHERE p.course_id = c.id);",
    /*
     * 19: the face-to-face figures as aggregates (lib/schema_agg.h "face-to-face"): report_f2f_keys and report_f2f,
     * kept by triggers on attendance, workshop_people, workshop_days, workshops, users and report_agg_facts (an
     * online completion changes trained) through the refresh queue report_f2f_dirty, and built for the existing
     * rows. training publishes report_session_people (who is on a session's list or marked in it).
     */
    F2F_TABLES("INTEGER", "TEXT", " WITHOUT ROWID")
    "CREATE VIEW report_session_people AS"
    "  SELECT workshop_id, user_id FROM workshop_people UNION SELECT workshop_id, user_id FROM attendance;"
    "CREATE VIEW report_sessions AS SELECT id, course_id FROM workshops;"
    "CREATE TRIGGER report_f2f_refresh AFTER INSERT ON report_f2f_dirty BEGIN "
    F2F_REFRESH("NEW.user_id", F2F_W_NEW) "; DELETE FROM report_f2f_dirty WHERE rowid = NEW.rowid; END;"
    "CREATE TRIGGER report_f2f_mark_insert AFTER INSERT ON attendance WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_f2f_dirty VALUES (NEW.user_id); END;"
    "CREATE TRIGGER report_f2f_mark_delete AFTER DELETE ON attendance WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_f2f_dirty VALUES (OLD.user_id); END;"
    "CREATE TRIGGER report_f2f_mark_update AFTER UPDATE OF workshop_id, user_id, day, status ON attendance"
    "  WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_f2f_dirty SELECT OLD.user_id WHERE OLD.user_id IS NOT NEW.user_id;"
    "  INSERT INTO report_f2f_dirty VALUES (NEW.user_id); END;"
    "CREATE TRIGGER report_f2f_place_insert AFTER INSERT ON workshop_people WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_f2f_dirty VALUES (NEW.user_id); END;"
    "CREATE TRIGGER report_f2f_place_delete AFTER DELETE ON workshop_people WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_f2f_dirty VALUES (OLD.user_id); END;"
    "CREATE TRIGGER report_f2f_place_update AFTER UPDATE OF workshop_id, user_id, status ON workshop_people"
    "  WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_f2f_dirty SELECT OLD.user_id WHERE OLD.user_id IS NOT NEW.user_id;"
    "  INSERT INTO report_f2f_dirty VALUES (NEW.user_id); END;"
    "CREATE TRIGGER report_f2f_day_insert AFTER INSERT ON workshop_days WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_f2f_dirty SELECT user_id FROM report_session_people WHERE workshop_id = NEW.workshop_id;"
    "  END;"
    "CREATE TRIGGER report_f2f_day_delete AFTER DELETE ON workshop_days WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_f2f_dirty SELECT user_id FROM report_session_people WHERE workshop_id = OLD.workshop_id;"
    "  END;"
    "CREATE TRIGGER report_f2f_day_update AFTER UPDATE ON workshop_days WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_f2f_dirty SELECT user_id FROM report_session_people"
    "    WHERE workshop_id = OLD.workshop_id AND OLD.workshop_id IS NOT NEW.workshop_id;"
    "  INSERT INTO report_f2f_dirty SELECT user_id FROM report_session_people WHERE workshop_id = NEW.workshop_id;"
    "  END;"
    "CREATE TRIGGER report_f2f_session_update AFTER UPDATE OF course_id ON workshops WHEN " AGG_LIVE
    "  AND OLD.course_id IS NOT NEW.course_id BEGIN"
    "  INSERT INTO report_f2f_dirty SELECT user_id FROM report_session_people WHERE workshop_id = NEW.id; END;"
    /* A session deleted: its list and marks go with it (ON DELETE CASCADE); without the cascade
     * (foreign keys off) they stay but are no session's, and the views leave them out. */
    "CREATE TRIGGER report_f2f_session_delete AFTER DELETE ON workshops WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_f2f_dirty SELECT user_id FROM report_session_people WHERE workshop_id = OLD.id; END;"
    "CREATE TRIGGER report_f2f_learner_update AFTER UPDATE OF org_id, sex, lang ON users WHEN " AGG_LIVE
    "  AND (OLD.org_id IS NOT NEW.org_id OR OLD.sex IS NOT NEW.sex OR OLD.lang IS NOT NEW.lang) BEGIN"
    "  INSERT INTO report_f2f_dirty SELECT NEW.id WHERE EXISTS (SELECT 1 FROM report_f2f_keys WHERE user_id = NEW.id);"
    "  END;"
    "CREATE TRIGGER report_f2f_learner_delete AFTER DELETE ON users WHEN " AGG_LIVE " BEGIN"
    "  INSERT INTO report_f2f_dirty SELECT OLD.id WHERE EXISTS (SELECT 1 FROM report_f2f_keys WHERE user_id = OLD.id);"
    "  END;"
    "CREATE TRIGGER report_f2f_fact_insert AFTER INSERT ON report_agg_facts WHEN " AGG_LIVE
    "  AND NEW.completed_m IS NOT NULL BEGIN"
    "  INSERT INTO report_f2f_dirty SELECT NEW.user_id"
    "    WHERE EXISTS (SELECT 1 FROM report_f2f_keys WHERE user_id = NEW.user_id AND attended = 1); END;"
    "CREATE TRIGGER report_f2f_fact_delete AFTER DELETE ON report_agg_facts WHEN " AGG_LIVE
    "  AND OLD.completed_m IS NOT NULL BEGIN"
    "  INSERT INTO report_f2f_dirty SELECT OLD.user_id"
    "    WHERE EXISTS (SELECT 1 FROM report_f2f_keys WHERE user_id = OLD.user_id AND attended = 1); END;"
    F2F_REBUILD,
    // clang-format on
};

const char *schema_migration(int i)
{
	if (i < 0 || (size_t)i >= sizeof migrations / sizeof migrations[0])
		return NULL;
	return migrations[i];
}

int schema_count(void)
{
	return (int)(sizeof migrations / sizeof migrations[0]);
}

const char *schema_agg_rebuild_sql(void)
{
	return AGG_REBUILD_FACTS_L(AGG_LANG);
}

const char *schema_f2f_rebuild_sql(void)
{
	return F2F_REBUILD;
}

const char *schema_f2f_verify_sql(void)
{
	return F2F_VERIFY;
}
