/* The jobserver: reading MAKEFLAGS, and the limit that takes and gives back
 * tokens, against a real pipe and the build's loop. */
#include "common.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/util.h"
#include "run/capacity.h"
#include "run/jobserver.h"
#include "run/loop.h"

START_TEST(parse_pipe_form)
{
	struct jobserver_auth a;

	ck_assert(jobserver_parse(" -j4 --jobserver-auth=3,4", &a));
	ck_assert_int_eq(a.rfd, 3);
	ck_assert_int_eq(a.wfd, 4);
	ck_assert_ptr_null(a.fifo);
	/* the older name, and flag letters first */
	ck_assert(jobserver_parse("ks -j2 --jobserver-fds=5,6", &a));
	ck_assert_int_eq(a.rfd, 5);
	ck_assert_int_eq(a.wfd, 6);
}
END_TEST

START_TEST(parse_fifo_form_last_wins)
{
	struct jobserver_auth a;

	ck_assert(jobserver_parse(" -j3 --jobserver-auth=7,8 --jobserver-auth=fifo:/tmp/GMfifo1",
				  &a));
	ck_assert_int_eq(a.rfd, -1);
	ck_assert_int_eq((int)a.fifolen, (int)strlen("/tmp/GMfifo1"));
	ck_assert(!strncmp(a.fifo, "/tmp/GMfifo1", a.fifolen));
	/* the R,W form before it is known, for the descriptors a job inherits */
	ck_assert(a.fds_too);
	ck_assert_int_eq(a.pipe_r, 7);
	ck_assert_int_eq(a.pipe_w, 8);
	/* and the other way round: the pipe form, last, wins */
	ck_assert(jobserver_parse("--jobserver-auth=fifo:/x --jobserver-auth=7,8", &a));
	ck_assert_ptr_null(a.fifo);
	ck_assert_int_eq(a.rfd, 7);
}
END_TEST

START_TEST(parse_none)
{
	struct jobserver_auth a;

	ck_assert(!jobserver_parse(NULL, &a));
	ck_assert(!jobserver_parse("", &a));
	ck_assert(!jobserver_parse(" -j4 -k", &a));
	/* after "--" come variables, not options */
	ck_assert(!jobserver_parse("k -- X=--jobserver-auth=3,4", &a));
	/* named, but nothing usable: a negative pair, or a Windows semaphore */
	ck_assert(jobserver_parse(" --jobserver-auth=-2,-2", &a));
	ck_assert_int_eq(a.rfd, -1);
	ck_assert_ptr_null(a.fifo);
	ck_assert(jobserver_parse(" --jobserver-auth=gmake_semaphore_1", &a));
	ck_assert_int_eq(a.rfd, -1);
	ck_assert_ptr_null(a.fifo);
	ck_assert(jobserver_parse(" --jobserver-auth=3,x", &a));
	ck_assert_int_eq(a.rfd, -1);
}
END_TEST

static char *stripped(const char *mf)
{
	struct buf b = {0};

	jobserver_strip(mf, &b);
	return b.s;
}

START_TEST(strip_keeps_the_rest)
{
	char *s;

	s = stripped(" -j4 --jobserver-auth=3,4");
	ck_assert_str_eq(s, "");
	free(s);
	s = stripped("ks -j2 --jobserver-auth=fifo:/x --no-print-directory -- CC=x -j3");
	ck_assert_str_eq(s, "ks --no-print-directory -- CC=x -j3");
	free(s);
	s = stripped(" --no-print-directory -j --jobserver-fds=1,2");
	ck_assert_str_eq(s, " --no-print-directory");
	free(s);
}
END_TEST

/* A pipe holding n tokens, named in MAKEFLAGS, and the jobserver joined. */
static struct jobserver *pipeserver(int fds[2], int n)
{
	struct jobserver *js;
	char mf[64];
	bool unusable;
	int i;

	ck_assert_int_eq(pipe(fds), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(write(fds[1], "+", 1), 1);
	snprintf(mf, sizeof(mf), " -j%d --jobserver-auth=%d,%d", n + 1, fds[0], fds[1]);
	setenv("MAKEFLAGS", mf, 1);
	js = jobserver_join(&unusable);
	ck_assert_ptr_nonnull(js);
	ck_assert(!unusable);
	/* baton's own MAKEFLAGS no longer names it; its jobs get it as it was */
	ck_assert_ptr_null(getenv("MAKEFLAGS"));
	return js;
}

/* The tokens the pipe holds now (read out). */
static int count(int fd)
{
	char b[64];
	int n = 0;
	ssize_t k;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while ((k = read(fd, b, sizeof(b))) > 0)
		n += (int)k;
	return n;
}

static int wakes;

static void woken(void *ctx)
{
	(void)ctx;
	wakes++;
}

START_TEST(limit_takes_and_gives_tokens)
{
	int fds[2];
	struct jobserver *js = pipeserver(fds, 2);
	struct loop *l = loop_new();
	struct capacity cap;
	struct limit lim;
	struct buf mf = {0};
	const int *keep;
	size_t nkeep;

	cap_init(&cap, 8, NULL);
	cap.wake = woken;
	lim = jobserver_limit(js, l, &cap);
	cap_add(&cap, &lim);
	/* the first job has the implicit slot; two more take the two tokens */
	ck_assert_int_eq(cap_take(&cap, NULL), CAP_YES);
	ck_assert_int_eq(cap_take(&cap, NULL), CAP_YES);
	ck_assert_int_eq(cap_take(&cap, NULL), CAP_YES);
	ck_assert_int_eq(cap_take(&cap, NULL), CAP_FULL);
	/* a job ends: its token goes back, and the limit, watching, wakes */
	cap_give(&cap, NULL);
	wakes = 0;
	loop_turn(l);
	ck_assert_int_eq(wakes, 1);
	ck_assert_int_eq(cap_take(&cap, NULL), CAP_YES);
	/* the jobs get MAKEFLAGS as it was, and the two descriptors */
	jobserver_env(js, &mf, &keep, &nkeep);
	ck_assert(strstr(mf.s, "--jobserver-auth=") != NULL);
	ck_assert_int_eq((int)nkeep, 2);
	ck_assert_int_eq(keep[0], fds[0] < fds[1] ? fds[0] : fds[1]);
	/* what is held goes back when the capacity is freed, as on Ctrl-C */
	cap_free(&cap);
	ck_assert_int_eq(count(fds[0]), 2);
	jobserver_free(js);
	loop_free(l);
	buf_free(&mf);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* A pool of one slot, asked after the jobserver. */
static int poolused;

static enum cap_answer pooltake(void *ctx, const struct edge *e, size_t running)
{
	(void)ctx;
	(void)e;
	(void)running;
	if (poolused)
		return CAP_WAIT;
	poolused = 1;
	return CAP_YES;
}

static void poolgive(void *ctx, const struct edge *e)
{
	(void)ctx;
	(void)e;
	poolused = 0;
}

START_TEST(limit_gives_back_when_a_later_limit_refuses)
{
	int fds[2];
	struct jobserver *js = pipeserver(fds, 1);
	struct loop *l = loop_new();
	struct limit pool = {NULL, pooltake, poolgive, NULL, NULL};
	struct capacity cap;
	struct limit lim;

	cap_init(&cap, 0, NULL);
	lim = jobserver_limit(js, l, &cap);
	cap_add(&cap, &lim);
	cap_add(&cap, &pool);
	poolused = 0;
	ck_assert_int_eq(cap_take(&cap, NULL), CAP_YES); /* implicit slot, the pool's slot */
	/* the jobserver gives its token, the pool refuses: the token goes back */
	ck_assert_int_eq(cap_take(&cap, NULL), CAP_WAIT);
	ck_assert_int_eq(count(fds[0]), 1);
	ck_assert_int_eq(write(fds[1], "+", 1), 1);
	cap_give(&cap, NULL);
	/* all back: the implicit slot is free, and taken again without a token */
	ck_assert_int_eq(cap_take(&cap, NULL), CAP_YES);
	ck_assert_int_eq(count(fds[0]), 1);
	cap_give(&cap, NULL);
	cap_free(&cap);
	jobserver_free(js);
	loop_free(l);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(unreachable_fds)
{
	bool unusable;

	setenv("MAKEFLAGS", " -j4 --jobserver-auth=900,901", 1);
	ck_assert_ptr_null(jobserver_join(&unusable));
	ck_assert(unusable);
	ck_assert_ptr_null(getenv("MAKEFLAGS"));
	setenv("MAKEFLAGS", "k", 1);
	ck_assert_ptr_null(jobserver_join(&unusable));
	ck_assert(!unusable);
	ck_assert_str_eq(getenv("MAKEFLAGS"), "k");
}
END_TEST

START_TEST(server_makeflags)
{
	struct jobserver *js;
	struct buf mf = {0};
	const int *keep;
	size_t nkeep;

	setenv("MAKEFLAGS", "k -j9 -- CC=x", 1);
	js = jobserver_serve(3, JOBSERVER_PIPE);
	ck_assert_ptr_nonnull(js);
	jobserver_env(js, &mf, &keep, &nkeep);
	ck_assert_int_eq((int)nkeep, 2);
	/* the flags and the variables kept, -j and the R,W form between them */
	ck_assert(!strncmp(mf.s, "k -j3 --jobserver-auth=", 23));
	ck_assert(!strcmp(mf.s + mf.len - 8, " -- CC=x"));
	/* two tokens in the pool for three slots: count them through MAKEFLAGS */
	{
		int r, w;
		ck_assert_int_eq(sscanf(strstr(mf.s, "auth=") + 5, "%d,%d", &r, &w), 2);
		ck_assert_int_eq(count(r), 2);
	}
	jobserver_free(js);
	buf_free(&mf);
	unsetenv("MAKEFLAGS");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jobserver");
	TCase *tc = tcase_create("jobserver");

	tcase_add_test(tc, parse_pipe_form);
	tcase_add_test(tc, parse_fifo_form_last_wins);
	tcase_add_test(tc, parse_none);
	tcase_add_test(tc, strip_keeps_the_rest);
	tcase_add_test(tc, limit_takes_and_gives_tokens);
	tcase_add_test(tc, limit_gives_back_when_a_later_limit_refuses);
	tcase_add_test(tc, unreachable_fds);
	tcase_add_test(tc, server_makeflags);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
