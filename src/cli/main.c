/* baton: the command line. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/out.h"
#include "cli/cli.h"
#include "lang/eval.h"
#include "os/os.h"
#include "plan/task.h"
#include "run/jobserver.h"

static const char usage[] =
    "usage: baton [options] [NAME=value...] [target|task [args...]...]\n"
    "\n"
    "Build targets and run tasks from a Taskfile, in parallel.\n"
    "\n"
    "options:\n"
    "  -j, --jobs=N         run N jobs at once (default: usable CPUs; 0: no limit)\n"
    "  -k, --keep-going     keep going with what does not depend on a failed job\n"
    "  -n, --dry-run        print what would run, run nothing\n"
    "  -B, --always-make    treat every target as out of date\n"
    "  -C, --directory=DIR  change to DIR first\n"
    "  -f, --file=FILE      use FILE as the Taskfile (default: ./Taskfile or a parent's)\n"
    "  -v, --verbose        print each job's expanded recipe\n"
    "  -q, --quiet          print only the jobs' output and errors: no [i/N] lines\n"
    "      --output=MODE    show the jobs' output: buffered (one block per job when it\n"
    "                       ends; the default), stream (as it comes; the default at\n"
    "                       -j1), prefixed (each line after its job's name) or ordered\n"
    "                       (blocks in the order the jobs are declared)\n"
    "      --color=WHEN     colour: auto (on a terminal, unless NO_COLOR is set),\n"
    "                       always or never\n"
    "      --log TARGET     print the output of TARGET's last run, and exit\n"
    "  -d explain, --explain  say why each job runs\n"
    "  -d stats             print how long each phase took, to stderr, at the end\n"
    "      --content        when an input's time changed, compare its content too\n"
    "      --dotenv[=FILE]  read FILE (default: .env beside the Taskfile) into the\n"
    "                       environment, never over a variable already set\n"
    "      --jobserver-style=STYLE  how jobs are offered baton's -j slots: both (the\n"
    "                       default), fifo (make 4.4, ninja 1.13), pipe (older makes)\n"
    "                       or none\n"
    "  -l, --list           list tasks and documented rules\n"
    "      --dump=WHAT      print tokens, ast, graph or plan, and exit\n"
    "  -h, --help           print this help\n"
    "      --version        print the version\n"
    "\n"
    "NAME=value sets a variable, overriding the Taskfile, and puts it into the jobs'\n"
    "environment; NAME+=value appends to it. Words after a task with parameters are\n"
    "its arguments, even those that start with '-' (param=value names one); a task\n"
    "named again runs again with its new arguments. Options may follow a target, but\n"
    "-C, -f, --dotenv, -l, --dump, --log, -h and --version come first. With no\n"
    "target, the first rule or task is built. Goals take effect in order: what\n"
    "needs files, named after a task, is planned once that task has ended\n"
    "(baton clean all).\n"
    "Under make, baton takes a token of make's jobserver for each job beyond its first;\n"
    "else it offers its jobs a jobserver of its own with -j slots.\n"
    "Exit status: 0 success, 1 a job failed (or memory ran out), 2 a usage or\n"
    "Taskfile error, 128+N stopped by signal N.\n";

static NORETURN void usage_error(const char *fmt, const char *arg)
{
	struct buf b = {0};

	buf_puts(&b, "baton: ");
	buf_printf(&b, fmt, arg);
	buf_puts(&b, "\nTry 'baton --help' for more information.\n");
	out_write(OUT_STDERR, b.s, b.len);
	buf_free(&b);
	exit(EXIT_USAGE);
}

/* A mistake that stops baton before it reads the Taskfile. */
static NORETURN void usage_fail(const char *fmt, const char *arg, int err)
{
	struct buf b = {0};

	buf_printf(&b, fmt, arg);
	out_note("%s: %s", b.s, strerror(err));
	buf_free(&b);
	exit(EXIT_USAGE);
}

/* Options that decide which Taskfile is read, or end baton at once: they come
 * before the targets. */
static bool early(int c)
{
	return strchr("CfhVlDeL", c) != NULL;
}

/* The options, as getopt_long takes them: they stop at the first target. */
static const char shortopts[] = "+:j:knBC:f:vqld:h";
static const struct option longopts[] = {
    {"jobs", required_argument, NULL, 'j'},  {"keep-going", no_argument, NULL, 'k'},
    {"dry-run", no_argument, NULL, 'n'},     {"always-make", no_argument, NULL, 'B'},
    {"directory", required_argument, NULL, 'C'}, {"file", required_argument, NULL, 'f'},
    {"verbose", no_argument, NULL, 'v'},     {"list", no_argument, NULL, 'l'},
    {"dump", required_argument, NULL, 'D'},  {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},     {"explain", no_argument, NULL, 'E'},
    {"content", no_argument, NULL, 'H'},     {"quiet", no_argument, NULL, 'q'},
    {"output", required_argument, NULL, 'O'}, {"color", required_argument, NULL, 'c'},
    {"colour", required_argument, NULL, 'c'}, {"log", required_argument, NULL, 'L'},
    {"dotenv", optional_argument, NULL, 'e'},
    {"jobserver-style", required_argument, NULL, 'S'}, {NULL, 0, NULL, 0},
};

/* Whether the long option word w ("--name", no "=value") takes the next word
 * as its value: it names (or is the only one to start) one that needs one. */
static bool takes_next(const char *w)
{
	const struct option *o, *found = NULL;
	size_t n = strlen(w + 2);
	int matches = 0;

	for (o = longopts; o->name; o++) {
		if (strncmp(o->name, w + 2, n))
			continue;
		if (!o->name[n])
			return o->has_arg == required_argument;
		found = o; /* an abbreviation: it must be of one option only */
		matches++;
	}
	return matches == 1 && found->has_arg == required_argument;
}

/* The word of the command line that holds the short option c at which
 * getopt_long stopped: the first cluster of short options in which, read as
 * getopt reads it, c comes where an option letter is due; NULL if none. */
static const char *cluster_of(int argc, char **argv, int c)
{
	const char *p, *o;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (argv[i][0] != '-' || !argv[i][1])
			continue;
		if (argv[i][1] == '-') {
			i += !strchr(argv[i], '=') && takes_next(argv[i]);
			continue;
		}
		for (p = argv[i] + 1; *p; p++) {
			if (*p == c)
				return argv[i];
			o = *p != ':' && *p != '+' ? strchr(shortopts, *p) : NULL;
			if (!o)
				break;
			if (o[1] == ':') {
				i += !p[1]; /* its value is the next word */
				break;
			}
		}
	}
	return NULL;
}

/* The long options that the word w ("--na") abbreviates, if more than one. */
static bool ambiguous(const char *w, struct buf *names)
{
	const struct option *o;
	size_t n = strcspn(w + 2, "=");
	int k = 0;

	for (o = longopts; o->name; o++) {
		if (!strncmp(o->name, w + 2, n) && o->name[n]) {
			buf_printf(names, "%s--%s", k++ ? ", " : "", o->name);
		} else if (!strncmp(o->name, w + 2, n)) {
			return false;
		}
	}
	return k > 1;
}

/* Say which option getopt_long found wrong (it returned code, '?' or ':'),
 * and stop: the option itself, and the word it is in if that is more. The
 * word before the first in argv (argv[0]) is the one before them on the
 * command line, or the program's name. */
static NORETURN void bad_option(int argc, char **argv, int code)
{
	const char *word = argv[optind - 1], *in = NULL;
	struct buf name = {0}, msg = {0}, names = {0};
	int i;

	if (optopt && (word[0] != '-' || word[1] != '-')) {
		buf_printf(&name, "-%c", optopt);
		in = cluster_of(argc, argv, optopt);
	} else {
		buf_add(&name, word, strcspn(word, "="));
	}
	if (code == ':')
		buf_printf(&msg, "option '%s' needs a value", name.s);
	else if (!optopt && ambiguous(word, &names))
		buf_printf(&msg, "option '%s' is ambiguous (%s)", name.s, names.s);
	else
		buf_printf(&msg, "unknown option '%s'", name.s);
	if (in && strcmp(in, name.s))
		buf_printf(&msg, " (in '%s')", in);
	/* "NAME=-O0 -DFOO" unquoted: the words after the first look like options */
	for (i = 1; in && i < argc && argv[i] != in; i++)
		;
	if (in && i < argc && task_isassign(argv[i - 1]))
		buf_printf(&msg, "\nbaton: note: quote a value of several words as one: '%s %s'",
			   argv[i - 1], in);
	usage_error("%s", msg.s);
}

int cli_options(int argc, char **argv, struct options *o, bool late)
{
	char *end;
	int c, at;

	/* options stop at the first target: the words after a task may be its
	 * arguments, whatever they look like (build.c reads the others) */
	optind = 0;
	opterr = 0;
	for (;;) {
		at = optind ? optind : 1; /* the word read now */
		if ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) == -1)
			break;
		if (late && early(c))
			usage_error("option '%s' must come before the targets", argv[at]);
		switch (c) {
		case 'j':
			errno = 0;
			o->jobs = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || o->jobs < 0 || o->jobs > INT_MAX)
				usage_error("-j needs a number of jobs (0 or more), not '%s'", optarg);
			break;
		case 'k': o->keep_going = true; break;
		case 'n': o->dry_run = true; break;
		case 'B': o->always = true; break;
		case 'C': o->dir = optarg; break;
		case 'f': o->file = optarg; break;
		case 'v': o->verbose = true; break;
		case 'q': o->quiet = true; break;
		case 'L': o->log = optarg; break;
		case 'O': {
			static const char *const modes[] = {"buffered", "stream", "prefixed",
							    "ordered"};
			size_t i;
			for (i = 0; i < LEN(modes) && strcmp(optarg, modes[i]); i++)
				;
			if (i == LEN(modes))
				usage_error("--output takes buffered, stream, prefixed or ordered, not "
					    "'%s'", optarg);
			o->output = (int)i + 1;
			break;
		}
		case 'c':
			if (!strcmp(optarg, "auto"))
				o->colour = COLOUR_AUTO;
			else if (!strcmp(optarg, "always"))
				o->colour = COLOUR_ALWAYS;
			else if (!strcmp(optarg, "never"))
				o->colour = COLOUR_NEVER;
			else
				usage_error("--color takes auto, always or never, not '%s'", optarg);
			out_set_colour(o->colour);
			break;
		case 'l': o->list = true; break;
		case 'E': o->explain = true; break;
		case 'H': o->content = true; break;
		case 'e':
			o->dotenv = optarg ? optarg : "";
			if (optarg && !*optarg)
				usage_error("--dotenv=FILE needs a file name%s", "");
			break;
		case 'S':
			if (!strcmp(optarg, "both"))
				o->jobserver_style = JOBSERVER_BOTH;
			else if (!strcmp(optarg, "fifo"))
				o->jobserver_style = JOBSERVER_FIFO;
			else if (!strcmp(optarg, "pipe"))
				o->jobserver_style = JOBSERVER_PIPE;
			else if (!strcmp(optarg, "none"))
				o->jobserver_style = -1;
			else
				usage_error("--jobserver-style takes fifo, pipe, both or none, not '%s'",
					    optarg);
			break;
		case 'd':
			if (!strcmp(optarg, "explain"))
				o->explain = true;
			else if (!strcmp(optarg, "stats"))
				o->stats = true;
			else
				usage_error("-d takes 'explain' or 'stats', not '%s'", optarg);
			break;
		case 'D':
			if (strcmp(optarg, "tokens") && strcmp(optarg, "ast") &&
			    strcmp(optarg, "graph") && strcmp(optarg, "plan"))
				usage_error("--dump takes tokens, ast, graph or plan, not '%s'", optarg);
			o->dump = optarg;
			break;
		case 'h':
			out_puts(OUT_STDOUT, usage);
			out_flush();
			exit(0);
		case 'V':
			out_puts(OUT_STDOUT, "baton " BATON_VERSION "\n");
			out_flush();
			exit(0);
		default:
			bad_option(argc, argv, c);
		}
	}
	return optind;
}

/* Find the Taskfile: -f, or ./Taskfile or the nearest parent's; then change into
 * its directory. Returns the name to read it by from there. */
static const char *find_taskfile(const struct options *o)
{
	static char name[PATH_MAX];
	char cwd[PATH_MAX], *slash;

	if (o->file) {
		struct stat st;
		/* said of the file as named, before the name is made relative */
		if (stat(o->file, &st) < 0)
			usage_fail("cannot read '%s'", o->file, errno);
		if (S_ISDIR(st.st_mode))
			usage_fail("cannot read '%s'", o->file, EISDIR);
		/* a pipe, or what is named in /dev or /proc (-f /dev/stdin,
		 * <(...)), has no directory of its own: the recipes run where baton
		 * was started */
		if (!S_ISREG(st.st_mode) || !strncmp(o->file, "/dev/", 5) ||
		    !strncmp(o->file, "/proc/", 6))
			return o->file;
		if (strlen(o->file) >= sizeof(name))
			usage_error("file name too long: '%s'", o->file);
		strcpy(name, o->file);
		slash = strrchr(name, '/');
		if (!slash)
			return name;
		if (slash == name) {
			if (chdir("/") < 0)
				usage_error("cannot change to '/': %s", strerror(errno));
			return slash + 1;
		}
		*slash = '\0';
		if (chdir(name) < 0)
			usage_fail("cannot change to '%s'", name, errno);
		return slash + 1;
	}
	if (!getcwd(cwd, sizeof(cwd)))
		usage_fail("cannot find the current directory%s", "", errno);
	for (;;) {
		if (access("Taskfile", F_OK) == 0)
			return "Taskfile";
		if (!strcmp(cwd, "/") || chdir("..") < 0)
			break;
		slash = strrchr(cwd, '/');
		slash[slash == cwd] = '\0';
	}
	out_note("no Taskfile in this directory or any parent (use -f FILE)");
	exit(EXIT_USAGE);
}

int main(int argc, char **argv)
{
	struct options o = {0};
	char cwd[PATH_MAX], dotenv[PATH_MAX];
	const char *path;
	int first, rc;

	/* a closed output pipe or a file size limit make writes fail (and are
	 * reported) rather than kill baton with its jobs unrecorded; the jobs get
	 * the default actions back (os_spawn) */
	os_signals_start();
	os_stop_on_signals();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	os_std_fds();
	out_init();
	/* before any file is opened: see jobserver_join */
	o.jobserver = jobserver_join(&o.jobserver_unusable);
	o.jobserver_style = JOBSERVER_BOTH;
	o.jobs = os_ncpus();
	first = cli_options(argc, argv, &o, false);
	/* invocation_dir(), and a --dotenv file named from here */
	if (getcwd(cwd, sizeof(cwd)))
		func_set_invocation_dir(cwd);
	if (o.dotenv && *o.dotenv && o.dotenv[0] != '/' && getcwd(cwd, sizeof(cwd)) &&
	    snprintf(dotenv, sizeof(dotenv), "%s/%s", cwd, o.dotenv) < (int)sizeof(dotenv))
		o.dotenv = dotenv;
	if (o.dir && chdir(o.dir) < 0)
		usage_fail("cannot change to '%s'", o.dir, errno);
	path = find_taskfile(&o);
	os_set_pwd();
	rc = build_main(&o, path, argc - first, argv + first);
	jobserver_free(o.jobserver);
	func_set_invocation_dir(NULL);
	out_flush();
	if (out_error()) {
		int err = out_error();
		/* the error is stdout's: this goes to stderr, which may still work */
		out_note("error writing output: %s", strerror(err));
		if (rc == 0)
			rc = EXIT_FAILED;
	}
	return rc;
}
