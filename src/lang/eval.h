/* Evaluation of words and {{ }} expressions into lists of words, and of recipes
 * into the script a job runs. */
#ifndef BATON_EVAL_H
#define BATON_EVAL_H

#include <stdbool.h>

#include "lang/ast.h"
#include "base/list.h"

struct vars;

/* A local binding (in, out, stem, task parameters), searched before variables. */
struct scope {
	const struct scope *up;
	const char *name;
	const struct list *val;
};

struct eval {
	struct vars *vars;
	const struct scope *locals;
	struct arena *a; /* where the words made go */
	bool recipe;     /* evaluating a recipe: in, out and stem exist */
};

enum {
	EVAL_MAX_WORDS = 1 << 20,     /* more words in one value is an error */
	EVAL_MAX_BYTES = 64 << 20,    /* so is a value longer than this */
	EVAL_MAX_TOTAL = 1 << 21,     /* and more words made by all of a run's evaluation */
	EVAL_MAX_TOTAL_BYTES = 256 << 20, /* or more bytes of them */
};

/* Forget the words made so far (for tests that load several Taskfiles). */
void eval_reset(void);
/* Allow this many words made in all instead of EVAL_MAX_TOTAL (the fuzzer, whose
 * instrumentation makes each word dearer). */
void eval_set_budget(size_t words);

/* Count n more words made by w, bytes long in all (as a list counts them), a
 * word evaluated before whose words are used again as they are; false after
 * reporting that the Taskfile makes too many, or too many bytes of them. */
bool eval_spend(const struct word *w, size_t n, size_t bytes);
/* Append the words of w and of every word after it. */
bool eval_words(struct eval *ev, const struct word *w, struct list *out);
/* Append the words of one word. */
bool eval_word(struct eval *ev, const struct word *w, struct list *out);
/* Append the words of an expression. */
bool eval_expr(struct eval *ev, const struct expr *e, struct list *out);
/* Whether a value counts as true in a condition: it has a word that is not
 * empty. */
bool eval_true(const struct list *l);
/* Append the text of a recipe, with common indentation removed, to script. */
bool eval_recipe(struct eval *ev, const struct rline *lines, struct buf *script);
/* Report every unknown name or bad call in a recipe of a rule with these
 * parameters, without evaluating anything. */
bool eval_check_recipe(struct vars *vars, const struct stmt *rule);
/* The same for the values of a rule's attributes ([depfile: ...]): checked
 * with the recipe, before anything runs. */
bool eval_check_attrs(struct vars *vars, const struct stmt *rule);

/* The most arguments a function call may have: its arguments' values are
 * held side by side while it runs. */
enum { FUNC_MAX_ARGS = 16 };

/* The functions callable from {{ }} (func.c). */
struct func {
	const char *name;
	int min, max; /* argument count; max -1: up to FUNC_MAX_ARGS */
	bool (*fn)(struct eval *ev, const struct expr *call, struct list *args, int nargs,
		   struct list *out);
	bool lazy; /* fn evaluates the arguments it needs itself: args is NULL */
};
/* The function called name, or NULL. */
const struct func *func_find(const char *name);
struct nearest;
/* Try every function's name as one near an unknown one. */
void func_names(struct nearest *n);
/* What invocation_dir() gives: the directory baton was started in (NULL: the
 * current one). */
void func_set_invocation_dir(const char *dir);
/* The functions on lists and the text of words (funclist.c), ending with one
 * whose name is NULL. */
extern const struct func func_lists[];
/* The word of an argument of call that must be one word (what it is for the
 * message), or NULL after reporting that it is not. */
const char *func_one(const struct expr *call, const struct list *arg, const char *what);

#endif
