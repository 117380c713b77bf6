#!/usr/bin/env python3
"""Benchmark baton against make and ninja on generated build trees.

For each shape and size it generates the same DAG as a Taskfile, a Makefile and
a build.ninja (bench/gen.py), one tree per tool, and measures, alternating the
tools from one run to the next:

  dry      a dry run (-n) from clean: every job planned and printed, none run
  full     a full build from clean at -j2 (and jobs per second)
  no-op    a build with everything up to date
  rebuild  a build after touching one source
  memory   the peak resident set size over all those runs
  rebuilt  for `project`, `depfile` and `headers`: a no-op after --rebuilds
           full rebuilds (every header touched), with baton's state log size
           and the share of a no-op that reading it takes (`baton -d stats`)

plus, for the `weighted` shape, the makespan against its lower bound, and the
machine's direct-exec ceiling (bench/spawn.c). It prints a table of medians and
writes it as Markdown. See bench/README.md.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import gen  # noqa: E402

ALL_SHAPES = ("wide", "deep", "project", "weighted", "depfile", "headers")
ALL_TOOLS = ("baton", "make", "ninja")
DEFAULT_SIZES = (1000, 10000, 100000)
# the shapes of objects with headers of their own run at these numbers of objects
OBJECT_SHAPES = ("depfile", "headers")
DEFAULT_OBJECT_SIZES = (5000, 50000)
BIG = 100000  # from this size on, full builds get --big-reps runs
CEILING_MODES = (("true", "posix_spawn /bin/true"),
                 ("touch", "posix_spawn touch FILE"),
                 ("shtouch", "posix_spawn sh -ec 'touch FILE'"))
STATUS_RE = re.compile(r"^\[\d+/\d+\] ")


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


# ---------------------------------------------------------------- running


class Run:
    """One measured run of a tool."""

    def __init__(self, status, seconds, rss_kib, jobs):
        self.status = status  # "ok", "timeout", "crash (SIGSEGV)", "error (exit 2)"
        self.seconds = seconds
        self.rss_kib = rss_kib
        self.jobs = jobs

    @property
    def ok(self):
        return self.status == "ok"


def clean_env():
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "GNUMAKEFLAGS", "NINJA_STATUS"):
        env.pop(k, None)
    env["LC_ALL"] = "C"
    return env


ENV = clean_env()


def spawn_measured(helper, argv, cwd, timeout, out_path, err_path):
    """Run argv in cwd through `spawn run` (bench/spawn.c): its own session,
    stdout and stderr to files, killed with its process group after timeout
    seconds. Returns (status, seconds, ru_maxrss in KiB)."""
    result = out_path + ".result"
    fo = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    fe = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    fn = os.open(os.devnull, os.O_RDONLY)
    actions = [(os.POSIX_SPAWN_DUP2, fn, 0), (os.POSIX_SPAWN_DUP2, fo, 1),
               (os.POSIX_SPAWN_DUP2, fe, 2)]
    old = os.getcwd()
    os.chdir(cwd)
    try:
        pid = os.posix_spawn(helper, [helper, "run", result, "%g" % timeout] + argv, ENV,
                             file_actions=actions)
    finally:
        os.chdir(old)
        os.close(fo)
        os.close(fe)
        os.close(fn)
    _, st = os.waitpid(pid, 0)
    if st != 0:
        with open(err_path, errors="replace") as f:
            raise SystemExit("run.py: the spawn helper failed: %s" % f.read().strip())
    with open(result) as f:
        words = f.read().split()
    if words[0] == "timeout":
        words.insert(1, "")
    what, code, secs, rss = words
    os.unlink(result)
    if what == "timeout":
        status = "timeout (>%g s)" % timeout
    elif what == "signal":
        status = "crash (%s)" % signal.Signals(int(code)).name
    elif code == "127":
        raise SystemExit("run.py: cannot run %s" % argv[0])
    elif code != "0":
        status = "error (exit %s)" % code
    else:
        status = "ok"
    return status, float(secs), int(rss)


def tool_argv(tool, baton, jobs, goal, dry=False):
    n = ["-n"] if dry else []
    if tool == "baton":
        return [baton, "-j%d" % jobs] + n + [goal]
    if tool == "make":
        return ["make", "-r", "-R", "-j%d" % jobs] + n + [goal]
    if tool == "ninja":
        return ["ninja", "-j%d" % jobs] + n + [goal]
    raise ValueError(tool)


def count_jobs(tool, out_path):
    """How many jobs a run started, from what it printed."""
    n = 0
    with open(out_path, errors="replace") as f:
        for line in f:
            if tool == "make":
                if line.strip() and not line.startswith("make"):
                    n += 1
            elif STATUS_RE.match(line):
                n += 1
    return n


# ---------------------------------------------------------------- trees


def clean_tree(d, info):
    for root in info["clean"]:
        shutil.rmtree(os.path.join(d, root), ignore_errors=True)
    for sub in info["dirs"]:
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    shutil.rmtree(os.path.join(d, ".baton"), ignore_errors=True)
    for f in (".ninja_log", ".ninja_deps"):
        try:
            os.unlink(os.path.join(d, f))
        except FileNotFoundError:
            pass


def touch_source(path):
    """Make path newer than anything built so far, even with a coarse clock."""
    time.sleep(0.02)
    os.utime(path)


# ---------------------------------------------------------------- the suite


class Suite:
    def __init__(self, args):
        self.a = args
        self.results = {}  # (shape, n) -> phase -> tool -> [Run]
        self.info = {}  # (shape, n) -> bench.json
        self.ceiling = {}  # n -> mode -> [seconds]
        self.notes = []  # anomalies: wrong job counts, failures
        self.extra = {}  # (shape, n) -> baton's log sizes and -d stats figures
        self.logdir = os.path.join(args.workdir, "logs")
        os.makedirs(self.logdir, exist_ok=True)
        self.helper = build_helper(args.workdir)

    def note(self, msg):
        if msg not in self.notes:
            self.notes.append(msg)
        log("  NOTE: " + msg)

    def timeout_for(self, phase):
        if phase == "finish":
            return 2 * self.a.complete_max
        return self.a.timeout

    def measure(self, key, phase, tool, d, expect_jobs, record=True):
        shape, n = key
        info = self.info[key]
        out = os.path.join(self.logdir, "%s-%d-%s-%s.out" % (shape, n, tool, phase))
        err = os.path.join(self.logdir, "%s-%d-%s-%s.err" % (shape, n, tool, phase))
        argv = tool_argv(tool, self.a.baton, self.a.jobs, info["goal"], dry=phase == "dry")
        timeout = self.timeout_for(phase)
        status, secs, rss = spawn_measured(self.helper, argv, d, timeout, out, err)
        jobs = count_jobs(tool, out)
        run = Run(status, secs, rss, jobs)
        log("  %-8s %-7s %-6s %9.3f s %8.1f MiB  %s, %d jobs" % (
            shape, phase, tool, secs, rss / 1024, status, jobs))
        if status != "ok":
            if not (phase == "full" and status.startswith("timeout")):
                tail = ""
                with open(err, errors="replace") as f:
                    lines = f.read().strip().splitlines()
                if lines:
                    tail = ": " + lines[-1][:200]
                self.note("%s N=%s, %s, %s: %s%s" % (shape, n, phase, tool, status, tail))
        elif expect_jobs is not None and jobs != expect_jobs:
            # the time is real; the count is flagged in the notes
            self.note("%s N=%s, %s, %s ran %d jobs, expected %d (output in %s)"
                      % (shape, n, phase, tool, jobs, expect_jobs, out))
        if record:
            self.results[key].setdefault(phase, {}).setdefault(tool, []).append(run)
        return run

    def reps_for(self, phase, n, done_medians):
        """Total runs wanted: the base count, more when the runs are fast."""
        if phase == "full" and n >= BIG:
            return self.a.big_reps
        base = self.a.full_reps if phase == "full" else self.a.reps
        if self.a.no_extra or not done_medians:
            return base
        slowest = max(done_medians)
        if slowest < 0.25:
            return max(base, self.a.fast_reps)
        if slowest < 1.5:
            return max(base, (base + self.a.fast_reps) // 2)
        return base

    def phase(self, key, phase, trees, expect, before=None):
        """Runs of one phase, tools rotated from one round to the next."""
        tools = list(trees)
        failed = {}
        r = 0
        want = self.reps_for(phase, key[1], None)
        while r < want:
            for i in range(len(tools)):
                tool = tools[(i + r) % len(tools)]
                if tool in failed:
                    continue
                if before:
                    before(tool, trees[tool])
                run = self.measure(key, phase, tool, trees[tool], expect)
                if not run.ok:
                    failed[tool] = run.status
            r += 1
            if r == want:
                meds = []
                for tool in tools:
                    runs = [x.seconds for x in self.results[key][phase].get(tool, []) if x.ok]
                    if runs and tool not in failed:
                        meds.append(statistics.median(runs))
                want = max(want, self.reps_for(phase, key[1], meds))
        return failed

    def save(self):
        """Every run so far, as JSON, in the work directory."""
        raw = [{"shape": shape, "n": n, "phase": phase, "tool": tool,
                "runs": [vars(r) for r in runs]}
               for (shape, n), phases in self.results.items()
               for phase, tools in phases.items() for tool, runs in tools.items()]
        with open(os.path.join(self.a.workdir, "runs.json"), "w") as f:
            json.dump({"runs": raw, "ceiling": self.ceiling, "notes": self.notes}, f, indent=1)

    def complete(self, key, tool, d, status):
        """A full build did not finish: put the tree in the state a finished build
        leaves it in, so that the no-op and rebuild runs still measure something.
        make keeps no state, and ninja's .ninja_log is simple: gen.py makes the
        outputs and that log. baton's own records are better made by baton, so it
        finishes the build itself when that should take at most --complete-max
        seconds."""
        shape, n = key
        total = self.info[key]["jobs"]["full"]
        runs = self.results[key]["full"][tool]
        last = runs[-1]
        if tool == "baton" and status.startswith("timeout") and last.jobs:
            left = (total - last.jobs) * last.seconds / last.jobs
            if left <= self.a.complete_max:
                run = self.measure(key, "finish", tool, d, None, record=False)
                if run.ok:
                    self.note("%s N=%d, baton: after the full build's %s, baton finished "
                              "the build (%d more jobs) before the no-op and rebuild runs"
                              % (shape, n, status, run.jobs))
                    return
        made = gen.prebuild(d)
        what = ""
        if tool == "baton":
            what = ": baton has no records of these jobs and judges them by " \
                   "modification times, as make does"
        self.note("%s N=%d, %s: after the full build's %s, gen.py made the %d outputs "
                  "(and a .ninja_log) for the no-op and rebuild runs%s"
                  % (shape, n, tool, status, made, what))

    def run_shape(self, shape, n):
        key = (shape, n)
        self.results[key] = {}
        trees = {}
        log("%s N=%d: generating %d trees" % (shape, n, len(self.a.tools)))
        for tool in self.a.tools:
            d = os.path.join(self.a.workdir, "%s-%d" % (shape, n), tool)
            shutil.rmtree(d, ignore_errors=True)
            info = gen.generate(shape, n, d)
            trees[tool] = d
        self.info[key] = info
        jobs = info["jobs"]

        # Dry runs from clean: all the planning and printing of a full build,
        # no processes. A dry run changes nothing, so the trees are cleaned once,
        # and synced so that the runs do not pay for writing back the deletions.
        for d in trees.values():
            clean_tree(d, info)
        os.sync()
        self.phase(key, "dry", trees, jobs["full"])

        # Full builds from clean.
        full_failed = self.phase(key, "full", trees, jobs["full"],
                                 before=lambda tool, d: clean_tree(d, info))
        for tool, status in full_failed.items():
            self.complete(key, tool, trees[tool], status)

        # No-op builds: one untimed run to check that the tree is up to date.
        ok_trees = {}
        for tool, d in trees.items():
            run = self.measure(key, "check", tool, d, 0, record=False)
            if run.ok:
                ok_trees[tool] = d
            else:
                self.results[key].setdefault("noop", {})[tool] = [run]
                if info["touch"]:
                    self.results[key].setdefault("rebuild", {})[tool] = [run]
        self.phase(key, "noop", ok_trees, 0)

        # Rebuild after touching one source.
        if info["touch"]:
            self.phase(key, "rebuild", ok_trees, jobs["rebuild"],
                       before=lambda tool, d: touch_source(os.path.join(d, info["touch"])))
            for tool, d in ok_trees.items():
                self.measure(key, "check", tool, d, 0, record=False)

        # After full rebuilds: the state a long history leaves.
        if info.get("touch_all") and self.a.rebuilds and shape in self.a.rebuilt_shapes:
            self.rebuilt(key, ok_trees)

        self.save()
        if not self.a.keep:
            shutil.rmtree(os.path.join(self.a.workdir, "%s-%d" % (shape, n)), ignore_errors=True)

    def stats(self, d, goal):
        """baton -d stats on an up-to-date tree: (state log ms, total ms), medians."""
        logms, total = [], []
        for _ in range(self.a.fast_reps):
            p = subprocess.run([self.a.baton, "-d", "stats", goal], cwd=d, env=ENV,
                               capture_output=True, text=True)
            m = re.search(r"stats: state log +([0-9.]+) ms", p.stderr)
            t = re.search(r"stats: total +([0-9.]+) ms", p.stderr)
            if m and t:
                logms.append(float(m.group(1)))
                total.append(float(t.group(1)))
        if not total:
            return None
        return statistics.median(logms), statistics.median(total)

    def rebuilt(self, key, trees):
        """--rebuilds full rebuilds (every header touched), then no-op runs."""
        info = self.info[key]
        extra = self.extra.setdefault(key, {})
        if "baton" in trees:
            d = trees["baton"]
            extra["log_one"] = os.path.getsize(os.path.join(d, ".baton", "log"))
            extra["stats_one"] = self.stats(d, info["goal"])
        for r in range(self.a.rebuilds):
            for tool, d in trees.items():
                time.sleep(0.02)
                for h in info["touch_all"]:
                    os.utime(os.path.join(d, h))
                self.measure(key, "rerun", tool, d, info["jobs"]["full"], record=False)
        self.phase(key, "rebuilt", trees, 0)
        if "baton" in trees:
            d = trees["baton"]
            extra["log_after"] = os.path.getsize(os.path.join(d, ".baton", "log"))
            extra["stats_after"] = self.stats(d, info["goal"])

    def run_ceiling(self, n):
        exe = self.helper
        d = os.path.join(self.a.workdir, "ceiling")
        self.ceiling[n] = {}
        reps = self.a.ceiling_reps
        modes = [m for m, _ in CEILING_MODES]
        for r in range(reps):
            for i in range(len(modes)):
                mode = modes[(i + r) % len(modes)]
                shutil.rmtree(d, ignore_errors=True)
                os.makedirs(d)
                p = subprocess.run([exe, "ceiling", str(self.a.jobs), str(n), mode, d],
                                   capture_output=True, text=True, env=ENV)
                if p.returncode != 0:
                    self.note("ceiling %s N=%d failed: %s" % (mode, n, p.stderr.strip()))
                    continue
                secs = float(p.stdout.strip())
                log("  ceiling  %-7s N=%-6d %9.3f s" % (mode, n, secs))
                self.ceiling[n].setdefault(mode, []).append(secs)
        shutil.rmtree(d, ignore_errors=True)


def build_helper(workdir):
    exe = os.path.join(workdir, "spawn")
    src = os.path.join(HERE, "spawn.c")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        cc = os.environ.get("CC", "cc")
        subprocess.run([cc, "-O2", "-Wall", "-o", exe, src], check=True)
    return exe


def build_baton(build_dir):
    if not os.path.exists(os.path.join(build_dir, "build.ninja")):
        log("configuring a release build of baton in %s" % build_dir)
        subprocess.run(["meson", "setup", build_dir, REPO, "--buildtype=release"],
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", build_dir, "baton"], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(build_dir, "baton")


# ---------------------------------------------------------------- reporting


def fmt_time(s):
    if s is None:
        return "—"
    if s < 0.01:
        return "%.4f" % s
    if s < 1:
        return "%.3f" % s
    if s < 100:
        return "%.2f" % s
    return "%.1f" % s


def fmt_num(x):
    return "—" if x is None else "{:,.0f}".format(x)


def fmt_ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    return "%.2f" % (a / b)


def cell(runs):
    """(median seconds or None, text for the cell, number of runs)."""
    if not runs:
        return None, None, 0
    bad = [r for r in runs if not r.ok]
    if bad:
        return None, bad[0].status, len(runs)
    return statistics.median(r.seconds for r in runs), None, len(runs)


def machine_info(baton):
    def first_line(cmd):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
            return (p.stdout or p.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            kib = int(f.readline().split()[1])
            mem = "%.1f GiB" % (kib / 1048576)
    except (OSError, ValueError, IndexError):
        pass
    commit = first_line(["git", "-C", REPO, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--", "src", "grammar"],
                           capture_output=True, text=True).stdout.strip()
    return [
        ("date", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("nproc", str(os.cpu_count())),
        ("CPU", cpu),
        ("memory", mem),
        ("kernel", "%s %s" % (platform.system(), platform.release())),
        ("baton", "%s (commit %s%s, meson release build)"
         % (first_line([baton, "--version"]), commit, ", with local changes" if dirty else "")),
        ("make", first_line(["make", "--version"])),
        ("ninja", first_line(["ninja", "--version"])),
        ("/bin/sh", os.path.realpath("/bin/sh")),
        ("touch", first_line(["touch", "--version"])),
        ("load average at start", " ".join("%.2f" % x for x in os.getloadavg())),
    ]


def report(suite, args, started, elapsed, minfo):
    tools = args.tools
    ratios = [(a, b) for a, b in (("baton", "make"), ("baton", "ninja"))
              if a in tools and b in tools]
    head = ["shape", "N", "measure", "runs"] + tools + ["%s/%s" % r for r in ratios]
    rows = []
    wrows = []

    def add(shape, n, measure, runs, vals, texts):
        cells = [texts[t] if texts[t] is not None else fmt_val(vals[t], measure) for t in tools]
        rs = [fmt_ratio(vals[a], vals[b]) for a, b in ratios]
        rows.append([shape, n, measure, runs] + cells + rs)

    def fmt_val(v, measure):
        if v is None:
            return "—"
        if measure.startswith("jobs/s"):
            return fmt_num(v)
        if measure.startswith("peak"):
            return "%.1f" % v
        if measure.startswith("dry run, us"):
            return "%.2f" % v
        return fmt_time(v)

    for (shape, n), phases in suite.results.items():
        info = suite.info[(shape, n)]
        label_n = "{:,}".format(n) if shape != "weighted" else "%d jobs" % info["jobs"]["full"]
        full = {t: cell(phases.get("full", {}).get(t)) for t in tools}
        nruns = max((full[t][2] for t in tools), default=0)
        name = "makespan (s)" if shape == "weighted" else "full build (s)"
        add(shape, label_n, name, str(nruns),
            {t: full[t][0] for t in tools}, {t: full[t][1] for t in tools})
        if shape != "weighted":
            rate, rtext = {}, {}
            for t in tools:
                rate[t] = (info["jobs"]["full"] / full[t][0]) if full[t][0] else None
                rtext[t] = None
                runs = phases.get("full", {}).get(t) or []
                part = [r for r in runs if r.status.startswith("timeout") and r.jobs]
                if rate[t] is None and part:
                    # killed on time: the rate so far (jobs are counted as they start)
                    rate[t] = statistics.median(r.jobs / r.seconds for r in part)
                    rtext[t] = "%s (first %s jobs)" % (
                        fmt_num(rate[t]), fmt_num(statistics.median(r.jobs for r in part)))
                elif rate[t] is None:
                    rtext[t] = full[t][1]
            add(shape, label_n, "jobs/s", "", rate, rtext)
        touched = "1 source touched" if shape not in OBJECT_SHAPES else "inc/h0.h touched"
        for phase, name in (("dry", "dry run -n (s)"), ("noop", "no-op (s)"),
                            ("rebuild", "rebuild, %s (s)" % touched),
                            ("rebuilt", "no-op after %d full rebuilds (s)" % args.rebuilds)):
            if phase == "rebuild" and not info["touch"]:
                continue
            if phase not in phases:
                continue
            c = {t: cell(phases.get(phase, {}).get(t)) for t in tools}
            nruns = max((c[t][2] for t in tools), default=0)
            texts = {t: c[t][1] for t in tools}
            add(shape, label_n, name, str(nruns) if nruns else "",
                {t: c[t][0] for t in tools}, texts)
            if phase == "dry":
                per = {t: c[t][0] / info["jobs"]["full"] * 1e6 if c[t][0] else None
                       for t in tools}
                add(shape, label_n, "dry run, us per job", "", per, texts)
        extra = suite.extra.get((shape, n), {})
        none = {t: None for t in tools}
        for when, label in (("one", "after one build"),
                            ("after", "after %d full rebuilds" % args.rebuilds)):
            st = extra.get("stats_" + when)
            if st and "baton" in tools:
                texts = dict(none, baton="%.1f of %.1f ms (%.0f%%)"
                             % (st[0], st[1], 100 * st[0] / st[1]))
                add(shape, label_n, "state log read, " + label, "", none, texts)
        if extra.get("log_after") and "baton" in tools:
            texts = dict(none, baton="%.2f (%.1f of %.1f MiB)" % (
                extra["log_after"] / extra["log_one"], extra["log_after"] / 2**20,
                extra["log_one"] / 2**20))
            add(shape, label_n, "state log size, rebuilt / one build", "", none, texts)
        rss = {}
        for t in tools:
            allruns = [r for ph in phases.values() for r in ph.get(t, [])]
            rss[t] = max((r.rss_kib for r in allruns), default=0) / 1024 or None
        add(shape, label_n, "peak RSS (MiB)", "", rss, {t: None for t in tools})
        if shape == "weighted":
            lb = max(info["critical_path"], info["total_work"] / args.jobs)
            wrows.append(["critical path", fmt_time(info["critical_path"])])
            wrows.append(["total work / %d jobs" % args.jobs,
                          fmt_time(info["total_work"] / args.jobs)])
            wrows.append(["lower bound max(critical path, work / jobs)", fmt_time(lb)])
            for t in tools:
                m = full[t][0]
                wrows.append(["%s makespan / lower bound" % t,
                              "%.2f" % (m / lb) if m else full[t][1] or "—"])

    crow = []
    for n, modes in sorted(suite.ceiling.items()):
        line = ["{:,}".format(n), str(max((len(v) for v in modes.values()), default=0))]
        for m, _ in CEILING_MODES:
            v = modes.get(m)
            if v:
                med = statistics.median(v)
                line.append("%s s (%s/s)" % (fmt_time(med), fmt_num(n / med)))
            else:
                line.append("—")
        crow.append(line)

    def table(header, body):
        widths = [max(len(str(r[i])) for r in [header] + body) for i in range(len(header))]
        out = ["| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths)) + " |",
               "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        for r in body:
            out.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
        return "\n".join(out)

    md = ["# baton benchmark results", ""]
    md.append("Generated by `%s` on %s, in %.1f minutes. "
              "What each figure means: [README.md](README.md)." % (
                  " ".join(["bench/run.py"] + args.argv), started, elapsed / 60))
    md.append("")
    md.append("All builds at -j%d. Medians of the runs counted in `runs`; tools alternated "
              "from run to run. Ratios are baton's median divided by the other tool's "
              "(below 1: baton took less time or memory; for jobs/s above 1 is better)." % args.jobs)
    md.append("")
    md.append("## Machine")
    md.append("")
    md += ["- %s: %s" % kv for kv in minfo]
    md.append("- load average at end: %s" % " ".join("%.2f" % x for x in os.getloadavg()))
    md.append("")
    md.append("## Results")
    md.append("")
    md.append(table(head, rows))
    if wrows:
        md += ["", "## weighted: makespan against its lower bound", "",
               table(["", "seconds or ratio"], wrows)]
    if crow:
        md += ["", "## Direct-exec ceiling (bench/spawn.c, -j%d)" % args.jobs, "",
               "N processes started with posix_spawn, at most %d at a time, each waited "
               "for: no graph, no up-to-date check, no output." % args.jobs, "",
               table(["N", "runs"] + [label for _, label in CEILING_MODES], crow)]
    md += ["", "## Notes", ""]
    if suite.notes:
        md += ["- " + x for x in suite.notes]
    else:
        md.append("- Every run succeeded and ran exactly the expected number of jobs.")
    text = "\n".join(md) + "\n"
    return text


# ---------------------------------------------------------------- main


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Benchmark baton against make and ninja (see bench/README.md).")
    p.add_argument("--quick", action="store_true",
                   help="N=1,000 only, fewer runs: a smoke test in under a minute")
    p.add_argument("--shapes", default=",".join(ALL_SHAPES),
                   help="comma-separated shapes (default: %(default)s)")
    p.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                   help="comma-separated values of N (default: %(default)s)")
    p.add_argument("--object-sizes", default=",".join(map(str, DEFAULT_OBJECT_SIZES)),
                   help="values of N for the shapes %s (default: %%(default)s)"
                        % ", ".join(OBJECT_SHAPES))
    p.add_argument("--rebuilds", type=int, default=3,
                   help="full rebuilds before the last no-op runs (default: %(default)s)")
    p.add_argument("--rebuilt-shapes", default="project,depfile,headers",
                   help="shapes that get those (default: %(default)s)")
    p.add_argument("--tools", default=",".join(ALL_TOOLS),
                   help="comma-separated tools (default: %(default)s)")
    p.add_argument("--reps", type=int, default=3,
                   help="runs of each measurement, at least (default: %(default)s)")
    p.add_argument("--full-reps", type=int,
                   help="runs of each full build (default: --reps)")
    p.add_argument("--fast-reps", type=int, default=9,
                   help="runs when a measurement takes under 0.25 s (half as many "
                        "more under 1.5 s) (default: %(default)s)")
    p.add_argument("--no-extra", action="store_true",
                   help="never add runs for fast measurements")
    p.add_argument("--big-reps", type=int, default=1,
                   help="runs of full builds at N >= 100,000 (default: %(default)s)")
    p.add_argument("--jobs", "-j", type=int, default=2, help="parallel jobs (default: 2)")
    p.add_argument("--timeout", type=float, default=120,
                   help="seconds before a run is killed and recorded as a timeout "
                        "(default: %(default)s)")
    p.add_argument("--complete-max", type=float, default=150,
                   help="after a full build of baton's was stopped at the timeout, let "
                        "it finish if that should take at most this many seconds "
                        "(default: %(default)s)")
    p.add_argument("--ceiling-max", type=int, default=10000,
                   help="measure the direct-exec ceiling at sizes up to this "
                        "(0: not at all) (default: %(default)s)")
    p.add_argument("--ceiling-reps", type=int, default=3,
                   help="runs of each ceiling measurement (default: %(default)s)")
    p.add_argument("--baton", help="the baton binary to measure (default: build a "
                   "release copy in --build-dir)")
    p.add_argument("--build-dir", default="/tmp/bench-build",
                   help="meson build directory for the release copy (default: %(default)s)")
    p.add_argument("--workdir", default="/tmp/baton-bench",
                   help="where the trees are generated (default: %(default)s)")
    p.add_argument("--keep", action="store_true", help="keep the generated trees")
    p.add_argument("--output", "-o",
                   help="write the Markdown table here (default: bench/results.md for a "
                        "run of the default suite, nowhere otherwise; '-': nowhere)")
    a = p.parse_args(argv)
    a.argv = argv
    default_suite = not any(x.startswith(("--quick", "--shapes", "--sizes", "--tools"))
                            for x in argv)
    if a.quick:
        a.sizes = "1000"
        a.reps = 3
        a.full_reps = 1
        a.fast_reps = 3
        a.ceiling_reps = 1
        a.big_reps = 1
    if a.full_reps is None:
        a.full_reps = a.reps
    a.shapes = [s for s in a.shapes.split(",") if s]
    a.tools = [t for t in a.tools.split(",") if t]
    try:
        a.sizes = sorted({int(x.replace("_", "")) for x in a.sizes.split(",") if x})
        a.object_sizes = sorted({int(x.replace("_", "")) for x in a.object_sizes.split(",")
                                 if x})
    except ValueError:
        p.error("--sizes and --object-sizes take numbers")
    if a.quick:
        a.object_sizes = [1000]
    a.rebuilt_shapes = [s for s in a.rebuilt_shapes.split(",") if s]
    for s in a.shapes:
        if s not in ALL_SHAPES:
            p.error("unknown shape '%s' (one of %s)" % (s, ", ".join(ALL_SHAPES)))
    for t in a.tools:
        if t not in ALL_TOOLS:
            p.error("unknown tool '%s' (one of %s)" % (t, ", ".join(ALL_TOOLS)))
    if not a.sizes or not a.shapes or not a.tools:
        p.error("nothing to run")
    if a.output is None and default_suite:
        a.output = os.path.join(HERE, "results.md")
    if a.output == "-":
        a.output = None
    return a


def main(argv):
    args = parse_args(argv)
    if args.baton:
        args.baton = os.path.abspath(args.baton)
    else:
        args.baton = build_baton(args.build_dir)
    for t in args.tools:
        if t != "baton" and not shutil.which(t):
            raise SystemExit("run.py: '%s' is not installed (see bench/install-deps)" % t)
    os.makedirs(args.workdir, exist_ok=True)
    minfo = machine_info(args.baton)
    started = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    t0 = time.time()
    suite = Suite(args)
    for n in args.sizes:
        if args.ceiling_max and n <= args.ceiling_max:
            log("direct-exec ceiling N=%d" % n)
            suite.run_ceiling(n)
        for shape in args.shapes:
            if shape == "weighted":
                if n != args.sizes[0]:
                    continue  # its size does not depend on N: run it once
            if shape not in OBJECT_SHAPES:
                suite.run_shape(shape, n)
    for n in args.object_sizes:
        for shape in args.shapes:
            if shape in OBJECT_SHAPES:
                suite.run_shape(shape, n)
    elapsed = time.time() - t0
    text = report(suite, args, started, elapsed, minfo)
    sys.stdout.write(text)
    if args.output:
        # the section bench/terminal.py writes into the file is kept
        begin, end = "<!-- bench/terminal.py: begin -->", "<!-- bench/terminal.py: end -->"
        try:
            with open(args.output) as f:
                old = f.read()
            if begin in old and end in old:
                text += "\n" + old[old.index(begin):old.index(end) + len(end)] + "\n"
        except OSError:
            pass
        with open(args.output, "w") as f:
            f.write(text)
        log("wrote %s" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
