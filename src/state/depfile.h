/* Make-style dependency files, as written by "gcc -MD -MF". */
#ifndef BATON_DEPFILE_H
#define BATON_DEPFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/list.h"

/* Parse text (len bytes) and append every prerequisite path, once each, to deps;
 * false with *err set to a message if the text is not a depfile. */
bool depfile_parse(const char *text, size_t len, struct arena *a, struct list *deps,
		   const char **err);

#endif
