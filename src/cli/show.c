/* What baton shows of a Taskfile rather than building it: the list of tasks
 * and documented rules, its tokens and its syntax tree. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/out.h"
#include "cli/cli.h"
#include "graph/taskfile.h"
#include "lang/diag.h"
#include "lang/lex.h"

int show_tokens(const char *path)
{
	uint32_t src = source_load(path);
	struct buf b = {0};

	if (!src) {
		out_note("cannot read '%s': %s", path, strerror(errno));
		return EXIT_USAGE;
	}
	lex_dump(&b, src);
	out_write(OUT_STDOUT, b.s, b.len);
	buf_free(&b);
	source_free_all();
	return diag_errors() ? EXIT_USAGE : 0;
}

void show_ast(const struct taskfile *l)
{
	struct buf b = {0};
	size_t i;

	for (i = 0; i < l->nrules; i++) {
		const struct stmt *s = l->rules[i], *next = s->next;
		((struct stmt *)s)->next = NULL;
		ast_dump(&b, s);
		((struct stmt *)s)->next = (struct stmt *)next;
	}
	out_write(OUT_STDOUT, b.s ? b.s : "", b.len);
	buf_free(&b);
}

/* Whether a task or rule is left out of the list: [private], or a task whose
 * name starts with '_'. */
static bool private(const struct stmt *s)
{
	size_t len = 0;
	const char *name = s->kind == ST_TASK ? word_text(s->hdr->outputs, &len) : NULL;

	return (name && len && name[0] == '_') || ast_getattr(s, "private");
}

/* " (alias: d)" for a task's [alias: d], as written. */
static void showalias(struct buf *b, const struct stmt *s)
{
	const struct attr *a = ast_getattr(s, "alias");
	const struct source *src;
	const char *t, *end;

	if (!a || !(src = source_get(a->loc.src)) || a->loc.end > src->len)
		return;
	t = src->text + a->loc.off;
	end = src->text + a->loc.end;
	while (t < end && *t != ':')
		t++;
	for (t++; t < end && (*t == ' ' || *t == '\t'); t++)
		;
	while (end > t && (end[-1] == ']' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	buf_printf(b, " (alias: %.*s)", (int)(end - t), t);
}

/* Print tasks and documented rules, with parameters and doc comments. */
void show_list(const struct taskfile *l)
{
	struct buf *names = xcalloc(l->nrules + 1, sizeof(*names));
	size_t i, width = 0, n = 0;

	for (i = 0; i < l->nrules; i++) {
		const struct stmt *s = l->rules[i];
		const struct param *p;
		struct buf *b = &names[i];
		if ((s->kind != ST_TASK && !s->doc) || private(s))
			continue;
		if (s->kind == ST_TASK) {
			const struct source *src = source_get(s->loc.src);
			size_t len = 0;
			const char *name = word_text(s->hdr->outputs, &len);
			buf_add(b, name ? name : "", len);
			for (p = s->params; p; p = p->next)
				buf_printf(b, " %.*s", (int)(p->loc.end - p->loc.off),
					   src->text + p->loc.off);
			showalias(b, s);
		} else {
			const struct source *src = source_get(s->loc.src);
			buf_printf(b, "%.*s", (int)(s->loc.end - s->loc.off), src->text + s->loc.off);
		}
		if (b->len > width)
			width = b->len;
		n++;
	}
	if (n)
		out_puts(OUT_STDOUT, "Tasks and documented rules:\n");
	for (i = 0; i < l->nrules; i++) {
		const struct stmt *s = l->rules[i];
		if (!names[i].s)
			continue;
		if (s->doc) {
			struct buf line = {0};
			buf_printf(&line, "    %-*s  # ", (int)width, names[i].s);
			for (const char *d = s->doc; *d; d++)
				buf_putc(&line, *d == '\n' ? ' ' : *d);
			buf_putc(&line, '\n');
			out_write(OUT_STDOUT, line.s, line.len);
			buf_free(&line);
		} else {
			out_printf(OUT_STDOUT, "    %s\n", names[i].s);
		}
		buf_free(&names[i]);
	}
	free(names);
}

