"""What baton shows of its jobs when not on a terminal: the output modes
(--output=buffered, stream, prefixed, ordered), -q and [quiet], a job's output
beyond what is kept in memory, the summary of what failed, --log and the
.baton/output file, pools and ordered pools, [serial], and a task's duration
weighing its chain.

What ran at once, and in which order, is shown by the lines jobs append to a
file ("start X", "end X"), never by timing. Where a case needs baton to have
dealt with one job's end before another job goes on, that job waits for the
first one's output to appear in .baton/output, which baton writes as it takes
a job's end."""

import hashlib
import os
import re
import subprocess
import time

import harness
from harness import case


def waits(rel):
    """Shell lines that wait (at most ~10 s) for the file rel."""
    return ("i=0; while [ ! -e %s ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n"
            % rel)


def waits_taken(marker):
    """Shell lines that wait (at most ~10 s) until baton has taken the end of
    the job that printed marker (it is in .baton/output)."""
    return ("i=0; until grep -q %s .baton/output 2>/dev/null || [ $i -ge 100 ]; do "
            "sleep 0.1; i=$((i+1)); done\n" % marker)


def to_file(t, *args, out="stdout.txt"):
    """Run baton with stdout to the file out (not kept in the case's memory);
    (exit status, stderr, peak memory in KiB)."""
    argv = harness.WRAPPER + [t.baton] + list(args)
    env = dict(os.environ, LC_ALL="C")
    with open(t.path(out), "wb") as f:
        proc = subprocess.Popen(argv, cwd=t.root, env=env, stdin=subprocess.DEVNULL,
                                stdout=f, stderr=subprocess.PIPE, start_new_session=True)
        err = proc.stderr.read()
        _, st, ru = os.wait4(proc.pid, 0)
    return os.waitstatus_to_exitcode(st), err.decode("utf-8", "replace"), ru.ru_maxrss


def more_memory(t, kb, mib, what):
    """baton's peak memory kb is at most mib MiB above that of `baton
    --version` run the same way. (A child's peak counts the memory it shares
    with the case until it runs baton: only the difference says what baton
    used. Not checked under a wrapper such as valgrind, nor with
    AddressSanitizer, which keeps freed memory aside a while.)"""
    if harness.WRAPPER or harness.sanitized(t.baton):
        return
    base = to_file(t, "--version", out="version.txt")[2]
    if kb - base > mib * 1024:
        t.fail("%s: baton used %d MiB more memory than to print its version"
               % (what, (kb - base) // 1024))


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ------------------------------------------------------------ memory


@case
def output_64_mib_in_bounded_memory(t):
    # 64 MiB of output, in each mode: all of it printed, and baton's memory
    # stays far below it (what is beyond 1 MiB waits in a temporary file; the
    # last 1 MiB goes to .baton/output)
    t.taskfile("task big:\n  yes %s | head -n 1048576\n" % ("x" * 63), dedent=False)
    line = b"x" * 63 + b"\n"
    # (never all of it in the case's memory, which a child's peak counts)
    h = hashlib.sha256(b"[1/1] big\n")
    for _ in range(1 << 10):
        h.update(line * (1 << 10))
    want = h.hexdigest()
    for mode in ("buffered", "stream", "ordered"):
        rc, err, kb = to_file(t, "--output=" + mode)
        t.eq((rc, err), (0, ""), "exit status and stderr with --output=" + mode)
        t.eq(digest(t.path("stdout.txt")), want, "what --output=%s printed (its sha256)" % mode)
        more_memory(t, kb, 16, "64 MiB of output with --output=" + mode)
    r = t.run("--log", "big")
    t.eq(len(r.out), 1 << 20, "bytes kept of its output (baton --log big)")
    t.eq(r.out, (line * ((1 << 20) // 64 + 1))[-(1 << 20):].decode(), "the end kept")


@case
def output_prefixed_endless_line_in_bounded_memory(t):
    # --output=prefixed holds a line until it ends, to print it whole after
    # its prefix; a line of 64 MiB is printed in pieces of 64 KiB, each a line
    # after the prefix, rather than held
    t.taskfile("task big:\n  head -c 67108864 /dev/zero | tr '\\0' x\n  echo\n  echo end\n",
               dedent=False)
    rc, err, kb = to_file(t, "--output=prefixed")
    t.eq((rc, err), (0, ""), "exit status and stderr")
    more_memory(t, kb, 16, "a line of 64 MiB with --output=prefixed")
    pieces = xs = 0
    with open(t.path("stdout.txt"), "rb") as f:
        t.eq(f.readline(), b"[1/1] big\n", "the first line")
        for line in f:
            if line == b"[big] end\n":
                break
            pieces += 1
            if not line.startswith(b"[big] ") or line[6:-1].strip(b"x"):
                t.fail("line %d is not '[big] ' and x's: %r" % (pieces + 1, line[:80]))
            # 64 KiB, or what is left with the end of the line
            if len(line) > 6 + 2 * 65536 + 1:
                t.fail("line %d holds %d x's" % (pieces + 1, len(line) - 7))
            xs += len(line) - 7
        t.eq(f.read(), b"", "what follows '[big] end'")
    t.eq(xs, 1 << 26, "x's printed")
    if pieces < 512:
        t.fail("the line of 64 MiB came in %d pieces" % pieces)


# ------------------------------------------------------------ output modes


def lines_under_names(t, r, outputs):
    """Each line of r.out is a job's line "[i/N] name", or a line of output
    of the job whose line came last; the output under each name, joined,
    is outputs[name] (newlines aside: a line a job had not ended is ended
    before another job's line)."""
    got = {}
    current = None
    for line in r.out.splitlines():
        m = re.fullmatch(r"\[\d+/\d+\] (\S+)", line)
        if m and m.group(1) in outputs:
            current = m.group(1)
            got.setdefault(current, "")
            continue
        if current is None:
            t.fail("output before any job's line: %r" % line, r)
        got[current] += line
    t.eq(got, {k: v.replace("\n", "") for k, v in outputs.items()},
         "the output under each job's line", r)


@case
def output_stream_ends_a_line_before_another_job(t):
    # c prints a line it has not ended when b prints: b's line and output
    # start on a line of their own, and c's rest comes under c's line again
    t.taskfile("""
        task all: b c
        task b:
          %s
          echo B1
          touch b1
        task c:
          printf C1
          touch c1
          %s
          echo C2
    """ % (waits("c1").strip(), waits("b1").strip()))
    r = t.run("-j2", "--output=stream", "b", "c")
    t.rc(r, 0)
    lines_under_names(t, r, {"b": "B1\n", "c": "C1C2\n"})


@case
def output_verbose_script_once(t):
    # -v prints a job's script under its line as it starts; when its block
    # comes under its line printed again, the script is not repeated
    t.taskfile("""
        task all: a b
        task a:
          %s
          echo A-out
        task b:
          echo B-out
    """ % waits_taken("B-out").strip())
    r = t.run("-j2", "-v", "a", "b")
    t.rc(r, 0)
    t.eq(r.out.count("    echo A-out\n"), 1, "times a's script is printed", r)
    t.eq(r.out.count("    echo B-out\n"), 1, "times b's script is printed", r)
    t.match(r"^\[\d/2\] a\nA-out\n\Z", r.out, "the end: a's line again, and its output", r)


@case
def output_ordered_quiet_has_no_line(t):
    t.taskfile("""
        task b:
          echo B-out
        [quiet]
        task c:
          echo C-out
    """)
    r = t.run("-j2", "--output=ordered", "c", "b")
    t.rc(r, 0)
    t.out(r, "[1/2] b\nB-out\nC-out\n")


@case
def output_ordered_after_what_it_needs(t):
    # blocks come in the order the jobs are declared, but a job's after
    # those of the jobs it needs: 'all', declared first, comes last, and
    # the others are not held back until it ends. c ends first, b waits for
    # c's end to be taken, a for b's: the order printed is still a b c.
    t.taskfile("""
        task all: c b a
          echo ALL
        task a:
          %s
          echo A
        task b:
          %s
          echo B-out
        task c:
          echo C-out
        task d: all
          echo D
    """ % (waits_taken("B-out").strip(), waits_taken("C-out").strip()))
    r = t.run("-j3", "--output=ordered", "d")
    t.rc(r, 0)
    t.out(r, "[1/5] a\nA\n[2/5] b\nB-out\n[3/5] c\nC-out\n[4/5] all\nALL\n[5/5] d\nD\n")


# ------------------------------------------------------------ [serial], pools


def marks(name, pause="0.2"):
    """Recipe lines that append 'start NAME' and 'end NAME' to log, with a
    pause between (time for another job to start, if one may)."""
    return 'echo "start %s" >> log\nsleep %s\necho "end %s" >> log\n' % (name, pause, name)


def tasks(*names, pause="0.2", attrs=""):
    """Tasks that only mark their start and end in log."""
    return "".join("%stask %s:\n%s" % (attrs, n, indent(marks(n, pause))) for n in names)


def indent(lines):
    return "".join("  " + l + "\n" for l in lines.splitlines())


def overlap(t, lines):
    """The most jobs running at once, from their start and end lines."""
    running, most = set(), 0
    for l in lines:
        what, name = l.split(" ", 1)
        if what == "start":
            running.add(name)
            most = max(most, len(running))
        elif name in running:
            running.remove(name)
        else:
            t.fail("'%s' ends without starting in %r" % (name, lines))
    return most


def starts(lines):
    return [l.split(" ", 1)[1] for l in lines if l.startswith("start ")]


@case
def serial_task_runs_inputs_in_order(t):
    t.taskfile("[serial]\ntask all: c b a\n" + tasks("a", "b", "c"), dedent=False)
    r = t.run("-j4")
    t.rc(r, 0)
    t.logged(["start c", "end c", "start b", "end b", "start a", "end a"])


@case
def serial_file_rule_runs_inputs_in_order(t):
    t.taskfile("[serial]\nout: c b a\n  touch out\n" + tasks("a", "b", "c"), dedent=False)
    r = t.run("-j4")
    t.rc(r, 0)
    t.logged(["start c", "end c", "start b", "end b", "start a", "end a"])
    t.present("out")


@case
def serial_keeps_what_inputs_need(t):
    # a needs b, listed after it: b runs first (the dependency holds), and
    # c, listed twice, runs where it is listed first; the rest in order
    t.taskfile("[serial]\ntask all: c a b c d\n" + tasks("b", "c", "d") +
               "task a: b\n" + indent(marks("a")),
               dedent=False)
    r = t.run("-j4")
    t.rc(r, 0)
    t.logged(["start c", "end c", "start b", "end b", "start a", "end a",
              "start d", "end d"])


@case
def serial_only_between_its_inputs(t):
    # [serial] orders its own inputs; another task's inputs run beside them
    t.taskfile("""
        task top: all other
        [serial]
        task all: a b
        task a:
          touch a.started
          %s
          test -e other.started
          echo a >> log
        task b:
          echo b >> log
        task other:
          touch other.started
          %s
          echo other >> log
    """ % (waits("other.started").strip(), waits("a.started").strip()))
    r = t.run("-j3")
    t.rc(r, 0)
    log = t.log()
    t.eq(log.index("a") < log.index("b"), True, "a before b (log %r)" % log)


@case
def serial_input_needed_before_it_was_listed(t):
    # m needs d, listed after it with j between: d goes before m, and the
    # chain does not wait for itself (it did: nothing ran, exit status 0)
    t.taskfile("[serial]\ntask all: m j d\n" + tasks("j", "d") + "task m: d\n" +
               indent(marks("m")), dedent=False)
    r = t.run("-j4")
    t.rc(r, 0)
    t.logged(["start d", "end d", "start m", "end m", "start j", "end j"])


# ------------------------------------------------------------ modes


def three_ending_backwards():
    """a, b and c started at once; c ends first, then b, then a (each waits
    for the next one's end to be taken by baton)."""
    return """
        task all: a b c
        task a:
          %s
          echo out-a
        task b:
          %s
          echo out-b
        task c:
          echo out-c
    """ % (waits_taken("out-b").strip(), waits_taken("out-c").strip())


@case
def output_buffered_block_under_its_line(t):
    # each job's line is printed with its block, when it ends, numbered by
    # the jobs ended so far: a block is always under its own job's line
    t.taskfile(three_ending_backwards())
    for args in (["--output=buffered"], []):  # the default when -j is not 1
        t.forget()
        r = t.run("-j3", *args)
        t.rc(r, 0)
        t.out(r, "[1/3] c\nout-c\n[2/3] b\nout-b\n[3/3] a\nout-a\n")


@case
def output_buffered_block_stays_whole(t):
    # two jobs printing 3 MiB each, at once: each block comes whole under
    # its line, lines in order
    t.taskfile("""
        task all: a b
        task a:
          seq -f 'a %g' 1 300000
        task b:
          seq -f 'b %g' 1 300000
    """)
    for mode in ("buffered", "ordered"):
        t.forget()
        rc, err, _ = to_file(t, "-j2", "--output=" + mode)
        t.eq((rc, err), (0, ""), "exit status and stderr (%s)" % mode)
        lines = t.read("stdout.txt").splitlines()
        t.eq(len(lines), 600002, "lines printed (%s)" % mode)
        first = lines[0][-1]
        other = "b" if first == "a" else "a"
        if mode == "ordered":
            t.eq(first, "a", "the first block (ordered)")
        want = (["[1/2] " + first] + ["%s %d" % (first, i) for i in range(1, 300001)] +
                ["[2/2] " + other] + ["%s %d" % (other, i) for i in range(1, 300001)])
        if lines != want:
            t.fail("the blocks are not whole and in order (%s); first lines: %r"
                   % (mode, [l for l, w in zip(lines, want) if l != w][:5]))


@case
def output_stream_lines_at_start(t):
    # --output=stream: each job's line as it starts, its output as it comes,
    # under its line printed again when another job printed in between
    t.taskfile("""
        task all: a b
        task a:
          echo A1
          touch a1
          %s
          echo A2
        task b:
          %s
          echo B1
          touch b1
    """ % (waits("b1").strip(), waits("a1").strip()))
    r = t.run("-j2", "--output=stream", "a", "b")
    t.rc(r, 0)
    lines_under_names(t, r, {"a": "A1\nA2\n", "b": "B1\n"})
    t.eq(sorted(r.out.splitlines()[:2]), ["[1/2] a", "[2/2] b"],
         "the first two lines: both jobs' lines, as they start", r)


@case
def output_stream_default_at_j1(t):
    # at -j1 the default is stream: a job's line comes as it starts, before
    # its output, numbered as it starts; its failure after its output
    t.taskfile("""
        task all: a b
        task a:
          echo A
        task b:
          echo B
          exit 2
    """)
    r = t.run("-j1", "-k")
    t.rc(r, 1)
    t.out(r, "[1/2] a\nA\n[2/2] b\nB\n")
    t.match(r"^Taskfile:4:1: error: 'b' failed: exit status 2$", r.err, "stderr", r)


@case
def output_prefixed_whole_lines(t):
    # --output=prefixed: not on a terminal, each job's line as it starts;
    # each line of output after '[name] ', whole, a line not ended at the
    # job's end ended
    t.taskfile("""
        task all: a b
        task a:
          printf 'A1 '
          touch a1
          %s
          echo 'rest of A1'
          printf 'A2'
        task b:
          %s
          echo B1
          touch b1
    """ % (waits("b1").strip(), waits("a1").strip()))
    r = t.run("-j2", "--output=prefixed", "a", "b")
    t.rc(r, 0)
    lines = r.out.splitlines()
    t.eq(sorted(lines[:2]), ["[1/2] a", "[2/2] b"], "the jobs' lines, as they start", r)
    t.eq([l for l in lines[2:] if l.startswith("[a] ")], ["[a] A1 rest of A1", "[a] A2"],
         "a's lines", r)
    t.eq([l for l in lines[2:] if not l.startswith("[a] ")], ["[b] B1"], "the other lines", r)


@case
def output_ordered_blocks_in_declaration_order(t):
    # c ends first, then b, then a: the blocks come in the order declared,
    # numbered by that order
    t.taskfile(three_ending_backwards())
    r = t.run("-j3", "--output=ordered")
    t.rc(r, 0)
    t.out(r, "[1/3] a\nout-a\n[2/3] b\nout-b\n[3/3] c\nout-c\n")


@case
def output_ordered_failure_at_once(t):
    # b fails while a, declared before it, still runs: b's block and failure
    # are printed at once, not held for a's turn
    t.taskfile("""
        task all: a b c
        task a:
          %s
          echo out-a
        task b:
          echo out-b
          exit 4
        task c:
          echo out-c
    """ % waits_taken("out-b").strip())
    r = t.run("-j3", "-k", "--output=ordered", merge=True)
    t.rc(r, 1)
    head = r.out.split("baton: what failed:")[0]
    t.eq(head, "[2/3] b\nout-b\n"
         "Taskfile:5:1: error: 'b' failed: exit status 4\n    task b:\n    ^~~~~~\n"
         "[1/3] a\nout-a\n[3/3] c\nout-c\n", "what is printed before the summary", r)


@case
def output_ordered_pattern_jobs_as_named(t):
    # the jobs of one pattern rule come in the order their targets were named
    t.taskfile("""
        task all: out/z.txt out/a.txt out/m.txt
        out/%.txt:
          echo {{stem}}
          touch {{out}}
    """)
    r = t.run("-j3", "--output=ordered")
    t.rc(r, 0)
    t.out(r, "[1/3] out/z.txt\nz\n[2/3] out/a.txt\na\n[3/3] out/m.txt\nm\n")


@case
def output_mode_unknown(t):
    t.taskfile("task a:\n  true\n", dedent=False)
    r = t.run("--output=live")
    t.rc(r, 2)
    t.match(r"^baton: --output takes buffered, stream, prefixed or ordered, not 'live'$",
            r.err, "stderr", r)
    t.out(r, "")


# ------------------------------------------------------------ -q, [quiet]


@case
def quiet_prints_only_the_jobs_output(t):
    t.taskfile("""
        all: a b
          cat a b > all
        a:
          echo A
          echo a > a
        b:
          echo B
          echo b > b
    """)
    r = t.run("-q", "-j1")
    t.rc(r, 0)
    t.out(r, "A\nB\n")
    t.err(r, "")
    r = t.run("--quiet")  # and no "nothing to do"
    t.rc(r, 0)
    t.out(r, "")
    t.err(r, "")


@case
def quiet_still_reports_failures(t):
    t.taskfile("""
        task all: a b
        task a:
          echo A
        task b:
          echo B
          exit 5
    """)
    r = t.run("-q", "-j1", "-k")
    t.rc(r, 1)
    t.out(r, "A\nB\n")
    t.match(r"\ATaskfile:4:1: error: 'b' failed: exit status 5\n", r.err, "stderr", r)
    t.match(r"^baton: 1 job failed\n\Z", r.err, "stderr's last line", r)


@case
def quiet_attribute_captured_by_the_shell(t):
    # v=$(baton version) captures exactly what the recipe printed; another
    # job that runs first still has its line (-q leaves out every line)
    t.taskfile("""
        major = 1
        [quiet]
        task version: VERSION
          echo {{major}}.$(cat VERSION)
        VERSION:
          echo 7 > VERSION
        task other:
          echo other
    """)
    r = t.run("version", "other", "-j1")
    t.rc(r, 0)
    t.out(r, "[1/3] VERSION\n1.7\n[3/3] other\nother\n")
    r = subprocess.run(["sh", "-c", 'v=$("$0" version) && printf "[%s]" "$v"', t.baton],
                       cwd=t.root, capture_output=True, text=True,
                       env=dict(os.environ, LC_ALL="C"))
    t.eq((r.returncode, r.stdout, r.stderr), (0, "[1.7]", ""), "what $(baton version) captured")


# ------------------------------------------------------------ colour


@case
def colour_never_on_a_pipe(t):
    t.taskfile("""
        task all: a b
        task a:
          echo A
        task b:
          exit 1
    """)
    r = t.run("-k")
    t.rc(r, 1)
    t.lacks(r.out + r.err, "\033", "output on a pipe")


@case
def colour_always_on_a_pipe(t):
    t.taskfile("""
        task a:
          echo A
          exit 3
    """)
    for opt in ("--color=always", "--colour=always"):
        r = t.run(opt)
        t.rc(r, 1)
        t.out(r, "[1/1] \033[1ma\033[0m\nA\n")
        t.match(r"\A\033\[1mTaskfile:1:1:\033\[0m \033\[1;31merror:\033\[0m 'a' failed: "
                r"exit status 3\n", r.err, "stderr", r)
        t.contains(r.err, "  \033[1ma\033[0m: \033[31mexit status 3\033[0m after ", "stderr", r)
    for opt in ("--color=never", "--color=auto"):
        r = t.run(opt, env={"NO_COLOR": None})
        t.rc(r, 1)
        t.lacks(r.out + r.err, "\033", "output with " + opt)


@case
def colour_warning_yellow(t):
    t.taskfile("out: in\n  cp in out\n", dedent=False)
    t.write("in", "x\n")
    future = time.time_ns() + 3600 * 10**9
    t.set_mtime("in", future)
    r = t.run("--color=always")
    t.rc(r, 0)
    t.err(r, "baton: \033[33mwarning:\033[0m 'in' has a modification time in the future\n")


@case
def colour_option_unknown(t):
    t.taskfile("task a:\n  true\n", dedent=False)
    r = t.run("--color=sometimes")
    t.rc(r, 2)
    t.match(r"^baton: --color takes auto, always or never, not 'sometimes'$", r.err,
            "stderr", r)


# ------------------------------------------------------------ what failed


def timeless(text):
    """text with each job's duration in the summary as 'S'."""
    return re.sub(r" after \d+\.\d\d s$", " after S s", text, flags=re.M)


@case
def summary_with_keep_going(t):
    t.taskfile("""
        task all: x y z ok
          echo all
        task x:
          for i in $(seq 1 15); do echo line $i; done
          exit 4
        task y:
          echo y-out
          kill -9 $$
        z: x
          touch z
        task ok:
          echo fine
    """)
    r = t.run("-k", "-j1")
    t.rc(r, 1)
    t.out(r, "[1/5] x\n" + "".join("line %d\n" % i for i in range(1, 16)) +
          "[2/5] y\ny-out\n[3/5] ok\nfine\n")
    t.eq(timeless(r.err), """\
Taskfile:3:1: error: 'x' failed: exit status 4
    task x:
    ^~~~~~
Taskfile:6:1: error: 'y' failed: killed by signal 9 (SIGKILL)
    task y:
    ^~~~~~
baton: what failed, in order:
  x: exit status 4 after S s
    command:
      for i in $(seq 1 15); do echo line $i; done
      exit 4
    its last lines:
""" + "".join("      line %d\n" % i for i in range(6, 16)) + """\
    all of its output: baton --log x
  y: killed by signal 9 (SIGKILL) after S s
    command:
      echo y-out
      kill -9 $$
    its last lines:
      y-out
    all of its output: baton --log y
  not built because of the failures: z all
baton: 2 jobs failed
""", "stderr", r)


@case
def summary_without_keep_going(t):
    t.taskfile("""
        task all: a b
        task a:
          echo A
          false
        task b:
          echo B
    """)
    r = t.run("-j1", "a", "b")
    t.rc(r, 1)
    t.out(r, "[1/2] a\nA\n")
    t.eq(timeless(r.err), """\
Taskfile:2:1: error: 'a' failed: exit status 1
    task a:
    ^~~~~~
baton: what failed:
  a: exit status 1 after S s
    command:
      echo A
      false
    its last lines:
      A
    all of its output: baton --log a
baton: build stopped: 1 job failed
""", "stderr", r)


@case(tags=("exec-failure",))
def summary_of_a_job_that_did_not_start(t):
    # a command not found: no output kept, so no 'baton --log' line
    t.taskfile("task a:\n  no-such-command-anywhere\n", dedent=False)
    r = t.run()
    t.rc(r, 1)
    t.eq(timeless(r.err), """\
Taskfile:1:1: error: 'a' failed: command 'no-such-command-anywhere' not found
    task a:
    ^~~~~~
baton: what failed:
  a: command 'no-such-command-anywhere' not found after S s
    command:
      no-such-command-anywhere
baton: build stopped: 1 job failed
""", "stderr", r)


@case
def summary_not_built_lists_twenty(t):
    names = ["t%02d" % i for i in range(1, 26)]
    t.taskfile("task all: %s\n" % " ".join(names) + "task f:\n  exit 1\n" +
               "".join("task %s: f\n  true\n" % n for n in names), dedent=False)
    r = t.run("-k")
    t.rc(r, 1)
    m = re.search(r"^  not built because of the failures:((?: \S+){20}) and 6 more$", r.err,
                  re.M)
    if not m:
        t.fail("expected twenty names and 'and 6 more'", r)
    if not set(m.group(1).split()) <= set(names + ["all"]):
        t.fail("names that are not blocked tasks: %r" % m.group(1), r)


# ------------------------------------------------------------ --log


@case
def log_prints_the_last_run(t):
    t.taskfile("""
        out/x.txt:
          n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count
          echo "run $n"
          echo "to stderr $n" >&2
          touch {{out}}
        task quiet:
          true
    """)
    t.rc(t.run(), 0)
    r = t.run("-B", "out/x.txt", "quiet")
    t.rc(r, 0)
    for target in ("out/x.txt", "./out/x.txt", "out//x.txt"):
        r = t.run("--log", target)
        t.rc(r, 0)
        t.out(r, "run 2\nto stderr 2\n")
        t.err(r, "")
    r = t.run("--log", "quiet")  # it ran, and printed nothing
    t.rc(r, 0)
    t.out(r, "")
    t.mkdir("sub")
    r = t.run("--log", "out/x.txt", cwd="sub")  # the Taskfile's directory's
    t.rc(r, 0)
    t.out(r, "run 2\nto stderr 2\n")


@case
def log_of_a_job_that_never_ran(t):
    t.taskfile("task a:\n  echo A\n", dedent=False)
    r = t.run("--log", "a")
    t.rc(r, 1)
    t.out(r, "")
    t.err(r, "baton: no output of 'a' is kept here (it has not run since .baton was made)\n")
    t.rc(t.run(), 0)
    r = t.run("--log", "b")
    t.rc(r, 1)
    t.err(r, "baton: no output of 'b' is kept here (it has not run since .baton was made)\n")


@case
def log_keeps_a_failures_output(t):
    t.taskfile("task a:\n  echo before failing\n  exit 3\n", dedent=False)
    t.rc(t.run(), 1)
    r = t.run("--log", "a")
    t.rc(r, 0)
    t.out(r, "before failing\n")


@case
def log_file_compacted_past_64_mib(t):
    # 33 jobs printing 1 MiB each: the second run takes .baton/output past
    # 64 MiB, and it is compacted to the last block of each job
    names = ["j%02d" % i for i in range(33)]
    t.taskfile("task all: %s\n" % " ".join(names) +
               "".join("task %s:\n  head -c 1048576 /dev/zero | tr '\\0' x\n"
                       "  echo; echo '%s run' $(cat run)\n" % (n, n) for n in names),
               dedent=False)
    for run in (1, 2):
        t.write("run", "%d\n" % run)
        rc, err, _ = to_file(t, "-j2")
        t.eq((rc, err), (0, ""), "exit status and stderr of run %d" % run)
    size = os.path.getsize(t.path(".baton/output"))
    if not 33 << 20 < size < 34 << 20:
        t.fail(".baton/output holds %d bytes after two runs of 33 MiB: not compacted to "
               "one block per job" % size)
    r = t.run("--log", "j07")
    t.rc(r, 0)
    t.eq(r.out[-11:], "\nj07 run 2\n", "the end of j07's output")
    t.eq(len(r.out), 1 << 20, "bytes kept of it")


# ------------------------------------------------------------ durations


@case
def task_duration_weighs_its_chain(t):
    # four tasks, the long one declared last: the first time they run in the
    # order declared; its duration recorded, the next time it starts first
    t.taskfile("""
        task all: s1 s2 s3 long
        task s1:
          echo s1 >> log
        task s2:
          echo s2 >> log
        task s3:
          echo s3 >> log
        task long:
          echo long >> log
          sleep 0.6
    """)
    t.rc(t.run("-j1"), 0)
    t.logged(["s1", "s2", "s3", "long"])
    os.unlink(t.path("log"))
    t.rc(t.run("-j1"), 0)
    t.eq(t.log()[0], "long", "the task that starts first the second time (log %r)" % t.log())


# ------------------------------------------------------------ pools


def waiter(me, other, attrs=""):
    """A task that marks its start, then waits (~10 s at most) for other to
    have started too, and fails if it never does: both ran at once."""
    return ("%stask %s:\n  touch %s.started\n  %s  test -e %s.started\n"
            % (attrs, me, me, waits("%s.started" % other), other))


@case
def pool_at_most_its_slots(t):
    names = ["p%d" % i for i in range(6)]
    t.taskfile("pool two = 2\ntask all: %s\n" % " ".join(names) +
               tasks(*names, attrs="[pool: two]\n"), dedent=False)
    r = t.run("-j6")
    t.rc(r, 0)
    t.eq(sorted(starts(t.log())), names, "the jobs that ran")
    if overlap(t, t.log()) > 2:
        t.fail("more than 2 jobs of pool 'two' ran at once: %r" % t.log())


@case
def pool_slots_run_at_once(t):
    # both members of a pool of 2 run at once: each waits for the other
    t.taskfile("pool two = 2\ntask all: a b\n" + waiter("a", "b", "[pool: two]\n") +
               waiter("b", "a", "[pool: two]\n"), dedent=False)
    r = t.run("-j4")
    t.rc(r, 0)


@case
def pool_of_one_on_top_of_j(t):
    # a pool of 1 among -j4 runs its members one at a time, and other jobs
    # beside them; a pool of 4 under -j1 does not raise -j
    t.taskfile("pool one = 1\npool four = 4\ntask all: a b c\ntask wide: x y z\n" +
               tasks("a", "b", "c", attrs="[pool: one]\n") +
               tasks("x", "y", "z", attrs="[pool: four]\n"), dedent=False)
    r = t.run("-j4")
    t.rc(r, 0)
    t.eq(overlap(t, t.log()), 1, "most members of pool 'one' at once (log %r)" % t.log())
    os.unlink(t.path("log"))
    r = t.run("-j1", "wide")
    t.rc(r, 0)
    t.eq(overlap(t, t.log()), 1, "most jobs at once at -j1 (log %r)" % t.log())


@case
def pool_slots_taken(t):
    # pool 'p' has 3 slots; x and y take 2 each and never run at once; x and
    # z (1 slot) do
    t.taskfile("""
        n = 3
        pool p = {{n}}
        task all: x y z
        [pool: p 2]
        task x:
          echo "start x" >> log
          touch x.started
          %s
          echo "end x" >> log
        [pool: p 2]
        task y:
          echo "start y" >> log
          sleep 0.2
          echo "end y" >> log
        [pool: p]
        task z:
          touch z.started
          %s
    """ % (waits("z.started").strip(), waits("x.started").strip()))
    r = t.run("-j4")
    t.rc(r, 0)
    t.eq(overlap(t, t.log()), 1, "most of x and y at once (log %r)" % t.log())
    t.present("z.started")


@case
def pool_several_per_job(t):
    # j1 is in pools a and b (1 slot each): never at once with j2 (in a) or
    # j3 (in b); j2 and j3 run at once
    t.taskfile("pool a = 1\npool b = 1\ntask all: j1 j2 j3\n" +
               tasks("j1", attrs="[pool: a]\n[pool: b]\n") +
               waiter("j2", "j3", "[pool: a]\n").replace("task j2:\n", "task j2:\n  "
                                                         'echo "start j2" >> log\n') +
               "  echo 'end j2' >> log\n" +
               waiter("j3", "j2", "[pool: b]\n").replace("task j3:\n", "task j3:\n  "
                                                         'echo "start j3" >> log\n') +
               "  echo 'end j3' >> log\n", dedent=False)
    r = t.run("-j4")
    t.rc(r, 0)
    log = t.log()
    j1 = [i for i, l in enumerate(log) if l.endswith(" j1")]
    if j1[1] != j1[0] + 1:
        t.fail("another job ran while j1 did: %r" % log)


@case
def pool_of_pattern_rule_jobs(t):
    t.taskfile("""
        pool one = 1
        task all: out/a out/b out/c
        [pool: one]
        out/%:
          echo "start {{stem}}" >> log
          sleep 0.1
          echo "end {{stem}}" >> log
          touch {{out}}
    """)
    r = t.run("-j3")
    t.rc(r, 0)
    t.eq(overlap(t, t.log()), 1, "most jobs of pool 'one' at once (log %r)" % t.log())
    t.eq(sorted(starts(t.log())), ["a", "b", "c"], "the jobs that ran")


@case
def pool_errors(t):
    cases = [
        ("pool p = 0\ntask a:\n  true\n",
         "Taskfile:1:1: error: pool 'p' needs 1 slot or more, not '0'", "pool p = 0"),
        ("pool p = many\ntask a:\n  true\n",
         "Taskfile:1:1: error: pool 'p' needs 1 slot or more, not 'many'", "pool p = many"),
        ("pool p\ntask a:\n  true\n",
         "Taskfile:1:1: error: a pool is declared as 'pool NAME = SLOTS' or "
         "'pool NAME = SLOTS ordered'", "pool p"),
        ("pool p = 2 sorted\ntask a:\n  true\n",
         "Taskfile:1:1: error: a pool is declared as 'pool NAME = SLOTS' or "
         "'pool NAME = SLOTS ordered'", "pool p = 2 sorted"),
        ("pool console = 2\ntask a:\n  true\n",
         "Taskfile:1:1: error: 'console' is the pool of jobs that have the terminal: it "
         "cannot be declared", "pool console = 2"),
        ("[pool: nope]\ntask a:\n  true\n",
         "Taskfile:1:1: error: unknown pool 'nope' (declare it: pool nope = SLOTS)",
         "[pool: nope]"),
        ("pool p = 2\n[pool: p 3]\ntask a:\n  true\n",
         "Taskfile:2:1: error: 3 slots of pool 'p', which has 2", "[pool: p 3]"),
        ("[pool: console 2]\ntask a:\n  true\n",
         "Taskfile:1:1: error: 2 slots of pool 'console', which has 1", "[pool: console 2]"),
        ("pool p = 2\n[pool: p 0]\ntask a:\n  true\n",
         "Taskfile:2:1: error: a pool attribute is [pool: NAME] or [pool: NAME SLOTS], with "
         "SLOTS 1 or more", "[pool: p 0]"),
        ("pool p = 2\n[pool]\ntask a:\n  true\n",
         "Taskfile:2:1: error: the pool attribute needs a pool: [pool: NAME] or "
         "[pool: NAME SLOTS]", "[pool]"),
        ("pool p = 2\n[pool: p]\n[pool: p 2]\ntask a:\n  true\n",
         "Taskfile:3:1: error: pool 'p' is named twice for one rule", "[pool: p 2]"),
        ("[serial: yes]\ntask a:\n  true\n",
         "Taskfile:1:1: error: the serial attribute takes no value", "[serial: yes]"),
        ("[quiet: yes]\ntask a:\n  true\n",
         "Taskfile:1:1: error: the quiet attribute takes no value", "[quiet: yes]"),
    ]
    for text, first, token in cases:
        t.taskfile(text, dedent=False)
        r = t.run("a")
        t.diag(r, first, caret=token)
        t.out(r, "")


@case
def pool_declared_twice(t):
    t.taskfile("pool p = 2\ntask a:\n  true\npool p = 3\n", dedent=False)
    r = t.run("a")
    t.diag(r, "Taskfile:4:1: error: pool 'p' is declared twice (first at Taskfile:1:1)",
           caret="pool p = 3")
    t.eq(r.err.splitlines()[3:6], ["Taskfile:1:1: note: it is first declared here",
                                   "    pool p = 2", "    ^~~~~~~~~~"], "the note", r)


@case
def pool_word_is_still_a_name(t):
    # 'pool' starts a declaration only when followed by a name: a variable
    # and a file called pool are what they were
    t.taskfile("""
        pool = 3
        task a: pool
          echo {{pool}} $(cat pool)
        pool:
          echo made > pool
    """)
    r = t.run("-j1", "a")
    t.rc(r, 0)
    t.out(r, "[1/2] pool\n[2/2] a\n3 made\n")


@case
def pool_console_gets_baton_stdin(t):
    # not on a terminal, a console job still gets baton's standard input
    # (other jobs read /dev/null)
    t.taskfile("""
        task all: a b
        [pool: console]
        task a:
          read x
          echo "a read $x"
        task b:
          if read x; then echo "b read $x"; else echo "b read nothing"; fi
    """)
    with open(t.write("input", "typed\n"), "rb") as f:
        r = t.run("-j2", "--output=ordered", stdin=f)
    t.rc(r, 0)
    t.out(r, "[1/2] a\na read typed\n[2/2] b\nb read nothing\n")


@case
def pool_console_holds_the_end_of_a_job_that_succeeds(t):
    # b succeeds while the console job a still runs: what b's end shows is
    # held until a ends (under valgrind: nothing held is read unset)
    t.taskfile("""
        task all: a b
        [pool: console]
        task a:
          read x
          for i in $(seq 400); do [ -e b.done ] && break; sleep 0.05; done
          echo "a read $x"
        task b:
          echo "b ran"
          touch b.done
    """)
    with open(t.write("input", "typed\n"), "rb") as f:
        r = t.run("-j2", "--output=ordered", stdin=f)
    t.rc(r, 0)
    t.out(r, "[1/2] a\na read typed\n[2/2] b\nb ran\n")


# ------------------------------------------------------------ ordered pools


@case
def ordered_pool_of_one_in_declaration_order(t):
    # the work before each member ends in reverse order (d4 first); the
    # members still run one at a time, in the order declared
    t.taskfile("pool rep = 1 ordered\ntask all: r1 r2 r3 r4\n" +
               "".join("[pool: rep]\ntask r%d: d%d\n%s" % (i, i, indent(marks("r%d" % i, "0.05")))
                       for i in range(1, 5)) +
               "".join("task d%d:\n  %s  echo out-d%d\n" % (i, waits_taken("out-d%d" % (i + 1)), i)
                       for i in range(1, 4)) +
               "task d4:\n  echo out-d4\n", dedent=False)
    r = t.run("-j8")
    t.rc(r, 0)
    t.logged([w % i for i in range(1, 5) for w in ("start r%d", "end r%d")])


@case
def ordered_pool_of_two_starts_in_order(t):
    names = ["m%d" % i for i in range(1, 7)]
    t.taskfile("pool q = 2 ordered\ntask all: %s\n" % " ".join(reversed(names)) +
               tasks(*names, pause="0.1", attrs="[pool: q]\n"), dedent=False)
    r = t.run("-j6", "--output=stream")  # each job's line as baton starts it
    t.rc(r, 0)
    t.eq([l.split()[1] for l in r.out.splitlines()], names, "the order the members started in")
    if overlap(t, t.log()) > 2:
        t.fail("more than 2 members of pool 'q' ran at once: %r" % t.log())


@case
def ordered_pool_member_needs_a_later_one(t):
    t.taskfile("""
        pool p = 1 ordered
        task all: a b
        [pool: p]
        task a: b
          echo a >> log
        [pool: p]
        task b:
          echo b >> log
    """)
    r = t.run()
    t.diag(r, "Taskfile:4:1: error: 'a' cannot start before 'b' in ordered pool 'p': it "
           "needs it", caret="task a")
    t.eq(r.err.splitlines()[3:6], ["Taskfile:7:1: note: 'b' is declared after it, here",
                                   "    task b:", "    ^~~~~~"], "the note", r)
    t.nothing_ran()


@case
def ordered_pool_after_a_failed_member(t):
    # r2 fails: without -k, r3 and r4 do not start; with -k they do, in order
    t.taskfile("pool rep = 1 ordered\ntask all: r1 r2 r3 r4\n" +
               tasks("r1", pause="0", attrs="[pool: rep]\n") +
               "[pool: rep]\ntask r2:\n  echo 'start r2' >> log\n  exit 1\n" +
               tasks("r3", "r4", pause="0", attrs="[pool: rep]\n"), dedent=False)
    r = t.run("-j4")
    t.rc(r, 1)
    t.logged(["start r1", "end r1", "start r2"])
    os.unlink(t.path("log"))
    r = t.run("-j4", "-k")
    t.rc(r, 1)
    t.logged(["start r1", "end r1", "start r2", "start r3", "end r3", "start r4", "end r4"])


def doc_example(needle):
    """The code block of docs/taskfile.md that holds needle."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                        "taskfile.md")
    with open(path) as f:
        blocks = re.findall(r"^```\n(.*?)^```$", f.read(), re.M | re.S)
    found = [b for b in blocks if needle in b]
    if len(found) != 1:
        raise harness.Failure("expected one block with %r in docs/taskfile.md" % needle)
    return found[0]


# A curl for the example: "curl -fsSo OUT URL" writes OUT once the month
# after URL's is downloaded: the downloads end in the reverse of their order.
FAKE_CURL = """#!/bin/sh
out=$2 m=$(basename "$3" .csv)
next=$(echo jan feb mar apr may jun jul aug | tr ' ' '\\n' | sed -n "/^$m$/{n;p;}")
i=0
while [ -n "$next" ] && [ ! -e "data/$next.csv" ] && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i+1))
done
echo "$m" >> downloads.log
seq 1 5 > "$out.part" && mv "$out.part" "$out"
"""


@case
def ordered_pool_worked_example(t):
    # the documentation's example, with a curl that makes the eight
    # downloads end in reverse order: the report is still in month order
    t.taskfile(doc_example("pool report = 1 ordered"), dedent=False)
    t.write("bin/curl", FAKE_CURL, dedent=False)
    os.chmod(t.path("bin/curl"), 0o755)
    path = t.path("bin") + os.pathsep + os.environ.get("PATH", "")
    months = "jan feb mar apr may jun jul aug".split()
    r = t.run("-j8", env={"PATH": path})
    t.rc(r, 0)
    # they ran at once (one at a time, jan would have ended first)
    t.logged(months[::-1], "downloads.log")
    report = ["%s: 5 rows" % m for m in months]
    t.logged(report, "report.txt")
    t.eq(r.out.splitlines()[-9:], ["[17/17] report"] + report, "the end of stdout", r)


@case
def help_lists_the_output_options(t):
    r = t.run("--help")
    t.rc(r, 0)
    for opt in ("  -q, --quiet ", "      --output=MODE ", "      --color=WHEN ",
                "      --log TARGET "):
        t.contains(r.out, "\n" + opt, "--help", r)


@case
def output_ordered_lines_of_silent_jobs(t):
    # as in buffered mode, not on a terminal every job has its line, one
    # that printed nothing too; with -n and -v, its recipe under it
    t.taskfile("""
        task all: a b
          echo all
        task a:
          true
        task b:
          echo B
    """)
    r = t.run("-j2", "--output=ordered")
    t.rc(r, 0)
    t.out(r, "[1/3] a\n[2/3] b\nB\n[3/3] all\nall\n")
    r = t.run("-n", "--output=ordered")
    t.rc(r, 0)
    t.out(r, "[1/3] a\n    true\n[2/3] b\n    echo B\n[3/3] all\n    echo all\n")
    r = t.run("-v", "-j2", "--output=ordered")
    t.rc(r, 0)
    t.out(r, "[1/3] a\n    true\n[2/3] b\n    echo B\nB\n[3/3] all\n    echo all\nall\n")
