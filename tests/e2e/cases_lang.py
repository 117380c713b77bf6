"""The Taskfile language: variables, words, quoting, interpolation, comments,
includes, line handling, defaults, pattern rules, order-only inputs, tasks."""

import os
import re

from harness import case


def status_lines(t, r):
    """Names from the `[i/N] name` lines of stdout, checking i runs 1..N. A
    line printed again over its job's output (another job's line came in
    between) counts once."""
    found = re.findall(r"^\[(\d+)/(\d+)\] (.*)$", r.out, re.M)
    found = [f for k, f in enumerate(found) if f not in found[:k]]
    names = [n for _, _, n in found]
    idx = [int(i) for i, _, _ in found]
    totals = {int(n) for _, n, _ in found}
    if idx != list(range(1, len(found) + 1)) or totals not in (set(), {len(found)}):
        t.fail("status lines should count [1/N] .. [N/N]: %r" % found, r)
    return names


# ---- variables ------------------------------------------------------------

@case
def lang_variable_words(t):
    t.taskfile(r"""
        x = hello world
        task t:
          printf '[%s]\n' {{x}} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.out(r, "[1/1] t\n")
    t.eq(r.err, "", "stderr")
    t.logged(["[hello]", "[world]"])


@case
def lang_append(t):
    t.taskfile(r"""
        x = a
        x += b c
        y = 1
        y += 2
        y = 3
        y += 4
        z += only
        task t:
          printf '[%s]\n' {{x}} - {{y}} - {{z}} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["[a]", "[b]", "[c]", "[-]", "[3]", "[4]", "[-]", "[only]"])


@case
def lang_conditional_assign(t):
    t.taskfile(r"""
        a ?= def
        b = set
        b ?= def
        c ?= def
        c = later
        task t:
          printf '[%s]\n' {{a}} {{b}} {{c}} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["[def]", "[set]", "[later]"])


@case
def lang_conditional_assign_cmdline(t):
    t.taskfile(r"""
        d ?= def
        task t:
          printf '[%s]\n' {{d}} >> log
    """)
    r = t.run("d=cmd", "t")
    t.rc(r, 0)
    t.logged(["[cmd]"])


@case
def lang_lazy_definition_order(t):
    t.taskfile(r"""
        a = {{b}} x
        task t:
          printf '[%s]\n' {{a}} {{c}} >> log
        b = y
        c = {{a}} z
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["[y]", "[x]", "[y]", "[x]", "[z]"])


@case
def lang_cmdline_override(t):
    t.taskfile(r"""
        cc = gcc
        flags = -O2 {{cc}}
        task t:
          printf '[%s]\n' {{cc}} {{flags}} >> log
    """)
    r = t.run("cc=foo", "t")
    t.rc(r, 0)
    t.logged(["[foo]", "[-O2]", "[foo]"])


@case
def lang_cmdline_override_splits_words(t):
    t.taskfile(r"""
        cc = gcc
        task t:
          printf '[%s]\n' {{cc}} >> log
    """)
    r = t.run("cc=clang  -m32", "t")
    t.rc(r, 0)
    t.logged(["[clang]", "[-m32]"])


@case
def lang_cmdline_override_beats_append(t):
    t.taskfile(r"""
        x = a
        x += b
        task t:
          printf '[%s]\n' {{x}} >> log
    """)
    r = t.run("x=c", "t")
    t.rc(r, 0)
    t.logged(["[c]"])


# ---- words and quoting ----------------------------------------------------

@case
def lang_quoted_words(t):
    t.taskfile(r"""
        x = "a b" 'c d' e pre"mid dle"post 'x'y"z"
        task t:
          printf '[%s]\n' {{x}} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["[a b]", "[c d]", "[e]", "[premid dlepost]", "[xyz]"])


@case
def lang_single_quotes_literal(t):
    t.taskfile(r"""
        y = nope
        x = '{{y}}' 'a\nb' '"' '#not a comment'
        task t:
          printf '%s|' {{x}} > out.txt
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.content("out.txt", '{{y}}|a\\nb|"|#not a comment|')


@case
def lang_double_quote_escapes(t):
    t.taskfile(r"""
        x = "q\"q" "b\\s" "t\tt" "n\nn" "br\{{x}}" "it's"
        task t:
          printf '%s|' {{x}} > out.txt
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.content("out.txt", 'q"q|b\\s|t\tt|n\nn|br{{x}}|it\'s|')


@case
def lang_double_quote_joins_list(t):
    t.taskfile(r"""
        y = a b
        x = "<{{y}}>" "-{{ y }}-"
        task t:
          printf '%s|' {{x}} > out.txt
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.content("out.txt", "<a b>|-a b-|")


@case
def lang_empty_quoted_word(t):
    # "the quoted piece is always exactly one word", even when empty; a
    # recipe must pass that empty word on (as '') rather than drop it.
    t.taskfile(r"""
        empty =
        x = a "{{empty}}" b ""
        task t:
          printf '%s|' {{x}} > out.txt
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.content("out.txt", "a||b||")


@case
def lang_splice_lists(t):
    t.taskfile(r"""
        dirs = a b
        empty =
        flags = -I{{dirs}}
        w = pre{{empty}}post keep
        both = pre{{dirs}}post
        whole = {{dirs}}
        task t:
          printf '[%s]\n' {{flags}} - {{w}} - {{both}} - {{whole}} - {{empty}} - >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["[-Ia]", "[-Ib]", "[-]", "[keep]", "[-]", "[preapost]",
              "[prebpost]", "[-]", "[a]", "[b]", "[-]", "[-]"])


@case
def lang_interpolation_in_values_and_recipes(t):
    t.taskfile(r"""
        name = world
        greeting = hello-{{name}} "{{name}}!"
        task t:
          echo {{greeting}} {{ name }} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["hello-world world! world"])


@case
def lang_indexing(t):
    t.taskfile(r"""
        x = a b c
        first = {{x[0]}}
        last = {{x[-1]}}
        out.txt: in1 in2 in3
          printf '[%s]\n' {{first}} {{last}} {{x[1]}} {{x[-3]}} {{in[0]}} {{in[-1]}} {{out[0]}} > {{out}}
    """)
    for f in ("in1", "in2", "in3"):
        t.write(f, "")
    r = t.run("out.txt")
    t.rc(r, 0)
    t.content("out.txt", "[a]\n[c]\n[b]\n[a]\n[in1]\n[in3]\n[out.txt]\n")


@case
def lang_index_out_of_range(t):
    t.taskfile(r"""
        x = a
        y = {{x[3]}}
        task t:
          echo {{y}} >> log
    """)
    r = t.run("t")
    t.diag(r, re.compile(r"Taskfile:2:\d+: error: .+"))
    t.nothing_ran()


@case
def lang_shell_syntax_left_to_shell(t):
    t.taskfile(r"""
        task t:
          v=shellvar
          echo "$HOME" >> log
          echo $(echo sub) >> log
          echo ${v} >> log
          echo "$v" `echo tick` >> log
    """)
    r = t.run("t", env={"HOME": "/nonexistent/fakehome"})
    t.rc(r, 0)
    t.logged(["/nonexistent/fakehome", "sub", "shellvar", "shellvar tick"])


@case
def lang_literal_double_brace(t):
    t.taskfile(r"""
        v = a{{{{b "c{{{{d}}"
        task t:
          echo '{{{{x}}' >> log
          printf '[%s]\n' {{v}} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["{{x}}", "[a{{b]", "[c{{d}}]"])


# ---- comments -------------------------------------------------------------

@case
def lang_comments(t):
    t.taskfile(r"""
        # a comment line
           # an indented comment line
        x = a b # trailing comment
        y = "c # d" e#f
        task t: # comment on a header
          echo x#y >> log
          printf '[%s]\n' {{x}} {{y}} >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["x#y", "[a]", "[b]", "[c # d]", "[e]"])


@case
def lang_recipe_column0_comment(t):
    t.taskfile(r"""
        task t:
          echo one >> log
        # a Taskfile comment inside the recipe
          echo two >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["one", "two"])
    r = t.run("-n", "t")
    t.rc(r, 0)
    t.out(r, """\
        [1/1] t
            echo one >> log
            echo two >> log
    """)


@case
def lang_recipe_indented_hash_is_shell(t):
    t.taskfile(r"""
        task t:
          echo a >> log # shell comment
          # shell comment line
          echo b >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["a", "b"])


@case
def lang_doc_comments_list(t):
    t.taskfile(r"""
        ## Build everything.
        all: app
          echo all >> log

        ## Compile the app.
        ## Second doc line.
        app:
          echo app >> log

        undocumented.txt:
          echo undocumented >> log

        ## Deploy somewhere.
        task deploy env *hosts:
          echo deploy >> log

        task hidden:
          echo hidden >> log

        ## orphan doc, separated by a blank line

        task afterblank:
          echo afterblank >> log

        # plain comment
        task plaincomment:
          echo plain >> log
    """)
    for args in (["--list"], ["-l"]):
        r = t.run(*args)
        t.rc(r, 0)
        lines = r.out.splitlines()

        def line_with(name, doc=None):
            for line in lines:
                if re.search(r"(^|\s)%s(\s|$|:)" % re.escape(name), line) and \
                        (doc is None or doc in line):
                    return line
            t.fail("--list should show %r%s" % (name, " with doc %r" % doc if doc else ""), r)

        line_with("all", "Build everything.")
        line_with("app", "Compile the app.")
        t.contains(r.out, "Second doc line.", "--list output", r)
        line_with("deploy", "Deploy somewhere.")
        line_with("hidden")
        line_with("afterblank")
        line_with("plaincomment")
        t.lacks(r.out, "undocumented.txt", "--list output (undocumented file rule)", r)
        t.lacks(r.out, "orphan doc", "--list output (doc not directly above)", r)
        t.lacks(r.out, "plain comment", "--list output (# is not ##)", r)
        t.nothing_ran()


# ---- files: include, line ends, continuation ------------------------------

@case
def lang_include_relative(t):
    t.taskfile(r"""
        d = sub
        include {{d}}/inc.tf
        task top: fromsub
          echo top {{subvar}} >> log
    """)
    t.write("sub/inc.tf", r"""
        include more.tf
        subvar = fromfile
        task fromsub:
          echo fromsub {{morevar}} >> log
          pwd >> log
    """)
    t.write("sub/more.tf", "morevar = m\n")
    r = t.run("top")
    t.rc(r, 0)
    t.logged(["fromsub m", t.root, "top fromfile"])


@case
def lang_crlf(t):
    t.taskfile(b"x = a \\\r\n  b\r\n# comment\r\ntask t:\r\n"
               b"  printf '[%s]\\n' {{x}} >> log\r\n  echo done >> log\r\n")
    r = t.run("t")
    t.rc(r, 0)
    t.content("log", "[a]\n[b]\ndone\n")


@case
def lang_no_final_newline(t):
    t.taskfile(b"task t:\n  echo end >> log")
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["end"])


@case
def lang_no_final_newline_assignment(t):
    t.taskfile(b"task t:\n  echo {{x}} >> log\nx = val")
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["val"])


@case
def lang_backslash_continuation(t):
    t.taskfile(r"""
        x = a \
            b \
          c
        task t: \
            dep
          printf '[%s]\n' {{x}} >> log
          echo one \
            two >> log
        task dep:
          echo dep >> log
    """)
    r = t.run("-j1", "t")
    t.rc(r, 0)
    t.logged(["dep", "[a]", "[b]", "[c]", "one two"])


# ---- default target -------------------------------------------------------

@case
def lang_default_first_rule(t):
    t.taskfile(r"""
        %.o: %.c
          echo pattern >> log
        x = 1
        out.txt:
          echo out >> log
          touch out.txt
        task t:
          echo t >> log
    """)
    r = t.run()
    t.rc(r, 0)
    t.logged(["out"])


@case
def lang_default_first_task(t):
    t.taskfile(r"""
        task first:
          echo first >> log
        out.txt:
          echo out >> log
    """)
    r = t.run()
    t.rc(r, 0)
    t.out(r, "[1/1] first\n")
    t.logged(["first"])


@case
def lang_default_from_include(t):
    t.taskfile(r"""
        x = 1
        include inc.tf
        task second:
          echo second >> log
    """)
    t.write("inc.tf", r"""
        task first:
          echo first >> log
    """)
    r = t.run()
    t.rc(r, 0)
    t.logged(["first"])


# ---- pattern rules --------------------------------------------------------

@case
def lang_pattern_rule_stem(t):
    t.taskfile(r"""
        all: build/a.o build/sub/b.o
        build/%.o: src/%.c
          printf '%s %s %s\n' {{stem}} {{in}} {{out}} > {{out}}
    """)
    t.write("src/a.c", "")
    t.write("src/sub/b.c", "")
    r = t.run()
    t.rc(r, 0)
    t.eq(sorted(status_lines(t, r)), ["build/a.o", "build/sub/b.o"], "jobs started", r)
    t.content("build/a.o", "a src/a.c build/a.o\n")
    t.content("build/sub/b.o", "sub/b src/sub/b.c build/sub/b.o\n")


@case
def lang_pattern_several_outputs(t):
    t.taskfile(r"""
        all: x.h x.cpp y.h
        %.h %.cpp: %.idl
          echo {{stem}} {{out}} >> log
          touch {{out}}
    """)
    t.write("x.idl", "")
    t.write("y.idl", "")
    r = t.run()
    t.rc(r, 0)
    t.eq(sorted(t.log()), ["x x.h x.cpp", "y y.h y.cpp"], "jobs run (once per stem)")
    t.eq(sorted(status_lines(t, r)), ["x.h", "y.h"], "jobs started", r)
    t.present("y.cpp")


@case
def lang_pattern_first_applicable(t):
    t.taskfile(r"""
        all: x.out y.out z.out
        %.out: %.a
          echo from-a {{in}} > {{out}}
        %.out: %.b
          echo from-b {{in}} > {{out}}
    """)
    t.write("x.b", "")
    t.write("y.a", "")
    t.write("z.a", "")
    t.write("z.b", "")
    r = t.run()
    t.rc(r, 0)
    t.content("x.out", "from-b x.b\n")
    t.content("y.out", "from-a y.a\n")
    t.content("z.out", "from-a z.a\n")


@case
def lang_pattern_target_on_command_line(t):
    t.taskfile(r"""
        %.out: %.in
          echo {{stem}} >> log
          cp {{in}} {{out}}
    """)
    t.write("x.in", "x")
    t.write("sub/y.in", "y")
    r = t.run("-j1", "x.out", "sub/y.out")
    t.rc(r, 0)
    t.eq(sorted(status_lines(t, r)), ["sub/y.out", "x.out"], "jobs started", r)
    t.eq(sorted(t.log()), ["sub/y", "x"], "stems of the jobs run")
    t.content("x.out", "x")
    t.content("sub/y.out", "y")


@case
def lang_pattern_chain(t):
    t.taskfile(r"""
        all: x.o
        %.o: %.c
          echo o >> log
          cat {{in}} > {{out}}
        %.c: %.y
          echo c >> log
          cat {{in}} > {{out}}
    """)
    t.write("x.y", "src\n")
    r = t.run()
    t.rc(r, 0)
    t.logged(["c", "o"])
    t.content("x.o", "src\n")


@case
def lang_pattern_explicit_rule_wins(t):
    t.taskfile(r"""
        all: a.o b.o
        %.o: %.c
          echo pattern {{out}} >> log
        a.o: a.c
          echo explicit {{out}} >> log
    """)
    t.write("a.c", "")
    t.write("b.c", "")
    r = t.run("-j1")
    t.rc(r, 0)
    t.eq(sorted(t.log()), ["explicit a.o", "pattern b.o"], "recipes run")


# ---- order-only inputs ----------------------------------------------------

@case
def lang_order_only_inputs(t):
    t.taskfile(r"""
        out.txt: in.txt | stamp
          echo out {{in}} >> log
          cp in.txt out.txt
        stamp: cfg
          echo stamp >> log
          touch stamp
    """)
    t.write("in.txt", "x")
    t.write("cfg", "1")
    base = 1_600_000_000 * 10**9
    t.set_mtime("in.txt", base)
    t.set_mtime("cfg", base)
    r = t.run("out.txt")
    t.rc(r, 0)
    t.logged(["stamp", "out in.txt"])
    # stamp is made again, newer than out.txt: out.txt does not run
    t.write("cfg", "2")
    r = t.run("out.txt")
    t.rc(r, 0)
    t.out(r, "[1/1] stamp\n")
    t.logged(["stamp", "out in.txt", "stamp"])
    os.unlink(t.path("stamp"))
    r = t.run("out.txt")
    t.rc(r, 0)
    t.logged(["stamp", "out in.txt", "stamp", "stamp"])


# ---- tasks ----------------------------------------------------------------

@case
def lang_task_params(t):
    t.taskfile(r"""
        task greet who="world" *rest:
          printf '[%s]' {{who}} {{rest}} >> log
          echo >> log
    """)
    for args in (["greet"], ["greet", "bob"], ["greet", "bob", "a", "b c"],
                 ["greet", "who=ann"]):
        r = t.run(*args)
        t.rc(r, 0)
    t.logged(["[world]", "[bob]", "[bob][a][b c]", "[ann]"])


@case
def lang_task_param_default_interpolated(t):
    t.taskfile(r"""
        base = b
        task d p="{{base}}-x" q=plain:
          printf '[%s]' {{p}} {{q}} >> log
          echo >> log
    """)
    r = t.run("d")
    t.rc(r, 0)
    r = t.run("base=z", "d", "q=named")
    t.rc(r, 0)
    t.logged(["[b-x][plain]", "[z-x][named]"])


@case
def lang_task_params_then_task(t):
    # A task without parameters is followed by further targets.
    t.taskfile(r"""
        task a:
          echo a >> log
        task b:
          echo b >> log
    """)
    r = t.run("-j1", "a", "b")
    t.rc(r, 0)
    t.eq(sorted(t.log()), ["a", "b"], "tasks run")


@case
def lang_task_missing_argument(t):
    t.taskfile(r"""
        task first:
          echo first >> log
        task deploy env:
          echo deploy {{env}} >> log
    """)
    r = t.run("first", "deploy")
    t.rc(r, 2)
    t.match(r"error: task 'deploy' needs a value for parameter 'env'$",
            r.err.splitlines()[0] if r.err else "", "first line of stderr", r)
    t.nothing_ran()


@case
def lang_task_too_many_arguments(t):
    t.taskfile(r"""
        task two a b="d":
          echo two >> log
    """)
    r = t.run("two", "x", "y", "z")
    t.rc(r, 2)
    t.match(r"error: task 'two' takes at most 2 arguments$",
            r.err.splitlines()[0] if r.err else "", "first line of stderr", r)
    t.nothing_ran()


@case
def lang_task_depends_on_task_and_file(t):
    t.taskfile(r"""
        task all: prep out.txt
          echo all >> log
        task prep:
          echo prep >> log
        out.txt:
          echo out >> log
          touch out.txt
    """)
    r = t.run("-j1", "all")
    t.rc(r, 0)
    log = t.log()
    t.eq(sorted(log[:2]), ["out", "prep"], "first two jobs")
    t.eq(log[2:], ["all"], "last job")
    # Second time: tasks run again, the file is up to date.
    r = t.run("-j1", "all")
    t.rc(r, 0)
    t.eq(t.log()[3:], ["prep", "all"], "jobs of the second run")


@case
def lang_file_rule_depending_on_task(t):
    t.taskfile(r"""
        gen.txt: prep
          echo gen >> log
          touch gen.txt
        task prep:
          echo prep >> log
    """)
    for _ in range(2):
        r = t.run("-j1", "gen.txt")
        t.rc(r, 0)
    t.logged(["prep", "gen", "prep", "gen"])


@case
def lang_stem_empty_outside_pattern(t):
    t.taskfile(r"""
        task t:
          printf '[%s]\n' x {{stem}} y >> log
    """)
    r = t.run("t")
    t.rc(r, 0)
    t.logged(["[x]", "[y]"])


@case
def lang_paths_are_canonical(t):
    # ./a, a//b and x/../a name the same file in rules, in inputs and on the
    # command line: one node, built once, up to date afterwards
    t.taskfile(r"""
        all: ./out/c
        out//b:
          echo b >> log
          touch {{out}}
        x/../out/c: ./out/b
          echo {{out}} {{in}} >> log
          touch out/c
    """)
    r = t.run("-j1")
    t.rc(r, 0)
    t.out(r, "[1/2] out/b\n[2/2] out/c\n")
    t.logged(["b", "out/c out/b"])
    r = t.run("out/../out//c")
    t.rc(r, 0)
    t.out(r, "baton: nothing to do\n")


@case
def lang_many_rules_across_header_segments(t):
    # 40,000 rules around an include of 20,000 more: the parser puts header
    # words in segments of 4,096 statements, freed as the graph takes their
    # rules, the included file's in the middle of the others'. Each output starts
    # with "{{p}}" (read ahead with the rule before it), and each rule names
    # "{{hdrs}}" alone, whose nodes are found once. The whole graph is right.
    def rules(prefix, lo, hi):
        return "".join("{{p}}%s%d: s%d {{hdrs}} | {{dir}}\n  touch {{out}}\n"
                       % (prefix, i, i) for i in range(lo, hi))
    t.write("inc.tf", rules("i", 0, 20000), dedent=False)
    t.taskfile("p = o/\nhdrs = h1 ./h2\ndir = o\n" + rules("a", 0, 20000)
               + "include inc.tf\n" + rules("b", 0, 20000), dedent=False)
    r = t.run("--dump=graph")
    t.rc(r, 0)
    want = "".join("o/%s%d: s%d h1 h2 | o\n" % (prefix, i, i)
                   for prefix in "aib" for i in range(20000))
    t.eq(r.out, want, "the graph", r)
