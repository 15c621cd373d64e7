/* Route tables of areas not built yet. Each area moves its table into its own h_*.c file. */
#include "server/server.h"

const struct route course_routes[] = {{NULL, NULL, 0, NULL, 0}};
const struct route quiz_routes[] = {{NULL, NULL, 0, NULL, 0}};
const struct route report_routes[] = {{NULL, NULL, 0, NULL, 0}};
const struct route cert_routes[] = {{NULL, NULL, 0, NULL, 0}};
const struct route api_routes[] = {{NULL, NULL, 0, NULL, 0}};
