#include "lang/vars.h"

#include <stdlib.h>
#include <string.h>

#include "lang/diag.h"
#include "lang/eval.h"

void vars_init(struct vars *v, struct arena *a)
{
	memset(v, 0, sizeof(*v));
	v->a = a;
}

static struct var *get(struct vars *v, const char *name)
{
	struct htab_entry *e = htab_slot(&v->tab, name, strlen(name));
	struct var *var;

	if (!e->val) {
		var = arena_alloc(v->a, sizeof(*var));
		var->name = arena_strdup(v->a, name);
		e->key = var->name; /* the table keeps pointing at memory that lives */
		e->val = var;
	}
	return e->val;
}

bool vars_define(struct vars *v, const struct stmt *assign)
{
	struct var *var = get(v, assign->name);

	if (var->state == VAR_DONE && !var->cmdline) {
		/* its value is fixed: this would change it for some uses only */
		diag_error(assign->loc, "'%s' is assigned after its value was used", var->name);
		diag_note(var->used, "its value was used here, when this line was read");
		return false;
	}
	xgrow((void **)&var->defs, &var->capdefs, var->ndefs + 1, sizeof(*var->defs));
	var->defs[var->ndefs++] = assign;
	if (assign->exported)
		vars_export(v, assign->name, assign->loc);
	return true;
}

void vars_export(struct vars *v, const char *name, struct loc loc)
{
	struct var *var = get(v, name);

	if (!var->exported)
		var->exported_at = loc;
	var->exported = true;
}

bool vars_environ(struct vars *v, struct list *out)
{
	struct buf b = {0};
	const struct list *val;
	bool ok = true;
	size_t i;

	for (i = 0; i < v->tab.cap; i++) {
		struct var *var = v->tab.e[i].val;
		if (!var || (!var->exported && !var->cmdline && !var->appended))
			continue;
		if (!vars_defined(var)) {
			diag_error(var->exported_at, "exported variable '%s' is not defined",
				   var->name);
			ok = false;
			continue;
		}
		if (!(val = vars_value(v, var, var->exported_at))) {
			ok = false;
			continue;
		}
		b.len = 0;
		buf_printf(&b, "%s=", var->name);
		list_join(&b, val, " ");
		list_push(out, arena_strndup(v->a, b.s, b.len));
	}
	buf_free(&b);
	return ok;
}

void vars_override(struct vars *v, const char *name, const struct list *val, bool append)
{
	struct var *var = get(v, name);

	if (var->state == VAR_DONE && !var->cmdline) {
		diag_error(var->used, "'%s' is set on the command line after its value was used "
				      "here (give %s=... before the targets)", name, name);
		return;
	}
	if (append && !var->cmdline) {
		list_append(&var->extra, val);
		var->appended = true;
		return;
	}
	if (!append)
		list_free(&var->val);
	list_append(&var->val, val);
	var->cmdline = true;
	var->state = VAR_DONE;
}

void vars_declare(struct vars *v, const char *name)
{
	get(v, name)->declared = true;
}

const char *vars_nearest(const struct vars *v, const char *name)
{
	struct nearest n;
	size_t i;

	nearest_init(&n, name);
	for (i = 0; i < v->tab.cap; i++) {
		const struct var *var = v->tab.e[i].val;
		if (var && (var->ndefs || var->declared))
			nearest_try(&n, var->name);
	}
	return n.best;
}

struct var *vars_find(struct vars *v, const char *name)
{
	return htab_get(&v->tab, name, strlen(name));
}

/* Whether an assignment with '=' comes at or after index i. */
static bool set_later(const struct var *var, size_t i)
{
	for (; i < var->ndefs; i++) {
		if (var->defs[i]->op == AS_SET)
			return true;
	}
	return false;
}

const struct list *vars_value(struct vars *v, struct var *var, struct loc use)
{
	struct eval ev = {v, NULL, v->a, false};
	bool set = false, ok = true;
	size_t i;

	switch (var->state) {
	case VAR_DONE:
		return &var->val;
	case VAR_FAILED:
		return NULL;
	case VAR_BUSY:
		diag_error(use, "variable '%s' refers to itself", var->name);
		return NULL;
	case VAR_UNSET:
		break;
	}
	if (v->depth >= VARS_MAX_DEPTH) {
		/* left unset: reached from a shorter chain, it may still work */
		diag_error(use, "variables nested more than %d deep", VARS_MAX_DEPTH);
		return NULL;
	}
	v->depth++;
	var->state = VAR_BUSY;
	var->used = use;
	for (i = 0; i < var->ndefs && ok; i++) {
		const struct stmt *d = var->defs[i];
		switch (d->op) {
		case AS_SET:
			list_free(&var->val);
			set = true;
			ok = eval_words(&ev, d->value, &var->val);
			break;
		case AS_APPEND:
			set = true;
			ok = eval_words(&ev, d->value, &var->val);
			break;
		case AS_DEFAULT:
			if (!set && !set_later(var, i + 1)) {
				set = true;
				ok = eval_words(&ev, d->value, &var->val);
			}
			break;
		}
	}
	if (ok)
		list_append(&var->val, &var->extra);
	v->depth--;
	var->state = ok ? VAR_DONE : VAR_FAILED;
	return ok ? &var->val : NULL;
}

void vars_free(struct vars *v)
{
	size_t i;

	for (i = 0; i < v->tab.cap; i++) {
		struct var *var = v->tab.e[i].val;
		if (var) {
			free(var->defs);
			list_free(&var->val);
			list_free(&var->extra);
		}
	}
	htab_free(&v->tab);
}
