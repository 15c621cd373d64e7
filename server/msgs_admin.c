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
    /* server/views.c: the admin navigation and the base_url banner */
    {"Certificate admin", "គ្រប់គ្រងវិញ្ញាបនបត្រ"},
    {"Item analysis", "ការវិភាគសំណួរ"},
    {"The public address of this site (base_url) is not set: every certificate's QR code and verification link "
     "points at http://127.0.0.1:8080, which nobody else can open.",
     "អាសយដ្ឋានសាធារណៈនៃគេហទំព័រនេះ (base_url) មិនទាន់បានកំណត់ទេ៖ កូដ QR និងតំណផ្ទៀងផ្ទាត់របស់វិញ្ញាបនបត្រនីមួយៗ "
     "ចង្អុលទៅ http://127.0.0.1:8080 ដែលគ្មានអ្នកផ្សេងអាចបើកបានទេ។"},
    {"Set it in the settings.", "សូមកំណត់វានៅក្នុងការកំណត់។"},
    /* server/h_admin.c: the user list */
    {"%lld users; page %lld of %lld.", "អ្នកប្រើប្រាស់ %lld នាក់; ទំព័រ %lld នៃ %lld។"},
    {"No users match this search.", "គ្មានអ្នកប្រើប្រាស់ណាត្រូវនឹងការស្វែងរកនេះទេ។"},
    {"The users could not be read. Please try again.", "មិនអាចអានអ្នកប្រើប្រាស់បានទេ។ សូមព្យាយាមម្ដងទៀត។"},
    /* server/h_admin.c: item analysis */
    {"How each quiz question did: choose a course.", "លទ្ធផលនៃសំណួរតេស្តនីមួយៗ៖ សូមជ្រើសរើសវគ្គសិក្សាមួយ។"},
    {"The courses could not be read. Please try again.", "មិនអាចអានវគ្គសិក្សាបានទេ។ សូមព្យាយាមម្ដងទៀត។"},
    /* server/h_admin.c: settings, their labels and help lines */
    {"The settings could not be saved. Please try again.", "មិនអាចរក្សាទុកការកំណត់បានទេ។ សូមព្យាយាមម្ដងទៀត។"},
    {"The authority named on certificates in English, printed and signed: for example Ministry of Interior.",
     "អាជ្ញាធរដែលមានឈ្មោះលើវិញ្ញាបនបត្រជាភាសាអង់គ្លេស ដែលត្រូវបោះពុម្ព និងចុះហត្ថលេខា៖ ឧទាហរណ៍ Ministry of Interior។"},
    {"The same authority in Khmer, printed above the English name.",
     "អាជ្ញាធរដដែលជាភាសាខ្មែរ ដែលបោះពុម្ពនៅខាងលើឈ្មោះជាភាសាអង់គ្លេស។"},
    {"The address people type to reach this site, such as https://sala.example.gov.kh (no / at the end). Every "
     "certificate's QR code and verification link starts with it.",
     "អាសយដ្ឋានដែលមនុស្សវាយដើម្បីចូលគេហទំព័រនេះ ដូចជា https://sala.example.gov.kh (គ្មាន / នៅខាងចុង)។ "
     "កូដ QR និងតំណផ្ទៀងផ្ទាត់របស់វិញ្ញាបនបត្រនីមួយៗចាប់ផ្ដើមដោយវា។"},
    {"The colour of the certificate's frame and headings.", "ពណ៌នៃស៊ុម និងចំណងជើងរបស់វិញ្ញាបនបត្រ។"},
    {"Logo on certificates (file on the server)", "និមិត្តសញ្ញាលើវិញ្ញាបនបត្រ (ឯកសារនៅលើម៉ាស៊ីនមេ)"},
    {"Signature on certificates (file on the server)", "ហត្ថលេខាលើវិញ្ញាបនបត្រ (ឯកសារនៅលើម៉ាស៊ីនមេ)"},
    {"Used only when no logo was uploaded below: the absolute path of a PNG file on the server.",
     "ប្រើតែនៅពេលមិនបានផ្ទុកឡើងនិមិត្តសញ្ញានៅខាងក្រោម៖ ផ្លូវពេញនៃឯកសារ PNG នៅលើម៉ាស៊ីនមេ។"},
    {"Used only when no signature was uploaded below: the absolute path of a PNG file on the server.",
     "ប្រើតែនៅពេលមិនបានផ្ទុកឡើងហត្ថលេខានៅខាងក្រោម៖ ផ្លូវពេញនៃឯកសារ PNG នៅលើម៉ាស៊ីនមេ។"},
    {"Course packages: most files and folders", "កញ្ចប់វគ្គសិក្សា៖ ចំនួនឯកសារ និងថតច្រើនបំផុត"},
    {"An uploaded course package with more files and folders than this is refused.",
     "កញ្ចប់វគ្គសិក្សាដែលផ្ទុកឡើងដែលមានឯកសារ និងថតច្រើនជាងនេះ នឹងត្រូវបដិសេធ។"},
    {"Course packages: largest file (MB)", "កញ្ចប់វគ្គសិក្សា៖ ឯកសារធំបំផុត (MB)"},
    {"The largest single file, once unpacked, in an uploaded course package.",
     "ឯកសារតែមួយធំបំផុត ក្រោយពេលពន្លា ក្នុងកញ្ចប់វគ្គសិក្សាដែលផ្ទុកឡើង។"},
    {"Course packages: largest total size (MB)", "កញ្ចប់វគ្គសិក្សា៖ ទំហំសរុបធំបំផុត (MB)"},
    {"The largest total size of an uploaded course package once unpacked.",
     "ទំហំសរុបធំបំផុតនៃកញ្ចប់វគ្គសិក្សាដែលផ្ទុកឡើង ក្រោយពេលពន្លា។"},
    {"Course packages: largest lesson or quiz file (KB)", "កញ្ចប់វគ្គសិក្សា៖ ឯកសារមេរៀន ឬតេស្តធំបំផុត (KB)"},
    {"Longer Markdown lessons and quizzes are refused: very long ones are slow to show on a phone.",
     "មេរៀន និងតេស្ត Markdown ដែលវែងជាងនេះនឹងត្រូវបដិសេធ៖ អត្ថបទវែងពេកបង្ហាញយឺតនៅលើទូរស័ព្ទ។"},
    {"Course packages: largest compression ratio", "កញ្ចប់វគ្គសិក្សា៖ អត្រាបង្ហាប់ធំបំផុត"},
    {"How many times larger than its compressed size a big file may become when unpacked (protects the server "
     "from archive bombs).",
     "ចំនួនដងដែលឯកសារធំអាចធំជាងទំហំបង្ហាប់របស់វា ពេលពន្លា (ការពារម៉ាស៊ីនមេពីគ្រាប់បែកបណ្ណសារ)។"},
    {"The reverse proxies (such as nginx on this server) whose X-Forwarded-For header names the visitor's address.",
     "ប្រូកស៊ីបញ្ច្រាស (ដូចជា nginx នៅលើម៉ាស៊ីនមេនេះ) ដែលក្បាល X-Forwarded-For របស់វាប្រាប់អាសយដ្ឋានរបស់អ្នកចូលមើល។"},
    {"Reports: fewest people behind a rate or average", "របាយការណ៍៖ ចំនួនមនុស្សតិចបំផុតនៅពីក្រោយអត្រា ឬមធ្យមភាគ"},
    {"An average, rate or women's share from fewer people than this is not shown in reports (marked n<N "
     "instead): figures from a handful of people are not a trend.",
     "មធ្យមភាគ អត្រា ឬភាគរយស្ត្រី ដែលមកពីមនុស្សតិចជាងចំនួននេះ មិនត្រូវបង្ហាញក្នុងរបាយការណ៍ទេ (សម្គាល់ n<N ជំនួសវិញ)៖ "
     "តួលេខពីមនុស្សតែប៉ុន្មាននាក់ មិនមែនជានិន្នាការទេ។"},
    {"Reports: fewest women and men behind a parity index", "របាយការណ៍៖ ចំនួនស្ត្រី និងបុរសតិចបំផុតនៅពីក្រោយសន្ទស្សន៍សមភាព"},
    {"The gender parity index is shown only when at least this many women and this many men are enrolled.",
     "សន្ទស្សន៍សមភាពយេនឌ័រត្រូវបង្ហាញ លុះត្រាតែមានស្ត្រី និងបុរសចុះឈ្មោះយ៉ាងតិចចំនួននេះ។"},
    {"Face-to-face sessions: QR check-in margin (minutes)", "វគ្គបណ្តុះបណ្តាលផ្ទាល់៖ រយៈពេលបន្ថែមសម្រាប់ចុះវត្តមានដោយ QR (នាទី)"},
    {"QR self check-in opens this many minutes before a session day starts and closes this many minutes after "
     "it ends.",
     "ការចុះវត្តមានដោយខ្លួនឯងតាម QR បើកមុនថ្ងៃវគ្គចាប់ផ្តើមប៉ុន្មាននាទីនេះ ហើយបិទក្រោយវាបញ្ចប់ប៉ុន្មាននាទីនេះ។"},
    {"Monitoring token", "សញ្ញាសម្ងាត់សម្រាប់ការតាមដាន"},
    {"A secret of at least 32 letters, digits, - or _ that lets a monitoring server on another host read "
     "/metrics. Not set: /metrics answers this server only.",
     "អាថ៌កំបាំងយ៉ាងតិច ៣២ តួ (អក្សរ លេខ - ឬ _) ដែលអនុញ្ញាតឱ្យម៉ាស៊ីនតាមដាននៅលើម៉ាស៊ីនផ្សេងអាន /metrics។ "
     "មិនទាន់កំណត់៖ /metrics ឆ្លើយតែម៉ាស៊ីនមេនេះប៉ុណ្ណោះ។"},
    /* server/h_admin.c: the certificate images */
    {"Certificate images", "រូបភាពលើវិញ្ញាបនបត្រ"},
    {"A PNG or JPEG file of at most %d KB, %d to %d pixels a side.",
     "ឯកសារ PNG ឬ JPEG ទំហំមិនលើសពី %d KB និង %d ដល់ %d ភីកសែលក្នុងមួយជ្រុង។"},
    {"Logo", "និមិត្តសញ្ញា"},
    {"Signature", "ហត្ថលេខា"},
    {"Printed top left on every certificate.", "បោះពុម្ពនៅខាងលើផ្នែកខាងឆ្វេងនៃវិញ្ញាបនបត្រនីមួយៗ។"},
    {"Printed over the signature line of every certificate.", "បោះពុម្ពពីលើបន្ទាត់ហត្ថលេខានៃវិញ្ញាបនបត្រនីមួយៗ។"},
    {"None uploaded.", "មិនទាន់បានផ្ទុកឡើងទេ។"},
    {"Image file", "ឯកសាររូបភាព"},
    {"Upload", "ផ្ទុកឡើង"},
    {"Remove", "ដកចេញ"},
    {"Choose an image file to upload.", "សូមជ្រើសរើសឯកសាររូបភាពដើម្បីផ្ទុកឡើង។"},
    {"The file is too big.", "ឯកសារធំពេក។"},
    {"The file is not a PNG or JPEG image.", "ឯកសារនេះមិនមែនជារូបភាព PNG ឬ JPEG ទេ។"},
    {"The image is too small or too large.", "រូបភាពតូចពេក ឬធំពេក។"},
    {"The file is damaged: it cannot be read as an image.", "ឯកសារខូច៖ មិនអាចអានជារូបភាពបានទេ។"},
    {"The image could not be saved. Please try again.", "មិនអាចរក្សាទុករូបភាពបានទេ។ សូមព្យាយាមម្ដងទៀត។"},
};

void admin_messages_register(void)
{
	i18n_register(msgs, sizeof msgs / sizeof msgs[0]);
}
