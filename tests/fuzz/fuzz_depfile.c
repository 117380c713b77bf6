/* libFuzzer target: arbitrary bytes as a depfile ("gcc -MD" output). Every path it
 * yields must be non-empty and listed once. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/depfile.h"
#include "base/htab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = {0};
	struct list deps = {0};
	struct htab seen = {0};
	const char *err = NULL;
	size_t i;

	if (!depfile_parse((const char *)data, size, &a, &deps, &err) && !err) {
		fprintf(stderr, "depfile_parse failed without saying why\n");
		abort();
	}
	for (i = 0; i < deps.n; i++) {
		struct htab_entry *e = htab_slot(&seen, deps.v[i], strlen(deps.v[i]));
		if (!deps.v[i][0] || e->val) {
			fprintf(stderr, "dependency %zu '%s' is empty or listed twice\n", i,
				deps.v[i]);
			abort();
		}
		e->val = (void *)deps.v[i];
	}
	htab_free(&seen);
	list_free(&deps);
	arena_free(&a);
	return 0;
}
