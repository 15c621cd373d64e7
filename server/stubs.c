/* Route tables of areas not built yet. Each area moves its table into its own h_*.c file. */
#include "server/server.h"

