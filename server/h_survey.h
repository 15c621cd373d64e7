/*
 * Reaction surveys, the face-to-face part of course progress and the per-session attendance report
 * (server/h_survey.c): the route table is survey_routes.
 */
#ifndef SALA_H_SURVEY_H
#define SALA_H_SURVEY_H
#include <stdint.h>

#include "lib/buf.h"
#include "server/http.h"

extern const struct route survey_routes[];

/* Registers the survey and attendance report pages' message table (Khmer drafts). */
void h_survey_messages_register(void);
/* My learning: the surveys waiting for the logged-in learner's answer, as a section (nothing when none). */
void h_survey_pending_html(struct req *r, struct buf *b);
/*
 * The face-to-face part of course_id for the logged-in learner (sessions, days attended of required),
 * as a section; nothing when the course neither counts attendance nor has a session of theirs.
 */
void h_f2f_progress_html(struct req *r, struct buf *b, const char *course_id);
/* The same as the JSON member ,"face_to_face":{...} (null when there is nothing to show). */
void h_f2f_progress_json(struct req *r, struct buf *b, const char *course_id);

/* A session page's links to its attendance report (screen and CSV) and its survey results, for those who manage it. */
void h_survey_session_links(struct req *r, struct buf *b, int64_t workshop_id);

/* A course page's link to the course's survey results, for trainers, managers and administrators. */
void h_survey_course_link(struct req *r, struct buf *b, const char *course_id);

#endif
