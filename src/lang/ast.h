/* The syntax tree of a Taskfile: statements made of words, words made of pieces.
 * Built by the parser through the constructors below; all memory in one arena. */
#ifndef BATON_AST_H
#define BATON_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/htab.h"
#include "lang/wordsegments.h"
#include "lang/source.h"
#include "base/util.h"

enum expr_kind {
	EX_VAR, EX_STR, EX_CALL, EX_INDEX,
	EX_SLICE,  /* x[from:to] */
	EX_QUOTED, /* "text {{x}}": one word */
	EX_NOT,    /* !x */
	EX_EQ,     /* x == y */
	EX_NE,     /* x != y */
	EX_AND,    /* x && y && ...: its operands are a list, however long */
	EX_OR,     /* x || y || ... */
};

struct expr {
	enum expr_kind kind;
	struct loc loc;
	uint32_t len;     /* length of name */
	union {
		const char *name;     /* EX_VAR, EX_CALL: the name; EX_STR: the text */
		struct piece *pieces; /* EX_QUOTED: the pieces between the quotes */
	};
	/* EX_CALL: the first argument; EX_INDEX, EX_SLICE: the indexed expression;
	 * the operators: the first operand */
	struct expr *arg;
	struct expr *next; /* the next argument or operand */
	long index;       /* EX_INDEX; EX_SLICE: from */
	union {
		long to;           /* EX_SLICE: up to, not included (LONG_MAX: the end) */
		struct expr *last; /* EX_AND, EX_OR: the last operand, while parsing */
	};
};

enum piece_kind { PC_TEXT, PC_EXPR, PC_QUOTED };

struct piece {
	enum piece_kind kind;
	struct loc loc;
	uint32_t len;     /* of text */
	union {
		const char *text;  /* PC_TEXT */
		struct expr *expr; /* PC_EXPR */
		struct piece *sub; /* PC_QUOTED: the pieces between the quotes */
	};
	struct piece *next;
};

/* Most words are one plain piece of text: those hold the text itself (len > 0),
 * which saves a piece for each of them. Many others are one variable, "{{ name }}"
 * alone: those hold its name (len has WORD_VAR set). The others hold their
 * pieces (len 0). */
struct word {
	union {
		struct piece *pieces; /* len 0 */
		const char *text;     /* plain: in the source, not NUL-terminated */
		const char *var;      /* WORD_VAR: the variable's name, NUL-terminated */
	};
	struct loc loc;
	uint32_t len;
	struct word *next;
};

/* A variable's word holds in len, besides WORD_VAR, the length of the name and
 * the blanks between "{{" and it, so that its place is known without the source. */
#define WORD_VAR UINT32_C(0x80000000)
#define WORD_VARLEN UINT32_C(0x00ffffff)
#define WORD_VARLEAD 24 /* the shift of the blanks' count, under 128 */

/* The length of the name of a variable's word. */
static inline uint32_t word_varlen(const struct word *w)
{
	return w->len & WORD_VARLEN;
}

/* Whether w is "{{ name }}" alone, held as w->var. */
static inline bool word_isvar(const struct word *w)
{
	return (w->len & WORD_VAR) != 0;
}

/* Whether w is plain text held as w->text (w->len bytes). */
static inline bool word_isplain(const struct word *w)
{
	return w->len && !word_isvar(w);
}

/* The text of a word that is all plain text in one piece, or NULL. */
static inline const char *word_text(const struct word *w, size_t *len)
{
	if (word_isvar(w))
		return NULL;
	if (w->len) {
		*len = w->len;
		return w->text;
	}
	if (w->pieces && !w->pieces->next && w->pieces->kind == PC_TEXT) {
		*len = w->pieces->len;
		return w->pieces->text;
	}
	return NULL;
}

struct param {
	const char *name;
	struct word *def; /* default value, or NULL */
	bool variadic;
	struct loc loc;
	struct param *next;
};

/* One line of a recipe. */
struct rline {
	struct piece *pieces;
	const char *lead; /* its leading blanks (indent bytes), kept apart from the source */
	uint32_t indent;  /* bytes of leading blanks */
	uint32_t blanks;  /* blank lines that came just before it */
	struct loc loc;
	struct rline *next;
};

/* An attribute line "[name]" or "[name: value]" above a rule or task. */
struct attr {
	const char *name;
	struct piece *value; /* like a recipe line; NULL without a value */
	bool hasvalue;
	struct loc loc;
	struct attr *next;
};

/* ST_IF, ST_ELSE and ST_END are the lines of a conditional block: "if cond",
 * "else if cond" (ST_ELSE with a condition), "else" and "end". */
enum stmt_kind {
	ST_ASSIGN, ST_RULE, ST_TASK, ST_INCLUDE, ST_IF, ST_ELSE, ST_END, ST_POOL,
	ST_EXPORT, /* "export NAME...": value holds the names */
	ST_DOTENV, /* "dotenv [PATH]": value holds the path, or NULL */
};
enum assign_op { AS_SET, AS_APPEND, AS_DEFAULT };

/* The words of a rule's or task's header, needed until the graph is built: a
 * rule's go with its header words, a task's (which hold its name) are kept. */
struct header {
	struct word *outputs;   /* ST_TASK: the task name is outputs' only word */
	struct word *inputs;
	struct word *orderonly; /* ST_RULE */
	struct word *pat;       /* a static pattern rule's target pattern, or NULL */
	uint32_t seg;           /* the segment that holds the words (struct segments) */
};

struct stmt {
	uint8_t kind;   /* enum stmt_kind */
	uint8_t op;     /* enum assign_op: ST_ASSIGN */
	bool pattern;   /* ST_RULE: an output holds '%' */
	bool exported;  /* ST_ASSIGN: "export NAME = value" */
	struct loc loc; /* the header, up to the end of its line */
	struct stmt *next;
	/* the fields of one kind share room with those of another */
	union {
		const char *name;     /* ST_ASSIGN */
		struct param *params; /* ST_TASK */
	};
	union {
		struct word *value;  /* ST_ASSIGN; ST_INCLUDE: the path words; ST_POOL: its words */
		struct header *hdr;  /* ST_RULE, ST_TASK; NULL for a rule in the graph */
		struct expr *cond;   /* ST_IF, ST_ELSE: the condition (NULL: none, or
					in error); ST_ELSE has one if op is 1 */
	};
	/* ST_RULE, ST_TASK */
	const char *doc;     /* doc comment lines joined by '\n', or NULL */
	struct rline *recipe;
	/* A recipe written the same, byte for byte, as one earlier in the file shares
	 * that one's lines: their locations are those of the earlier one, which is
	 * shift bytes before this one and len long (shift 0: not shared).
	 * ST_IF, ST_ELSE: the statements from this one to the next line of the
	 * block, in the file's list (0: none, after a mistake). */
	union {
		uint32_t shift;
		uint32_t jump;
	};
	uint32_t len;
	struct attr *attrs;
};

/* Token values the lexer hands to the parser. */
struct tok_text {
	const char *s;
	size_t len;
};
struct tok_indent {
	uint32_t indent, blanks;
};

/* Singly linked lists with a tail, for building in the parser. */
struct wlist {
	struct word *head, *tail;
};
struct plist {
	struct piece *head, *tail;
};
struct elist {
	struct expr *head, *tail;
};
struct rlist {
	struct rline *head, *tail;
};
struct parlist {
	struct param *head, *tail;
};

/* A rule header of plain words alone ("a b: c | d"), which the lexer hands to
 * the parser as one token (HEADER): most headers of a big Taskfile are. */
struct tok_header {
	struct wlist outs, ins, order;
	struct loc loc; /* of the outputs, as the parser's would be */
};

/* What the parser builds into. */
struct ast {
	struct arena *arena;
	/* words, their pieces and expressions: a rule's header words are needed
	 * only until the graph is built, so they go in an arena of their own, and
	 * what is kept longer (recipes, attributes, values, include paths,
	 * defaults) gets copies in arena */
	struct arena *words;
	struct segments *segs; /* words is the last of these, or NULL */
	struct stmts *all;     /* where each statement is also appended, or NULL */
	uint32_t src;
	struct stmt *head, *tail;
	struct buf doc; /* doc comment lines waiting for their rule */
	bool hasdoc;
	struct attr *attrs, *attrtail; /* attribute lines waiting for their rule */
	uint32_t docend; /* where the last doc comment line ended */
	bool lexerr;   /* the lexer reported the current error already */
	uint32_t nstmts; /* statements made so far */
	/* the conditional blocks open, innermost last: the last of their lines so
	 * far, its number among the statements, and where the block's "if" is */
	struct openif {
		struct stmt *s;
		uint32_t n;
		struct loc at;
	} *ifs;
	size_t nifs, capifs;
	struct buf *trace; /* each token taken is printed here (lex_dump), or NULL */
	/* Recipes by their text (see struct stmt): the lexer hands over the lines of
	 * one it has seen before as one token, and keeps where the others start */
	struct htab recipes;   /* text of a recipe -> its first struct rline */
	struct htab names;     /* the names of variables in words, one copy each */
	struct recipe_at {
		uint32_t off, end; /* the recipe's text, up to the end of its last line */
		int errors;        /* diag_errors() when the lexer reached it */
		const struct rline *shared; /* the lines it shares, or NULL */
	} at;
};

/* Statements in an array, to go through without following next from one to
 * the next: that waits for each in turn to come from memory. */
struct stmts {
	struct stmt **v;
	size_t n, cap;
};

/* Parse source number src into a list of statements; false after reporting errors.
 * The words of rule and task headers go in segs, all else in a (segs NULL: in a).
 * If all is not NULL, the statements are also appended to it. */
bool parse_source(struct arena *a, struct segments *segs, uint32_t src, struct stmt **out,
		  struct stmts *all);
/* Whether the lexer hands a rule header of plain words alone to the parser as
 * one token (HEADER), as it does unless a test turns it off to compare. */
extern bool parse_headers;

struct piece *ast_text(struct ast *t, const char *s, size_t len, struct loc loc);
struct piece *ast_interp(struct ast *t, struct expr *e, struct loc loc);
struct piece *ast_quoted(struct ast *t, struct plist sub, struct loc loc);
struct word *ast_word(struct ast *t, struct plist pieces, struct loc loc);
/* A word of plain text (not empty, kept where it is). */
struct word *ast_plainword(struct ast *t, const char *s, size_t len, struct loc loc);
/* The word "{{ name }}" (loc), for the variable called s. */
struct word *ast_varword(struct ast *t, const char *s, size_t len, struct loc loc);
/* The expression of a word that is one variable: the one its pieces would hold. */
struct expr ast_wordexpr(const struct word *w);
struct expr *ast_var(struct ast *t, const char *s, size_t len, struct loc loc);
struct expr *ast_str(struct ast *t, const char *s, size_t len, struct loc loc);
struct expr *ast_num(struct ast *t, struct loc loc);
struct expr *ast_call(struct ast *t, struct expr *fn, struct elist args, struct loc loc);
struct expr *ast_index(struct ast *t, struct expr *base, long index, struct loc loc);
/* base[from:to], to LONG_MAX for the end. */
struct expr *ast_slice(struct ast *t, struct expr *base, long from, long to, struct loc loc);
/* "pieces" in an expression. */
struct expr *ast_quotedexpr(struct ast *t, struct plist pieces, struct loc loc);
/* An operator (EX_NOT, EX_EQ, ...) applied to a and b (b NULL for EX_NOT). */
struct expr *ast_op(struct ast *t, enum expr_kind op, struct expr *a, struct expr *b,
		    struct loc loc);
struct rline *ast_rline(struct ast *t, uint32_t indent, uint32_t blanks, struct plist p,
			struct loc loc);
struct param *ast_param(struct ast *t, struct word *name, struct word *def, struct loc loc);

/* Add a doc comment line, kept for the next rule or task. */
void ast_doc(struct ast *t, const char *s, size_t len, struct loc loc);
/* Add a pool declaration, "pool NAME = N [ordered]" (its words). */
void ast_pool(struct ast *t, struct wlist words, struct loc loc);
/* Add an attribute line, kept for the next rule or task. */
void ast_attr(struct ast *t, const char *name, size_t len, bool hasvalue, struct plist value,
	      struct loc loc);
/* Report mistakes found in the lines of a recipe at the recipe of a rule shift
 * bytes after s's, which shares them (diag_move); s NULL: stop. */
void ast_locate_recipe(const struct stmt *s, uint32_t shift);
/* The attribute called name of a rule, or NULL. */
const struct attr *ast_getattr(const struct stmt *s, const char *name);
/* Report attribute lines not followed by a rule or task (at the end of a file). */
void ast_endattrs(struct ast *t);
/* Add statements; each reports its own mistakes. */
void ast_assign(struct ast *t, struct wlist lhs, enum assign_op op, struct wlist value,
		struct loc loc);
void ast_rule(struct ast *t, struct wlist outs, struct wlist ins, struct wlist order,
	      struct rlist recipe, struct loc loc);
void ast_task(struct ast *t, struct parlist head, struct wlist deps, struct rlist recipe,
	      struct loc loc);
void ast_include(struct ast *t, struct wlist path, struct loc loc);
/* "export NAME = value" (assign: an assignment, with op and value), or
 * "export NAME..." for variables defined elsewhere. */
void ast_export(struct ast *t, struct wlist lhs, enum assign_op op, struct wlist value,
		bool assign, struct loc loc);
/* "dotenv" or "dotenv PATH". */
void ast_dotenv(struct ast *t, struct wlist path, struct loc loc);
/* A static pattern rule: "outs: pat: ins | order". */
void ast_static(struct ast *t, struct wlist outs, struct wlist pat, struct wlist ins,
		struct wlist order, struct rlist recipe, struct loc loc);
/* The lines of a conditional block: "if cond", "else if cond", "else" and
 * "end" (cond NULL: a condition in error, reported already). */
void ast_if(struct ast *t, struct expr *cond, struct loc loc);
void ast_elseif(struct ast *t, struct expr *cond, struct loc loc);
void ast_else(struct ast *t, struct loc loc);
void ast_end(struct ast *t, struct loc loc);
/* Report the blocks still open at the end of a file. */
void ast_endifs(struct ast *t);
/* A statement ended without one: forget any pending doc comment. */
void ast_nodoc(struct ast *t);

/* Append a piece/word/... to a list (the list is returned by value). */
struct plist plist_add(struct plist l, struct piece *p);
struct wlist wlist_add(struct wlist l, struct word *w);
struct elist elist_add(struct elist l, struct expr *e);
struct rlist rlist_add(struct rlist l, struct rline *r);
struct parlist parlist_add(struct parlist l, struct param *p);

/* Print statements, one per line, in a stable text form (for tests and --dump=ast). */
void ast_dump(struct buf *b, const struct stmt *s);
/* Print one word / expression in the dump form. */
void ast_dump_word(struct buf *b, const struct word *w);
void ast_dump_expr(struct buf *b, const struct expr *e);
/* Print where each statement is, and, for a rule, where each word of its header
 * is and its len, one statement per line: "off-end  outputs | inputs | order". */
void ast_dump_places(struct buf *b, const struct stmt *s);

#endif
