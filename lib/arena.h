/*
 * A region allocator: a request gets one arena and everything allocated from
 * it dies with it in arena_release(). Out of memory is fatal (xmalloc).
 */
#ifndef SALA_ARENA_H
#define SALA_ARENA_H
#include <stddef.h>

struct arena_block;
struct arena {
	struct arena_block *head;
};

#define ARENA_INIT                                                                                                     \
	{                                                                                                              \
		NULL                                                                                                   \
	}

void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_release(struct arena *a);

/*
 * An arena array that grows: v holds n elements of size bytes in room for *cap. Returns v while there is
 * room for one more, else a copy in twice the room (first when *cap is 0); the old copy stays in the
 * arena until it is released. ARENA_PUSH(a, v, n, cap, first) appends one element and gives its address.
 */
void *arena_grow(struct arena *a, void *v, size_t n, size_t *cap, size_t size, size_t first);
#define ARENA_PUSH(a, v, n, cap, first) ((v) = arena_grow((a), (v), (n), &(cap), sizeof *(v), (first)), &(v)[(n)++])

#endif
