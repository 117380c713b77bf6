#include "run/status.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/out.h"
#include "graph/graph.h"
#include "lang/ast.h"
#include "lang/diag.h"
#include "os/os.h"
#include "plan/plan.h"
#include "run/loop.h"
#include "run/sched.h"

enum { TICK_NS = 200 * 1000 * 1000, EVENT_NS = 50 * 1000 * 1000, TAIL_LINES = 10,
       LONGEST_LINE = 64 * 1024 };

void status_init(struct status *s, const struct plan *p, struct loop *loop,
		 enum output_mode mode)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->plan = p;
	s->loop = loop;
	s->mode = mode;
	s->bold = out_style(OUT_STDOUT, STYLE_BOLD);
	s->reset = out_style(OUT_STDOUT, STYLE_RESET);
	s->total = p ? p->njobs : 0;
	s->oflen = (size_t)snprintf(s->of, sizeof(s->of), "/%zu] ", s->total);
	if (p) {
		for (i = 0; i < p->nwork; i++) {
			const struct estate *st = plan_st(p, p->work[i]);
			if (!edge_hasjob(p->work[i]))
				continue;
			s->known_ms += st->weight - 1;
			s->estimate = s->estimate || st->weight > 1;
		}
	}
	if (mode != OUTPUT_ORDERED || !p)
		return;
	s->order = xcalloc(p->njobs + 1, sizeof(*s->order));
	s->norder = plan_in_order(p, s->order);
	s->nblocks = p->nst;
	s->blocks = xcalloc(s->nblocks + 1, sizeof(*s->blocks));
	s->place = xcalloc(s->nblocks + 1, sizeof(*s->place));
	for (i = 0; i < s->norder; i++)
		s->place[s->order[i]->id] = i + 1;
}

void status_number_from(struct status *s, size_t before, size_t later)
{
	s->before = before;
	s->started = s->ended = before;
	s->total += before + later;
	s->oflen = (size_t)snprintf(s->of, sizeof(s->of), "/%zu] ", s->total);
}

static void freeblock(struct block *b)
{
	if (b && b != NOBLOCK) {
		output_free(&b->out);
		free(b->script);
		free(b);
	}
}

void status_free(struct status *s)
{
	size_t i;

	for (i = 0; i < s->nfails; i++) {
		free(s->fails[i].what);
		free(s->fails[i].script);
		buf_free(&s->fails[i].tail);
	}
	for (i = 0; i < s->nlater; i++) {
		output_free(&s->later[i].v.out);
		buf_free(&s->later[i].v.part);
		free(s->later[i].v.copy);
		free(s->later[i].what);
	}
	free(s->later);
	for (i = 0; i < s->nblocks; i++)
		freeblock(s->blocks[i]);
	free(s->blocks);
	free(s->place);
	free(s->order);
	free(s->fails);
	free(s->running);
	buf_free(&s->line);
	if (s->timer)
		loop_cancel(s->loop, s->timer);
	if (s->soon)
		loop_cancel(s->loop, s->soon);
}

/* "m:ss" of a number of milliseconds. */
static void clock_text(struct buf *b, uint64_t ms)
{
	uint64_t sec = ms / 1000;

	if (sec >= 3600)
		buf_printf(b, "%llu:%02llu:%02llu", (unsigned long long)(sec / 3600),
			   (unsigned long long)(sec / 60 % 60), (unsigned long long)(sec % 60));
	else
		buf_printf(b, "%llu:%02llu", (unsigned long long)(sec / 60),
			   (unsigned long long)(sec % 60));
}

/* Cut b to at most n bytes, on a character's start, not inside one. */
static void cut(struct buf *b, size_t n)
{
	if (b->len <= n)
		return;
	while (n > 0 && ((unsigned char)b->s[n] & 0xc0) == 0x80)
		n--;
	b->len = n;
	b->s[n] = '\0';
}

/* The status line: "[12/40] 3 running: a b c  0:07, ~0:15 left", cut to
 * the width of the terminal: the names are cut ("...") to keep the clock. */
static void draw(struct status *s)
{
	struct buf b = {0}, t = {0};
	int64_t now;
	uint64_t left = 0;
	unsigned width;
	size_t i, room;

	if (!s->live || s->held)
		return;
	now = loop_now(s->loop);
	s->drawn = now;
	buf_puts(&t, "  ");
	clock_text(&t, (uint64_t)(now - s->begin) / 1000000);
	if (s->estimate) {
		/* what the jobs not ended yet took last time, shared by those that
		 * run at once, less what the running ones have done */
		uint64_t ran = 0, par = s->nrunning ? s->nrunning : 1;
		for (i = 0; i < s->nrunning; i++)
			ran += (uint64_t)(now - s->running[i]->start) / 1000000;
		left = s->known_ms > ran ? (s->known_ms - ran) / par : 0;
		buf_puts(&t, ", ~");
		clock_text(&t, left);
		buf_puts(&t, " left");
	}
	width = out_width(OUT_STDOUT);
	room = width > 1 ? width - 1 : 1; /* the last column would wrap on some */
	buf_printf(&b, "[%zu/%zu] %zu running", s->ended, s->total, s->nrunning);
	for (i = 0; i < s->nrunning && b.len + t.len <= room; i++)
		buf_printf(&b, "%s %s", i ? "" : ":", edge_name(s->running[i]->e));
	if (b.len + t.len > room) {
		cut(&b, room > t.len + 3 ? room - t.len - 3 : 0);
		buf_puts(&b, "...");
	}
	buf_add(&b, t.s, t.len);
	cut(&b, room);
	out_status(OUT_STDOUT, b.s);
	buf_free(&b);
	buf_free(&t);
}

static void soon(void *ctx)
{
	struct status *s = ctx;

	s->soon = 0;
	draw(s);
}

/* A job started or ended: the status line is drawn again, but not more
 * often than every EVENT_NS (a timer draws what came in between): with many
 * short jobs, drawing it for each would cost more than they do. Erased for
 * other output, it is drawn again anyway: with what is true now. */
static void changed(struct status *s)
{
	if (!s->live)
		return;
	if (!out_status_shown() || loop_now(s->loop) - s->drawn >= EVENT_NS)
		draw(s);
	else if (!s->soon)
		s->soon = loop_timer(s->loop, s->drawn + EVENT_NS, soon, s);
}

static void tick(void *ctx)
{
	struct status *s = ctx;

	draw(s);
	s->timer = loop_timer(s->loop, loop_now(s->loop) + TICK_NS, tick, s);
}

static void resized(void *ctx, int sig)
{
	(void)sig;
	draw(ctx);
}

void status_begin(struct status *s)
{
	s->begin = loop_now(s->loop);
	if (!s->live)
		return;
	loop_signal(s->loop, SIGWINCH, resized, s);
	s->timer = loop_timer(s->loop, s->begin + TICK_NS, tick, s);
	draw(s);
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

/* End the line that a job printed and did not end (--output=stream), before
 * something else is printed. */
static void endline(struct status *s)
{
	if (s->midline) {
		out_write(OUT_STDOUT, "\n", 1);
		s->midline = false;
	}
}

/* The line "[i/N] name" of v's job, with its script under it when asked: one
 * write per job, and no printf (a dry run of many jobs is mostly this). */
static void header(struct status *s, struct jobview *v)
{
	const char *p, *nl;

	endline(s);
	s->last = v;
	if (!v->explained) {
		explain(s, v->e);
		v->explained = true;
	}
	if (v->quiet)
		return;
	s->line.len = 0;
	buf_putc(&s->line, '[');
	buf_num(&s->line, v->index);
	buf_add(&s->line, s->of, s->oflen); /* "/N] " */
	if (*s->bold) {
		buf_puts(&s->line, s->bold);
		buf_puts(&s->line, edge_name(v->e));
		buf_puts(&s->line, s->reset);
	} else {
		buf_puts(&s->line, edge_name(v->e));
	}
	buf_putc(&s->line, '\n');
	if (s->scripts && v->script && !v->lined) { /* not again over its block */
		for (p = v->script; *p; p = nl + 1) {
			nl = strchr(p, '\n'); /* every line of a script ends with one */
			if (nl != p)
				buf_add(&s->line, "    ", 4);
			buf_add(&s->line, p, (size_t)(nl + 1 - p));
		}
	}
	out_write(OUT_STDOUT, s->line.s, s->line.len);
	v->lined = true;
}

/* Whether v's line is printed as it starts: when it has the terminal, for
 * output that follows as it comes, or for its script (-v, -n). Else it comes
 * with the job's block when it ends, numbered by the jobs ended so far: a
 * block is always under its own job's line. */
static bool lineatstart(const struct status *s, const struct jobview *v)
{
	if (v->console)
		return true;
	if (s->mode == OUTPUT_ORDERED)
		return false;
	return s->scripts || s->mode == OUTPUT_STREAM || (s->mode == OUTPUT_PREFIXED && !s->live);
}

void status_started(struct status *s, struct jobview *v, const char *script)
{
	s->started++;
	v->script = script;
	if (s->mode == OUTPUT_ORDERED && s->scripts && script) {
		/* printed when its turn comes: the job's may be gone by then */
		v->copy = strcpy(xmalloc(strlen(script) + 1), script);
		v->script = v->copy;
	}
	v->quiet = v->quiet || s->quiet;
	v->start = s->timed ? loop_now(s->loop) : 0;
	xgrow((void **)&s->running, &s->caprunning, s->nrunning + 1, sizeof(*s->running));
	s->running[s->nrunning++] = v;
	if (v->console) {
		/* the terminal is the job's: the status line goes, and the other
		 * jobs' output waits */
		if (!s->held++ && s->live)
			out_status(OUT_STDOUT, NULL);
	}
	if (s->live)
		out_batch(true);
	if (lineatstart(s, v))
		v->index = s->started;
	if (s->held && !v->console)
		; /* a console job has the terminal: its line waits */
	else if (lineatstart(s, v) || v->quiet)
		header(s, v); /* (quiet: the reasons it runs, if asked for) */
	if (s->live) {
		changed(s);
		out_batch(false);
	}
}

/* Print the lines of text that are complete, each after v's prefix; keep the
 * rest in v->part. A line longer than LONGEST_LINE is printed in pieces of
 * that size, each a line of its own: what is kept stays bounded. */
static void prefixed(struct status *s, struct jobview *v, const char *p, size_t n)
{
	struct buf b = {0};
	const char *nl, *end;
	size_t len;

	buf_add(&v->part, p, n);
	p = v->part.s;
	end = p + v->part.len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl && (size_t)(end - p) < LONGEST_LINE)
			break;
		len = nl ? (size_t)(nl + 1 - p) : LONGEST_LINE;
		buf_printf(&b, "%s[%s]%s ", out_style(OUT_STDOUT, STYLE_BOLD), edge_name(v->e),
			   out_style(OUT_STDOUT, STYLE_RESET));
		buf_add(&b, p, len);
		if (!nl)
			buf_putc(&b, '\n');
		p += len;
	}
	if (b.len)
		out_write(OUT_STDOUT, b.s, b.len);
	buf_free(&b);
	memmove(v->part.s, p, (size_t)(end - p));
	v->part.len = (size_t)(end - p);
	(void)s;
}

/* Print n bytes of v's output as they come (--output=stream and prefixed). */
static void live(struct status *s, struct jobview *v, const char *p, size_t n)
{
	if (s->mode == OUTPUT_STREAM) {
		if (s->last != v)
			header(s, v);
		out_write(OUT_STDOUT, p, n);
		s->midline = p[n - 1] != '\n';
	} else if (s->mode == OUTPUT_PREFIXED) {
		prefixed(s, v, p, n);
	}
}

void status_output(struct status *s, struct jobview *v, const char *p, size_t n)
{
	output_add(&v->out, p, n);
	if (s->held || !n)
		return; /* a console job has the terminal: it waits */
	live(s, v, p, n);
	v->shown = v->out.size;
}

struct catchup {
	struct status *s;
	struct jobview *v;
};

static void livepiece(void *ctx, const char *p, size_t n)
{
	struct catchup *c = ctx;

	live(c->s, c->v, p, n);
}

/* Print what v's job printed while a console job had the terminal. */
static void catchup(struct status *s, struct jobview *v)
{
	struct catchup c = {s, v};

	if (v->shown < v->out.size)
		output_each(&v->out, v->shown, livepiece, &c);
	v->shown = v->out.size;
}

/* Print the block of output o of the job v describes, under its own line. */
static void block(struct status *s, struct jobview *v, const struct output *o)
{
	if (!o->size)
		return;
	if (s->last != v)
		header(s, v);
	output_print(o, OUT_STDOUT);
}

/* --output=ordered: print the blocks whose turn has come. */
static void advance(struct status *s)
{
	if (s->held)
		return; /* a console job has the terminal */
	while (s->next < s->norder) {
		const struct edge *e = s->order[s->next];
		struct block *b = e->id < s->nblocks ? s->blocks[e->id] : NULL;
		if (!b)
			return;
		s->blocks[e->id] = NULL;
		s->next++;
		if (b == NOBLOCK)
			continue; /* nothing to print: it did not run, or it was printed */
		{
			struct jobview v = {.e = e, .index = s->before + s->next, .script = b->script};
			v.quiet = s->quiet || (e->rule->attrs && ast_getattr(e->rule, "quiet"));
			header(s, &v);
			output_print(&b->out, OUT_STDOUT);
			s->last = NULL;
		}
		freeblock(b);
	}
}

/* Note that e's block is ready for its turn: b (taken), or NOBLOCK. */
static void ready(struct status *s, const struct edge *e, struct block *b)
{
	if (e->id >= s->nblocks)
		return;
	freeblock(s->blocks[e->id]);
	s->blocks[e->id] = b;
	advance(s);
}

static void remember(struct status *s, struct jobview *v, const char *what)
{
	struct failure *f;

	xgrow((void **)&s->fails, &s->capfails, s->nfails + 1, sizeof(*s->fails));
	f = &s->fails[s->nfails++];
	memset(f, 0, sizeof(*f));
	f->e = v->e;
	f->what = strcpy(xmalloc(strlen(what) + 1), what);
	if (v->script)
		f->script = strcpy(xmalloc(strlen(v->script) + 1), v->script);
	f->ms = s->timed ? (loop_now(s->loop) - v->start) / 1000000 : 0;
	f->ran = v->ran;
	output_tail(&v->out, TAIL_LINES, &f->tail);
}

/* Show that v's job ended: what it printed not shown yet, its line if it
 * was not printed, its block, and its failure. */
static void finish(struct status *s, struct jobview *v, bool ok, const char *what)
{
	if (!v->lined && !v->console && lineatstart(s, v))
		header(s, v); /* it started while a console job ran */
	catchup(s, v);
	switch (v->console ? OUTPUT_STREAM : s->mode) {
	case OUTPUT_STREAM:
		if (s->last == v)
			endline(s);
		break;
	case OUTPUT_PREFIXED:
		if (v->part.len) {
			buf_putc(&v->part, '\n');
			prefixed(s, v, "", 0);
		}
		break;
	case OUTPUT_BUFFERED:
		/* its line now, numbered by the jobs ended: on a terminal only
		 * over output, or a failure */
		if (!v->lined && (!s->live || v->out.size || !ok))
			header(s, v);
		block(s, v, &v->out);
		break;
	case OUTPUT_ORDERED:
		if (!ok) {
			/* a failure is printed at once, numbered by its place */
			v->index = v->e->id < s->nblocks ? s->before + s->place[v->e->id] : v->index;
			header(s, v);
			block(s, v, &v->out);
			ready(s, v->e, NOBLOCK);
		} else if (v->out.size || !s->live || s->scripts) {
			/* its line, as in buffered mode: on a terminal only over
			 * output, or a script */
			struct block *b = xcalloc(1, sizeof(*b));
			b->out = v->out;
			output_init(&v->out);
			b->script = v->copy;
			v->copy = NULL;
			ready(s, v->e, b);
		} else {
			ready(s, v->e, NOBLOCK);
		}
		break;
	}
	if (v->console && s->mode == OUTPUT_ORDERED)
		ready(s, v->e, NOBLOCK);
	if (!ok && what) {
		endline(s);
		diag_error(v->e->loc, "'%s' failed: %s", edge_name(v->e), what);
	}
	buf_free(&v->part);
	free(v->copy);
	v->copy = NULL;
	if (s->last == v)
		s->last = NULL;
}

/* e's job failed before it started: say so. */
static void unstarted(struct status *s, const struct edge *e, const char *what)
{
	endline(s);
	diag_error(e->loc, "'%s' failed: %s", edge_name(e), what);
	if (s->mode == OUTPUT_ORDERED)
		ready(s, e, NOBLOCK);
}

/* A console job has the terminal: keep what is to be shown of the end of v's
 * job (ok, what) until it ends. v's output is taken. */
static void hold(struct status *s, struct jobview *v, bool ok, const char *what, bool started)
{
	struct later *l;

	xgrow((void **)&s->later, &s->caplater, s->nlater + 1, sizeof(*s->later));
	l = &s->later[s->nlater++];
	l->v = *v;
	l->v.script = v->copy; /* its job's is freed when the job is */
	v->copy = NULL;
	l->ok = ok;
	l->started = started;
	l->what = what ? strcpy(xmalloc(strlen(what) + 1), what) : NULL;
	output_init(&v->out);
	memset(&v->part, 0, sizeof(v->part));
	if (s->last == v)
		s->last = NULL;
}

/* The console job has ended: the ends the other jobs had meanwhile, and
 * what those still running printed, are shown now. */
static void release(struct status *s)
{
	size_t i;

	for (i = 0; i < s->nlater; i++) {
		struct later *l = &s->later[i];
		if (l->started)
			finish(s, &l->v, l->ok, l->what);
		else
			unstarted(s, l->v.e, l->what);
		output_free(&l->v.out);
		free(l->what);
	}
	s->nlater = 0;
	for (i = 0; i < s->nrunning; i++)
		catchup(s, s->running[i]);
	advance(s);
}

void status_ended(struct status *s, struct jobview *v, bool ok, const char *what)
{
	size_t i;

	if (s->live)
		out_batch(true);
	for (i = 0; i < s->nrunning && s->running[i] != v; i++)
		;
	if (i < s->nrunning)
		memmove(s->running + i, s->running + i + 1, (s->nrunning - i - 1) * sizeof(*s->running));
	s->nrunning--;
	s->ended++;
	s->known_ms -= s->known_ms < plan_st(s->plan, v->e)->weight - 1
			       ? s->known_ms
			       : plan_st(s->plan, v->e)->weight - 1;
	if (!v->index)
		v->index = s->ended;
	if (!ok && what)
		remember(s, v, what);
	if (s->held && !v->console) {
		hold(s, v, ok, what, true);
	} else {
		finish(s, v, ok, what);
		if (v->console && !--s->held)
			release(s);
	}
	if (s->live) {
		changed(s);
		out_batch(false);
	}
}

void status_passed(struct status *s, const struct edge *e)
{
	if (s->mode == OUTPUT_ORDERED && edge_hasjob(e))
		ready(s, e, NOBLOCK);
}

void status_failed(struct status *s, const struct edge *e, const char *what)
{
	struct jobview v = {.e = e};

	v.start = s->timed ? loop_now(s->loop) : 0;
	output_init(&v.out);
	remember(s, &v, what);
	if (s->held)
		hold(s, &v, false, what, false);
	else
		unstarted(s, e, what);
}

void status_finish(struct status *s, const struct sched_result *r, int sig)
{
	if (s->held) {
		s->held = 0; /* (a console job has always ended by now) */
		release(s);
	}
	endline(s);
	if (s->live)
		out_status(OUT_STDOUT, NULL);
	if (s->timer) {
		loop_cancel(s->loop, s->timer);
		s->timer = 0;
	}
	if (s->soon) {
		loop_cancel(s->loop, s->soon);
		s->soon = 0;
	}
	/* blocks still held in --output=ordered: their turn is now */
	if (s->mode == OUTPUT_ORDERED) {
		while (s->next < s->norder) {
			const struct edge *e = s->order[s->next];
			if (e->id < s->nblocks && !s->blocks[e->id])
				s->blocks[e->id] = NOBLOCK;
			advance(s);
		}
	}
	if (!sig)
		status_summary(s, r);
	if (sig)
		out_note("interrupted by %s", os_signame(sig));
	else if (r->failed && s->keep_going)
		out_note("%zu job%s failed", r->failed, r->failed == 1 ? "" : "s");
	else if (r->failed)
		out_note("build stopped: %zu job%s failed", r->failed, r->failed == 1 ? "" : "s");
}

void status_nothing(bool quiet)
{
	if (!quiet)
		out_puts(OUT_STDOUT, "baton: nothing to do\n");
}
