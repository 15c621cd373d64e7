/*
 * The SQL of the report aggregates (owner: reports/, docs/reports.md "Aggregates"), shared by the
 * migrations of both engines (lib/schema.c, lib/schema_pg.c) and by report_agg_rebuild(). It reads
 * only the published views of the owners (report_learners, report_enrolments, report_certificates)
 * and writes only the aggregate tables.
 *
 * A file including this defines first, in its engine's SQL:
 *   AGG_MONTH(x)  the UTC month of x (seconds) as an integer YYYYMM; NULL for NULL
 *   AGG_ROUND(x)  x rounded to the nearest integer, halves away from zero (x >= 0)
 *
 * report_agg_facts holds, per enrolment, what it adds to the aggregates (its "fact"): the learner's
 * unit and sex now, the months of its milestones, and its score and gain in ten-thousandths of a
 * point (REPORT_SCORE_UNIT). report_agg sums the facts by period key ('A' all time, 'Y2025',
 * 'S2025-1', 'Q2025-1', 'M202501': each event counts under the five keys of its month), unit, course
 * and sex; report_agg_all counts distinct learners over all courses by period key, unit and sex. A refresh of one
 * enrolment subtracts what its fact (and, when asked, its learner's keys) added, computes the fact again from the rows
 * and adds it: the aggregates are always the sums of the facts, whatever the order of the events.
 */
#ifndef SALA_SCHEMA_AGG_H
#define SALA_SCHEMA_AGG_H

// clang-format off
/* The facts of the enrolments selected by W (a condition on e, the enrolment, and l, its learner). */
#define AGG_FACTS_INSERT_L(L, W) \
	"INSERT INTO report_agg_facts(user_id, course_id, org_id, sex" L(", lang") ", enrolled_m, started_m, completed_m," \
	" certified_m, score, gain)" \
	" SELECT e.user_id, e.course_id, l.org_id, l.sex" L(", l.lang") ", " AGG_MONTH("e.enrolled_at") ", " \
	AGG_MONTH("e.started_at") ", " AGG_MONTH("e.completed_at") "," \
	" (SELECT CASE WHEN max(c.is_current) = 1 THEN " AGG_MONTH("min(c.issued_at)") " END" \
	" FROM report_certificates c WHERE c.user_id = e.user_id AND c.course_id = e.course_id)," \
	" CASE WHEN e.completed_at IS NOT NULL THEN " AGG_ROUND("e.best_final * 10000.0") " END," \
	" CASE WHEN e.completed_at IS NOT NULL THEN " AGG_ROUND("e.best_final * 10000.0") " - " \
	AGG_ROUND("e.pretest * 10000.0") " END" \
	" FROM report_enrolments e JOIN report_learners l ON l.user_id = e.user_id WHERE " W

/* One row per milestone of the facts selected by W: month, learner, unit, course, sex and what it adds. */
#define AGG_EVENTS_L(L, W) \
	"SELECT enrolled_m AS m, user_id, org_id, course_id, sex" L(", lang") ", 1 AS e, 0 AS s, 0 AS c, 0 AS ce, 0 AS sn, 0.0 AS ss, " \
	"0 AS gn, 0.0 AS gs FROM report_agg_facts WHERE " W \
	" UNION ALL SELECT started_m, user_id, org_id, course_id, sex" L(", lang") ", 0, 1, 0, 0, 0, 0.0, 0, 0.0" \
	" FROM report_agg_facts WHERE started_m IS NOT NULL AND " W \
	" UNION ALL SELECT completed_m, user_id, org_id, course_id, sex" L(", lang") ", 0, 0, 1, 0," \
	" CASE WHEN score IS NULL THEN 0 ELSE 1 END, coalesce(score, 0.0), CASE WHEN gain IS NULL THEN 0 ELSE 1 END," \
	" coalesce(gain, 0.0) FROM report_agg_facts WHERE completed_m IS NOT NULL AND " W \
	" UNION ALL SELECT certified_m, user_id, org_id, course_id, sex" L(", lang") ", 0, 0, 0, 1, 0, 0.0, 0, 0.0" \
	" FROM report_agg_facts WHERE certified_m IS NOT NULL AND " W

/* The period key of month M for k = 1..5 (g.k): all time, year, semester, quarter, month. */
#define AGG_PKEY_OF(M) \
	"CASE g.k WHEN 1 THEN 'A' WHEN 2 THEN 'Y' || (" M " / 100)" \
	" WHEN 3 THEN 'S' || (" M " / 100) || '-' || ((" M " % 100 - 1) / 6 + 1)" \
	" WHEN 4 THEN 'Q' || (" M " / 100) || '-' || ((" M " % 100 - 1) / 3 + 1) ELSE 'M' || " M " END"
#define AGG_PKEY AGG_PKEY_OF("x.m")
#define AGG_K5 "(SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5)"

/*
 * Adds S (1 or -1) times the events of SRC (rows as AGG_EVENTS') to report_agg, once under each of the five
 * period keys of their month.
 */
#define AGG_APPLY_FROM_L(L, S, SRC) \
	"INSERT INTO report_agg(pkey, org_id, course_id, sex" L(", lang") ", enrolled, started, completed, certified, score_n," \
	" score_sum, gain_n, gain_sum)" \
	" SELECT " AGG_PKEY ", x.org_id, x.course_id, x.sex" L(", x.lang") ", " S "*sum(x.e), " S "*sum(x.s), " S "*sum(x.c), " \
	S "*sum(x.ce), " S "*sum(x.sn), " S "*sum(x.ss), " S "*sum(x.gn), " S "*sum(x.gs)" \
	" FROM (" SRC ") x CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4" \
	" UNION ALL SELECT 5) g WHERE true GROUP BY " AGG_PKEY ", x.org_id, x.course_id, x.sex" L(", x.lang") \
	" ON CONFLICT (pkey, org_id, course_id, sex" L(", lang") ") DO UPDATE SET" \
	" enrolled = report_agg.enrolled + excluded.enrolled," \
	" started = report_agg.started + excluded.started," \
	" completed = report_agg.completed + excluded.completed," \
	" certified = report_agg.certified + excluded.certified," \
	" score_n = report_agg.score_n + excluded.score_n," \
	" score_sum = report_agg.score_sum + excluded.score_sum," \
	" gain_n = report_agg.gain_n + excluded.gain_n," \
	" gain_sum = report_agg.gain_sum + excluded.gain_sum"

/* Adds S times the facts selected by W to report_agg. */
#define AGG_APPLY_L(L, S, W) AGG_APPLY_FROM_L(L, S, AGG_EVENTS_L(L, W))

/* All the facts' events summed by month first (a bulk build), for AGG_APPLY_FROM. */
#define AGG_EVENTS_BY_MONTH_L(L) \
	"SELECT m, org_id, course_id, sex" L(", lang") ", sum(e) AS e, sum(s) AS s, sum(c) AS c, sum(ce) AS ce, sum(sn) AS sn," \
	" sum(ss) AS ss, sum(gn) AS gn, sum(gs) AS gs FROM (" AGG_EVENTS_L(L, "1 = 1") ") y" \
	" GROUP BY m, org_id, course_id, sex" L(", lang")

/*
 * Adds S times the learners of the facts selected by W to report_agg_all: a learner counts once per
 * period key, unit, sex (and language) and milestone, however many of their enrolments reached it in the period.
 */
#define AGG_KEYS_APPLY_L(L, S, W) \
	"INSERT INTO report_agg_all(pkey, org_id, sex" L(", lang") ", enrolled, started, completed, certified)" \
	" SELECT pkey, org_id, sex" L(", lang") ", " S "*sum(e), " S "*sum(s), " S "*sum(c), " S "*sum(ce) FROM (" \
	"SELECT x.user_id, " AGG_PKEY " AS pkey, x.org_id, x.sex" L(", x.lang") ", max(x.e) AS e, max(x.s) AS s, max(x.c) AS c," \
	" max(x.ce) AS ce FROM (" AGG_EVENTS_L(L, W) ") x CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3" \
	" UNION ALL SELECT 4 UNION ALL SELECT 5) g" \
	" WHERE true GROUP BY x.user_id, " AGG_PKEY ", x.org_id, x.sex" L(", x.lang") ") y" \
	" WHERE true GROUP BY pkey, org_id, sex" L(", lang") \
	" ON CONFLICT (pkey, org_id, sex" L(", lang") ") DO UPDATE SET" \
	" enrolled = report_agg_all.enrolled + excluded.enrolled," \
	" started = report_agg_all.started + excluded.started," \
	" completed = report_agg_all.completed + excluded.completed," \
	" certified = report_agg_all.certified + excluded.certified"

/*
 * The face-to-face figures (docs/reports.md "Aggregates"), from training's published views report_attendance and
 * report_invitations. report_f2f_keys holds, per learner, period key and course ('*': all courses, sessions
 * without a course included), what the learner adds: attended (present at least once in the period's session
 * days), invited (on the list of a session whose first day is in the period, not cancelled), trained_x (attended
 * but no online completion of that course, or of any course for '*', in the period: trained is the online
 * completions plus these), and the sums marked (marks of people with a place), present (of those, present) and
 * seconds (present time). report_f2f sums the keys by period key, unit, course, sex and language. A refresh of one
 * learner subtracts their keys, computes them again from the rows and adds them: distinct people stay exact.
 *
 * W, a function-like macro: W(t) is a condition on the user_id column of table alias t, the learners to compute.
 */
#define F2F_PLACE \
	"(SELECT p.status FROM report_invitations p WHERE p.workshop_id = a.workshop_id AND p.user_id = a.user_id)"
#define F2F_EVENTS(W) \
	"SELECT a.user_id, " AGG_MONTH("a.starts_at") " AS m, coalesce(a.course_id, '') AS c," \
	" CASE WHEN a.status = 'present' THEN 1 ELSE 0 END AS att, 0 AS inv," \
	" CASE WHEN " F2F_PLACE " = 'registered' THEN 1 ELSE 0 END AS mk," \
	" CASE WHEN " F2F_PLACE " = 'registered' AND a.status = 'present' THEN 1 ELSE 0 END AS pr," \
	" CASE WHEN a.status = 'present' THEN a.ends_at - a.starts_at ELSE 0 END AS sec" \
	" FROM report_attendance a WHERE " W("a") \
	" UNION ALL SELECT p.user_id, " AGG_MONTH("p.starts_at") ", coalesce(p.course_id, ''), 0, 1, 0, 0, 0" \
	" FROM report_invitations p WHERE p.status <> 'cancelled' AND p.starts_at IS NOT NULL AND " W("p")

/*
 * The keys of the learners selected by W, as report_f2f_keys' columns; COMPL, a table of (user_id, course_id,
 * completed_m): the online completions (report_agg_facts, or the rows for the check).
 */
#define F2F_KEYS_SELECT(W) F2F_KEYS_SELECT_C(W, "report_agg_facts")
#define F2F_KEYS_SELECT_C(W, COMPL) \
	"SELECT y.user_id, y.pkey, y.course_id, l.org_id, l.sex, l.lang, y.att, y.inv," \
	" CASE WHEN y.att = 1 AND NOT EXISTS (SELECT 1 FROM " COMPL " f CROSS JOIN " AGG_K5 " g" \
	" WHERE f.user_id = y.user_id AND f.completed_m IS NOT NULL AND (y.course_id = '*' OR f.course_id = y.course_id)" \
	" AND " AGG_PKEY_OF("f.completed_m") " = y.pkey) THEN 1 ELSE 0 END AS tx, y.mk, y.pr, y.sec" \
	" FROM (SELECT x.user_id, " AGG_PKEY " AS pkey, CASE s.w WHEN 1 THEN x.c ELSE '*' END AS course_id," \
	" max(x.att) AS att, max(x.inv) AS inv, sum(x.mk) AS mk, sum(x.pr) AS pr, sum(x.sec) AS sec" \
	" FROM (" F2F_EVENTS(W) ") x CROSS JOIN " AGG_K5 " g CROSS JOIN (SELECT 1 AS w UNION ALL SELECT 2) s" \
	" WHERE s.w = 2 OR x.c <> '' GROUP BY x.user_id, " AGG_PKEY ", CASE s.w WHEN 1 THEN x.c ELSE '*' END) y" \
	" JOIN report_learners l ON l.user_id = y.user_id WHERE y.att + y.inv + y.mk > 0"

#define F2F_KEYS_INSERT(W) \
	"INSERT INTO report_f2f_keys(user_id, pkey, course_id, org_id, sex, lang, attended, invited, trained_x," \
	" marked, present, seconds) " F2F_KEYS_SELECT(W)

/* Adds S (1 or -1) times the keys selected by C (a condition on report_f2f_keys) to report_f2f. */
#define F2F_APPLY(S, C) \
	"INSERT INTO report_f2f(pkey, org_id, course_id, sex, lang, attended, invited, trained_x, marked, present," \
	" seconds) SELECT pkey, org_id, course_id, sex, lang, " S "*sum(attended), " S "*sum(invited), " \
	S "*sum(trained_x), " S "*sum(marked), " S "*sum(present), " S "*sum(seconds) FROM report_f2f_keys" \
	" WHERE " C " GROUP BY pkey, org_id, course_id, sex, lang" \
	" ON CONFLICT (pkey, org_id, course_id, sex, lang) DO UPDATE SET" \
	" attended = report_f2f.attended + excluded.attended, invited = report_f2f.invited + excluded.invited," \
	" trained_x = report_f2f.trained_x + excluded.trained_x, marked = report_f2f.marked + excluded.marked," \
	" present = report_f2f.present + excluded.present, seconds = report_f2f.seconds + excluded.seconds"

/* One learner's refresh (U: an SQL expression of their id). */
#define F2F_REFRESH(U, W) \
	F2F_APPLY("-1", "user_id = " U) "; DELETE FROM report_f2f_keys WHERE user_id = " U "; " \
	F2F_KEYS_INSERT(W) "; " F2F_APPLY("1", "user_id = " U)

/*
 * Every face-to-face aggregate built again from the rows (after the online facts: trained_x reads them). The keys
 * are computed for learners in 16 ranges of ids (131,072 each, the last open), each read through the user_id
 * indexes and added to report_f2f, so that the grouping of one range at a time is in memory.
 */
#define F2F_W_ALL(t) "1 = 1"
#define F2F_W_RANGE(t, lo, hi) t ".user_id >= " lo " AND " t ".user_id < " hi
#define F2F_W_0(t) F2F_W_RANGE(t, "0", "131072")
#define F2F_W_1(t) F2F_W_RANGE(t, "131072", "262144")
#define F2F_W_2(t) F2F_W_RANGE(t, "262144", "393216")
#define F2F_W_3(t) F2F_W_RANGE(t, "393216", "524288")
#define F2F_W_4(t) F2F_W_RANGE(t, "524288", "655360")
#define F2F_W_5(t) F2F_W_RANGE(t, "655360", "786432")
#define F2F_W_6(t) F2F_W_RANGE(t, "786432", "917504")
#define F2F_W_7(t) F2F_W_RANGE(t, "917504", "1048576")
#define F2F_W_8(t) F2F_W_RANGE(t, "1048576", "1179648")
#define F2F_W_9(t) F2F_W_RANGE(t, "1179648", "1310720")
#define F2F_W_10(t) F2F_W_RANGE(t, "1310720", "1441792")
#define F2F_W_11(t) F2F_W_RANGE(t, "1441792", "1572864")
#define F2F_W_12(t) F2F_W_RANGE(t, "1572864", "1703936")
#define F2F_W_13(t) F2F_W_RANGE(t, "1703936", "1835008")
#define F2F_W_14(t) F2F_W_RANGE(t, "1835008", "1966080")
#define F2F_W_15(t) t ".user_id >= 1966080"
#define F2F_REBUILD \
	"DELETE FROM report_f2f; DELETE FROM report_f2f_keys; " \
	F2F_KEYS_INSERT(F2F_W_0) ";" F2F_APPLY("1", F2F_W_0("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_1) ";" F2F_APPLY("1", F2F_W_1("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_2) ";" F2F_APPLY("1", F2F_W_2("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_3) ";" F2F_APPLY("1", F2F_W_3("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_4) ";" F2F_APPLY("1", F2F_W_4("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_5) ";" F2F_APPLY("1", F2F_W_5("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_6) ";" F2F_APPLY("1", F2F_W_6("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_7) ";" F2F_APPLY("1", F2F_W_7("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_8) ";" F2F_APPLY("1", F2F_W_8("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_9) ";" F2F_APPLY("1", F2F_W_9("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_10) ";" F2F_APPLY("1", F2F_W_10("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_11) ";" F2F_APPLY("1", F2F_W_11("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_12) ";" F2F_APPLY("1", F2F_W_12("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_13) ";" F2F_APPLY("1", F2F_W_13("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_14) ";" F2F_APPLY("1", F2F_W_14("report_f2f_keys")) ";" \
	F2F_KEYS_INSERT(F2F_W_15) ";" F2F_APPLY("1", F2F_W_15("report_f2f_keys")) ";"

/*
 * The check of report_f2f (sala report --verify): the stored rows beside the sums of the keys computed again from
 * the rows (online completions from report_enrolments), one row per key where a figure differs. Columns: pkey,
 * org_id, course_id, sex, lang, whether the row is stored, then the stored and the computed attended, invited,
 * trained_x, marked, present and seconds.
 */
#define F2F_SUM(a) "CAST(sum(" a ") AS BIGINT)"
#define F2F_DIFF(a, b) F2F_SUM(a) " <> " F2F_SUM(b)
#define F2F_VERIFY \
	"SELECT pkey, org_id, course_id, sex, lang, max(hs), " F2F_SUM("ha") ", " F2F_SUM("hi") ", " F2F_SUM("ht") ", " \
	F2F_SUM("hm") ", " F2F_SUM("hp") ", " F2F_SUM("hsec") ", " F2F_SUM("wa") ", " F2F_SUM("wi") ", " F2F_SUM("wt") \
	", " F2F_SUM("wm") ", " F2F_SUM("wp") ", " F2F_SUM("wsec") " FROM (" \
	"SELECT pkey, org_id, course_id, sex, lang, 1 AS hs, attended AS ha, invited AS hi, trained_x AS ht," \
	" marked AS hm, present AS hp, seconds AS hsec, 0 AS wa, 0 AS wi, 0 AS wt, 0 AS wm, 0 AS wp, 0 AS wsec" \
	" FROM report_f2f UNION ALL SELECT k.pkey, k.org_id, k.course_id, k.sex, k.lang, 0, 0, 0, 0, 0, 0, 0, k.att," \
	" k.inv, k.tx, k.mk, k.pr, k.sec FROM (" \
	F2F_KEYS_SELECT_C(F2F_W_ALL, "(SELECT user_id, course_id, " AGG_MONTH("completed_at") " AS completed_m" \
	" FROM report_enrolments WHERE completed_at IS NOT NULL)") ") k) v" \
	" GROUP BY pkey, org_id, course_id, sex, lang HAVING " F2F_DIFF("ha", "wa") " OR " F2F_DIFF("hi", "wi") \
	" OR " F2F_DIFF("ht", "wt") " OR " F2F_DIFF("hm", "wm") " OR " F2F_DIFF("hp", "wp") " OR " \
	F2F_DIFF("hsec", "wsec") " ORDER BY 1, 2, 3, 4, 5"

/* The face-to-face aggregates' tables (T_ID: the engine's integer type, TXT its text type, WR a table suffix). */
#define F2F_TABLES(T_ID, TXT, WR) \
	"CREATE TABLE report_f2f_keys (  user_id " T_ID " NOT NULL,  pkey " TXT " NOT NULL,  course_id " TXT " NOT NULL," \
	"  org_id " T_ID " NOT NULL,  sex " TXT " NOT NULL,  lang " TXT " NOT NULL,  attended " T_ID " NOT NULL," \
	"  invited " T_ID " NOT NULL,  trained_x " T_ID " NOT NULL,  marked " T_ID " NOT NULL,  present " T_ID " NOT NULL," \
	"  seconds " T_ID " NOT NULL,  PRIMARY KEY (user_id, pkey, course_id))" WR ";" \
	"CREATE TABLE report_f2f (  pkey " TXT " NOT NULL,  org_id " T_ID " NOT NULL,  course_id " TXT " NOT NULL," \
	"  sex " TXT " NOT NULL,  lang " TXT " NOT NULL,  attended " T_ID " NOT NULL DEFAULT 0," \
	"  invited " T_ID " NOT NULL DEFAULT 0,  trained_x " T_ID " NOT NULL DEFAULT 0,  marked " T_ID " NOT NULL DEFAULT 0," \
	"  present " T_ID " NOT NULL DEFAULT 0,  seconds " T_ID " NOT NULL DEFAULT 0," \
	"  PRIMARY KEY (pkey, org_id, course_id, sex, lang))" WR ";" \
	"CREATE TABLE report_f2f_dirty (  user_id " T_ID " NOT NULL);"

/* Empties the aggregates and builds the facts again from the rows (report_agg_rebuild() adds up the rest). */
#define AGG_REBUILD_FACTS_L(L) \
	"DELETE FROM report_agg; DELETE FROM report_agg_all; DELETE FROM report_agg_facts;" AGG_FACTS_INSERT_L(L, "1 = 1")

/* Builds every aggregate again from the rows (the migrations). */
#define AGG_REBUILD_L(L) \
	AGG_REBUILD_FACTS_L(L) ";" AGG_APPLY_FROM_L(L, "1", AGG_EVENTS_BY_MONTH_L(L)) ";" AGG_KEYS_APPLY_L(L, "1", "1 = 1") ";"

/* Migration 15's names (no language), as it was written. */
#define AGG_FACTS_INSERT(W) AGG_FACTS_INSERT_L(AGG_NOLANG, W)
#define AGG_APPLY(S, W) AGG_APPLY_L(AGG_NOLANG, S, W)
#define AGG_KEYS_APPLY(S, W) AGG_KEYS_APPLY_L(AGG_NOLANG, S, W)
#define AGG_REBUILD AGG_REBUILD_L(AGG_NOLANG)

/*
 * L, the first parameter of the *_L macros above: AGG_NOLANG gives the SQL of migration 15 (no language),
 * AGG_LANG that of migration 17 on, where the learner's language (report_learners.lang) is a dimension
 * of the facts and of both aggregate tables.
 */
#define AGG_NOLANG(x) ""
#define AGG_LANG(x) x

// clang-format on

#endif
