/*
 * Interface text in Khmer for the admin pages: site settings (labels, help
 * lines, the certificate images), the user list, the base_url warning and the
 * audit trail. The Khmer is a draft for review by a native speaker (see
 * docs/i18n.md).
 */
#include "lib/i18n.h"
#include "server/server.h"

static const struct msg msgs[] = {
    /* server/h_audit.c */
    {"Audit trail", "កំណត់ត្រាសវនកម្ម"},
    {"Every change made by an administrator, a trainer or a manager, on the web or the command line. Times are UTC.",
     "រាល់ការផ្លាស់ប្ដូរដែលធ្វើដោយអ្នកគ្រប់គ្រងប្រព័ន្ធ គ្រូបង្គោល ឬអ្នកគ្រប់គ្រង នៅលើគេហទំព័រ ឬបន្ទាត់បញ្ជា។ "
     "ម៉ោងជា UTC។"},
    {"This is too long or not valid text.", "អត្ថបទនេះវែងពេក ឬមិនត្រឹមត្រូវ។"},
    {"Type a date as YYYY-MM-DD.", "សូមវាយកាលបរិច្ឆេទជា YYYY-MM-DD។"},
    {"The end date is before the start date.", "កាលបរិច្ឆេទបញ្ចប់នៅមុនកាលបរិច្ឆេទចាប់ផ្ដើម។"},
    {"Who (username)", "អ្នកណា (ឈ្មោះអ្នកប្រើ)"},
    {"Target contains", "គោលដៅមានពាក្យ"},
    {"From (date)", "ពី (កាលបរិច្ឆេទ)"},
    {"To (date)", "ដល់ (កាលបរិច្ឆេទ)"},
    {"Filter", "ត្រង"},
    {"%lld entries; page %lld of %lld.", "%lld ធាតុ; ទំព័រ %lld នៃ %lld។"},
    {"Download CSV", "ទាញយក CSV"},
    {"When (UTC)", "ពេលវេលា (UTC)"},
    {"Who", "អ្នកណា"},
    {"From", "ពី"},
    {"Action", "សកម្មភាព"},
    {"Target", "គោលដៅ"},
    {"Detail", "ព័ត៌មានលម្អិត"},
    {"No entries match these filters.", "គ្មានធាតុណាត្រូវនឹងតម្រងទាំងនេះទេ។"},
    {"Pages", "ទំព័រ"},
    {"Previous", "មុន"},
    {"Next", "បន្ទាប់"},
    {"All actions", "សកម្មភាពទាំងអស់"},
    {"Users", "អ្នកប្រើប្រាស់"},
    {"User import", "ការនាំចូលអ្នកប្រើប្រាស់"},
    {"Org units", "អង្គភាព"},
    {"Org unit import", "ការនាំចូលអង្គភាព"},
    {"Settings", "ការកំណត់"},
    {"Courses", "វគ្គសិក្សា"},
    {"Certificates", "វិញ្ញាបនបត្រ"},
    {"Essay grades", "ពិន្ទុអត្ថបទ"},
    {"The audit trail could not be read. Please try again.", "មិនអាចអានកំណត់ត្រាសវនកម្មបានទេ។ សូមព្យាយាមម្ដងទៀត។"},
};

void admin_messages_register(void)
{
	i18n_register(msgs, sizeof msgs / sizeof msgs[0]);
}
