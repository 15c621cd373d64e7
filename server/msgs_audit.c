/*
 * Messages of secret settings on the settings page (server/h_admin.c) and of a change that could not be saved
 * with its audit entry. Khmer drafts for native review.
 */
#include "lib/i18n.h"
#include "server/server.h"

static const struct msg audit_msgs[] = {
    {"Set: it ends with %s.", "បានកំណត់៖ វាបញ្ចប់ដោយ %s។"},
    {"Leave the field empty to keep it.", "ទុកប្រអប់នេះទទេ ដើម្បីរក្សាវាទុក។"},
    {"Remove it", "លុបវាចោល"},
    {"Not set.", "មិនទាន់កំណត់។"},
    {"The change could not be saved: nothing was changed. Please try again.",
     "មិនអាចរក្សាទុកការផ្លាស់ប្តូរបានទេ៖ គ្មានអ្វីត្រូវបានផ្លាស់ប្តូរទេ។ សូមព្យាយាមម្តងទៀត។"},
};

void audit_messages_register(void)
{
	i18n_register(audit_msgs, sizeof audit_msgs / sizeof audit_msgs[0]);
}
