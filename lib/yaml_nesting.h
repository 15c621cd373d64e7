/*
 * A nesting bound for YAML from uploads (course.yml, quiz front matter),
 * checked before the document is loaded.
 *
 * libyaml 0.2.5 does not recurse (its parser is a state machine with
 * explicit stacks, its loader keeps a stack of open nodes), so depth cannot
 * overflow a thread's stack. But its scanner re-examines every open flow
 * level ('[' or '{') on each token: 32 KB of '[' takes 1 s to refuse and
 * 64 KB 4 s, growing with the square of the size (measured), and a course.yml
 * may have 256 KB. Pulling events up to the first collection past the bound
 * costs a few thousand tokens at most, whatever follows.
 */
#ifndef SALA_YAML_NESTING_H
#define SALA_YAML_NESTING_H
#include <stddef.h>

/* Deepest nesting of sequences and mappings (flow or block) a course.yml or front matter may have. */
#define YAML_MAX_NESTING 32

/*
 * 0 when s[0..len) nests at most max collections deep (or is not valid
 * YAML: the loader then says what is wrong); -1 when it nests deeper, with
 * *line (1-based) the line of the first collection past max.
 */
int yaml_nesting_check(const char *s, size_t len, int max, int *line);

#endif
