/* The reports area of the server (server/h_reports.c): dashboard, CSV and JSON exports. */
#ifndef SALA_H_REPORTS_H
#define SALA_H_REPORTS_H

/* Registers the area's Khmer messages (called from server/msgs_areas.c at start-up). */
void reports_messages_register(void);
/* The learners' language filter of the dashboard. */
void reports_language_messages_register(void);
/* The managers' follow-up, due dates and assignment search (server/msgs_manager.c). */
void manager_messages_register(void);

/*
 * Series (server/h_reports_series.c): the dashboard, CSV, JSON and XLSX of /reports*?series=month|quarter|semester,
 * and the dashboard's links to them. reports_series_messages_register() registers their Khmer messages.
 */
struct req;
struct buf;
int reports_series_page(struct req *r);
int reports_series_csv(struct req *r);
int reports_series_json(struct req *r);
int reports_series_xlsx(struct req *r);
void reports_series_links(struct req *r, struct buf *b, const char *org, const char *course);
void reports_series_messages_register(void);

/*
 * The dashboard's face-to-face section (server/h_reports_training.c): trained, attended, invited,
 * attendance rate, training hours and satisfaction by sex, with a link to their CSV.
 */
struct report;
void reports_training_section(struct req *r, struct buf *b, const struct report *rep);
void reports_training_messages_register(void);

#endif
