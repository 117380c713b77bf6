"""The demo in examples/pipeline, run on a copy: it builds, a second run does
nothing, and touching one input reruns only what depends on it."""

import os
import shutil

from harness import case

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "..", "..", "examples", "pipeline")
ANALYSES = ["out/analysis/orders.txt", "out/analysis/requests.txt",
            "out/analysis/temperatures.txt"]


def copy_demo(t):
    shutil.copytree(DEMO, t.path("demo"),
                    ignore=shutil.ignore_patterns("out", ".baton"))


def started(r):
    return [l.split("] ", 1)[1] for l in r.out.splitlines() if l.startswith("[")]


@case
def demo_pipeline_builds_then_does_nothing(t):
    copy_demo(t)
    r = t.run("-j4", cwd="demo")
    t.rc(r, 0)
    jobs = started(r)
    t.eq(sorted(jobs[:4]), ANALYSES + ["out/summary.txt"], "the first four jobs", r)
    t.eq(jobs[4:], ["out/report.txt"], "the last job", r)
    report = t.read("demo/out/report.txt")
    for title in ("Pipeline report", "Revenue per customer", "Requests per status",
                  "Temperature range per city", "Order statistics"):
        t.contains(report, title + "\n", "out/report.txt")
    # the inline Python step: 20 orders in data/orders.csv
    t.contains(t.read("demo/out/summary.txt"), "  orders        %d\n"
               % (len(t.read("demo/data/orders.csv").splitlines()) - 1),
               "out/summary.txt")
    r = t.run("-j4", cwd="demo")
    t.rc(r, 0)
    t.out(r, "baton: nothing to do\n")


@case
def demo_pipeline_touch_reruns_only_dependents(t):
    copy_demo(t)
    t.rc(t.run("-j4", cwd="demo"), 0)
    st = os.stat(t.path("demo/data/requests.csv"))
    os.utime(t.path("demo/data/requests.csv"), ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    r = t.run("-j4", cwd="demo")
    t.rc(r, 0)
    t.out(r, "[1/2] out/analysis/requests.txt\n[2/2] out/report.txt\n")
    r = t.run("-l", cwd="demo")
    t.rc(r, 0)
    t.out(r, """\
        Tasks and documented rules:
            out/report.txt      # The whole report: every analysis, then the order statistics.
            out/analysis/%.txt  # One analysis: steps/NAME.sh run over data/NAME.csv.
            out/summary.txt     # Order statistics, computed by inline Python.
            peek n="3"          # Show the first N lines of every data file: baton peek [N]
            clean               # Remove everything the pipeline made.
    """)
    r = t.run("clean", cwd="demo")
    t.rc(r, 0)
    t.absent("demo/out")
