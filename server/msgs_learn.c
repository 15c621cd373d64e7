/*
 * Interface text of the learner pages in Khmer: catalogue, course page,
 * lessons, My learning, assignment. Drafts awaiting review by a native
 * speaker (docs/i18n.md). A format entry keeps the same conversions, in the
 * same order, in both languages.
 */
#include "lib/i18n.h"
#include "server/h_learn.h"

static const struct msg learn_msgs[] = {
    {"%d minutes", "%d នាទី"},
    {"%d of %d done (%d%%)", "បានបញ្ចប់ %d នៃ %d (%d%%)"},
    {"%zu courses found.", "រកឃើញវគ្គសិក្សា %zu។"},
    {"Assign a course", "ចាត់តាំងវគ្គសិក្សា"},
    {"Assign this course", "ចាត់តាំងវគ្គសិក្សានេះ"},
    {"Assign", "ចាត់តាំង"},
    {"Assigned to org unit %s and everyone below it: %d new enrolments.",
     "បានចាត់តាំងឱ្យអង្គភាព %s និងអ្នកទាំងអស់នៅក្រោមវា៖ ការចុះឈ្មោះថ្មី %d។"},
    {"Assigned to org units", "បានចាត់តាំងឱ្យអង្គភាព"},
    {"Breadcrumb", "ផ្លូវរុករក"},
    {"Complete", "បានបញ្ចប់"},
    {"Continue where you left off", "បន្តពីកន្លែងដែលអ្នកឈប់"},
    {"Course outline", "គ្រោងវគ្គសិក្សា"},
    {"Done", "រួចរាល់"},
    {"Enrol", "ចុះឈ្មោះចូលរៀន"},
    {"Enrolled", "បានចុះឈ្មោះ"},
    {"Find a course", "ស្វែងរកវគ្គសិក្សា"},
    {"Give an org unit code or at least one username.", "សូមផ្ដល់លេខកូដអង្គភាព ឬឈ្មោះអ្នកប្រើយ៉ាងហោចណាស់មួយ។"},
    {"Give an org unit code to enrol everyone in it and below it, including people added later. Or list "
     "usernames, one per line.",
     "ផ្ដល់លេខកូដអង្គភាព ដើម្បីចុះឈ្មោះអ្នកទាំងអស់នៅក្នុងអង្គភាពនោះ និងនៅក្រោមវា រួមទាំងអ្នកដែលនឹងបន្ថែមនៅពេលក្រោយ។ "
     "ឬសរសេរឈ្មោះអ្នកប្រើ មួយក្នុងមួយបន្ទាត់។"},
    {"In progress", "កំពុងរៀន"},
    {"Language", "ភាសា"},
    {"Lesson", "មេរៀន"},
    {"Lessons", "មេរៀន"},
    {"Next", "បន្ទាប់"},
    {"No course matches your search.", "គ្មានវគ្គសិក្សាត្រូវនឹងការស្វែងរករបស់អ្នកទេ។"},
    {"No courses are published yet.", "មិនទាន់មានវគ្គសិក្សាបោះពុម្ពផ្សាយនៅឡើយទេ។"},
    {"No such course.", "គ្មានវគ្គសិក្សានេះទេ។"},
    {"No such lesson.", "គ្មានមេរៀននេះទេ។"},
    {"No such org unit", "គ្មានអង្គភាពនេះទេ"},
    {"No such user in the units you manage", "គ្មានអ្នកប្រើប្រាស់នេះនៅក្នុងអង្គភាពដែលអ្នកគ្រប់គ្រងទេ"},
    {"Not enrolled", "មិនទាន់ចុះឈ្មោះ"},
    {"Not started", "មិនទាន់ចាប់ផ្ដើម"},
    {"Outline", "គ្រោងមេរៀន"},
    {"Outside the units you manage", "នៅក្រៅអង្គភាពដែលអ្នកគ្រប់គ្រង"},
    {"Part %d of %d", "ផ្នែកទី %d នៃ %d"},
    {"Your enrolment could not be saved. Please try again in a moment.",
     "មិនអាចរក្សាទុកការចុះឈ្មោះរបស់អ្នកបានទេ។ សូមព្យាយាមម្ដងទៀតបន្តិចទៀត។"},
    {"Your progress could not be saved; it will be recorded next time you open this lesson.",
     "មិនអាចរក្សាទុកវឌ្ឍនភាពរបស់អ្នកបានទេ។ វានឹងត្រូវកត់ត្រានៅពេលអ្នកបើកមេរៀននេះលើកក្រោយ។"},
    {"Previous", "មុន"},
    {"Progress", "វឌ្ឍនភាព"},
    {"Quiz", "តេស្ត"},
    {"Search courses", "ស្វែងរកវគ្គសិក្សា"},
    {"Show all courses", "បង្ហាញវគ្គសិក្សាទាំងអស់"},
    {"Start the course", "ចាប់ផ្ដើមវគ្គសិក្សា"},
    {"Usernames, one per line", "ឈ្មោះអ្នកប្រើ មួយក្នុងមួយបន្ទាត់"},
    {"You are enrolled. You can start reading now.", "អ្នកបានចុះឈ្មោះហើយ។ អ្នកអាចចាប់ផ្ដើមអានឥឡូវនេះ។"},
    {"You are not enrolled in any course yet.", "អ្នកមិនទាន់បានចុះឈ្មោះក្នុងវគ្គសិក្សាណាមួយនៅឡើយទេ។"},
    {"You can assign only within the units you manage.", "អ្នកអាចចាត់តាំងបានតែក្នុងអង្គភាពដែលអ្នកគ្រប់គ្រងប៉ុណ្ណោះ។"},
    {"You have completed this course.", "អ្នកបានបញ្ចប់វគ្គសិក្សានេះហើយ។"},
    {"Your certificate (PDF)", "វិញ្ញាបនបត្ររបស់អ្នក (PDF)"},
};

void h_learn_messages_register(void)
{
	i18n_register(learn_msgs, sizeof learn_msgs / sizeof learn_msgs[0]);
}
