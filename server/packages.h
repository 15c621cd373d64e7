/* Course package pages of the server: media serving (shared with the preview server) and the trainer pages. */
#ifndef SALA_SERVER_PACKAGES_H
#define SALA_SERVER_PACKAGES_H
#include <stddef.h>

#include "server/http.h"

/* GET /media/SHA256.EXT: a blob that belongs to some package. */
int h_media(struct req *r);
/*
 * Sends data as an immutable media response (ETag, year-long cache, HTTP
 * Range with 206/416). etag is the content's SHA-256 in hex.
 */
int media_send(struct req *r, const char *mime, const char *etag, const void *data, size_t len);
/* Splits "SHA256.EXT" into its parts; -1 unless it is 64 lower-case hex digits and an accepted media extension. */
int media_name_parse(const char *name, char sha[65], char ext[8]);
/*
 * The summary package_import() wrote in msg (its documented forms) as a Khmer sentence followed by msg in
 * parentheses on a Khmer page (in the request's arena), else msg itself; a summary of another form goes
 * through the catalogue.
 */
const char *import_summary_text(struct req *r, const char *msg);
/* Registers the messages of import_summary_text() (server/import_text.c). */
void import_text_messages_register(void);
/* Registers the messages of these pages (called from server/msgs_areas.c). */
void packages_messages_register(void);

#include "lib/buf.h"
/* server/h_trainer.c, routed in package_routes (h_packages.c): a course's participants (HTML, CSV, XLSX), the
 * preview of a stored version (a draft before it is published), publishing. */
int h_participants(struct req *r);
int h_participants_csv(struct req *r);
int h_participants_xlsx(struct req *r);
int h_preview(struct req *r);
int h_publish(struct req *r);
/* The links between a course's trainer pages (participants, item analysis, essays, upload); here is the current one. */
void course_links(struct req *r, struct buf *b, const char *course, const char *here);
/* Registers the messages of the trainer pages (server/msgs_trainer.c). */
void trainer_messages_register(void);

#endif
