/*
 * Interface text in Khmer for form errors tied to their fields, the collapsed
 * menu and the quiz's unanswered-question step. The Khmer is a draft for
 * review by a native speaker (see docs/i18n.md).
 */
#include "lib/i18n.h"
#include "server/server.h"

static const struct msg msgs[] = {
    {"Menu", "ម៉ឺនុយ"},
    {"There is a problem in the form:", "មានបញ្ហាមួយនៅក្នុងទម្រង់៖"},
    {"There are problems in the form:", "មានបញ្ហាខ្លះនៅក្នុងទម្រង់៖"},
    {"There is no org unit with this code.", "មិនមានអង្គភាពដែលមានលេខកូដនេះទេ។"},
    {"This level cannot sit under the parent's level.", "កម្រិតនេះមិនអាចស្ថិតនៅក្រោមកម្រិតរបស់អង្គភាពមេបានទេ។"},
    {"An org unit with this code already exists.", "មានអង្គភាពដែលមានលេខកូដនេះរួចហើយ។"},
    {"Use letters, digits, - _ or . (up to 32).", "ប្រើអក្សរ លេខ - _ ឬ . (មិនលើសពី ៣២)។"},
    {"The English name is missing or longer than 200 characters.", "ឈ្មោះជាភាសាអង់គ្លេសខ្វះ ឬវែងជាង ២០០ តួអក្សរ។"},
    {"The Khmer name is not valid text.", "ឈ្មោះជាភាសាខ្មែរមិនមែនជាអត្ថបទត្រឹមត្រូវទេ។"},
    {"Type the code of the new org unit.", "សូមវាយលេខកូដរបស់អង្គភាពថ្មី។"},
    {"Type the English name.", "សូមវាយឈ្មោះជាភាសាអង់គ្លេស។"},
    {"Type the code of the org unit above it.", "សូមវាយលេខកូដរបស់អង្គភាពមេ។"},
    {"Type the reason for revoking this certificate.", "សូមវាយមូលហេតុនៃការដកហូតវិញ្ញាបនបត្រនេះ។"},
    {"Type the verification code first.", "សូមវាយលេខកូដផ្ទៀងផ្ទាត់ជាមុនសិន។"},
    {"Not answered yet.", "មិនទាន់បានឆ្លើយនៅឡើយ។"},
    {"%d question is not answered yet:", "សំណួរ %d មិនទាន់បានឆ្លើយនៅឡើយ៖"},
    {"%d questions are not answered yet:", "សំណួរ %d មិនទាន់បានឆ្លើយនៅឡើយ៖"},
    {"Your answers so far are saved. Answer the questions above, or submit as it is: unanswered questions count as "
     "wrong.",
     "ចម្លើយរបស់អ្នករហូតមកដល់ពេលនេះត្រូវបានរក្សាទុក។ សូមឆ្លើយសំណួរខាងលើ ឬដាក់ស្នើដូចដែលមាន៖ "
     "សំណួរដែលមិនបានឆ្លើយត្រូវរាប់ថាខុស។"},
    {"Submit as it is", "ដាក់ស្នើដូចដែលមាន"},
    {"This value is not valid:", "តម្លៃនេះមិនត្រឹមត្រូវ៖"},
    {"cannot disable the last active administrator: give another account the admin role first",
     "មិនអាចបិទគណនីអ្នកគ្រប់គ្រងប្រព័ន្ធសកម្មចុងក្រោយបានទេ៖ សូមផ្ដល់តួនាទីអ្នកគ្រប់គ្រងប្រព័ន្ធដល់គណនីផ្សេងជាមុនសិន"},
    {"cannot delete the last active administrator: give another account the admin role first",
     "មិនអាចលុបគណនីអ្នកគ្រប់គ្រងប្រព័ន្ធសកម្មចុងក្រោយបានទេ៖ សូមផ្ដល់តួនាទីអ្នកគ្រប់គ្រងប្រព័ន្ធដល់គណនីផ្សេងជាមុនសិន"},
    {"the account was already deleted", "គណនីនេះត្រូវបានលុបរួចហើយ"},
    {"the reason is not valid UTF-8", "មូលហេតុមានតួអក្សរដែលមិនត្រឹមត្រូវ"},
    {"This field is empty.", "ប្រអប់នេះនៅទទេ។"},
    {"This is too long.", "អត្ថបទនេះវែងពេក។"},
    {"This contains characters that are not allowed.", "អត្ថបទនេះមានតួអក្សរដែលមិនអនុញ្ញាត។"},
    {"This is not an email address.", "នេះមិនមែនជាអាសយដ្ឋានអ៊ីមែលទេ។"},
    {"This username is already taken.", "ឈ្មោះអ្នកប្រើនេះមានគេប្រើរួចហើយ។"},
    {"Use 2 to 64 letters, digits, . _ - or @.", "ប្រើអក្សរ លេខ . _ - ឬ @ ពី ២ ដល់ ៦៤ តួ។"},
    {"The password is too short: use at least 10 characters.", "ពាក្យសម្ងាត់ខ្លីពេក៖ សូមប្រើយ៉ាងហោចណាស់ ១០ តួអក្សរ។"},
    {"Choose at least one of the roles listed.", "សូមជ្រើសរើសតួនាទីយ៉ាងហោចណាស់មួយក្នុងបញ្ជី។"},
};

void forms_messages_register(void)
{
	i18n_register(msgs, sizeof msgs / sizeof msgs[0]);
}
