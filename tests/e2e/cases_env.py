"""The jobs' environment: export, dotenv, overrides, env() checked before
anything runs, [dir: PATH] and invocation_dir()."""

from harness import case

SHOW = "task show:\n  printf '%s|' \"$A\" \"$B\" \"$C\" \"$cc\" > env.txt\n"


@case
def env_export_assignment_and_name(t):
    t.taskfile("export A = one {{b}}\nb = two\nB = three\nB += four\nexport B\n"
               "C = not exported\n" + SHOW, dedent=False)
    r = t.run("show")
    t.rc(r, 0)
    t.content("env.txt", "one two|three four|||")


@case
def env_override_wins_and_is_exported(t):
    t.taskfile("export A = from taskfile\n" + SHOW, dedent=False)
    r = t.run("show", "A=from command line", "cc=clang")
    t.rc(r, 0)
    t.content("env.txt", "from command line|||clang|")


@case
def env_export_of_undefined_variable(t):
    t.taskfile("export NOPE\ntask show:\n  touch ran\n", dedent=False)
    r = t.run("show")
    t.diag(r, "Taskfile:1:8: error: exported variable 'NOPE' is not defined", caret="NOPE")
    t.absent("ran")


@case
def env_export_syntax(t):
    # "export" alone, or as the name of a variable or a rule, is not the keyword
    t.taskfile("""
        export = 1
        task show:
          echo {{export}} > out.txt
    """)
    r = t.run("show")
    t.rc(r, 0)
    t.content("out.txt", "1\n")
    t.taskfile("export 'A'\ntask t:\n  true\n", dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:8: error: expected a variable name after 'export' (letters, "
           "digits and '_')", caret="'A'")


@case
def env_dotenv_statement(t):
    t.write(".env", "# comment\nA=from dotenv\nexport B='single # not a comment'\n"
            "C=\"two\\nlines\"  # comment\n\ncc = bare value  # comment\n", dedent=False)
    t.taskfile("dotenv\n" + SHOW, dedent=False)
    r = t.run("show", env={"A": "from the environment"})
    t.rc(r, 0)
    t.content("env.txt", "from the environment|single # not a comment|two\nlines|bare value|")


@case
def env_dotenv_path_and_env_function(t):
    t.write("conf/dev.env", "A=dev\n")
    t.taskfile("""
        dotenv conf/dev.env
        a = {{env("A")}}
        task show:
          echo {{a}} $A > out.txt
    """)
    r = t.run("show")
    t.rc(r, 0)
    t.content("out.txt", "dev dev\n")
    # a path given must exist; the bare statement's .env may not
    t.taskfile("dotenv nope.env\ntask t:\n  true\n", dedent=False)
    r = t.run("t")
    t.diag(r, "Taskfile:1:8: error: cannot read the dotenv file 'nope.env': No such file or "
           "directory", caret="nope.env")
    t.taskfile("dotenv\ntask t:\n  touch ran\n", dedent=False)
    r = t.run("t")
    t.rc(r, 0)
    t.present("ran")


@case
def env_dotenv_option(t):
    t.write("sub/my.env", "A=opt\n")
    t.write(".env", "B=default\n")
    t.taskfile(SHOW, dedent=False)
    r = t.run("--dotenv=my.env", "show", cwd="sub")
    t.rc(r, 0)
    t.content("env.txt", "opt||||")
    r = t.run("--dotenv", "show", cwd="sub")
    t.rc(r, 0)
    t.content("env.txt", "|default|||")
    r = t.run("--dotenv=nope.env", "show")
    t.rc(r, 2)
    t.match(r"^baton: error: cannot read the dotenv file '.*/nope\.env': No such file",
            r.err, "stderr")


@case
def env_dotenv_syntax_errors(t):
    t.taskfile("dotenv\ntask t:\n  touch ran\n", dedent=False)
    for text, first, caret in (
            ("A=1\n  1BAD=x\n", ".env:2:3: error: expected a variable name (letters, "
             "digits and '_')", "1BAD"),
            ("A\n", ".env:1:2: error: expected '=' after the variable name", None),
            ("A=\"open\n", ".env:1:3: error: unterminated string (expected '\"')", "\""),
            ("A='x' junk\n", ".env:1:7: error: unexpected text after the value (quote a "
             "value with blanks and quotes)", "junk")):
        t.write(".env", text, dedent=False)
        r = t.run("t")
        t.diag(r, first, caret=caret)
        t.absent("ran")


@case
def env_unset_is_an_error_before_anything_runs(t):
    t.taskfile("""
        task all: first second
        task first:
          touch first.ran
        task second:
          echo {{env("BATON_TEST_UNSET")}}
    """)
    r = t.run("-j1", "all", env={"BATON_TEST_UNSET": None})
    t.diag(r, "Taskfile:5:10: error: environment variable 'BATON_TEST_UNSET' is not set "
           "(give a default: env(\"BATON_TEST_UNSET\", \"...\"))", caret="env")
    t.absent("first.ran")
    # a task not in the build does not need it
    r = t.run("first", env={"BATON_TEST_UNSET": None})
    t.rc(r, 0)
    t.present("first.ran")


@case
def env_index_out_of_range_before_anything_runs(t):
    t.taskfile("""
        all: a.txt b.txt
        a.txt:
          touch a.txt
        b.txt:
          echo {{out[3]}} > b.txt
    """)
    r = t.run("-j1", "all")
    t.diag(r, "Taskfile:5:10: error: index 3 is out of range (the list has 1 word)",
           caret="out[3]")
    t.absent("a.txt")


@case
def env_dir_attribute(t):
    t.mkdir("sub")
    t.taskfile("""
        [dir: sub]
        task where:
          pwd > here.txt
        d = nope
        [dir: {{d}}]
        task bad:
          true
    """)
    r = t.run("where")
    t.rc(r, 0)
    t.content("sub/here.txt", t.path("sub") + "\n")
    r = t.run("bad")
    t.rc(r, 1)
    t.match(r"^Taskfile:6:1: error: 'bad' failed: cannot change to the directory 'nope': "
            r"No such file or directory$", r.err, "stderr")


@case
def env_invocation_dir(t):
    t.mkdir("deep/er")
    t.taskfile("task where:\n  echo {{invocation_dir()}} > where.txt\n", dedent=False)
    r = t.run("where", cwd="deep/er")
    t.rc(r, 0)
    t.content("where.txt", t.path("deep/er") + "\n")
