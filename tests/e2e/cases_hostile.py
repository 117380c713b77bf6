"""Hostile input and process management: nothing crashes, hangs or leaks."""

import os
import re
import resource
import signal
import subprocess
import time

import harness
from harness import alive, case

TASK = "task t:\n  echo t >> log\n"


def in_group(pgid):
    """The pids of the process table whose process group is pgid."""
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                pids.append(int(name))
    return pids


def status_lines(r):
    """The `[i/N] name` lines, each once (a job's line is printed again over
    its output when another job's line came in between)."""
    lines = [l for l in r.out.splitlines() if l.startswith("[")]
    return [l for k, l in enumerate(lines) if l not in lines[:k]]


@case(tags=("huge", "exec-failure"))
def hostile_huge_fan_in_rule(t):
    # 100,000 inputs: the command line is too long for one exec; baton says so
    # clearly instead of crashing, and a recipe that goes through the shell
    # (a script file) still works.
    x = "x" * 40   # 100,000 names of 41 bytes: more than exec takes
    t.write(x, "")
    t.taskfile("ins = {{shell(\"yes %s | head -n 100000\")}}\n" % x +
               "all: big viafile\n"
               "big: {{ins}}\n"
               "  touch {{in}} {{out}}\n"
               "viafile: {{ins}}\n"
               "  n=0; for f in {{in}}; do n=$((n+1)); done; echo $n > viafile\n",
               dedent=False)
    r = t.run("-k", "-j2", timeout=120)
    t.rc(r, 1)
    t.contains(r.err, "error: 'big' failed: cannot run 'touch': Argument list too long",
               "stderr", r)
    t.content("viafile", "100000\n")


@case(tags=("huge",))
def hostile_million_targets_dry_run(t):
    # a million targets: 100,000 rules of 10 outputs each
    n = 1000000
    with open(t.path("Taskfile"), "w") as f:
        f.write("all: " + " ".join("t%d" % i for i in range(0, n, 10)) + "\n")
        for i in range(0, n, 10):
            f.write(" ".join("t%d" % k for k in range(i, i + 10)) + ":\n  touch {{out}}\n")
    r = t.run("-n", timeout=120)
    t.rc(r, 0)
    t.eq(r.out.count("\n"), 200000, "lines printed for 100,000 jobs")
    t.contains(r.out, "[100000/100000] t999990\n", "the last job", r)


@case(tags=("huge",))
def hostile_million_rules_of_plain_words(t):
    # a million rules, each an output and an input, and one rule needing them
    # all: 3 million words written out in the Taskfile. Only words that
    # interpolation makes count against the budget of words (2,097,152), so
    # this loads; three rules naming a variable of 800,000 words are over it.
    n = 1000000
    with open(t.path("Taskfile"), "w") as f:
        f.write("all: " + " ".join("o%d" % i for i in range(n)) + "\n  touch all\n")
        for i in range(n):
            f.write("o%d: s\n  touch {{out}}\n" % i)
    t.write("s", "")
    r = t.run("-n", timeout=120)
    t.rc(r, 0)
    t.contains(r.out, "[1000001/1000001] all\n", "the last job", r)
    with open(t.path("Taskfile"), "a") as f:
        f.write("w = " + " ".join("x" for _ in range(800000)) + "\n")
        f.write("y: {{w}}\nz: {{w}}\nq: {{w}}\n")
    r = t.run("-n", "all", timeout=120)
    t.diag(r, "Taskfile:2000006:4: error: the Taskfile expands to too many words "
           "(over 2097152 in all)", caret="{{w}}")


@case
def hostile_background_grandchild_keeps_pipe(t):
    # the grandchild holds the job's output pipe for 30 s; baton ends when the
    # job does, with the grandchild still running
    t.taskfile(r"""
        out:
          (sleep 30; echo late) &
          echo $! > bg.pid
          echo main part
          touch out
    """)
    try:
        r = t.run(timeout=20)
        t.rc(r, 0)
        t.out(r, "[1/1] out\nmain part\n")
        t.eq(alive(int(t.read("bg.pid"))), True, "the grandchild runs after baton ended", r)
    finally:
        if t.exists("bg.pid"):
            try:
                os.kill(int(t.read("bg.pid")), signal.SIGKILL)
            except OSError:
                pass


@case
def hostile_signal_state_is_clean_in_jobs(t):
    # yes | head -1 only ends if yes dies of SIGPIPE: the job must not inherit
    # an ignored SIGPIPE or a blocked signal mask, from baton or from whoever
    # started baton (here, once with a clean state and once with SIGPIPE and
    # SIGUSR1 ignored and SIGUSR2 and SIGALRM blocked)
    t.taskfile(r"""
        task t:
          yes | head -1 > out
          grep -E '^(SigBlk|SigIgn)' /proc/self/status > sigs
    """)

    def dirty():
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2, signal.SIGALRM})
    for how in (None, dirty):
        r = t.run("t", timeout=20, preexec_fn=how)
        t.rc(r, 0)
        t.content("out", "y\n")
        for line in t.read("sigs").splitlines():
            # the standard signals (1-31); the C library keeps some real-time ones
            t.eq(int(line.split()[1], 16) & 0x7fffffff, 0, "signal set " + line, r)


@case
def hostile_parallel_jobs_see_only_std_fds(t):
    # While 'hold' runs (its output pipe open in baton), 'lister' lists its
    # fds as a plain command run without a shell, and 'after' through the
    # shell: neither sees hold's pipe, nor anything else of baton's.
    t.taskfile(r"""
        task hold:
          touch hold.started
          i=0; while [ ! -e after.done ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
          test -e after.done
        task ready:
          i=0; while [ ! -e hold.started ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
        task lister: ready
          ls -l /proc/self/fd
        task after: lister
          ls -l /proc/self/fd > after.fds
          touch after.done
    """)
    extra = os.open(t.path("Taskfile"), os.O_RDONLY)
    os.set_inheritable(extra, True)
    try:
        r = t.run("-j3", "--jobserver-style=fifo", "hold", "after", pass_fds=(extra,))
    finally:
        os.close(extra)
    t.rc(r, 0)
    for what, listing in (("lister (no shell)", r.out), ("after (shell)", t.read("after.fds"))):
        fds = {}
        for line in listing.splitlines():
            m = re.search(r" (\d+) -> (.*)$", line)
            if m:
                fds[int(m.group(1))] = m.group(2)
        # ls itself holds the /proc/<pid>/fd directory open while listing
        fds = {fd: to for fd, to in fds.items() if not re.fullmatch(r"/proc/\d+/fd", to)}
        t.eq(sorted(fds), [0, 1, 2], "fds open in %s: %r" % (what, fds), r)


@case
def hostile_64mb_of_output(t):
    t.taskfile(r"""
        task big:
          head -c 33554432 /dev/zero | tr '\0' 'o'
          head -c 33554432 /dev/zero | tr '\0' 'e' >&2
    """)
    r = t.run("big", timeout=60)
    t.rc(r, 0)
    t.eq(r.out.count("o"), 33554432, "stdout bytes of the job")
    t.eq(r.out.count("e"), 33554432, "stderr bytes of the job (merged)")


@case
def hostile_1100_jobs_at_once(t):
    # 1100 pipes at once: more than the usual soft limit of 1024 open files,
    # which baton raises to the hard limit
    n = 1100
    with open(t.path("Taskfile"), "w") as f:
        f.write("all: " + " ".join("j%d" % i for i in range(n)) + "\n")
        f.write("j%:\n  sleep 1; touch {{out}}\n")
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]

    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))
    r = t.run("-j", "1100", timeout=120, preexec_fn=limit)
    t.rc(r, 0)
    t.eq(sum(1 for i in range(n) if t.exists("j%d" % i)), n, "outputs made")


@case
def hostile_few_file_descriptors(t):
    # ulimit -n 64 and -j100: no more jobs at once than there are file
    # descriptors for their pipes; the others wait their turn, and all run
    t.taskfile("all: " + " ".join("j%d" % i for i in range(100)) + "\n"
               "j%:\n  touch {{out}}\n", dedent=False)

    def limit(n):
        return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    r = t.run("-j", "100", preexec_fn=limit(64))
    t.rc(r, 0)
    t.eq(len(status_lines(r)), 100, "jobs started", r)
    t.eq([i for i in range(100) if not t.exists("j%d" % i)], [], "outputs not made", r)
    if t.exists("j0"):
        os.unlink(t.path("j0"))
    if harness.WRAPPER:
        return   # valgrind holds file descriptors of its own
    # 7: stdio, baton's self-pipe, the state log and its lock, and not one
    # pipe more: no job can ever start, which is reported, not waited for
    r = t.run("j0", preexec_fn=limit(7))
    t.rc(r, 1)
    t.match(r"\ATaskfile:2:1: error: 'j0' failed: cannot create a pipe: Too many open files\n"
            r"    j%:\n    \^~\n"
            r"baton: what failed:\n"
            r"  j0: cannot create a pipe: Too many open files after \d+\.\d\d s\n"
            r"    command:\n      touch j0\n"
            r"baton: build stopped: 1 job failed\n\Z", r.err, "stderr", r)


@case(tags=("exec-failure",))
def hostile_no_more_processes(t):
    # ulimit -u: as root (whom RLIMIT_NPROC does not bind) baton runs as
    # nobody, alone with 4 processes allowed: 3 jobs start, the 4th cannot;
    # otherwise with 1 allowed, fewer than the user has: no job can start.
    # Each job is a plain command, run without a shell that would fork again.
    t.taskfile("task all: " + " ".join("j%d" % i for i in range(20)) + "\n" +
               "".join("task j%d:\n  sleep 0.5\n" % i for i in range(20)), dedent=False)
    root = os.getuid() == 0
    if root:
        for dirpath, dirs, files in os.walk(t.root):
            for name in [dirpath] + [os.path.join(dirpath, f) for f in files]:
                os.chown(name, 65534, 65534)

    def limit():
        if root:
            os.setgid(65534)
            os.setuid(65534)
        n = 4 if root else 1
        resource.setrlimit(resource.RLIMIT_NPROC, (n, n))
    r = t.run("-j", "20", "all", preexec_fn=limit)
    t.rc(r, 1)
    t.match(r"\ATaskfile:\d+:1: error: 'j\d+' failed: cannot run 'sleep': "
            r"Resource temporarily unavailable\n    task j\d+:\n    \^~+\n"
            r"baton: what failed:\n"
            r"  j\d+: cannot run 'sleep': Resource temporarily unavailable after 0\.\d\d s\n"
            r"    command:\n      sleep 0\.5\n"
            r"baton: build stopped: 1 job failed\n\Z", r.err, "stderr", r)
    if root:
        t.eq(len(status_lines(r)), 4, "jobs started (3 and the one that failed)", r)


@case(tags=("exec-failure",))
def hostile_missing_interpreter(t):
    t.taskfile(r"""
        out:
          #!/nonexistent/interpreter
          whatever
    """)
    r = t.run()
    t.rc(r, 1)
    t.contains(r.err, "Taskfile:1:1: error: 'out' failed: cannot run "
               "'/nonexistent/interpreter': No such file or directory\n", "stderr", r)


@case
def hostile_output_to_dev_full(t):
    t.taskfile(r"""
        out:
          echo hello
          touch out
    """)
    with open("/dev/full", "w") as full:
        p = subprocess.run([t.baton], cwd=t.root, stdout=full, stderr=subprocess.PIPE,
                           timeout=30)
    t.eq(p.returncode, 1, "exit status")
    t.contains(p.stderr.decode(), "baton: error writing output: No space left on device",
               "stderr")
    t.present("out")


@case
def hostile_closed_std_fds(t):
    # Started with stdin and stdout closed, baton must not let a file it opens
    # take fd 1 and print into it: its output fails and says so, the job reads
    # an empty stdin, and the state it keeps is intact.
    t.taskfile(r"""
        out:
          echo hello | tr a-z A-Z
          cat > in.seen
          touch out
    """)

    def close_in_out():
        os.close(0)
        os.close(1)
    r = t.run(preexec_fn=close_in_out)
    t.rc(r, 1)
    t.contains(r.err, "baton: error writing output: Bad file descriptor", "stderr", r)
    t.content("in.seen", "")
    t.present("out")
    for name in os.listdir(t.path(".baton")):
        if name == "output":
            continue   # the jobs' output, kept for baton --log: HELLO belongs there
        for text in ("HELLO", "[1/1]"):
            t.lacks(t.read(".baton/" + name), text, ".baton/" + name, r)
    r = t.run()
    t.rc(r, 0)
    t.eq(status_lines(r), [], "nothing to rebuild", r)


@case
def hostile_stop_and_continue(t):
    t.taskfile(r"""
        all: a b
        a:
          i=0; while [ $i -lt 40 ]; do echo $i >> a.log; sleep 0.05; i=$((i+1)); done; touch a
        b:
          i=0; while [ $i -lt 40 ]; do echo $i >> b.log; sleep 0.05; i=$((i+1)); done; touch b
    """)
    p = t.spawn("-j2")
    if not t.wait_for("a.log") or not t.wait_for("b.log"):
        p.kill()
        t.fail("jobs did not start")
    os.kill(p.pid, signal.SIGTSTP)
    time.sleep(0.3)
    sizes = (os.path.getsize(t.path("a.log")), os.path.getsize(t.path("b.log")))
    time.sleep(0.4)
    stopped = (os.path.getsize(t.path("a.log")), os.path.getsize(t.path("b.log")))
    os.kill(p.pid, signal.SIGCONT)
    out, err = p.communicate(timeout=30)
    t.eq(stopped, sizes, "the jobs wrote nothing while stopped")
    t.eq(p.returncode, 0, "exit status after continuing\n" + err.decode())
    t.present("a")
    t.present("b")


@case
def hostile_sigterm_leaves_no_process(t):
    t.taskfile(r"""
        task t:
          sleep 60 & echo $! > bg.pid
          echo $$ > sh.pid
          sleep 60
    """)
    p = t.spawn("t")
    if not t.wait_for("sh.pid") or not t.wait_for("bg.pid"):
        p.kill()
        t.fail("the job did not start")
    time.sleep(0.1)
    os.kill(p.pid, signal.SIGTERM)
    p.communicate(timeout=30)
    t.eq(p.returncode, 143, "exit status")
    for f in ("sh.pid", "bg.pid"):
        pid = int(t.read(f))
        end = time.monotonic() + 5
        while alive(pid) and time.monotonic() < end:
            time.sleep(0.05)
        if alive(pid):
            t.fail("process %d (%s) still runs" % (pid, f))
    # the process table: nothing left in the job's process group (the shell
    # leads it), the foreground sleep included
    group = int(t.read("sh.pid"))
    left = [pid for pid in in_group(group) if alive(pid)]
    t.eq(left, [], "processes left in the job's process group %d" % group)


@case
def hostile_file_names(t):
    names = ["with space", "quote'\"s", "dollar$HOME", "semi;colon", "new\nline",
             "-dash", "back`tick`"]
    for i, n in enumerate(names):
        t.write("src/" + n, "content %d" % i)
    t.taskfile(r"""
        srcs = {{glob("src/*")}}
        all: {{patsubst("src/%", "out/%", srcs)}}
        out/%: src/%
          cp -- {{in}} {{out}}
          printf '%s\n' {{out}} >> log
    """)
    r = t.run("-j2")
    t.rc(r, 0)
    for i, n in enumerate(names):
        t.content("out/" + n, "content %d" % i)
    t.absent("colon")
    nothing = t.run()
    t.contains(nothing.out, "baton: nothing to do", "second run", nothing)


@case
def hostile_symlinked_output_outside_is_never_deleted(t):
    t.mkdir("elsewhere")
    t.write("elsewhere/data", "keep")
    t.mkdir("proj")
    os.symlink(t.path("elsewhere"), t.path("proj/link"))
    t.taskfile(r"""
        link/data:
          echo clobbered > link/data; exit 1
    """, rel="proj/Taskfile")
    r = t.run("-C", "proj", "-B")
    t.rc(r, 1)
    t.present("elsewhere/data")
    t.lacks(r.err, "deleted", "stderr", r)


# What each Taskfile that once made fuzz_taskfile fail must give now (see
# tests/fuzz/regressions/README.md): exit status and first line of stderr.
FUZZ_REGRESSIONS = {
    # a leak on an error path: the error, and no LeakSanitizer report
    "leak-plainword-quoted-piece": "Taskfile:1:6: error: expected a task name after 'task'",
    # out of memory, then two timeouts: each stops at a limit on the words made
    "oom-value-cap-keeps-appending":
        "Taskfile:2:37: error: value too large (over 1048576 words or 64 MiB)",
    "timeout-large-values-under-cap":
        "Taskfile:2:37: error: value too large (over 1048576 words or 64 MiB)",
    "timeout-word-budget-under-asan":
        "Taskfile:4:4: error: the Taskfile expands to too many words (over 2097152 in all)",
    # within every limit, 700,000 rule inputs: seconds under the fuzzer
    "slow-planner-700k-inputs":
        "Taskfile:3:1: error: no rule to make '00{}}{a0000', needed by 'x'",
    # a pattern rule and six rules naming 280,000 words, just under the budget
    "timeout-pattern-rule-with-the-budget-near-full":
        "Taskfile:3:1: error: no rule to make '00{}}{a0000', needed by 'x'",
    # a pattern-rule search exponential in the number of rules: bounded
    "timeout-pattern-search-exponential":
        "Taskfile:1:6: error: no rule to make 'a', needed by 'all'",
    # NUL bytes at the start of a line, then a header lexed whole: the parser
    # recovers after it, as it does after a line lexed a token at a time
    "header-after-nul-bytes": "Taskfile:3:4: error: unexpected end of line, expected ':' or '='",
}


@case
def hostile_fuzz_regressions(t):
    # every Taskfile that once made the fuzzer fail, through the real binary
    here = os.path.dirname(os.path.abspath(__file__))
    d = os.path.join(here, "..", "fuzz", "regressions", "taskfile")
    t.eq(sorted(os.listdir(d)), sorted(FUZZ_REGRESSIONS),
         "reproducers in %s (each needs its expected result here)" % d)
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            t.write("Taskfile", f.read())
        # within baton's limits some take seconds natively and a minute or more
        # in the sanitizer build, whose allocator maps each large array
        r = t.run("-n", timeout=180)
        t.diag(r, FUZZ_REGRESSIONS[name])
@case(tags=("huge",))
def hostile_exponential_expansion(t):
    # each variable twice the one before, 60 deep: 2^60 words, or a word of
    # 2^60 bytes, unless baton stops at its limit, with little memory
    budget = "the Taskfile expands to too many words (over 2097152 in all)"
    value = "value too large (over 1048576 words or 64 MiB)"
    forms = [("{{a%d}} {{a%d}}", 21, 7, budget, "{{a19}}"),  # twice the words
             ('"{{a%d}} {{a%d}}"', 26, 18, value, "a24"),    # one word twice as long
             ("{{a%d}}{{a%d}}", 26, 16, value, "a24")]       # every word by every word
    for form, line, col, msg, culprit in forms:
        text = "a0 = x y\n" if "{{a%d}} " in form else "a0 = xy\n"
        text += "".join(("a%d = " + form + "\n") % (i, i - 1, i - 1) for i in range(1, 61))
        t.taskfile(text + "task t:\n  echo {{a60}} >> log\n", dedent=False)
        r = t.run("t", timeout=60, peak=True)
        t.diag(r, "Taskfile:%d:%d: error: %s" % (line, col, msg), caret=culprit)
        t.bounded(r, 1024)
    t.nothing_ran()


@case
def hostile_includes_that_loop(t):
    t.write("a.tf", "include b.tf\n")
    t.write("b.tf", "x = 1\ninclude a.tf\n")
    t.taskfile("include a.tf\ntask t:\n  echo t >> log\n", dedent=False)
    r = t.run("t")
    t.diag(r, "b.tf:2:9: error: 'a.tf' includes itself", caret="a.tf")
    # a chain of includes, each the next: 64 files at most (the Taskfile and
    # 63 included), not a stack overflow
    for i in range(200):
        t.write("inc/%d.tf" % i, "include %d.tf\n" % (i + 1))
    t.taskfile("include inc/0.tf\ntask t:\n  echo t >> log\n", dedent=False)
    r = t.run("t")
    t.diag(r, "inc/62.tf:1:9: error: includes nested more than 64 deep", caret="63.tf")
    t.nothing_ran()


@case(tags=("huge",))
def hostile_deep_nesting(t):
    # 10^5-deep nesting of each thing that nests: a clean error or the value,
    # never a stack overflow
    n = 100000
    t.taskfile("x = {{" + "(" * n + "y" + ")" * n + "}}\ny = 1\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:5001: error: nesting too deep")
    t.taskfile("x = {{" + "base(" * n + "y" + ")" * n + "}}\ny = 1\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:12492: error: nesting too deep")
    # x[0][0]... is still one word
    t.taskfile("y = a b\nx = {{y[1]" + "[0][-1]" * n + "}}\n"
               "task t:\n  echo {{x}} >> log\n", dedent=False)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["b"])
    os.unlink(t.path("log"))
    # variables that each need the next
    t.taskfile("".join("a%d = {{a%d}}\n" % (i, i + 1) for i in range(n)) +
               "a%d = deepest\ntask t:\n  echo {{a0}} >> log\n" % n, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1000:10: error: variables nested more than 1000 deep",
           caret="a1000")
    t.taskfile("".join("a%d = {{a%d}}\n" % (i, i + 1) for i in range(999)) +
               "a999 = deepest\ntask t:\n  echo {{a0}} >> log\n", dedent=False)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["deepest"])


@case(tags=("huge",))
def hostile_long_chain_builds(t):
    # a real build through a 100,000-long chain, in dependency order (recipes
    # on every 10,000th rule only, so that it takes seconds, not minutes)
    n = 100000
    parts = []
    for i in range(n):
        dep = " f%d" % (i + 1) if i < n - 1 else ""
        parts.append("f%d:%s\n" % (i, dep))
        if i % 10000 == 0 or i == n - 1:
            parts.append("  echo {{out}} >> log\n  touch {{out}}\n")
    t.taskfile("".join(parts), dedent=False)
    r = t.run("-j2", timeout=120)
    t.rc(r, 0)
    t.logged(["f%d" % (n - 1)] + ["f%d" % i for i in range(90000, -1, -10000)])
    t.eq(r.out.splitlines()[-1], "[11/11] f0", "the last status line", r)
