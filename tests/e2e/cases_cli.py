"""The command line: options, finding the Taskfile, targets and variables."""

import os

from harness import case
from cases_lang import status_lines

SIMPLE = r"""
    task t:
      echo t >> log
      pwd >> log
"""


@case
def cli_version(t):
    r = t.run("--version")
    t.rc(r, 0)
    t.out(r, "baton 0.1.0\n")


@case
def cli_help(t):
    t.taskfile(SIMPLE)
    for opt in ("--help", "-h"):
        r = t.run(opt)
        t.rc(r, 0)
        if "baton" not in r.out:
            t.fail("%s should print usage mentioning baton on stdout" % opt, r)
    t.nothing_ran()


@case
def cli_unknown_option(t):
    t.taskfile(SIMPLE)
    for opt in ("--bogus", "-Z"):
        r = t.run(opt, "t")
        t.rc(r, 2)
        if not r.err.strip():
            t.fail("an unknown option needs a message on stderr", r)
    t.nothing_ran()


@case
def cli_bad_jobs_value(t):
    t.taskfile(SIMPLE)
    r = t.run("-j", "lots", "t")
    t.rc(r, 2)
    if not r.err.strip():
        t.fail("a bad -j value needs a message on stderr", r)
    t.nothing_ran()


@case
def cli_directory(t):
    t.taskfile(SIMPLE, rel="sub/Taskfile")
    r = t.run("-C", "sub", "t")
    t.rc(r, 0)
    t.logged(["t", t.path("sub")], rel="sub/log")
    r = t.run("--directory=sub", "t")
    t.rc(r, 0)
    t.eq(len(t.log("sub/log")), 4, "lines in sub/log after the second run")
    t.absent("log")


@case
def cli_file(t):
    t.taskfile(SIMPLE, rel="other.tf")
    r = t.run("-f", "other.tf", "t")
    t.rc(r, 0)
    t.logged(["t", t.root])
    r = t.run("--file=other.tf", "t")
    t.rc(r, 0)
    t.eq(len(t.log()), 4, "lines in log after the second run")


@case
def cli_taskfile_in_parent(t):
    t.taskfile(r"""
        task t:
          echo t >> log
          pwd >> log
        out.txt:
          echo out >> log
          touch out.txt
    """)
    t.mkdir("a/b/c")
    r = t.run("t", "out.txt", "-j1", cwd="a/b/c")
    t.rc(r, 0)
    t.eq(sorted(t.log()), sorted(["t", t.root, "out"]), "log in the Taskfile's directory")
    t.present("out.txt")
    t.absent("a/b/c/out.txt")
    t.absent("a/b/c/log")


@case
def cli_nearest_taskfile_wins(t):
    t.taskfile("task t:\n  echo outer >> log\n", dedent=False)
    t.taskfile("task t:\n  echo inner >> log\n", rel="sub/Taskfile", dedent=False)
    t.mkdir("sub/deeper")
    r = t.run("t", cwd="sub/deeper")
    t.rc(r, 0)
    t.logged(["inner"], rel="sub/log")
    t.absent("log")


@case
def cli_no_taskfile(t):
    # No Taskfile here or above (tmp dirs normally have none).
    if any(os.path.exists(os.path.join(d, "Taskfile"))
           for d in ("/", "/tmp", os.path.dirname(t.root))):
        return
    r = t.run()
    t.rc(r, 2)
    if not r.err.strip():
        t.fail("a missing Taskfile needs a message on stderr", r)


@case
def cli_existing_file_target(t):
    t.taskfile(SIMPLE)
    t.write("plain.txt", "")
    r = t.run("plain.txt")
    t.rc(r, 0)
    t.eq(r.out + r.err, "baton: nothing to do\n", "output", r)
    t.nothing_ran()


@case
def cli_several_targets(t):
    t.taskfile(r"""
        task a:
          echo a >> log
        b.txt:
          echo b >> log
          touch b.txt
        task c:
          echo c >> log
    """)
    r = t.run("-j1", "c", "b.txt", "a")
    t.rc(r, 0)
    t.eq(sorted(t.log()), ["a", "b", "c"], "jobs run")
    t.eq(sorted(status_lines(t, r)), ["a", "b.txt", "c"], "jobs started", r)


@case
def cli_double_dash(t):
    t.taskfile(r"""
        task echoargs *a:
          printf '[%s]\n' x {{a}} >> log
    """)
    r = t.run("echoargs", "--", "-n", "-k", "--version")
    t.rc(r, 0)
    t.logged(["[x]", "[-n]", "[-k]", "[--version]"])


@case
def cli_options_after_targets(t):
    t.taskfile(SIMPLE)
    r = t.run("t", "-n")
    t.rc(r, 0)
    t.out(r, "[1/1] t\n    echo t >> log\n    pwd >> log\n")
    t.nothing_ran()


@case
def cli_variable_and_task_param(t):
    t.taskfile(r"""
        greeting = hi
        task say who:
          echo {{greeting}} {{who}} >> log
    """)
    r = t.run("greeting=yo", "say", "who=bob")
    t.rc(r, 0)
    r = t.run("say", "ann")
    t.rc(r, 0)
    t.logged(["yo bob", "hi ann"])


@case
def cli_dump(t):
    t.taskfile(r"""
        x = 1
        out.txt: in.txt
          echo {{x}} >> log
          cp in.txt out.txt
    """)
    t.write("in.txt", "")
    for what in ("tokens", "ast", "graph", "plan"):
        r = t.run("--dump=" + what, "out.txt")
        t.rc(r, 0)
        if not r.out.strip():
            t.fail("--dump=%s printed nothing" % what, r)
    t.nothing_ran()
    t.absent("out.txt")


@case
def cli_missing_directory_or_file(t):
    t.taskfile(SIMPLE)
    for args in (["-C", "nosuchdir", "t"], ["-f", "nosuch.tf", "t"]):
        r = t.run(*args)
        t.rc(r, 2)
        if not r.err.strip():
            t.fail("%s needs a message on stderr" % " ".join(args), r)
    t.nothing_ran()


@case
def cli_directory_then_search(t):
    t.taskfile(SIMPLE)
    t.mkdir("a/b")
    r = t.run("-C", "a/b", "t")
    t.rc(r, 0)
    t.logged(["t", t.root])


@case
def cli_debug_stats(t):
    # -d stats: one line per phase reached, in order, on stderr after the run,
    # with what each went through; stdout is what it would be without it.
    t.taskfile(r"""
        all: a b
          cat a b > all
        a:
          echo a > a
        b:
          echo b > b
    """)
    size = os.path.getsize(t.path("Taskfile"))
    num = r" +\d+\.\d ms"

    def phases(r, expected):
        lines = r.err.splitlines()
        t.eq(len(lines), len(expected), "lines of -d stats", r)
        for line, (name, what) in zip(lines, expected):
            tail = "(  .*)?" if what is None else "  " + what if what else ""
            t.match("^baton: stats: %-9s%s%s$" % (name, num, tail), line,
                    "the %s line" % name, r)

    r = t.run("-d", "stats", "-j1")
    t.rc(r, 0)
    t.eq(status_lines(t, r), ["a", "b", "all"], "jobs", r)
    phases(r, [("parse", r"%d bytes in 1 file, \d+\.\d MB/s" % size),
               ("graph", "3 rules, 3 nodes, 3 edges"), ("state log", ""),
               ("plan", "3 jobs to run"), ("run", "3 jobs run"), ("free", ""),
               ("total", "")])
    t.content("all", "a\nb\n")
    r = t.run("-d", "stats", "-n", "-B", "a")
    t.rc(r, 0)
    t.out(r, "[1/1] a\n    echo a > a\n")
    phases(r, [("parse", None), ("graph", None), ("state log", ""),
               ("plan", "1 job to run"), ("print", "1 job printed"), ("free", ""),
               ("total", "")])
    r = t.run("-d", "stats")
    t.rc(r, 0)
    t.out(r, "baton: nothing to do\n")
    phases(r, [("parse", None), ("graph", None), ("state log", ""),
               ("plan", "0 jobs to run"), ("free", ""), ("total", "")])
    r = t.run("-d", "stats", "-l")
    t.rc(r, 0)
    phases(r, [("parse", None), ("graph", None), ("free", ""), ("total", "")])
    r = t.run("-d", "statistics")
    t.rc(r, 2)
    t.eq(r.err.splitlines()[0], "baton: -d takes 'explain' or 'stats', not 'statistics'",
         "message", r)
