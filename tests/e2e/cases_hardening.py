"""What a determined attempt to break baton found: the state log's lock, the
CPUs it counts, commands run directly as the shell would run them, signals
ignored at start, Ctrl-C at load, memory running out, bounds on what a
Taskfile may make, and messages that name the mistake."""

import fcntl
import os
import re
import resource
import select
import signal
import subprocess
import time

import harness
from harness import alive, case
from cases_exec import most_at_once


def run_under(t, prefix, *args, env=None, timeout=harness.TIMEOUT):
    """Run baton as t.run does, under the command prefix (e.g. taskset)."""
    argv = list(prefix) + harness.WRAPPER + [t.baton] + list(args)
    full_env = dict(os.environ, LC_ALL="C")
    full_env.update(env or {})
    try:
        p = subprocess.run(argv, cwd=t.root, env=full_env, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout, start_new_session=True)
    except subprocess.TimeoutExpired:
        t.fail("baton did not finish within %d s: %s" % (timeout, " ".join(argv)))
    r = harness.Result(argv, t.root, p.returncode, p.stdout.decode("utf-8", "replace"),
                       p.stderr.decode("utf-8", "replace"))
    t.last = r
    return r


def read_until(t, p, needle, seconds=20):
    """Read p's stderr until it holds needle; what was read."""
    got = b""
    end = time.monotonic() + seconds
    fd = p.stderr.fileno()
    while needle.encode() not in got:
        left = end - time.monotonic()
        if left <= 0 or p.poll() is not None and not select.select([fd], [], [], 0)[0]:
            t.fail("baton's stderr never said %r (exit status %s); it said:\n%s"
                   % (needle, p.poll(), got.decode("utf-8", "replace")))
        if select.select([fd], [], [], min(left, 0.5))[0]:
            chunk = os.read(fd, 4096)
            if not chunk and p.poll() is not None:
                continue
            got += chunk
    return got.decode("utf-8", "replace")


def finish(t, p, timeout=harness.TIMEOUT):
    """Wait for p; its exit status, stdout and stderr (what is left of it)."""
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        t.fail("baton did not finish within %d s" % timeout)
    # valgrind's warnings, and its report of what a thread's stack holds when
    # baton exits from a signal handler (possibly lost: not an error), are
    # not baton's: an error still shows as exit status 99
    return (p.returncode, (out or b"").decode("utf-8", "replace"),
            harness.wrapper_said((err or b"").decode("utf-8", "replace"), r"(--|==)\d+(--|==)"))


# ---- the state log's lock, and the CPUs counted ----------------------------

def hold_lock(t):
    """Take .baton/lock as another baton would; the open file."""
    t.mkdir(".baton")
    f = open(t.path(".baton/lock"), "a+")
    fcntl.flock(f, fcntl.LOCK_EX)
    return f


@case
def hardening_lock_before_include_glob(t):
    # A baton waiting for another one in the same directory reads the
    # Taskfile only once it has the lock: a file that the other one made
    # meanwhile is found by the glob of an include path, and, with one CPU,
    # by the glob of a rule's header (with more, those are evaluated after
    # the lock already).
    t.taskfile(r"""
        include {{glob("mk/*.task")}}
        task t:
          echo {{names}} >> log
        all: {{glob("src/*.c")}}
          echo {{in}} >> log
    """)
    t.write("mk/a.task", "names += a\n")
    t.write("src/a.c", "")
    for prefix in ([], ["taskset", "-c", "0"]):
        lock = hold_lock(t)
        p = subprocess.Popen(prefix + harness.WRAPPER + [t.baton, "t", "all"], cwd=t.root,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True,
                             env=dict(os.environ, LC_ALL="C"))
        try:
            read_until(t, p, "waiting for another baton in this directory")
            t.write("mk/b.task", "names += b\n")
            t.write("src/b.c", "")
        finally:
            lock.close()
        rc, out, err = finish(t, p)
        t.eq(rc, 0, "exit status (%s)\nstderr:\n%s" % (" ".join(prefix) or "all CPUs", err))
        t.eq(sorted(t.log()), ["a b", "src/a.c src/b.c"], "what the jobs saw")
        os.remove(t.path("log"))
        os.remove(t.path("mk/b.task"))
        os.remove(t.path("src/b.c"))


@case
def hardening_default_jobs_follow_affinity(t):
    # Without -j, baton runs as many jobs at once as it has CPUs to run on:
    # under `taskset -c 0`, one.
    seen = most_at_once(t, 4, run=lambda *a: run_under(t, ["taskset", "-c", "0"], *a))
    t.eq(seen, 1, "the most jobs that ran at once under taskset -c 0")


# ---- the command line --------------------------------------------------------

TASK = "task t:\n  echo t >> log\n"


@case
def hardening_unknown_option_is_named(t):
    # the option that is unknown, not the word before it or its cluster
    t.taskfile(TASK, dedent=False)
    cases = [
        (["cflags=-O0", "-DFOO"],
         "baton: unknown option '-D' (in '-DFOO')\n"
         "baton: note: quote a value of several words as one: 'cflags=-O0 -DFOO'\n"),
        (["-kx", "t"], "baton: unknown option '-x' (in '-kx')\n"),
        (["-Z", "t"], "baton: unknown option '-Z'\n"),
        (["-f", "-x", "-kZ"], "baton: unknown option '-Z' (in '-kZ')\n"),
        (["--bogus=3"], "baton: unknown option '--bogus'\n"),
        (["--d"], "baton: option '--d' is ambiguous (--dry-run, --directory, --dump, "
                  "--dotenv)\n"),
        (["t", "-kj"], "baton: option '-j' needs a value (in '-kj')\n"),
        (["--jobs"], "baton: option '--jobs' needs a value\n"),
    ]
    for args, want in cases:
        r = t.run(*args)
        t.rc(r, 2)
        t.err(r, want + "Try 'baton --help' for more information.\n")
    t.nothing_ran()


@case
def hardening_override_of_unknown_variable(t):
    # An override of a variable the Taskfile never assigns nor reads changes
    # no recipe, only the jobs' environment: one whose name is near one of
    # the Taskfile's, or is a task's parameter, is a mistake (exit 2). Others
    # are for the environment.
    t.taskfile(r"""
        cflags = -O2
        libs = -lm
        if cflags == "-O1"
        extra = -g
        end
        task t where="here":
          echo {{cflags}} {{where}} {{libs}} "$zzzzzz" >> log
    """)
    for word, why in (("CFLAGS=-O0", "which the Taskfile never assigns or uses (did you "
                                     "mean 'cflags'?)"),
                      ("cflag=-O0", "which the Taskfile never assigns or uses (did you "
                                    "mean 'cflags'?)"),
                      ("cflags2+=-g", "which the Taskfile never assigns or uses (did you "
                                      "mean 'cflags'?)"),
                      ("where=there", "which is a parameter of task 't': give where=... "
                                      "after the task's name")):
        name = word.split("=")[0].rstrip("+")
        r = t.run(word, "t")
        t.err(r, "baton: error: the command line sets '%s', %s\n" % (name, why))
        t.rc(r, 2)
        if name != "where":  # after the task, where=there is its argument
            t.rc(t.run("t", word), 2)
    t.nothing_ran()
    # one assigned only in a branch not taken is the Taskfile's all the same,
    # and one near none of its names is for the jobs' environment
    t.rc(t.run("extra=-g", "zzzzzz=1", "t"), 0)
    t.logged(["-O2 here -lm 1"])
    # NAME+=value appends to what the Taskfile gives, or to NAME=value
    t.rc(t.run("cflags+=-g", "t", "where=there"), 0)
    t.rc(t.run("cflags=-O0", "cflags+=-g -Wall", "t"), 0)
    t.rc(t.run("t", "libs+=-lz"), 0)
    t.logged(["-O2 here -lm 1", "-O2 -g there -lm ", "-O0 -g -Wall here -lm ",
              "-O2 here -lm -lz "])


@case
def hardening_override_read_but_never_assigned(t):
    # a variable the Taskfile reads but leaves to the command line is fine
    t.taskfile(r"""
        task t:
          echo {{msg}} >> log
    """)
    r = t.run("t")
    t.diag(r, "Taskfile:2:10: error: unknown variable 'msg'", caret="msg")
    t.rc(t.run("msg=hi", "t"), 0)
    t.rc(t.run("msg+=there", "t"), 0)
    t.logged(["hi", "there"])


# ---- a command run directly is run as the shell would run it -----------------

@case(tags=("exec-failure",))
def hardening_direct_exec_like_the_shell(t):
    # A recipe of one plain command is run without /bin/sh; what it does is
    # what sh -c would do: a script without "#!" found on PATH (or named by a
    # path) runs as a shell script; echo and printf are the shell's, whose
    # escapes differ from /bin/echo's; the command sees $PWD as the
    # Taskfile's directory, as the shell would set it.
    t.write("bin/tool", "echo tool ran \"$@\" >> log\n")
    os.chmod(t.path("bin/tool"), 0o755)
    t.write("sub/script", "echo script ran \"$@\" >> log\n")
    os.chmod(t.path("sub/script"), 0o755)
    t.taskfile(r"""
        task tool:
          tool a 'b c'
        task script:
          sub/script d
        task echo:
          echo 'x\ty'
        task echo_sh:
          echo 'x\ty' > echo.txt
        task printf:
          printf '%s\n' 'p\tq'
        task printf_sh:
          printf '%s\n' 'p\tq' > printf.txt
        task pwd:
          printenv PWD
        task pwd_sh:
          printenv PWD > pwd.txt
    """)
    env = {"PATH": t.path("bin") + ":" + os.environ["PATH"]}
    r = t.run("-j1", "tool", "script", env=env)
    t.rc(r, 0)
    t.logged(["tool ran a b c", "script ran d"])
    r = t.run("-j1", "echo", "echo_sh", "printf", "printf_sh")
    t.rc(r, 0)
    sh_echo = subprocess.run(["/bin/sh", "-c", "echo 'x\\ty'"], capture_output=True,
                             text=True).stdout
    t.eq(t.read("echo.txt"), sh_echo, "what echo printed through the shell")
    t.out(r, "[1/4] echo\n%s[2/4] echo_sh\n[3/4] printf\np\\tq\n[4/4] printf_sh\n"
          % sh_echo)
    t.content("printf.txt", "p\\tq\n")
    # $PWD: stale as the harness passes it on, or a symbolic link's path to
    # the directory (kept, as the shell keeps it)
    os.symlink(t.root, t.path("link"))
    for pwd, cwd, want in (("/nonexistent", None, t.root),
                           (t.path("link"), "link", t.path("link"))):
        r = t.run("-j1", "pwd", "pwd_sh", env={"PWD": pwd}, cwd=cwd)
        t.rc(r, 0)
        t.out(r, "[1/2] pwd\n%s\n[2/2] pwd_sh\n" % want)
        t.content("pwd.txt", want + "\n")
    r = t.run("-C", "sub", "-f", "../Taskfile", "-j1", "pwd", env={"PWD": t.root})
    t.rc(r, 0)
    t.out(r, "[1/1] pwd\n%s\n" % t.root)


# ---- signals ignored at start --------------------------------------------------

@case
def hardening_signals_ignored_at_start_stay_ignored(t):
    # `nohup baton &` ignores SIGHUP, a shell's background job SIGINT: baton
    # does not catch them then, and its jobs get them ignored too, as with
    # make. A SIGHUP or SIGINT sent to baton, and one the job sends itself,
    # change nothing.
    t.taskfile(r"""
        task t:
          touch started
          while [ ! -e go ]; do sleep 0.05; done
          kill -{{sig}} $$
          echo survived {{sig}} >> log
    """)
    for sig in (signal.SIGHUP, signal.SIGINT):
        name = signal.Signals(sig).name[3:]
        for f in ("started", "go"):
            if t.exists(f):
                os.remove(t.path(f))
        p = subprocess.Popen(harness.WRAPPER + [t.baton, "sig=" + name, "t"], cwd=t.root,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True,
                             env=dict(os.environ, LC_ALL="C"),
                             preexec_fn=lambda s=sig: signal.signal(s, signal.SIG_IGN))
        try:
            if not t.wait_for("started"):
                t.fail("the job never started")
            p.send_signal(sig)
            t.write("go", "")
        finally:
            rc, out, err = finish(t, p)
        t.eq(rc, 0, "exit status with %s ignored at start\nstderr:\n%s" % (name, err))
    t.logged(["survived HUP", "survived INT"])


# ---- Ctrl-C during a shell() call ---------------------------------------------

def interrupt_when(t, ready, sig, group, *args, after=None):
    """Start baton, send it sig (to its process group, as a Ctrl-C does, or to
    it alone) once the file ready exists, and wait for it to end; call after()
    then, before what its jobs left behind in its process group is killed.
    Its exit status, stdout and stderr."""
    p = subprocess.Popen(harness.WRAPPER + [t.baton] + list(args), cwd=t.root,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True,
                         env=dict(os.environ, LC_ALL="C"))
    try:
        if not t.wait_for(ready):
            t.fail("'%s' never appeared" % ready)
        if group:
            os.killpg(p.pid, sig)
        else:
            p.send_signal(sig)
        # what a command left in the background may hold its stderr open
        try:
            p.wait(timeout=harness.TIMEOUT)
        except subprocess.TimeoutExpired:
            t.fail("baton did not finish within %d s of %s"
                   % (harness.TIMEOUT, signal.Signals(sig).name))
        if after:
            after()
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
    return finish(t, p)


@case
def hardening_interrupt_during_shell_at_load(t):
    # Ctrl-C while a shell() call runs as the Taskfile is read stops baton
    # with 130, and the command with it, even one that ignores SIGINT: what
    # it would have done next never happens.
    t.taskfile(r"""
        x = {{shell("trap '' INT; echo $$ > pid; touch started; sleep 30; touch after")}}
        task t:
          echo {{x}} >> log
    """)
    for group in (True, False):
        for f in ("started", "pid"):
            if t.exists(f):
                os.remove(t.path(f))

        def gone():
            pid = int(t.read("pid"))
            end = time.monotonic() + 10
            while alive(pid) and time.monotonic() < end:
                time.sleep(0.02)
            t.eq(alive(pid), False, "whether the command still runs after baton stopped")
        rc, out, err = interrupt_when(t, "started", signal.SIGINT, group, "t", after=gone)
        t.eq((rc, out, err), (130, "", "baton: interrupted by SIGINT\n"),
             "exit status, stdout and stderr after SIGINT to %s"
             % ("its process group" if group else "baton"))
    t.absent("after")
    t.nothing_ran()


@case
def hardening_interrupt_during_shell_of_a_recipe(t):
    # A shell() call in a recipe runs as its job starts; a Ctrl-C then is
    # not lost, and what the interrupted command printed is not taken as
    # its value: the job does not start, and baton stops with 130.
    t.taskfile(r"""
        task t: a
          trap '' INT; echo {{shell("trap 'echo partial; exit 0' INT; touch started; sleep 30 & wait")}} >> log
        task a:
          echo a >> log
    """)
    for group in (True, False):
        if t.exists("started"):
            os.remove(t.path("started"))
        rc, out, err = interrupt_when(t, "started", signal.SIGINT, group, "-j1", "t")
        t.eq(rc, 130, "exit status\nstderr:\n%s" % err)
        t.eq(out, "[1/2] a\n", "stdout (t must not start)")
        t.contains(err, "error: the shell command was interrupted\n", "stderr")
        t.contains(err, "baton: interrupted by SIGINT\n", "stderr")
    t.logged(["a", "a"])


# ---- memory running out --------------------------------------------------------

def sanitized(t):
    """Whether baton runs under valgrind or was built with AddressSanitizer:
    neither works under a low limit of address space."""
    return bool(harness.WRAPPER) or harness.sanitized(t.baton)


@case
def hardening_out_of_memory_stops_the_jobs(t):
    # A job's depfile that never ends (a link to /dev/zero), read under a
    # limit of 160 MiB of address space: baton says memory ran out, stops
    # the other job running (SIGTERM), deletes what that one half wrote and
    # records it as failed, and exits 1 (2 is for a wrong Taskfile). The
    # next build runs it again.
    if sanitized(t):
        return
    t.taskfile(r"""
        task all: big.out slow.out
        [depfile: big.d]
        big.out:
          while [ ! -e slow.started ]; do sleep 0.05; done
          ln -sf /dev/zero big.d
          touch big.out
        slow.out:
          echo partial > {{out}}
          touch slow.started
          [ -e fast ] || sleep 30
          echo full > {{out}}
          echo slow >> log
    """)
    limit = 160 << 20
    tmp = t.path("tmp")
    os.mkdir(tmp)

    def low():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    p = subprocess.Popen([t.baton, "-j2", "all"], cwd=t.root, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         start_new_session=True, preexec_fn=low,
                         env=dict(os.environ, LC_ALL="C", TMPDIR=tmp))
    rc, _, err = finish(t, p, timeout=60)
    t.eq((rc, err), (1, "baton: fatal: out of memory\nbaton: deleted 'slow.out'\n"),
         "exit status and stderr when memory runs out")
    # the jobserver's fifo goes too
    t.eq(os.listdir(tmp), [], "what baton left in TMPDIR")
    t.absent("slow.out")
    t.nothing_ran()
    t.write("fast", "")
    os.remove(t.path("big.d"))
    r = t.run("slow.out")
    t.rc(r, 0)
    t.content("slow.out", "full\n")
    t.logged(["slow"])


# ---- bounds on what a Taskfile reads and makes ---------------------------------

def doubling(t, n, payload, why):
    """n files f0, f1, ..., each assigning payload and including the next
    twice: the Taskfile includes f0, and the first include over a bound is
    reported, once, as why."""
    for i in range(n):
        t.write("f%d" % i, "x%d = %s\n" % (i, payload) +
                ("include f%d\ninclude f%d\n" % (i + 1, i + 1) if i < n - 1 else ""))
    t.taskfile("include f0\ntask t:\n  echo t >> log\n", dedent=False)
    r = t.run("t", timeout=120, peak=True)
    t.diag(r, re.compile(r"f\d+:[23]:9: error: cannot read 'f\d+': " + re.escape(why)))
    t.eq(r.err.count("error:"), 1, "errors reported")
    t.bounded(r, 1024)


@case
def hardening_includes_bounded_in_total(t):
    # What the Taskfile and its includes hold is bounded in all (256 MiB):
    # files that each include the next twice grow as 2^depth, and
    # /dev/zero never ends; either stops at the include that goes over,
    # with little memory and time.
    doubling(t, 30, "y" * 100000, "the Taskfile and what it includes are over 256 MiB "
                                   "in all")
    t.taskfile("include /dev/zero\ntask t:\n  echo t >> log\n", dedent=False)
    r = t.run("t", timeout=60, peak=True)
    t.diag(r, "Taskfile:1:9: error: cannot read '/dev/zero': the Taskfile and what it "
              "includes are over 256 MiB in all", caret="/dev/zero")
    t.bounded(r, 512)
    r = t.run("-f", "/dev/zero", "t", timeout=60)
    t.err(r, "baton: error: cannot read '/dev/zero': the Taskfile and what it includes are "
             "over 256 MiB in all\n")
    t.rc(r, 2)
    t.nothing_ran()


@case
def hardening_included_files_bounded_in_number(t):
    # Small files that each include the next twice: 2^17 reads of the last
    # would take minutes; the number of files read in all is bounded.
    doubling(t, 20, "y", "includes read over 100000 files in all")
    t.nothing_ran()


@case
def hardening_values_bounded_in_total(t):
    # Each value is bounded (64 MiB), and so are all of them together (256
    # MiB): twenty variables of one 32 MiB word each stop at the one that
    # goes over, before memory runs out.
    text = "a0 = x\n"
    text += "".join('a%d = "{{a%d}}{{a%d}}"\n' % (i, i - 1, i - 1) for i in range(1, 26))
    text += "".join('v%d = "{{a25}}%d"\n' % (i, i) for i in range(1, 21))
    text += "".join('if v%d == "x"\nend\n' % i for i in range(1, 21))
    t.taskfile(text + "task t:\n  echo t >> log\n", dedent=False)
    r = t.run("t", timeout=120, peak=True)
    t.diag(r, "Taskfile:32:6: error: the Taskfile's values are too large (over 256 MiB in "
              "all)", caret='"{{a25}}6"')
    t.eq(r.err.count("error:"), 1, "errors reported")
    t.bounded(r, 600)
    t.nothing_ran()


# ---- a quoted '%' ------------------------------------------------------------

@case
def hardening_quoted_percent_is_a_pattern_on_both_sides(t):
    # A '%' in quotes was a pattern's in an input but taken as written in an
    # output: a rule "a%".o: "a%".c was no pattern rule. It is the pattern's
    # on both sides, single or double quotes.
    for f in ("ab.c", "a b.c", "b.c", " b.c"):
        t.write(f, "")
    for header in ('"a%".o: "a%".c', "'a%'.o: 'a%'.c", '%.o: "%".c', '"a%".o: %.c'):
        t.taskfile("%s\n  echo {{out}} {{in}} >> log\n" % header, dedent=False)
        for f in ("ab.o", "a b.o"):
            if t.exists(f):
                os.remove(t.path(f))
        r = t.run("-j1", "ab.o", "--", "a b.o")
        t.rc(r, 0)
    t.eq(sorted(t.log()), sorted(["ab.o ab.c", "a b.o a b.c"] * 3 + ["ab.o b.c", "a b.o  b.c"]),
         "what the jobs made")


# ---- a recipe line not indented --------------------------------------------------

@case
def hardening_unindented_recipe_line_hint(t):
    # a line right after a header or a recipe line that does not parse is
    # most likely a recipe line that lost its indentation: the error says so
    hint = ("baton: note: recipe lines are indented (with spaces or a tab): if this "
            "line belongs to the recipe above, indent it")
    for text, first in (("out: in\ncp in out\n",
                         "Taskfile:2:10: error: unexpected end of line, expected ':' or '='"),
                        ("task a:\n  echo a\nrm -f x\n",
                         "Taskfile:3:8: error: unexpected end of line, expected ':' or '='"),
                        ("task a:\necho \"hi\n",
                         "Taskfile:2:6: error: unterminated string (expected '\"' on "
                         "the same line)")):
        t.taskfile(text, dedent=False)
        r = t.run()
        t.diag(r, first)
        t.eq(r.err.splitlines()[3:], [hint], "what follows the error")
    # after a blank line, or after an assignment, no recipe was going on
    for text in ("task a:\n  echo a\n\nrm -f x\n", "x = 1\nrm -f x\n"):
        t.taskfile(text, dedent=False)
        r = t.run()
        t.rc(r, 2)
        t.lacks(r.err, "note:", "stderr")
    t.nothing_ran()


# ---- #! scripts: their arguments, their name, their line numbers ----------------

@case
def hardening_script_arguments(t):
    # A #! recipe gets a rule's outputs then inputs, or a task's arguments,
    # as its arguments and in its environment: no templating, and a name
    # holding a quote or a blank arrives as it is.
    t.write("it's a.txt", "one two\n")
    t.write("b.txt", "three\n")
    t.taskfile(r"""
        out/count.txt: "it's a.txt" b.txt
          #!/usr/bin/env python3
          import os, sys
          out, *ins = sys.argv[1:]
          words = sum(len(open(f).read().split()) for f in ins)
          with open(out, "w") as f:
              print(words, ins, os.environ["BATON_OUT"], os.environ["BATON_IN"], file=f)
        gen/%.h: %.txt
          #!/bin/sh
          echo "$@" "[$BATON_STEM]" >> log
          touch "$1"
        task deploy env where="eu" *hosts: gen/b.h
          #!/bin/sh
          printf '[%s] ' "$@" "$env" "$where" "$hosts" "$BATON_IN" >> log
          echo >> log
    """)
    r = t.run("-j1", "out/count.txt", "deploy", "prod", "us", "web 1", "web2")
    t.rc(r, 0)
    t.content("out/count.txt",
              "3 [\"it's a.txt\", 'b.txt'] out/count.txt it's a.txt b.txt\n")
    r = t.run("deploy", "prod")
    t.rc(r, 0)
    t.logged(["gen/b.h b.txt [b]",
              "[prod] [us] [web 1] [web2] [prod] [us] [web 1 web2] [gen/b.h] ",
              "[prod] [eu] [prod] [eu] [] [gen/b.h] "])


@case
def hardening_script_named_and_numbered_as_in_the_taskfile(t):
    # A traceback from a #! script names the job and gives the line of the
    # Taskfile, blank lines and all, whether or not the recipe's text is
    # shared with another rule's.
    recipe = ("  #!/usr/bin/env python3\n"
              "  import sys\n"
              "\n"
              "  raise SystemExit(sys.argv[0] + ' failed')\n")
    t.taskfile("x = 1\n\nout/first.txt:\n" + recipe + "\nsecond.txt:\n" + recipe,
               dedent=False)
    r = t.run("-k", "out/first.txt", "second.txt")
    t.rc(r, 1)
    t.match(r"^/.*/baton-[^/]+/first\.txt failed$", r.out, "stdout", r)
    t.match(r"^/.*/baton-[^/]+/second\.txt failed$", r.out, "stdout", r)
    recipe = recipe.replace("raise", "1 +")
    t.taskfile("x = 1\n\nout/first.txt:\n" + recipe + "\nsecond.txt:\n" + recipe,
               dedent=False)
    r = t.run("-k", "out/first.txt", "second.txt")
    t.rc(r, 1)
    t.match(r'^  File "/.*/baton-[^/]+/first\.txt", line 7, in <module>$', r.out,
            "the traceback", r)
    t.match(r'^  File "/.*/baton-[^/]+/second\.txt", line 13, in <module>$', r.out,
            "the traceback", r)


# ---- smaller messages ------------------------------------------------------------

@case(tags=("exec-failure",))
def hardening_messages_name_the_mistake(t):
    t.taskfile(r"""
        out: dangling
          cp dangling out
        task t:
          echo t >> log
    """)
    os.symlink("nowhere", t.path("dangling"))
    # an empty target is no name for the directory "."
    r = t.run("")
    t.err(r, "baton: error: a target name cannot be empty ('')\n")
    t.rc(r, 2)
    # -f names the file as given, not the name it has from its directory
    r = t.run("-f", "/tmp", "t")
    t.err(r, "baton: cannot read '/tmp': Is a directory\n")
    t.rc(r, 2)
    r = t.run("-f", "sub/none.tf", "t")
    t.err(r, "baton: cannot read 'sub/none.tf': No such file or directory\n")
    t.rc(r, 2)
    # a dangling symbolic link is said to be one
    r = t.run("out")
    t.diag(r, "Taskfile:1:6: error: no rule to make 'dangling', needed by 'out'",
           caret="dangling")
    t.contains(r.err, "baton: note: 'dangling' is a symbolic link to 'nowhere', which does "
                      "not exist\n", "stderr", r)
    r = t.run("dangling")
    t.err(r, "baton: error: unknown target 'dangling'\nbaton: note: 'dangling' is a "
             "symbolic link to 'nowhere', which does not exist\n")
    # an output named twice in one rule is not made "by the rule at" itself
    t.taskfile("two two: in\n  touch two\n", dedent=False)
    r = t.run()
    t.diag(r, "Taskfile:1:1: error: 'two' is named twice among the outputs of this rule")
    t.eq(len(r.err.splitlines()), 3, "lines of stderr")
    t.taskfile("a a: %: %.c\n  touch {{out}}\n", dedent=False)
    r = t.run()
    t.diag(r, "Taskfile:1:1: error: 'a' is named twice among the outputs of this rule")
    t.eq(len(r.err.splitlines()), 3, "lines of stderr")
    # a TMPDIR that is not there is named
    t.taskfile("task t:\n  #!/bin/sh\n  echo t >> log\n", dedent=False)
    r = t.run("t", env={"TMPDIR": t.path("none")})
    t.rc(r, 1)
    t.contains(r.err, "error: 't' failed: cannot write a temporary script file in '%s' "
                      "($TMPDIR): No such file or directory\n" % t.path("none"), "stderr", r)
    t.nothing_ran()


@case
def hardening_file_times_before_1970(t):
    # -1 ns is a time a file may have (a second before 1970, to the last
    # ns), not "missing"; and --explain writes times before 1970 as
    # negative numbers of seconds
    t.taskfile(r"""
        out: in
          cp in out
          echo built >> log
    """)
    t.write("in", "a\n")
    t.set_mtime("in", -1)
    r = t.run()
    t.rc(r, 0)
    t.logged(["built"])
    t.set_mtime("in", -2500000000)
    t.rc(t.run(), 0)
    t.set_mtime("in", -1500000000)
    r = t.run("--explain")
    t.rc(r, 0)
    t.contains(r.err, "baton: explain: 'out': input 'in' changed (mtime -2.500000000 -> "
                      "-1.500000000)\n", "stderr", r)
    t.logged(["built"] * 3)


@case
def hardening_taskfile_from_a_pipe_or_with_a_bom(t):
    # a Taskfile read from a pipe has no directory of its own: recipes run
    # where baton was started, not in /dev
    # (pwd to stdout: a baton that runs it in /dev writes nothing there)
    rd, wr = os.pipe()
    os.write(wr, b"task t:\n  pwd\n")
    os.close(wr)
    r = t.run("-f", "/dev/stdin", "t", stdin=rd)
    os.close(rd)
    t.rc(r, 0)
    t.out(r, "[1/1] t\n%s\n" % t.root)
    with open(t.path("piped"), "w+") as f:
        f.write("task t:\n  pwd\n")
        f.seek(0)
        r = t.run("-f", "/dev/stdin", "t", stdin=f)
    t.rc(r, 0)
    t.out(r, "[1/1] t\n%s\n" % t.root)
    # a UTF-8 byte-order mark is no part of the first word
    t.taskfile(b"\xef\xbb\xbfx = 1\ntask t:\n  echo {{x}} >> log\n")
    t.rc(t.run("t"), 0)
    t.logged(["1"])


@case
def hardening_log_without_its_first_line(t):
    # a log whose first line is lost is damaged, not another version's
    t.taskfile(r"""
        out:
          echo run >> log
          touch out
    """)
    t.rc(t.run(), 0)
    with open(t.path(".baton/log"), "rb") as f:
        lines = f.read().split(b"\n", 1)
    with open(t.path(".baton/log"), "wb") as f:
        f.write(lines[1])
    r = t.run()
    t.rc(r, 0)
    t.contains(r.err, "baton: warning: '.baton/log' has lost its first line (it is "
                      "damaged): starting a new one\n", "stderr", r)
    t.logged(["run"])
