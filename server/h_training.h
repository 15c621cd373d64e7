/*
 * Face-to-face sessions (workshops) on the web and in the JSON API (server/h_training.c): the list,
 * creating a session, its page with its people and invites, registration, and the trainer's
 * attendance marking per day. docs/training.md says who may do what.
 */
#ifndef SALA_H_TRAINING_H
#define SALA_H_TRAINING_H
#include "lib/buf.h"
#include "server/http.h"

extern const struct route training_routes[];
/* Registers the session pages' message table (Khmer drafts). */
void training_messages_register(void);
/* The "Face-to-face sessions" section of My learning: the user's upcoming sessions (date, time, place). */
void h_training_my_section(struct req *r, struct buf *b);

#endif
