#include <stdio.h>

#include "strutil.h"

int main(void)
{
	int fail = 0;

	fail |= su_words("") != 0;
	fail |= su_words("one") != 1;
	fail |= su_words("  two\twords \n") != 2;
	printf("test_words: %s\n", fail ? "FAIL" : "ok");
	return fail;
}
