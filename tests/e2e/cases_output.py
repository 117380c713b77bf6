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
    used. Not checked under a wrapper such as valgrind.)"""
    base = to_file(t, "--version", out="version.txt")[2]
    if not harness.WRAPPER and kb - base > mib * 1024:
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
