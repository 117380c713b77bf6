"""Shared machinery for baton's end-to-end cases.

A case is a function taking a Ctx.  It writes real Taskfiles into a fresh
temporary directory, runs the real binary there and asserts on exit status,
files produced and exact messages.  A failed assertion raises Failure with an
explanation meant for the person fixing either the binary or the case.
"""

import difflib
import os
import shutil
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time

CASES = {}

# Every baton invocation gets this long before it counts as hung.
TIMEOUT = 30


# What a case's tags say about it (`@case(tags=...)`); `run.py --skip-tag TAG`
# leaves the cases with that tag out. tests/run runs every case in the normal
# and the sanitizer build, and under valgrind all but those tagged "huge" or
# "exec-failure".
TAGS = {
    "huge": "feeds baton 100,000 or more of something (targets, rules, words, "
            "inputs, nesting levels): seconds natively, up to a minute under "
            "valgrind, while other cases take the same code paths on small inputs",
    "many-runs": "runs baton a hundred times or more on the same code paths (a "
                 "log cut at every byte, a record rebuilt again and again): under "
                 "valgrind, whose own start takes a third of a second, a minute; "
                 "the sanitizer build runs them",
    "exec-failure": "checks what baton reports when a job's command cannot be "
                    "executed: valgrind runs vfork as fork, so the failure reaches "
                    "baton as exit status 127 (a script without #! included), or "
                    "valgrind itself dies (with $TMPDIR missing, say)",
}


def case(fn=None, *, tags=()):
    """Register fn as an end-to-end case named after the function; as
    @case(tags=("huge",)) with tags from TAGS."""
    def register(fn):
        if fn.__name__ in CASES:
            raise RuntimeError("duplicate case name %s" % fn.__name__)
        unknown = set(tags) - set(TAGS)
        if unknown:
            raise RuntimeError("case %s: unknown tag %s" % (fn.__name__, ", ".join(sorted(unknown))))
        fn.tags = frozenset(tags)
        CASES[fn.__name__] = fn
        return fn
    return register(fn) if fn else register


# A command to run baton under, e.g. "valgrind --error-exitcode=99 -q".
WRAPPER = os.environ.get("BATON_TEST_WRAPPER", "").split()


def alive(pid):
    """Whether pid runs (a zombie waiting to be reaped by init does not)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class Failure(Exception):
    pass


class Result:
    def __init__(self, argv, cwd, rc, out, err):
        self.argv = argv
        self.cwd = cwd
        self.rc = rc
        self.out = out
        self.err = err

    def describe(self):
        return ("command: %s\n  (in %s)\nexit status: %s\n--- stdout ---\n%s"
                "--- stderr ---\n%s--------------\n"
                % (" ".join(_sh_quote(a) for a in self.argv), self.cwd, self.rc,
                   _show(self.out), _show(self.err)))


def _show(text):
    if len(text) > 4000:
        text = text[:4000] + "\n... (%d more characters)\n" % (len(text) - 4000)
    if text and not text.endswith("\n"):
        text += "\n(no final newline)\n"
    return text


def _sh_quote(word):
    if word and re.fullmatch(r"[A-Za-z0-9_@%+=:,./-]+", word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


def _decode(data):
    return data.decode("utf-8", "surrogateescape")


def _diff(expected, actual):
    exp = expected.splitlines(keepends=True)
    act = actual.splitlines(keepends=True)
    lines = difflib.unified_diff(exp, act, "expected", "actual", lineterm="\n")
    return "".join(l if l.endswith("\n") else l + "\n(no final newline)\n"
                   for l in lines)


class Ctx:
    """One case's temporary directory and the binary under test."""

    def __init__(self, baton, root):
        self.baton = baton
        self.root = root
        self.last = None
        self.files_written = []

    # ---- files ---------------------------------------------------------
    def path(self, rel):
        return os.path.join(self.root, rel)

    def write(self, rel, content, dedent=True):
        """Write a file (str is dedented and UTF-8 encoded; bytes as is)."""
        if isinstance(content, str):
            if dedent:
                content = textwrap.dedent(content)
                if content.startswith("\n"):
                    content = content[1:]
            data = content.encode("utf-8", "surrogateescape")
        else:
            data = content
        p = self.path(rel)
        os.makedirs(os.path.dirname(p) or ".", exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        self.files_written.append((rel, data))
        return p

    def taskfile(self, content, rel="Taskfile", dedent=True):
        return self.write(rel, content, dedent)

    def read(self, rel):
        with open(self.path(rel), "rb") as f:
            return _decode(f.read())

    def exists(self, rel):
        return os.path.lexists(self.path(rel))

    def log(self, rel="log"):
        """Lines appended by recipes to the log file ([] if none ran)."""
        if not self.exists(rel):
            return []
        return self.read(rel).splitlines()

    def forget(self):
        """Remove baton's state log, as if the outputs were made by something else."""
        shutil.rmtree(self.path(".baton"), ignore_errors=True)

    def set_mtime(self, rel, ns):
        os.utime(self.path(rel), ns=(ns, ns))

    def stale_build(self, rule_extra=""):
        """A Taskfile whose rule out needs src and 64 more inputs (enough to
        be stated on the worker thread while the graph is built), with out
        newer than all of them and src 1000 s old: out is up to date until src
        changes. Returns that age of src, in ns since the epoch."""
        more = " ".join("in%d" % i for i in range(64))
        self.taskfile("out: src %s\n  cp src out && echo built >> log\n%s" % (more, rule_extra),
                      dedent=False)
        old = time.time_ns() - 1000 * 10**9
        for i in range(64):
            self.write("in%d" % i, "")
            self.set_mtime("in%d" % i, old)
        self.write("src", "new\n")
        self.set_mtime("src", old)
        self.write("out", "old\n")
        self.set_mtime("out", old + 10**9)
        return old

    def mtime(self, rel):
        return os.stat(self.path(rel)).st_mtime_ns

    def mkdir(self, rel):
        os.makedirs(self.path(rel), exist_ok=True)

    # ---- running -------------------------------------------------------
    def run(self, *args, cwd=None, env=None, timeout=TIMEOUT, merge=False,
            pass_fds=(), stdin=subprocess.DEVNULL, preexec_fn=None, peak=False):
        """Run baton with args; return a Result.  A hang fails the case.
        With peak, the Result's peak_kb is the most memory (resident) baton
        used, in KiB, for bounded() to check; else it is 0."""
        argv = WRAPPER + [self.baton] + list(args)
        peakfile = None
        if peak and not WRAPPER:
            # A child's ru_maxrss counts the memory of the process it was
            # forked from, up to its exec: this runner's, which many cases in
            # threads make large. A small process forks baton and says.
            peakfile = os.path.join(self.root, "..", os.path.basename(self.root) + ".peak")
            argv = [sys.executable, "-I", "-S", "-c", _PEAK, peakfile] + argv
        cwd = self.path(cwd) if cwd else self.root
        full_env = dict(os.environ)
        full_env["LC_ALL"] = "C"
        for k in ("MAKEFLAGS", "MFLAGS"):
            full_env.pop(k, None)
        if env:
            for k, v in env.items():
                if v is None:
                    full_env.pop(k, None)
                else:
                    full_env[k] = v
        proc = subprocess.Popen(
            argv, cwd=cwd, env=full_env, stdin=stdin, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge else subprocess.PIPE,
            pass_fds=pass_fds, start_new_session=True, preexec_fn=preexec_fn)
        out, err, rusage = _communicate(proc, timeout)
        if rusage is None:
            self.last = Result(argv, cwd, "TIMEOUT", _decode(out), _decode(err))
            raise Failure("baton did not finish within %d s\n%s"
                          % (timeout, self.last.describe()))
        err = wrapper_said(_decode(err), r"--\d+-- ")
        r = Result(argv, cwd, proc.returncode, _decode(out), err)
        r.peak_kb = 0
        if peakfile:
            with open(peakfile) as f:
                r.peak_kb = int(f.read())
            os.unlink(peakfile)
        self.last = r
        if r.rc < 0:
            raise Failure("baton itself died from signal %d (crash?)\n%s"
                          % (-r.rc, r.describe()))
        return r

    def spawn(self, *args, cwd=None):
        """Start baton without waiting (for signal tests)."""
        argv = WRAPPER + [self.baton] + list(args)
        cwd = self.path(cwd) if cwd else self.root
        env = dict(os.environ)
        env["LC_ALL"] = "C"
        return subprocess.Popen(argv, cwd=cwd, env=env,
                                stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE,
                                start_new_session=True)

    def wait_for(self, rel, seconds=10):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.exists(rel):
                return True
            time.sleep(0.02)
        return False

    # ---- assertions ----------------------------------------------------
    def fail(self, msg, r=None):
        r = r or self.last
        raise Failure(msg + ("\n" + r.describe() if r else ""))

    def bounded(self, r, mib):
        """baton used at most mib MiB of memory (not checked under a wrapper
        such as valgrind, whose own memory it would be, nor in a build with
        AddressSanitizer, whose shadow memory and quarantine it would be)."""
        if WRAPPER or sanitized(self.baton):
            return
        if not r.peak_kb:
            raise AssertionError("bounded() needs a run(..., peak=True)")
        if r.peak_kb > mib * 1024:
            self.fail("baton used %d MiB of memory, more than %d MiB"
                      % (r.peak_kb // 1024, mib), r)

    def rc(self, r, expected):
        if r.rc != expected:
            self.fail("expected exit status %d, got %s" % (expected, r.rc), r)

    def eq(self, actual, expected, what, r=None):
        if actual == expected:
            return
        if isinstance(expected, str) and isinstance(actual, str):
            detail = _diff(expected, actual)
            if not detail.strip():
                detail = "expected %r\nactual   %r\n" % (expected, actual)
        else:
            detail = "expected %r\nactual   %r\n" % (expected, actual)
        self.fail("%s differs from what the spec requires:\n%s" % (what, detail), r)

    def out(self, r, expected):
        """stdout is exactly expected (a dedented string)."""
        self.eq(r.out, textwrap.dedent(expected), "stdout", r)

    def err(self, r, expected):
        self.eq(r.err, textwrap.dedent(expected), "stderr", r)

    def logged(self, expected, rel="log"):
        """The log holds exactly these lines, in this order."""
        self.eq(self.log(rel), expected, "lines recipes wrote to '%s'" % rel)

    def nothing_ran(self, rel="log"):
        if self.log(rel):
            self.fail("nothing should have run, but recipes wrote %r to %s"
                      % (self.log(rel), rel))

    def present(self, rel):
        if not self.exists(rel):
            self.fail("expected file '%s' to exist; directory holds %r"
                      % (rel, sorted(_listing(self.root))))

    def absent(self, rel):
        if self.exists(rel):
            self.fail("file '%s' must not exist" % rel)

    def content(self, rel, expected):
        self.present(rel)
        self.eq(self.read(rel), expected, "content of '%s'" % rel)

    def match(self, pattern, text, what, r=None):
        if not re.search(pattern, text, re.M):
            self.fail("%s does not match /%s/:\n%s" % (what, pattern, _show(text)), r)

    def nomatch(self, pattern, text, what, r=None):
        if re.search(pattern, text, re.M):
            self.fail("%s must not match /%s/:\n%s" % (what, pattern, _show(text)), r)

    def contains(self, text, needle, what, r=None):
        if needle not in text:
            self.fail("%s should contain %r" % (what, needle), r)

    def lacks(self, text, needle, what, r=None):
        if needle in text:
            self.fail("%s must not contain %r" % (what, needle), r)

    def diag(self, r, first, caret=None, rc=2):
        """A Taskfile diagnostic: exit status rc, stderr's first line equal to
        `first` (a str) or matching it (a compiled regex), and when caret is
        given, the next two lines quote the source with `^~~` under that token."""
        self.rc(r, rc)
        lines = r.err.splitlines()
        if not lines:
            self.fail("expected a diagnostic on stderr, got nothing", r)
        if isinstance(first, str):
            if lines[0] != first:
                self.fail("first line of stderr differs:\nexpected %r\nactual   %r"
                          % (first, lines[0]), r)
        elif not first.fullmatch(lines[0]):
            self.fail("first line of stderr %r does not match /%s/"
                      % (lines[0], first.pattern), r)
        if caret is not None:
            self.caret(r, lines, 1, caret)
        self.quoted(r, lines)
        if "Segmentation" in r.err or "AddressSanitizer" in r.err:
            self.fail("crash report on stderr", r)

    def quoted(self, r, lines):
        """After `FILE:LINE:COL: error: ...` comes that source line indented
        4 spaces and a caret under COL (checked for plain ASCII lines)."""
        m = re.match(r"([^:]+):(\d+):(\d+): error: ", lines[0])
        if not m or not os.path.isfile(self.path(m.group(1))):
            return
        with open(self.path(m.group(1)), "rb") as f:
            text = f.read()
        src_lines = text.split(b"\n")
        line, col = int(m.group(2)), int(m.group(3))
        if not 1 <= line <= len(src_lines):
            self.fail("diagnostic points at line %d, the file has %d" % (line, len(src_lines)), r)
        src = src_lines[line - 1].rstrip(b"\r")
        if len(src) > 150 or re.search(rb"[^\x20-\x7e]", src):
            return
        src = src.decode()
        if col > len(src) + 1:
            self.fail("diagnostic points at column %d, line %d has %d characters"
                      % (col, line, len(src)), r)
        want = ["    " + src, "    " + " " * (col - 1) + "^"]
        got = lines[1:3]
        if len(got) < 2 or got[0] != want[0] or not re.fullmatch(
                re.escape(want[1]) + "~*", got[1]):
            self.fail("after the first line the diagnostic should quote the source "
                      "line and put a caret under column %d:\nexpected %r\nactual   %r"
                      % (col, want, got), r)

    def caret(self, r, lines, i, token):
        """lines[i] is the quoted source line (4-space indent) and lines[i+1]
        a caret line with ^ followed by ~ under exactly `token`."""
        if len(lines) < i + 2:
            self.fail("expected the source line and a caret line after line %d"
                      % i, r)
        src, mark = lines[i], lines[i + 1]
        if not src.startswith("    "):
            self.fail("quoted source line should be indented 4 spaces: %r" % src, r)
        m = re.fullmatch(r"( *)\^(~*)", mark)
        if not m:
            self.fail("malformed caret line %r" % mark, r)
        col, width = len(m.group(1)), 1 + len(m.group(2))
        under = src[col:col + width]
        if under != token:
            self.fail("caret marks %r in the quoted line, expected %r:\n%s\n%s"
                      % (under, token, src, mark), r)


def _listing(root):
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            yield os.path.relpath(os.path.join(dirpath, name), root)


def wrapper_said(err, lines):
    """err without the lines (a pattern: r"--\\d+-- ", valgrind's warnings)
    that a wrapper such as valgrind wrote, which are not baton's."""
    if not WRAPPER:
        return err
    return "".join(l for l in err.splitlines(True) if not re.match(lines, l))


_SANITIZED = {}


def sanitized(binary):
    """Whether binary was built with AddressSanitizer."""
    if binary not in _SANITIZED:
        with open(binary, "rb") as f:
            _SANITIZED[binary] = b"__asan_init" in f.read()
    return _SANITIZED[binary]


# The launcher of a run(peak=True): argv[1] is where to write the peak memory
# of the command in argv[2:], whose exit status or signal it ends with.
_PEAK = """
import os, signal, sys
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, st, ru = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(ru.ru_maxrss))
if os.WIFSIGNALED(st):
    signal.signal(os.WTERMSIG(st), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(st))
sys.exit(os.WEXITSTATUS(st))
"""


def _communicate(proc, timeout):
    """Read proc's stdout and stderr to the end and reap it: (out, err, rusage),
    rusage None if it had to be killed after timeout seconds.  (Popen.wait
    gives no resource usage: os.wait4 reaps it here instead.)"""
    data = {}

    def drain(f, key):
        data[key] = f.read() if f else b""

    readers = [threading.Thread(target=drain, args=(f, k), daemon=True)
               for f, k in ((proc.stdout, "out"), (proc.stderr, "err"))]
    for th in readers:
        th.start()
    end = time.monotonic() + timeout
    rusage = None
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            rusage = ru
            break
        if time.monotonic() > end:
            _kill_tree(proc)
            _, status, _ = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            break
        time.sleep(0.01)
    for th in readers:
        th.join(10)   # only baton writes there; its jobs have pipes of their own
    return data.get("out", b""), data.get("err", b""), rusage


def _kill_tree(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        proc.kill()
    except OSError:
        pass
