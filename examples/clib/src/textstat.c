/* textstat: for each argument, its words, its reverse and whether it is a
 * palindrome. */
#include <stdio.h>
#include <string.h>

#include "strutil.h"

int main(int argc, char **argv)
{
	char buf[256];
	int i;

	for (i = 1; i < argc; i++) {
		snprintf(buf, sizeof(buf), "%s", argv[i]);
		printf("%zu %s%s\n", su_words(argv[i]), su_reverse(buf),
		       su_palindrome(argv[i]) ? " (palindrome)" : "");
	}
#ifdef NDEBUG
	return 0;
#else
	fprintf(stderr, "textstat: debug build\n");
	return 0;
#endif
}
