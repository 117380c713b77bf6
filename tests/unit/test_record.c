/* What a job leaves behind, with a real state log in a temporary directory: the
 * stat of its outputs and of its inputs as they were when it started, its
 * depfile's inputs, its duration and whether it succeeded; and, when it failed,
 * the outputs it half wrote deleted, but nothing else. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "graph/taskfile.h"
#include "plan/recipe.h"
#include "run/record.h"
#include "state/statelog.h"

/* A project in a temporary directory: top/proj is the working directory and
 * the root, top/outside a file beside it. */
static char top[64], proj[PATH_MAX], logdir[PATH_MAX + 8], oldcwd[PATH_MAX];

static struct taskfile l;
static struct statelog log_;
static struct recipes rx;
static struct recorder rc;

/* Text as a file's whole content. */
static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void setup(void)
{
	char path[PATH_MAX + 16];

	ck_assert_ptr_nonnull(getcwd(oldcwd, sizeof(oldcwd)));
	strcpy(top, "/tmp/baton-test-record-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(path, sizeof(path), "%s/proj", top);
	ck_assert_int_eq(mkdir(path, 0777), 0);
	ck_assert_ptr_nonnull(realpath(path, proj));
	ck_assert_int_eq(chdir(proj), 0);
	snprintf(logdir, sizeof(logdir), "%s/.baton", proj);
	statelog_init(&log_);
	ck_assert(statelog_load(&log_, logdir, true));
	rc = (struct recorder){&log_, &rx, proj, false, NULL};
	capture_start();
}

static int rmone(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	free(capture_end());
	statelog_close(&log_);
	ck_assert_int_eq(chdir(oldcwd), 0);
	ck_assert_int_eq(nftw(top, rmone, 16, FTW_DEPTH | FTW_PHYS), 0);
	diag_reset();
}

/* Load a Taskfile; the edge that makes out. */
static struct edge *load(const char *tf, const char *out)
{
	struct node *n;

	taskfile_init(&l);
	ck_assert(taskfile_source(&l, src_of(tf)));
	ck_assert(taskfile_graph(&l));
	recipes_init(&rx, &l.vars);
	n = graph_find(&l.graph, out);
	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_nonnull(n->gen);
	return n->gen;
}

static void unload(void)
{
	recipes_free(&rx);
	taskfile_free(&l);
	source_free_all();
}

/* What the planner does before a job runs: state the node's file. */
static void planned(struct node *n)
{
	os_stat(n->path, &n->st);
	n->flags |= NODE_STATED;
}

/* The edge's outputs as the planner found them, missing or not. */
static void planned_outs(struct edge *e)
{
	uint32_t i;

	for (i = 0; i < e->nout; i++)
		planned(edge_out(e)[i]);
}

/* The record the log holds for path, read from the file anew; NULL if none. */
static const struct record *recorded(const char *path)
{
	statelog_close(&log_);
	statelog_init(&log_);
	ck_assert(statelog_load(&log_, logdir, true));
	return statelog_find(&log_, path);
}

/* What went to stderr (baton's own notes) while fn(e) ran. */
static char *notes_of(void (*fn)(struct edge *), struct edge *e)
{
	char path[PATH_MAX + 16];
	int saved = dup(2), fd;
	char *text;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/stderr", top);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0666);
	ck_assert_int_ge(fd, 0);
	dup2(fd, 2);
	close(fd);
	fn(e);
	dup2(saved, 2);
	close(saved);
	f = fopen(path, "r");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	return text;
}

static const int64_t T0 = 5000000000; /* ns, the loop's clock when a job starts */

/* A job of e failed after 2 s. */
static void failed_job(struct edge *e)
{
	struct jobrec r;

	record_start(&rc, &r, e, T0);
	r.script = "a failed job\n";
	record_failure(&rc, &r, e, T0 + 2000000000, 11);
	record_free(&r);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

START_TEST(a_success_records_outputs_inputs_and_duration)
{
	struct edge *e = load("out: in1 in2\n\tmake it\n", "out");
	const struct record *r;
	struct filestat st;
	struct jobrec j;
	bool changed = false;

	put("in1", "a");
	put("in2", "bb");
	planned_outs(e);
	record_start(&rc, &j, e, T0);
	j.script = "make it\n";
	/* the record keeps the inputs as the job found them when it started */
	put("in1", "changed while it ran");
	put("out", "xyz");
	ck_assert(record_success(&rc, &j, e, T0 + 1234999999, 77, &changed));
	record_free(&j);
	ck_assert(changed);
	os_stat("out", &st);
	ck_assert(!filestat_differ(&edge_out(e)[0]->st, &st)); /* the node knows it now */
	r = recorded("out");
	ck_assert_ptr_nonnull(r);
	ck_assert(r->ok);
	ck_assert_str_eq(r->script, "make it\n");
	ck_assert_uint_eq(r->duration_ms, 1234);
	ck_assert_uint_eq(r->rss_kb, 77);
	ck_assert_uint_eq(r->nout, 1);
	ck_assert_str_eq(r->outs[0].path, "out");
	ck_assert(!filestat_differ(&r->outs[0].st, &st));
	ck_assert_uint_eq(r->nin, 2);
	ck_assert_str_eq(r->ins[0].path, "in1");
	ck_assert_int_eq(r->ins[0].st.size, 1);
	ck_assert(!r->ins[0].hashed);
	ck_assert_str_eq(r->ins[1].path, "in2");
	ck_assert_int_eq(r->ins[1].st.size, 2);
	ck_assert_uint_eq(r->ndep, 0);
	unload();
}
END_TEST

START_TEST(inputs_the_planner_stated_are_recorded_as_it_found_them)
{
	struct edge *e = load("out: in1 missing in3\n\tmake it\n", "out");
	const struct record *r;
	struct jobrec j;
	bool changed;

	put("in1", "a");
	put("in3", "ccc");
	planned(e->in[0]);
	planned(e->in[1]);
	planned(e->in[2]);
	e->in[0]->st = (struct filestat){42, 5, 7, 0}; /* not what the file says now */
	planned_outs(e);
	record_start(&rc, &j, e, T0);
	ck_assert_ptr_null(j.ins); /* no copy: the record reads the nodes */
	put("out", "");
	ck_assert(record_success(&rc, &j, e, T0, 0, &changed));
	record_free(&j);
	r = recorded("out");
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->nin, 3);
	ck_assert(r->ins[0].st.mtime == 42);
	ck_assert_int_eq(r->ins[0].st.size, 5);
	ck_assert_uint_eq(r->ins[0].st.ino, 7);
	ck_assert(r->ins[1].st.mtime == MTIME_MISSING);
	ck_assert_int_eq(r->ins[2].st.size, 3);
	ck_assert_uint_eq(r->duration_ms, 0);
	/* one the planner did not state is stated as the job starts; the others
	 * still come from the nodes */
	e->in[2]->flags &= ~(uint32_t)NODE_STATED;
	put("in3", "cccc");
	record_start(&rc, &j, e, T0);
	ck_assert_ptr_nonnull(j.ins);
	put("in3", "changed while it ran");
	ck_assert(record_success(&rc, &j, e, T0, 0, &changed));
	record_free(&j);
	r = recorded("out");
	ck_assert(r->ins[0].st.mtime == 42);
	ck_assert_int_eq(r->ins[0].st.size, 5);
	ck_assert(r->ins[1].st.mtime == MTIME_MISSING);
	ck_assert_int_eq(r->ins[2].st.size, 4);
	unload();
}
END_TEST

/* Record a successful job of the rule making out in tf; inputs in1 ("in") and
 * the depfile inputs a.h ("aaa") exist. */
static const struct record *hashed(const char *tf, bool content)
{
	struct edge *e = load(tf, "out");
	struct jobrec j;
	bool changed;

	rc.content = content;
	put("in1", "in");
	put("a.h", "aaa");
	put("out.d", "out: a.h gone.h\n");
	planned(e->in[0]);
	planned_outs(e);
	record_start(&rc, &j, e, T0);
	put("out", "");
	ck_assert(record_success(&rc, &j, e, T0, 0, &changed));
	record_free(&j);
	return recorded("out");
}

START_TEST(content_hashes_are_recorded_when_wanted)
{
	const struct record *r;
	uint64_t hin, ha;

	r = hashed("[depfile: out.d]\nout: in1\n\tmake it\n", false);
	ck_assert_ptr_nonnull(r);
	ck_assert(!r->ins[0].hashed);
	ck_assert_uint_eq(r->ndep, 2);
	ck_assert(!r->deps[0].hashed);
	unload();
	/* --content: inputs and depfile inputs; not a missing one */
	ck_assert(os_hash("in1", &hin));
	ck_assert(os_hash("a.h", &ha));
	r = hashed("[depfile: out.d]\nout: in1\n\tmake it\n", true);
	ck_assert(r->ins[0].hashed);
	ck_assert(r->ins[0].hash == hin);
	ck_assert(r->deps[0].hashed);
	ck_assert(r->deps[0].hash == ha);
	ck_assert_str_eq(r->deps[1].path, "gone.h");
	ck_assert(!r->deps[1].hashed);
	unload();
	/* [content] on the rule does the same for it */
	r = hashed("[content]\n[depfile: out.d]\nout: in1\n\tmake it\n", false);
	ck_assert(r->ins[0].hashed);
	ck_assert(r->ins[0].hash == hin);
	ck_assert(r->deps[0].hashed);
	unload();
}
END_TEST

START_TEST(whether_an_output_changed)
{
	struct edge *e = load("out: in1\n\tmake it\n", "out");
	struct jobrec j;
	bool changed = true;

	put("in1", "a");
	put("out", "as before");
	planned_outs(e);
	/* left as it was */
	record_start(&rc, &j, e, T0);
	ck_assert(record_success(&rc, &j, e, T0, 0, &changed));
	record_free(&j);
	ck_assert(!changed);
	/* rewritten */
	record_start(&rc, &j, e, T0);
	put("out", "written anew");
	ck_assert(record_success(&rc, &j, e, T0, 0, &changed));
	record_free(&j);
	ck_assert(changed);
	ck_assert_int_eq(edge_out(e)[0]->st.size, 12);
	/* not made at all: it counts as changed, and is recorded missing */
	unlink("out");
	changed = false;
	record_start(&rc, &j, e, T0);
	ck_assert(record_success(&rc, &j, e, T0, 0, &changed));
	record_free(&j);
	ck_assert(changed);
	ck_assert(edge_out(e)[0]->st.mtime == MTIME_MISSING);
	ck_assert(recorded("out")->outs[0].st.mtime == MTIME_MISSING);
	/* with no log, nothing is recorded, but the outputs are still stated */
	rc.log = NULL;
	put("out", "x");
	record_start(&rc, &j, e, T0);
	ck_assert(record_success(&rc, &j, e, T0, 0, &changed));
	record_free(&j);
	ck_assert(changed);
	ck_assert_int_eq(edge_out(e)[0]->st.size, 1);
	rc.log = &log_;
	ck_assert(recorded("out")->outs[0].st.mtime == MTIME_MISSING);
	unload();
}
END_TEST

START_TEST(a_task_is_recorded_for_its_duration)
{
	/* a task always runs: its record is only how long it took, so that the
	 * longest chain of work starts first; no input is stated */
	struct edge *e = load("task t: in1\n\techo\n", "t");
	const struct record *r;
	struct jobrec j;
	bool changed = false;
	char *notes;

	record_start(&rc, &j, e, T0);
	j.script = "echo\n";
	ck_assert(record_success(&rc, &j, e, T0 + 1500000000, 0, &changed));
	record_free(&j);
	ck_assert(changed); /* what needs a task runs after it */
	r = recorded("t");
	ck_assert_ptr_nonnull(r);
	ck_assert(r->ok);
	ck_assert_uint_eq(r->duration_ms, 1500);
	ck_assert_uint_eq(r->nin, 0);
	ck_assert_uint_eq(r->ndep, 0);
	notes = notes_of(failed_job, e);
	ck_assert_str_eq(notes, ""); /* nothing of a task's is deleted */
	free(notes);
	r = recorded("t");
	ck_assert_ptr_nonnull(r);
	ck_assert(!r->ok);
	unload();
}
END_TEST

START_TEST(depfile_inputs_are_recorded_once_each)
{
	struct edge *e = load("[depfile: {{out}}.d]\nout: in1\n\tmake it\n", "out");
	const struct record *r;
	struct jobrec j;
	bool changed;

	put("in1", "a");
	put("a.h", "12345");
	ck_assert_int_eq(mkdir("inc", 0777), 0);
	put("inc/b.h", "1");
	planned_outs(e);
	record_start(&rc, &j, e, T0);
	/* in1 is an input already; ./a.h and sub/../inc/b.h are canonicalised,
	 * and then a.h and inc//b.h are the same files again */
	put("out.d", "out: in1 ./a.h \\\n sub/../inc/b.h missing.h ./in1 a.h inc//b.h\n");
	put("out", "");
	ck_assert(record_success(&rc, &j, e, T0, 0, &changed));
	record_free(&j);
	r = recorded("out");
	ck_assert_ptr_nonnull(r);
	ck_assert(r->ok);
	ck_assert_uint_eq(r->nin, 1);
	ck_assert_uint_eq(r->ndep, 3);
	ck_assert_str_eq(r->deps[0].path, "a.h");
	ck_assert_int_eq(r->deps[0].st.size, 5);
	ck_assert_str_eq(r->deps[1].path, "inc/b.h");
	ck_assert_int_eq(r->deps[1].st.size, 1);
	ck_assert_str_eq(r->deps[2].path, "missing.h");
	ck_assert(r->deps[2].st.mtime == MTIME_MISSING);
	unload();
}
END_TEST

/* A job of the rule in tf succeeds, with out.d as prepare leaves it; the
 * diagnostics, after checking that record_success fails and the record says
 * the job failed. */
static char *bad_depfile(const char *tf, void (*prepare)(void))
{
	struct edge *e = load(tf, "out");
	const struct record *r;
	struct jobrec j;
	bool changed;
	char *d;

	planned_outs(e);
	record_start(&rc, &j, e, T0);
	put("out", "made");
	if (prepare)
		prepare();
	free(capture_end());
	capture_start();
	ck_assert(!record_success(&rc, &j, e, T0, 0, &changed));
	d = capture_end();
	capture_start();
	record_free(&j);
	ck_assert(!exists("out")); /* the job failed: what it wrote goes */
	r = recorded("out");
	ck_assert_ptr_nonnull(r);
	ck_assert(!r->ok); /* so it runs again */
	unload();
	return d;
}

static void invalid(void)
{
	put("out.d", "no target here\n");
}

static void directory(void)
{
	ck_assert_int_eq(mkdir("out.d", 0777), 0);
}

#define DEPFILE_FAILS(tf, prepare, want)                                                           \
	do {                                                                                       \
		char *d_ = bad_depfile(tf, prepare);                                               \
		ck_assert_str_eq(d_, want);                                                        \
		free(d_);                                                                          \
	} while (0)

static const char *DTF = "x = 1\n[depfile: out.d]\nout:\n\tmake it\n";

START_TEST(a_missing_depfile_fails_the_job)
{
	DEPFILE_FAILS(DTF, NULL,
		      "Taskfile:3:1: error: 'out' failed: cannot read its depfile 'out.d': No "
		      "such file or directory\n"
		      "    out:\n"
		      "    ^~~\n");
}
END_TEST

START_TEST(an_invalid_depfile_fails_the_job)
{
	DEPFILE_FAILS(DTF, invalid,
		      "Taskfile:3:1: error: 'out' failed: its depfile 'out.d' is not valid: no "
		      "'target:' found\n"
		      "    out:\n"
		      "    ^~~\n");
}
END_TEST

START_TEST(an_unreadable_depfile_fails_the_job)
{
	DEPFILE_FAILS(DTF, directory,
		      "Taskfile:3:1: error: 'out' failed: its depfile 'out.d' cannot be read: Is "
		      "a directory\n"
		      "    out:\n"
		      "    ^~~\n");
}
END_TEST

START_TEST(a_depfile_name_in_error_stops_the_build_before_it_runs)
{
	char *d;

	taskfile_init(&l);
	ck_assert(taskfile_source(&l, src_of("[depfile: {{nosuch}}.d]\nout:\n\tmake it\n")));
	ck_assert(!taskfile_graph(&l));
	d = capture_end();
	capture_start();
	ck_assert_str_eq(d, "Taskfile:1:13: error: unknown variable 'nosuch'\n"
			    "    [depfile: {{nosuch}}.d]\n"
			    "                ^~~~~~\n");
	free(d);
	taskfile_free(&l);
	source_free_all();
}

START_TEST(a_failure_deletes_what_the_job_wrote)
{
	struct edge *e = load("out kept rewritten: in1\n\tmake it\n", "out");
	const struct record *r;
	char *notes;

	put("in1", "a");
	put("kept", "made before");
	put("rewritten", "made before");
	planned_outs(e);
	put("out", "partial");
	put("rewritten", "partial, and longer");
	notes = notes_of(failed_job, e);
	ck_assert_str_eq(notes, "baton: deleted 'out'\nbaton: deleted 'rewritten'\n");
	free(notes);
	ck_assert(!exists("out"));
	ck_assert(!exists("rewritten"));
	ck_assert(exists("kept")); /* the job did not touch it */
	ck_assert(edge_out(e)[0]->st.mtime == MTIME_MISSING);
	ck_assert(edge_out(e)[2]->st.mtime == MTIME_MISSING);
	r = recorded("out");
	ck_assert_ptr_nonnull(r);
	ck_assert(!r->ok);
	ck_assert_str_eq(r->script, "a failed job\n");
	ck_assert_uint_eq(r->duration_ms, 2000);
	ck_assert_uint_eq(r->rss_kb, 11);
	ck_assert(r->outs[0].st.mtime == MTIME_MISSING);
	ck_assert_str_eq(r->outs[1].path, "kept");
	ck_assert_int_eq(r->outs[1].st.size, 11);
	ck_assert_uint_eq(r->nin, 1);
	ck_assert_str_eq(r->ins[0].path, "in1");
	ck_assert_uint_eq(r->ndep, 0);
	unload();
}
END_TEST

START_TEST(a_precious_output_is_kept)
{
	struct edge *e = load("[precious]\nout:\n\tmake it\n", "out");
	char *notes;

	planned_outs(e);
	put("out", "partial");
	notes = notes_of(failed_job, e);
	ck_assert_str_eq(notes, "");
	free(notes);
	ck_assert(exists("out"));
	ck_assert(!recorded("out")->ok);
	unload();
}
END_TEST

START_TEST(a_directory_is_kept_and_a_link_goes_not_its_target)
{
	struct edge *e = load("dir link:\n\tmake it\n", "dir");
	char *notes;

	put("target", "keep me");
	planned_outs(e);
	ck_assert_int_eq(mkdir("dir", 0777), 0);
	ck_assert_int_eq(symlink("target", "link"), 0);
	notes = notes_of(failed_job, e);
	ck_assert_str_eq(notes, "baton: deleted 'link'\n");
	free(notes);
	ck_assert(exists("dir"));
	ck_assert(!exists("link"));
	ck_assert(exists("target"));
	unload();
}
END_TEST

START_TEST(nothing_outside_the_project_is_deleted)
{
	char tf[PATH_MAX * 2 + 64], outside[PATH_MAX], inside[PATH_MAX + 16], want[PATH_MAX + 64];
	struct edge *e;
	char *notes;

	snprintf(outside, sizeof(outside), "%s/abs", top);
	snprintf(inside, sizeof(inside), "%s/in", proj);
	snprintf(tf, sizeof(tf), "../rel '%s' '%s':\n\tmake it\n", outside, inside);
	e = load(tf, "../rel");
	planned_outs(e);
	put("../rel", "changed");
	put(outside, "changed");
	put(inside, "partial");
	notes = notes_of(failed_job, e);
	/* an absolute path inside the project is the project's */
	snprintf(want, sizeof(want), "baton: deleted '%s'\n", inside);
	ck_assert_str_eq(notes, want);
	ck_assert(exists("../rel"));
	ck_assert(exists(outside));
	ck_assert(!exists(inside));
	free(notes);
	unload();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("record");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_success_records_outputs_inputs_and_duration);
	tcase_add_test(tc, inputs_the_planner_stated_are_recorded_as_it_found_them);
	tcase_add_test(tc, content_hashes_are_recorded_when_wanted);
	tcase_add_test(tc, whether_an_output_changed);
	tcase_add_test(tc, a_task_is_recorded_for_its_duration);
	tcase_add_test(tc, depfile_inputs_are_recorded_once_each);
	tcase_add_test(tc, a_missing_depfile_fails_the_job);
	tcase_add_test(tc, an_invalid_depfile_fails_the_job);
	tcase_add_test(tc, an_unreadable_depfile_fails_the_job);
	tcase_add_test(tc, a_depfile_name_in_error_stops_the_build_before_it_runs);
	tcase_add_test(tc, a_failure_deletes_what_the_job_wrote);
	tcase_add_test(tc, a_precious_output_is_kept);
	tcase_add_test(tc, a_directory_is_kept_and_a_link_goes_not_its_target);
	tcase_add_test(tc, nothing_outside_the_project_is_deleted);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
