/* Each area adds its message table here: i18n_register(table, n). */
#include "lib/i18n.h"
#include "reports/msgs.h"
#include "server/h_api.h"
#include "server/h_certs.h"
#include "server/h_checkin.h"
#include "server/h_learn.h"
#include "server/h_quiz.h"
#include "server/h_reports.h"
#include "server/h_survey.h"
#include "server/h_training.h"
#include "server/packages.h"
#include "server/server.h"

void server_area_messages_register(void)
{
	packages_messages_register();
	trainer_messages_register();
	reports_messages_register();
	reports_language_messages_register();
	manager_messages_register();
	reports_series_messages_register();
	reports_training_messages_register();
	report_messages_register();
	h_learn_messages_register();
	journey_messages_register();
	import_text_messages_register();
	quiz_messages_register();
	grading_messages_register();
	cert_messages_register();
	http_messages_register();
	api_messages_register();
	forms_messages_register();
	admin_messages_register();
	h_survey_messages_register();
	training_messages_register();
	checkin_messages_register();
	offline_messages_register();
	audit_messages_register();
}
