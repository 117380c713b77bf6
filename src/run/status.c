#include "run/status.h"

#include <string.h>

#include "base/out.h"
#include "graph/graph.h"
#include "lang/diag.h"
#include "os/os.h"
#include "plan/plan.h"
#include "run/sched.h"

void status_init(struct status *s, const struct plan *p, size_t total)
{
	memset(s, 0, sizeof(*s));
	s->plan = p;
	s->total = total;
}

void status_free(struct status *s)
{
	buf_free(&s->line);
}

/* The reasons e runs, on stderr: one line each, a recipe's changed lines as
 * they are. */
static void explain(const struct status *s, const struct edge *e)
{
	const char *p, *nl, *why = s->explain && s->plan ? plan_why(s->plan, e) : NULL;
	struct buf b = {0};

	if (!why)
		return;
	for (p = why; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (p[0] == ' ' && p[1] == ' ')
			buf_printf(&b, "%.*s\n", (int)(nl - p), p);
		else
			buf_printf(&b, "baton: explain: '%s': %.*s\n", edge_name(e), (int)(nl - p), p);
	}
	out_write(OUT_STDERR, b.s, b.len);
	buf_free(&b);
}

void status_started(struct status *s, const struct edge *e, const char *script)
{
	const char *p, *nl;

	explain(s, e);
	s->started++;
	/* one write per job, and no printf: a dry run of many jobs is mostly this */
	s->line.len = 0;
	buf_putc(&s->line, '[');
	buf_num(&s->line, s->started);
	buf_putc(&s->line, '/');
	buf_num(&s->line, s->total);
	buf_add(&s->line, "] ", 2);
	buf_puts(&s->line, edge_name(e));
	buf_putc(&s->line, '\n');
	if (s->scripts) {
		for (p = script; *p; p = nl + 1) {
			nl = strchr(p, '\n'); /* every line of a script ends with one */
			if (nl != p)
				buf_add(&s->line, "    ", 4);
			buf_add(&s->line, p, (size_t)(nl + 1 - p));
		}
	}
	out_write(OUT_STDOUT, s->line.s, s->line.len);
}

void status_output(struct status *s, const struct edge *e, const char *p, size_t n)
{
	(void)s;
	(void)e;
	if (!n)
		return;
	out_write(OUT_STDOUT, p, n);
	if (p[n - 1] != '\n')
		out_write(OUT_STDOUT, "\n", 1);
}

void status_failed(struct status *s, const struct edge *e, const char *what)
{
	(void)s;
	diag_error(e->loc, "'%s' failed: %s", edge_name(e), what);
}

void status_failed_errno(struct status *s, const struct edge *e, const char *what,
			 const char *arg, int err)
{
	struct buf msg = {0};

	buf_printf(&msg, what, arg);
	buf_printf(&msg, ": %s", strerror(err));
	status_failed(s, e, msg.s);
	buf_free(&msg);
}

void status_ended(struct status *s, const struct sched_result *r, bool keep_going, int sig)
{
	(void)s;
	if (sig)
		out_note("interrupted by %s", os_signame(sig));
	else if (r->failed && keep_going)
		out_note("%zu job%s failed", r->failed, r->failed == 1 ? "" : "s");
	else if (r->failed)
		out_note("build stopped: %zu job%s failed", r->failed, r->failed == 1 ? "" : "s");
}

void status_nothing(void)
{
	out_puts(OUT_STDOUT, "baton: nothing to do\n");
}
