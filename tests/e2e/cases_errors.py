"""Taskfile and command-line errors: exact `file:line:col: error: message`
first lines, exit status 2, nothing run; and robustness against odd input."""

import os
import re
import textwrap

from harness import case

TASK = "task t:\n  echo t >> log\n"


def located(pattern):
    return re.compile(pattern)


@case
def err_syntax_expected(t):
    t.taskfile("x\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:2: error: unexpected end of line, expected ':' or '='")
    t.nothing_ran()


@case
def err_syntax_leading_equals(t):
    t.taskfile(TASK + "= value\n", dedent=False)
    r = t.run("t")
    t.diag(r, located(r"Taskfile:3:1: error: unexpected .+, expected .+"))
    t.nothing_ran()


@case
def err_unknown_variable(t):
    t.taskfile(r"""
        cc = gcc
        flags = {{cflag}}
        task t:
          echo {{cc}} {{flags}} >> log
    """)
    r = t.run("t")
    t.diag(r, "Taskfile:2:11: error: unknown variable 'cflag'", caret="cflag")
    t.nothing_ran()


@case
def err_unknown_variable_in_recipe(t):
    t.taskfile(r"""
        cc = gcc
        task t:
          echo {{cc}} {{cflag}} >> log
    """)
    r = t.run("t")
    t.diag(r, "Taskfile:3:17: error: unknown variable 'cflag'", caret="cflag")
    t.nothing_ran()


@case
def err_in_a_recipe_written_like_an_earlier_one(t):
    # recipes of the same text share one syntax tree: what goes wrong with
    # the second is still reported at the second (before anything runs)
    t.taskfile(r"""
        a: src
          cp {{in[1]}} {{out}}
        b: src
          cp {{in[1]}} {{out}}
    """)
    t.write("src", "x\n")
    r = t.run("b")
    t.diag(r, "Taskfile:4:8: error: index 1 is out of range (the list has 1 word)",
           caret="in[1]", rc=2)
    t.absent("b")


@case
def err_in_outside_recipe(t):
    t.taskfile(r"""
        x = {{in}}
        task t:
          echo {{x}} >> log
    """)
    r = t.run("t")
    t.diag(r, located(r"Taskfile:1:\d+: error: .+"))
    t.nothing_ran()


@case
def err_unknown_function(t):
    t.taskfile(r"""
        x = {{nope("a")}}
        task t:
          echo {{x}} >> log
    """)
    r = t.run("t")
    t.diag(r, "Taskfile:1:7: error: unknown function 'nope'", caret="nope")
    t.nothing_ran()


@case
def err_wrong_argument_count(t):
    t.taskfile(r"""
        x = {{patsubst("%.c", "%.o")}}
        task t:
          echo {{x}} >> log
    """)
    r = t.run("t")
    t.diag(r, "Taskfile:1:7: error: 'patsubst' takes 3 arguments, got 2")
    t.nothing_ran()


@case
def err_variable_refers_to_itself(t):
    t.taskfile(r"""
        x = a {{x}}
        task t:
          echo {{x}} >> log
    """)
    r = t.run("t")
    t.diag(r, located(r"Taskfile:1:(1|9): error: variable 'x' refers to itself"))
    t.nothing_ran()


@case
def err_variables_refer_to_each_other(t):
    t.taskfile(r"""
        a = {{b}}
        b = x {{a}}
        task t:
          echo {{a}} >> log
    """)
    r = t.run("t")
    t.diag(r, located(r"Taskfile:[12]:\d+: error: variable '[ab]' refers to itself"))
    t.nothing_ran()


@case
def err_missing_include(t):
    t.taskfile("x = 1\ninclude nothere.tf\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, located(r"Taskfile:2:(1|9): error: include file 'nothere.tf' not found"))
    t.nothing_ran()


@case
def err_include_itself(t):
    t.taskfile("include Taskfile\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, located(r"Taskfile:1:(1|9): error: 'Taskfile' includes itself"))
    t.nothing_ran()


@case
def err_error_in_included_file(t):
    t.taskfile("include sub/inc.tf\n" + TASK, dedent=False)
    t.write("sub/inc.tf", "y = 1\nz = {{nope}}\ntask u:\n  echo {{z}} >> log\n")
    r = t.run("u")
    t.diag(r, "sub/inc.tf:2:7: error: unknown variable 'nope'", caret="nope")
    t.nothing_ran()


@case
def err_duplicate_producer(t):
    t.taskfile(textwrap.dedent("""\
        out/a:
          touch out/a
        out/a b:
          touch out/a b
    """) + TASK)
    r = t.run("t")
    t.diag(r, "Taskfile:3:1: error: 'out/a' is already made by the rule at Taskfile:1:1")
    t.match(r": note: ", r.err, "stderr (the note)", r)
    t.nothing_ran()


@case
def err_duplicate_producer_spelled_differently(t):
    # ./out/a, out//a and x/../out/a are one file: two rules make it
    t.taskfile(r"""
        out//a:
          touch out/a
        x/../out/a ./b:
          touch out/a b
    """)
    r = t.run()
    t.rc(r, 2)
    t.err(r, """\
        Taskfile:3:1: error: 'out/a' is already made by the rule at Taskfile:1:1
            x/../out/a ./b:
            ^~~~~~~~~~~~~~
        Taskfile:1:1: note: the first rule that makes 'out/a' is here
            out//a:
            ^~~~~~
    """)


@case
def err_bad_parameters(t):
    # mistakes in a task's parameter list, each at its place
    for header, col, msg, token in (
            ("task t x x:", 10, "parameter 'x' is declared twice", "x"),
            ("task t *x y:", 8, "only the last parameter can be variadic ('*x')", "*x"),
            ("task t *x=\"a\":", 8, "a variadic parameter cannot have a default", '*x="a"'),
            ("task t out:", 8, "'out' is reserved and cannot be a parameter", "out"),
            ("task t 'a b':", 8, "expected a parameter name (letters, digits and '_')",
             "'a b'"),
            ("task t x=:", 10, "unexpected ':', expected a word", ":")):
        t.taskfile("%s\n  echo t >> log\n" % header, dedent=False)
        r = t.run("t")
        t.diag(r, "Taskfile:1:%d: error: %s" % (col, msg), caret=token)
    t.nothing_ran()


@case
def err_task_arguments_located(t):
    # a missing argument points at the parameter; too many name the task
    t.taskfile(r"""
        task first:
          echo first >> log
        task deploy env where="eu":
          echo deploy {{env}} >> log
    """)
    r = t.run("first", "deploy")
    t.diag(r, "Taskfile:3:13: error: task 'deploy' needs a value for parameter 'env'",
           caret="env")
    r = t.run("deploy", "a", "b", "c")
    t.rc(r, 2)
    t.err(r, "baton: error: task 'deploy' takes at most 2 arguments\n"
          "baton: note: 'c' is neither one of its arguments nor a target\n")
    t.nothing_ran()


@case
def err_task_and_rule_clash(t):
    t.taskfile(textwrap.dedent("""\
        task out.txt:
          echo task >> log
        out.txt:
          echo rule >> log
    """) + TASK)
    r = t.run("t")
    t.diag(r, located(r"Taskfile:\d+:\d+: error: .+"))
    t.nothing_ran()


@case
def err_no_rule_to_make(t):
    t.taskfile(TASK + "out.txt: missing.c\n  cp {{in}} {{out}}\n")
    r = t.run("t", "out.txt")
    t.diag(r, located(r"Taskfile:3:(1|10): error: no rule to make 'missing.c', needed by 'out.txt'"))
    t.nothing_ran()


@case
def err_dependency_cycle(t):
    t.taskfile("a: b\n  touch a\nb: a\n  touch b\n" + TASK)
    r = t.run("t", "a")
    t.diag(r, located(r"Taskfile:\d+:\d+: error: dependency cycle: a -> b -> a"))
    t.nothing_ran()


@case
def err_dependency_cycle_every_step_located(t):
    # the whole cycle, and where each step of it is declared
    t.taskfile(r"""
        all: x a
        a: b
          touch a
        x:
          touch x
        b: c
          touch b
        c: a
          touch c
    """)
    r = t.run()
    t.rc(r, 2)
    t.err(r, """\
        Taskfile:8:4: error: dependency cycle: a -> b -> c -> a
            c: a
               ^
        Taskfile:2:4: note: 'a' needs 'b'
            a: b
               ^
        Taskfile:6:4: note: 'b' needs 'c'
            b: c
               ^
        Taskfile:8:4: note: 'c' needs 'a'
            c: a
               ^
    """)
    t.absent("x")


@case
def err_dependency_cycle_tasks(t):
    t.taskfile(r"""
        task x: y
          echo x >> log
        task y: z
          echo y >> log
        task z: x
          echo z >> log
    """)
    r = t.run("x")
    t.diag(r, located(r"Taskfile:\d+:\d+: error: dependency cycle: x -> y -> z -> x"))
    t.nothing_ran()


@case
def err_self_cycle(t):
    t.taskfile("s: s\n  touch s\n" + TASK, dedent=False)
    r = t.run("t", "s")
    t.diag(r, located(r"Taskfile:\d+:\d+: error: dependency cycle: s -> s"))
    t.nothing_ran()


@case
def err_unknown_target(t):
    t.taskfile(TASK, dedent=False)
    r = t.run("t", "nosuch")
    t.rc(r, 2)
    first = r.err.splitlines()[0] if r.err else ""
    t.match(r"\A(.*: )?error: unknown target 'nosuch'\Z", first, "first line of stderr", r)
    t.nothing_ran()


@case
def err_indentation_outside_recipe(t):
    t.taskfile("x = 1\n  y = 2\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, located(r"Taskfile:2:\d+: error: .+"))
    t.nothing_ran()


@case
def err_unterminated_string(t):
    for text in ('x = "abc\n', "x = 'abc\n", 'x = "abc\\"\n'):
        t.taskfile(text + TASK, dedent=False)
        r = t.run("t")
        t.diag(r, located(r"Taskfile:1:\d+: error: .*(?i:unterminated).*"))
    t.nothing_ran()


@case
def err_unterminated_braces(t):
    for text in ("x = {{ y\ny = 1\n" + TASK, "x = 1\ntask t:\n  echo {{ x\n"):
        t.taskfile(text, dedent=False)
        r = t.run("t")
        line = "1" if text.startswith("x = {{") else "3"
        t.diag(r, located(r"Taskfile:%s:\d+: error: .*((?i:unterminated)|expected '}}').*"
                          % line))
    t.nothing_ran()


@case
def err_nul_byte(t):
    t.taskfile(b"x = a\x00b\n" + TASK.encode())
    r = t.run("t")
    t.diag(r, located(r"Taskfile:1:6: error: .*(?i:nul).*"))
    t.nothing_ran()


@case
def err_invalid_utf8_word(t):
    # The spec does not forbid non-UTF-8 bytes.  Accepted: the bytes pass
    # through unchanged (as make and ninja do), or a clean located diagnostic.
    t.taskfile(b"out\xff\xfe.txt:\n  echo {{out}} >> log\n  touch {{out}}\n")
    r = t.run("out\udcff\udcfe.txt")
    if r.rc == 2:
        t.diag(r, located(r"Taskfile:1:\d+: error: .+"))
        t.nothing_ran()
        return
    t.rc(r, 0)
    if not os.path.exists(os.path.join(t.root.encode(), b"out\xff\xfe.txt")):
        t.fail("the output named with bytes ff fe was not created", r)
    with open(t.path("log"), "rb") as f:
        t.eq(f.read(), b"out\xff\xfe.txt\n", "bytes the recipe wrote")


@case
def err_one_megabyte_word(t):
    t.taskfile("x = " + "a" * (1 << 20) + "\n"
               "task t:\n  printf '%s' {{x}} | wc -c > len\n", dedent=False)
    r = t.run("t")
    t.rc(r, 0)
    t.eq(int(t.read("len")), 1 << 20, "length of the word the recipe saw")


@case
def err_one_megabyte_line_of_words(t):
    t.taskfile("y = " + "w " * (1 << 19) + "\n"
               "task t:\n  set -- {{y}}\n  echo $# > count\n", dedent=False)
    r = t.run("t")
    t.rc(r, 0)
    t.eq(t.read("count"), "%d\n" % (1 << 19), "number of words the recipe saw")


@case
def err_empty_taskfile(t):
    # No rule or task, so no default target: a clean error, exit 2.
    for text in (b"", b"# only a comment\nx = 1\n"):
        t.taskfile(text)
        r = t.run()
        t.rc(r, 2)
        if not r.err.strip():
            t.fail("an empty Taskfile needs an error message on stderr", r)
        t.match(r"error", r.err, "stderr", r)
        t.eq(r.out, "", "stdout", r)


@case(tags=("huge",))
def err_deep_chain_dry_run(t):
    n = 100_000
    parts = ["f%d: f%d\n  : {{out}}\n" % (i, i + 1) for i in range(n - 1)]
    parts.append("f%d:\n  : {{out}}\n" % (n - 1))
    t.taskfile("".join(parts), dedent=False)
    r = t.run("-n", "f0", timeout=60)
    t.rc(r, 0)
    lines = r.out.splitlines()
    if len(lines) != 2 * n:
        t.fail("expected %d lines of output, got %d" % (2 * n, len(lines)), r)
    for k in range(n):
        want = ["[%d/%d] f%d" % (k + 1, n, n - 1 - k), "    : f%d" % (n - 1 - k)]
        if lines[2 * k:2 * k + 2] != want:
            t.fail("job %d of the dry run: expected %r, got %r"
                   % (k + 1, want, lines[2 * k:2 * k + 2]), r)


@case
def err_several_errors_reported(t):
    t.taskfile("task t:\n  echo {{one}} >> log\ntask u:\n  echo {{two}} >> log\n",
               dedent=False)
    r = t.run("t", "u")
    t.diag(r, "Taskfile:2:10: error: unknown variable 'one'", caret="one")
    t.match(r"^Taskfile:4:10: error: unknown variable 'two'$", r.err, "stderr", r)
    t.nothing_ran()


@case
def err_include_path_uses_later_variable(t):
    t.taskfile("include {{d}}/x.tf\nd = sub\n" + TASK, dedent=False)
    t.write("sub/x.tf", "task u:\n  echo u >> log\n")
    r = t.run("t")
    t.diag(r, "Taskfile:1:11: error: unknown variable 'd'", caret="d")
    t.nothing_ran()


@case
def err_unknown_variable_in_header(t):
    t.taskfile("out.txt: {{nope}}\n  touch out.txt\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:12: error: unknown variable 'nope'", caret="nope")
    t.nothing_ran()


@case(tags=("huge",))
def err_dependency_cycle_100000_long(t):
    # every step located, in about a second: each note's line and column
    # once cost a scan of the whole file, and each byte a write (139 s)
    n = 100_000
    t.taskfile("".join("f%d: f%d\n  touch {{out}}\n" % (i, (i + 1) % n) for i in range(n)),
               dedent=False)
    r = t.run("-n", timeout=30)
    t.rc(r, 2)
    lines = r.err.splitlines()
    t.eq(lines[0], "Taskfile:%d:9: error: dependency cycle: %s -> f0"
         % (2 * n - 1, " -> ".join("f%d" % i for i in range(n))), "first line of stderr")
    t.eq(len(lines), 3 * (n + 1), "lines of stderr: the error and a note per step")
    k = n - 1
    t.eq(lines[-3:], ["Taskfile:%d:%d: note: 'f%d' needs 'f0'" % (2 * k + 1, len("f%d: " % k) + 1, k),
                      "    f%d: f0" % k, "    " + " " * len("f%d: " % k) + "^~"],
         "the last note")
    t.eq(r.out, "", "stdout")


# A Taskfile of 256 KiB or more is let go of once the graph is built, and read
# again for a message that quotes it: these cases run one past that size.
BIG_HEAD = r"""msg = hello   world
## Say hello.
task greet who="you":
    echo "{{msg}}, {{who}}" > greeting
    if true; then
        printf '%s\n' "  indented {{who}}"
    fi
bad: pad/0.in
    printf 'bad ran\n'
    exit 3
c1: c2
    touch c1
c2: c1
    touch c2
task shrink:
    printf 'x:\n' > Taskfile
late1: shrink
    exit 3
task grow:
    printf '\n\n\n\n' | cat - Taskfile > Taskfile.new
    cat Taskfile.new > Taskfile
late2: grow
    exit 4
"""


def big_taskfile(t):
    pad = "".join("pad/%d: pad/%d.in\n    touch {{out}}\n" % (i, i) for i in range(8000))
    t.taskfile(BIG_HEAD + pad, dedent=False)
    t.eq(len(t.read("Taskfile")) >= 256 << 10, True, "a Taskfile of 256 KiB or more")
    t.write("pad/0.in", "")


@case
def big_taskfile_recipes_and_messages(t):
    # recipes, values and defaults are kept apart from the text; messages
    # after the graph is built read the file again for the line they quote
    big_taskfile(t)
    r = t.run("greet")
    t.rc(r, 0)
    t.eq(r.out, "[1/1] greet\n  indented you\n", "stdout", r)
    t.eq(t.read("greeting"), "hello world, you\n", "greeting")
    r = t.run("bad")
    t.rc(r, 1)
    t.eq(r.out, "[1/1] bad\nbad ran\n", "stdout", r)
    t.match(r"\ATaskfile:8:1: error: 'bad' failed: exit status 3\n"
            r"    bad: pad/0.in\n"
            r"    \^~~\n"
            r"baton: what failed:\n"
            r"  bad: exit status 3 after \d+\.\d\d s\n"
            r"    command:\n"
            r"      printf 'bad ran\\n'\n"
            r"      exit 3\n"
            r"    its last lines:\n"
            r"      bad ran\n"
            r"    all of its output: baton --log bad\n"
            r"baton: build stopped: 1 job failed\n\Z", r.err, "stderr", r)
    r = t.run("c1")
    t.rc(r, 2)
    t.err(r, """\
        Taskfile:13:5: error: dependency cycle: c1 -> c2 -> c1
            c2: c1
                ^~
        Taskfile:11:5: note: 'c1' needs 'c2'
            c1: c2
                ^~
        Taskfile:13:5: note: 'c2' needs 'c1'
            c2: c1
                ^~
    """)


@case
def big_taskfile_changed_during_build(t):
    # a job rewrites the Taskfile before a later one fails: the message says
    # that the lines it shows may be wrong, and quotes what it can
    big_taskfile(t)
    r = t.run("late1")
    t.rc(r, 1)
    t.match(r"\Abaton: warning: 'Taskfile' changed after baton read it: lines shown from it "
            r"may be wrong\n"
            r"Taskfile:2:1: error: 'late1' failed: exit status 3\n"
            r"baton: what failed:\n"
            r"  late1: exit status 3 after \d+\.\d\d s\n"
            r"    command:\n      exit 3\n"
            r"    all of its output: baton --log late1\n"
            r"baton: build stopped: 1 job failed\n\Z", r.err, "stderr", r)
    big_taskfile(t)
    r = t.run("late2")
    t.rc(r, 1)
    t.match(r"\Abaton: warning: 'Taskfile' changed after baton read it: lines shown from it "
            r"may be wrong\nTaskfile:\d+:\d+: error: 'late2' failed: exit status 4\n",
            r.err, "stderr", r)


@case
def big_taskfile_let_go_of_as_the_graph_is_built(t):
    # 2.5 MB: the text before the rule being read into the graph is let go of
    # a megabyte at a time; a message about a line far behind it reads the
    # file again, and a variable alone in a word knows where its name is
    pad = "".join("pad/%d: pad/%d.in\n    touch {{out}}\n" % (i, i) for i in range(60000))
    t.taskfile("x = {{  nope }}\na: src\n    touch a\n" + pad +
               "a: src2\n    touch a\nlate: {{x}}\n    touch late\n", dedent=False)
    r = t.run("late")
    t.rc(r, 2)
    t.err(r, """\
        Taskfile:120004:1: error: 'a' is already made by the rule at Taskfile:2:1
            a: src2
            ^
        Taskfile:2:1: note: the first rule that makes 'a' is here
            a: src
            ^
        Taskfile:1:9: error: unknown variable 'nope'
            x = {{  nope }}
                    ^~~~
    """)
