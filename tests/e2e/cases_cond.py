"""Conditions, conditional blocks, slices, strings with {{ }} in expressions,
static pattern rules, and the functions on lists, words, paths and the
machine: what each does when a Taskfile uses it, and the errors, located with
a caret, when it is used wrongly."""

import os
import platform

from harness import case

TASK = "task t:\n  echo t >> log\n"
# a task that uses x: a variable is evaluated only where it is used
TASKX = "task t:\n  echo t {{x}} >> log\n"


def again(t):
    """Start the log of what recipes ran anew."""
    if t.exists("log"):
        os.remove(t.path("log"))


@case
def cond_blocks_choose_assignments_by_mode(t):
    t.taskfile(r"""
        mode ?= debug
        if mode == "debug"
        cflags = -g -O0
        else if mode == "release" || mode == "small"
        cflags = -O2
        if mode == "small"
        cflags += -Os
        end
        else
        cflags = -O1
        end
        task t:
          printf '[%s]\n' {{cflags}} >> log
    """)
    t.rc(t.run("t"), 0)
    t.logged(["[-g]", "[-O0]"])
    again(t)
    t.rc(t.run("mode=release", "t"), 0)
    t.logged(["[-O2]"])
    again(t)
    t.rc(t.run("mode=small", "t"), 0)
    t.logged(["[-O2]", "[-Os]"])
    again(t)
    t.rc(t.run("mode=other", "t"), 0)
    t.logged(["[-O1]"])


@case
def cond_blocks_choose_rules_and_includes(t):
    # the branch not taken is not read: its include names a missing file,
    # and its rule would make the same file as the one taken
    t.taskfile(r"""
        if exists("feature.on")
        include feature.task
        out.txt:
          echo on > {{out}}
        else
        include missing.task
        out.txt:
          echo off > {{out}}
        end
    """)
    t.write("feature.task", "task extra:\n  echo extra >> log\n")
    t.rc(t.run("out.txt"), 2)
    t.write("feature.on", "")
    r = t.run("out.txt", "extra")
    t.rc(r, 0)
    t.content("out.txt", "on\n")
    t.logged(["extra"])


@case
def cond_platform_functions(t):
    t.taskfile(r"""
        if os() == "linux"
        plat = linux-{{arch()}}
        else
        plat = {{os()}}-{{arch()}}
        end
        task t:
          echo {{plat}} >> log
    """)
    t.rc(t.run("t"), 0)
    machine = platform.machine().lower()
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    t.logged(["%s-%s" % (platform.system().lower(), arch)])


@case
def cond_expression_values(t):
    t.taskfile(r"""
        srcs = main.c util.c extra.c
        none =
        task t:
          printf '[%s]\n' {{if(none, "yes", "no")}} {{srcs == "main.c"}} - {{srcs[0] == "main.c"}} {{none || srcs[-1]}} {{!none}} {{srcs && "all"}} >> log
    """)
    t.rc(t.run("t"), 0)
    t.logged(["[no]", "[-]", "[true]", "[extra.c]", "[true]", "[all]"])


@case
def cond_if_evaluates_only_its_branch(t):
    t.taskfile(r"""
        cfg = {{read_file("config.txt")}}
        task t:
          echo {{if(exists("config.txt"), cfg, "default")}} >> log
    """)
    t.rc(t.run("t"), 0)
    t.logged(["default"])
    again(t)
    t.write("config.txt", "from\nthe file\n")
    t.rc(t.run("t"), 0)
    t.logged(["from the file"])


@case
def cond_slices(t):
    t.taskfile(r"""
        srcs = a.c b.c c.c d.c
        task t:
          printf '[%s]\n' {{srcs[1:]}} - {{srcs[:-1]}} - {{srcs[1:3]}} - {{srcs[9:]}} >> log
    """)
    t.rc(t.run("t"), 0)
    t.logged(["[b.c]", "[c.c]", "[d.c]", "[-]", "[a.c]", "[b.c]", "[c.c]", "[-]",
              "[b.c]", "[c.c]", "[-]"])


@case
def cond_strings_interpolate_in_expressions(t):
    t.taskfile(r"""
        objdir = build/obj
        srcs = a.c 'my file.c'
        objs = {{patsubst("%.c", "{{objdir}}/%.o", srcs)}}
        task t:
          printf '[%s]\n' {{objs}} {{"{{srcs}}"}} >> log
    """)
    t.rc(t.run("t"), 0)
    t.logged(["[build/obj/a.o]", "[build/obj/my file.o]", "[a.c my file.c]"])


@case
def cond_list_and_word_functions(t):
    t.taskfile(r"""
        srcs = main.c util.c util.c test_a.c notes.md
        notlib = main.c test_%.c
        c = {{filter("%.c", srcs)}}
        lib = {{filter-out(notlib, uniq(c))}}
        task t:
          printf '[%s]\n' {{lib}} - {{sort(srcs)}} - {{words(srcs)}} {{first(srcs)}} {{last(srcs)}} >> log
          printf '[%s]\n' {{subst(".c", ".o", lib)}} {{replace(lib, "util", "u")}} {{prefix("-I", "inc")}} {{suffix(".bak", "x")}} >> log
          printf '[%s]\n' {{upper("ab")}} {{lower("AB")}} {{strip(" x ")}} {{quote("a b")}} {{path_join("src", lib)}} >> log
    """)
    t.rc(t.run("t"), 0)
    t.logged(["[util.c]", "[-]", "[main.c]", "[notes.md]", "[test_a.c]", "[util.c]", "[-]",
              "[5]", "[main.c]", "[notes.md]",
              "[util.o]", "[u.c]", "[-Iinc]", "[x.bak]",
              "[AB]", "[ab]", "[x]", "['a b']", "[src/util.c]"])


@case
def cond_filter_drops_words_no_empty_word_left(t):
    # patsubst to "" leaves an empty word; filter_out leaves none
    t.taskfile(r"""
        srcs = main.c a.c
        task t:
          printf '[%s]\n' {{filter_out("main.c", srcs)}} >> log
    """)
    t.rc(t.run("t"), 0)
    t.logged(["[a.c]"])


@case
def cond_path_functions(t):
    t.taskfile(r"""
        task t:
          echo {{abspath("sub/../x")}} {{exists("here.txt")}} {{exists("here.txt nope")}} {{read_file("here.txt")}} >> log
    """)
    t.write("here.txt", "one two\nthree\n")
    t.rc(t.run("t"), 0)
    t.logged(["%s/x true one two three" % os.path.realpath(t.path("."))])


@case
def cond_static_pattern_rules(t):
    t.taskfile(r"""
        progs = prog1 prog2
        all: {{progs}}
        {{progs}}: %: obj/%.o | src
          echo link {{stem}} {{in}} > {{out}}
        obj/%.o: src/%.c
          cp {{in}} {{out}}
    """)
    t.write("src/prog1.c", "1\n")
    t.write("src/prog2.c", "2\n")
    t.write("src/other.c", "x\n")
    r = t.run("all")
    t.rc(r, 0)
    t.content("prog1", "link prog1 obj/prog1.o\n")
    t.content("prog2", "link prog2 obj/prog2.o\n")
    t.absent("obj/other.o")
    r = t.run("all")
    t.out(r, "baton: nothing to do\n")


@case
def cond_blocks_in_an_included_file_close_there(t):
    t.taskfile("include part.task\nend\n" + TASK, dedent=False)
    t.write("part.task", "if 1\nx = 1\n")
    r = t.run("t")
    t.diag(r, "Taskfile:2:1: error: 'end' without 'if'", "end")
    t.contains(r.err, "part.task:1:1: error: 'if' without 'end' (the file ends first)\n"
               "    if 1\n    ^~~~\n", "stderr", r)
    t.nothing_ran()


@case
def cond_err_unterminated_block(t):
    t.taskfile("x = 1\nif x == \"1\"\ny = 2\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:2:1: error: 'if' without 'end' (the file ends first)", 'if x == "1"')
    t.nothing_ran()


@case
def cond_err_else_without_if(t):
    t.taskfile(TASK + "else\n", dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:3:1: error: 'else' without 'if'", "else")
    t.nothing_ran()


@case
def cond_err_syntax_in_condition(t):
    t.taskfile("if os() = \"linux\"\nend\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:9: error: unexpected character in a condition", "=")
    t.nothing_ran()


@case
def cond_err_evaluating_a_condition(t):
    t.taskfile("if mode == \"debug\"\nend\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:4: error: unknown variable 'mode'", "mode")
    t.nothing_ran()


@case
def cond_err_assigned_after_a_condition_used_it(t):
    t.taskfile("mode = a\nif mode == \"a\"\nend\nmode = b\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:4:1: error: 'mode' is assigned after its value was used", "mode = b")
    t.contains(r.err, "Taskfile:2:4: note: its value was used here", "stderr", r)
    t.nothing_ran()


@case
def cond_err_slice_syntax(t):
    t.taskfile("x = {{a[1:2:3]}}\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:12: error: unexpected ':', expected ']'", ":")
    t.nothing_ran()


@case
def cond_err_string_in_expression_unterminated(t):
    t.taskfile("x = {{f(\"{{y}}/%.o)}}\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:9: error: unterminated string (expected '\"' on the same line)", '"')
    t.nothing_ran()


@case
def cond_err_unknown_variable_in_string(t):
    t.taskfile("x = {{patsubst(\"%.c\", \"{{objdir}}/%.o\", \"a.c\")}}\n" + TASKX, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:26: error: unknown variable 'objdir'", "objdir")
    t.nothing_ran()


@case
def cond_err_function_arguments(t):
    t.taskfile("x = {{prefix(\"-I\")}}\n" + TASKX, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:7: error: 'prefix' takes 2 arguments, got 1", "prefix")
    t.nothing_ran()


@case
def cond_err_read_file_missing(t):
    t.taskfile("x = {{read_file(\"nope.txt\")}}\n" + TASKX, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:7: error: cannot read 'nope.txt': No such file or directory",
           "read_file")
    t.nothing_ran()


@case
def cond_err_static_pattern_mismatch(t):
    t.taskfile("a.x b.y: %.x: %.c\n  cp {{in}} {{out}}\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:10: error: 'b.y' does not match the target pattern '%.x'", "%.x")
    t.nothing_ran()


@case
def cond_err_static_pattern_two_patterns(t):
    t.taskfile("a b: %.x %.y: %.c\n" + TASK, dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:10: error: a static pattern rule has one target pattern "
              "(outputs: pattern: inputs)", "%.y")
    t.nothing_ran()


@case
def cond_override_before_targets_is_seen_by_conditions_and_includes(t):
    t.taskfile(r"""
        plat ?= none
        include mk/{{plat}}.task
        if plat == "linux"
        msg = penguin
        else
        msg = other
        end
        task t:
          echo {{msg}} {{part}} >> log
    """)
    t.write("mk/none.task", "part = none\n")
    t.write("mk/linux.task", "part = linux\n")
    t.rc(t.run("plat=linux", "t"), 0)
    t.logged(["penguin linux"])


@case
def cond_err_override_after_targets_too_late_for_a_condition(t):
    t.taskfile("mode ?= a\nif mode == \"a\"\nend\n" + TASK, dedent=False)
    r = t.run("t", "mode=b")
    t.diag(r, "Taskfile:2:4: error: 'mode' is set on the command line after its value was "
              "used here (give mode=... before the targets)", "mode")
    t.nothing_ran()
