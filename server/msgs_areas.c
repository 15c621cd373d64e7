/* Each area adds its message table here: i18n_register(table, n). */
#include "lib/i18n.h"
#include "server/server.h"

void server_area_messages_register(void)
{
}
