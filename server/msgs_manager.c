/*
 * Interface text of the managers' follow-up, small-group marks, due dates and
 * the assignment search, in Khmer. Drafts awaiting review by a native speaker
 * (docs/i18n.md). A format entry keeps the same conversions, in the same order,
 * in both languages.
 */
#include "lib/i18n.h"
#include "server/h_reports.h"

static const struct msg manager_msgs[] = {
    {"n is the number of people a figure rests on. An average, rate or share from fewer than %d people, or a "
     "parity index from fewer than %d women or %d men, is not shown: it is marked n<%d or n<%d.",
     "n គឺជាចំនួនមនុស្សដែលតួលេខមួយផ្អែកលើ។ មធ្យមភាគ អត្រា ឬចំណែក ពីមនុស្សតិចជាង %d នាក់ ឬសន្ទស្សន៍សមភាព "
     "ពីស្ត្រីតិចជាង %d នាក់ ឬបុរសតិចជាង %d នាក់ មិនត្រូវបង្ហាញទេ៖ វាត្រូវបានសម្គាល់ n<%d ឬ n<%d។"},
    {"These dates cannot be used: give days as YYYY-MM-DD, the first no later than the last.",
     "មិនអាចប្រើកាលបរិច្ឆេទទាំងនេះបានទេ៖ សូមផ្ដល់ថ្ងៃជា YYYY-MM-DD ហើយថ្ងៃដំបូងមិនឱ្យក្រោយថ្ងៃចុងក្រោយ។"},
    {"Follow up", "តាមដាន"},
    {"Overdue (due date passed, not completed)", "ហួសកាលកំណត់ (ហួសថ្ងៃកំណត់ មិនទាន់បញ្ចប់)"},
    {"Enrolled in the period", "បានចុះឈ្មោះក្នុងរយៈពេលនេះ"},
    {"Enrolled in the period, not started yet", "បានចុះឈ្មោះក្នុងរយៈពេលនេះ មិនទាន់ចាប់ផ្ដើម"},
    {"Started in the period", "បានចាប់ផ្ដើមក្នុងរយៈពេលនេះ"},
    {"Enrolled in the period, not completed yet", "បានចុះឈ្មោះក្នុងរយៈពេលនេះ មិនទាន់បញ្ចប់"},
    {"Completed in the period", "បានបញ្ចប់ក្នុងរយៈពេលនេះ"},
    {"Certified in the period", "បានទទួលវិញ្ញាបនបត្រក្នុងរយៈពេលនេះ"},
    {"today", "ថ្ងៃនេះ"},
    {"people and courses", "នាក់ និងវគ្គសិក្សា"},
    {"Only the first 500 are shown: the CSV has them all.", "បង្ហាញតែ ៥០០ ដំបូងប៉ុណ្ណោះ៖ ឯកសារ CSV មានទាំងអស់។"},
    {"Due", "ថ្ងៃកំណត់"},
    {"Download this list (CSV)", "ទាញយកបញ្ជីនេះ (CSV)"},
    {"Back to the report", "ត្រឡប់ទៅរបាយការណ៍"},
    {"The due date is not a date (use YYYY-MM-DD)", "ថ្ងៃកំណត់មិនមែនជាកាលបរិច្ឆេទទេ (ប្រើ YYYY-MM-DD)"},
    {"The due date has already passed", "ថ្ងៃកំណត់បានកន្លងផុតទៅហើយ"},
    {"Due on", "ថ្ងៃកំណត់"},
    {"Find an org unit to enrol everyone in it and below it, including people added later. Or list usernames, "
     "one per line.",
     "ស្វែងរកអង្គភាព ដើម្បីចុះឈ្មោះអ្នកទាំងអស់នៅក្នុងវា និងនៅក្រោមវា រួមទាំងអ្នកដែលបន្ថែមនៅពេលក្រោយ។ "
     "ឬរាយឈ្មោះអ្នកប្រើ មួយក្នុងមួយបន្ទាត់។"},
    {"Find an org unit (code or name, English or Khmer)", "ស្វែងរកអង្គភាព (លេខកូដ ឬឈ្មោះ ជាភាសាអង់គ្លេស ឬខ្មែរ)"},
    {"Due date (optional)", "ថ្ងៃកំណត់ (ស្រេចចិត្ត)"},
    {"No org unit matches: try part of its code or name.", "គ្មានអង្គភាពត្រូវគ្នាទេ៖ សាកល្បងផ្នែកមួយនៃលេខកូដ ឬឈ្មោះរបស់វា។"},
    {"Choose an org unit or give at least one username.", "សូមជ្រើសរើសអង្គភាព ឬផ្ដល់ឈ្មោះអ្នកប្រើយ៉ាងហោចណាស់មួយ។"},
    {"Due by", "ត្រូវបញ្ចប់មុន"},
    {"overdue", "ហួសកាលកំណត់"},
};

void manager_messages_register(void)
{
	i18n_register(manager_msgs, sizeof manager_msgs / sizeof manager_msgs[0]);
}
