/* The OS layer's batch stat: the same answers as one stat at a time, whatever
 * the number of threads. */
#include "common.h"
#include "os.h"

#include <sys/stat.h>
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

int main(void)
{
	Suite *s = suite_create("os");
	TCase *tc = tcase_create("os");

	tcase_add_test(tc, stat_many_matches_stat);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
