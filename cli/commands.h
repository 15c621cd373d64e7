/*
 * Commands of the domain areas, added to the table in cli/main.c.
 * Each area adds its entries to COMMANDS_MORE and declares its functions here.
 */
#ifndef SALA_COMMANDS_H
#define SALA_COMMANDS_H

/* sala enroll (cli/cmd_enroll.c) */
#define ENROLL_USAGE "enroll --course ID (--user NAME | --org CODE)"
int cmd_enroll(int argc, char **argv);

/* sala report (cli/cmd_report.c) */
#define REPORT_USAGE                                                                                           \
	"report [--course ID] [--org CODE] [--period all|YYYY|YYYY-Qn|YYYY-Sn] [--from YYYY-MM-DD] "           \
	"[--to YYYY-MM-DD] [--by sex,org,course] [--format csv|json|table] [--lang en|km]"
int cmd_report(int argc, char **argv);

/* sala new, check, pack, preview, import, courses (cli/cmd_courses.c) */
int cmd_new(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_preview(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_courses(int argc, char **argv);
#define COURSE_COMMANDS \
	{"new", "new DIR", cmd_new}, \
	{"check", "check DIR|FILE.zip|FILE.tar.gz [LIMITS]", cmd_check}, \
	{"pack", "pack DIR [-o FILE.zip] [LIMITS]", cmd_pack}, \
	{"preview", "preview DIR [--listen 127.0.0.1:8090] [--port-file FILE] [LIMITS]", cmd_preview}, \
	{"import", "import FILE|DIR [--force] [LIMITS]  (LIMITS: --max-total-mb N ..., docs/package-format.md)", \
	 cmd_import}, \
	{"courses", "courses list | versions ID [--lang L] | rollback ID --lang L --version V", cmd_courses},

/* sala cert (cli/cmd_cert.c) */
#define CERT_CMD_USAGE "cert issue|list|show|reissue|revoke|verify|render|bulk|public-key|keygen|rotate-key ... (sala cert for details)"
int cmd_cert(int argc, char **argv);

/* sala doctor (cli/cmd_doctor.c) */
#define DOCTOR_USAGE "doctor [--backups DIR] [--listen ADDR:PORT] [--min-free-mb N] [--max-backup-age-hours N]"
int cmd_doctor(int argc, char **argv);
/* sala throttle (cli/cmd_throttle.c) */
#define THROTTLE_USAGE "throttle list [--all] | clear (--user NAME [--address ADDR] | --address ADDR | --all)"
int cmd_throttle(int argc, char **argv);

/* sala quiz (cli/cmd_quiz.c) */
#define QUIZ_USAGE "quiz dump FILE.gift|FILE.xml|FILE.md [--json]"
int cmd_quiz(int argc, char **argv);

#define COMMANDS_MORE \
	{"cert", CERT_CMD_USAGE, cmd_cert}, \
	{"quiz", QUIZ_USAGE, cmd_quiz}, \
	COURSE_COMMANDS \
	{"report", REPORT_USAGE, cmd_report}, \
	{"enroll", ENROLL_USAGE, cmd_enroll}, \
	{"throttle", THROTTLE_USAGE, cmd_throttle},

#endif
