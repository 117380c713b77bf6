#include "base/path.h"

#include <stdbool.h>
#include <string.h>

bool path_plain(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] == '.' || s[len - 1] == '/' || s[len - 1] == '.')
		return false;
	/* a byte at a time: paths are short, and a call to memchr per slash
	 * costs more than the loop */
	for (i = 0; i < len - 1; i++) {
		if (s[i] == '/' && (s[i + 1] == '/' || s[i + 1] == '.'))
			return false;
	}
	return true;
}

size_t path_canon(char *s, size_t len)
{
	/* comps[i]: start offset in the output of the i-th component kept */
	size_t comps[256], ncomps = 0, in = 0, out = 0, start, n;
	bool abs = len > 0 && s[0] == '/';

	if (path_plain(s, len)) {
		s[len] = '\0';
		return len;
	}
	if (abs) {
		out = 1;
		in = 1;
	}
	while (in < len) {
		while (in < len && s[in] == '/')
			in++;
		start = in;
		while (in < len && s[in] != '/')
			in++;
		n = in - start;
		if (n == 0)
			break;
		if (n == 1 && s[start] == '.')
			continue;
		if (n == 2 && s[start] == '.' && s[start + 1] == '.') {
			if (ncomps > 0) {
				out = comps[--ncomps];
				if (out > (abs ? 1u : 0u))
					out--; /* drop the slash before it too */
				continue;
			}
			if (abs)
				continue; /* "/.." is "/" */
		} else if (ncomps < sizeof(comps) / sizeof(comps[0])) {
			/* remember where it starts so that a later ".." can remove it */
			if (out > (abs ? 1u : 0u))
				s[out++] = '/';
			comps[ncomps++] = out;
			memmove(s + out, s + start, n);
			out += n;
			continue;
		}
		/* a leading "..", or too deep to track: keep as it is */
		if (out > (abs ? 1u : 0u))
			s[out++] = '/';
		memmove(s + out, s + start, n);
		out += n;
		if (n != 2 || s[start] != '.')
			ncomps = 0; /* cannot go back past a component we did not track */
	}
	if (out == 0)
		s[out++] = '.';
	s[out] = '\0';
	return out;
}
