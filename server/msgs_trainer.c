/* Messages of the trainer pages: participants, the preview of a stored version, publishing (server/h_trainer.c). */
#include "lib/i18n.h"
#include "server/packages.h"

static const struct msg trainer_msgs[] = {
    {"%zu people", "មនុស្ស %zu នាក់"},
    {"Answer check: %s of the automatically graded questions.", "ការពិនិត្យចម្លើយ៖ %s នៃសំណួរដែលដាក់ពិន្ទុដោយស្វ័យប្រវត្តិ។"},
    {"Best final", "ពិន្ទុតេស្តចុងក្រោយខ្ពស់បំផុត"},
    {"Check the answers", "ពិនិត្យចម្លើយ"},
    {"Choose the sex from the list.", "សូមជ្រើសរើសភេទពីបញ្ជី។"},
    {"Course tools", "ឧបករណ៍វគ្គសិក្សា"},
    {"Download as CSV", "ទាញយកជា CSV"},
    {"Draft", "សេចក្តីព្រាង"},
    {"Draft: learners do not see this version until it is published.",
     "សេចក្តីព្រាង៖ អ្នកសិក្សាមិនឃើញកំណែនេះទេ រហូតដល់វាត្រូវបានផ្សព្វផ្សាយ។"},
    {"Everyone", "ទាំងអស់គ្នា"},
    {"Last active", "សកម្មភាពចុងក្រោយ"},
    {"Nobody here is enrolled in this course yet.", "មិនទាន់មាននរណាម្នាក់នៅទីនេះចុះឈ្មោះក្នុងវគ្គសិក្សានេះនៅឡើយទេ។"},
    {"Older than the active version: it replaces it for learners.", "ចាស់ជាងកំណែសកម្ម៖ វានឹងជំនួសកំណែសកម្មសម្រាប់អ្នកសិក្សា។"},
    {"Org unit code (with the units below it)", "លេខកូដអង្គភាព (រួមទាំងអង្គភាពក្រោមវា)"},
    {"Participants", "អ្នកចូលរួម"},
    {"Preview", "មើលជាមុន"},
    {"Publish", "ផ្សព្វផ្សាយ"},
    {"Published", "បានផ្សព្វផ្សាយ"},
    {"That org unit is outside your own org unit and the units below it.",
     "អង្គភាពនោះស្ថិតនៅក្រៅអង្គភាពរបស់អ្នក និងអង្គភាពនៅក្រោមវា។"},
    {"There is no org unit with that code.", "មិនមានអង្គភាពដែលមានលេខកូដនោះទេ។"},
    {"There is no such course.", "មិនមានវគ្គសិក្សាបែបនេះទេ។"},
    {"There is no such lesson or quiz in this version.", "មិនមានមេរៀន ឬតេស្តបែបនេះនៅក្នុងកំណែនេះទេ។"},
    {"This is the version learners see.", "នេះជាកំណែដែលអ្នកសិក្សាមើលឃើញ។"},
    {"This version was published before; learners now see another one.",
     "កំណែនេះធ្លាប់ត្រូវបានផ្សព្វផ្សាយពីមុន ប៉ុន្តែឥឡូវអ្នកសិក្សាមើលឃើញកំណែផ្សេង។"},
    {"This version is older than the one learners see, so it was not published. To make it the version learners "
     "see, press the button on its row below.",
     "កំណែនេះចាស់ជាងកំណែដែលអ្នកសិក្សាកំពុងមើល ដូច្នេះវាមិនត្រូវបានផ្សព្វផ្សាយទេ។ "
     "ដើម្បីធ្វើឱ្យវាជាកំណែដែលអ្នកសិក្សាមើលឃើញ សូមចុចប៊ូតុងនៅលើជួររបស់វាខាងក្រោម។"},
    {"Versions", "កំណែ"},
    {"Unspecified", "មិនបានបញ្ជាក់"},
    {"Other", "ផ្សេងទៀត"},
    {"Show", "បង្ហាញ"},
    {"Name", "ឈ្មោះ"},
    {"Sex", "ភេទ"},
    {"Org unit", "អង្គភាព"},
    {"Progress", "វឌ្ឍនភាព"},
    {"Pre-test", "តេស្តមុនការសិក្សា"},
};

void trainer_messages_register(void)
{
	i18n_register(trainer_msgs, sizeof trainer_msgs / sizeof trainer_msgs[0]);
}
