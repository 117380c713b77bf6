"""The habits task-runner users bring: private tasks, aliases, tasks called
with arguments from other tasks and more than once, arguments that look like
options, "did you mean", and baton run by a recipe of baton."""

import os
import subprocess
import time

from harness import case


@case
def habit_private_tasks(t):
    t.taskfile("""
        ## Build it.
        task build: _prepare hidden
          echo build >> log
        task _prepare:
          echo prepare >> log
        [private]
        task hidden:
          echo hidden >> log
        ## A private rule.
        [private]
        gen.txt:
          touch gen.txt
    """)
    r = t.run("-l")
    t.rc(r, 0)
    t.out(r, "Tasks and documented rules:\n    build  # Build it.\n")
    r = t.run("-j1", "_prepare", "hidden")
    t.rc(r, 0)
    t.logged(["prepare", "hidden"])


@case
def habit_aliases(t):
    t.taskfile("""
        ## Deploy it.
        [alias: d dep]
        task deploy env="dev":
          echo deploy {{env}} >> log
    """)
    r = t.run("-l")
    t.out(r, "Tasks and documented rules:\n    deploy env=\"dev\" (alias: d dep)  # Deploy it.\n")
    r = t.run("d", "prod")
    t.rc(r, 0)
    t.out(r, "[1/1] deploy\n")
    r = t.run("dep")
    t.rc(r, 0)
    t.logged(["deploy prod", "deploy dev"])


@case
def habit_alias_clashes(t):
    t.taskfile("""
        [alias: b]
        task build:
          true
        task b:
          true
    """)
    r = t.run("build")
    t.diag(r, "Taskfile:4:1: error: task 'b' is defined twice (first at Taskfile:2:1)",
           caret="task b")
    t.taskfile("[alias: x]\nout.txt:\n  true\n", dedent=False)
    r = t.run("out.txt")
    t.diag(r, "Taskfile:1:1: error: only a task can have an alias", caret="[alias: x]")


@case
def habit_task_defined_twice(t):
    t.taskfile("""
        task test:
          echo one
        task other:
          true
        task test:
          echo two
    """)
    r = t.run("test")
    t.diag(r, "Taskfile:5:1: error: task 'test' is defined twice (first at Taskfile:1:1)",
           caret="task test")
    t.eq(r.err.splitlines()[3], "Taskfile:1:1: note: the first task 'test' is here",
         "the note")


@case
def habit_goals_run_in_the_order_named(t):
    # at -j1 the goals named are made one after the other, in their order, as
    # make does: even when the last build says the second one is slower (which
    # would otherwise put it first, on the longest path)
    t.taskfile("""
        task slow: prep
          sleep 0.2; echo slow >> log
        task prep:
          echo prep >> log
        task quick:
          echo quick >> log
    """)
    r = t.run("-j1", "quick", "slow")
    t.rc(r, 0)
    t.content("log", "quick\nprep\nslow\n")
    os.unlink(t.path("log"))
    r = t.run("-j1", "quick", "slow")
    t.rc(r, 0)
    t.content("log", "quick\nprep\nslow\n")
    os.unlink(t.path("log"))
    r = t.run("-j1", "slow", "quick")
    t.rc(r, 0)
    t.content("log", "prep\nslow\nquick\n")


@case
def habit_clean_then_all_sees_what_clean_did(t):
    # baton clean all: all is planned once clean has ended, so what clean
    # deleted is made again, however many jobs run at once
    t.taskfile("""
        all: out/a out/b
        out/a: in
          mkdir -p out; cp in out/a; echo a >> log
        out/b: in
          mkdir -p out; cp in out/b; echo b >> log
        task clean:
          rm -rf out; echo clean >> log
    """)
    t.write("in", "x\n")
    r = t.run("-j4", "all")
    t.rc(r, 0)
    for jobs in ("-j1", "-j4"):
        os.unlink(t.path("log"))
        r = t.run(jobs, "clean", "all")
        t.rc(r, 0)
        lines = t.read("log").splitlines()
        t.eq(lines[0], "clean", "what ran first", r)
        t.eq(sorted(lines[1:]), ["a", "b"], "what ran after clean", r)
        t.content("out/a", "x\n")
        t.content("out/b", "x\n")
    # a file named after a task it does not need is still made after it
    os.unlink(t.path("log"))
    r = t.run("-j4", "all", "clean", "out/a")
    t.rc(r, 0)
    t.eq(t.read("log").splitlines(), ["clean", "a"], "what ran", r)
    t.out(r, "[1/1] clean\n[2/2] out/a\n")


@case
def habit_failed_goal_stops_the_goals_after_it(t):
    # deploy needs a file: it is made once test has ended, and not if it failed
    # (with -k, all the same); tasks that need no file run side by side
    t.taskfile("""
        task test:
          echo test >> log; exit 1
        task deploy: app
          echo deploy >> log
        app:
          echo app >> log; touch app
    """)
    r = t.run("-j4", "test", "deploy")
    t.rc(r, 1)
    t.content("log", "test\n")
    os.unlink(t.path("log"))
    r = t.run("-j4", "-k", "test", "deploy")
    t.rc(r, 1)
    t.content("log", "test\napp\ndeploy\n")
    t.out(r, "[1/3] test\n[2/3] app\n[3/3] deploy\n")
    # a dry run plans every goal at once
    r = t.run("-n", "test", "deploy")
    t.rc(r, 0)
    t.out(r, "[1/2] test\n    echo test >> log; exit 1\n[2/2] deploy\n    echo deploy >> log\n")


@case
def habit_depend_on_task_with_arguments(t):
    t.taskfile("""
        task deploy env *flags:
          echo deploy {{env}} {{flags}} >> log
        task greet who:
          echo hello {{who}} >> log
        target = "deploy staging"
        task ship: "deploy prod -x" {{target}} "greet 'a b'" "deploy env=qa"
          echo shipped >> log
    """)
    r = t.run("-j1", "ship")
    t.rc(r, 0)
    t.out(r, "[1/5] deploy prod -x\n[2/5] deploy staging\n[3/5] greet 'a b'\n"
          "[4/5] deploy env=qa\n[5/5] ship\n")
    t.logged(["deploy prod -x", "deploy staging", "hello a b", "deploy qa", "shipped"])
    # too many arguments: reported before anything runs
    t.taskfile("task greet who:\n  true\ntask ship: \"greet a b\"\n  touch ran\n",
               dedent=False)
    r = t.run("ship")
    t.rc(r, 2)
    t.eq(r.err.splitlines()[0], "baton: error: task 'greet' takes at most 1 argument",
         "stderr")
    t.absent("ran")


@case
def habit_arguments_that_look_like_options(t):
    t.taskfile("""
        task deploy env *flags:
          printf '[%s]' {{env}} {{flags}} >> log
          echo >> log
        task other:
          echo other >> log
    """)
    r = t.run("deploy", "prod", "-x", "--force", "-j", "3")
    t.rc(r, 0)
    t.logged(["[prod][-x][--force][-j][3]"])
    # after a task's arguments (here: none left to take), options again
    t.taskfile("task greet who:\n  echo {{who}} >> log\n", dedent=False)
    os.remove(t.path("log"))
    r = t.run("greet", "-x", "-n")
    t.rc(r, 0)
    t.out(r, "[1/1] greet\n    echo -x >> log\n")
    t.nothing_ran()
    r = t.run("greet", "a", "-C", "x")
    t.rc(r, 2)
    t.eq(r.err.splitlines()[0], "baton: option '-C' must come before the targets", "stderr")


@case
def habit_task_named_twice_runs_twice(t):
    t.taskfile("""
        task greet who:
          echo hello {{who}} >> log
    """)
    r = t.run("-j1", "greet", "a", "greet", "b", "greet", "a")
    t.rc(r, 0)
    t.out(r, "[1/2] greet\n[2/2] greet b\n")
    t.logged(["hello a", "hello b"])


@case
def habit_did_you_mean(t):
    t.taskfile("""
        cflags = -O2
        task build:
          echo {{cflag}}
        task test:
          true
    """)
    r = t.run("test")
    t.diag(r, "Taskfile:3:10: error: unknown variable 'cflag' (did you mean 'cflags'?)",
           caret="cflag")
    t.taskfile("""
        task build:
          echo {{uper("x")}}
    """)
    r = t.run("build")
    t.diag(r, "Taskfile:2:10: error: unknown function 'uper' (did you mean 'upper'?)")
    t.taskfile("""
        task build:
          true
        out.txt:
          true
    """)
    r = t.run("biuld")
    t.diag(r, "baton: error: unknown target 'biuld' (did you mean 'build'?)")
    r = t.run("out.tx")
    t.diag(r, "baton: error: unknown target 'out.tx' (did you mean 'out.txt'?)")
    r = t.run("zzzzzz")
    t.diag(r, "baton: error: unknown target 'zzzzzz'")
    t.taskfile("[privat]\ntask t:\n  true\n", dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:1: error: unknown attribute 'privat' (did you mean 'private'?)")


def writes_log(t, what):
    return "  echo %s >> log\n" % what


@case
def habit_baton_inside_baton(t):
    # a recipe that runs baton on the same directory: no wait, the inner
    # jobs recorded, and up to date afterwards
    t.taskfile("""
        task release: a.out
          %s -j2 test
          echo released >> log
        task test: b.out c.out
          echo tested >> log
        a.out:
          echo a > a.out
        b.out:
          echo b > b.out
        c.out:
          echo c > c.out
    """ % t.baton)
    r = t.run("-j2", "release", timeout=20)
    t.rc(r, 0)
    t.lacks(r.err, "waiting", "stderr")
    t.logged(["tested", "released"])
    r = t.run("b.out", "c.out", "a.out")
    t.rc(r, 0)
    t.out(r, "baton: nothing to do\n")


@case(tags=("many-runs",))
def habit_baton_inside_baton_log_survives_compaction(t):
    # the outer baton compacts the log at its end: the inner one's records,
    # appended meanwhile, are kept
    n = 300
    inner = "task inner: %s\n" % " ".join("i%d" % i for i in range(n))
    inner += "i%:\n  touch {{out}}\n"
    t.write("sub.tf", inner)
    outer = "task outer: %s\n  %s -f sub.tf -j4 inner\n" % (
        " ".join("o%d" % i for i in range(n)), t.baton)
    outer += "o%:\n  touch {{out}}\n"
    t.taskfile(outer, dedent=False)
    # many records no longer live, so that the outer compacts at its end
    sizes = []
    for _ in range(3):
        r = t.run("-B", "-j4", "outer", timeout=60)
        t.rc(r, 0)
        sizes.append(os.path.getsize(t.path(".baton/log")))
    # 3 x 600 records appended, and compacted to the 600 live ones (and what
    # came after the compaction): never twice the size of one build's
    if sizes[-1] > 2 * sizes[0]:
        t.fail("the log was not compacted: %r bytes after each build" % sizes)
    r = t.run("-f", "sub.tf", "i0", "i299")
    t.out(r, "baton: nothing to do\n")
    r = t.run("o0", "o299")
    t.out(r, "baton: nothing to do\n")


@case
def habit_unrelated_batons_wait(t):
    # two batons started by hand in one directory still wait for each other
    t.taskfile("""
        task slow:
          touch slow.started
          sleep 1
        task quick:
          touch quick.ran
    """)
    env = dict(os.environ, LC_ALL="C")
    env.pop("MAKEFLAGS", None)
    p = subprocess.Popen([t.baton, "slow"], cwd=t.root, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        end = time.monotonic() + 10
        while not t.exists("slow.started") and time.monotonic() < end:
            time.sleep(0.02)
        r = t.run("quick")
    finally:
        p.communicate(timeout=20)
    t.rc(r, 0)
    t.match(r"^baton: waiting for another baton in this directory \(pid \d+\)$", r.err,
            "stderr")
