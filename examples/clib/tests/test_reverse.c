#include <stdio.h>
#include <string.h>

#include "strutil.h"

int main(void)
{
	char s[] = "abc";
	int fail = 0;

	fail |= strcmp(su_reverse(s), "cba") != 0;
	fail |= !su_palindrome("Never odd or even");
	fail |= su_palindrome("baton");
	printf("test_reverse: %s\n", fail ? "FAIL" : "ok");
	return fail;
}
