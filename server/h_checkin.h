/*
 * Attendance pages besides the trainer's marking page (server/h_checkin.c): the sign-in sheet PDF and
 * the page that keys it in, the session day's check-in QR code, the learner's check-in page and
 * POST /api/v1/checkin.
 */
#ifndef SALA_H_CHECKIN_H
#define SALA_H_CHECKIN_H
#include "server/http.h"

extern const struct route checkin_routes[];

struct workshop;
/* Links to a session's sign-in sheets, their key-in page and its check-in code, for the session page. */
void checkin_session_links(struct req *r, struct buf *b, const struct workshop *w);

/* Registers the check-in pages' message table (Khmer drafts). */
void checkin_messages_register(void);

#endif
