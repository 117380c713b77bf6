/* The OS layer's batch stat: the same answers as one stat at a time, whatever
 * the number of threads, and from the stat queue's worker. */
#include "common.h"
#include "base/arena.h"
#include "os/os.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { NFILES = 2000 };

START_TEST(stat_many_matches_stat)
{
	char dir[] = "/tmp/baton-test-os-XXXXXX";
	static char names[NFILES][64];
	const char *paths[NFILES];
	static struct filestat got[NFILES];
	struct filestat *sts[NFILES], want;
	int threads[] = {1, 2, 7, 100};
	size_t i, t;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < NFILES; i++) {
		snprintf(names[i], sizeof(names[i]), "%s/f%zu", dir, i);
		if (i % 3) { /* a third are missing */
			FILE *f = fopen(names[i], "w");
			ck_assert_ptr_nonnull(f);
			fprintf(f, "%zu", i * i);
			fclose(f);
		}
		paths[i] = names[i];
		sts[i] = &got[i];
	}
	for (t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		memset(got, 0xab, sizeof(got));
		os_stat_many(paths, sts, NFILES, threads[t]);
		for (i = 0; i < NFILES; i++) {
			os_stat(paths[i], &want);
			ck_assert(!filestat_differ(&got[i], &want));
			ck_assert((got[i].mtime == MTIME_MISSING) == (i % 3 == 0));
		}
	}
	os_stat_many(paths, sts, 0, 4); /* nothing to do is no error */
	for (i = 0; i < NFILES; i++)
		unlink(names[i]);
	rmdir(dir);
}
END_TEST

/* What a stat queue is handed: its path first, the filestat it fills after. */
struct qitem {
	const char *path;
	struct filestat st;
};

static bool zero(const struct filestat *st)
{
	return st->mtime == 0 && st->size == 0 && st->ino == 0;
}

/* A stat queue's worker states what it is handed, in order, while the caller
 * goes on: once it is stopped, the items it got to (as many as it says) hold
 * what stat finds, and the others are untouched. If a process was started
 * meanwhile, it says none. */
START_TEST(stat_queue_states_items_in_order)
{
	enum { N = 300 };
	char dir[] = "/tmp/baton-test-os-XXXXXX";
	static char names[N][64];
	static struct qitem items[N];
	struct timespec wait = {0, 500000000};
	struct filestat want;
	struct os_statq *q;
	struct buf out = {0};
	int round, i, status;
	size_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < N; i++) {
		/* some in a directory that is missing, some missing in one that is there */
		snprintf(names[i], sizeof(names[i]), i % 5 == 0 ? "%s/gone/f%d" : "%s/f%d", dir, i);
		if (i % 5 && i % 3) {
			FILE *f = fopen(names[i], "w");
			ck_assert_ptr_nonnull(f);
			fprintf(f, "%d", i * i);
			fclose(f);
		}
	}
	for (round = 0; round < 2; round++) {
		memset(items, 0, sizeof(items));
		q = os_statq_start(offsetof(struct qitem, st));
		ck_assert_ptr_nonnull(q);
		for (i = 0; i < N; i++) {
			items[i].path = names[i];
			os_statq_push(q, &items[i]);
		}
		nanosleep(&wait, NULL); /* time enough to state what was handed over */
		if (round == 1)
			ck_assert(os_capture("true", &out, &status));
		n = os_statq_stop(q);
		if (round == 1) {
			ck_assert_uint_eq(n, 0);
			continue;
		}
		/* handed over a few dozen at a time: the last few may not have been */
		ck_assert_uint_ge(n, N - 64);
		ck_assert_uint_le(n, N);
		for (i = 0; i < N; i++) {
			if ((size_t)i >= n) {
				ck_assert(zero(&items[i].st));
				continue;
			}
			os_stat(names[i], &want);
			ck_assert(!zero(&items[i].st));
			ck_assert(!filestat_differ(&items[i].st, &want));
			ck_assert((want.mtime == MTIME_MISSING) == (i % 5 == 0 || i % 3 == 0));
		}
	}
	/* stopped at once, with nothing handed over */
	q = os_statq_start(offsetof(struct qitem, st));
	ck_assert_uint_eq(os_statq_stop(q), 0);
	buf_free(&out);
	for (i = 0; i < N; i++)
		unlink(names[i]);
	rmdir(dir);
}
END_TEST

/* Files under directories that are missing, in ones that are there or empty, and
 * under a file: each answer is what stat gives, whatever was looked at before it
 * (a missing or empty directory is noted, and what is under it not stated; one
 * that holds only a directory is not empty). */
START_TEST(stat_many_under_missing_directories)
{
	char dir[] = "/tmp/baton-test-os-XXXXXX";
	static const char *const rel[] = {
	    "gone/a/b.o", "gone/a/c.o", "gone/d.o", "gone", "gonex/e.o", "there/f.o",
	    "there/g.o",  "there",      "there/h",  "file/x", "file", "gone/a/b.o",
	    "there/sub/i.o", "there/sub", "there/sub/j.o", "gonex",
	    "empty/k.o", "empty/sub/l.o", "empty", "nest/n.o", "nest/deep/m.o", "nest/deep",
	};
	enum { N = sizeof(rel) / sizeof(rel[0]), REPEAT = 40 };
	static char names[N * REPEAT][96];
	const char *paths[N * REPEAT];
	static struct filestat got[N * REPEAT];
	struct filestat *sts[N * REPEAT], want;
	char p[128];
	size_t i;
	int t;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/gonex", dir);
	ck_assert_int_eq(mkdir(p, 0777), 0);
	snprintf(p, sizeof(p), "%s/gonex/e.o", dir);
	fclose(fopen(p, "w"));
	snprintf(p, sizeof(p), "%s/there", dir);
	ck_assert_int_eq(mkdir(p, 0777), 0);
	snprintf(p, sizeof(p), "%s/there/g.o", dir);
	fclose(fopen(p, "w"));
	snprintf(p, sizeof(p), "%s/file", dir);
	fclose(fopen(p, "w"));
	snprintf(p, sizeof(p), "%s/empty", dir);
	ck_assert_int_eq(mkdir(p, 0777), 0);
	snprintf(p, sizeof(p), "%s/nest", dir);
	ck_assert_int_eq(mkdir(p, 0777), 0);
	snprintf(p, sizeof(p), "%s/nest/deep", dir);
	ck_assert_int_eq(mkdir(p, 0777), 0);
	snprintf(p, sizeof(p), "%s/nest/deep/m.o", dir);
	fclose(fopen(p, "w"));
	for (i = 0; i < N * REPEAT; i++) {
		snprintf(names[i], sizeof(names[i]), "%s/%s", dir, rel[i % N]);
		paths[i] = names[i];
		sts[i] = &got[i];
	}
	for (t = 1; t <= 2; t++) {
		memset(got, 0xab, sizeof(got));
		os_stat_many(paths, sts, N * REPEAT, t);
		for (i = 0; i < N * REPEAT; i++) {
			os_stat(paths[i], &want);
			ck_assert_msg(!filestat_differ(&got[i], &want), "%s", paths[i]);
		}
	}
	ck_assert(got[4].mtime != MTIME_MISSING);	/* gonex/e.o, beside gone */
	ck_assert(got[6].mtime != MTIME_MISSING);	/* there/g.o */
	ck_assert(got[0].mtime == MTIME_MISSING);	/* gone/a/b.o */
	ck_assert(got[9].mtime == MTIME_MISSING);	/* file/x */
	ck_assert(got[16].mtime == MTIME_MISSING);	/* empty/k.o */
	ck_assert(got[18].mtime != MTIME_MISSING);	/* empty */
	ck_assert(got[20].mtime != MTIME_MISSING);	/* nest/deep/m.o, after nest/n.o */
	for (i = 0; i < 3; i++) {
		static const char *const gone[] = {"nest/deep/m.o", "nest/deep", "nest"};
		snprintf(p, sizeof(p), "%s/%s", dir, gone[i]);
		ck_assert_int_eq(remove(p), 0);
	}
	snprintf(p, sizeof(p), "%s/empty", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/gonex/e.o", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/there/g.o", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/file", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/gonex", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/there", dir);
	rmdir(p);
	rmdir(dir);
}
END_TEST

START_TEST(big_blocks_are_aligned_and_zeroed)
{
	size_t n = 2 * OS_BIG, i;
	unsigned char *p = os_alloc_big(n);

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq((uintptr_t)p % OS_BIG, 0);
	for (i = 0; i < n; i += 4096)
		ck_assert_uint_eq(p[i], 0);
	p[n - 1] = 1;
	os_free_big(p, n);
}
END_TEST

/* An arena that grows past OS_BIG moves to big blocks: every object stays
 * zeroed, aligned and apart from the others, through a reset too. */
/* Also an arena of pages, whose blocks have their pages made a step at a time:
 * every object is zeroed and its own, small ones and ones of 12,000 bytes that
 * reach past the pages made so far. */
START_TEST(arena_grows_into_big_blocks)
{
	enum { N = 200000, SZ = 40, BIG = 12000 };
	static uint32_t *objs[N];
	int pages, round, i, n, bad;
	size_t sz;

	/* one assertion a loop, naming the first object wrong: two million of
	 * them took minutes under valgrind */
	for (pages = 0; pages < 2; pages++) {
		struct arena a = {.pages = pages};
		n = pages ? N / 4 : N; /* a page arena's blocks are small: many are enough */
		for (round = 0; round < 2; round++) {
			for (i = 0, bad = -1; i < n; i++) {
				sz = pages && i % 997 == 0 ? BIG : SZ;
				objs[i] = arena_alloc(&a, sz);
				if (bad < 0 && ((uintptr_t)objs[i] % 8 || objs[i][0] || objs[i][sz / 4 - 1]))
					bad = i;
				objs[i][0] = objs[i][sz / 4 - 1] = (uint32_t)i;
			}
			ck_assert_msg(bad < 0, "object %d is not zeroed and aligned", bad);
			for (i = 0; i < n; i++) {
				sz = pages && i % 997 == 0 ? BIG : SZ;
				if (bad < 0 && objs[i][0] + objs[i][sz / 4 - 1] != 2 * (uint32_t)i)
					bad = i;
			}
			ck_assert_msg(bad < 0, "object %d was written over", bad);
			arena_reset(&a);
		}
		arena_free(&a);
	}
}
END_TEST

static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "vgpreload");
}

/* A script in dir called name that writes its directory's name to file. */
static void script(const char *dir, const char *name, const char *file)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\necho %s > %s\n", dir, file);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

static struct os_paths *paths;

static int run(const char *name)
{
	char *argv[] = {(char *)name, NULL};
	struct os_spawn sp = {.argv = argv, .in = -1, .out = -1, .err = -1, .paths = paths};
	pid_t pid;
	int rc = os_spawn(&sp, &pid), st;

	if (rc)
		return rc;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return 0;
}

/* A command is found through PATH as execvp finds it, the place it was found is
 * remembered, and a command that went away from there is searched for again. */
START_TEST(commands_are_found_through_path)
{
	char a[] = "/tmp/baton-test-path-XXXXXX", b[] = "/tmp/baton-test-path-XXXXXX";
	char out[300], path[600], got[300], *old = getenv("PATH");
	char *saved = old ? strdup(old) : NULL;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(a));
	ck_assert_ptr_nonnull(mkdtemp(b));
	snprintf(out, sizeof(out), "%s/out", a);
	snprintf(path, sizeof(path), "/nonexistent:%s:%s", a, b);
	setenv("PATH", path, 1);
	paths = os_paths_new();
	/* not executable in a: b's is the one */
	script(a, "baton-cmd", out);
	chmod(strcat(strcpy(got, a), "/baton-cmd"), 0644);
	script(b, "baton-cmd", out);
	ck_assert_int_eq(run("baton-cmd"), 0);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(got, sizeof(got), f));
	fclose(f);
	ck_assert_str_eq(strtok(got, "\n"), b);
	/* valgrind starts a program that is not there as one that exits with 127,
	 * so what follows, which needs the failure, cannot be seen under it */
	if (under_valgrind())
		goto done;
	/* b's goes away and a's becomes executable: a's runs */
	snprintf(got, sizeof(got), "%s/baton-cmd", b);
	unlink(got);
	snprintf(got, sizeof(got), "%s/baton-cmd", a);
	chmod(got, 0755);
	ck_assert_int_eq(run("baton-cmd"), 0);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(fgets(got, sizeof(got), f));
	fclose(f);
	ck_assert_str_eq(strtok(got, "\n"), a);
	/* gone from everywhere: ENOENT, as from execvp */
	snprintf(got, sizeof(got), "%s/baton-cmd", a);
	unlink(got);
	ck_assert_int_eq(run("baton-cmd"), ENOENT);
	ck_assert_int_eq(run("baton-no-such-command"), ENOENT);
done:
	snprintf(got, sizeof(got), "%s/baton-cmd", a);
	unlink(got);
	snprintf(got, sizeof(got), "%s/baton-cmd", b);
	unlink(got);
	unlink(out);
	rmdir(a);
	rmdir(b);
	if (saved)
		setenv("PATH", saved, 1);
	free(saved);
	os_paths_free(paths);
	paths = NULL;
}
END_TEST

/* Write text to root/dir/name, making the directories first. */
static void put(const char *root, const char *dir, const char *name, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "mkdir -p '%s/%s'", root, dir);
	ck_assert_int_eq(system(path), 0);
	snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* The CPU quota of a cgroup, and of its parents, bounds the CPUs: v2's
 * cpu.max, v1's cfs quota of the cpu controller, rounded up; "max" or -1 and
 * files that are not there are no limit. */
START_TEST(cgroup_quota_bounds_cpus)
{
	char root[] = "/tmp/baton-test-cgroup-XXXXXX", cmd[600];
	const char *job = "0::/user.slice/job\n", *v1 = "cpu,cpuacct/docker/abc";

	ck_assert_ptr_nonnull(mkdtemp(root));
	/* v2: the job's own group allows 2.5 CPUs, its parent 4 */
	put(root, "user.slice/job", "cpu.max", "250000 100000\n");
	put(root, "user.slice", "cpu.max", "400000 100000\n");
	ck_assert_int_eq(os_cgroup_cpus(root, job), 3);
	/* the parent is the tighter one */
	put(root, "user.slice", "cpu.max", "100000 100000\n");
	ck_assert_int_eq(os_cgroup_cpus(root, job), 1);
	put(root, "user.slice", "cpu.max", "max 100000\n");
	put(root, "user.slice/job", "cpu.max", "max 100000\n");
	ck_assert_int_eq(os_cgroup_cpus(root, job), 0);
	/* a group whose directory is not there, as in a container: the root's */
	put(root, ".", "cpu.max", "150000 100000\n");
	ck_assert_int_eq(os_cgroup_cpus(root, "0::/elsewhere\n"), 2);
	ck_assert_int_eq(os_cgroup_cpus(root, "0::/\n"), 2);
	/* v1: the hierarchy of the cpu controller, mounted by its controllers */
	put(root, v1, "cpu.cfs_quota_us", "50000\n");
	put(root, v1, "cpu.cfs_period_us", "100000\n");
	ck_assert_int_eq(os_cgroup_cpus(root, "5:memory:/docker/abc\n"
					      "4:cpu,cpuacct:/docker/abc\n"), 1);
	put(root, v1, "cpu.cfs_quota_us", "-1\n");
	ck_assert_int_eq(os_cgroup_cpus(root, "4:cpu,cpuacct:/docker/abc\n"), 0);
	/* lines that are not cgroups are skipped */
	ck_assert_int_eq(os_cgroup_cpus(root, "garbage\n7:cpuset:/\n\n"), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("os");
	TCase *tc = tcase_create("os");

	tcase_add_test(tc, stat_many_matches_stat);
	tcase_add_test(tc, stat_many_under_missing_directories);
	tcase_add_test(tc, stat_queue_states_items_in_order);
	tcase_add_test(tc, big_blocks_are_aligned_and_zeroed);
	tcase_add_test(tc, arena_grows_into_big_blocks);
	tcase_add_test(tc, commands_are_found_through_path);
	tcase_add_test(tc, cgroup_quota_bounds_cpus);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
