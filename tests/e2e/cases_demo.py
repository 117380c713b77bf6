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


CLIB = os.path.join(HERE, "..", "..", "examples", "clib")


@case
def demo_clib_static_and_shared_builds_and_tests(t):
    shutil.copytree(CLIB, t.path("clib"), ignore=shutil.ignore_patterns("build", ".baton"))
    r = t.run(cwd="clib")
    t.rc(r, 0)
    t.eq(sorted(started(r)), ["build/debug-static/libstrutil.a",
                              "build/debug-static/obj/reverse.o",
                              "build/debug-static/obj/words.o",
                              "build/debug-static/textstat"], "the jobs", r)
    r = t.run("test", cwd="clib")
    t.rc(r, 0)
    # the two tests build at once: their lines come in the order they end
    t.eq(sorted(r.out.splitlines()[:2]), ["[1/3] build/debug-static/test_reverse",
                                          "[2/3] build/debug-static/test_words"]
         if r.out.startswith("[1/3] build/debug-static/test_reverse") else
         ["[1/3] build/debug-static/test_words", "[2/3] build/debug-static/test_reverse"],
         "the tests' lines", r)
    t.eq(r.out.splitlines()[2:], ["[3/3] test", "test_reverse: ok", "test_words: ok"],
         "the test task's output", r)
    r = t.run("mode=release", "link=shared", "run", "Never odd or even", cwd="clib")
    t.rc(r, 0)
    t.contains(r.out, "build/release-shared/libstrutil.so\n", "stdout", r)
    t.contains(r.out, "4 neve ro ddo reveN (palindrome)\n", "stdout", r)
    t.lacks(r.err, "debug build", "stderr (textstat built with -DNDEBUG)", r)
    t.absent("clib/build/release-shared/libstrutil.a")
    r = t.run("mode=release", "link=shared", "test", cwd="clib")
    t.rc(r, 0)
    t.contains(r.out, "test_reverse: ok\ntest_words: ok\n", "stdout", r)
    r = t.run(cwd="clib")
    t.out(r, "baton: nothing to do\n")
    r = t.run("mode=fast", cwd="clib")
    t.diag(r, "Taskfile:19:9: error: include file 'unknown-mode-fast.task' not found")


GLUE = os.path.join(HERE, "..", "..", "examples", "glue")


@case
def demo_glue_site_drafts_new_page_and_release(t):
    shutil.copytree(GLUE, t.path("glue"), ignore=shutil.ignore_patterns("out", ".baton"))
    r = t.run(cwd="glue")
    t.rc(r, 0)
    t.content("glue/out/site/index.txt", "about.html\nindex.html\n")
    t.contains(t.read("glue/out/site/about.html"), "<title>About us</title>\n",
               "out/site/about.html")
    t.absent("glue/out/site/draft-roadmap.html")
    r = t.run("status", cwd="glue")
    t.out(r, "[1/1] status\nversion 1.4.0, 2 pages: about, index\n")
    r = t.run("drafts=yes", cwd="glue")
    t.rc(r, 0)
    t.eq(started(r), ["out/site/draft-roadmap.html", "out/site/index.txt"], "the jobs", r)
    r = t.run("new", "contact", cwd="glue")
    t.rc(r, 0)
    t.content("glue/pages/contact.md", "# contact\n\nTo be written.\n")
    r = t.run("new", "contact", cwd="glue")
    t.rc(r, 1)
    t.contains(r.out, "pages/contact.md exists\n", "stdout", r)
    r = t.run("release", cwd="glue")
    t.rc(r, 0)
    t.present("glue/out/site-1.4.0.tar.gz")
    t.content("glue/out/site/index.txt", "about.html\ncontact.html\nindex.html\n")
    r = t.run(cwd="glue")
    t.out(r, "baton: nothing to do\n")
