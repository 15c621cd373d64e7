/*
 * Interface text in Khmer for the account pages (profile, password changes,
 * activation codes) and the password-strength sentences of accounts/users.c.
 * The Khmer is a draft for review by a native speaker (see docs/i18n.md).
 */
#include "lib/i18n.h"
#include "server/server.h"

static const struct msg accounts[] = {
    /* password_problems[] in accounts/users.c */
    {"The password must have at least 10 characters.", "ពាក្យសម្ងាត់ត្រូវមានយ៉ាងតិច ១០ តួអក្សរ។"},
    {"The password is too long (at most 256 bytes).", "ពាក្យសម្ងាត់វែងពេក (យ៉ាងច្រើន ២៥៦ បៃ)។"},
    {"The password contains characters that cannot be used (control characters or invalid text).",
     "ពាក្យសម្ងាត់មានតួអក្សរដែលមិនអាចប្រើបាន (តួអក្សរបញ្ជា ឬអត្ថបទមិនត្រឹមត្រូវ)។"},
    {"The password is based on a dictionary word.", "ពាក្យសម្ងាត់ផ្អែកលើពាក្យក្នុងវចនានុក្រម។"},
    {"The password is too simple or follows a pattern (such as 12345 or abcde).",
     "ពាក្យសម្ងាត់សាមញ្ញពេក ឬតាមលំនាំមួយ (ដូចជា 12345 ឬ abcde)។"},
    {"The password does not have enough different characters.", "ពាក្យសម្ងាត់មិនមានតួអក្សរខុសៗគ្នាគ្រប់គ្រាន់ទេ។"},
    {"The password contains the username.", "ពាក្យសម្ងាត់មានឈ្មោះអ្នកប្រើនៅក្នុងនោះ។"},
    {"The password reads the same backwards.", "ពាក្យសម្ងាត់អានពីក្រោយមកមុខដូចគ្នា។"},
    {"The password repeats the same characters too often.", "ពាក្យសម្ងាត់ប្រើតួអក្សរដដែលៗញឹកញាប់ពេក។"},
    {"The password is too easy to guess. Use a longer mix of words, digits and signs.",
     "ពាក្យសម្ងាត់ងាយទាយពេក។ សូមប្រើពាក្យ លេខ និងសញ្ញាលាយគ្នាឱ្យវែងជាងនេះ។"},
    {"The current password is not correct.", "ពាក្យសម្ងាត់បច្ចុប្បន្នមិនត្រឹមត្រូវទេ។"},
    {"The new password must be different from the current one.", "ពាក្យសម្ងាត់ថ្មីត្រូវតែខុសពីពាក្យសម្ងាត់បច្ចុប្បន្ន។"},
    {"This activation code has expired. Ask your administrator for a new one.",
     "លេខកូដបើកគណនីនេះផុតសុពលភាពហើយ។ សូមស្នើលេខកូដថ្មីពីអ្នកគ្រប់គ្រងប្រព័ន្ធ។"},
    {"The server could not complete the login. Please try again.", "ម៉ាស៊ីនមេមិនអាចបញ្ចប់ការចូលប្រព័ន្ធបានទេ។ សូមព្យាយាមម្ដងទៀត។"},
    {"You must change your password before doing anything else.", "អ្នកត្រូវប្ដូរពាក្យសម្ងាត់របស់អ្នកសិន មុននឹងធ្វើអ្វីផ្សេងទៀត។"},
    {"Password or activation code", "ពាក្យសម្ងាត់ ឬលេខកូដបើកគណនី"},
    /* server/h_profile.c */
    {"My profile", "ប្រវត្តិរូបរបស់ខ្ញុំ"},
    {"Current password", "ពាក្យសម្ងាត់បច្ចុប្បន្ន"},
    {"New password (at least 10 characters)", "ពាក្យសម្ងាត់ថ្មី (យ៉ាងតិច ១០ តួអក្សរ)"},
    {"New password again", "ពាក្យសម្ងាត់ថ្មីម្ដងទៀត"},
    {"Change password", "ប្ដូរពាក្យសម្ងាត់"},
    {"Choose a new password before you go on. It will replace the one you were given.",
     "សូមជ្រើសរើសពាក្យសម្ងាត់ថ្មីមុននឹងបន្ត។ វានឹងជំនួសពាក្យសម្ងាត់ដែលអ្នកបានទទួល។"},
    {"Use at least 10 characters. A few words with digits or signs between them are easy to remember and hard "
     "to guess. Your other sessions end when you change it.",
     "សូមប្រើយ៉ាងតិច ១០ តួអក្សរ។ ពាក្យពីរបីដែលមានលេខ ឬសញ្ញានៅចន្លោះ ងាយចាំ និងពិបាកទាយ។ "
     "ការចូលប្រព័ន្ធផ្សេងទៀតរបស់អ្នកនឹងបញ្ចប់ នៅពេលអ្នកប្ដូរវា។"},
    {"The two new passwords are not the same.", "ពាក្យសម្ងាត់ថ្មីទាំងពីរមិនដូចគ្នាទេ។"},
    {"Preferred language", "ភាសាដែលចូលចិត្ត"},
    {"An administrator can correct your name or org unit.", "អ្នកគ្រប់គ្រងប្រព័ន្ធអាចកែឈ្មោះ ឬអង្គភាពរបស់អ្នកបាន។"},
    {"Your password was changed. Your other sessions have ended.",
     "ពាក្យសម្ងាត់របស់អ្នកត្រូវបានប្ដូរ។ ការចូលប្រព័ន្ធផ្សេងទៀតរបស់អ្នកបានបញ្ចប់។"},
    /* server/h_admin.c */
    {"Password (at least 10 characters)", "ពាក្យសម្ងាត់ (យ៉ាងតិច ១០ តួអក្សរ)"},
    {"The account was deleted: its personal data is erased.", "គណនីត្រូវបានលុប៖ ទិន្នន័យផ្ទាល់ខ្លួនរបស់វាត្រូវបានលុបចោល។"},
    {"Print activation codes", "បោះពុម្ពលេខកូដបើកគណនី"},
    {"The password was set and the user's sessions have ended.", "ពាក្យសម្ងាត់ត្រូវបានកំណត់ ហើយការចូលប្រព័ន្ធរបស់អ្នកប្រើបានបញ្ចប់។"},
    {"This account was deleted: its personal data is erased.", "គណនីនេះត្រូវបានលុប៖ ទិន្នន័យផ្ទាល់ខ្លួនរបស់វាត្រូវបានលុបចោល។"},
    {"This user must change their password at the next login.", "អ្នកប្រើនេះត្រូវប្ដូរពាក្យសម្ងាត់នៅពេលចូលប្រព័ន្ធលើកក្រោយ។"},
    {"This account waits for activation: the user has no password yet.",
     "គណនីនេះកំពុងរង់ចាំការបើក៖ អ្នកប្រើមិនទាន់មានពាក្យសម្ងាត់នៅឡើយទេ។"},
    {"Set a new password", "កំណត់ពាក្យសម្ងាត់ថ្មី"},
    {"The user must change it at the next login", "អ្នកប្រើត្រូវប្ដូរវានៅពេលចូលប្រព័ន្ធលើកក្រោយ"},
    {"Set password", "កំណត់ពាក្យសម្ងាត់"},
    {"Activation code", "លេខកូដបើកគណនី"},
    {"A new one-time code replaces the password: the user logs in with it and chooses a password. It is valid "
     "for 14 days and shown only once.",
     "លេខកូដប្រើម្ដងថ្មីជំនួសពាក្យសម្ងាត់៖ អ្នកប្រើចូលប្រព័ន្ធដោយវា ហើយជ្រើសរើសពាក្យសម្ងាត់។ "
     "វាមានសុពលភាព ១៤ ថ្ងៃ ហើយបង្ហាញតែម្ដងប៉ុណ្ណោះ។"},
    {"Issue a new activation code", "ចេញលេខកូដបើកគណនីថ្មី"},
    {"Delete account", "លុបគណនី"},
    {"Erases the name, contact details, password and sessions. Reports keep the person's sex, org unit and "
     "results; issued certificates stay valid.",
     "លុបឈ្មោះ ព័ត៌មានទំនាក់ទំនង ពាក្យសម្ងាត់ និងការចូលប្រព័ន្ធ។ របាយការណ៍រក្សាភេទ អង្គភាព និងលទ្ធផលរបស់បុគ្គលនោះ "
     "ហើយវិញ្ញាបនបត្រដែលបានចេញនៅតែមានសុពលភាព។"},
    {"Yes, erase this person's data", "បាទ/ចាស លុបទិន្នន័យរបស់បុគ្គលនេះ"},
    {"Give this code to the person. It works once, for 14 days; it is not shown again.",
     "សូមផ្ដល់លេខកូដនេះដល់បុគ្គលនោះ។ វាប្រើបានតែម្ដង ក្នុងរយៈពេល ១៤ ថ្ងៃ ហើយនឹងមិនបង្ហាញម្ដងទៀតទេ។"},
    {"You cannot delete your own account.", "អ្នកមិនអាចលុបគណនីផ្ទាល់ខ្លួនបានទេ។"},
    {"Tick the box to confirm the deletion.", "សូមគូសប្រអប់ដើម្បីបញ្ជាក់ការលុប។"},
    {"A PDF of slips to cut and hand out: one for each person in the unit (and below it) who has no password "
     "yet, with a new code valid for 14 days. Codes printed earlier for them stop working.",
     "ឯកសារ PDF នៃក្រដាសតូចៗសម្រាប់កាត់ និងចែកជូន៖ មួយសម្រាប់បុគ្គលម្នាក់ៗក្នុងអង្គភាព (និងខាងក្រោម) "
     "ដែលមិនទាន់មានពាក្យសម្ងាត់ ជាមួយលេខកូដថ្មីមានសុពលភាព ១៤ ថ្ងៃ។ លេខកូដដែលបានបោះពុម្ពមុននេះនឹងលែងប្រើបាន។"},
    {"Download the PDF", "ទាញយកឯកសារ PDF"},
};

void accounts_messages_register(void)
{
	i18n_register(accounts, sizeof accounts / sizeof accounts[0]);
}
