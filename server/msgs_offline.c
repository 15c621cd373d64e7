/*
 * Interface text of the course as a PDF for reading offline (server/h_offline.c) in Khmer. Drafts
 * awaiting review by a native speaker (docs/i18n.md). A format entry keeps the same conversions, in the
 * same order, in both languages.
 */
#include "lib/i18n.h"
#include "server/h_learn.h"

static const struct msg offline_msgs[] = {
    {"Download them as a PDF", "ទាញយកជាឯកសារ PDF"},
    {"Page", "ទំព័រ"},
    {"Prepared for %s", "រៀបចំសម្រាប់ %s"},
    {"The PDF could not be made. Please try again in a moment.",
     "មិនអាចបង្កើតឯកសារ PDF បានទេ។ សូមព្យាយាមម្ដងទៀតក្នុងពេលបន្តិចទៀត។"},
};

void offline_messages_register(void)
{
	i18n_register(offline_msgs, sizeof offline_msgs / sizeof offline_msgs[0]);
}
