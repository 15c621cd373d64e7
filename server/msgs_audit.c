/* Messages of secret settings on the settings page (server/h_admin.c). Khmer drafts for native review. */
#include "lib/i18n.h"
#include "server/server.h"

static const struct msg audit_msgs[] = {
    {"Set: it ends with %s.", "បានកំណត់៖ វាបញ្ចប់ដោយ %s។"},
    {"Leave the field empty to keep it.", "ទុកប្រអប់នេះទទេ ដើម្បីរក្សាវាទុក។"},
    {"Remove it", "លុបវាចោល"},
    {"Not set.", "មិនទាន់កំណត់។"},
};

void audit_messages_register(void)
{
	i18n_register(audit_msgs, sizeof audit_msgs / sizeof audit_msgs[0]);
}
