/* What baton may use of the machine: how many CPUs (its affinity mask and
 * its cgroup's CPU quota, v1 or v2) and how many file descriptors. */
#include "os/os.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/util.h"

/* The first line of the file at path, into buf of size n; false if it
 * cannot be read. */
static bool firstline(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (fd < 0)
		return false;
	do
		k = read(fd, buf, n - 1);
	while (k < 0 && errno == EINTR);
	close(fd);
	if (k <= 0)
		return false;
	buf[k] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

/* The CPUs that quota microseconds of CPU time per period allow (rounded up),
 * or INT_MAX for no limit. */
static int quota_cpus(long long quota, long long period)
{
	long long n;

	if (quota <= 0 || period <= 0)
		return INT_MAX;
	n = (quota + period - 1) / period;
	return n < INT_MAX ? (int)n : INT_MAX;
}

/* The limit that the cgroup at dir (cgroup v2 if v2, else the cpu controller
 * of v1) and its parents up to root set, as quota_cpus gives it. */
static int cgroup_dir_cpus(char *dir, size_t root, bool v2)
{
	size_t len = strlen(dir);
	char path[PATH_MAX + 32], line[128];
	long long quota, period;
	int best = INT_MAX, n;
	char *slash;

	for (;;) {
		n = INT_MAX;
		if (v2) {
			snprintf(path, sizeof(path), "%s/cpu.max", dir);
			if (firstline(path, line, sizeof(line)) &&
			    sscanf(line, "%lld %lld", &quota, &period) == 2)
				n = quota_cpus(quota, period);
		} else {
			snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
			if (firstline(path, line, sizeof(line)) && sscanf(line, "%lld", &quota) == 1) {
				snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
				if (firstline(path, line, sizeof(line)) &&
				    sscanf(line, "%lld", &period) == 1)
					n = quota_cpus(quota, period);
			}
		}
		if (n < best)
			best = n;
		slash = strrchr(dir, '/');
		if (len <= root || !slash || (size_t)(slash - dir) < root)
			break;
		*slash = '\0';
		len = (size_t)(slash - dir);
	}
	return best;
}

/* Whether the v1 controllers "a,b,c" of a line of /proc/self/cgroup, n bytes,
 * hold the cpu controller. */
static bool hascpu(const char *c, size_t n)
{
	size_t w;

	for (; n > 0; c += w + (w < n), n -= w + (w < n)) {
		w = strcspn(c, ",:");
		if (w > n)
			w = n;
		if (w == 3 && !strncmp(c, "cpu", 3))
			return true;
	}
	return false;
}

int os_cgroup_cpus(const char *fsroot, const char *cgroups)
{
	char dir[PATH_MAX];
	const char *line, *end, *ctl, *path;
	int best = INT_MAX, n, plen, root;
	bool v2;

	for (line = cgroups; *line; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		/* "id:controllers:path"; v2's is "0::path" */
		ctl = memchr(line, ':', (size_t)(end - line));
		path = ctl ? memchr(ctl + 1, ':', (size_t)(end - ctl - 1)) : NULL;
		if (!path || path + 1 == end || path[1] != '/')
			continue;
		v2 = path == ctl + 1;
		if (!v2 && !hascpu(ctl + 1, (size_t)(path - ctl - 1)))
			continue;
		plen = (int)(end - path - 1);
		if (plen == 1)
			plen = 0; /* the root, "/": nothing to add */
		/* v1's hierarchy is mounted under the names of its controllers */
		root = v2 ? snprintf(dir, sizeof(dir), "%s", fsroot)
			  : snprintf(dir, sizeof(dir), "%s/%.*s", fsroot, (int)(path - ctl - 1), ctl + 1);
		if (root < 0 || (size_t)root + (size_t)plen >= sizeof(dir))
			continue;
		snprintf(dir + root, sizeof(dir) - (size_t)root, "%.*s", plen, path + 1);
		n = cgroup_dir_cpus(dir, (size_t)root, v2);
		if (n < best)
			best = n;
	}
	return best == INT_MAX ? 0 : best;
}

int os_ncpus(void)
{
	static int known;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	struct buf cg = {0};
	int n = online > 0 ? (int)online : 1, fd, lim;

	if (known)
		return known;
	/* the CPUs this process may run on (taskset, a container's cpuset) */
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0 &&
	    CPU_COUNT(&set) < n)
		n = CPU_COUNT(&set);
	/* and the CPU time its cgroup may take (docker --cpus, systemd CPUQuota) */
	fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && os_read_all(fd, &cg) && cg.s) {
		lim = os_cgroup_cpus("/sys/fs/cgroup", cg.s);
		if (lim > 0 && lim < n)
			n = lim;
	}
	if (fd >= 0)
		close(fd);
	buf_free(&cg);
	return known = n;
}

long os_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max;
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > LONG_MAX ? LONG_MAX : (long)rl.rlim_cur;
}
