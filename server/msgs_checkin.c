/*
 * Interface text of the check-in pages, the sign-in sheet key-in and the check-in API in Khmer (drafts
 * awaiting review by a native speaker, docs/i18n.md). A format entry keeps the same conversions, in the
 * same order, in both languages.
 */
#include "lib/i18n.h"
#include "server/h_checkin.h"

static const struct msg checkin_msgs[] = {
    {"Absent", "អវត្តមាន"},
    {"by the trainer", "ដោយគ្រូបង្គោល"},
    {"Check in", "ចុះវត្តមាន"},
    {"Check me in", "ចុះវត្តមានខ្ញុំ"},
    {"Check-in code", "កូដចុះវត្តមាន"},
    {"Check-in code (QR)", "កូដចុះវត្តមាន (QR)"},
    {"Check-in for day %d closed at %s. Ask the trainer to mark your attendance.",
     "ការចុះវត្តមានសម្រាប់ថ្ងៃទី %d បានបិទនៅម៉ោង %s។ សូមស្នើឱ្យគ្រូបង្គោលកត់ត្រាវត្តមានរបស់អ្នក។"},
    {"Check-in for day %d opens at %s. Scan the code again then.",
     "ការចុះវត្តមានសម្រាប់ថ្ងៃទី %d បើកនៅម៉ោង %s។ សូមស្កេនកូដម្ដងទៀតនៅពេលនោះ។"},
    {"Check-in is not available right now. Please try again in a moment.",
     "ការចុះវត្តមានមិនអាចប្រើបាននៅពេលនេះទេ។ សូមព្យាយាមម្ដងទៀតបន្តិចទៀត។"},
    {"Check-in is open from %s to %s.", "ការចុះវត្តមានបើកពី %s ដល់ %s។"},
    {"Confirm that you are here to be marked present for this day.",
     "សូមបញ្ជាក់ថាអ្នកមានវត្តមាននៅទីនេះ ដើម្បីកត់ត្រាវត្តមានសម្រាប់ថ្ងៃនេះ។"},
    {"Day %d of %d", "ថ្ងៃទី %d នៃ %d"},
    {"Day %d", "ថ្ងៃទី %d"},
    {"Days", "ថ្ងៃ"},
    {"Download the sign-in sheet (PDF)", "ទាញយកបញ្ជីវត្តមានសម្រាប់ចុះហត្ថលេខា (PDF)"},
    {"Excused", "មានច្បាប់"},
    {"from the sign-in sheet", "ពីបញ្ជីវត្តមាន"},
    {"imported", "បាននាំចូល"},
    {"Give at most %d marks at once.", "សូមផ្ដល់ការកត់ត្រាយ៉ាងច្រើន %d ក្នុងមួយលើក។"},
    {"Given twice with different marks: %s.", "បានផ្ដល់ពីរដងដោយការកត់ត្រាខុសគ្នា៖ %s។"},
    {"Key in the sign-in sheet", "បញ្ចូលបញ្ជីវត្តមានដែលបានចុះហត្ថលេខា"},
    {"Nobody is registered for this session yet.", "មិនទាន់មាននរណាម្នាក់ចុះឈ្មោះក្នុងវគ្គនេះនៅឡើយទេ។"},
    {"No such session.", "គ្មានវគ្គនេះទេ។"},
    {"Not registered for this session: %s.", "មិនបានចុះឈ្មោះក្នុងវគ្គនេះ៖ %s។"},
    {"Nothing was recorded.", "គ្មានអ្វីត្រូវបានកត់ត្រាទេ។"},
    {"Or open this address:", "ឬបើកអាសយដ្ឋាននេះ៖"},
    {"Present", "មានវត្តមាន"},
    {"QR check-in", "ចុះវត្តមានដោយ QR"},
    {"QR code for check-in to day %d", "កូដ QR សម្រាប់ចុះវត្តមានថ្ងៃទី %d"},
    {"Record the marks", "កត់ត្រាវត្តមាន"},
    {"Recorded %d marks.", "បានកត់ត្រាវត្តមាន %d។"},
    {"Recorded", "បានកត់ត្រា"},
    {"Registered people", "អ្នកបានចុះឈ្មោះ"},
    {"Row codes of people absent", "លេខកូដជួររបស់អ្នកអវត្តមាន"},
    {"Row codes of people excused", "លេខកូដជួររបស់អ្នកមានច្បាប់"},
    {"Row codes of people present", "លេខកូដជួររបស់អ្នកមានវត្តមាន"},
    {"Session code", "លេខកូដវគ្គ"},
    {"Sign-in sheets (PDF)", "បញ្ជីវត្តមានសម្រាប់ចុះហត្ថលេខា (PDF)"},
    {"Show this code on a screen or print this page. Each registered person scans it with their phone, logs in "
     "if asked, and is marked present.",
     "បង្ហាញកូដនេះលើអេក្រង់ ឬបោះពុម្ពទំព័រនេះ។ អ្នកដែលបានចុះឈ្មោះម្នាក់ៗស្កេនវាដោយទូរស័ព្ទរបស់ខ្លួន "
     "ចូលគណនីប្រសិនបើត្រូវបានសួរ ហើយត្រូវបានកត់ត្រាថាមានវត្តមាន។"},
    {"The QR code could not be made: type the address below instead.",
     "មិនអាចបង្កើតកូដ QR បានទេ៖ សូមវាយអាសយដ្ឋានខាងក្រោមជំនួសវិញ។"},
    {"The marks could not be saved: nothing was recorded. Please try again in a moment.",
     "មិនអាចរក្សាទុកវត្តមានបានទេ៖ គ្មានអ្វីត្រូវបានកត់ត្រាទេ។ សូមព្យាយាមម្ដងទៀតបន្តិចទៀត។"},
    {"The sign-in sheet could not be made. Please try again in a moment.",
     "មិនអាចបង្កើតបញ្ជីវត្តមានបានទេ។ សូមព្យាយាមម្ដងទៀតបន្តិចទៀត។"},
    {"This check-in code is not valid: it was altered, cut short or not made by this site. Scan the code the "
     "trainer shows again.",
     "កូដចុះវត្តមាននេះមិនត្រឹមត្រូវទេ៖ វាត្រូវបានកែប្រែ កាត់ខ្លី ឬមិនមែនបង្កើតដោយគេហទំព័រនេះទេ។ "
     "សូមស្កេនកូដដែលគ្រូបង្គោលបង្ហាញម្ដងទៀត។"},
    {"This is the code of day %d, but check-in is open for day %d now. Scan today's code.",
     "នេះជាកូដនៃថ្ងៃទី %d ប៉ុន្តែការចុះវត្តមានកំពុងបើកសម្រាប់ថ្ងៃទី %d ឥឡូវនេះ។ សូមស្កេនកូដនៃថ្ងៃនេះ។"},
    {"This session has no such day.", "វគ្គនេះគ្មានថ្ងៃនេះទេ។"},
    {"This session is cancelled: nothing was recorded.", "វគ្គនេះត្រូវបានលុបចោល៖ គ្មានអ្វីត្រូវបានកត់ត្រាទេ។"},
    {"This session is cancelled: there is nothing to check in to.", "វគ្គនេះត្រូវបានលុបចោល៖ គ្មានអ្វីសម្រាប់ចុះវត្តមានទេ។"},
    {"This session no longer exists.", "វគ្គនេះលែងមានទៀតហើយ។"},
    {"Type at least one row code or choose a mark.", "សូមវាយលេខកូដជួរយ៉ាងហោចណាស់មួយ ឬជ្រើសរើសការកត់ត្រា។"},
    {"Type the row codes from the sheet, separated by spaces or commas, or choose a mark for each person below. "
     "Nothing is recorded unless every code is right.",
     "វាយលេខកូដជួរពីបញ្ជី ដោយបំបែកដោយដកឃ្លា ឬក្បៀស ឬជ្រើសរើសការកត់ត្រាសម្រាប់អ្នកម្នាក់ៗខាងក្រោម។ "
     "គ្មានអ្វីត្រូវបានកត់ត្រាទេ លុះត្រាតែលេខកូដទាំងអស់ត្រឹមត្រូវ។"},
    {"Unknown row codes: %s.", "លេខកូដជួរមិនស្គាល់៖ %s។"},
    {"You are already checked in for day %d. Nothing was changed.",
     "អ្នកបានចុះវត្តមានរួចហើយសម្រាប់ថ្ងៃទី %d។ គ្មានអ្វីត្រូវបានផ្លាស់ប្ដូរទេ។"},
    {"You are checked in for day %d. Thank you.", "អ្នកបានចុះវត្តមានសម្រាប់ថ្ងៃទី %d។ សូមអរគុណ។"},
    {"You are not registered for this session. Ask the trainer to register you, then scan the code again.",
     "អ្នកមិនបានចុះឈ្មោះក្នុងវគ្គនេះទេ។ សូមស្នើឱ្យគ្រូបង្គោលចុះឈ្មោះឱ្យអ្នក រួចស្កេនកូដម្ដងទៀត។"},
    {"missing \"code\": the check-in code or its address", "ខ្វះ \"code\"៖ កូដចុះវត្តមាន ឬអាសយដ្ឋានរបស់វា"},
    {"the body must be a JSON object {\"code\": \"...\"}", "តួសំណើត្រូវតែជាវត្ថុ JSON {\"code\": \"...\"}"},
};

void checkin_messages_register(void)
{
	i18n_register(checkin_msgs, sizeof checkin_msgs / sizeof checkin_msgs[0]);
}
