"""Functions inside {{ }}: glob, patsubst, shell, env, dir, base, ext, noext,
join, raw, and their combinations."""

import re

from harness import case


@case
def func_glob(t):
    t.taskfile(r"""
        srcs = {{glob("src/*.c")}}
        none = {{glob("nomatch/*.c")}}
        two = {{glob("src/*.c", "src/*.h")}}
        task t:
          printf '[%s]\n' {{srcs}} - {{none}} - {{two}} >> log
    """)
    for f in ("src/b.c", "src/a.c", "src/x.h", "src/sub/c.c", "src/c.cc"):
        t.write(f, "")
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["[src/a.c]", "[src/b.c]", "[-]", "[-]",
              "[src/a.c]", "[src/b.c]", "[src/x.h]"])


@case
def func_glob_in_rule_header(t):
    t.taskfile(r"""
        srcs = {{glob("src/*.c")}}
        objs = {{patsubst("src/%.c", "obj/%.o", srcs)}}
        app: {{objs}}
          cat {{in}} > {{out}}
        obj/%.o: src/%.c
          cat {{in}} > {{out}}
    """)
    t.write("src/a.c", "A\n")
    t.write("src/b.c", "B\n")
    r = t.run()
    t.rc(r, 0)
    t.content("app", "A\nB\n")
    t.content("obj/a.o", "A\n")


@case
def func_patsubst(t):
    t.taskfile(r"""
        srcs = a.c dir/b.c c.h
        objs = {{patsubst("%.c", "out/%.o", srcs)}}
        libs = libfoo bar
        pre = {{patsubst("lib%", "%", libs)}}
        task t:
          printf '[%s]\n' {{objs}} - {{pre}} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["[out/a.o]", "[out/dir/b.o]", "[c.h]", "[-]", "[foo]", "[bar]"])


@case
def func_shell(t):
    t.taskfile(r"""
        v = {{shell("echo one two; echo three")}}
        task t:
          printf '[%s]\n' {{v}} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["[one]", "[two]", "[three]"])


@case
def func_shell_touching_an_input_while_the_graph_is_built(t):
    # Files are stated on a second thread while the graph is built, handed to
    # it a few dozen at a time. shell() in a later rule's header runs after src
    # and the other inputs were stated there (the sleep sees to that) and makes
    # src newer than out: what was found before counts for nothing, and out is
    # remade.
    t.stale_build('late: {{shell("sleep 0.3; touch src; echo src")}}\n  touch late\n')
    r = t.run("out")
    t.rc(r, 0)
    t.logged(["built"])
    assert t.read("out") == "new\n", t.read("out")


@case
def func_shell_runs_in_taskfile_dir(t):
    t.taskfile(r"""
        v = {{shell("cat marker")}}
        task t:
          echo {{v}} >> log
    """)
    t.write("marker", "here\n")
    t.mkdir("sub/deeper")
    r = t.run("t", cwd="sub/deeper")
    t.rc(r, 0)
    t.logged(["here"])


@case
def func_shell_failure(t):
    t.taskfile(r"""
        v = {{shell("exit 3")}}
        task t:
          echo {{v}} >> log
    """)
    r = t.run("t")
    t.diag(r, re.compile(r"Taskfile:1:\d+: error: .+"))
    t.nothing_ran()


@case
def func_env(t):
    t.taskfile(r"""
        a = {{env("BT_SET")}}
        b = {{env("BT_UNSET", "dflt")}}
        c = {{env("BT_SET", "dflt")}}
        task t:
          printf '[%s]\n' {{a}} - {{b}} - {{c}} >> log
    """)
    r = t.run("t", env={"BT_SET": "hello  world", "BT_UNSET": None})
    t.rc(r, 0)
    t.logged(["[hello  world]", "[-]", "[dflt]", "[-]", "[hello  world]"])


@case
def func_env_unset_is_error(t):
    t.taskfile(r"""
        a = {{env("BT_UNSET")}}
        task t:
          echo {{a}} >> log
    """)
    r = t.run("t", env={"BT_UNSET": None})
    t.diag(r, re.compile(r"Taskfile:1:\d+: error: .+"))
    t.nothing_ran()


@case
def func_path_parts(t):
    t.taskfile(r"""
        x = a/b/c.txt x.c d.e/f.tar.gz
        task t:
          printf '[%s]\n' {{dir(x)}} - {{base(x)}} - {{ext(x)}} - {{noext(x)}} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["[a/b]", "[.]", "[d.e]", "[-]",
              "[c.txt]", "[x.c]", "[f.tar.gz]", "[-]",
              "[.txt]", "[.c]", "[.gz]", "[-]",
              "[a/b/c]", "[x]", "[d.e/f.tar]"])


@case
def func_ext_none(t):
    t.taskfile(r"""
        a = Makefile
        b = a.b/c
        task t:
          printf '[%s]\n' {{ext(a)}} >> log
          printf '[%s]\n' {{ext(b)}} >> log
          printf '[%s]\n' {{noext(b)}} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["[]", "[]", "[a.b/c]"])


@case
def func_join(t):
    t.taskfile(r"""
        x = a b c
        task t:
          printf '[%s]\n' {{join(x, ",")}} {{join(x, " - ")}} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["[a,b,c]", "[a - b - c]"])


@case
def func_raw(t):
    t.taskfile(r"""
        pipe = "|" "tr a-z A-Z"
        cmd = "echo raw >> log"
        task t:
          echo hello {{raw(pipe)}} >> log
          {{raw(cmd)}}
          echo {{pipe}} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["HELLO", "raw", "| tr a-z A-Z"])


@case
def func_nested_calls(t):
    t.taskfile(r"""
        srcs = src/a.c src/b.c
        v = {{join(patsubst("%.c", "%.o", base(srcs)), "+")}}
        task t:
          echo {{v}} {{noext(base(srcs))}} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["a.o+b.o a b"])
