"""baton on a terminal: each case runs the real binary on a pseudo-terminal
(os.openpty), as its controlling terminal and in the foreground, reads every
byte it writes there, and plays those bytes on a minimal terminal (carriage
return, erase to the end of the line, newline, wrapping at the width) to see
what a person would see at the end. Keys are typed and the window resized
through the terminal's other side."""

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time

import harness
from harness import case

# the escape sequences baton may write: erase to the end of the line, and
# colours (select graphic rendition)
ERASE = b"\r\033[K"
SGR = re.compile(rb"\033\[[0-9;]*m")
STATUS = re.compile(r"^\[\d+/\d+\] \d+ running")


class Tty:
    """What baton wrote to the terminal: the bytes (raw), the lines left on
    the screen at the end (screen), and its exit status (rc)."""

    def __init__(self, argv, rc, raw, cols):
        self.argv = argv
        self.rc = rc
        self.raw = raw
        self.screen = screen(raw, cols)
        # for harness.Failure's report
        self.cwd = ""
        self.out = raw.decode("utf-8", "backslashreplace")
        self.err = "(on the terminal with stdout)\n"

    def describe(self):
        return ("command: %s\nexit status: %s\n--- bytes written to the terminal ---\n%r\n"
                "--- the screen at the end ---\n%s\n-------------------------------------\n"
                % (" ".join(self.argv), self.rc, self.raw, "\n".join(self.screen)))

    def statuses(self):
        """The texts of the status lines drawn: what comes before each erase
        after the last newline or erase."""
        texts = []
        for piece in re.split(rb"\r\n|\r\033\[K", self.raw):
            if piece and piece != self.raw and STATUS.match(piece.decode("utf-8", "replace")):
                texts.append(piece.decode("utf-8", "replace"))
        return texts


def screen(raw, cols=80):
    """The lines a terminal cols wide shows after raw is written to it, from
    an empty screen with the cursor at its top left, trailing blanks and
    colours left out. Fails on escape sequences baton has no business
    writing."""
    lines = [[]]
    row = col = 0
    text = raw.decode("utf-8", "replace")
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\033":
            m = re.match(r"\033\[([0-9;]*)([A-Za-z])", text[i:])
            if not m or m.group(2) not in "Km" or (m.group(2) == "K" and m.group(1)):
                raise harness.Failure("an escape sequence baton should not write: %r"
                                      % text[i:i + 10])
            if m.group(2) == "K":
                del lines[row][col:]
            i += len(m.group(0))
            continue
        if c == "\r":
            col = 0
        elif c == "\n":
            row += 1
            if row == len(lines):
                lines.append([])
        elif c == "\b":
            col = max(col - 1, 0)
        else:
            if col >= cols:  # wrap
                row, col = row + 1, 0
                if row == len(lines):
                    lines.append([])
            line = lines[row]
            while len(line) < col:
                line.append(" ")
            if col < len(line):
                line[col] = c
            else:
                line.append(c)
            col += 1
        i += 1
    return ["".join(l).rstrip() for l in lines]


def winsize(fd, cols, rows=24):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def on_tty(t, *args, cols=80, env=None, steps=(), timeout=harness.TIMEOUT):
    """Run baton with args on a new terminal cols wide and return a Tty.
    steps is a list of (when, then): when(raw, t) is asked each time
    something was read, until it is true; then then(master) is called and the
    next step waits. A step not reached, or a baton still running after
    timeout seconds, fails the case."""
    argv = harness.WRAPPER + [t.baton] + list(args)
    full_env = dict(os.environ)
    full_env.update({"LC_ALL": "C", "TERM": "xterm"})
    for k in ("MAKEFLAGS", "MFLAGS", "NO_COLOR"):
        full_env.pop(k, None)
    for k, v in (env or {}).items():
        if v is None:
            full_env.pop(k, None)
        else:
            full_env[k] = v
    master, slave = os.openpty()
    winsize(slave, cols)

    def controlling():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(argv, cwd=t.root, env=full_env, stdin=slave, stdout=slave,
                            stderr=slave, preexec_fn=controlling)
    os.close(slave)
    raw = b""
    steps = list(steps)
    end = time.monotonic() + timeout
    status = None
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: nothing has the terminal open any more
                    data = b""
                if not data:
                    break
                raw += data
            while steps and steps[0][0](raw, t):
                steps.pop(0)[1](master)
            if time.monotonic() > end:
                break
        while status is None and time.monotonic() < end:
            pid, st = os.waitpid(proc.pid, os.WNOHANG)
            if pid:
                status = os.waitstatus_to_exitcode(st)
            else:
                time.sleep(0.01)
    finally:
        if status is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
        os.close(master)
    r = Tty(argv, status if status is not None else "TIMEOUT", raw, cols)
    t.last = r
    if status is None:
        t.fail("baton did not finish within %d s on the terminal" % timeout, r)
    if steps:
        t.fail("baton ended before the case could type or resize (step %d not reached)"
               % (len(steps)), r)
    if status < 0:
        t.fail("baton itself died from signal %d" % -status, r)
    return r


def saw(needle):
    """A step's condition: baton has written needle."""
    return lambda raw, t: needle in raw


def exists(rel):
    """A step's condition: a job has made the file rel."""
    return lambda raw, t: t.exists(rel)


def taken(marker):
    """A step's condition: baton has taken the end of the job that printed
    marker (it is in .baton/output, written as baton takes a job's end)."""
    return lambda raw, t: (t.exists(".baton/output")
                           and marker in t.read(".baton/output"))


def typed(data):
    """A step's action: type data."""
    return lambda master: os.write(master, data)


def no_status_left(t, r):
    if any(STATUS.match(l) for l in r.screen):
        t.fail("a status line is left on the screen", r)


def go(t, rel="go", pause=0.5):
    """A step's action: after pause seconds (long enough for the status line
    to be drawn again on its timer), make the file rel that a job waits for."""
    def act(master):
        time.sleep(pause)
        t.write(rel, "")
    return act


def wait_for(rel):
    """Shell lines that wait (at most ~10 s) for the file rel."""
    return ("i=0; while [ ! -e %s ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n"
            % rel)


@case
def term_stream_partial_line_kept(t):
    # a job's line not ended yet stays as it is: the status line is not drawn
    # after it (and erased with it) before the line ends
    t.taskfile("task a:\n  printf abc\n  " + wait_for("go") + "  echo def\n", dedent=False)
    r = on_tty(t, "-j1", steps=[(saw(b"abc"), go(t))])
    t.rc(r, 0)
    t.eq(r.screen, ["[1/1] a", "abcdef", ""], "the screen at the end", r)


def console_session(t, r, name="a"):
    """The screen's lines from the console job's line to its last line
    ("got ..."), checked to be there."""
    lines = r.screen
    start = [i for i, l in enumerate(lines) if re.fullmatch(r"\[\d+/\d+\] %s" % name, l)]
    end = [i for i, l in enumerate(lines) if l.startswith("got ")]
    if len(start) != 1 or len(end) != 1 or start[0] > end[0]:
        t.fail("expected one line '[i/N] %s' and after it one line 'got ...'" % name, r)
    return lines[start[0]:end[0] + 1]


@case
def term_console_job_reads_what_is_typed(t):
    t.taskfile("""
        [pool: console]
        task ask:
          printf 'name? '
          read name
          echo "hello $name"
    """)
    r = on_tty(t, steps=[(saw(b"name? "), typed(b"joe\n"))])
    t.rc(r, 0)
    t.eq(r.screen, ["[1/1] ask", "name? joe", "hello joe", ""], "the screen at the end", r)


@case
def term_console_holds_what_ends_meanwhile(t):
    # b ends while the console job waits for a key: its line, its output and
    # its failure wait until the console job has ended, in every mode
    t.taskfile("""
        task all: a b
        [pool: console]
        task a:
          printf 'name? '
          read x
          echo "got $x"
        task b:
          echo B-one
          echo B-two
          exit 3
    """)
    for mode in ("buffered", "stream", "prefixed", "ordered"):
        t.forget()
        r = on_tty(t, "-j2", "-k", "--output=" + mode,
                   steps=[(saw(b"name? "), lambda m: None), (taken("B-two"), typed(b"joe\n"))])
        t.rc(r, 1)
        session = console_session(t, r)
        t.eq(session[1:], ["name? joe", "got joe"], "the console job's lines (%s)" % mode, r)
        after = r.screen[r.screen.index("got joe") + 1:r.screen.index("baton: what failed:")]
        shown = [l for l in after if "B-" in l]
        want = ["[b] B-one", "[b] B-two"] if mode == "prefixed" else ["B-one", "B-two"]
        t.eq(shown, want, "b's output after the console job's (%s)" % mode, r)
        if not any("error: 'b' failed: exit status 3" in l for l in after):
            t.fail("b's failure should come after the console job's lines (%s)" % mode, r)


@case
def term_console_holds_what_runs_meanwhile(t):
    # b prints before, while and after the console job runs: what it printed
    # meanwhile comes once the console job has ended, nothing twice or lost
    t.taskfile("""
        task all: a b
        [pool: console]
        task a: c
          printf 'name? '
          read x
          echo "got $x"
        task c:
          %s
        task b:
          echo B-before
          touch b.started
          %s
          echo B-after
    """ % (wait_for("b.started").strip(), wait_for("typed").strip()))
    for mode in ("buffered", "stream", "prefixed", "ordered"):
        t.forget()
        for f in ("b.started", "typed"):
            if t.exists(f):
                os.unlink(t.path(f))

        def answer(master):
            os.write(master, b"joe\n")
            t.write("typed", "")
        r = on_tty(t, "-j3", "--output=" + mode, steps=[(saw(b"name? "), answer)])
        t.rc(r, 0)
        session = console_session(t, r)
        t.eq(session[1:], ["name? joe", "got joe"], "the console job's lines (%s)" % mode, r)
        shown = [l for l in r.screen if "B-" in l]
        want = ["B-before", "B-after"]
        if mode == "prefixed":
            want = ["[b] " + w for w in want]
        t.eq(shown, want, "b's output on the screen (%s)" % mode, r)
        t.eq(t.run("--log", "b").out, "B-before\nB-after\n", "baton --log b (%s)" % mode)


@case
def term_status_line_fits_the_width(t):
    # the status line is cut to the terminal's width less one column, names
    # first ("..."), so that the clock stays; when the window is narrowed
    # (SIGWINCH), it is drawn again to the new width
    a, b = "job_with_a_rather_long_name_one", "job_with_a_rather_long_name_two"
    t.taskfile("task all: %s %s\n" % (a, b) +
               "".join("task %s:\n  %s" % (n, wait_for("go")) for n in (a, b)), dedent=False)
    at = []

    def both_running(raw, t):
        if re.search(rb"2 running[^\r]*\r\033\[K", raw):
            at.append(len(raw))
            return True
        return False

    def narrow(master):
        winsize(master, 30)
        at.append(None)

    def wide_drawn(raw, t):
        return True

    r = on_tty(t, "-j2", cols=60, steps=[(both_running, narrow), (wide_drawn, go(t))])
    t.rc(r, 0)
    before = Tty(r.argv, r.rc, r.raw[:at[0]], 60).statuses()
    after = Tty(r.argv, r.rc, r.raw[at[0]:], 30).statuses()
    if not after:
        t.fail("no status line after the window was narrowed", r)
    for texts, cols in ((before, 60), (after[1:], 30)):
        for s in texts:
            if len(s) > cols - 1 or not re.search(r"  \d:\d\d$", s):
                t.fail("a status line of %d columns, or without its clock, on a terminal of "
                       "%d: %r" % (len(s), cols, s), r)
    if not any(re.fullmatch(r"\[0/2\] 2 running: (%s|%s) j\.\.\.  0:0\d" % (a, b), s)
               for s in before):
        t.fail("on 60 columns the second name should be cut to keep the clock", r)
    t.eq(r.screen, [""], "the screen at the end", r)


def two_at_once():
    """Tasks a and b that run at once (each waits for the other to start),
    print a line each, b after a has ended."""
    return ("task all: a b\n"
            "task a:\n  touch a.started\n  %s  echo out-a\n"
            "task b:\n  touch b.started\n  %s  %s  echo out-b\n"
            % (wait_for("b.started"), wait_for("a.started"), wait_for("a.done"))
            ).replace("  echo out-a\n", "  echo out-a\n  touch a.done\n")


@case
def term_status_line_redrawn_in_place(t):
    # a and b run until the status line has shown them both running
    # (b, after a's end has reached .baton/output)
    t.taskfile("task all: a b\n"
               "task a:\n  %s  echo out-a\n"
               "task b:\n  %s  %s  echo out-b\n"
               % (wait_for("go"), wait_for("go"),
                  "i=0; until grep -q out-a .baton/output 2>/dev/null || [ $i -ge 100 ]; do "
                  "sleep 0.1; i=$((i+1)); done\n"), dedent=False)
    both = re.compile(rb"\[0/2\] 2 running: (a b|b a)  0:\d\d\r\033\[K")
    steps = [(lambda raw, t: both.search(raw), lambda m: t.write("go", ""))]
    r = on_tty(t, "-j2", steps=steps)
    t.rc(r, 0)
    if ERASE not in r.raw:
        t.fail("the status line should be erased with \\r\\033[K to be drawn again", r)
    texts = r.statuses()
    for s in texts:
        if not re.fullmatch(r"\[[0-2]/2\] [0-2] running(: [ab]( [ab])?)?  0:\d\d", s):
            t.fail("a status line that is not '[i/2] K running: names  m:ss': %r" % s, r)
    if not any(re.fullmatch(r"\[0/2\] 2 running: (a b|b a)  0:\d\d", s) for s in texts):
        t.fail("no status line with both jobs running", r)
    if not any(re.fullmatch(r"\[1/2\] 1 running: b  0:\d\d", s) for s in texts):
        t.fail("no status line with a ended and b running", r)
    # what is left: the jobs' lines and output, no status line
    t.eq(r.screen, ["[1/2] a", "out-a", "[2/2] b", "out-b", ""], "the screen at the end", r)
    # the second time, the durations recorded give an estimate of what is left
    for f in ("go", ".baton/output"):
        os.unlink(t.path(f))
    r = on_tty(t, "-j2", steps=[(saw(b" left\r\033[K"), lambda m: t.write("go", ""))])
    t.rc(r, 0)
    if not any(re.search(r"  0:\d\d, ~0:\d\d left$", s) for s in r.statuses()):
        t.fail("no estimate of the time left on the second run", r)
    t.eq(r.screen, ["[1/2] a", "out-a", "[2/2] b", "out-b", ""], "the screen at the end", r)


@case
def term_default_modes(t):
    # on a terminal, buffered (the default at -j2) shows no line for a job
    # that printed nothing (the status line showed it); stream (the default
    # at -j1) shows every job's line as it starts
    t.taskfile("task all: a b\ntask a:\n  true\ntask b:\n  echo out-b\n", dedent=False)
    r = on_tty(t, "-j2")
    t.rc(r, 0)
    if len(r.screen) != 3 or not re.fullmatch(r"\[[12]/2\] b", r.screen[0]):
        t.fail("expected only b's line (numbered as it ended) and its output", r)
    t.eq(r.screen[1:], ["out-b", ""], "the screen at the end (-j2)", r)
    t.forget()  # (no durations: the jobs start in the order declared)
    r = on_tty(t, "-j1")
    t.rc(r, 0)
    t.eq(r.screen, ["[1/2] a", "[2/2] b", "out-b", ""], "the screen at the end (-j1)", r)


@case
def term_prefixed_has_no_job_lines(t):
    # on a terminal the status line says what runs: --output=prefixed
    # prints only the prefixed lines
    t.taskfile(two_at_once(), dedent=False)
    r = on_tty(t, "-j2", "--output=prefixed", env={"NO_COLOR": "1"})
    t.rc(r, 0)
    t.eq(r.screen, ["[a] out-a", "[b] out-b", ""], "the screen at the end", r)


@case
def term_colours(t):
    t.taskfile("""
        task all: a b
        task a:
          echo out-a
        task b: in
          exit 2
    """)
    t.write("in", "x\n")
    t.set_mtime("in", time.time_ns() + 3600 * 10**9)
    r = on_tty(t, "-j1", "-k")
    t.rc(r, 1)
    for needle in (b"[1/2] \033[1ma\033[0m\r\n",
                   b"baton: \033[33mwarning:\033[0m 'in' has a modification time in the future",
                   b"\033[1mTaskfile:4:1:\033[0m \033[1;31merror:\033[0m 'b' failed: exit status 2",
                   b"  \033[1mb\033[0m: \033[31mexit status 2\033[0m after "):
        if needle not in r.raw:
            t.fail("expected %r on the terminal" % needle, r)
    # no colour: with NO_COLOR or --color=never (the status line stays)
    for env, args in (({"NO_COLOR": "1"}, []), ({}, ["--color=never"])):
        t.forget()  # (the same order of jobs)
        r = on_tty(t, "-j1", "-k", *args, env=env)
        t.rc(r, 1)
        if SGR.search(r.raw):
            t.fail("a colour with %s" % (env or args), r)
        if ERASE not in r.raw:
            t.fail("no status line with %s" % (env or args), r)
        t.eq(r.screen[:2], ["baton: warning: 'in' has a modification time in the future",
                            "[1/2] a"], "the first lines", r)


@case
def term_dumb_gets_plain_lines(t):
    # TERM=dumb: no escape sequence at all, no status line: the lines of a
    # pipe, even with --color=auto
    t.taskfile("task all: a b\ntask a:\n  echo out-a\ntask b:\n  exit 2\n", dedent=False)
    r = on_tty(t, "-j1", "-k", env={"TERM": "dumb"})
    t.rc(r, 1)
    if b"\033" in r.raw or re.search(rb"\r(?!\n)", r.raw):
        t.fail("escape sequences or carriage returns with TERM=dumb", r)
    t.eq(r.raw.decode().split("baton: what failed:")[0],
         "[1/2] a\r\nout-a\r\n[2/2] b\r\nTaskfile:4:1: error: 'b' failed: exit status 2\r\n"
         "    task b:\r\n    ^~~~~~\r\n", "what is written", r)


@case
def term_quiet_is_only_the_jobs_output(t):
    t.taskfile(two_at_once(), dedent=False)
    r = on_tty(t, "-q", "-j2")
    t.rc(r, 0)
    t.eq(r.raw, b"out-a\r\nout-b\r\n", "what is written to the terminal", r)


@case
def term_job_reading_the_terminal_fails(t):
    # outside the console pool a job is in the background: reading the
    # terminal stops it (SIGTTIN); it is killed and fails with a message
    # instead of waiting for ever, and so is one that sets the terminal up
    t.taskfile("""
        task builtin:
          read x < /dev/tty
        task external:
          echo before
          head -n 1 /dev/tty
          echo after
        task setup:
          stty -echo < /dev/tty
    """)
    for task, sig, what in (("builtin", "SIGTTIN", "read from"), ("external", "SIGTTIN", "read from"),
                            ("setup", "SIGTTOU", "use")):
        r = on_tty(t, task, cols=200, timeout=20)
        t.rc(r, 1)
        verb = "reads from" if what == "read from" else "uses"
        msg = ("error: '%s' failed: it stopped to %s the terminal (%s): a job that %s the "
               "terminal goes in [pool: console]" % (task, what, sig, verb))
        if not any(l.endswith(msg) for l in r.screen):
            t.fail("expected the line ...%r" % msg, r)
    t.nomatch(r"^after$", "\n".join(r.screen), "the screen")
