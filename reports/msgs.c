/*
 * The reports' message table: one source for the Khmer of the figures, their headings and their
 * definitions, which the dashboard, the workbooks and `sala report` all show. Khmer drafts for review
 * by a native speaker.
 */
#include "reports/msgs.h"

#include <stdbool.h>

static const struct msg report_msgs[] = {
    {"About", "អំពី"},
    {"Summary", "សេចក្ដីសង្ខេប"},
    {"By org unit", "តាមអង្គភាព"},
    {"By course", "តាមវគ្គសិក្សា"},
    {"By org unit and course", "តាមអង្គភាព និងវគ្គសិក្សា"},
    {"Sala report", "របាយការណ៍សាលា"},
    {"Org unit code", "លេខកូដអង្គភាព"},
    {"Org unit", "អង្គភាព"},
    {"Course", "វគ្គសិក្សា"},
    {"Course title", "ចំណងជើងវគ្គសិក្សា"},
    {"All courses", "វគ្គសិក្សាទាំងអស់"},
    {"Period", "រយៈពេល"},
    {"All time", "គ្រប់ពេលទាំងអស់"},
    {"From", "ពី"},
    {"To", "ដល់"},
    {"Grouping", "ការដាក់ជាក្រុម"},
    {"Made on (UTC)", "បានបង្កើតនៅ (UTC)"},
    {"How these figures are counted", "របៀបរាប់តួលេខទាំងនេះ"},
    {"Language: each learner counts under the language they read Sala in today (their profile setting). "
     "Satisfaction is not split by language: survey answers are anonymous.",
     "ភាសា៖ អ្នកសិក្សាម្នាក់ៗត្រូវបានរាប់ក្រោមភាសាដែលពួកគេប្រើអាន Sala នាពេលបច្ចុប្បន្ន (ការកំណត់ក្នុងប្រវត្តិរូបរបស់ពួកគេ)។ "
     "ការពេញចិត្តមិនត្រូវបានបែងចែកតាមភាសាទេ៖ ចម្លើយការស្ទង់មតិគឺអនាមិក។"},
    {"Counts are of distinct learners: someone enrolled in three courses counts once under All courses.",
     "អ្នកសិក្សាម្នាក់ត្រូវរាប់តែម្ដង៖ អ្នកដែលចុះឈ្មោះក្នុងវគ្គសិក្សាបី ត្រូវរាប់តែម្ដងក្នុង «វគ្គសិក្សាទាំងអស់»។"},
    {"With a period, a learner counts as enrolled, started or completed when that happened inside the period; "
     "both the first and the last day are included (dates in UTC).",
     "ក្នុងរយៈពេលមួយ អ្នកសិក្សាត្រូវរាប់ថាបានចុះឈ្មោះ បានចាប់ផ្ដើម ឬបានបញ្ចប់ នៅពេលដែលការណ៍នោះកើតឡើងក្នុងរយៈពេលនោះ។ "
     "ថ្ងៃដំបូង និងថ្ងៃចុងក្រោយត្រូវរាប់បញ្ចូល (កាលបរិច្ឆេទតាម UTC)។"},
    {"Certified: the learner's first certificate for the course was issued inside the period and has not been "
     "revoked (a re-issued certificate keeps the first date).",
     "បានទទួលវិញ្ញាបនបត្រ៖ វិញ្ញាបនបត្រដំបូងរបស់អ្នកសិក្សាសម្រាប់វគ្គនោះ ត្រូវបានចេញក្នុងរយៈពេលនោះ ហើយមិនត្រូវបានដកហូតទេ "
     "(វិញ្ញាបនបត្រដែលចេញឡើងវិញ រក្សាកាលបរិច្ឆេទដំបូង)។"},
    {"A unit's figures include every unit below it, by the unit each person belongs to today.",
     "តួលេខរបស់អង្គភាពមួយ រួមបញ្ចូលអង្គភាពទាំងអស់នៅខាងក្រោមវា តាមអង្គភាពដែលបុគ្គលម្នាក់ៗស្ថិតនៅសព្វថ្ងៃ។"},
    {"Average final score: the mean of the best final-quiz score (0 to 100) of the completions counted.",
     "ពិន្ទុតេស្តចុងក្រោយជាមធ្យម៖ មធ្យមភាគនៃពិន្ទុល្អបំផុតនៃតេស្តចុងក្រោយ (០ ដល់ ១០០) នៃការបញ្ចប់ដែលបានរាប់។"},
    {"Learning gain: final score minus pretest score, over the completions counted in courses with a pretest.",
     "ការរីកចម្រើនការសិក្សា៖ ពិន្ទុតេស្តចុងក្រោយ ដកពិន្ទុតេស្តមុន លើការបញ្ចប់ដែលបានរាប់ ក្នុងវគ្គសិក្សាដែលមានតេស្តមុន។"},
    {"Completion rate: completed ÷ enrolled in the same period; for a short period it can pass 100%.",
     "អត្រាបញ្ចប់៖ ចំនួនបានបញ្ចប់ ÷ ចំនួនបានចុះឈ្មោះ ក្នុងរយៈពេលដដែល។ សម្រាប់រយៈពេលខ្លី វាអាចលើសពី 100%។"},
    {"Women's share: women ÷ everyone counted (all four sex categories) × 100.",
     "ចំណែកស្ត្រី៖ ចំនួនស្ត្រី ÷ ចំនួនអ្នកដែលបានរាប់ទាំងអស់ (ភេទទាំងបួនប្រភេទ) × ១០០។"},
    {"Gender parity index (completion rate of women ÷ completion rate of men)",
     "សន្ទស្សន៍សមភាពយេនឌ័រ (អត្រាបញ្ចប់របស់ស្ត្រី ÷ អត្រាបញ្ចប់របស់បុរស)"},
    {"1.00 means parity; below 1, women complete less often than men; above 1, more often.",
     "១.០០ មានន័យថាស្មើភាព។ តិចជាង ១ ស្ត្រីបញ្ចប់តិចជាងបុរស។ លើសពី ១ ស្ត្រីបញ្ចប់ច្រើនជាងបុរស។"},
    {"An empty cell: the figure is undefined (nothing to divide by).", "ក្រឡាទទេ៖ តួលេខនេះមិនអាចកំណត់បាន (គ្មានអ្វីសម្រាប់ចែក)។"},
    {"Measure", "រង្វាស់"},
    {"Women", "ស្ត្រី"},
    {"Men", "បុរស"},
    {"Other", "ផ្សេងទៀត"},
    {"Unspecified", "មិនបានបញ្ជាក់"},
    {"All", "ទាំងអស់"},
    {"Total", "សរុប"},
    {"Women's share", "ចំណែកស្ត្រី"},
    {"Enrolled", "បានចុះឈ្មោះ"},
    {"Started", "បានចាប់ផ្ដើម"},
    {"Completed", "បានបញ្ចប់"},
    {"Certified", "បានទទួលវិញ្ញាបនបត្រ"},
    {"Completion rate", "អត្រាបញ្ចប់"},
    {"Average final score", "ពិន្ទុតេស្តចុងក្រោយជាមធ្យម"},
    {"Average learning gain (final − pretest)", "ការរីកចម្រើនការសិក្សាជាមធ្យម (តេស្តចុងក្រោយ − តេស្តមុន)"},
    {"Parity index", "សន្ទស្សន៍សមភាព"},
    {"Series", "ស៊េរីតាមពេលវេលា"},
    {"Sex", "ភេទ"},
    {"attached to this unit directly", "ចំណុះអង្គភាពនេះដោយផ្ទាល់"},
    {"%s: %s", "%s៖ %s"},
    {"n (average final score)", "n (ពិន្ទុតេស្តចុងក្រោយជាមធ្យម)"},
    {"n (parity index: the fewer of women and men enrolled)", "n (សន្ទស្សន៍សមភាព៖ ចំនួនតិចជាងរវាងស្ត្រី និងបុរសដែលបានចុះឈ្មោះ)"},
    {"n: people behind the figure", "n៖ ចំនួនមនុស្សនៅពីក្រោយតួលេខ"},
    {"An average, rate or share from fewer than %d people, or a parity index from fewer than %d women or %d men, "
     "is not shown: its cell says n<%d or n<%d.",
     "មធ្យមភាគ អត្រា ឬចំណែក ពីមនុស្សតិចជាង %d នាក់ ឬសន្ទស្សន៍សមភាពពីស្ត្រី ឬបុរសតិចជាង %d/%d នាក់ មិនត្រូវបង្ហាញទេ៖ "
     "ក្រឡារបស់វាសរសេរ n<%d ឬ n<%d។"},
};

/* The face-to-face figures' texts. */
static const struct msg report_training_msgs[] = {
    {"Face-to-face", "ការបណ្តុះបណ្តាលផ្ទាល់"},
    {"Trained (completed online or attended)", "បានបណ្តុះបណ្តាល (បញ្ចប់តាមអនឡាញ ឬបានចូលរួម)"},
    {"Attended at least one session", "បានចូលរួមយ៉ាងហោចណាស់មួយវគ្គ"},
    {"Invited or registered", "បានអញ្ជើញ ឬបានចុះឈ្មោះ"},
    {"Attendance rate", "អត្រាវត្តមាន"},
    {"Training hours (person-hours)", "ម៉ោងបណ្តុះបណ្តាល (ម៉ោង-មនុស្ស)"},
    {"Satisfaction (1 to 5; at least 5 answers)", "ការពេញចិត្ត (១ ដល់ ៥; យ៉ាងហោចណាស់ ៥ ចម្លើយ)"},
    {"Survey answers", "ចម្លើយការស្ទង់មតិ"},
    {"Parity index of attendance (women attended ÷ invited, over men attended ÷ invited)",
     "សន្ទស្សន៍សមភាពនៃការចូលរួម (ស្ត្រីចូលរួម ÷ អញ្ជើញ ធៀបនឹងបុរសចូលរួម ÷ អញ្ជើញ)"},
};

/* The participants workbook's own texts (its other headings are the participants page's). */
static const struct msg participants_msgs[] = {
    {"Lessons done", "មេរៀនបានធ្វើរួច"},
    {"Download as XLSX", "ទាញយកជា XLSX"},
};

/* How the figures are counted (docs/reports.md), as the dashboard and the workbook's About sheet say it. */
static const char *const definitions[] = {
    "Counts are of distinct learners: someone enrolled in three courses counts once under All courses.",
    "With a period, a learner counts as enrolled, started or completed when that happened inside the period; "
    "both the first and the last day are included (dates in UTC).",
    "Certified: the learner's first certificate for the course was issued inside the period and has not been "
    "revoked (a re-issued certificate keeps the first date).",
    "A unit's figures include every unit below it, by the unit each person belongs to today.",
    "Average final score: the mean of the best final-quiz score (0 to 100) of the completions counted.",
    "Learning gain: final score minus pretest score, over the completions counted in courses with a pretest.",
    "Completion rate: completed ÷ enrolled in the same period; for a short period it can pass 100%.",
    "Language: each learner counts under the language they read Sala in today (their profile setting). "
    "Satisfaction is not split by language: survey answers are anonymous.",
};

void report_messages_register(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	i18n_register(report_msgs, sizeof report_msgs / sizeof report_msgs[0]);
	i18n_register(report_training_msgs, sizeof report_training_msgs / sizeof report_training_msgs[0]);
	i18n_register(participants_msgs, sizeof participants_msgs / sizeof participants_msgs[0]);
}

const char *const *report_definitions(size_t *n)
{
	*n = sizeof definitions / sizeof definitions[0];
	return definitions;
}
