#!/usr/bin/env python3
"""baton on a terminal, before and after: what the status line and the
terminal's output cost.

    bench/terminal.py [--refs LABEL=REF,...] [--reps R] [--full-reps R]
                 [--workdir DIR] [--output FILE]

Each REF (a commit, a branch; default before=17bd869,after=main) is built
from `git archive` as a release build. On the trees of bench/gen.py's `wide`
shape it measures, on a pseudo-terminal 120 columns wide (TERM=xterm, baton
its controlling terminal and in the foreground, every byte it writes read
at once):

  no-op   `baton -j2 out/all` on 100,000 built outputs
  dry     `baton -j2 -n out/all` on 100,000 outputs to make (100,001 jobs
          printed, with their recipes)
  full    `baton -j2 out/all` from clean on 10,000 (10,001 jobs run)

The builds alternate from one run to the next (the order rotates), on a
machine that may be shared: the table gives medians of the wall time and of
the CPU time (user + system, baton and its jobs), the ratio of each REF's
median to the first REF's, the bytes written to the terminal, and the load
average before and after. --instructions adds the instructions baton itself
executes in one run of each (valgrind --tool=callgrind, its jobs not
counted): a figure the load does not change. --output writes the Markdown section to FILE, or
into bench/results.md (between the markers of its terminal section) when
FILE is `results`.
"""

import argparse
import datetime
import fcntl
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BEGIN = "<!-- bench/terminal.py: begin -->"
END = "<!-- bench/terminal.py: end -->"
COLS, ROWS = 120, 40
sys.path.insert(0, HERE)
import run as benchrun  # noqa: E402


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def sh(argv, **kw):
    return subprocess.run(argv, check=True, **kw)


def build(ref, workdir):
    """A release build of ref: the path of its baton, and its commit."""
    commit = sh(["git", "-C", REPO, "rev-parse", "--short", ref], capture_output=True,
                text=True).stdout.strip()
    src = os.path.join(workdir, "src-" + commit)
    out = os.path.join(workdir, "build-" + commit)
    exe = os.path.join(out, "baton")
    if not os.path.exists(exe):
        shutil.rmtree(src, ignore_errors=True)
        os.makedirs(src)
        archive = subprocess.Popen(["git", "-C", REPO, "archive", commit],
                                   stdout=subprocess.PIPE)
        sh(["tar", "-x", "-C", src], stdin=archive.stdout)
        archive.wait()
        sh(["meson", "setup", out, src, "--buildtype=release"], stdout=subprocess.DEVNULL)
        sh(["ninja", "-C", out, "baton"], stdout=subprocess.DEVNULL)
    return exe, commit


def tree(workdir, name, n, built):
    d = os.path.join(workdir, name)
    if not os.path.exists(os.path.join(d, "bench.json")):
        shutil.rmtree(d, ignore_errors=True)
        sh([sys.executable, os.path.join(HERE, "gen.py")] + (["--built"] if built else []) +
           ["wide", str(n), d], stdout=subprocess.DEVNULL)
    with open(os.path.join(d, "bench.json")) as f:
        return d, json.load(f)


def on_tty(argv, cwd):
    """Run argv on a new pseudo-terminal: (wall s, cpu s, bytes written, rc)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = dict(benchrun.clean_env(), TERM="xterm")
    env.pop("NO_COLOR", None)
    got = [0]

    def read():
        while True:
            try:
                data = os.read(master, 1 << 16)
            except OSError:  # EIO: the terminal's other side is closed
                return
            if not data:
                return
            got[0] += len(data)

    def controlling():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                            preexec_fn=controlling)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    os.close(slave)
    reader.join(30)
    os.close(master)
    return wall, ru.ru_utime + ru.ru_stime, got[0], os.waitstatus_to_exitcode(status)


def instructions(argv, cwd, workdir):
    """The instructions baton executes in one run of argv on a terminal."""
    logf = os.path.join(workdir, "callgrind.log")
    on_tty(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            "--log-file=" + logf] + argv, cwd)
    with open(logf) as f:
        for line in f:
            if "Collected :" in line:
                return int(line.split(":")[1])
    raise SystemExit("terminal.py: no instruction count in %s" % logf)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--refs", default="before=17bd869,after=main")
    p.add_argument("--reps", type=int, default=11, help="runs of no-op and dry (default 11)")
    p.add_argument("--full-reps", type=int, default=5, help="runs of full (default 5)")
    p.add_argument("--big", type=int, default=100000)
    p.add_argument("--full", type=int, default=10000)
    p.add_argument("--workdir", default="/tmp/baton-bench-tty")
    p.add_argument("--output")
    p.add_argument("--instructions", action="store_true")
    a = p.parse_args(argv[1:])
    os.makedirs(a.workdir, exist_ok=True)
    refs = []
    for item in a.refs.split(","):
        label, ref = item.split("=", 1)
        exe, commit = build(ref, a.workdir)
        refs.append((label, ref, commit, exe))
        log("built %s (%s, %s)" % (label, ref, commit))
    noop, noop_info = tree(a.workdir, "wide-%d-built" % a.big, a.big, True)
    dry, _ = tree(a.workdir, "wide-%d" % a.big, a.big, False)
    full, full_info = tree(a.workdir, "wide-%d-full" % a.full, a.full, False)
    goal = noop_info["goal"]
    # baton's own records of the built tree, as a full build leaves them (the
    # state log's format is the same in every ref measured)
    if not os.path.exists(os.path.join(noop, ".baton", "log")):
        log("a full build of %d jobs for the no-op's records" % (a.big + 1))
        benchrun.clean_tree(noop, noop_info)
        sh([refs[0][3], "-j2", goal], cwd=noop, stdout=subprocess.DEVNULL)
    load_start = loadavg()
    began = time.monotonic()
    kinds = [("no-op", noop, ["-j2", goal], a.reps, a.big),
             ("dry", dry, ["-j2", "-n", goal], a.reps, a.big),
             ("full", full, ["-j2", goal], a.full_reps, a.full)]
    res = {}
    for kind, d, args, reps, n in kinds:
        for r in range(reps):
            for i in range(len(refs)):
                label, _, _, exe = refs[(i + r) % len(refs)]
                if kind == "full":
                    benchrun.clean_tree(d, full_info)
                wall, cpu, nbytes, rc = on_tty([exe] + args, d)
                if rc != 0:
                    raise SystemExit("terminal.py: %s %s exited %d" % (label, kind, rc))
                res.setdefault((kind, label), []).append((wall, cpu, nbytes))
                log("  %-5s %-7s %8.3f s wall %8.3f s cpu %10d bytes" % (kind, label, wall, cpu,
                                                                        nbytes))
    counts = {}
    for kind, d, args, reps, n in kinds if a.instructions else ():
        for label, _, _, exe in refs:
            if kind == "full":
                benchrun.clean_tree(d, full_info)
            counts[(kind, label)] = instructions([exe] + args, d, a.workdir)
            log("  %-5s %-7s %14d instructions" % (kind, label, counts[(kind, label)]))
    load_end = loadavg()
    minutes = (time.monotonic() - began) / 60
    base = refs[0][0]
    lines = [BEGIN, "## On a terminal: what the status line costs (bench/terminal.py)", "",
             "Generated by `bench/terminal.py --refs %s` on %s, in %.1f minutes; load average "
             "%s at the start, %s at the end (2 CPUs, shared with other work)." % (
                 a.refs, datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
                 minutes, load_start, load_end), "",
             "baton on a pseudo-terminal %d columns wide (TERM=xterm) at -j2, on the `wide` "
             "shape: %s. The refs alternate from run to run. Medians; the ratios are each "
             "ref's median over that of `%s`. CPU is the user and system time of baton and "
             "its jobs." % (COLS, ", ".join("%s is %s (%s)" % (l, r, c) for l, r, c, _ in refs),
                            base), "",
             "| measure | runs | " + " | ".join(l for l, _, _, _ in refs) + " | " +
             " | ".join("%s/%s" % (l, base) for l, _, _, _ in refs[1:]) + " |",
             "|---|---|" + "---|" * (2 * len(refs) - 1)]
    for kind, _, _, reps, n in kinds:
        for what, idx, fmt in (("wall (s)", 0, "%.3f"), ("CPU (s)", 1, "%.3f"),
                               ("bytes to the terminal", 2, "{:,.0f}")) if reps else ():
            meds = [statistics.median(x[idx] for x in res[(kind, l)]) for l, _, _, _ in refs]
            row = "| %s %s, %s | %d | " % (kind, "{:,}".format(n + 1), what, reps)
            row += " | ".join((fmt % m) if "%" in fmt else fmt.format(m) for m in meds) + " | "
            row += " | ".join("%.3f" % (m / meds[0]) if meds[0] else "-" for m in meds[1:])
            lines.append(row + " |")
        if counts:
            meds = [counts[(kind, l)] for l, _, _, _ in refs]
            row = "| %s %s, instructions of baton (M) | 1 | " % (kind, "{:,}".format(n + 1))
            row += " | ".join("%.1f" % (m / 1e6) for m in meds) + " | "
            row += " | ".join("%.3f" % (m / meds[0]) for m in meds[1:])
            lines.append(row + " |")
    lines.append(END)
    text = "\n".join(lines) + "\n"
    print(text)
    if a.output == "results":
        path = os.path.join(HERE, "results.md")
        with open(path) as f:
            old = f.read()
        if BEGIN in old:
            old = old[:old.index(BEGIN)] + old[old.index(END) + len(END) + 1:]
        with open(path, "w") as f:
            f.write(old.rstrip("\n") + "\n\n" + text)
        log("wrote the section in %s" % path)
    elif a.output:
        with open(a.output, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
