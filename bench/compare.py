#!/usr/bin/env python3
"""Two builds of baton side by side: the same trees, the same measures, the
two binaries run alternately, so that the machine's ups and downs fall on
both alike.

    bench/compare.py OLD NEW [--shapes wide,project] [--sizes 10000,100000]
                     [--measures noop,dry,full] [--reps 7] [--pty] [-j 2]

OLD and NEW are baton binaries, or commits of this repository: a commit is
built in release mode in a temporary directory first. Each measure is timed
on every tree, OLD then NEW (then NEW then OLD, and so on), and the table
gives the medians and the ratio NEW/OLD, with the load average at the start
and the end. --pty runs baton on a pseudo-terminal, as a user at a terminal
would see it (the status line on).

  noop  a build with nothing to do, after a full build
  dry   baton -n from a tree with no outputs
  full  a full build from a tree with no outputs (the state log removed)
"""

import argparse
import os
import pty
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def build_commit(commit, work):
    """A release build of commit; the path of its baton."""
    src = os.path.join(work, "src-" + commit)
    out = os.path.join(work, "build-" + commit)
    subprocess.run(["git", "-C", ROOT, "worktree", "add", "-f", "--detach", src, commit],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["meson", "setup", out, src, "--buildtype=release"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", out, "baton"], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(out, "baton"), src


def clean(tree):
    """Remove what a build made: the outputs and the state directory."""
    for d in ("out", "obj", "lib", "bin", ".baton"):
        shutil.rmtree(os.path.join(tree, d), ignore_errors=True)


def run(baton, tree, args, use_pty):
    """Seconds that one run of baton took, its output discarded."""
    argv = [baton] + args
    start = time.perf_counter()
    if not use_pty:
        r = subprocess.run(argv, cwd=tree, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        rc = r.returncode
    else:
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(tree)
            os.execv(baton, argv)
        while True:
            try:
                if not os.read(fd, 65536):
                    break
            except OSError:
                break
        _, st = os.waitpid(pid, 0)
        os.close(fd)
        rc = os.waitstatus_to_exitcode(st)
    took = time.perf_counter() - start
    if rc != 0:
        sys.exit("%s %s in %s: exit status %d" % (baton, " ".join(args), tree, rc))
    return took


def measure(baton, tree, what, jobs, use_pty):
    if what == "noop":
        return run(baton, tree, ["-j%d" % jobs], use_pty)
    clean(tree)
    if what == "dry":
        return run(baton, tree, ["-n", "-j%d" % jobs], use_pty)
    return run(baton, tree, ["-j%d" % jobs], use_pty)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--shapes", default="wide,project")
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--measures", default="noop,dry,full")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--full-max", type=int, default=10000,
                    help="largest N for a full build (default: 10000)")
    ap.add_argument("--pty", action="store_true")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--output", help="append the table to this file")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="baton-compare-")
    worktrees = []
    bins = {}
    for name in ("old", "new"):
        v = getattr(a, name)
        if os.path.isfile(v) and os.access(v, os.X_OK):
            bins[name] = os.path.abspath(v)
        else:
            bins[name], src = build_commit(v, work)
            worktrees.append(src)
    load0 = os.getloadavg()[0]
    rows = []
    try:
        for shape in a.shapes.split(","):
            for n in [int(x) for x in a.sizes.split(",")]:
                trees = {}
                for name in ("old", "new"):
                    trees[name] = os.path.join(work, "%s-%d-%s" % (shape, n, name))
                    subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), shape, str(n),
                                    trees[name]], check=True, stdout=subprocess.DEVNULL)
                for what in a.measures.split(","):
                    if what == "full" and n > a.full_max:
                        continue
                    times = {"old": [], "new": []}
                    for name in ("old", "new"):   # a first build: the log for noop
                        clean(trees[name])
                        run(bins[name], trees[name], ["-j%d" % a.jobs], a.pty)
                    for i in range(a.reps):
                        order = ("old", "new") if i % 2 == 0 else ("new", "old")
                        for name in order:
                            times[name].append(measure(bins[name], trees[name], what,
                                                       a.jobs, a.pty))
                    mo, mn = statistics.median(times["old"]), statistics.median(times["new"])
                    rows.append((shape, n, what, mo, mn))
                    print("%-8s %7d %-5s old %8.3f s  new %8.3f s  new/old %.3f"
                          % (shape, n, what, mo, mn, mn / mo), flush=True)
    finally:
        for src in worktrees:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", src],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    load1 = os.getloadavg()[0]
    table = ["", "| shape | N | measure | old | new | new/old |", "|---|---|---|---|---|---|"]
    for shape, n, what, mo, mn in rows:
        table.append("| %s | %s | %s | %.3f s | %.3f s | %.3f |"
                     % (shape, format(n, ","), what, mo, mn, mn / mo))
    table.append("")
    table.append("old: %s; new: %s; %d runs each, alternated; -j%d%s; load average %.1f at "
                 "the start, %.1f at the end." % (a.old, a.new, a.reps, a.jobs,
                                                   "; on a pseudo-terminal" if a.pty else "",
                                                   load0, load1))
    print("\n".join(table))
    if a.output:
        with open(a.output, "a") as f:
            f.write("\n".join(table) + "\n")


if __name__ == "__main__":
    main()
