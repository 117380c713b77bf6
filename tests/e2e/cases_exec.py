"""The executor: parallelism, ordering, up-to-date checks, -B, -n, -k,
failure reports, signals, output blocks and status lines."""

import os
import re
import signal
import time

from harness import case
from cases_lang import status_lines

B = 1_600_000_000 * 10**9   # a fixed past time, in ns
S = 10**9


def waiter(me, other):
    """A task that marks itself started, then waits (at most ~10 s) for
    `other` to have started too; fails if it never does."""
    return ("task %s:\n"
            "  touch %s.started\n"
            "  i=0\n"
            "  while [ ! -e %s.started ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n"
            "  test -e %s.started\n"
            "  echo %s >> log\n" % (me, me, other, other, me))


@case
def exec_parallel_j2(t):
    t.taskfile(waiter("a", "b") + waiter("b", "a"), dedent=False)
    r = t.run("-j2", "a", "b")
    t.rc(r, 0)
    t.eq(sorted(t.log()), ["a", "b"], "jobs that finished")


@case
def exec_parallel_unlimited_j0(t):
    text = ""
    for me in "abc":
        others = [o for o in "abc" if o != me]
        text += ("task %s:\n  touch %s.started\n  i=0\n"
                 "  while { [ ! -e %s.started ] || [ ! -e %s.started ]; } && [ $i -lt 100 ];"
                 " do sleep 0.1; i=$((i+1)); done\n"
                 "  test -e %s.started && test -e %s.started\n  echo %s >> log\n"
                 % (me, me, others[0], others[1], others[0], others[1], me))
    t.taskfile(text, dedent=False)
    r = t.run("-j0", "a", "b", "c")
    t.rc(r, 0)
    t.eq(sorted(t.log()), ["a", "b", "c"], "jobs that finished")


@case
def exec_sequential_j1(t):
    t.taskfile(r"""
        task a:
          echo a-start >> log
          sleep 0.2
          echo a-end >> log
        task b:
          echo b-start >> log
          sleep 0.2
          echo b-end >> log
    """)
    r = t.run("-j", "1", "a", "b")
    t.rc(r, 0)
    log = t.log()
    if log not in (["a-start", "a-end", "b-start", "b-end"],
                   ["b-start", "b-end", "a-start", "a-end"]):
        t.fail("with -j1 jobs must not overlap; log: %r" % log, r)


@case
def exec_dependency_order(t):
    t.taskfile(r"""
        task top: left right
          echo top >> log
        task left: base
          echo left >> log
        task right: base
          sleep 0.1
          echo right >> log
        task base:
          sleep 0.1
          echo base >> log
    """)
    r = t.run("-j2", "top")
    t.rc(r, 0)
    log = t.log()
    t.eq(len(log), 4, "number of jobs run (%r)" % log)
    t.eq(log[0], "base", "first job")
    t.eq(sorted(log[1:3]), ["left", "right"], "middle jobs")
    t.eq(log[3], "top", "last job")


@case
def exec_status_lines(t):
    t.taskfile(r"""
        c: b
          echo C
          touch c
        b: a
          echo B
          touch b
        a:
          echo A
          touch a
    """)
    r = t.run("-j1")
    t.rc(r, 0)
    t.out(r, "[1/3] a\nA\n[2/3] b\nB\n[3/3] c\nC\n")


@case
def exec_job_stderr_in_block(t):
    t.taskfile(r"""
        task t:
          echo out1
          echo err1 >&2
          echo out2
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.out(r, "[1/1] t\nout1\nerr1\nout2\n")
    t.eq(r.err, "", "stderr")


@case
def exec_output_not_interleaved(t):
    t.taskfile(r"""
        task a:
          for i in $(seq 1 40); do echo a$i; sleep 0.01; done
        task b:
          for i in $(seq 1 40); do echo b$i; sleep 0.01; done
    """)
    r = t.run("-j2", "a", "b")
    t.rc(r, 0)
    lines = [l for l in r.out.splitlines() if not l.startswith("[")]
    t.eq(sorted(status_lines(t, r)), ["a", "b"], "jobs started", r)
    blocks = []
    for l in lines:
        tag = l[:1]
        if not blocks or blocks[-1][0] != tag:
            blocks.append((tag, []))
        blocks[-1][1].append(l)
    t.eq([b[0] for b in blocks] in (["a", "b"], ["b", "a"]), True,
         "each job's output is one contiguous block (blocks seen: %r)"
         % [(b[0], len(b[1])) for b in blocks], r)
    for tag, ls in blocks:
        t.eq(ls, ["%s%d" % (tag, i) for i in range(1, 41)], "output of job %s" % tag, r)


# ---- up to date -----------------------------------------------------------

CHAIN = r"""
    all: final.txt other.txt
    mid.txt: src.txt
      echo mid >> log
      cp {{in}} {{out}}
    final.txt: mid.txt
      echo final >> log
      cp {{in}} {{out}}
    other.txt: other.src
      echo other >> log
      cp {{in}} {{out}}
"""


def built_chain(t):
    t.taskfile(CHAIN)
    t.write("src.txt", "s")
    t.write("other.src", "o")
    # sources from the past; the outputs get the build's own times
    t.set_mtime("src.txt", B)
    t.set_mtime("other.src", B)
    r = t.run("-j1")
    t.rc(r, 0)
    log = t.log()
    t.eq(sorted(log), ["final", "mid", "other"], "jobs of the first build")
    if log.index("mid") > log.index("final"):
        t.fail("mid.txt must be built before final.txt: %r" % log)
    return len(log)


def nothing_to_do(t, r):
    t.rc(r, 0)
    t.eq(r.out + r.err, "baton: nothing to do\n", "output of an up-to-date build", r)


@case
def exec_uptodate_nothing_to_do(t):
    n = built_chain(t)
    r = t.run()
    nothing_to_do(t, r)
    nothing_to_do(t, t.run("-n"))
    nothing_to_do(t, t.run("final.txt", "other.txt"))
    t.eq(len(t.log()), n, "number of jobs run in all")


@case
def exec_uptodate_newer_input_reruns_dependents(t):
    n = built_chain(t)
    t.set_mtime("src.txt", B + 10 * S)
    r = t.run("-j1")
    t.rc(r, 0)
    t.out(r, "[1/2] mid.txt\n[2/2] final.txt\n")
    t.eq(t.log()[n:], ["mid", "final"], "jobs of the second build")
    nothing_to_do(t, t.run())


@case
def exec_uptodate_missing_output_reruns(t):
    n = built_chain(t)
    os.unlink(t.path("final.txt"))
    r = t.run()
    t.rc(r, 0)
    t.out(r, "[1/1] final.txt\n")
    t.eq(t.log()[n:], ["final"], "jobs of the second build")


@case
def exec_uptodate_ns_precision(t):
    # Outputs baton has no record of are judged by mtimes alone, to the ns.
    t.taskfile(r"""
        out: in
          echo run >> log
          cp in out
    """)
    t.write("in", "")
    t.rc(t.run("out"), 0)
    t.forget()
    t.set_mtime("in", B)
    t.set_mtime("out", B)
    nothing_to_do(t, t.run("out"))
    t.forget()
    t.set_mtime("in", B + 1)     # one nanosecond newer
    r = t.run("out")
    t.rc(r, 0)
    t.logged(["run", "run"])


@case
def exec_uptodate_oldest_output(t):
    t.taskfile(r"""
        a.out b.out: in
          echo run >> log
          touch a.out b.out
    """)
    t.write("in", "")
    t.rc(t.run("a.out"), 0)
    t.forget()
    t.set_mtime("in", B + 5 * S)
    t.set_mtime("a.out", B + 10 * S)
    t.set_mtime("b.out", B + 10 * S)
    nothing_to_do(t, t.run("a.out"))
    t.forget()
    t.set_mtime("b.out", B)         # older than its input
    r = t.run("a.out")
    t.rc(r, 0)
    t.logged(["run", "run"])


@case
def exec_always_make(t):
    n = built_chain(t)
    r = t.run("-B", "-j1")
    t.rc(r, 0)
    t.eq(sorted(t.log()[n:]), ["final", "mid", "other"], "jobs run with -B")
    t.eq(sorted(status_lines(t, r)), ["final.txt", "mid.txt", "other.txt"],
         "status lines", r)
    r = t.run("--always-make", "-j1", "other.txt")
    t.rc(r, 0)
    t.eq(t.log()[n + 3:], ["other"], "jobs run with --always-make other.txt")


@case
def exec_dry_run(t):
    t.taskfile(r"""
        all: b.txt
        a.txt: src
          cp {{in}} {{out}}
        b.txt: a.txt
          cp {{in}} {{out}}
          echo done >> log
    """)
    t.write("src", "")
    r = t.run("-n")
    t.rc(r, 0)
    t.out(r, """\
        [1/2] a.txt
            cp src a.txt
        [2/2] b.txt
            cp a.txt b.txt
            echo done >> log
    """)
    t.absent("a.txt")
    t.absent("b.txt")
    t.nothing_ran()
    r = t.run("--dry-run", "a.txt")
    t.rc(r, 0)
    t.out(r, "[1/1] a.txt\n    cp src a.txt\n")
    t.absent("a.txt")


@case
def exec_dry_run_only_stale(t):
    n = built_chain(t)
    t.set_mtime("other.src", B + 10 * S)
    r = t.run("-n")
    t.rc(r, 0)
    t.out(r, "[1/1] other.txt\n    echo other >> log\n    cp other.src other.txt\n")
    t.eq(len(t.log()), n, "jobs run in all")


@case
def exec_dry_run_task(t):
    t.taskfile(r"""
        who = world
        task t:
          echo hello {{who}} >> log
          touch made
    """)
    r = t.run("-n", "t")
    t.rc(r, 0)
    t.out(r, "[1/1] t\n    echo hello world >> log\n    touch made\n")
    t.nothing_ran()
    t.absent("made")


# ---- failures -------------------------------------------------------------

@case
def exec_failure_report(t):
    t.taskfile(r"""
        # first line
        ok.txt:
          touch ok.txt
        bad.txt: ok.txt
          echo some output
          exit 3
    """)
    r = t.run("-j1", "bad.txt")
    t.rc(r, 1)
    t.out(r, "[1/2] ok.txt\n[2/2] bad.txt\nsome output\n")
    lines = r.err.splitlines()
    t.eq(lines[:2], ["Taskfile:4:1: error: 'bad.txt' failed: exit status 3",
                     "    bad.txt: ok.txt"], "start of stderr", r)
    t.match(r"\A    \^~*\Z", lines[2] if len(lines) > 2 else "", "caret line", r)
    t.eq(lines[-1], "baton: build stopped: 1 job failed", "last line of stderr", r)
    t.present("ok.txt")


@case
def exec_failure_after_output_block(t):
    t.taskfile(r"""
        bad:
          echo before
          exit 3
    """)
    r = t.run("bad", merge=True)
    t.rc(r, 1)
    t.match(r"\A\[1/1\] bad\nbefore\nTaskfile:1:1: error: 'bad' failed: exit status 3\n",
            r.out, "stdout+stderr", r)


@case
def exec_dry_run_error_after_status_lines(t):
    # stdout to a pipe is buffered in big pieces: an error on stderr still comes
    # after the status lines printed before it
    t.taskfile(r"""
        a.txt:
          echo a > a.txt
        b.txt: a.txt
          echo {{read_file("a.txt")}}
    """)
    r = t.run("-n", "b.txt", merge=True)
    t.rc(r, 1)
    t.match(r"\A\[1/2\] a\.txt\n    echo a > a\.txt\nTaskfile:4:\d+: error: ",
            r.out, "stdout+stderr", r)
    t.absent("a.txt")


@case
def exec_failure_of_task(t):
    t.taskfile(r"""
        task check:
          exit 4
    """)
    r = t.run("check")
    t.rc(r, 1)
    lines = r.err.splitlines()
    t.match(r"\ATaskfile:1:\d+: error: 'check' failed: exit status 4\Z",
            lines[0] if lines else "", "first line of stderr", r)
    t.eq(lines[1:2], ["    task check:"], "quoted source line", r)
    t.eq(lines[-1], "baton: build stopped: 1 job failed", "last line of stderr", r)


@case
def exec_killed_by_signal(t):
    t.taskfile(r"""
        boom:
          kill -9 $$
    """)
    r = t.run("boom")
    t.rc(r, 1)
    lines = r.err.splitlines()
    t.eq(lines[:1], ["Taskfile:1:1: error: 'boom' failed: killed by signal 9 (SIGKILL)"],
         "first line of stderr", r)
    t.eq(lines[-1:], ["baton: build stopped: 1 job failed"], "last line of stderr", r)


@case
def exec_failure_stops_new_jobs(t):
    t.taskfile(r"""
        task fail:
          i=0
          while ! grep -q prep-start log 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
          echo fail >> log
          exit 1
        task slowprep:
          echo prep-start >> log
          sleep 0.5
          echo prep-end >> log
        task x: slowprep
          echo x >> log
        task y: slowprep
          echo y >> log
    """)
    r = t.run("-j2", "fail", "x", "y")
    t.rc(r, 1)
    t.logged(["prep-start", "fail", "prep-end"])
    t.eq(r.err.splitlines()[-1:], ["baton: build stopped: 1 job failed"],
         "last line of stderr", r)


@case
def exec_keep_going(t):
    t.taskfile(r"""
        task all: fail1 fail2 x
          echo all >> log
        task fail1:
          echo fail1 >> log
          exit 1
        task fail2:
          echo fail2 >> log
          exit 2
        task prep:
          echo prep >> log
        task x: prep
          echo x >> log
    """)
    r = t.run("-k", "-j2", "all")
    t.rc(r, 1)
    log = t.log()
    t.eq(sorted(log), ["fail1", "fail2", "prep", "x"], "jobs run with -k")
    if log.index("prep") > log.index("x"):
        t.fail("prep must run before x: %r" % log)
    t.match(r"^Taskfile:\d+:\d+: error: 'fail1' failed: exit status 1$", r.err, "stderr", r)
    t.match(r"^Taskfile:\d+:\d+: error: 'fail2' failed: exit status 2$", r.err, "stderr", r)
    t.eq(r.err.splitlines()[-1:], ["baton: 2 jobs failed"], "last line of stderr", r)
    r = t.run("--keep-going", "-j1", "fail1", "prep")
    t.rc(r, 1)
    t.eq(t.log()[4:].count("prep"), 1, "prep ran with --keep-going")


# ---- -v, signals ----------------------------------------------------------

@case
def exec_verbose(t):
    t.taskfile(r"""
        out.txt:
          touch {{out}}
    """)
    r = t.run("-v", "out.txt")
    t.rc(r, 0)
    t.out(r, "[1/1] out.txt\n    touch out.txt\n")
    t.present("out.txt")


def interrupted(t, sig):
    t.taskfile(r"""
        task t:
          echo started >> log
          sleep 20
          echo done >> log
    """)
    p = t.spawn("t")
    try:
        end = time.monotonic() + 10
        while not t.exists("log") and p.poll() is None and time.monotonic() < end:
            time.sleep(0.02)
        if not t.exists("log"):
            out, err = p.communicate(timeout=10) if p.poll() is not None else (b"", b"")
            t.fail("the job never started (baton exit status %s)\nstderr:\n%s"
                   % (p.poll(), err.decode("utf-8", "replace")))
        time.sleep(0.2)
        p.send_signal(sig)
        try:
            out, err = p.communicate(timeout=10)
        except Exception:
            t.fail("baton did not exit within 10 s of %s (job not stopped?)"
                   % signal.Signals(sig).name)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    if p.returncode != 128 + sig:
        t.fail("after %s baton should exit %d, got %s\nstderr:\n%s"
               % (signal.Signals(sig).name, 128 + sig, p.returncode, err.decode()))
    time.sleep(0.2)
    t.logged(["started"])


@case
def exec_interrupt_sigint(t):
    interrupted(t, signal.SIGINT)


@case
def exec_interrupt_sigterm(t):
    interrupted(t, signal.SIGTERM)


@case
def exec_interrupt_sighup(t):
    interrupted(t, signal.SIGHUP)


@case
def exec_uptodate_rerun_propagates(t):
    # mid.txt's recipe runs but leaves mid.txt untouched: final.txt, which
    # would run only because of it, is skipped (restat).  When mid.txt does
    # change, final.txt runs.
    t.taskfile(r"""
        final.txt: mid.txt
          echo final >> log
          touch final.txt
        mid.txt: src.txt
          echo mid >> log
          if [ -e change ]; then cp src.txt mid.txt; fi
    """)
    for f in ("src.txt", "mid.txt", "final.txt"):
        t.write(f, "")
    t.set_mtime("mid.txt", B)
    t.set_mtime("final.txt", B + S)
    t.set_mtime("src.txt", B + 5 * S)
    r = t.run("-j1", "final.txt")
    t.rc(r, 0)
    t.out(r, "[1/2] mid.txt\n")
    t.logged(["mid"])
    t.write("change", "")
    t.write("src.txt", "new")
    r = t.run("-j1", "final.txt")
    t.rc(r, 0)
    t.out(r, "[1/2] mid.txt\n[2/2] final.txt\n")
    t.logged(["mid", "mid", "final"])
    nothing_to_do(t, t.run("final.txt"))


@case
def exec_multi_output_runs_once(t):
    t.taskfile(r"""
        o1 o2 o3: in
          echo run >> log
          touch o1 o2 o3
    """)
    t.write("in", "")
    r = t.run("-j2", "o1", "o3", "o2")
    t.rc(r, 0)
    t.out(r, "[1/1] o1\n")
    t.logged(["run"])


@case
def exec_failed_dependency_blocks_dependents(t):
    t.taskfile(r"""
        final.txt: mid.txt
          echo final >> log
          touch final.txt
        mid.txt:
          echo mid >> log
          exit 5
    """)
    r = t.run("-k", "final.txt")
    t.rc(r, 1)
    t.logged(["mid"])
    t.absent("final.txt")
    lines = r.err.splitlines()
    t.eq(lines[:1], ["Taskfile:4:1: error: 'mid.txt' failed: exit status 5"],
         "first line of stderr", r)
    t.eq(lines[-1:], ["baton: 1 job failed"], "last line of stderr", r)


@case
def exec_rule_without_recipe_groups(t):
    t.taskfile(r"""
        all: a.txt b.txt
        a.txt:
          touch a.txt
        b.txt:
          touch b.txt
    """)
    r = t.run("-j1")
    t.rc(r, 0)
    t.eq(sorted(status_lines(t, r)), ["a.txt", "b.txt"], "jobs started", r)
    nothing_to_do(t, t.run())


@case
def exec_large_job_output(t):
    # More than any pipe buffer holds: baton must read while the job runs.
    t.taskfile(r"""
        task t:
          seq 1 200000
          seq 1 50000 >&2
    """)
    r = t.run("t")
    t.rc(r, 0)
    want = "[1/1] t\n" + "".join("%d\n" % i for i in range(1, 200001)) + \
        "".join("%d\n" % i for i in range(1, 50001))
    if r.out != want:
        t.fail("stdout should be the status line then both outputs in order "
               "(%d bytes expected, %d got)" % (len(want), len(r.out)), r)


@case
def exec_many_jobs(t):
    n = 200
    text = "all: " + " ".join("o%d" % i for i in range(n)) + "\n"
    text += "o%:\n  echo {{out}} > {{out}}\n"
    t.taskfile(text, dedent=False)
    r = t.run("-j4")
    t.rc(r, 0)
    t.eq(sorted(status_lines(t, r)), sorted("o%d" % i for i in range(n)),
         "jobs started", r)
    t.content("o%d" % (n - 1), "o%d\n" % (n - 1))
    nothing_to_do(t, t.run("-j4"))


@case
def exec_killed_by_sigterm(t):
    t.taskfile(r"""
        task t:
          kill $$
    """)
    r = t.run("t")
    t.rc(r, 1)
    t.match(r"\ATaskfile:1:\d+: error: 't' failed: killed by signal 15 \(SIGTERM\)$",
            r.err, "stderr", r)


@case
def exec_default_jobs_is_cpus(t):
    # Without -j, as many jobs as CPUs run at once: n jobs that each wait
    # for all the others to start can only finish if they all run together.
    n = min(os.cpu_count() or 1, len(os.sched_getaffinity(0)), 4)
    if n < 2:
        return
    names = ["j%d" % i for i in range(n)]
    text = ""
    for me in names:
        cond = " || ".join("[ ! -e %s.started ]" % o for o in names if o != me)
        text += ("task %s:\n  touch %s.started\n  i=0\n"
                 "  while { %s; } && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n"
                 "  { %s; } && exit 1\n  echo %s >> log\n"
                 % (me, me, cond, cond, me))
    t.taskfile(text, dedent=False)
    r = t.run(*names)
    t.rc(r, 0)
    t.eq(sorted(t.log()), names, "jobs that finished")


def most_at_once(t, n, *args, run=None):
    """Run n tasks that each count the jobs running as it starts (by run,
    t.run if None); return the largest count seen (jobs never overlap by
    more than baton allows)."""
    text = ""
    for i in range(n):
        text += ("task j%d:\n  touch running/j%d\n  ls running | wc -l >> counts\n"
                 "  sleep 0.3\n  rm running/j%d\n  echo j%d >> log\n" % (i, i, i, i))
    t.taskfile(text, dedent=False)
    t.mkdir("running")
    r = (run or t.run)(*(list(args) + ["j%d" % i for i in range(n)]))
    t.rc(r, 0)
    t.eq(sorted(t.log()), sorted("j%d" % i for i in range(n)), "jobs that finished", r)
    return max(int(c) for c in t.read("counts").split())


@case
def exec_jobs_limit_is_kept(t):
    t.eq(most_at_once(t, 6, "-j2") <= 2, True, "most jobs at once with -j2 (at most 2)")


@case
def exec_default_jobs_at_most_cpus(t):
    # exec_default_jobs_is_cpus shows that as many as CPUs run together; no
    # more do (baton counts online CPUs, as os.cpu_count does)
    n = os.cpu_count() or 1
    if n > 16:
        return
    seen = most_at_once(t, n + 2)
    t.eq(seen <= n, True, "most jobs at once without -j (%d, CPUs: %d)" % (seen, n))


@case
def exec_job_starts_when_its_inputs_are_done(t):
    # c needs only b: it starts as soon as b is done, while 'slow' (which
    # waits for c to have run) still runs, not after every job of a level; c
    # logs before it lets slow go on, so the order of the log is certain
    t.taskfile(r"""
        task slow:
          i=0; while [ ! -e c.started ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
          test -e c.started
          echo slow >> log
        task b:
          echo b >> log
        task c: b
          echo c >> log
          touch c.started
    """)
    r = t.run("-j2", "slow", "c")
    t.rc(r, 0)
    t.logged(["b", "c", "slow"])
