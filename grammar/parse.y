/* The Taskfile grammar. Actions only call the constructors in src/ast.c. */
%define api.pure full
%define api.location.type {struct loc}
%define parse.error custom
%locations
%expect 0
%param {struct lexer *lx} {struct ast *t}
%initial-action { @$ = (struct loc){lx->src, 0, 0}; }

%code requires {
#include "lang/ast.h"
struct lexer;
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                                                \
	do {                                                                                       \
		if (N) {                                                                           \
			(Cur).src = YYRHSLOC(Rhs, N).src;                                          \
			(Cur).off = YYRHSLOC(Rhs, 1).off;                                          \
			(Cur).end = YYRHSLOC(Rhs, N).end;                                          \
		} else {                                                                           \
			(Cur).src = YYRHSLOC(Rhs, 0).src;                                          \
			(Cur).off = (Cur).end = YYRHSLOC(Rhs, 0).end;                              \
		}                                                                                  \
	} while (0)
}

%code {
#include <limits.h>
#include <string.h>

#include "lang/diag.h"
#include "lang/lex.h"

#define YYMAXDEPTH 5000

static int yylex(YYSTYPE *val, YYLTYPE *loc, struct lexer *lx, struct ast *t)
{
	int tok = lex_next(lx, val, loc, t);

	if (t->trace)
		lex_print(t->trace, tok, val);
	return tok;
}

static void yyerror(YYLTYPE *loc, struct lexer *lx, struct ast *t, const char *msg)
{
	(void)lx;
	(void)t;
	if (!strcmp(msg, "memory exhausted"))
		diag_error(*loc, "nesting too deep");
	else
		diag_error(*loc, "%s", msg);
}

/* The word of one WORD token. */
static struct word *plain(struct ast *t, struct tok_text w, struct loc loc)
{
	return ast_plainword(t, w.s, w.len, loc);
}

static struct loc span(struct loc a, struct loc b)
{
	a.end = b.end;
	return a;
}
}

%union {
	struct tok_text text;
	struct tok_indent indent;
	struct tok_header *header;
	long num;
	enum assign_op op;
	struct piece *piece;
	struct word *word;
	struct expr *expr;
	struct param *param;
	struct plist plist;
	struct wlist wlist;
	struct elist elist;
	struct rlist rlist;
	struct parlist parlist;
}

%token END 0
%token NEWLINE
%token SEP
%token <text> TEXT
%token <text> WORD
%token <piece> VAR
%token <text> VARWORD
%token <text> SQSTR
%token DQ
%token LINTERP
%token RINTERP
%token <text> IDENT
%token <text> STRLIT
%token <num> NUMBER
%token COLON
%token BAR
%token EQ
%token PLUSEQ
%token QEQ
%token LPAREN
%token RPAREN
%token COMMA
%token LBRACK
%token RBRACK
%token TASK
%token INCLUDE
%token POOL
%token <text> DOC
%token <text> ATTR
%token <indent> INDENT
%token <rlist> SHARED
%token <header> HEADER
%token LEXERR
%token EQEQ NE ANDAND OROR NOT
%token IF ELSEIF ELSE ENDIF
%token EXPORT DOTENV

%left OROR
%left ANDAND
%nonassoc EQEQ NE
%precedence NOT

%type <op> assignop
%type <piece> piece dqpiece rpiece
%type <word> word cword
%type <expr> expr postfix primary
%type <num> lo hi
%type <param> tparam
%type <plist> pieces dqpieces rpieces
%type <wlist> words wordlist deps
%type <elist> args arglist
%type <rlist> recipe
%type <parlist> tparams

%%

file: %empty
    | file stmt
    ;

stmt: DOC                                  { ast_doc(t, $1.s, $1.len, @1); }
    | words assignop words NEWLINE         { ast_assign(t, $1, $2, $3, span(@1, @3)); }
    | HEADER recipe                        { ast_rule(t, $1->outs, $1->ins, $1->order, $2,
                                                      $1->loc); }
    | words COLON words NEWLINE recipe     { ast_rule(t, $1, $3, (struct wlist){0}, $5, @1); }
    | words COLON words BAR words NEWLINE recipe
                                           { ast_rule(t, $1, $3, $5, $7, @1); }
    | TASK tparams deps NEWLINE recipe     { ast_task(t, $2, $3, $5, span(@1, @2)); }
    | INCLUDE words NEWLINE                { ast_include(t, $2, span(@1, @2)); }
    | POOL words NEWLINE                   { ast_pool(t, $2, span(@1, @2)); }
    | EXPORT words assignop words NEWLINE  { ast_export(t, $2, $3, $4, true, span(@1, @4)); }
    | EXPORT words NEWLINE                 { ast_export(t, $2, AS_SET, (struct wlist){0}, false,
                                                        span(@1, @2)); }
    | DOTENV words NEWLINE                 { ast_dotenv(t, $2, span(@1, @2)); }
    | IF expr NEWLINE                      { ast_if(t, $2, span(@1, @2)); }
    | IF error NEWLINE                     { yyerrok; ast_if(t, NULL, @1); }
    | ELSEIF expr NEWLINE                  { ast_elseif(t, $2, span(@1, @2)); }
    | ELSEIF error NEWLINE                 { yyerrok; ast_elseif(t, NULL, @1); }
    | ELSE NEWLINE                         { ast_else(t, @1); }
    | ENDIF NEWLINE                        { ast_end(t, @1); }
    | words COLON words COLON words NEWLINE recipe
                                           { ast_static(t, $1, $3, $5, (struct wlist){0}, $7,
                                                        @1); }
    | words COLON words COLON words BAR words NEWLINE recipe
                                           { ast_static(t, $1, $3, $5, $7, $9, @1); }
    | ATTR RBRACK NEWLINE                  { ast_attr(t, $1.s, $1.len, false,
                                                      (struct plist){0}, span(@1, @2)); }
    | ATTR COLON rpieces RBRACK NEWLINE    { ast_attr(t, $1.s, $1.len, true, $3, span(@1, @4)); }
    | error NEWLINE recipe                 { yyerrok; ast_nodoc(t); }
    /* a line lexed whole after a mistake at its start (a NUL byte): what is
     * left of the line, as error NEWLINE leaves it */
    | error HEADER recipe                  { yyerrok; ast_nodoc(t); }
    ;

assignop: EQ     { $$ = AS_SET; }
        | PLUSEQ { $$ = AS_APPEND; }
        | QEQ    { $$ = AS_DEFAULT; }
        ;

deps: %empty      { $$ = (struct wlist){0}; }
    | COLON words { $$ = $2; }
    ;

tparams: tparam             { $$ = parlist_add((struct parlist){0}, $1); }
       | tparams SEP tparam { $$ = parlist_add($1, $3); }
       ;

tparam: word         { $$ = ast_param(t, $1, NULL, @$); }
      | word EQ word { $$ = ast_param(t, $1, $3, @$); }
      ;

words: %empty   { $$ = (struct wlist){0}; }
     | wordlist
     ;

/* a WORD goes into the list in one step: most words are one */
wordlist: cword             { $$ = wlist_add((struct wlist){0}, $1); }
        | WORD              { $$ = wlist_add((struct wlist){0}, plain(t, $1, @1)); }
        | VARWORD           { $$ = wlist_add((struct wlist){0}, ast_varword(t, $1.s, $1.len, @1)); }
        | wordlist SEP cword { $$ = wlist_add($1, $3); }
        | wordlist SEP WORD { $$ = wlist_add($1, plain(t, $3, @3)); }
        | wordlist SEP VARWORD { $$ = wlist_add($1, ast_varword(t, $3.s, $3.len, @3)); }
        ;

word: cword
    | WORD  { $$ = plain(t, $1, @1); }
    | VARWORD { $$ = ast_varword(t, $1.s, $1.len, @1); }
    ;

cword: pieces { $$ = ast_word(t, $1, @$); }
     ;

pieces: piece        { $$ = plist_add((struct plist){0}, $1); }
      | pieces piece { $$ = plist_add($1, $2); }
      ;

piece: TEXT                   { $$ = ast_text(t, $1.s, $1.len, @$); }
     | SQSTR                  { $$ = ast_quoted(t, plist_add((struct plist){0},
                                        ast_text(t, $1.s, $1.len, @$)), @$); }
     | DQ dqpieces DQ         { $$ = ast_quoted(t, $2, @$); }
     | LINTERP expr RINTERP   { $$ = ast_interp(t, $2, @2); }
     | VAR
     ;

dqpieces: %empty            { $$ = (struct plist){0}; }
        | dqpieces dqpiece  { $$ = plist_add($1, $2); }
        ;

dqpiece: TEXT                 { $$ = ast_text(t, $1.s, $1.len, @$); }
       | LINTERP expr RINTERP { $$ = ast_interp(t, $2, @2); }
       | VAR
       ;

recipe: %empty                         { $$ = (struct rlist){0}; }
      | SHARED
      | recipe INDENT rpieces NEWLINE  { $$ = rlist_add($1, ast_rline(t, $2.indent, $2.blanks,
                                                        $3, span(@2, @3))); }
      ;

rpieces: %empty          { $$ = (struct plist){0}; }
       | rpieces rpiece  { $$ = plist_add($1, $2); }
       ;

rpiece: TEXT                 { $$ = ast_text(t, $1.s, $1.len, @$); }
      | LINTERP expr RINTERP { $$ = ast_interp(t, $2, @2); }
      | VAR
      ;

expr: postfix
    | NOT expr       { $$ = ast_op(t, EX_NOT, $2, NULL, @$); }
    | expr EQEQ expr { $$ = ast_op(t, EX_EQ, $1, $3, @$); }
    | expr NE expr   { $$ = ast_op(t, EX_NE, $1, $3, @$); }
    | expr ANDAND expr { $$ = ast_op(t, EX_AND, $1, $3, @$); }
    | expr OROR expr { $$ = ast_op(t, EX_OR, $1, $3, @$); }
    ;

postfix: primary
       | postfix LBRACK NUMBER RBRACK      { $$ = ast_index(t, $1, $3, @$); }
       | postfix LBRACK lo COLON hi RBRACK { $$ = ast_slice(t, $1, $3, $5, @$); }
       ;

lo: %empty { $$ = 0; }
  | NUMBER
  ;

hi: %empty { $$ = LONG_MAX; }
  | NUMBER
  ;

primary: IDENT                     { $$ = ast_var(t, $1.s, $1.len, @$); }
       | STRLIT                    { $$ = ast_str(t, $1.s, $1.len, @$); }
       | DQ dqpieces DQ            { $$ = ast_quotedexpr(t, $2, @$); }
       | NUMBER                    { $$ = ast_num(t, @$); (void)$1; }
       | IDENT LPAREN args RPAREN  { $$ = ast_call(t, ast_var(t, $1.s, $1.len, @1), $3, @$); }
       | LPAREN expr RPAREN        { $$ = $2; }
       ;

args: %empty   { $$ = (struct elist){0}; }
    | arglist
    ;

arglist: expr               { $$ = elist_add((struct elist){0}, $1); }
       | arglist COMMA expr { $$ = elist_add($1, $3); }
       ;

%%

/* A token's name for messages. */
static const char *tokname(yysymbol_kind_t k)
{
	switch (k) {
#define YYSYMBOL_END YYSYMBOL_YYEOF /* the token numbered 0 */
#define MSG(tok, msg) case YYSYMBOL_##tok: return msg;
	LEX_TOKENS(MSG)
#undef MSG
	default: return "invalid text";
	}
}

/* Expected tokens worth naming: word pieces and blanks are implied by context. */
static const char *expectname(yysymbol_kind_t k)
{
	switch (k) {
	case YYSYMBOL_SEP:
	case YYSYMBOL_SQSTR:
	case YYSYMBOL_DQ:
	case YYSYMBOL_LINTERP:
	case YYSYMBOL_VAR:
	case YYSYMBOL_VARWORD:
	case YYSYMBOL_LEXERR:
	case YYSYMBOL_HEADER:
	case YYSYMBOL_PLUSEQ:
	case YYSYMBOL_QEQ:
		return NULL;
	case YYSYMBOL_LPAREN:
		return "an expression";
	case YYSYMBOL_TEXT:
	case YYSYMBOL_WORD:
		return "a word";
	default:
		return tokname(k);
	}
}

/* After a mistake at loc: if its line comes right after a rule's header or
 * recipe, it may be a recipe line that is not indented: say so. */
static void loosehint(const struct lexer *lx, struct loc loc)
{
	const unsigned char *from = lx->buf + lx->loose;

	if (lx->loose == UINT32_MAX || loc.src != lx->src || loc.off < lx->loose ||
	    memchr(from, '\n', loc.off - lx->loose))
		return;
	diag_note((struct loc){0}, "recipe lines are indented (with spaces or a tab): if "
				   "this line belongs to the recipe above, indent it");
}

static int yyreport_syntax_error(const yypcontext_t *ctx, struct lexer *lx, struct ast *t)
{
	yysymbol_kind_t exp[YYNTOKENS];
	const char *names[YYNTOKENS];
	yysymbol_kind_t la = yypcontext_token(ctx);
	struct loc loc = *yypcontext_location(ctx);
	struct buf b = {0};
	int n, i, j, k = 0;

	if (t->lexerr) {
		/* the lexer already said what is wrong here */
		t->lexerr = false;
		loosehint(lx, loc);
		return 0;
	}
	if (la == YYSYMBOL_INDENT) {
		diag_error(loc, t->nifs ? "indented line outside a recipe (the lines inside 'if' "
					  "start at the start of the line, as elsewhere)"
					: "indented line outside a recipe (a recipe follows a rule or "
					  "task header)");
		return 0;
	}
	const struct source *s = source_get(loc.src);
	if (la == YYSYMBOL_TEXT || la == YYSYMBOL_WORD || la == YYSYMBOL_IDENT ||
	    la == YYSYMBOL_NUMBER) {
		size_t len = loc.end - loc.off;
		buf_printf(&b, "unexpected '%.*s'", len > 40 ? 40 : (int)len, s->text + loc.off);
	} else {
		buf_printf(&b, "unexpected %s", tokname(la));
	}
	n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
	for (i = 0; i < n; i++) {
		const char *name = expectname(exp[i]);
		if (!name)
			continue;
		for (j = 0; j < k && strcmp(names[j], name); j++)
			;
		if (j == k)
			names[k++] = name;
	}
	for (i = 0; i < k; i++)
		buf_printf(&b, "%s%s", i == 0 ? ", expected " : i == k - 1 ? " or " : ", ", names[i]);
	if (!k && (la == YYSYMBOL_EQEQ || la == YYSYMBOL_NE))
		buf_puts(&b, " (comparisons do not chain: join them with && or ||)");
	diag_error(loc, "%s", b.s);
	loosehint(lx, loc);
	buf_free(&b);
	return 0;
}

bool parse_headers = true;

/* Where lex_dump has the tokens printed as the parser takes them, or NULL. */
static struct buf *parse_trace;

void lex_dump(struct buf *b, uint32_t src)
{
	struct arena a = {0};
	struct stmt *s;

	parse_trace = b;
	parse_source(&a, NULL, src, &s, NULL);
	parse_trace = NULL;
	arena_free(&a);
}

bool parse_source(struct arena *a, struct segments *segs, uint32_t src, struct stmt **out,
		  struct stmts *all)
{
	struct lexer lx;
	struct ast t = {0};
	int before = diag_errors(), rc;

	t.arena = a;
	t.segs = segs;
	t.all = all;
	t.words = segs ? segments_last(segs) : a;
	t.src = src;
	t.trace = parse_trace;
	lex_init(&lx, src);
	lx.headers = parse_headers;
	rc = yyparse(&lx, &t);
	ast_endattrs(&t);
	ast_endifs(&t);
	buf_free(&t.doc);
	htab_free(&t.recipes);
	htab_free(&t.names);
	*out = t.head;
	return rc == 0 && diag_errors() == before;
}
