/* The scheduler against a fake runner: order, parallelism, failure handling. */
#include "common.h"
#include "fakefs.h"
#include <signal.h>

#include "graph/taskfile.h"
#include "plan/plan.h"
#include "run/capacity.h"
#include "run/loop.h"
#include "run/sched.h"
#include "state/statelog.h"

/* The fake runner: jobs "run" until their turn comes; each start queues an end
 * on the loop, and an end ends the oldest job running. */
struct fake {
	struct sched *s;
	struct loop *loop;
	struct edge *running[64];
	int n, maxrunning;
	const char *fail; /* name of a job that fails */
	int room;         /* more than this many at once: START_LATER (0: no limit) */
	int later;        /* START_LATER answers given */
	bool interrupt_at_first_end, interrupted;
	int stopping;     /* the signal the runner was told the build stops by */
	struct buf log;   /* "+name" when started, "-name" when ended, "!SIG" when signalled */
};

static void fake_end(void *ctx)
{
	struct fake *f = ctx;
	struct edge *e;
	bool ok;

	if (f->interrupt_at_first_end && !f->interrupted) {
		f->interrupted = true;
		raise(SIGINT); /* caught by the loop: seen on its next turn */
		loop_defer(f->loop, fake_end, f);
		return;
	}
	ck_assert_int_gt(f->n, 0);
	e = f->running[0];
	memmove(f->running, f->running + 1, (size_t)--f->n * sizeof(*f->running));
	ok = !f->stopping && (!f->fail || strcmp(f->fail, edge_name(e)));
	buf_printf(&f->log, "-%s ", edge_name(e));
	sched_done(f->s, e, ok, true);
}

static enum start_result fake_start(void *ctx, struct edge *e)
{
	struct fake *f = ctx;

	if (f->room && f->n >= f->room) {
		f->later++;
		return START_LATER;
	}
	f->running[f->n++] = e;
	if (f->n > f->maxrunning)
		f->maxrunning = f->n;
	buf_printf(&f->log, "+%s ", edge_name(e));
	loop_defer(f->loop, fake_end, f);
	return START_OK;
}

static void fake_signal(void *ctx, int sig)
{
	buf_printf(&((struct fake *)ctx)->log, "!%d ", sig);
}

static void fake_stopping(void *ctx, int sig)
{
	((struct fake *)ctx)->stopping = sig;
}

/* Run plan p at -j jobs through fake f. */
static struct sched_result run_plan(struct fake *f, struct plan *p, size_t jobs, bool keep_going)
{
	struct sched_opts o = {keep_going};
	struct runner r = {f, fake_start, fake_signal, fake_stopping, NULL};
	struct sched_result res;
	struct capacity cap;
	struct sched s;

	f->loop = loop_new();
	f->s = &s;
	cap_init(&cap, jobs, NULL);
	sched_init(&s, p, &o, &cap, &r, f->loop);
	sched_run(&s, &res);
	ck_assert_int_eq(cap.used, 0);
	sched_free(&s);
	loop_free(f->loop);
	buf_add(&f->log, "", 0);
	return res;
}

static const char *TF = "all: a b c\n"
			"a: a1 a2\n\tx\n"
			"a1:\n\tx\n"
			"a2:\n\tx\n"
			"b:\n\tx\n"
			"c: b\n\tx\n";

static struct sched_result run_tf(struct fake *f, const char *tf, size_t jobs, bool keep_going)
{
	struct fakefs fs = {0};
	struct fs ffs = {&fs, fake_stat, NULL};
	struct plan_opts po = {.fs = &ffs};
	struct sched_result res;
	struct plan p;
	struct taskfile l;

	taskfile_init(&l);
	capture_start();
	ck_assert(taskfile_source(&l, src_of(tf)));
	ck_assert(taskfile_graph(&l));
	plan_init(&p, &l.graph, &po);
	ck_assert(plan_build(&p, &l.first, 1));
	free(capture_end());
	res = run_plan(f, &p, jobs, keep_going);
	plan_free(&p);
	taskfile_free(&l);
	return res;
}

static struct sched_result run(struct fake *f, size_t jobs, bool keep_going)
{
	return run_tf(f, TF, jobs, keep_going);
}

START_TEST(one_job_at_a_time)
{
	struct fake f = {0};
	struct sched_result res = run(&f, 1, false);

	ck_assert_str_eq(f.log.s, "+a1 -a1 +a2 -a2 +b -b +a -a +c -c ");
	ck_assert_int_eq(f.maxrunning, 1);
	ck_assert_int_eq(res.started, 5);
	ck_assert_int_eq(res.failed, 0);
	buf_free(&f.log);
}
END_TEST

START_TEST(ready_jobs_start_together)
{
	struct fake f = {0};
	struct sched_result res = run(&f, 3, false);

	ck_assert_str_eq(f.log.s, "+a1 +a2 +b -a1 -a2 +a -b +c -a -c ");
	ck_assert_int_eq(f.maxrunning, 3);
	ck_assert_int_eq(res.started, 5);
	buf_free(&f.log);
}
END_TEST

START_TEST(no_limit)
{
	struct fake f = {0};

	run(&f, 0, false);
	ck_assert_int_eq(f.maxrunning, 3);
	buf_free(&f.log);
}
END_TEST

START_TEST(a_runner_out_of_room_gets_the_job_again_later)
{
	/* -j3, but the runner has room for 2 (file descriptors, say): the job it
	 * refused starts, first, when one ends; nothing fails, all run */
	struct fake f = {.room = 2};
	struct sched_result res = run(&f, 3, false);

	ck_assert_str_eq(f.log.s, "+a1 +a2 -a1 +b -a2 +a -b +c -a -c ");
	ck_assert_int_eq(f.maxrunning, 2);
	ck_assert_int_gt(f.later, 0);
	ck_assert_int_eq(res.started, 5);
	ck_assert_int_eq(res.failed, 0);
	ck_assert_int_eq(res.blocked, 0);
	buf_free(&f.log);
}
END_TEST

START_TEST(failure_stops_new_jobs_but_running_ones_finish)
{
	struct fake f = {.fail = "a1"};
	struct sched_result res = run(&f, 2, false);

	ck_assert_str_eq(f.log.s, "+a1 +a2 -a1 -a2 ");
	ck_assert_int_eq(res.failed, 1);
	ck_assert_int_eq(res.blocked, 4);
	buf_free(&f.log);
}
END_TEST

START_TEST(keep_going_runs_what_does_not_depend_on_the_failure)
{
	struct fake f = {.fail = "a1"};
	struct sched_result res = run(&f, 1, true);

	ck_assert_str_eq(f.log.s, "+a1 -a1 +a2 -a2 +b -b +c -c ");
	ck_assert_int_eq(res.failed, 1);
	ck_assert_int_eq(res.blocked, 2); /* a, and all */
	buf_free(&f.log);
}
END_TEST

START_TEST(interrupt_passes_the_signal_on_and_waits_for_the_jobs)
{
	/* Ctrl-C while a1 and a2 run: they are told, nothing more starts, and the
	 * run ends when they have */
	struct fake f = {.interrupt_at_first_end = true};
	struct sched_result res = run(&f, 2, false);
	char want[64];

	ck_assert_int_eq(res.signal, SIGINT);
	ck_assert_int_eq(f.stopping, SIGINT);
	snprintf(want, sizeof(want), "+a1 +a2 !%d -a1 -a2 ", SIGINT);
	ck_assert_str_eq(f.log.s, want);
	ck_assert_int_eq(res.started, 2);
	ck_assert_int_eq(res.blocked, 4);
	buf_free(&f.log);
}
END_TEST

/* Start order at -j1 for a graph whose longest path is declared last; with a log,
 * the recorded durations decide, without one the depth does, and when 'short'
 * and 'long' are both one job from the goal, 'long' goes first: a job came
 * before it. */
static char *weighted(bool history, const uint32_t *ms)
{
	static const char *tf = "all: short long\nshort:\n\tx\nlong: mid\n\tx\nmid:\n\tx\n";
	struct fakefs fs = {0};
	struct fs ffs = {&fs, fake_stat, NULL};
	struct statelog log;
	struct plan_opts po = {.fs = &ffs, .log = &log};
	struct fake f = {0};
	struct buf lines = {0};
	struct plan p;
	struct taskfile l;
	const char *names[] = {"short", "long", "mid"};
	int i;

	statelog_init(&log);
	for (i = 0; history && i < 3; i++) {
		struct recfile out = {names[i], {1, 0, 1, 0}, 0, false};
		struct record rec = {"x\n", true, ms[i], 0, &out, NULL, NULL, 1, 0, 0, NULL, NULL};
		logline_format(&lines, &rec);
	}
	if (lines.s)
		ck_assert_int_eq(statelog_parse(&log, lines.s, lines.len), 0);
	taskfile_init(&l);
	capture_start();
	ck_assert(taskfile_source(&l, src_of(tf)));
	ck_assert(taskfile_graph(&l));
	plan_init(&p, &l.graph, &po);
	ck_assert(plan_build(&p, &l.first, 1));
	free(capture_end());
	run_plan(&f, &p, 1, false);
	plan_free(&p);
	taskfile_free(&l);
	statelog_close(&log);
	buf_free(&lines);
	return f.log.s;
}

START_TEST(longest_path_first)
{
	const uint32_t ms[] = {500, 50, 80};
	/* a path longer than 49 days weighs 49 days: mid, leading to long (2 x 35
	 * days), still goes before short (46 days) rather than wrap around to 20 */
	const uint32_t huge[] = {4000000000u, 3000000000u, 3000000000u};
	char *s = weighted(false, ms);

	ck_assert_str_eq(s, "+mid -mid +long -long +short -short ");
	free(s);
	s = weighted(true, ms);
	ck_assert_str_eq(s, "+short -short +mid -mid +long -long ");
	free(s);
	s = weighted(true, huge);
	ck_assert_str_eq(s, "+mid -mid +short -short +long -long ");
	free(s);
}
END_TEST

/* The jobs ready at the start are sorted by what goes first, though listed in
 * another order; a job that becomes ready later still goes before those ready
 * from the start that come after it. */
START_TEST(ready_later_goes_before_ready_at_start)
{
	static const char *tf = "all: l1 l2 x3\n"
				"l1:\n\tx\n"
				"l2:\n\tx\n"
				"x1:\n\tx\n"
				"x2: x1\n\tx\n"
				"x3: x2\n\tx\n"
				"l3:\n\tx\n";
	struct fake f = {0};
	struct sched_result res = run_tf(&f, tf, 1, false);

	ck_assert_str_eq(f.log.s, "+x1 -x1 +x2 -x2 +x3 -x3 +l1 -l1 +l2 -l2 ");
	ck_assert_int_eq(res.started, 5);
	buf_free(&f.log);
	memset(&f, 0, sizeof(f));
	res = run_tf(&f, tf, 2, false);
	ck_assert_str_eq(f.log.s, "+x1 +l1 -x1 +x2 -l1 +l2 -x2 +x3 -l2 -x3 ");
	ck_assert_int_eq(f.maxrunning, 2);
	buf_free(&f.log);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("schedule");
	TCase *tc = tcase_create("schedule");

	tcase_add_test(tc, one_job_at_a_time);
	tcase_add_test(tc, ready_jobs_start_together);
	tcase_add_test(tc, no_limit);
	tcase_add_test(tc, a_runner_out_of_room_gets_the_job_again_later);
	tcase_add_test(tc, failure_stops_new_jobs_but_running_ones_finish);
	tcase_add_test(tc, keep_going_runs_what_does_not_depend_on_the_failure);
	tcase_add_test(tc, interrupt_passes_the_signal_on_and_waits_for_the_jobs);
	tcase_add_test(tc, longest_path_first);
	tcase_add_test(tc, ready_later_goes_before_ready_at_start);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
