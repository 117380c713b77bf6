#include "lang/dotenv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/match.h"
#include "base/util.h"
#include "lang/diag.h"

/* A mistake at offset off of source src, len bytes long. */
static bool bad(uint32_t src, const char *text, const char *at, size_t len, const char *msg)
{
	struct loc l = {src, (uint32_t)(at - text), (uint32_t)(at - text + (len ? len : 1))};

	diag_error(l, "%s", msg);
	return false;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The value that starts at p, into v; *end is where its line ends. */
static bool value(uint32_t src, const char *text, const char *p, struct buf *v,
		  const char **end)
{
	const char *q, *open = p;

	if (*p == '\'') {
		q = strchr(p + 1, '\'');
		if (!q || memchr(p + 1, '\n', (size_t)(q - p - 1)))
			return bad(src, text, open, 1, "unterminated string (expected \"'\" on the "
						       "same line)");
		buf_add(v, p + 1, (size_t)(q - p - 1));
		p = q + 1;
	} else if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1]) {
				p++;
				buf_putc(v, *p == 'n' ? '\n' : *p == 't' ? '\t' : *p);
				if (!strchr("nt\"\\$", *p)) { /* not an escape: as written */
					v->s[v->len - 1] = '\\';
					buf_putc(v, *p);
				}
			} else {
				buf_putc(v, *p);
			}
		}
		if (!*p)
			return bad(src, text, open, 1, "unterminated string (expected '\"')");
		p++;
	} else {
		for (q = p; *q && *q != '\n' && !(*q == '#' && q > p && blank(q[-1])); q++)
			;
		while (q > p && (blank(q[-1]) || q[-1] == '\r'))
			q--;
		buf_add(v, p, (size_t)(q - p));
		p = q;
	}
	while (blank(*p) || *p == '\r')
		p++;
	if (*p == '#')
		p += strcspn(p, "\n");
	if (*p && *p != '\n')
		return bad(src, text, p, strcspn(p, " \t\r\n"),
			   "unexpected text after the value (quote a value with blanks and quotes)");
	*end = p;
	return true;
}

bool dotenv_load(const char *path, bool must, struct loc from)
{
	uint32_t src = source_load(path);
	struct buf name = {0}, v = {0};
	const char *text, *p, *n;
	bool ok = true;
	size_t len;

	if (!src) {
		if (errno == ENOENT && !must)
			return true;
		diag_error(from, "cannot read the dotenv file '%s': %s", path, strerror(errno));
		return false;
	}
	text = source_get(src)->text;
	for (p = text; *p && ok; p += *p == '\n') {
		while (blank(*p) || *p == '\r')
			p++;
		if (*p == '#' || *p == '\n' || !*p) {
			p += strcspn(p, "\n");
			continue;
		}
		if (!strncmp(p, "export", 6) && blank(p[6]))
			for (p += 6; blank(*p); p++)
				;
		n = p;
		len = ident_len(p);
		while (p[len] == '.' || p[len] == '-')
			len += 1 + ident_len(p + len + 1);
		if (!len) {
			ok = bad(src, text, p, strcspn(p, " \t\r\n="),
				 "expected a variable name (letters, digits and '_')");
			break;
		}
		for (p += len; blank(*p); p++)
			;
		if (*p != '=') {
			ok = bad(src, text, p, 0, "expected '=' after the variable name");
			break;
		}
		for (p++; blank(*p); p++)
			;
		v.len = 0;
		buf_add(&v, "", 0);
		if (!(ok = value(src, text, p, &v, &p)))
			break;
		name.len = 0;
		buf_add(&name, n, len);
		buf_add(&name, "", 0);
		/* the environment baton was started with wins */
		setenv(name.s, v.s, 0);
	}
	buf_free(&name);
	buf_free(&v);
	return ok;
}
