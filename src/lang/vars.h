/* Variables: their definitions in file order, evaluated lazily on first use. */
#ifndef BATON_VARS_H
#define BATON_VARS_H

#include <stdbool.h>

#include "lang/source.h"
#include "base/htab.h"
#include "base/list.h"

enum var_state { VAR_UNSET, VAR_BUSY, VAR_DONE, VAR_FAILED };

struct var {
	const char *name;
	const struct stmt **defs; /* assignments in file order */
	size_t ndefs, capdefs;
	bool cmdline;             /* set on the command line: defs are ignored */
	bool exported;            /* in every job's environment */
	struct loc exported_at;   /* the first "export" that said so */
	bool appended;            /* NAME+=value on the command line: extra follows */
	bool named;               /* something read it (by name) as the Taskfile was read */
	bool declared;            /* assigned in a branch of a conditional not taken */
	enum var_state state;
	struct loc used; /* where its value was first needed */
	struct list val;
	struct list extra; /* words the command line appends to what the defs give */
};

struct vars {
	struct htab tab;
	struct arena *a;
	unsigned depth; /* values being evaluated now, each needed by the one before */
};

/* Deeper than this, variables needing variables are an error, not a stack overflow. */
enum { VARS_MAX_DEPTH = 1000 };

/* Start an empty table whose values go to arena a. */
void vars_init(struct vars *v, struct arena *a);
/* Record an assignment statement; false after reporting that the variable's
 * value was needed before it (by a condition or an include read earlier). */
bool vars_define(struct vars *v, const struct stmt *assign);
/* Set name from the command line: every assignment in the file is ignored;
 * or, with append, append val to what they give (or to what the command line
 * set before). */
void vars_override(struct vars *v, const char *name, const struct list *val, bool append);
/* Note that name is assigned in a branch of a conditional that was not read. */
void vars_declare(struct vars *v, const char *name);
/* Whether the variable has a value: the Taskfile or the command line gives one. */
static inline bool vars_defined(const struct var *var)
{
	return var->ndefs || var->cmdline || var->appended;
}
/* Whether the Taskfile knows of the variable: it assigns it, in any branch, or
 * reads it (as far as it was read). An override of one it does not know
 * reaches only the jobs' environment. */
static inline bool vars_known(const struct var *var)
{
	return var->ndefs || var->declared || var->named;
}
/* The name of a variable the Taskfile knows that name is likely a typo of, or
 * NULL. */
const char *vars_nearest(const struct vars *v, const char *name);
/* Put the variable called name into every job's environment ("export NAME",
 * at loc). */
void vars_export(struct vars *v, const char *name, struct loc loc);
/* "NAME=value" for each exported variable and each set on the command line,
 * its words joined by spaces, appended to out (strings in the table's arena);
 * false after reporting one that cannot be evaluated or is not defined. */
bool vars_environ(struct vars *v, struct list *out);
/* The variable called name, or NULL. */
struct var *vars_find(struct vars *v, const char *name);
/* The value of a variable, evaluated now if needed; NULL after reporting an error.
 * use is where it is needed, for the message about a variable that needs itself
 * or one that needs more than VARS_MAX_DEPTH others in a chain. */
const struct list *vars_value(struct vars *v, struct var *var, struct loc use);
/* Free the table and every value's array. */
void vars_free(struct vars *v);

#endif
