"""GNU make's jobserver, both ways, and baton run by a job of baton.

Concurrency is shown by files the jobs write: each job appends "start" and
"end" lines to an events file (under flock), and the case computes the most
jobs that were between their start and their end at once.  Each job first
waits until as many jobs as the limit allows have started (or ~10 s), so that
a limit that holds is reached, and one that does not hold is overrun."""

import fcntl
import os
import re
import shutil
import signal
import subprocess
import time

from harness import case, WRAPPER

# A job: "start", wait for $2 jobs to have started, a little more, "end".
JOB_SH = r"""ev=$1; want=$2
flock "$ev.lock" -c "echo start >> '$ev'"
i=0
while [ "$(grep -c start "$ev")" -lt "$want" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
sleep 0.2
flock "$ev.lock" -c "echo end >> '$ev'"
"""


def setup(t):
    t.write("job.sh", JOB_SH)
    return t.path("events")


def most(t, events="events"):
    """The most jobs that ran at once, by the events file."""
    cur = top = 0
    for line in t.log(events):
        cur += 1 if line == "start" else -1
        top = max(top, cur)
    return top


def tasks(name, n, ev, want, job="sh %s/job.sh"):
    """Task `name` that needs n tasks, each one job of job.sh."""
    root = os.path.dirname(ev)
    text = "task %s: %s\n" % (name, " ".join("%s%d" % (name, i) for i in range(n)))
    for i in range(n):
        text += "task %s%d:\n  %s %s %d\n" % (name, i, job % root, ev, want)
    return text


def need_make(t):
    if not shutil.which("make"):
        t.fail("GNU make is needed for this case (.ci/install-deps installs it)")


def tokens_in(fd):
    """Read every token a pipe holds now (it is left empty); how many."""
    fl = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, fl | os.O_NONBLOCK)
    n = 0
    try:
        while True:
            got = os.read(fd, 4096)
            if not got:
                break
            n += len(got)
    except BlockingIOError:
        pass
    fcntl.fcntl(fd, fcntl.F_SETFL, fl)
    return n


@case
def jobserver_make_over_two_batons(t):
    # make -j3 runs two batons that each want 4 jobs: never more than 3 jobs
    need_make(t)
    ev = setup(t)
    for d in ("a", "b"):
        t.write(d + "/Taskfile", tasks("all", 4, ev, 3))
    t.write("Makefile", ".PHONY: all a b\nall: a b\n"
            "a:\n\t+%s -C a -j4 all\nb:\n\t+%s -C b -j4 all\n" % (t.baton, t.baton),
            dedent=False)
    r = subprocess.run(["make", "-j3", "-s"], cwd=t.root, capture_output=True,
                       env=dict(os.environ, LC_ALL="C"), timeout=60)
    if r.returncode != 0:
        t.fail("make failed (%d):\n%s" % (r.returncode, r.stderr.decode()))
    t.eq(t.log("events").count("start"), 8, "jobs that ran")
    t.eq(most(t), 3, "most jobs at once under make -j3")


@case
def jobserver_unreachable_fds_warns(t):
    # a make rule without '+' closes the jobserver's fds: baton says so and
    # runs one job at a time, as make does
    need_make(t)
    ev = setup(t)
    t.write("a/Taskfile", tasks("all", 3, ev, 1))
    t.write("Makefile", "all:\n\t%s -C a -j4 all\n" % t.baton, dedent=False)
    r = subprocess.run(["make", "-j3", "-s"], cwd=t.root, capture_output=True,
                       env=dict(os.environ, LC_ALL="C"), timeout=60)
    if r.returncode != 0:
        t.fail("make failed (%d):\n%s" % (r.returncode, r.stderr.decode()))
    t.match(r"^baton: warning: jobserver unavailable: its file descriptors \d+,\d+ are not "
            r"open \(a make rule that runs baton needs a '\+' in front, or \$\(MAKE\)\); "
            r"running one job at a time$", r.stderr.decode(), "stderr")
    t.eq(most(t), 1, "most jobs at once")


@case
def jobserver_make_in_a_recipe(t):
    # a make run by a recipe of baton -j2 shares baton's two slots
    need_make(t)
    ev = setup(t)
    t.write("sub/Makefile", ".PHONY: all %s\nall: %s\n%s" % (
        " ".join("m%d" % i for i in range(6)), " ".join("m%d" % i for i in range(6)),
        "".join("m%d:\n\tsh %s/job.sh %s 2\n" % (i, t.root, ev) for i in range(6))),
        dedent=False)
    t.taskfile("task all: mk j\ntask mk:\n  make -s -C sub\ntask j:\n  sh job.sh %s 2\n" % ev,
               dedent=False)
    r = t.run("-j2", "all")
    t.rc(r, 0)
    t.lacks(r.out + r.err, "warning", "output")
    t.eq(t.log("events").count("start"), 7, "jobs that ran")
    t.eq(most(t), 2, "most jobs at once under baton -j2")


def nested(t, style):
    # baton -j2 runs a job and a baton (same directory) that wants 4 jobs
    ev = setup(t)
    t.taskfile(tasks("inner", 4, ev, 2) +
               "task all: outer0 nest\ntask outer0:\n  sh job.sh %s 2\n"
               "task nest:\n  %s -j4 inner\n" % (ev, t.baton), dedent=False)
    r = t.run("-j2", "--jobserver-style=" + style, "all")
    t.rc(r, 0)
    t.eq(t.log("events").count("start"), 5, "jobs that ran")
    t.eq(most(t), 2, "most jobs at once under baton -j2")
    t.lacks(r.err, "waiting", "stderr")


@case
def jobserver_nested_fifo(t):
    nested(t, "fifo")


@case
def jobserver_nested_pipe(t):
    nested(t, "pipe")


@case
def jobserver_makeflags_forms(t):
    t.taskfile("task show:\n  echo \"$MAKEFLAGS\"\n", dedent=False)
    for style, want in (("both", r"^ -j3 --jobserver-auth=fifo:\S+ --jobserver-auth=\d+,\d+$"),
                        ("fifo", r"^ -j3 --jobserver-auth=fifo:\S+$"),
                        ("pipe", r"^ -j3 --jobserver-auth=\d+,\d+$")):
        r = t.run("-j3", "--jobserver-style=" + style, "show")
        t.rc(r, 0)
        t.match(want, r.out, "MAKEFLAGS of a job (%s)" % style)
    # other flags and variables are kept, the options before the variables
    r = t.run("-j2", "--jobserver-style=pipe", "show", env={"MAKEFLAGS": "k -j9 -- CC=x"})
    t.match(r"^k -j2 --jobserver-auth=\d+,\d+ -- CC=x$", r.out, "MAKEFLAGS of a job")
    r = t.run("-j2", "--jobserver-style=none", "show")
    t.eq(r.out, "[1/1] show\n\n", "stdout")
    r = t.run("-j2", "--jobserver-style=nope", "show")
    t.rc(r, 2)
    t.eq(r.err.splitlines()[0], "baton: --jobserver-style takes fifo, pipe, both or none, "
         "not 'nope'", "stderr")


class FifoServer:
    """A jobserver of the case's own: a fifo holding n - 1 tokens."""

    def __init__(self, t, n):
        self.path = t.path("jobs.fifo")
        os.mkfifo(self.path)
        self.fd = os.open(self.path, os.O_RDWR | os.O_NONBLOCK)
        os.write(self.fd, b"+" * (n - 1))
        self.makeflags = " -j%d --jobserver-auth=fifo:%s" % (n, self.path)

    def count(self):
        return tokens_in(self.fd)


class PipeServer:
    """The same with a pipe, the R,W form."""

    def __init__(self, n):
        self.r, self.w = os.pipe()
        os.write(self.w, b"+" * (n - 1))
        self.makeflags = " -j%d --jobserver-auth=%d,%d" % (n, self.r, self.w)
        self.fds = (self.r, self.w)

    def count(self):
        return tokens_in(self.r)


@case
def jobserver_client_of_fifo(t):
    # baton -j8 under a fifo jobserver of 3 slots: 3 jobs at once, and every
    # token back at the end
    ev = setup(t)
    t.taskfile(tasks("all", 6, ev, 3), dedent=False)
    js = FifoServer(t, 3)
    r = t.run("-j8", "all", env={"MAKEFLAGS": js.makeflags})
    t.rc(r, 0)
    t.eq(most(t), 3, "most jobs at once with 3 slots")
    t.eq(js.count(), 2, "tokens in the jobserver after the build")


@case
def jobserver_client_of_pipe(t):
    ev = setup(t)
    t.taskfile(tasks("all", 6, ev, 2), dedent=False)
    js = PipeServer(2)
    r = t.run("-j8", "all", env={"MAKEFLAGS": js.makeflags}, pass_fds=js.fds)
    t.rc(r, 0)
    t.eq(most(t), 2, "most jobs at once with 2 slots")
    t.eq(js.count(), 1, "tokens in the jobserver after the build")


@case
def jobserver_tokens_back_after_killed_job(t):
    # a job killed by a signal, and -k keeps going: every token comes back
    ev = setup(t)
    t.taskfile(tasks("all", 4, ev, 3) + "task boom:\n  kill -9 $$\n"
               "task both: all boom\n", dedent=False)
    js = PipeServer(4)
    r = t.run("-k", "-j8", "both", env={"MAKEFLAGS": js.makeflags}, pass_fds=js.fds)
    t.rc(r, 1)
    t.contains(r.err, "killed by signal 9 (SIGKILL)", "stderr")
    t.eq(js.count(), 3, "tokens in the jobserver after the build")


@case
def jobserver_tokens_back_after_interrupt(t):
    # Ctrl-C while 3 jobs hold the implicit slot and 2 tokens: all come back
    # (each job becomes sleep, so that the signal is never caught by a shell
    # between two commands: a shell run with -c may carry on after it then)
    t.taskfile("task all: s0 s1 s2 s3\n" + "".join(
        "task s%d:\n  echo $$ > started.%d; exec sleep 30\n" % (i, i) for i in range(4)),
        dedent=False)
    js = FifoServer(t, 3)
    env = dict(os.environ, LC_ALL="C", MAKEFLAGS=js.makeflags)
    p = subprocess.Popen(WRAPPER + [t.baton, "-j8", "all"], cwd=t.root, env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        end = time.monotonic() + 20
        while (len([f for f in os.listdir(t.root) if f.startswith("started.")]) < 3
               and p.poll() is None and time.monotonic() < end):
            time.sleep(0.02)
        started = [f for f in os.listdir(t.root) if f.startswith("started.")]
        if len(started) != 3:
            t.fail("expected 3 jobs to start with 3 slots, %d did" % len(started))
        for f in started:
            pid = ""
            while not pid.endswith("\n") and time.monotonic() < end:
                pid = t.read(f)
            while time.monotonic() < end:
                try:
                    with open("/proc/%d/cmdline" % int(pid), "rb") as c:
                        if c.read().startswith(b"sleep"):
                            break
                except OSError:
                    break
                time.sleep(0.01)
        t.eq(js.count() + 2, 2, "tokens taken while 3 jobs run (none left)")
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=20)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    t.eq(p.returncode, 130, "exit status after Ctrl-C")
    t.eq(js.count(), 2, "tokens in the jobserver after Ctrl-C")


@case
def jobserver_client_of_baton(t):
    # a client of the case's own (the fifo form) run by baton -j3 beside a job:
    # it gets the tokens baton's other job leaves, never more
    ev = setup(t)
    t.write("client.py", r"""
import os, subprocess, sys, time
flags = os.environ["MAKEFLAGS"].split()
path = [f for f in flags if f.startswith("--jobserver-auth=fifo:")][-1][22:]
fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
procs = []

def reap():
    for p, tok in procs[:]:
        if p.poll() is not None:
            procs.remove((p, tok))
            if tok:
                os.write(fd, tok)

for i in range(4):
    tok = b""
    while i and not tok:  # the first job has the implicit slot
        try:
            tok = os.read(fd, 1)
        except BlockingIOError:
            reap()
            time.sleep(0.02)
    procs.append((subprocess.Popen(["sh", sys.argv[1], sys.argv[2], "3"]), tok))
while procs:
    reap()
    time.sleep(0.02)
""")
    t.taskfile("task all: py j\ntask py:\n  python3 client.py job.sh %s\n"
               "task j:\n  sh job.sh %s 3\n" % (ev, ev), dedent=False)
    r = t.run("-j3", "--jobserver-style=fifo", "all")
    t.rc(r, 0)
    t.eq(t.log("events").count("start"), 5, "jobs that ran")
    t.eq(most(t), 3, "most jobs at once under baton -j3")


@case
def jobserver_pipe_fds_only(t):
    # with the pipe form a job gets the two descriptors MAKEFLAGS names, and
    # no other beyond 0-2
    t.taskfile("task t:\n  echo \"$MAKEFLAGS\" > flags; ls -l /proc/self/fd > fds.txt\n",
               dedent=False)
    r = t.run("-j2", "--jobserver-style=pipe", "t")
    t.rc(r, 0)
    m = re.search(r"--jobserver-auth=(\d+),(\d+)", t.read("flags"))
    if not m:
        t.fail("no R,W form in MAKEFLAGS: %r" % t.read("flags"))
    fds = set()
    for line in t.read("fds.txt").splitlines():
        f = re.search(r" (\d+) -> (.*)$", line)
        if f and not re.fullmatch(r"/proc/\d+/fd", f.group(2)):
            fds.add(int(f.group(1)))
    t.eq(sorted(fds), sorted({0, 1, 2, int(m.group(1)), int(m.group(2))}),
         "descriptors open in the job")
