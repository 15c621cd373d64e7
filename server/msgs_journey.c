/*
 * Interface text of the learner's journey in Khmer: who is logged in, the end of a course, a pre-test's
 * result, language names, offline reading. Drafts awaiting review by a native speaker (docs/i18n.md). A
 * format entry keeps the same conversions, in the same order, in both languages.
 */
#include "lib/i18n.h"
#include "server/h_learn.h"

static const struct msg journey_msgs[] = {
    {"Completed on %s", "បានបញ្ចប់នៅ%s"},
    {"Download the lessons to read offline (HTML)", "ទាញយកមេរៀនដើម្បីអានក្រៅបណ្ដាញ (HTML)"},
    {"English", "អង់គ្លេស"},
    {"Enrol in this course to download it for reading offline.", "សូមចុះឈ្មោះក្នុងវគ្គសិក្សានេះ ដើម្បីទាញយកវាសម្រាប់អានក្រៅបណ្ដាញ។"},
    {"Khmer", "ខ្មែរ"},
    {"Logged in as", "បានចូលប្រព័ន្ធជា"},
    {"Reading offline is not recorded: your progress is recorded when you next open each lesson online.",
     "ការអានក្រៅបណ្ដាញមិនត្រូវបានកត់ត្រាទេ៖ វឌ្ឍនភាពរបស់អ្នកនឹងត្រូវកត់ត្រានៅពេលអ្នកបើកមេរៀននីមួយៗតាមអនឡាញលើកក្រោយ។"},
    {"Review the course", "មើលវគ្គសិក្សាឡើងវិញ"},
    {"You scored %s. This is your starting point: the course will take you further.",
     "អ្នកទទួលបាន %s។ នេះជាចំណុចចាប់ផ្ដើមរបស់អ្នក៖ វគ្គសិក្សានេះនឹងនាំអ្នកទៅមុខទៀត។"},
    {"This course is too large to download as one file.", "វគ្គសិក្សានេះធំពេក មិនអាចទាញយកជាឯកសារតែមួយបានទេ។"},
    {"quiz: take it online", "តេស្ត៖ សូមធ្វើតាមអនឡាញ"},
};

void journey_messages_register(void)
{
	i18n_register(journey_msgs, sizeof journey_msgs / sizeof journey_msgs[0]);
}
