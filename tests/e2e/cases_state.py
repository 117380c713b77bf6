"""Incremental builds: the state log, restat, depfiles, cleanup and interrupts."""

import fcntl
import re
import os
import signal
import subprocess
import time

import harness
from harness import alive, case

B = 1_600_000_000 * 10**9   # a fixed past time, in ns
S = 10**9


def nothing_to_do(t, r):
    t.rc(r, 0)
    t.eq(r.out + r.err, "baton: nothing to do\n", "output of an up-to-date build", r)


@case
def state_recipe_change_reruns_only_that_job(t):
    t.taskfile(r"""
        opt = -O1
        all: a b
        a:
          echo a {{opt}} >> log
          touch a
        b:
          echo b >> log
          touch b
    """)
    t.rc(t.run("-j1"), 0)
    nothing_to_do(t, t.run())
    r = t.run("opt=-O2", "--explain")
    t.rc(r, 0)
    t.out(r, "[1/1] a\n")
    t.contains(r.err, "baton: explain: 'a': recipe changed:\n"
               "  -echo a -O1 >> log\n  +echo a -O2 >> log\n", "explain output", r)
    t.logged(["a -O1", "b", "a -O2"])
    nothing_to_do(t, t.run("opt=-O2"))


@case
def state_input_restored_with_older_mtime_reruns(t):
    t.taskfile(r"""
        out: in
          echo run >> log
          cp in out
    """)
    t.write("in", "new")
    t.set_mtime("in", B + 10 * S)
    t.rc(t.run(), 0)
    t.write("in", "old!")            # as cp -p or git checkout would leave it
    t.set_mtime("in", B)
    r = t.run("--explain")
    t.rc(r, 0)
    t.logged(["run", "run"])
    t.content("out", "old!")
    t.contains(r.err, "baton: explain: 'out': input 'in' changed (mtime "
               "1600000010.000000000 -> 1600000000.000000000, size 3 -> 4", "explain", r)
    nothing_to_do(t, t.run())


@case
def state_same_mtime_other_size_reruns(t):
    t.taskfile(r"""
        out: in
          echo run >> log
          cp in out
    """)
    t.write("in", "one")
    t.set_mtime("in", B)
    t.rc(t.run(), 0)
    t.write("in", "three")
    t.set_mtime("in", B)             # within the same mtime tick
    t.rc(t.run(), 0)
    t.content("out", "three")
    t.logged(["run", "run"])


@case
def state_failed_job_reruns_and_its_output_is_deleted(t):
    t.taskfile(r"""
        out:
          echo run >> log
          echo partial > out
          test -e ok
          echo whole > out
    """)
    r = t.run()
    t.rc(r, 1)
    t.contains(r.err, "baton: deleted 'out'\n", "stderr", r)
    t.absent("out")
    t.write("ok", "")
    r = t.run("--explain")
    t.rc(r, 0)
    t.contains(r.err, "the last run failed", "explain", r)
    t.content("out", "whole\n")
    nothing_to_do(t, t.run())


@case
def state_cleanup_spares_precious_untouched_dirs_and_links(t):
    t.taskfile(r"""
        all: p u d l
        [precious]
        p:
          echo partial > p; exit 1
        u:
          exit 1
        d:
          mkdir -p d/sub; exit 1
        l:
          ln -s target l; exit 1
    """)
    t.write("u", "made before")
    t.set_mtime("u", B)
    t.write("target", "keep me")
    r = t.run("-k")
    t.rc(r, 1)
    t.content("p", "partial\n")       # precious
    t.content("u", "made before")     # the failed job did not touch it
    t.present("d/sub")                # directories are never deleted
    t.eq(os.path.lexists(t.path("l")), False, "symlink output removed")
    t.content("target", "keep me")    # ... but not what it pointed to
    t.contains(r.err, "baton: deleted 'l'\n", "stderr", r)
    t.lacks(r.err, "deleted 'u'", "stderr", r)


@case
def state_never_deletes_outside_the_project(t):
    t.mkdir("proj")
    t.write("outside", "precious data")
    t.taskfile(r"""
        ../outside:
          echo changed > ../outside; exit 1
    """, rel="proj/Taskfile")
    r = t.run("-C", "proj", "-B")
    t.rc(r, 1)
    t.content("outside", "changed\n")
    t.lacks(r.err, "deleted", "stderr", r)


@case
def state_depfile_touching_a_header_reruns_only_its_users(t):
    t.taskfile(r"""
        all: a.o b.o
        [depfile: {{out}}.d]
        %.o: %.c
          echo {{out}} >> log
          printf '%s: %s' {{out}} {{in}} > {{out}}.d
          sed -n 's/^include //p' {{in}} | while read h; do printf ' \\\n %s' "$h" >> {{out}}.d; done
          echo >> {{out}}.d
          cat {{in}} > {{out}}
    """)
    t.write("a.c", "include a.h\ninclude common.h\n")
    t.write("b.c", "include common.h\n")
    for h in ("a.h", "common.h"):
        t.write(h, "")
    t.rc(t.run("-j1"), 0)
    t.logged(["a.o", "b.o"])
    for d in ("a.o.d", "b.o.d"):
        os.unlink(t.path(d))      # the deps live in the log, not in the .d files
    nothing_to_do(t, t.run())
    t.set_mtime("a.h", B)
    r = t.run("--explain")
    t.rc(r, 0)
    t.out(r, "[1/1] a.o\n")
    t.contains(r.err, "input 'a.h' (from the depfile) changed", "explain", r)
    t.set_mtime("common.h", B)
    r = t.run("-j1")
    # both rerun; which first depends on how long each took last time
    t.eq(sorted(r.out.splitlines()), ["[1/2] a.o", "[2/2] b.o"] if r.out.startswith("[1/2] a.o")
         else ["[1/2] b.o", "[2/2] a.o"], "status lines", r)
    # a.c stops including a.h, and a.h is deleted: not an error
    t.write("a.c", "include common.h\n")
    os.unlink(t.path("a.h"))
    r = t.run()
    t.rc(r, 0)
    t.out(r, "[1/1] a.o\n")
    nothing_to_do(t, t.run())


@case
def state_content_attribute_ignores_touch(t):
    t.taskfile(r"""
        [content]
        out: in
          echo run >> log
          cp in out
        plain: in
          echo plain >> log
          cp in plain
    """)
    t.write("in", "x")
    t.set_mtime("in", B)
    t.rc(t.run("-j1", "out", "plain"), 0)
    t.set_mtime("in", B + S)          # touched, same content
    r = t.run("out", "plain")
    t.rc(r, 0)
    t.out(r, "[1/1] plain\n")
    t.write("in", "y")
    t.set_mtime("in", B + 2 * S)
    t.rc(t.run("out"), 0)
    t.logged(["run", "plain", "plain", "run"])
    # --content does the same for every rule, once a run has recorded the hashes
    t.rc(t.run("--content", "plain"), 0)
    t.set_mtime("in", B + 3 * S)
    nothing_to_do(t, t.run("--content", "plain"))


@case
def state_future_mtime_warns_and_does_not_loop(t):
    t.taskfile(r"""
        out: in
          echo run >> log
          cp in out
    """)
    t.write("in", "x")
    future = time.time_ns() + 3600 * S
    t.set_mtime("in", future)
    r = t.run()
    t.rc(r, 0)
    t.contains(r.err, "baton: warning: 'in' has a modification time in the future",
               "stderr", r)
    r = t.run()
    t.rc(r, 0)
    t.contains(r.out, "baton: nothing to do", "second run", r)
    t.logged(["run"])


@case
def state_damaged_log_loses_only_damaged_records(t):
    t.taskfile(r"""
        all: a b
        a:
          echo a >> log
          touch a
        b:
          echo b >> log
          touch b
    """)
    t.rc(t.run("-j1"), 0)
    with open(t.path(".baton/log"), "ab") as f:
        f.write(b"garbage that is no record\n\x00\xff\npartial line without newl")
    r = t.run()
    t.rc(r, 0)
    t.contains(r.err, "damaged record", "stderr", r)
    t.eq(r.out, "baton: nothing to do\n", "stdout", r)
    nothing_to_do(t, t.run())   # reported once: the log was mended
    # the log still works: a recipe change is seen
    t.taskfile(r"""
        all: a b
        a:
          echo a2 >> log
          touch a
        b:
          echo b >> log
          touch b
    """)
    r = t.run()
    t.out(r, "[1/1] a\n")
    nothing_to_do(t, t.run())


@case(tags=("many-runs",))
def state_log_truncated_anywhere_still_loads(t):
    t.taskfile(r"""
        all: a b
        a:
          echo a >> log
          touch a
        b:
          echo b >> log
          touch b
    """)
    t.rc(t.run("-j1"), 0)
    data = open(t.path(".baton/log"), "rb").read()
    # the first run noted each job as begun (failed) before it ran, then as
    # done: a cut that keeps only the first of the two reruns that job, as
    # a crash there would; anything else leaves nothing to do
    for cut in range(0, len(data) + 1, max(1, len(data) // 40)):
        with open(t.path(".baton/log"), "wb") as f:
            f.write(data[:cut])
        if t.exists("log"):
            os.unlink(t.path("log"))
        r = t.run("-j1")
        t.rc(r, 0)
        ran = t.read("log").split() if t.exists("log") else []
        t.eq(sorted(set(ran)), sorted(ran), "each job ran once at most after a cut at %d" % cut, r)
        if not ran:
            t.contains(r.out, "baton: nothing to do", "run with a log cut at %d" % cut, r)
        nothing_to_do(t, t.run())


@case
def state_log_of_another_version_starts_over(t):
    t.taskfile(r"""
        out:
          echo run >> log
          touch out
    """)
    t.rc(t.run(), 0)
    with open(t.path(".baton/log"), "wb") as f:
        f.write(b"baton-log 999\nwhatever\n")
    r = t.run()
    t.rc(r, 0)
    t.contains(r.err, "was written by another version of baton: starting a new one",
               "stderr", r)
    t.logged(["run"])
    t.eq(open(t.path(".baton/log"), "rb").read().split(b"\n")[0], b"baton-log 6",
         "new log header")


@case
def state_unwritable_log_fails_loudly(t):
    t.taskfile(r"""
        out:
          echo run >> log
          touch out
    """)
    t.mkdir(".baton")
    os.symlink("/dev/full", t.path(".baton/log"))
    r = t.run()
    t.rc(r, 2)
    t.contains(r.err, "baton: error: cannot write the state log '.baton/log'", "stderr", r)
    t.absent("log")


@case
def state_second_baton_waits_for_the_lock(t):
    t.taskfile(r"""
        out:
          echo run >> log
          touch out
    """)
    t.mkdir(".baton")
    fd = os.open(t.path(".baton/lock"), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, b"%d\n" % os.getpid())     # as another baton holding the lock
    p = t.spawn()
    try:
        time.sleep(1.5)
        t.eq(p.poll(), None, "baton still waiting")
        t.absent("log")
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    out, err = p.communicate(timeout=30)
    t.eq(p.returncode, 0, "exit status after the lock was released")
    t.contains(err.decode(), "baton: waiting for another baton in this directory (pid %d)\n"
               % os.getpid(), "stderr")
    t.logged(["run"])
    t.eq(open(t.path(".baton/lock"), "rb").read(), b"", "the lock file once baton is done")


@case
def state_files_changed_while_waiting_for_the_lock_are_seen(t):
    # What the other baton does while this one waits (here: make src newer than
    # out) is seen: files are stated only once the lock is taken, even those
    # stated while the graph is built. The inputs are many, so that the worker
    # that states them early gets them.
    old = t.stale_build()
    t.mkdir(".baton")
    fd = os.open(t.path(".baton/lock"), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, b"%d\n" % os.getpid())     # as another baton holding the lock
    p = t.spawn("out")
    try:
        time.sleep(1.0)
        t.eq(p.poll(), None, "baton still waiting")
        t.set_mtime("src", old + 2 * 10**9)  # what the other baton did
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    out, err = p.communicate(timeout=30)
    t.eq(p.returncode, 0, "exit status after the lock was released")
    t.logged(["built"])
    t.eq(t.read("out"), "new\n", "out")


@case
def state_waiting_message_names_no_dead_baton(t):
    # The lock is held by a baton that has not written its pid yet, and the
    # file still holds the pid of one that was killed: that one is not named.
    t.taskfile(r"""
        out:
          echo run >> log
          touch out
    """)
    t.mkdir(".baton")
    dead = subprocess.Popen(["true"])
    dead.wait()
    fd = os.open(t.path(".baton/lock"), os.O_RDWR | os.O_CREAT)
    os.write(fd, b"%d\n" % dead.pid)
    fcntl.flock(fd, fcntl.LOCK_EX)
    p = t.spawn()
    try:
        time.sleep(1.0)
        t.eq(p.poll(), None, "baton still waiting")
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    out, err = p.communicate(timeout=30)
    t.eq(p.returncode, 0, "exit status after the lock was released")
    t.contains(err.decode(), "baton: waiting for another baton in this directory\n", "stderr")
    t.logged(["run"])


def interrupt(t, sig, code):
    t.taskfile(r"""
        all: done slow
        done:
          touch done
        slow:
          echo $$ > pid
          echo partial > slow
          sleep 30
          echo whole > slow
    """)
    p = t.spawn("-j2")
    if not t.wait_for("pid") or not t.wait_for("slow"):
        p.kill()
        t.fail("the job did not start")
    time.sleep(0.2)
    os.kill(p.pid, sig)
    out, err = p.communicate(timeout=30)
    err = err.decode()
    t.eq(p.returncode, code, "exit status")
    t.contains(err, "baton: deleted 'slow'\n", "stderr")
    t.contains(err, "baton: interrupted by %s\n" % signal.Signals(sig).name, "stderr")
    t.absent("slow")
    pid = int(open(t.path("pid")).read())
    end = time.monotonic() + 5
    while alive(pid) and time.monotonic() < end:
        time.sleep(0.05)
    if alive(pid):
        t.fail("the job's process %d still runs" % pid)
    t.taskfile(r"""
        all: done slow
        done:
          touch done
        slow:
          echo whole > slow
    """)
    r = t.run()
    t.rc(r, 0)
    t.out(r, "[1/1] slow\n")


@case
def state_sigint_cleans_up_and_records(t):
    interrupt(t, signal.SIGINT, 130)


@case
def state_sigterm_cleans_up_and_records(t):
    interrupt(t, signal.SIGTERM, 143)


@case
def state_closed_output_pipe_is_no_crash(t):
    # b waits until the test has closed the pipe, so that what baton prints
    # after it (b's end, c's status line) meets a closed pipe
    t.taskfile(r"""
        all: a b c
        a:
          echo a >> log; touch a
        b: a
          i=0; while [ ! -e closed ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done
          echo b >> log; touch b
        c: b
          echo c >> log; touch c
    """)
    p = subprocess.Popen(harness.WRAPPER + [t.baton, "-j1"], cwd=t.root,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL)
    t.eq(p.stdout.readline(), b"[1/3] a\n", "first line")
    p.stdout.close()
    t.write("closed", "")
    err = p.stderr.read().decode()
    p.wait(timeout=30)
    t.eq(p.returncode, 1, "exit status (a write error, not a signal)")
    t.contains(err, "baton: error writing output", "stderr")
    t.logged(["a", "b", "c"])
    r = t.run()
    t.contains(r.out, "baton: nothing to do", "the jobs were recorded", r)


@case
def state_input_edited_while_its_job_runs_reruns_next_time(t):
    t.taskfile(r"""
        out: in
          echo run >> log
          cp in out
          touch started
          i=0; while [ ! -e go ] && [ $i -lt 500 ]; do sleep 0.02; i=$((i+1)); done
    """)
    t.write("in", "v1")
    p = t.spawn()
    if not t.wait_for("started"):
        p.kill()
        t.fail("the job did not start")
    t.write("in", "v2")                 # the same size: only the time tells
    t.write("go", "")
    p.communicate(timeout=30)
    t.eq(p.returncode, 0, "exit status")
    t.content("out", "v1")
    r = t.run()
    t.rc(r, 0)
    t.content("out", "v2")


@case
def state_dry_run_writes_no_log(t):
    t.taskfile(r"""
        out:
          touch out
    """)
    r = t.run("-n")
    t.rc(r, 0)
    t.absent(".baton/log")
    t.absent("out")


# ---- every reason a rule runs, with its --explain line ------------------------

def explained(t, r, name, why):
    """--explain printed exactly these reason lines for job name."""
    got = [l for l in r.err.splitlines() if l.startswith("baton: explain: '%s': " % name)]
    t.eq(got, ["baton: explain: '%s': %s" % (name, w) for w in why],
         "--explain lines for '%s'" % name, r)


def stamp(t, rel):
    s = os.stat(t.path(rel))
    return s.st_mtime_ns, s.st_size, s.st_ino


def ns(v):
    return "%d.%09d" % (v // S, v % S)


@case
def state_explain_output_missing_and_made_first(t):
    t.taskfile(r"""
        v = 1
        final: mid
          echo final >> log
          cp mid final
        mid: src
          echo mid {{v}} >> log
          cp src mid
    """)
    t.write("src", "s")
    t.rc(t.run("-j1"), 0)
    os.unlink(t.path("mid"))
    r = t.run("-j1", "--explain")
    t.rc(r, 0)
    t.out(r, "[1/2] mid\n[2/2] final\n")
    explained(t, r, "mid", ["output 'mid' is missing"])
    explained(t, r, "final", ["input 'mid' changed (it is missing now)"])
    nothing_to_do(t, t.run())
    # only what final waits for reruns: its own record is fine
    r = t.run("-j1", "--explain", "v=2")
    t.rc(r, 0)
    t.out(r, "[1/2] mid\n[2/2] final\n")
    explained(t, r, "final", ["'mid' is made by a job that runs first"])
    t.logged(["mid 1", "final", "mid 1", "final", "mid 2", "final"])
    nothing_to_do(t, t.run("v=2"))


@case
def state_explain_touched_output_reruns(t):
    t.taskfile(r"""
        out: in
          echo run >> log
          cp in out
    """)
    t.write("in", "x")
    t.rc(t.run(), 0)
    old = t.mtime("out")
    t.set_mtime("out", B)               # touched back: not what the job left
    r = t.run("--explain")
    t.rc(r, 0)
    explained(t, r, "out", ["output 'out' changed since the last run (mtime %s -> %s)"
                            % (ns(old), ns(B))])
    t.logged(["run", "run"])
    nothing_to_do(t, t.run())


@case
def state_explain_always_task_and_no_record(t):
    t.taskfile(r"""
        out: in
          echo out >> log
          cp in out
        task t:
          echo t >> log
        uses-task: t
          echo uses-task >> log
          touch uses-task
    """)
    t.write("in", "x")
    r = t.run("-j1", "--explain", "out", "uses-task")
    t.rc(r, 0)
    explained(t, r, "out", ["output 'out' is missing"])
    explained(t, r, "t", ["it is a task"])
    explained(t, r, "uses-task", ["output 'uses-task' is missing"])
    r = t.run("-j1", "--explain", "uses-task")
    t.rc(r, 0)
    t.out(r, "[1/2] t\n[2/2] uses-task\n")
    explained(t, r, "uses-task", ["'t' is made by a job that runs first"])
    r = t.run("-j1", "--explain", "-B", "out")
    t.rc(r, 0)
    explained(t, r, "out", ["-B was given"])
    # without a record (outputs made by another tool), the mtime rule of make
    t.forget()
    t.set_mtime("out", B)
    t.set_mtime("in", B + S)
    r = t.run("--explain", "out")
    t.rc(r, 0)
    explained(t, r, "out", ["input 'in' is newer than 'out'"])
    t.forget()
    t.set_mtime("in", B)
    t.set_mtime("out", B + S)
    nothing_to_do(t, t.run("out"))
    t.eq(sorted(t.log()), sorted(["out", "t", "uses-task", "t", "uses-task", "out", "out"]),
         "jobs that ran")
    t.eq(t.log()[3:], ["t", "uses-task", "out", "out"], "jobs that ran after the first build")


def replaced(t, name, text):
    """Replace name by a new file of text with the same mtime (B), through a
    rename: a new inode. Its inode numbers before and after."""
    ino = os.stat(t.path(name)).st_ino
    t.write(name + ".new", text)
    os.rename(t.path(name + ".new"), t.path(name))
    t.set_mtime(name, B)
    new = os.stat(t.path(name)).st_ino
    if new == ino:
        t.fail("the test could not give '%s' a new inode" % name)
    return ino, new


@case
def state_same_mtime_and_size_new_inode_reruns(t):
    # A file replaced by another of the same size and time (an editor saving
    # through a rename within one clock tick, or cp -p): only the inode says so.
    t.taskfile(r"""
        out: in
          echo run >> log
          cp in out
    """)
    t.write("in", "one")
    t.set_mtime("in", B)
    t.rc(t.run(), 0)
    ino, new = replaced(t, "in", "two")
    r = t.run("--explain")
    t.rc(r, 0)
    explained(t, r, "out", ["input 'in' changed (inode %d -> %d)" % (ino, new)])
    t.content("out", "two")
    t.logged(["run", "run"])
    nothing_to_do(t, t.run())


@case
def state_depfile_input_replaced_or_chmod_reruns(t):
    # A depfile input's stat data alone goes into its record's digest (its
    # path is the record's): a new inode with the same size and time, or a
    # change of mode that moves only the ctime, still makes its user run.
    t.taskfile(r"""
        [depfile: out.d]
        out: in
          echo run >> log
          echo 'out: in h1 h2' > out.d
          cat in h1 h2 > out
    """)
    t.write("in", "i\n")
    t.write("h1", "a\n")
    t.write("h2", "b\n")
    t.set_mtime("h2", B)
    t.rc(t.run(), 0)
    nothing_to_do(t, t.run())
    ino, new = replaced(t, "h2", "c\n")
    r = t.run("--explain")
    t.rc(r, 0)
    explained(t, r, "out", ["input 'h2' (from the depfile) changed (inode %d -> %d)" % (ino, new)])
    t.content("out", "i\na\nc\n")
    nothing_to_do(t, t.run())
    os.chmod(t.path("h1"), 0o600)
    r = t.run("--explain")
    t.rc(r, 0)
    t.contains(r.err, "input 'h1' (from the depfile) changed (ctime ", "explain", r)
    t.logged(["run", "run", "run"])
    nothing_to_do(t, t.run())


@case
def state_depfile_input_deleted_reruns(t):
    t.taskfile(r"""
        [depfile: out.d]
        out: in
          echo run >> log
          echo 'out: in h' > out.d
          cat in > out
          if [ -e h ]; then cat h >> out; fi
    """)
    t.write("in", "i\n")
    t.write("h", "h\n")
    t.rc(t.run(), 0)
    t.content("out", "i\nh\n")
    os.unlink(t.path("h"))
    r = t.run("--explain")
    t.rc(r, 0)
    explained(t, r, "out", ["input 'h' (from the depfile) changed (it is missing now)"])
    t.content("out", "i\n")
    t.write("h", "h2\n")                # still named by the depfile: it counts again
    r = t.run("--explain")
    t.rc(r, 0)
    explained(t, r, "out", ["input 'h' (from the depfile) changed (it was missing)"])
    t.content("out", "i\nh2\n")
    t.logged(["run", "run", "run"])
    nothing_to_do(t, t.run())


@case
def state_explain_content_hash_change(t):
    t.taskfile(r"""
        [content]
        out: in
          echo run >> log
          cp in out
    """)
    t.write("in", "abc")
    t.set_mtime("in", B)
    t.rc(t.run(), 0)
    t.write("in", "xyz")                # same size, new content, one second later
    t.set_mtime("in", B + S)
    r = t.run("--explain")
    t.rc(r, 0)
    lines = [l for l in r.err.splitlines() if l.startswith("baton: explain: 'out': ")]
    t.eq(len(lines), 1, "number of --explain lines", r)
    t.match(r"^baton: explain: 'out': input 'in' changed \(mtime 1600000000\.000000000 -> "
            r"1600000001\.000000000, hash [0-9a-f]{16} -> [0-9a-f]{16}\)$", lines[0],
            "--explain line", r)
    old, new = re.search(r"hash (\w+) -> (\w+)", lines[0]).groups()
    t.eq(old != new, True, "the old and new hashes differ", r)
    t.content("out", "xyz")
    t.logged(["run", "run"])


# ---- interrupted and failed jobs ------------------------------------------------

@case
def state_interrupted_precious_job_reruns(t):
    # Its output stays (precious) and looks newer than its input, but the job
    # never finished: the next run must run it again, with an unchanged Taskfile.
    t.taskfile(r"""
        [precious]
        out: in
          echo run >> log
          if [ -e go ]; then echo whole > out; exit 0; fi
          echo partial > out
          echo $$ > pid
          sleep 30
    """)
    t.write("in", "")
    t.set_mtime("in", B)
    p = t.spawn()
    if not t.wait_for("pid"):
        p.kill()
        t.fail("the job did not start")
    time.sleep(0.2)
    os.kill(p.pid, signal.SIGINT)
    out, err = p.communicate(timeout=30)
    t.eq(p.returncode, 130, "exit status after SIGINT")
    t.lacks(err.decode(), "deleted", "stderr")
    t.content("out", "partial\n")
    t.write("go", "")
    r = t.run("--explain")
    t.rc(r, 0)
    explained(t, r, "out", ["the last run failed"])
    t.content("out", "whole\n")
    nothing_to_do(t, t.run())


@case
def state_second_ctrl_c_during_cleanup(t):
    # The job takes its time to stop after SIGINT; a second Ctrl-C while baton
    # waits for it must not crash baton or make it leave before the job is gone.
    t.taskfile(r"""
        out:
          #!/bin/sh
          trap 'touch stopping; sleep 1; echo cleaned > cleaned; exit 1' INT
          echo partial > out
          touch started
          while :; do sleep 0.05; done
    """)
    p = t.spawn()
    if not t.wait_for("started"):
        p.kill()
        t.fail("the job did not start")
    os.kill(p.pid, signal.SIGINT)
    if not t.wait_for("stopping"):
        p.kill()
        t.fail("the job did not get the first SIGINT")
    # the second Ctrl-C sends the job SIGTERM, which it does not trap: it
    # ends, and baton, which waited for it, cleans up after it
    os.kill(p.pid, signal.SIGINT)
    out, err = p.communicate(timeout=30)
    err = err.decode()
    t.eq(p.returncode, 130, "exit status after two SIGINTs")
    t.absent("cleaned")
    t.contains(err, "baton: stopping the jobs still running with SIGTERM\n", "stderr")
    t.contains(err, "baton: deleted 'out'\n", "stderr")
    t.contains(err, "baton: interrupted by SIGINT\n", "stderr")
    t.absent("out")


@case
def state_sighup_cleans_up_and_records(t):
    interrupt(t, signal.SIGHUP, 129)


@case
def state_never_deletes_through_a_symlinked_directory(t):
    t.mkdir("proj")
    t.mkdir("elsewhere")
    os.symlink("../elsewhere", t.path("proj/link"))
    t.taskfile(r"""
        link/out:
          echo partial > link/out; exit 1
    """, rel="proj/Taskfile")
    r = t.run("-C", "proj")
    t.rc(r, 1)
    t.content("elsewhere/out", "partial\n")
    t.lacks(r.err, "deleted", "stderr", r)


# ---- the log cannot be written --------------------------------------------------

def run_limited(t, limit, *args):
    """Run baton with files limited to limit bytes (a disk that fills up)."""
    import resource

    def lim():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    argv = harness.WRAPPER + [t.baton] + list(args)
    p = subprocess.run(argv, cwd=t.root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, preexec_fn=lim, timeout=harness.TIMEOUT,
                       env=dict(os.environ, LC_ALL="C"))
    r = harness.Result(argv, t.root, p.returncode, p.stdout.decode(), p.stderr.decode())
    t.last = r
    return r


@case
def state_full_disk_mid_build_is_an_error(t):
    t.taskfile(r"""
        opt = 1
        all: a b
        a:
          echo a {{opt}} >> log
          touch a
        b: a
          echo b {{opt}} >> log
          touch b
    """)
    t.rc(t.run("-j1"), 0)
    size = os.path.getsize(t.path(".baton/log"))
    # room for a few bytes more: a's new record does not fit
    r = run_limited(t, size + 8, "-j1", "opt=2")
    if r.rc < 0:
        t.fail("baton died of signal %d when the log could not grow" % -r.rc, r)
    t.rc(r, 1)
    t.contains(r.err, "baton: error: cannot write the state log '.baton/log': "
               "File too large\n", "stderr", r)
    t.contains(r.err, "error: 'a' ran, but baton could not record it\n", "stderr", r)
    t.contains(r.err, "baton: build stopped: 1 job failed", "stderr", r)
    t.logged(["a 1", "b 1", "a 2"])    # b did not start after a could not be recorded
    # with room again, a runs again: it was never recorded as done
    r = t.run("-j1", "opt=2")
    t.rc(r, 0)
    t.out(r, "[1/2] a\n[2/2] b\n")
    t.logged(["a 1", "b 1", "a 2", "a 2", "b 2"])
    nothing_to_do(t, t.run("opt=2"))


@case
def state_log_that_is_a_directory_is_an_error(t):
    t.taskfile(r"""
        out:
          echo run >> log
          touch out
    """)
    t.mkdir(".baton/log")
    r = t.run()
    t.rc(r, 2)
    t.contains(r.err, "baton: error: cannot write the state log '.baton/log': "
               "Is a directory\n", "stderr", r)
    t.absent("log")


@case
def state_outputs_reordered_or_split_off_are_not_new(t):
    # A record is found through any output of the job that made it: a rule
    # whose outputs were reordered, or split into rules of their own, or that
    # got a new first output, is not judged by mtimes as if baton had never
    # run it (its outputs are newer than its input: make would run nothing).
    t.write("in", "")
    t.set_mtime("in", B)
    t.taskfile(r"""
        a b: in
          echo v1 >> log
          echo v1 > a; echo v1 > b
    """)
    t.rc(t.run(), 0)
    t.taskfile(r"""
        all: a b
        a: in
          echo a2 >> log
          echo v2 > a
        b: in
          echo b2 >> log
          echo v2 > b
    """)
    r = t.run("-j1", "--explain")
    t.rc(r, 0)
    explained(t, r, "b", ["recipe changed:", "its outputs or inputs are not those of the last run"])
    t.content("a", "v2\n")
    t.content("b", "v2\n")
    nothing_to_do(t, t.run())
    t.taskfile(r"""
        c a: in
          echo c3 >> log
          echo v3 > a; echo v3 > c
    """)
    t.write("c", "made by hand\n")
    t.set_mtime("c", B + S)
    r = t.run("--explain")
    t.rc(r, 0)
    t.out(r, "[1/1] c\n")
    t.content("a", "v3\n")
    t.content("c", "v3\n")
    nothing_to_do(t, t.run())
    t.taskfile(r"""
        a c: in
          echo c4 >> log
          echo v4 > a; echo v4 > c
    """)
    r = t.run()
    t.rc(r, 0)
    t.out(r, "[1/1] a\n")
    t.content("c", "v4\n")
    nothing_to_do(t, t.run())
    t.logged(["v1", "a2", "b2", "c3", "c4"])
    # only reordered, with a new recipe: the first output has no record of its own
    t.write("r/in", "")
    t.set_mtime("r/in", B)
    t.taskfile(r"""
        x y: in
          echo v1 > x; echo v1 > y
    """, rel="r/Taskfile")
    t.rc(t.run("-C", "r"), 0)
    t.taskfile(r"""
        y x: in
          echo v2 > x; echo v2 > y
    """, rel="r/Taskfile")
    r = t.run("-C", "r")
    t.rc(r, 0)
    t.out(r, "[1/1] y\n")
    t.content("r/x", "v2\n")


@case
def state_compaction_keeps_records_reached_through_other_outputs(t):
    # `a b` split into two rules, only `a` built since: `b` is judged by the
    # record of `a b`, found through its second output. Compacting the log (here
    # at load, for a damaged line) keeps that record, though `a` has a newer
    # one: without it `b`, newer than its input, would look up to date.
    t.write("in", "")
    t.set_mtime("in", B)
    t.taskfile(r"""
        a b: in
          echo ab >> log
          echo v1 > a; echo v1 > b
    """)
    t.rc(t.run(), 0)
    t.taskfile(r"""
        a: in
          echo a2 >> log
          echo v2 > a
        b: in
          echo b2 >> log
          echo v2 > b
    """)
    r = t.run("a")
    t.out(r, "[1/1] a\n")
    with open(t.path(".baton/log"), "ab") as f:
        f.write(b"a damaged line\n")
    r = t.run("a")
    t.rc(r, 0)
    t.contains(r.err, "1 damaged record in '.baton/log' ignored", "stderr", r)
    t.eq(r.out, "baton: nothing to do\n", "stdout", r)
    r = t.run("b", "--explain")
    t.rc(r, 0)
    t.out(r, "[1/1] b\n")
    explained(t, r, "b", ["recipe changed:",
                          "its outputs or inputs are not those of the last run"])
    t.content("b", "v2\n")
    t.logged(["ab", "a2", "b2"])
    nothing_to_do(t, t.run("a", "b"))


@case(tags=("many-runs",))
def state_log_long_record_rebuilt_again_and_again(t):
    # a job of 6,000 inputs: its record is a line of some 240 KB, written a
    # piece at a time. Rebuilt after an input changed, its new record is the
    # one the next run reads; rebuilt 25 times (6 MB), the log is compacted by the
    # size of the records no longer live, though it has few lines.
    names = ["i/%05d" % i for i in range(6000)]
    for n in names:
        t.write(n, "")
    t.write("list", "\n".join(names) + "\n")
    t.taskfile('ins = {{shell("cat list")}}\n'
               'all: {{ins}}\n'
               '  echo run >> log\n'
               '  touch all\n', dedent=False)
    t.rc(t.run(), 0)
    line = os.path.getsize(t.path(".baton/log"))
    t.eq(line > 200000, True, "the record is one long line (%d bytes)" % line)
    for k in range(25):
        t.set_mtime(names[k * 200], 1700000000000000000 + k * 1000000000)
        r = t.run()
        t.rc(r, 0)
        t.contains(r.out, "[1/1] all", "rebuild %d" % k, r)
    r = t.run()
    t.contains(r.out, "baton: nothing to do", "after the rebuilds", r)
    t.eq(len(t.log()), 26, "runs of the recipe")
    size = os.path.getsize(t.path(".baton/log"))
    t.eq(size < 5000000, True,
         "the log compacted (%d bytes, 26 lines of %d written)" % (size, line))


@case
def state_input_made_an_output_after_compaction(t):
    # a compacted log keeps the paths that only inputs name apart, read only
    # when a record is read whole: a rule added later that makes one of them
    # appends a record whose output is such a path. The next run finds that
    # record (nothing to do, no damage); the one after a change reruns it.
    rules = r"""
        app: main.o
          cat main.o > app; echo app >> log
        main.o: main.c gen.h
          cat main.c gen.h > main.o; echo main.o >> log
    """
    t.write("main.c", "int main;\n")
    t.write("gen.h", "#define V 1\n")
    t.taskfile(rules)
    t.rc(t.run(), 0)
    # compacted as it loads: a damaged line is rewritten away
    with open(t.path(".baton/log"), "ab") as f:
        f.write(b"a damaged line\n")
    r = t.run()
    t.contains(r.err, "1 damaged record in '.baton/log' ignored", "stderr", r)
    nothing_to_do(t, t.run())
    t.write("gen.in", "#define V 2\n")
    t.taskfile(rules + r"""
        gen.h: gen.in
          cp gen.in gen.h; echo gen >> log
    """)
    r = t.run()
    t.rc(r, 0)
    t.logged(["main.o", "app", "gen", "main.o", "app"])
    r = t.run()
    t.eq(r.err, "", "stderr of the run after", r)
    nothing_to_do(t, r)
    t.write("gen.in", "#define V 3\n")
    r = t.run()
    t.rc(r, 0)
    t.logged(["main.o", "app", "gen", "main.o", "app", "gen", "main.o", "app"])
    t.content("main.o", "int main;\n#define V 3\n")
    nothing_to_do(t, t.run())
