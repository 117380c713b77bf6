"""Never wrong, never stuck: depfiles that name tasks or close cycles, files
changed behind baton's back, restat per output, [content] for generated
inputs, outputs a job did not make, and pattern rules that search too much."""

import os
import time

from harness import case
from cases_state import B, S, nothing_to_do


def ran(t, expected):
    """The recipes that ran since the last call wrote these lines, in any order."""
    t.eq(sorted(t.log()), sorted(expected), "lines recipes wrote to 'log'")
    os.unlink(t.path("log"))


# ---- attributes ------------------------------------------------------------

@case
def never_depfile_expression_checked_before_running(t):
    # an unknown variable in [depfile: ...] is a mistake in the Taskfile: found
    # before anything runs, as one in a recipe is
    t.taskfile(r"""
        [depfile: {{nosuch}}.d]
        out: in
          echo run >> log
          echo "out: in" > out.d
          cp in out
    """)
    t.write("in", "x\n")
    r = t.run()
    t.diag(r, "Taskfile:1:13: error: unknown variable 'nosuch'", "nosuch")
    t.nothing_ran()
    t.absent("out")


@case
def never_depfile_attribute_on_a_task_is_an_error(t):
    t.taskfile(r"""
        out:
          touch out
        [depfile: t.d]
        task t:
          echo ran >> log
    """)
    r = t.run("t")
    t.diag(r, "Taskfile:3:1: error: the depfile attribute is for rules that make files, "
           "not tasks", "[depfile: t.d]")
    t.nothing_ran()


# ---- depfiles ----------------------------------------------------------------

@case
def never_depfile_entry_named_like_a_task_is_a_file(t):
    # what a depfile names is a file the job read, never a task to run: not
    # 'deploy', nor 'greet', whose missing argument would fail every build
    t.taskfile(r"""
        [depfile: out.d]
        out: in
          echo run >> log
          echo "out: in deploy greet" > out.d
          cp in out
        task deploy:
          echo deploying >> log
        task greet who:
          echo hello {{who}} >> log
    """)
    t.write("in", "x\n")
    t.rc(t.run(), 0)
    t.logged(["run"])
    nothing_to_do(t, t.run())
    # a file of that name is an input like any other
    t.write("deploy", "now a file\n")
    r = t.run("--explain")
    t.rc(r, 0)
    t.contains(r.err, "input 'deploy' (from the depfile) changed (it was missing)",
               "explain", r)
    t.logged(["run", "run"])
    nothing_to_do(t, t.run())
    r = t.run("deploy")
    t.rc(r, 0)
    t.logged(["run", "run", "deploying"])


@case
def never_depfile_naming_a_downstream_file_is_no_cycle(t):
    # a depfile that names a file made from the rule's own output would close
    # a cycle: that entry is left out with a warning naming the depfile, and
    # the Taskfile stays buildable, with -B too, and once the recipe is fixed
    t.taskfile(r"""
        all: prog
        [depfile: obj.o.d]
        obj.o: src.c
          echo obj >> log
          echo "obj.o: src.c prog" > obj.o.d
          cp src.c obj.o
        prog: obj.o
          echo prog >> log
          cp obj.o prog
    """)
    warning = ("baton: warning: the depfile 'obj.o.d' of 'obj.o' names 'prog', which "
               "needs 'obj.o': left out, as it would close a dependency cycle\n")
    t.write("src.c", "c\n")
    t.rc(t.run(), 0)
    t.logged(["obj", "prog"])
    r = t.run()
    t.rc(r, 0)
    t.eq(r.err, warning, "stderr", r)
    t.out(r, "baton: nothing to do\n")
    r = t.run("obj.o")         # reached from the other side
    t.rc(r, 0)
    t.eq(r.err, warning, "stderr", r)
    r = t.run("-B")
    t.rc(r, 0)
    t.eq(r.err, warning, "stderr", r)
    t.logged(["obj", "prog", "obj", "prog"])
    t.write("src.c", "c2\n")
    t.rc(t.run(), 0)
    t.content("prog", "c2\n")
    # the recipe fixed: its job runs again, and its new depfile is believed
    text = t.read("Taskfile").replace("src.c prog", "src.c")
    t.taskfile(text, dedent=False)
    r = t.run()
    t.rc(r, 0)
    t.eq(r.err, warning, "stderr", r)
    t.logged(["obj", "prog"] * 4)
    r = t.run()
    nothing_to_do(t, r)


@case
def never_unreadable_depfile_deletes_the_outputs(t):
    # a job whose depfile cannot be read failed: its outputs go, as for any
    # failed job, and it runs again next time
    t.taskfile(r"""
        [depfile: out.d]
        out: in
          echo run >> log
          cp in out
    """)
    t.write("in", "x\n")
    r = t.run()
    t.rc(r, 1)
    t.contains(r.err, "Taskfile:2:1: error: 'out' failed: cannot read its depfile 'out.d': "
               "No such file or directory\n", "stderr", r)
    t.contains(r.err, "baton: deleted 'out'\n", "stderr", r)
    t.absent("out")
    t.rc(t.run(), 1)
    t.logged(["run", "run"])


# ---- outputs -----------------------------------------------------------------

@case
def never_job_that_makes_no_output_is_named(t):
    t.taskfile(r"""
        all: x y
        x y: in
          echo xy >> log
          cp in x
    """)
    t.write("in", "x\n")
    warning = ("baton: warning: 'x' succeeded without making 'y' (it will run again on "
               "every build)\n")
    r = t.run()
    t.rc(r, 0)
    t.eq(r.err, warning, "stderr", r)
    r = t.run()
    t.rc(r, 0)
    t.eq(r.err, warning, "stderr", r)
    t.logged(["xy", "xy"])


# ---- restat and [content] ----------------------------------------------------

@case
def never_restat_is_per_output(t):
    # the job rewrites o2 only: what needs o1 alone does not run
    t.taskfile(r"""
        all: c1 c2
        o1 o2: src
          echo o >> log
          test -e o1 || echo one > o1
          cp src o2
        c1: o1
          echo c1 >> log
          cp o1 c1
        c2: o2
          echo c2 >> log
          cp o2 c2
    """)
    t.write("src", "a\n")
    t.rc(t.run("-j1"), 0)
    t.logged(["o", "c1", "c2"])
    t.write("src", "b\n")
    r = t.run("-j1")
    t.rc(r, 0)
    t.logged(["o", "c1", "c2", "o", "c2"])
    t.content("c2", "b\n")
    nothing_to_do(t, t.run())


# ---- files changed behind baton's back ---------------------------------------

def rewrite_in_place(t, rel, data):
    """Write data over rel (the same size) in place, and put its mtime back, as
    `cp -p`, `rsync --inplace -t` or `touch -r` after an edit would leave it:
    same size, mtime and inode; only its ctime tells.  Returns (old, new)
    ctime in ns."""
    before = os.stat(t.path(rel))
    assert len(data) == before.st_size
    while True:
        with open(t.path(rel), "r+b") as f:
            f.write(data)
        os.utime(t.path(rel), ns=(before.st_atime_ns, before.st_mtime_ns))
        now = os.stat(t.path(rel))
        if now.st_ctime_ns != before.st_ctime_ns:     # a clock tick later
            break
        time.sleep(0.01)
    assert (now.st_mtime_ns, now.st_size, now.st_ino) == \
        (before.st_mtime_ns, before.st_size, before.st_ino)
    return before.st_ctime_ns, now.st_ctime_ns


def ns(t):
    return "%d.%09d" % (t // S, t % S)


@case
def never_same_size_mtime_and_inode_other_content_is_seen(t):
    t.taskfile(r"""
        out: in
          echo run >> log
          cp in out
    """)
    t.write("in", "aaaa\n")
    t.set_mtime("in", B)
    t.rc(t.run(), 0)
    old, new = rewrite_in_place(t, "in", b"bbbb\n")
    r = t.run("--explain")
    t.rc(r, 0)
    t.contains(r.err, "baton: explain: 'out': input 'in' changed (ctime %s -> %s)\n"
               % (ns(old), ns(new)), "explain", r)
    t.content("out", "bbbb\n")
    t.logged(["run", "run"])
    nothing_to_do(t, t.run())
    # --content too: the hash differs
    old, new = rewrite_in_place(t, "in", b"cccc\n")
    t.rc(t.run("--content"), 0)
    t.content("out", "cccc\n")


@case
def never_content_absorbs_a_ctime_only_change(t):
    t.taskfile(r"""
        [content]
        out: in
          echo run >> log
          cp in out
    """)
    t.write("in", "aaaa\n")
    t.rc(t.run(), 0)
    os.chmod(t.path("in"), 0o600)          # the ctime alone changes
    rewrite_in_place(t, "in", b"aaaa\n")   # and again, the same bytes
    nothing_to_do(t, t.run())
    nothing_to_do(t, t.run())
    rewrite_in_place(t, "in", b"abcd\n")
    t.rc(t.run(), 0)
    t.content("out", "abcd\n")
    t.logged(["run", "run"])


@case
def never_hard_link_to_an_input_is_no_reason_to_run(t):
    # ln changes the ctime of the file it links to: neither the job that made
    # the link, nor the one that made the file, nor another job that links
    # to the same file runs again for it
    t.taskfile(r"""
        all: bin/ls bin/cat dist/README
        dist/README: README
          echo readme >> log
          ln -f README dist/README
        bin/busybox: src
          echo busybox >> log
          cp src bin/busybox
        bin/ls: bin/busybox
          echo ls >> log
          ln -f bin/busybox bin/ls
        bin/cat: bin/busybox
          echo cat >> log
          ln -f bin/busybox bin/cat
    """)
    t.write("src", "x\n")
    t.write("README", "read me\n")
    t.rc(t.run("-j1"), 0)
    t.logged(["busybox", "ls", "cat", "readme"])
    nothing_to_do(t, t.run())
    nothing_to_do(t, t.run())


@case
def never_content_holds_for_inputs_made_in_the_same_build(t):
    # a generator writes gen.h again with the same bytes: what has [content]
    # does not run for it, what has not does
    t.taskfile(r"""
        all: a b
        gen.h: gen.in
          echo gen >> log
          sed '/^#/d' gen.in > gen.h
        [content]
        a: gen.h
          echo a >> log
          cp gen.h a
        b: gen.h
          echo b >> log
          cp gen.h b
    """)
    t.write("gen.in", "int x;\n")
    t.rc(t.run(), 0)
    ran(t, ["a", "b", "gen"])
    t.write("gen.in", "# a comment\nint x;\n")
    t.rc(t.run(), 0)
    ran(t, ["b", "gen"])
    nothing_to_do(t, t.run())
    t.write("gen.in", "int y;\n")
    t.rc(t.run(), 0)
    ran(t, ["a", "b", "gen"])
    t.content("a", "int y;\n")


@case
def never_plain_run_after_content_run_runs_nothing(t):
    # what --content found up to date stays so for a build without it
    t.taskfile(r"""
        all: out b
        out: in
          echo out >> log
          cp in out
        gen.h: gen.in
          echo gen >> log
          sed '/^#/d' gen.in > gen.h
        b: gen.h
          echo b >> log
          cp gen.h b
    """)
    t.write("in", "x\n")
    t.write("gen.in", "int x;\n")
    t.rc(t.run("--content"), 0)
    ran(t, ["b", "gen", "out"])
    t.set_mtime("in", B)                # the same content, another time
    t.write("gen.in", "# a comment\nint x;\n")
    t.rc(t.run("--content"), 0)
    ran(t, ["gen"])
    nothing_to_do(t, t.run())
    nothing_to_do(t, t.run("--content"))


# ---- pattern rules -------------------------------------------------------------

def match_anything(t, nsrc, nrules, make_sources=True):
    """A Taskfile of nrules rules `%: %.inN` (each matches any name) building
    nsrc files, each from its src/fI.in1 if make_sources."""
    names = ["src/f%d" % i for i in range(nsrc)]
    text = "all: %s\n" % " ".join(names)
    for k in range(1, nrules + 1):
        text += "%%: %%.in%d\n  cp {{in}} {{out}}\n" % k
    t.taskfile(text, dedent=False)
    if make_sources:
        for n in names:
            t.write(n + ".in1", "x\n")


@case
def never_match_anything_rules_do_not_explode(t):
    # eight rules that match any name, over 200 sources: each source exists,
    # baton did not make it, so it is not sent through chains of patterns,
    # and a rule matching anything makes no file of a chain (as in make)
    match_anything(t, 200, 8)
    r = t.run("-j2", peak=True)
    t.rc(r, 0)
    t.bounded(r, 24)
    t.content("src/f199", "x\n")
    r = t.run(peak=True)
    nothing_to_do(t, r)
    t.bounded(r, 24)


@case
def never_missing_targets_with_many_patterns_fail_fast(t):
    # 200 targets no rule can make, 20 rules that match any name: the error
    # comes after a bounded search, and says which rules matched
    match_anything(t, 200, 20, make_sources=False)
    r = t.run(peak=True)
    t.diag(r, "Taskfile:1:6: error: no rule to make 'src/f0', needed by 'all'", "src/f0")
    t.bounded(r, 24)
    lines = r.err.splitlines()
    t.eq(lines[3:10], [
        "Taskfile:2:4: note: the pattern rule for '%' matches, but its input 'src/f0.in1' "
        "is missing and no rule makes it",
        "    %: %.in1",
        "       ^~~~~",
        "Taskfile:4:4: note: the pattern rule for '%' matches, but its input 'src/f0.in2' "
        "is missing and no rule makes it",
        "    %: %.in2",
        "       ^~~~~",
        "Taskfile:6:4: note: the pattern rule for '%' matches, but its input 'src/f0.in3' "
        "is missing and no rule makes it"], "notes", r)
    t.contains(r.err, "baton: note: and 17 more pattern rules\n", "stderr", r)


@case
def never_chain_of_patterns_still_remakes_what_baton_made(t):
    # a file baton made is still sent through chains: x.o, made from x.c made
    # from x.y, is made again when x.y changes, even with x.c gone
    t.taskfile(r"""
        all: x.o
        %.o: %.c
          echo o >> log
          cat {{in}} > {{out}}
        %.c: %.y
          echo c >> log
          cat {{in}} > {{out}}
    """)
    t.write("x.y", "one\n")
    t.rc(t.run(), 0)
    os.unlink(t.path("x.c"))
    t.write("x.y", "two\n")
    t.rc(t.run(), 0)
    t.logged(["c", "o", "c", "o"])
    t.content("x.o", "two\n")


@case
def never_pattern_with_a_missing_input_says_which(t):
    t.taskfile(r"""
        app: main.o
          cc -o app main.o
        %.o: %.c
          cc -c {{in}}
    """)
    r = t.run("util.o")
    t.eq(r.err, "baton: error: unknown target 'util.o'\n"
         "Taskfile:3:6: note: the pattern rule for '%.o' matches, but its input 'util.c' "
         "is missing and no rule makes it\n"
         "    %.o: %.c\n"
         "         ^~~\n", "stderr", r)
    t.rc(r, 2)
