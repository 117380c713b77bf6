/* A job's life and the scheduler together, against a fake executor and a fake
 * clock: what runs, in which order, what a failure and an interrupt do, what is
 * recorded, and one loaded graph built twice in one process. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "base/out.h"
#include "fakefs.h"
#include "graph/taskfile.h"
#include "plan/plan.h"
#include "run/capacity.h"
#include "run/exec.h"
#include "run/job.h"
#include "run/loop.h"
#include "run/sched.h"
#include "run/status.h"
#include "state/statelog.h"

/* The fake executor: a job "runs" until a turn of the loop ends it. Its
 * command is what the recipe says: "make-fake OUT..." makes each OUT in the
 * fake filesystem when it ends, "fail" exits 1. */
struct fakex {
	struct executor x;
	struct fakefs *fs;
	struct graph *g; /* the paths of files made are its nodes' */
	int64_t now;  /* the fake clock, ns */
	int64_t took; /* how long each job takes */
	struct {
		void *job;
		char cmd[128];
		int sig; /* the signal it was killed by, or 0 */
	} run[16];
	int n;
	bool newest_first; /* end jobs in the opposite order to how they started */
	bool interrupt;    /* raise SIGINT at the first end */
	struct buf log;    /* "+cmd" as started, "-cmd" as ended, "!SIG" when signalled */
};

static int64_t fake_clock(void *ctx)
{
	return ((struct fakex *)ctx)->now;
}

static void fake_end(void *ctx)
{
	struct fakex *f = ctx;
	char cmd[128], *w, *save = NULL;
	void *job;
	int i = f->newest_first ? f->n - 1 : 0, sig, status;

	if (f->interrupt) {
		f->interrupt = false;
		raise(SIGINT);
		loop_defer(f->x.loop, fake_end, f);
		return;
	}
	job = f->run[i].job;
	sig = f->run[i].sig;
	strcpy(cmd, f->run[i].cmd);
	memmove(&f->run[i], &f->run[i + 1], (size_t)(f->n - i - 1) * sizeof(f->run[0]));
	f->n--;
	f->now += f->took;
	buf_printf(&f->log, "-%s ", cmd);
	status = sig ? sig : !strcmp(cmd, "fail") ? 1 << 8 : 0;
	if (!sig && !strncmp(cmd, "make-fake ", 10)) {
		for (w = strtok_r(cmd + 10, " ", &save); w; w = strtok_r(NULL, " ", &save))
			fake_set(f->fs, graph_find(f->g, w)->path, f->now);
	}
	f->x.ev.output(f->x.ev.ctx, job, "some output\n", 12);
	f->x.ev.ended(f->x.ev.ctx, job, status, 0, NULL);
}

static int fake_start(struct executor *x, void *job, const struct exec_spec *spec,
		      struct exec_job **h, const char **step)
{
	struct fakex *f = (struct fakex *)x;
	char *const *a;

	*step = NULL;
	f->run[f->n].job = job;
	f->run[f->n].sig = 0;
	f->run[f->n].cmd[0] = '\0';
	for (a = spec->argv; *a; a++) {
		if (a != spec->argv)
			strcat(f->run[f->n].cmd, " ");
		strcat(f->run[f->n].cmd, *a);
	}
	buf_printf(&f->log, "+%s ", f->run[f->n].cmd);
	*h = (struct exec_job *)&f->run[f->n].job; /* any handle: signal looks it up */
	f->n++;
	loop_defer(x->loop, fake_end, f);
	return 0;
}

static void fake_signal(struct executor *x, struct exec_job *h, int sig)
{
	struct fakex *f = (struct fakex *)x;
	int i;

	for (i = 0; i < f->n; i++) {
		if (h == (struct exec_job *)&f->run[i].job)
			f->run[i].sig = sig;
	}
	buf_printf(&f->log, "!%d ", sig);
}

static size_t fake_room(const struct executor *x)
{
	(void)x;
	return SIZE_MAX;
}

static void fake_free(struct executor *x)
{
	(void)x;
}

static const struct exec_ops fake_ops = {fake_start, fake_signal, fake_room, fake_free};

struct world {
	struct fakefs fs;
	struct fs ffs;
	struct taskfile l;
	struct statelog log;
	bool logged;
};

static void load(struct world *w, const char *tf)
{
	w->ffs = (struct fs){&w->fs, fake_stat, NULL};
	statelog_init(&w->log);
	taskfile_init(&w->l);
	ck_assert(taskfile_source(&w->l, src_of(tf)));
	ck_assert(taskfile_graph(&w->l));
}

/* Plan the goal (NULL: the first rule) and run it at -j jobs; the fake's log of
 * what ran, and the scheduler's result in *res. */
static char *build(struct world *w, struct fakex *f, const char *goal, size_t jobs,
		   bool keep_going, struct sched_result *res)
{
	struct plan_opts po = {.fs = &w->ffs, .log = w->logged ? &w->log : NULL,
			       .vars = &w->l.vars};
	struct sched_opts so = {keep_going};
	struct node *n = goal ? graph_node(&w->l.graph, goal, strlen(goal)) : w->l.first;
	struct loop *loop = loop_new();
	struct exec_events ev;
	struct capacity cap;
	struct status st;
	struct runner r;
	struct sched s;
	struct jobs js;
	struct plan p;
	int saved = dup(1), null = open("/dev/null", O_WRONLY);

	/* the status lines go to stdout: not this test's output */
	dup2(null, 1);
	close(null);
	graph_forget_files(&w->l.graph);
	plan_init(&p, &w->l.graph, &po);
	ck_assert(plan_build(&p, &n, 1));
	status_init(&st, &p, loop, OUTPUT_BUFFERED);
	st.timed = true;
	jobs_init(&js, &f->x, &p, &w->l.vars, w->logged ? &w->log : NULL, &st, &s, loop);
	js.rec.root = "/nonexistent";
	ev = jobs_events(&js);
	f->x.ops = &fake_ops;
	f->x.loop = loop;
	f->x.ev = ev;
	f->fs = &w->fs;
	f->g = &w->l.graph;
	loop_set_clock(loop, fake_clock, f);
	cap_init(&cap, jobs, &f->x);
	r = jobs_runner(&js);
	sched_init(&s, &p, &so, &cap, &r, loop);
	sched_run(&s, res);
	ck_assert_int_eq(f->n, 0);
	ck_assert_int_eq(cap.used, 0);
	sched_free(&s);
	jobs_free(&js);
	status_free(&st);
	plan_free(&p);
	loop_free(loop);
	out_flush();
	dup2(saved, 1);
	close(saved);
	buf_add(&f->log, "", 0);
	return f->log.s;
}

static void unload(struct world *w)
{
	taskfile_free(&w->l);
	statelog_close(&w->log);
	source_free_all();
}

static const char *TF = "app: main.o util.o\n\tmake-fake {{out}}\n"
			"%.o: %.c\n\tmake-fake {{out}}\n";

START_TEST(one_graph_built_twice_in_one_process)
{
	struct world w = {0};
	struct fakex f = {.now = 100};
	struct sched_result res;
	char *d;

	capture_start();
	fake_set(&w.fs, "main.c", 10);
	fake_set(&w.fs, "util.c", 10);
	load(&w, TF);
	ck_assert_str_eq(build(&w, &f, NULL, 1, false, &res),
			 "+make-fake main.o -make-fake main.o +make-fake util.o -make-fake util.o "
			 "+make-fake app -make-fake app ");
	ck_assert_int_eq(res.started, 3);
	/* nothing changed: nothing runs, and the pattern rules' edges of the
	 * first build are gone with its plan */
	f.log.len = 0;
	ck_assert_str_eq(build(&w, &f, NULL, 1, false, &res), "");
	ck_assert_int_eq(res.started, 0);
	/* util.c changed: util.o and app run again, main.o does not */
	fake_set(&w.fs, "util.c", 1000);
	f.log.len = 0;
	ck_assert_str_eq(build(&w, &f, NULL, 1, false, &res),
			 "+make-fake util.o -make-fake util.o +make-fake app -make-fake app ");
	d = capture_end();
	ck_assert_str_eq(d, "");
	free(d);
	unload(&w);
	buf_free(&f.log);
}
END_TEST

START_TEST(jobs_ending_out_of_order)
{
	/* at -j2, the newer of two jobs ends first: app still waits for both */
	struct world w = {0};
	struct fakex f = {.now = 100, .newest_first = true};
	struct sched_result res;

	capture_start();
	fake_set(&w.fs, "main.c", 10);
	fake_set(&w.fs, "util.c", 10);
	load(&w, TF);
	ck_assert_str_eq(build(&w, &f, NULL, 2, false, &res),
			 "+make-fake main.o +make-fake util.o -make-fake util.o -make-fake main.o "
			 "+make-fake app -make-fake app ");
	free(capture_end());
	unload(&w);
	buf_free(&f.log);
}
END_TEST

START_TEST(a_failure_is_reported_and_stops_what_needs_it)
{
	static const char *tf = "all: bad good later\n"
				"bad:\n\tfail\n"
				"good:\n\tmake-fake good\n"
				"later: bad\n\tmake-fake later\n";
	struct world w = {0};
	struct fakex f = {.now = 100};
	struct sched_result res;
	char *d;

	capture_start();
	load(&w, tf);
	/* -k: good still runs; later, which needs bad, does not */
	ck_assert_str_eq(build(&w, &f, NULL, 1, true, &res),
			 "+fail -fail +make-fake good -make-fake good ");
	d = capture_end();
	ck_assert_str_eq(d, "Taskfile:2:1: error: 'bad' failed: exit status 1\n"
			    "    bad:\n"
			    "    ^~~\n");
	ck_assert_int_eq(res.failed, 1);
	ck_assert_int_eq(res.blocked, 2); /* later, and all */
	free(d);
	unload(&w);
	buf_free(&f.log);
}
END_TEST

START_TEST(an_interrupt_reaches_the_jobs_and_is_not_a_failure)
{
	struct world w = {0};
	struct fakex f = {.now = 100, .interrupt = true};
	struct sched_result res;
	char want[128], *d;

	capture_start();
	fake_set(&w.fs, "main.c", 10);
	fake_set(&w.fs, "util.c", 10);
	load(&w, TF);
	snprintf(want, sizeof(want),
		 "+make-fake main.o +make-fake util.o !%d !%d -make-fake main.o -make-fake util.o ",
		 SIGINT, SIGINT);
	ck_assert_str_eq(build(&w, &f, NULL, 2, false, &res), want);
	d = capture_end();
	ck_assert_str_eq(d, ""); /* the jobs' deaths are the interrupt's, not failures */
	ck_assert_int_eq(res.signal, SIGINT);
	ck_assert_int_eq(res.started, 2);
	free(d);
	unload(&w);
	buf_free(&f.log);
}
END_TEST

START_TEST(durations_come_from_the_loop_clock)
{
	/* each job takes 250 ms by the fake clock: the state log says so */
	char dir[] = "/tmp/baton-test-job-XXXXXX", path[64];
	struct world w = {0};
	struct fakex f = {.now = 100, .took = 250000000};
	struct sched_result res;
	const struct logentry *le;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	capture_start();
	load(&w, "a:\n\tmake-fake a\nb: a\n\tmake-fake b\n");
	ck_assert(statelog_load(&w.log, dir, true));
	w.logged = true;
	build(&w, &f, "b", 1, false, &res);
	ck_assert_int_eq(res.started, 2);
	statelog_close(&w.log);
	statelog_init(&w.log);
	ck_assert(statelog_load(&w.log, dir, false));
	le = statelog_get(&w.log, "a");
	ck_assert_ptr_nonnull(le);
	ck_assert_uint_eq(le->duration_ms, 250);
	le = statelog_get(&w.log, "b");
	ck_assert_ptr_nonnull(le);
	ck_assert_uint_eq(le->duration_ms, 250);
	free(capture_end());
	unload(&w);
	buf_free(&f.log);
	snprintf(path, sizeof(path), "%s/log", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("job");
	TCase *tc = tcase_create("job");

	tcase_add_test(tc, one_graph_built_twice_in_one_process);
	tcase_add_test(tc, jobs_ending_out_of_order);
	tcase_add_test(tc, a_failure_is_reported_and_stops_what_needs_it);
	tcase_add_test(tc, an_interrupt_reaches_the_jobs_and_is_not_a_failure);
	tcase_add_test(tc, durations_come_from_the_loop_clock);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
