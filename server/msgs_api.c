/*
 * The API's error messages in Khmer (drafts for review by a native speaker). Every API error is sent in
 * the request's language (resp_error_lang()): ?lang=, else Accept-Language, else English.
 */
#include "lib/i18n.h"
#include "server/h_api.h"

static const struct msg api_msgs[] = {
    {"the body must be a JSON object %s (%s)", "តួសំណើត្រូវតែជាវត្ថុ JSON %s (%s)"},
    {"the body must be a JSON object %s", "តួសំណើត្រូវតែជាវត្ថុ JSON %s"},
    {"too many failed attempts; try again in %lld seconds", "ការព្យាយាមខុសច្រើនដងពេក។ សូមព្យាយាមម្ដងទៀតក្នុងរយៈពេល %lld វិនាទី"},
    {"the server is busy; try again in a moment", "ម៉ាស៊ីនមេរវល់។ សូមព្យាយាមម្ដងទៀតបន្តិចទៀត"},
    {"the username or password is not correct", "ឈ្មោះអ្នកប្រើ ឬពាក្យសម្ងាត់មិនត្រឹមត្រូវទេ"},
    {"the activation code has expired; ask your administrator for a new one",
     "លេខកូដបើកដំណើរការផុតកំណត់ហើយ។ សូមសុំលេខកូដថ្មីពីអ្នកគ្រប់គ្រងរបស់អ្នក"},
    {"cannot start a session", "មិនអាចចាប់ផ្ដើមវគ្គប្រើប្រាស់បានទេ"},
    {"cannot load the user", "មិនអាចផ្ទុកអ្នកប្រើបានទេ"},
    {"missing \"new\": the new password", "ខ្វះ \"new\"៖ ពាក្យសម្ងាត់ថ្មី"},
    {"no such course", "គ្មានវគ្គសិក្សានេះទេ"},
    {"the enrolment could not be saved; try again in a moment", "មិនអាចរក្សាទុកការចុះឈ្មោះបានទេ។ សូមព្យាយាមម្ដងទៀតបន្តិចទៀត"},
    {"give \"org\" or \"users\"", "សូមផ្ដល់ \"org\" ឬ \"users\""},
    {"that item is a quiz: start an attempt instead", "ធាតុនោះជាកម្រងសំណួរ៖ សូមចាប់ផ្ដើមការធ្វើតេស្តជំនួសវិញ"},
    {"no such lesson", "គ្មានមេរៀននេះទេ"},
    {"no such quiz", "គ្មានកម្រងសំណួរនេះទេ"},
    {"no such attempt", "គ្មានការធ្វើតេស្តនេះទេ"},
    {"this attempt was already submitted", "ការធ្វើតេស្តនេះត្រូវបានដាក់ស្នើរួចហើយ"},
    {"the time for this attempt is over", "ពេលវេលាសម្រាប់ការធ្វើតេស្តនេះបានផុតហើយ"},
    {"the body is empty", "តួសំណើទទេ"},
    {"valid JSON, but not an object", "JSON ត្រឹមត្រូវ ប៉ុន្តែមិនមែនជាវត្ថុទេ"},
    {"the JSON body is nested more than 32 levels deep", "តួ JSON មានកម្រិតដាក់បញ្ចូលគ្នាលើសពី ៣២ កម្រិត"},
    {"the JSON body has more than 10000 values", "តួ JSON មានតម្លៃលើសពី ១០០០០"},
};

void api_messages_register(void)
{
	i18n_register(api_msgs, sizeof api_msgs / sizeof api_msgs[0]);
}
