/* Counts the nesting of YAML collections from libyaml's events, stopping at the first one too deep. */
#include "lib/yaml_nesting.h"

#include <yaml.h>

int yaml_nesting_check(const char *s, size_t len, int max, int *line)
{
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser))
		return 0;
	yaml_parser_set_input_string(&parser, (const unsigned char *)s, len);
	int depth = 0, rc = 0;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev))
			break; /* not YAML: the loader reports it */
		yaml_event_type_t type = ev.type;
		if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
			if (++depth > max) {
				*line = (int)ev.start_mark.line + 1;
				rc = -1;
			}
		} else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		yaml_event_delete(&ev);
		if (rc < 0 || type == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&parser);
	return rc;
}
