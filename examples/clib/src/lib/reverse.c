#include <ctype.h>
#include <string.h>

#include "strutil.h"

char *su_reverse(char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n / 2; i++) {
		char c = s[i];
		s[i] = s[n - 1 - i];
		s[n - 1 - i] = c;
	}
	return s;
}

int su_palindrome(const char *s)
{
	const char *e = s + strlen(s);

	for (;;) {
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e - s < 2)
			return 1;
		if (tolower((unsigned char)*s) != tolower((unsigned char)e[-1]))
			return 0;
		s++;
		e--;
	}
}
