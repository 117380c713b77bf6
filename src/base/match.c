#include "base/match.h"

#include <string.h>

size_t ident_len(const char *s)
{
	size_t n = 0;

	if (!ident_char((unsigned char)s[0]) || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	while (ident_char((unsigned char)s[n]))
		n++;
	return n;
}

bool pattern_match(const char *pat, const char *s, size_t len, size_t *stem, size_t *stemlen)
{
	const char *pct = strchr(pat, '%');
	size_t pre, suf;

	if (!pct) {
		*stem = *stemlen = 0;
		return strlen(pat) == len && !memcmp(pat, s, len);
	}
	pre = (size_t)(pct - pat);
	suf = strlen(pct + 1);
	if (len <= pre + suf || memcmp(s, pat, pre) || memcmp(s + len - suf, pct + 1, suf))
		return false;
	*stem = pre;
	*stemlen = len - pre - suf;
	return true;
}
