/* Process helpers for bench/run.py.
 *
 *   spawn ceiling JOBS COUNT true
 *   spawn ceiling JOBS COUNT touch DIR
 *   spawn ceiling JOBS COUNT shtouch DIR
 *       The machine's direct-exec ceiling: start COUNT processes, at most JOBS at
 *       a time, with posix_spawn, and wait for each: /bin/true, `touch DIR/<i>`,
 *       or `/bin/sh -ec 'touch DIR/<i>'` (one shell a job, as baton and ninja
 *       run recipes). No graph, no up-to-date check, no output: what is left is
 *       the cost of creating and reaping processes. Prints the elapsed seconds.
 *
 *   spawn run RESULT TIMEOUT PROGRAM [ARGS...]
 *       Run one build: fork, exec PROGRAM in a new session (its own process
 *       group), wait for it, and write "STATUS SECONDS MAXRSS_KIB" to the file
 *       RESULT, where STATUS is "exit N", "signal N" or "timeout". After TIMEOUT
 *       seconds the whole process group is killed. MAXRSS is ru_maxrss of the
 *       child as wait4 reports it: the peak of the program and of any process it
 *       waited for. This helper is small, so unlike a fork or vfork of the Python
 *       runner, it adds next to nothing to that peak.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int ceiling(int argc, char **argv)
{
	long jobs, count, started = 0, running = 0;
	const char *mode;
	char path[4096], script[4200];
	double t0;
	int st;

	if (argc < 3 || (strcmp(argv[2], "true") && argc < 4)) {
		fprintf(stderr, "usage: spawn ceiling JOBS COUNT true|touch DIR|shtouch DIR\n");
		return 2;
	}
	jobs = atol(argv[0]);
	count = atol(argv[1]);
	mode = argv[2];
	if (jobs < 1)
		jobs = 1;
	t0 = now();
	while (started < count || running > 0) {
		while (running < jobs && started < count) {
			char *av[4];
			pid_t pid;
			int rc;

			if (!strcmp(mode, "true")) {
				av[0] = "/bin/true";
				av[1] = NULL;
			} else if (!strcmp(mode, "touch")) {
				snprintf(path, sizeof(path), "%s/%ld", argv[3], started);
				av[0] = "/usr/bin/touch";
				av[1] = path;
				av[2] = NULL;
			} else {
				snprintf(script, sizeof(script), "touch %s/%ld", argv[3], started);
				av[0] = "/bin/sh";
				av[1] = "-ec";
				av[2] = script;
				av[3] = NULL;
			}
			rc = posix_spawn(&pid, av[0], NULL, NULL, av, environ);
			if (rc) {
				fprintf(stderr, "spawn: cannot run %s: %s\n", av[0], strerror(rc));
				return 1;
			}
			started++;
			running++;
		}
		if (wait(&st) < 0) {
			perror("spawn: wait");
			return 1;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "spawn: a child failed (status %d)\n", st);
			return 1;
		}
		running--;
	}
	printf("%.6f\n", now() - t0);
	return 0;
}

static volatile sig_atomic_t expired;

static void onalarm(int sig)
{
	(void)sig;
	expired = 1;
}

static int run(int argc, char **argv)
{
	struct sigaction sa;
	struct itimerval it;
	struct rusage ru;
	double t0, t1, limit;
	pid_t pid;
	FILE *f;
	int st = 0;
	int killed = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: spawn run RESULT TIMEOUT PROGRAM [ARGS...]\n");
		return 2;
	}
	limit = atof(argv[1]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onalarm; /* no SA_RESTART: wait4 returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("spawn: fork");
		return 1;
	}
	if (pid == 0) {
		setsid();
		execvp(argv[2], argv + 2);
		fprintf(stderr, "spawn: cannot run %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = (time_t)limit;
	it.it_value.tv_usec = (suseconds_t)((limit - (double)(time_t)limit) * 1e6);
	setitimer(ITIMER_REAL, &it, NULL);
	for (;;) {
		if (wait4(pid, &st, 0, &ru) == pid)
			break;
		if (errno != EINTR) {
			perror("spawn: wait4");
			return 1;
		}
		if (expired && !killed) {
			kill(-pid, SIGKILL);
			killed = 1;
		}
	}
	t1 = now();
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	if (killed)
		kill(-pid, SIGKILL); /* what is left of the group */
	f = fopen(argv[0], "w");
	if (!f) {
		perror(argv[0]);
		return 1;
	}
	if (killed)
		fprintf(f, "timeout");
	else if (WIFSIGNALED(st))
		fprintf(f, "signal %d", WTERMSIG(st));
	else
		fprintf(f, "exit %d", WEXITSTATUS(st));
	fprintf(f, " %.6f %ld\n", t1 - t0, ru.ru_maxrss);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "ceiling"))
		return ceiling(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return run(argc - 2, argv + 2);
	fprintf(stderr, "usage: spawn ceiling JOBS COUNT MODE [DIR] | spawn run RESULT TIMEOUT PROGRAM...\n");
	return 2;
}
