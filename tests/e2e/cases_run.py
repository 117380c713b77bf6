"""The run phase when baton is stopped, killed or slowed down: jobs never
outlive baton, an unfinished job is never taken for done, jobs that ignore
signals are stopped anyway, and output is never lost."""

import fcntl
import os
import signal
import subprocess
import time

from harness import alive, case


def pid_of(t, rel, seconds=10):
    """The pid a job wrote to rel, once the file holds one (it may exist
    empty for a moment); None if it never does."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if t.exists(rel) and t.read(rel).strip():
            return int(t.read(rel))
        time.sleep(0.02)
    return None


def wait_gone(pid, seconds=5):
    end = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < end:
        time.sleep(0.02)
    return not alive(pid)


@case
def run_kill9_takes_the_jobs_with_it(t):
    # baton killed outright: its job dies with it, and does not go on
    # writing the output the next baton rebuilds
    t.taskfile(r"""
        out:
          echo $$ > job.pid
          sleep 60
          echo late > {{out}}
    """)
    p = t.spawn()
    pid = pid_of(t, "job.pid")
    if pid is None:
        p.kill()
        t.fail("the job did not start")
    os.kill(p.pid, signal.SIGKILL)
    p.communicate(timeout=30)
    if not wait_gone(pid):
        os.kill(pid, signal.SIGKILL)
        t.fail("the job (pid %d) outlived baton" % pid)
    t.absent("out")


@case
def run_unfinished_first_run_is_not_taken_for_done(t):
    # no record yet, and baton dies while the job has half written its
    # output (newer than its input): the next run runs it again
    t.taskfile(r"""
        out: in
          echo half > {{out}}
          echo $$ > job.pid
          sleep 60
          echo whole >> {{out}}
    """)
    t.write("in", "x\n")
    time.sleep(0.01)
    p = t.spawn()
    if not t.wait_for("job.pid"):
        p.kill()
        t.fail("the job did not start")
    os.kill(p.pid, signal.SIGKILL)
    p.communicate(timeout=30)
    wait_gone(pid_of(t, "job.pid"))
    t.content("out", "half\n")
    t.write("Taskfile", "out: in\n  echo whole > {{out}}\n", dedent=False)
    r = t.run("-d", "explain")
    t.rc(r, 0)
    t.contains(r.err, "'out': the last run failed", "stderr", r)
    t.content("out", "whole\n")


@case
def run_sigquit_stops_like_sigterm(t):
    # Ctrl-\: the jobs get SIGTERM (not a core dump), the partial output is
    # deleted, and baton says what stopped it
    t.taskfile(r"""
        out:
          echo part > {{out}}
          echo $$ > job.pid
          sleep 60
    """)
    p = t.spawn()
    if not t.wait_for("job.pid"):
        p.kill()
        t.fail("the job did not start")
    time.sleep(0.1)
    os.kill(p.pid, signal.SIGQUIT)
    out, err = p.communicate(timeout=30)
    t.eq(p.returncode, 128 + signal.SIGQUIT, "exit status")
    t.contains(err.decode(), "baton: deleted 'out'\n", "stderr")
    t.contains(err.decode(), "baton: interrupted by SIGQUIT\n", "stderr")
    t.absent("out")
    t.eq(wait_gone(pid_of(t, "job.pid")), True, "the job is gone")


@case
def run_jobs_that_ignore_signals_are_stopped_in_three_steps(t):
    # each job ignores SIGINT and SIGTERM: the first Ctrl-C is passed on and
    # changes nothing, the second sends SIGTERM (ignored too), the third
    # SIGKILL; each step is said, and the outputs are cleaned up
    t.taskfile(r"""
        all: a b
        a:
          trap '' INT TERM
          echo part > {{out}}
          echo $$ > {{out}}.pid
          while :; do sleep 0.05; done
        b:
          trap '' INT TERM
          echo part > {{out}}
          echo $$ > {{out}}.pid
          while :; do sleep 0.05; done
    """)
    p = t.spawn("-j2")
    pids = [pid_of(t, "a.pid"), pid_of(t, "b.pid")]
    if None in pids:
        p.kill()
        t.fail("the jobs did not start")
    for i in range(3):
        time.sleep(0.3)
        os.kill(p.pid, signal.SIGINT)
    try:
        out, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        t.fail("baton did not stop after three Ctrl-C")
    err = err.decode()
    t.eq(p.returncode, 130, "exit status")
    t.contains(err, "baton: stopping the jobs still running with SIGTERM\n", "stderr")
    t.contains(err, "baton: killing the jobs still running (SIGKILL)\n", "stderr")
    t.contains(err, "baton: interrupted by SIGINT\n", "stderr")
    for pid in pids:
        t.eq(wait_gone(pid), True, "job %d is gone" % pid)
    t.absent("a")
    t.absent("b")


@case
def run_nonblocking_stdout_loses_nothing(t):
    # baton's stdout is a pipe another program left non-blocking, read
    # slowly: every byte of a job's million arrives
    t.taskfile(r"""
        task big:
          head -c 1000000 /dev/zero | tr '\0' x
    """)
    r, w = os.pipe()
    fl = fcntl.fcntl(w, fcntl.F_GETFL)
    fcntl.fcntl(w, fcntl.F_SETFL, fl | os.O_NONBLOCK)
    p = subprocess.Popen([t.baton, "big"], cwd=t.root, stdin=subprocess.DEVNULL,
                         stdout=w, stderr=subprocess.PIPE)
    os.close(w)
    got = 0
    time.sleep(0.5)   # let the pipe fill
    with os.fdopen(r, "rb") as f:
        while True:
            chunk = f.read(4096)
            if not chunk:
                break
            got += chunk.count(b"x")
            time.sleep(0.0005)
    err = p.stderr.read().decode()
    p.wait(timeout=60)
    t.eq(p.returncode, 0, "exit status (stderr: %r)" % err)
    t.eq(got, 1000000, "bytes of the job's output that arrived")
