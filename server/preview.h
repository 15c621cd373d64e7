/* sala preview: serves one package folder from disk for its author; no database, files re-read on every request. */
#ifndef SALA_PREVIEW_H
#define SALA_PREVIEW_H

#include "courses/package.h"

/*
 * Runs until SIGINT/SIGTERM, loading the package with lim (copied).
 * port_file (may be NULL) receives the chosen port. Returns the exit status.
 */
int preview_run(const char *dir, const char *listen, const char *port_file, const struct pkg_limits *lim);

#endif
