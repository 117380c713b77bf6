"""Recipes: one script per job, -e semantics, interpreters, indentation,
the job's environment (cwd, stdin, fds, output dirs) and safe quoting."""

import os
import re

from harness import case


@case
def recipe_is_one_script(t):
    t.taskfile(r"""
        task t:
          cd sub
          pwd > ../where
          v=1
          echo "v=$v" >> ../log
    """)
    t.mkdir("sub")
    r = t.run("t")
    t.rc(r, 0)
    t.content("where", os.path.join(t.root, "sub") + "\n")
    t.logged(["v=1"])


@case
def recipe_first_failing_line_fails(t):
    t.taskfile(r"""
        x:
          false
          touch x
    """)
    r = t.run("x")
    t.rc(r, 1)
    t.match(r"^Taskfile:1:1: error: 'x' failed: exit status 1$", r.err, "stderr", r)
    t.absent("x")


@case
def recipe_shebang_python(t):
    t.taskfile(r"""
        name = "a b"
        task py:
          #!/usr/bin/env python3
          import sys
          total = 0
          for i in range(3):
              total += i
          with open("log", "a") as f:
              f.write("py %d %s\n" % (total, {{name}}))
    """)
    r = t.run("py")
    t.rc(r, 0)
    t.logged(["py 3 a b"])


@case
def recipe_shebang_bash(t):
    t.taskfile(r"""
        task b:
          #!/bin/bash
          a=(x y z)
          [[ ${a[1]} == y ]] && echo "bash ${a[2]}" >> log
    """)
    r = t.run("b")
    t.rc(r, 0)
    t.logged(["bash z"])


@case
def recipe_common_indent_removed(t):
    t.taskfile(r"""
        task t:
            if true; then
              echo nested >> log
            fi
    """)
    r = t.run("-n", "t")
    t.rc(r, 0)
    t.out(r, """\
        [1/1] t
            if true; then
              echo nested >> log
            fi
    """)
    t.nothing_ran()
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["nested"])


@case
def recipe_blank_lines_kept(t):
    t.taskfile(r"""
        task t:
          echo a >> log

          echo b >> log
        task u:
          echo u >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["a", "b"])


@case
def recipe_output_parent_dirs_created(t):
    t.taskfile(r"""
        out/deep/er/x.txt other/y.txt:
          echo hi > out/deep/er/x.txt
          echo hi > other/y.txt
    """)
    r = t.run("out/deep/er/x.txt")
    t.rc(r, 0)
    t.content("out/deep/er/x.txt", "hi\n")
    t.content("other/y.txt", "hi\n")


@case
def recipe_stdin_is_dev_null(t):
    t.taskfile(r"""
        task t:
          cat > got.txt
          readlink /proc/self/fd/0 > fd0.txt
    """)
    rfd, wfd = os.pipe()   # baton's stdin: a pipe that never reaches EOF
    try:
        r = t.run("t", stdin=rfd, timeout=15)
    finally:
        os.close(rfd)
        os.close(wfd)
    t.rc(r, 0)
    t.content("got.txt", "")
    t.content("fd0.txt", "/dev/null\n")


@case
def recipe_only_std_fds_open(t):
    t.taskfile(r"""
        task t:
          ls -l /proc/self/fd > fds.txt
    """)
    extra = os.open(t.path("Taskfile"), os.O_RDONLY)
    os.set_inheritable(extra, True)
    try:
        # (the fifo form of the jobserver gives a job no descriptor: see
        # jobserver_pipe_fds_only for the pipe form's two)
        r = t.run("--jobserver-style=fifo", "t", pass_fds=(extra,))
    finally:
        os.close(extra)
    t.rc(r, 0)
    fds = {}
    for line in t.read("fds.txt").splitlines():
        m = re.search(r" (\d+) -> (.*)$", line)
        if m:
            fds[int(m.group(1))] = m.group(2)
    # ls itself holds the /proc/<pid>/fd directory open while listing.
    own = [fd for fd, target in fds.items() if re.fullmatch(r"/proc/\d+/fd", target)]
    for fd in own:
        del fds[fd]
    if sorted(fds) != [0, 1, 2]:
        t.fail("a job must have only fds 0-2 open, it had %r" % fds)


@case
def recipe_runs_in_taskfile_dir(t):
    t.taskfile(r"""
        task t:
          pwd > where.txt
    """)
    t.mkdir("a/b")
    r = t.run("t", cwd="a/b")
    t.rc(r, 0)
    t.content("where.txt", t.root + "\n")


WEIRD = ["a b.txt", "semi;touch pwned1", "d$(touch pwned2)", "b`touch pwned3`",
         "q'x", 'q"x', "star*", "tab\there", "-dash", "~tilde", "back\\slash"]


@case
def recipe_weird_file_names_are_quoted(t):
    # Each name is written as a single-quoted Taskfile word, except the ones
    # holding a single quote, which use double quotes.
    def tf_word(n):
        if "'" in n:
            return '"' + n.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return "'" + n + "'"
    names = " ".join(tf_word(n) for n in WEIRD)
    t.taskfile("names = " + names + "\n"
               "out.list: {{names}}\n"
               "  for f in {{in}}; do printf '%s\\n' \"$f\"; done > {{out}}\n"
               "'o;touch pwned4': 'a b.txt'\n"
               "  cp {{in}} {{out}}\n"
               "  cp {{in[0]}} {{out[0]}}.2\n", dedent=False)
    for n in WEIRD:
        t.write(n, "content of " + n)
    r = t.run("out.list", "o;touch pwned4")
    t.rc(r, 0)
    t.content("out.list", "".join(n + "\n" for n in WEIRD))
    t.content("o;touch pwned4", "content of a b.txt")
    t.content("o;touch pwned4.2", "content of a b.txt")
    for p in ("pwned", "pwned1", "pwned2", "pwned3", "pwned4", "touch"):
        t.absent(p)


@case
def recipe_quoting_exact(t):
    t.taskfile(r"""
        x = "a b" plain it.c -I. '*' a@b%c+d=e:f,g/h.i-j "x$y"
        task t:
          echo {{x}}
    """)
    r = t.run("-n", "t")
    t.rc(r, 0)
    t.out(r, """\
        [1/1] t
            echo 'a b' plain it.c -I. '*' a@b%c+d=e:f,g/h.i-j 'x$y'
    """)


@case
def recipe_in_and_out_lists(t):
    t.taskfile(r"""
        o1 o2: i1 i2 | oo
          printf '[%s]\n' {{in}} - {{out}} > o1
          touch o2
        oo:
          touch oo
    """)
    for f in ("i1", "i2"):
        t.write(f, "")
    r = t.run("o2")
    t.rc(r, 0)
    t.content("o1", "[i1]\n[i2]\n[-]\n[o1]\n[o2]\n")


@case
def recipe_long_script(t):
    # Far beyond what fits in one execve argument: must go via a temp file.
    body = "".join("  x=$((x+1)) # %s\n" % ("p" * 40) for _ in range(6000))
    t.taskfile("task t:\n  x=0\n" + body + "  echo $x >> log\n", dedent=False)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["6000"])


@case
def recipe_own_process_group(t):
    t.taskfile(r"""
        task t:
          echo $$ > pid.txt
          cut -d' ' -f5 /proc/$$/stat > pgid.txt
    """)
    r = t.run("t")
    t.rc(r, 0)
    pid, pgid = t.read("pid.txt").strip(), t.read("pgid.txt").strip()
    if pid != pgid:
        t.fail("a job must run in its own process group: shell pid %s, pgid %s"
               % (pid, pgid), r)


@case
def recipe_tab_indented(t):
    t.taskfile("x = a b\nout.txt:\n\tfor w in {{x}}; do\n\t\techo $w\n\tdone > {{out}}\n",
               dedent=False)
    r = t.run("out.txt")
    t.rc(r, 0)
    t.content("out.txt", "a\nb\n")


@case
def recipe_simple_commands_run_without_a_shell(t):
    # One plain command runs directly; anything the shell must see goes to sh.
    t.taskfile(r"""
        all: a b c
        a:
          printf '%s|' 'two words' {{out}} > a
        b:
          echo "$0" > b
        c:
          printf '%s' $0 > c
    """)
    r = t.run("-j1")
    t.rc(r, 0)
    t.content("a", "two words|a|")
    t.content("b", "/bin/sh\n")
    t.content("c", "/bin/sh")


@case(tags=("exec-failure",))
def recipe_command_not_found(t):
    t.taskfile(r"""
        all: direct viashell
        direct:
          no-such-command-here arg
        viashell:
          no-such-command-here arg; true
    """)
    r = t.run("-k", "-j1")
    t.rc(r, 1)
    t.contains(r.err, "error: 'direct' failed: command 'no-such-command-here' not found",
               "stderr", r)
    t.contains(r.err, "error: 'viashell' failed: exit status 127", "stderr", r)
