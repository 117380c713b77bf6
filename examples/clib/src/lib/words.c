#include "strutil.h"

size_t su_words(const char *s)
{
	size_t n = 0;
	int in = 0;

	for (; *s; s++) {
		int blank = *s == ' ' || *s == '\t' || *s == '\n';
		if (!blank && !in)
			n++;
		in = !blank;
	}
	return n;
}
