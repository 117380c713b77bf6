#include "state/depfile.h"

#include <string.h>

#include "base/htab.h"

/* Read one path at *p: backslash escapes a space, '#' or another backslash
 * before a space; "$$" is '$'; backslash-newline ends the word, and so does a
 * backslash that ends the text (a line continued to nothing, as make and
 * ninja read it). */
static size_t word(const char **p, const char *end, struct buf *b)
{
	const char *s = *p;

	b->len = 0;
	while (s < end) {
		char c = *s;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0')
			break;
		if (c == '\\' && s + 1 == end)
			break;
		if (c == '\\') {
			char d = s[1];
			if (d == '\n' || (d == '\r' && s + 2 < end && s[2] == '\n'))
				break;
			if (d == ' ' || d == '#' || d == '\\' || d == '\t') {
				/* "\\ " is a backslash ending the name before a space, as gcc means */
				if (d == '\\' && !(s + 2 < end && (s[2] == ' ' || s[2] == '\t'))) {
					buf_putc(b, '\\');
					s++;
					continue;
				}
				buf_putc(b, d);
				s += 2;
				continue;
			}
		}
		if (c == '$' && s + 1 < end && s[1] == '$') {
			buf_putc(b, '$');
			s += 2;
			continue;
		}
		buf_putc(b, c);
		s++;
	}
	*p = s;
	return b->len;
}

bool depfile_parse(const char *text, size_t len, struct arena *a, struct list *deps,
		   const char **err)
{
	const char *p = text, *end = text + len;
	struct buf b = {0};
	struct htab seen = {0};
	bool intargets = true, any = false;

	while (p < end) {
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\0') {
			p++;
			continue;
		}
		if (c == '\\' && p + 1 < end && (p[1] == '\n' || p[1] == '\r')) {
			p += p[1] == '\r' ? 3 : 2;
			continue;
		}
		if (c == '\n') {
			p++;
			intargets = true; /* a new rule starts on the next line */
			continue;
		}
		if (!word(&p, end, &b)) {
			p++;
			continue;
		}
		if (intargets) {
			/* "target:" or "target" ":" */
			if (b.s[b.len - 1] == ':') {
				intargets = false;
				any = true;
			} else {
				while (p < end && (*p == ' ' || *p == '\t'))
					p++;
				if (p < end && *p == ':') {
					p++;
					intargets = false;
					any = true;
				}
			}
			continue;
		}
		if (b.len == 1 && b.s[0] == ':')
			continue;
		{
			struct htab_entry *e;
			char *s = arena_strndup(a, b.s, b.len);
			e = htab_slot(&seen, s, b.len);
			if (!e->val) {
				e->val = s;
				list_push(deps, s);
			}
		}
	}
	buf_free(&b);
	htab_free(&seen);
	if (!any && len > 0) {
		*err = "no 'target:' found";
		return false;
	}
	return true;
}
