/* The summary of a build's failures, printed as it ends: status_finish's. */
#include "run/status.h"

#include <string.h>

#include "base/out.h"
#include "graph/graph.h"
#include "plan/plan.h"
#include "run/sched.h"

/* The summary of the failures: each failed job with what happened, how long it
 * ran, its command and its last lines; then what was not built. */
void status_summary(struct status *s, const struct sched_result *r)
{
	struct buf b = {0};
	const char *bold = out_style(OUT_STDERR, STYLE_BOLD), *red = out_style(OUT_STDERR, STYLE_RED),
		   *reset = out_style(OUT_STDERR, STYLE_RESET), *p, *nl;
	size_t i, k;

	if (!s->nfails)
		return;
	buf_printf(&b, "baton: %s:\n", s->nfails == 1 ? "what failed" : "what failed, in order");
	for (i = 0; i < s->nfails; i++) {
		const struct failure *f = &s->fails[i];
		buf_printf(&b, "  %s%s%s: %s%s%s after %lld.%02lld s\n", bold, edge_name(f->e), reset,
			   red, f->what, reset, (long long)(f->ms / 1000),
			   (long long)(f->ms % 1000 / 10));
		if (f->script && *f->script) {
			buf_puts(&b, "    command:\n");
			for (p = f->script; *p; p = nl + 1) {
				nl = strchr(p, '\n');
				if (!nl)
					nl = p + strlen(p) - 1;
				buf_printf(&b, "      %.*s\n", (int)(nl - p), p);
			}
		}
		if (f->tail.len) {
			buf_printf(&b, "    its last lines:\n");
			for (p = f->tail.s; *p; p = nl + 1) {
				nl = strchr(p, '\n');
				buf_printf(&b, "      %.*s\n", (int)(nl - p), p);
			}
		}
		if (f->ran && s->plan && s->plan->o.log)
			buf_printf(&b, "    all of its output: baton --log %s\n", edge_name(f->e));
	}
	if (r->blocked && s->keep_going && s->plan) {
		size_t n = 0;
		buf_puts(&b, "  not built because of the failures:");
		for (k = 0; k < s->plan->nwork; k++) {
			const struct edge *e = s->plan->work[k];
			if (!plan_st(s->plan, e)->blocked)
				continue;
			if (n++ < 20)
				buf_printf(&b, " %s", edge_name(e));
		}
		if (n > 20)
			buf_printf(&b, " and %zu more", n - 20);
		buf_putc(&b, '\n');
	}
	out_write(OUT_STDERR, b.s, b.len);
	buf_free(&b);
}
