/* The reports area of the server (server/h_reports.c): dashboard, CSV and JSON exports. */
#ifndef SALA_H_REPORTS_H
#define SALA_H_REPORTS_H

/* Registers the area's Khmer messages (called from server/msgs_areas.c at start-up). */
void reports_messages_register(void);
/* The managers' follow-up, due dates and assignment search (server/msgs_manager.c). */
void manager_messages_register(void);

#endif
