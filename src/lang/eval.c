#include "lang/eval.h"

#include <string.h>

#include "lang/diag.h"
#include "lang/vars.h"

static const struct list *lookup_local(const struct scope *s, const char *name)
{
	for (; s; s = s->up) {
		if (!strcmp(s->name, name))
			return s->val;
	}
	return NULL;
}

static bool eval_word1(struct eval *ev, const struct word *w, struct list *out);

static bool isbuiltin(const char *name)
{
	return !strcmp(name, "in") || !strcmp(name, "out") || !strcmp(name, "stem");
}

/* Words made by all evaluations so far, against EVAL_MAX_TOTAL, and their
 * bytes, against EVAL_MAX_TOTAL_BYTES. */
static size_t made, madebytes;
/* The most words all of a run's evaluation may make. */
static size_t budget = EVAL_MAX_TOTAL;

static bool toolarge(const struct expr *e, const struct list *l)
{
	if (l->n <= EVAL_MAX_WORDS && l->bytes <= EVAL_MAX_BYTES)
		return false;
	diag_error(e->loc, "value too large (over %d words or %d MiB)", EVAL_MAX_WORDS,
		   EVAL_MAX_BYTES >> 20);
	return true;
}

/* Report an unknown variable, with a name near it among the variables, the
 * locals and the parameters of rule (NULL: none). */
static bool unknown_var(struct vars *vars, const struct scope *locals, const struct stmt *rule,
			const struct expr *e)
{
	struct nearest n;
	const struct param *p;
	size_t i;

	if (isbuiltin(e->name)) {
		diag_error(e->loc, "unknown variable '%s' ('in', 'out' and 'stem' exist only in recipes)",
			   e->name);
		return false;
	}
	nearest_init(&n, e->name);
	for (i = 0; vars && i < vars->tab.cap; i++) {
		const struct var *v = vars->tab.e[i].val;
		if (v && vars_defined(v))
			nearest_try(&n, v->name);
	}
	for (; locals; locals = locals->up)
		nearest_try(&n, locals->name);
	for (p = rule ? rule->params : NULL; p; p = p->next)
		nearest_try(&n, p->name);
	if (rule) {
		nearest_try(&n, "in");
		nearest_try(&n, "out");
		nearest_try(&n, "stem");
	}
	diag_error(e->loc, "unknown variable '%s'%s", e->name, nearest_hint(&n));
	return false;
}

/* Report an unknown function, with a name near it. */
static bool unknown_func(const struct expr *e)
{
	struct nearest n;

	nearest_init(&n, e->name);
	func_names(&n);
	diag_error(e->loc, "unknown function '%s'%s", e->name, nearest_hint(&n));
	return false;
}

/* Whether a call of f with n arguments is allowed; reports it if not. */
static bool argc_ok(const struct func *f, const struct expr *e, int n)
{
	int max = f->max < 0 ? FUNC_MAX_ARGS : f->max;

	if (n >= f->min && n <= max)
		return true;
	if (f->min == max)
		diag_error(e->loc, "'%s' takes %d argument%s, got %d", f->name, f->min,
			   f->min == 1 ? "" : "s", n);
	else if (n < f->min)
		diag_error(e->loc, "'%s' takes at least %d argument%s, got %d", f->name, f->min,
			   f->min == 1 ? "" : "s", n);
	else
		diag_error(e->loc, "'%s' takes at most %d argument%s, got %d", f->name, max,
			   max == 1 ? "" : "s", n);
	return false;
}

static bool call(struct eval *ev, const struct expr *e, struct list *out)
{
	const struct func *f = func_find(e->name);
	struct list args[FUNC_MAX_ARGS]; /* argc_ok allows no more */
	const struct expr *a;
	int n = 0, i;
	bool ok = true;

	if (!f)
		return unknown_func(e);
	for (a = e->arg; a; a = a->next)
		n++;
	if (!argc_ok(f, e, n))
		return false;
	if (f->lazy)
		return f->fn(ev, e, NULL, n, out) && !toolarge(e, out);
	memset(args, 0, sizeof(args));
	for (a = e->arg, i = 0; a && ok; a = a->next, i++)
		ok = eval_expr(ev, a, &args[i]);
	if (ok)
		ok = f->fn(ev, e, args, n, out);
	for (i = 0; i < n; i++)
		list_free(&args[i]);
	return ok && !toolarge(e, out);
}

bool eval_true(const struct list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->v[i][0])
			return true;
	}
	return false;
}

/* The word a test gives when it holds (when it does not, it gives no word). */
static const char yes[] = "true";

/* Where index i of a slice is, in a list of n words: counted from the end if
 * negative, and kept inside the list. */
static long slicebound(long i, long n)
{
	if (i < 0)
		i = i < -n ? 0 : n + i;
	return i > n ? n : i;
}

static bool slice(struct eval *ev, const struct expr *e, struct list *out)
{
	struct list tmp = {0};
	long i, from, to;

	if (!eval_expr(ev, e->arg, &tmp))
		return false;
	from = slicebound(e->index, (long)tmp.n);
	to = slicebound(e->to, (long)tmp.n);
	for (i = from; i < to; i++)
		list_push(out, tmp.v[i]);
	out->raw |= tmp.raw;
	list_free(&tmp);
	return true;
}

/* x == y, x != y: lists are equal if they have the same words in the same order. */
static bool compare(struct eval *ev, const struct expr *e, struct list *out)
{
	struct list a = {0}, b = {0};
	bool ok = eval_expr(ev, e->arg, &a) && eval_expr(ev, e->arg->next, &b), same;
	size_t i;

	if (ok) {
		same = a.n == b.n;
		for (i = 0; same && i < a.n; i++)
			same = !strcmp(a.v[i], b.v[i]);
		if (same == (e->kind == EX_EQ))
			list_push(out, yes);
	}
	list_free(&a);
	list_free(&b);
	return ok;
}

/* x && y && ...: the value of the last if all the others are true, else no
 * word. x || y || ...: the value of the first that is true, else of the last.
 * Neither evaluates what comes after the operand that decides. */
static bool logic(struct eval *ev, const struct expr *e, struct list *out)
{
	struct list v = {0};
	const struct expr *a;
	bool ok = true, truth;

	for (a = e->arg; a && ok; a = a->next) {
		v.n = v.bytes = 0;
		v.raw = false;
		ok = eval_expr(ev, a, &v);
		truth = ok && eval_true(&v);
		if (!ok || (e->kind == EX_AND && !truth))
			break;
		if (!a->next || (e->kind == EX_OR && truth)) {
			list_append(out, &v);
			out->raw |= v.raw;
			break;
		}
	}
	list_free(&v);
	return ok;
}

static bool quoted(struct eval *ev, const struct piece *p, struct buf *b);

/* The value of the variable e names: a local, or one of the Taskfile's;
 * NULL after reporting. */
static const struct list *varvalue(struct eval *ev, const struct expr *e)
{
	const struct list *val = lookup_local(ev->locals, e->name);
	struct var *var;

	if (val)
		return val;
	var = vars_find(ev->vars, e->name);
	if (var)
		var->named = true;
	if (!var || !vars_defined(var)) {
		unknown_var(ev->vars, ev->locals, NULL, e);
		return NULL;
	}
	return vars_value(ev->vars, var, e->loc);
}

bool eval_expr(struct eval *ev, const struct expr *e, struct list *out)
{
	struct buf b = {0};
	const struct list *val;
	struct list tmp = {0};
	long i;

	switch (e->kind) {
	case EX_STR:
		list_push(out, arena_strndup(ev->a, e->name, e->len));
		return true;
	case EX_VAR:
		if (!(val = varvalue(ev, e)))
			return false;
		list_append(out, val);
		out->raw |= val->raw;
		return !toolarge(e, out);
	case EX_CALL:
		return call(ev, e, out);
	case EX_INDEX:
		if (!eval_expr(ev, e->arg, &tmp))
			return false;
		i = e->index < 0 ? (long)tmp.n + e->index : e->index;
		if (i < 0 || (size_t)i >= tmp.n) {
			diag_error(e->loc, "index %ld is out of range (the list has %zu word%s)",
				   e->index, tmp.n, tmp.n == 1 ? "" : "s");
			list_free(&tmp);
			return false;
		}
		list_push(out, tmp.v[i]);
		out->raw |= tmp.raw;
		list_free(&tmp);
		return true;
	case EX_SLICE:
		return slice(ev, e, out);
	case EX_QUOTED:
		if (!quoted(ev, e->pieces, &b)) {
			buf_free(&b);
			return false;
		}
		list_push(out, arena_strndup(ev->a, b.s, b.len));
		buf_free(&b);
		return true;
	case EX_NOT:
		if (!eval_expr(ev, e->arg, &tmp))
			return false;
		if (!eval_true(&tmp))
			list_push(out, yes);
		list_free(&tmp);
		return true;
	case EX_EQ:
	case EX_NE:
		return compare(ev, e, out);
	case EX_AND:
	case EX_OR:
		return logic(ev, e, out);
	}
	return false;
}

/* The text of pieces between double quotes: lists joined with spaces. */
static bool quoted(struct eval *ev, const struct piece *p, struct buf *b)
{
	struct list l = {0};

	for (; p; p = p->next) {
		if (p->kind == PC_TEXT) {
			buf_add(b, p->text, p->len);
			continue;
		}
		if (!eval_expr(ev, p->expr, &l))
			goto fail;
		list_join(b, &l, " ");
		list_free(&l);
		if (b->len > EVAL_MAX_BYTES) {
			toolarge(p->expr, &(struct list){.bytes = b->len});
			goto fail;
		}
	}
	if (!b->s)
		buf_add(b, "", 0);
	return true;
fail:
	list_free(&l);
	return false;
}

/* Every word of cur with s appended. */
static void suffix(struct eval *ev, struct list *cur, const char *s, size_t len)
{
	size_t i, n;

	for (i = 0; i < cur->n; i++) {
		n = strlen(cur->v[i]);
		char *w = arena_alloc(ev->a, n + len + 1);
		memcpy(w, cur->v[i], n);
		memcpy(w + n, s, len);
		w[n + len] = '\0';
		cur->bytes += len;
		cur->v[i] = w;
	}
}

/* Count n more words made, bytes long; false after reporting (once) that the
 * Taskfile makes too many, or too many bytes. */
static bool spend(const struct word *w, size_t n, size_t bytes)
{
	bool before = made <= budget && madebytes <= EVAL_MAX_TOTAL_BYTES;

	made += n;
	madebytes += bytes;
	if (made <= budget && madebytes <= EVAL_MAX_TOTAL_BYTES)
		return true;
	if (before && made > budget)
		diag_error(w->loc, "the Taskfile expands to too many words (over %zu in all)",
			   budget);
	else if (before)
		diag_error(w->loc, "the Taskfile's values are too large (over %d MiB in all)",
			   EVAL_MAX_TOTAL_BYTES >> 20);
	return false;
}

bool eval_spend(const struct word *w, size_t n, size_t bytes)
{
	return spend(w, n, bytes);
}

void eval_reset(void)
{
	made = madebytes = 0;
}

void eval_set_budget(size_t words)
{
	budget = words;
}

bool eval_word(struct eval *ev, const struct word *w, struct list *out)
{
	size_t before = out->n, bytes = out->bytes, len;
	const char *text = word_text(w, &len);

	/* a word of plain text is bounded by the size of the Taskfile: only what
	 * interpolation makes counts against the budget, so a million rules fit */
	if (text) {
		list_push(out, arena_strndup(ev->a, text, len));
		return true;
	}
	/* over the budget already (reported): making more would only use memory */
	if (made > budget || madebytes > EVAL_MAX_TOTAL_BYTES)
		return false;
	return eval_word1(ev, w, out) && spend(w, out->n - before, out->bytes - bytes);
}

static bool eval_word1(struct eval *ev, const struct word *w, struct list *out)
{
	const struct piece *p;
	struct list cur = {0}, val = {0}, next;
	struct buf b = {0};
	size_t i, j;
	bool ok = true;
	const char *text = word_text(w, &i);

	if (text) {
		list_push(out, arena_strndup(ev->a, text, i));
		return true;
	}
	if (word_isvar(w)) {
		struct expr e = ast_wordexpr(w);
		return eval_expr(ev, &e, out);
	}
	p = w->pieces;
	if (p && !p->next && p->kind == PC_EXPR)
		return eval_expr(ev, p->expr, out);
	list_push(&cur, "");
	for (; p && ok && cur.n; p = p->next) {
		switch (p->kind) {
		case PC_TEXT:
			suffix(ev, &cur, p->text, p->len);
			break;
		case PC_QUOTED:
			b.len = 0;
			ok = quoted(ev, p->sub, &b);
			if (ok)
				suffix(ev, &cur, b.s, b.len);
			break;
		case PC_EXPR:
			val.n = val.bytes = 0;
			ok = eval_expr(ev, p->expr, &val);
			if (!ok)
				break;
			if (val.n == 1) {
				suffix(ev, &cur, val.v[0], strlen(val.v[0]));
				break;
			}
			if ((double)cur.n * (double)val.n > EVAL_MAX_WORDS) {
				ok = !toolarge(p->expr, &(struct list){.n = (size_t)-1});
				break;
			}
			memset(&next, 0, sizeof(next));
			for (i = 0; i < cur.n; i++) {
				for (j = 0; j < val.n; j++) {
					size_t n = strlen(cur.v[i]), m = strlen(val.v[j]);
					char *s = arena_alloc(ev->a, n + m + 1);
					memcpy(s, cur.v[i], n);
					memcpy(s + n, val.v[j], m + 1);
					list_push(&next, s);
				}
			}
			list_free(&cur);
			cur = next;
			break;
		}
		if (ok && cur.bytes > EVAL_MAX_BYTES)
			ok = !toolarge(p->kind == PC_EXPR ? p->expr : &(struct expr){.loc = p->loc}, &cur);
	}
	if (ok)
		list_append(out, &cur);
	list_free(&cur);
	list_free(&val);
	buf_free(&b);
	return ok;
}

bool eval_words(struct eval *ev, const struct word *w, struct list *out)
{
	for (; w; w = w->next) {
		if (!eval_word(ev, w, out))
			return false; /* going on could only pile up more of a value too large */
	}
	return true;
}

bool eval_recipe(struct eval *ev, const struct rline *lines, struct buf *script)
{
	const struct rline *r;
	const struct piece *p;
	const struct list *words;
	struct list val = {0};
	uint32_t common = UINT32_MAX, i;
	size_t k;

	for (r = lines; r; r = r->next) {
		if (r->indent < common)
			common = r->indent;
	}
	for (r = lines; r; r = r->next) {
		for (i = 0; i < r->blanks; i++)
			buf_putc(script, '\n');
		buf_add(script, r->lead + common, r->indent - common);
		for (p = r->pieces; p; p = p->next) {
			if (p->kind == PC_TEXT) {
				buf_add(script, p->text, p->len);
				continue;
			}
			val.n = val.bytes = 0;
			val.raw = false;
			/* a variable's words are quoted where they are */
			if (p->expr->kind == EX_VAR) {
				if (!(words = varvalue(ev, p->expr)) || toolarge(p->expr, words)) {
					list_free(&val);
					return false;
				}
			} else if (eval_expr(ev, p->expr, &val)) {
				words = &val;
			} else {
				list_free(&val);
				return false;
			}
			for (k = 0; k < words->n; k++) {
				if (k)
					buf_putc(script, ' ');
				if (words->raw)
					buf_puts(script, words->v[k]);
				else
					shell_quote(script, words->v[k]);
			}
		}
		buf_putc(script, '\n');
	}
	list_free(&val);
	return true;
}

/* Report unknown names and bad calls in e; if eager, evaluate the variables
 * it names, as evaluating e would (not those it may never evaluate: the
 * branches of if() and what comes after the first operand of && and ||). */
static bool check_expr(struct vars *vars, const struct stmt *rule, const struct expr *e,
		       bool eager)
{
	const struct param *p;
	const struct piece *pc;
	const struct func *f;
	const struct expr *a;
	struct var *var;
	bool ok = true;
	int n = 0;

	switch (e->kind) {
	case EX_STR:
		return true;
	case EX_INDEX:
	case EX_SLICE:
	case EX_NOT:
		return check_expr(vars, rule, e->arg, eager);
	case EX_QUOTED:
		for (pc = e->pieces; pc; pc = pc->next) {
			if (pc->kind == PC_EXPR)
				ok = check_expr(vars, rule, pc->expr, eager) && ok;
		}
		return ok;
	case EX_VAR:
		if (isbuiltin(e->name))
			return true;
		for (p = rule->params; p; p = p->next) {
			if (!strcmp(p->name, e->name))
				return true;
		}
		var = vars_find(vars, e->name);
		if (var)
			var->named = true;
		if (!var || !vars_defined(var))
			return unknown_var(vars, NULL, rule, e);
		/* evaluate it now, so that its mistakes are found before anything runs */
		return !eager || vars_value(vars, var, e->loc) != NULL;
	case EX_EQ:
	case EX_NE:
	case EX_AND:
	case EX_OR:
		for (a = e->arg; a; a = a->next)
			ok = check_expr(vars, rule, a,
					eager && (a == e->arg || e->kind == EX_EQ || e->kind == EX_NE)) &&
			     ok;
		return ok;
	case EX_CALL:
		f = func_find(e->name);
		if (!f)
			return unknown_func(e);
		for (a = e->arg; a; a = a->next) {
			n++;
			ok = check_expr(vars, rule, a, eager && (!f->lazy || a == e->arg)) && ok;
		}
		return argc_ok(f, e, n) && ok;
	}
	return false;
}

bool eval_check_recipe(struct vars *vars, const struct stmt *rule)
{
	const struct rline *r;
	const struct piece *p;
	bool ok = true;

	ast_locate_recipe(rule, rule->shift);
	for (r = rule->recipe; r; r = r->next) {
		for (p = r->pieces; p; p = p->next) {
			if (p->kind == PC_EXPR)
				ok = check_expr(vars, rule, p->expr, true) && ok;
		}
	}
	ast_locate_recipe(NULL, 0);
	return ok;
}

bool eval_check_attrs(struct vars *vars, const struct stmt *rule)
{
	const struct attr *a;
	const struct piece *p;
	bool ok = true;

	for (a = rule->attrs; a; a = a->next) {
		for (p = a->value; p; p = p->next) {
			if (p->kind == PC_EXPR)
				ok = check_expr(vars, rule, p->expr, true) && ok;
		}
	}
	return ok;
}
