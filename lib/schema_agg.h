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

/* The period key of month m for k = 1..5: all time, year, semester, quarter, month. */
#define AGG_PKEY                                                                                                       \
	"CASE g.k WHEN 1 THEN 'A' WHEN 2 THEN 'Y' || (x.m / 100)"                                                      \
	" WHEN 3 THEN 'S' || (x.m / 100) || '-' || ((x.m % 100 - 1) / 6 + 1)"                                          \
	" WHEN 4 THEN 'Q' || (x.m / 100) || '-' || ((x.m % 100 - 1) / 3 + 1) ELSE 'M' || x.m END"

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
