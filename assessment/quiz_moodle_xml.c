#include "assessment/quiz_private.h"
int quiz_parse_moodle_xml(struct quiz_parser *p, const char *data, size_t len, struct quiz *q)
{
	(void)data; (void)len; (void)q;
	return p->problems;
}
