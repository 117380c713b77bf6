/* The functions of {{ }} that work on lists of words and on the text of each
 * word: filter, sort, first, subst, upper and the like (func.c has the rest). */
#include <stdlib.h>
#include <string.h>

#include "base/htab.h"
#include "base/match.h"
#include "lang/diag.h"
#include "lang/eval.h"

/* The only word of an argument that must be one word. */
const char *func_one(const struct expr *call, const struct list *arg, const char *what)
{
	if (arg->n == 1)
		return arg->v[0];
	diag_error(call->loc, "'%s' needs exactly one word as %s, got %zu", call->name, what,
		   arg->n);
	return NULL;
}

/* Whether w matches one of the patterns in pats. */
static bool matchany(const struct list *pats, const char *w)
{
	size_t i, len = strlen(w), stem, n;

	for (i = 0; i < pats->n; i++) {
		if (pattern_match(pats->v[i], w, len, &stem, &n))
			return true;
	}
	return false;
}

/* filter(patterns, list) keeps the words that match a pattern, filter_out
 * the others. */
static bool filter(struct list *args, struct list *out, bool keep)
{
	size_t i;

	for (i = 0; i < args[1].n; i++) {
		if (matchany(&args[0], args[1].v[i]) == keep)
			list_push(out, args[1].v[i]);
	}
	return true;
}

static bool fn_filter(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		      struct list *out)
{
	(void)ev, (void)call, (void)nargs;
	return filter(args, out, true);
}

static bool fn_filter_out(struct eval *ev, const struct expr *call, struct list *args, int nargs,
			  struct list *out)
{
	(void)ev, (void)call, (void)nargs;
	return filter(args, out, false);
}

static int cmpwords(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted by their bytes, each word once, as make's sort. */
static bool fn_sort(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		    struct list *out)
{
	size_t i, start = out->n;

	(void)ev, (void)call, (void)nargs;
	if (!args[0].n)
		return true;
	qsort(args[0].v, args[0].n, sizeof(*args[0].v), cmpwords);
	for (i = 0; i < args[0].n; i++) {
		if (out->n == start || strcmp(out->v[out->n - 1], args[0].v[i]))
			list_push(out, args[0].v[i]);
	}
	return true;
}

/* Each word once, where it first comes. */
static bool fn_uniq(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		    struct list *out)
{
	struct htab seen = {0};
	size_t i;

	(void)ev, (void)call, (void)nargs;
	for (i = 0; i < args[0].n; i++) {
		const char *w = args[0].v[i];
		struct htab_entry *e = htab_slot(&seen, w, strlen(w));
		if (!e->val) {
			e->val = (void *)w;
			list_push(out, w);
		}
	}
	htab_free(&seen);
	return true;
}

static bool fn_words(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		     struct list *out)
{
	struct buf b = {0};

	(void)call, (void)nargs;
	buf_num(&b, args[0].n);
	list_push(out, arena_strndup(ev->a, b.s, b.len));
	buf_free(&b);
	return true;
}

static bool fn_first(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		     struct list *out)
{
	(void)ev, (void)call, (void)nargs;
	if (args[0].n)
		list_push(out, args[0].v[0]);
	return true;
}

static bool fn_last(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		    struct list *out)
{
	(void)ev, (void)call, (void)nargs;
	if (args[0].n)
		list_push(out, args[0].v[args[0].n - 1]);
	return true;
}

/* Each word of list with every from in it replaced by to. */
static bool replace(struct eval *ev, const struct expr *call, const struct list *from,
		    const struct list *to, const struct list *list, struct list *out)
{
	const char *f = func_one(call, from, "the text to replace"), *r, *w, *hit;
	struct buf b = {0};
	size_t i, flen;

	if (!f || !(r = func_one(call, to, "the text to put in its place")))
		return false;
	if (!*f) {
		diag_error(call->loc, "'%s' needs text to replace, got an empty word", call->name);
		return false;
	}
	flen = strlen(f);
	for (i = 0; i < list->n; i++) {
		b.len = 0;
		for (w = list->v[i]; (hit = strstr(w, f)); w = hit + flen) {
			buf_add(&b, w, (size_t)(hit - w));
			buf_puts(&b, r);
		}
		buf_puts(&b, w);
		list_push(out, arena_strndup(ev->a, b.s, b.len));
	}
	buf_free(&b);
	return true;
}

/* subst(from, to, list), as make's. */
static bool fn_subst(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		     struct list *out)
{
	(void)nargs;
	return replace(ev, call, &args[0], &args[1], &args[2], out);
}

/* replace(list, from, to), as just's. */
static bool fn_replace(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		       struct list *out)
{
	(void)nargs;
	return replace(ev, call, &args[1], &args[2], &args[0], out);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Each word without blanks at its ends; the words left empty go. */
static bool fn_strip(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		     struct list *out)
{
	size_t i;

	(void)call, (void)nargs;
	for (i = 0; i < args[0].n; i++) {
		const char *s = args[0].v[i], *e = s + strlen(s);
		while (blank(*s))
			s++;
		while (e > s && blank(e[-1]))
			e--;
		if (e > s)
			list_push(out, *e ? arena_strndup(ev->a, s, (size_t)(e - s)) : s);
	}
	return true;
}

/* Each word of list with text added before it (or after, if after). */
static bool affix(struct eval *ev, const struct expr *call, struct list *args, struct list *out,
		  bool after)
{
	const char *a = func_one(call, &args[0], after ? "the suffix" : "the prefix");
	size_t i, alen;

	if (!a)
		return false;
	alen = strlen(a);
	for (i = 0; i < args[1].n; i++) {
		const char *w = args[1].v[i];
		size_t n = strlen(w);
		char *s = arena_alloc(ev->a, n + alen + 1);
		memcpy(s + (after ? 0 : alen), w, n);
		memcpy(s + (after ? n : 0), a, alen);
		s[n + alen] = '\0';
		list_push(out, s);
	}
	return true;
}

static bool fn_prefix(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		      struct list *out)
{
	(void)nargs;
	return affix(ev, call, args, out, false);
}

static bool fn_suffix(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		      struct list *out)
{
	(void)nargs;
	return affix(ev, call, args, out, true);
}

/* Each word in ASCII upper case (or lower). */
static bool changecase(struct eval *ev, struct list *args, struct list *out, bool upper)
{
	size_t i;
	char *s, *p;

	for (i = 0; i < args[0].n; i++) {
		s = arena_strdup(ev->a, args[0].v[i]);
		for (p = s; *p; p++) {
			if (upper && *p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
			else if (!upper && *p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		}
		list_push(out, s);
	}
	return true;
}

static bool fn_upper(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		     struct list *out)
{
	(void)call, (void)nargs;
	return changecase(ev, args, out, true);
}

static bool fn_lower(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		     struct list *out)
{
	(void)call, (void)nargs;
	return changecase(ev, args, out, false);
}

/* Each word quoted for the shell as a recipe quotes it. */
static bool fn_quote(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		     struct list *out)
{
	struct buf b = {0};
	size_t i;

	(void)call, (void)nargs;
	for (i = 0; i < args[0].n; i++) {
		b.len = 0;
		shell_quote(&b, args[0].v[i]);
		list_push(out, arena_strndup(ev->a, b.s, b.len));
	}
	buf_free(&b);
	return true;
}

const struct func func_lists[] = {
    {"filter", 2, 2, fn_filter, false},
    {"filter-out", 2, 2, fn_filter_out, false}, /* make's spelling */
    {"filter_out", 2, 2, fn_filter_out, false},
    {"first", 1, 1, fn_first, false},
    {"last", 1, 1, fn_last, false},
    {"lower", 1, 1, fn_lower, false},
    {"prefix", 2, 2, fn_prefix, false},
    {"quote", 1, 1, fn_quote, false},
    {"replace", 3, 3, fn_replace, false},
    {"sort", 1, 1, fn_sort, false},
    {"strip", 1, 1, fn_strip, false},
    {"subst", 3, 3, fn_subst, false},
    {"suffix", 2, 2, fn_suffix, false},
    {"uniq", 1, 1, fn_uniq, false},
    {"upper", 1, 1, fn_upper, false},
    {"words", 1, 1, fn_words, false},
    {NULL, 0, 0, NULL, false},
};
