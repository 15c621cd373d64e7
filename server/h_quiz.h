/* Quiz pages (server/h_quiz.c). */
#ifndef SALA_H_QUIZ_H
#define SALA_H_QUIZ_H

/* Registers the quiz pages' message table (call once at start-up). */
void quiz_messages_register(void);

#endif
