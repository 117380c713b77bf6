#!/usr/bin/env python3
"""Property-based test of baton's incremental builds.

    python3 prop.py BATON --seed S --cases N [--jobs-list 1,2,16]

Each case generates a random build graph over a few source files: explicit
rules (some with two outputs, some with order-only inputs), chained pattern
rules, rules with `[depfile: ...]` whose recipe reads "inc FILE" lines from
its inputs and lists the files it read in a make-style depfile, rules with
`[content]` and `[precious]`, and two-output rules whose second output reads
none of the inputs (a job run for an input leaves it as it was). Every recipe
appends "S outputs" to the file `runlog` when it starts and "E outputs" when
it ends, and writes into each output the POSIX cksum of a line naming the
output, the rule's version (and the variable `salt` for some), and the
contents of its inputs and of the files it included. This script computes
every expected output itself; it never takes baton's word for anything.

A case then alternates random edits with builds. Edits: source contents
changed with a new mtime, with the SAME mtime (size changed, or same size and
a new inode), with an mtime moved backwards or into the future, touched
without a content change, written over in place with size, inode and mtime
kept (only the ctime tells), their mode changed; includes added/removed,
headers changed, deleted and recreated; outputs deleted, touched
(forwards/backwards) or appended to; depfiles deleted; recipes changed
(version, a no-op line, write-if-changed versus always-write, `#!` or not,
`{{salt}}` used or not); the outputs of a two-output rule reordered; a
two-output rule split in two (and the first half built alone) and two rules
merged; a damaged line added to the state log, which the next build compacts
as it loads it; the variable `salt` changed in the Taskfile or overridden on
the command line; inputs and order-only inputs added, removed, reordered;
Taskfile edits that change no recipe (indentation, comments, doc comments,
rule order, spacing); the state directory `.baton` deleted. Builds: at -j from
--jobs-list, sometimes with -k, -B, --explain, --content, only some targets,
from a subdirectory, with -C or -f; a job made to fail (exit early, after
writing a placeholder, or after writing its outputs, or exit 0 without writing
its depfile); SIGINT or SIGKILL sent to baton at a random moment; SIGINT,
SIGTERM, SIGHUP or SIGKILL (sometimes twice) while a job hangs; the output
pipe closed after one line; two batons started at once; -n.

The model is that of docs/taskfile.md ("When a rule runs", "Attributes", "The
state directory", "Running and output"): the test keeps what baton's log must
hold for every job (recipe, success, stat data of inputs, outputs and depfile
inputs, contents for [content]) and decides from it which jobs must run, which
may (when the log may hold one of several records, after an interrupt or a
kill) and which must not: restat per output, contents compared for inputs made
in the same build too, records written again when a rule is found up to date
by its contents. An output whose stat data differs in any field but its ctime
from what its last run left (one edited by hand too) makes its rule run. Edits
no tool could see (a content change keeping size, mtime, inode and ctime) are
never made. After each build it checks:

  P1 outputs  after a successful build every output equals the value computed
              here; a build never changes a source file.
  P2 clean    the outputs equal those of a from-scratch build of a copy of
              the same sources in another directory (at another -j).
  P3 minimal  exactly the jobs that had to run ran, each at most once, each
              after the jobs making its inputs; `[i/N]` and --explain lines
              match; an immediate rerun runs nothing and prints
              `baton: nothing to do`.
  P4 revert   edit, build, revert, build gives back the first build's outputs.
  P5 jobs     every build picks its -j from --jobs-list; results are checked
              against the same model whatever -j was used, and each clean
              build of P2 runs at another -j than the build it is compared with.
  P6 failure  a failed or interrupted job's outputs that it created or
              modified are deleted (unless [precious]) and reported, the exit
              status and messages are as specified, a signal stops a hanging
              job, no job process outlives baton, and the next build satisfies
              P1-P3.
  P7 dry-run  -n lists the planned jobs and changes nothing.
  P8 lock     of two batons started at once, one does the work.

A failure prints the seed, the case, the Taskfile, the edit history and the
violated property, and leaves the case directory for inspection.  The last
line printed is "N passed, N failed" (cases).
"""

import argparse
import copy
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

TIMEOUT = 120          # seconds before a baton run counts as hung
STOP = 15              # seconds baton may take to stop after a signal while a job hangs
PARTIAL = b"partial-output-written-by-a-job-that-did-not-finish\n"


# --------------------------------------------------------------------------
# POSIX cksum, to compute expected outputs without running anything.

def _crc_table():
    table = []
    for i in range(256):
        c = i << 24
        for _ in range(8):
            c = ((c << 1) ^ 0x04C11DB7) if c & 0x80000000 else (c << 1)
        table.append(c & 0xFFFFFFFF)
    return table


_CRC = _crc_table()


def cksum(data):
    """What `cksum` prints for data on its standard input."""
    crc = 0
    for b in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC[(crc >> 24) ^ b]
    n = len(data)
    while n:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC[(crc >> 24) ^ (n & 0xFF)]
        n >>= 8
    return b"%d %d\n" % (~crc & 0xFFFFFFFF, len(data))


# --------------------------------------------------------------------------
# The model.

class Violation(Exception):
    def __init__(self, prop, msg):
        Exception.__init__(self, "%s: %s" % (prop, msg))
        self.prop = prop
        self.msg = msg


class Rule:
    """An explicit rule (outs are paths) or a pattern rule (outs[0] has %)."""

    def __init__(self, kind, num, outs, ins):
        self.kind = kind            # "explicit" or "pattern"
        self.num = num
        self.outs = outs
        self.ins = ins              # may contain % for pattern rules
        self.oo = []                # order-only inputs
        self.stems = []             # pattern rules: the stems `all` asks for
        self.ver = 0
        self.style = "wic"          # "wic" (write if changed), "direct", "python"
        self.partial = False        # direct: write a placeholder output first
        self.half = False           # two outputs: the second from none of the inputs
        self.depfile = None         # the [depfile: ...] value
        self.dfmt = "cont"          # how the depfile is written: cont, line, crlf, mp
        self.shebang = False
        self.salt = False
        self.noise = 0              # a recipe line that changes nothing
        self.content = False        # [content]
        self.precious = False       # [precious]
        self.fail = None            # (when, exit status), when in early/partial/late,
        # or nodep: it exits 0 without writing its depfile
        # Formatting only: changing these must change nothing.
        self.indent = "    "
        self.doc = False
        self.comment = False
        self.space = 1

    def ctl(self):
        """The ctl/ file the job runs first if it exists (recipe form): the test
        writes `exit N` or `sleep 60` there to make the job fail or hang."""
        if self.kind == "pattern":
            return "ctl/p%d-{{stem}}" % self.num
        return "ctl/" + self.outs[0].replace("/", "_")

    def recipe(self):
        """The recipe lines, unexpanded and unindented."""
        if self.style == "python":
            return self._python()
        salt = " {{salt}}" if self.salt else ""
        lines = []
        if self.shebang:
            lines.append("#!/bin/sh -e")
        lines.append("echo S {{out}} >> runlog")
        lines.append("if [ -e %s ]; then . ./%s; fi" % (self.ctl(), self.ctl()))
        if self.noise:
            lines.append(": note %d" % self.noise)
        when, code = self.fail or (None, 0)
        if when == "early":
            lines.append("exit %d" % code)
        if self.depfile:
            # The files named by "inc" lines of the inputs, one a line (names may
            # have spaces), those that exist.
            lines.append("inc=$(sed -n 's/^inc //p' {{in}} | sort -u); "
                         "IFS=$(printf '\\nx'); IFS=${IFS%x}; ex=; "
                         "for f in $inc; do if [ -e \"$f\" ]; then ex=\"$ex$f$IFS\"; fi; done")
        if when == "partial" or (self.style == "direct" and self.partial):
            lines.append("for o in {{out}}; do echo %s > \"$o\"; done"
                         % PARTIAL.decode().strip())
        if when == "partial":
            lines.append("exit %d" % code)
        cat = "cat {{in}}"
        if self.depfile:
            cat += "; for f in $ex; do cat \"$f\"; done"
        # With half, the second output is made from none of the inputs: a job
        # that runs for an input leaves it as it was (restat is per output).
        for outs, body in ([("{{out[0]}}", cat), ("{{out[1]}}", ":")] if self.half
                           else [("{{out}}", cat)]):
            if self.style == "wic":
                # Write if changed: a new file (new inode) only when the content changes.
                lines.append('for o in %s; do { echo "$o" v%d%s; %s; } | cksum > "$o.tmp"; '
                             'if cmp -s "$o.tmp" "$o"; then rm -f "$o.tmp"; '
                             'else mv -f "$o.tmp" "$o"; fi; done' % (outs, self.ver, salt, body))
            else:
                # Always rewrite the output in place (same inode).
                lines.append('for o in %s; do { echo "$o" v%d%s; %s; } | cksum > "$o"; done'
                             % (outs, self.ver, salt, body))
        if when == "nodep":
            lines.append("rm -f %s" % self.depfile)
        elif self.depfile:
            if "/" in self.depfile.replace("{{out}}", ""):
                lines.append("mkdir -p " + self.depfile.rsplit("/", 1)[0])
            esc = ('case $f in *" "*) f=$(printf %s "$f" | sed \'s/ /\\\\ /g\');; esac; ')
            sep, end = {"cont": (" \\\\\\n ", "\\n"), "mp": (" \\\\\\n ", "\\n"),
                        "line": (" ", "\\n"), "crlf": (" \\\\\\r\\n ", "\\r\\n")}[self.dfmt]
            extra = ""
            if self.dfmt == "mp":       # like gcc -MP: an empty rule for each header
                extra = " for f in $ex; do %sprintf '%%s:\\n' \"$f\"; done;" % esc
            lines.append("{ printf '%%s:' {{out[0]}}; for f in {{in}} $ex; do %s"
                         "printf '%s%%s' \"$f\"; done; printf '%s';%s } > %s"
                         % (esc, sep, end, extra, self.depfile))
        if when == "late":
            lines.append("exit %d" % code)
        lines.append("echo E {{out}} >> runlog")
        return lines

    def _python(self):
        salt = " {{raw(salt)}}" if self.salt else ""
        when, code = self.fail or (None, 0)
        lines = [
            "#!/usr/bin/env python3",
            "import os, subprocess, sys",
            'outs = "{{raw(out)}}".split()',
            'ins = "{{raw(in)}}".split()',
            'with open("runlog", "a") as log:',
            '    log.write("S %s\\n" % " ".join(outs))',
            'if os.path.exists("%s"):' % self.ctl().replace("{{stem}}", "{{raw(stem)}}"),
            '    r = subprocess.run(["/bin/sh", "-e", "%s"])'
            % self.ctl().replace("{{stem}}", "{{raw(stem)}}"),
            "    sys.exit(r.returncode)",
        ]
        if self.noise:
            lines.append("note = %d" % self.noise)
        if when == "early":
            lines.append("sys.exit(%d)" % code)
        if when == "partial":
            lines += ["for o in outs:",
                      '    with open(o, "wb") as f:',
                      '        f.write(b"%s\\n")' % PARTIAL.decode().strip(),
                      "sys.exit(%d)" % code]
        lines += [
            "for o in outs:",
            '    data = ("%%s v%d%s\\n" %% o).encode()' % (self.ver, salt),
            "    for i in ins:",
            '        with open(i, "rb") as f:',
            "            data += f.read()",
            '    r = subprocess.run(["cksum"], input=data, stdout=subprocess.PIPE, check=True)',
            '    with open(o + ".tmp", "wb") as f:',
            "        f.write(r.stdout)",
            '    os.replace(o + ".tmp", o)',
        ]
        if when == "late":
            lines.append("sys.exit(%d)" % code)
        lines += ['with open("runlog", "a") as log:',
                  '    log.write("E %s\\n" % " ".join(outs))']
        return lines


class Edge:
    """One job: an explicit rule or an instance of a pattern rule."""

    def __init__(self, rule, outs, ins, oo, stem):
        self.rule = rule
        self.outs = outs
        self.ins = ins
        self.oo = oo
        self.stem = stem
        self.key = outs[0]
        if rule.kind == "pattern":
            self.ctl = "ctl/p%d-%s" % (rule.num, stem)
        else:
            self.ctl = rule.ctl()
        self.depfile = None
        if rule.depfile:
            self.depfile = rule.depfile.replace("{{out}}", outs[0]).replace(
                "{{stem}}", stem or "")


class Rec:
    """What baton's log must hold for an edge after its last run."""

    def __init__(self, recipe, ok, ins=None, outs=None, deps=None, data=None, hashed=False):
        self.recipe = recipe
        self.ok = ok
        self.ins = ins or {}
        self.outs = outs or {}
        self.deps = deps or {}
        self.data = data or {}     # contents of inputs and deps, for [content]
        self.hashed = hashed       # it holds their hashes ([content] or --content)

    def __repr__(self):
        return "Rec(%s)" % ("ok" if self.ok else "failed")


class Snap:
    """stat data (mtime, size, inode, ctime) and contents of a set of paths
    under root."""

    def __init__(self, root, paths):
        self.st = {}
        self.data = {}
        for p in paths:
            full = os.path.join(root, p)
            try:
                s = os.stat(full)
                with open(full, "rb") as f:
                    self.data[p] = f.read()
                self.st[p] = (s.st_mtime_ns, s.st_size, s.st_ino, s.st_ctime_ns)
            except FileNotFoundError:
                self.st[p] = None
                self.data[p] = None


def tagged_pids(tag):
    """Processes whose environment has our tag: baton's jobs and their children."""
    item = ("BATON_PROP_TAG=" + tag).encode()
    pids = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return pids
    for d in names:
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                env = f.read()
        except OSError:
            continue
        if item in env.split(b"\0"):
            pids.append(int(d))
    return pids


def tagged_running(tag, argv):
    """Whether one of our processes runs argv (a list of words)."""
    want = b"\0".join(w.encode() for w in argv) + b"\0"
    for pid in tagged_pids(tag):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                if f.read() == want:
                    return True
        except OSError:
            pass
    return False


def kill_tagged(tag):
    for _ in range(200):
        pids = tagged_pids(tag)
        if not pids:
            return
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)


class Build:
    """The result of one baton run."""

    def __init__(self, argv, rc, out, err, elapsed, sent=None):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err
        self.elapsed = elapsed
        self.sent = sent            # the signal sent, if any

    def describe(self):
        def show(t):
            if len(t) > 6000:
                t = t[:3000] + "\n...\n" + t[-3000:]
            return t if t.endswith("\n") or not t else t + "\n"
        return ("$ baton %s\nexit status %s%s\n--- stdout ---\n%s--- stderr ---\n%s"
                % (" ".join(self.argv), self.rc,
                   " (after %s)" % self.sent if self.sent else "",
                   show(self.out), show(self.err)))

    def progress(self):
        """[(i, n, name)] from the `[i/N] name` lines."""
        res = []
        for line in self.out.splitlines():
            m = re.match(r"^\[(\d+)/(\d+)\] (\S.*)$", line)
            if m:
                res.append((int(m.group(1)), int(m.group(2)), m.group(3)))
        return res


class Case:
    def __init__(self, args, seed, num, root):
        self.baton = args.baton
        self.args = args
        self.rng = random.Random("%s-%d" % (seed, num))
        self.num = num
        self.root = root
        self.dir = os.path.join(root, "work")
        self.tmp = os.path.join(root, "tmp")
        self.tag = "%d-%d-%d" % (os.getpid(), num, random.randrange(1 << 30))
        self.jobs_list = args.jobs_list
        self.history = []
        self.cands = {}            # edge key -> [Rec or None]: what the log may hold
        self.seen = {}             # path -> set of stats it ever had
        self.clock = time.time_ns() - 10 ** 12
        self.t_start = 0.005       # seconds baton takes with nothing to do
        self.t_job = 0.005         # seconds a job takes
        self.builds = 0
        self.last_build = None
        self.work_j = None         # the -j of the last build that ran jobs
        self.salt = "a0"
        self.cli_salt = None
        self.always = False
        self.content_build = False  # this build compares contents (--content)
        self.order = []            # order of rules in the Taskfile
        self.ctl = {}              # ctl/ file -> what it holds
        self.header_line = {}      # rule -> line of its header in the Taskfile
        self.stats = {"builds": 0}
        self.last_ok = False

    # ---------------------------------------------------------------- setup

    def log(self, text):
        self.history.append(text)

    def count(self, what):
        self.stats[what] = self.stats.get(what, 0) + 1

    def generate(self):
        rng = self.rng
        size = rng.random()
        if size < 0.4:
            nrules = rng.randint(1, 8)
        elif size < 0.85:
            nrules = rng.randint(9, 40)
        else:
            nrules = rng.randint(41, 200)
        nsrc = rng.randint(2, 20)
        nhdr = rng.randint(0, 6)
        self.srcnames = ["src/s%02d" % i for i in range(nsrc)]
        self.hdrnames = [("inc/h %d" if rng.random() < 0.3 else "inc/h%d") % i
                         for i in range(nhdr)]
        self.sources = {}
        for s in self.srcnames:
            self.sources[s] = self.src_text(s, rng.randint(4, 12), self.pick_incs())
        for h in self.hdrnames:
            self.sources[h] = b"header %s %x\n" % (h.encode(), rng.randrange(1 << 32))
        self.rules = []
        npat = rng.choice([0, 0, 1, 1, 2, 3]) if nrules > 3 else 0
        pats = []
        for k in range(npat):
            stem_in = "src/%" if k == 0 or rng.random() < 0.5 else \
                "p%d/%%.o" % rng.randrange(k)
            ins = [stem_in] + rng.sample(self.srcnames, rng.randint(0, min(2, nsrc)))
            r = Rule("pattern", k, ["p%d/%%.o" % k], ins)
            r.stems = sorted(rng.sample([s[4:] for s in self.srcnames],
                                        rng.randint(1, min(5, nsrc))))
            self.decorate(r)
            pats.append(r)
        # Every instance a chained pattern needs is listed in `all`, so the set
        # of jobs never changes during a case.
        for r in reversed(pats):
            m = re.match(r"^p(\d+)/%\.o$", r.ins[0])
            if m:
                dep = pats[int(m.group(1))]
                dep.stems = sorted(set(dep.stems) | set(r.stems))
        self.rules += pats
        instances = ["p%d/%s.o" % (r.num, s) for r in pats for s in r.stems]
        explicit = []
        for i in range(nrules - npat):
            outs = ["out/r%d" % i]
            if rng.random() < 0.1:
                outs.append("out/r%d.b" % i)
            r = Rule("explicit", i, outs, [])
            r.ins = self.pick_inputs(r, explicit, instances, rng.randint(0, 3))
            if explicit and rng.random() < 0.1:
                r.oo = [rng.choice(explicit).outs[-1]]
            self.decorate(r)
            explicit.append(r)
        self.rules += explicit
        self.order = list(range(len(self.rules)))

    def pick_incs(self):
        if not self.hdrnames or self.rng.random() < 0.4:
            return []
        return self.rng.sample(self.hdrnames, self.rng.randint(1, min(3, len(self.hdrnames))))

    def src_text(self, name, width, incs):
        lines = [b"data %s %0*x" % (name.encode(), width, self.rng.randrange(16 ** width))]
        lines += [b"inc " + h.encode() for h in incs]
        return b"\n".join(lines) + b"\n"

    def pick_inputs(self, r, explicit, instances, n):
        rng = self.rng
        ins = []
        for _ in range(n):
            x = rng.random()
            if x < 0.45 or (not explicit and not instances):
                c = rng.choice(self.srcnames)
            elif x < 0.85 and explicit:
                c = rng.choice(rng.choice(explicit).outs)
            elif instances:
                c = rng.choice(instances)
            else:
                c = rng.choice(self.srcnames)
            if c not in ins:
                ins.append(c)
        return ins

    def decorate(self, r):
        rng = self.rng
        x = rng.random()
        r.style = "python" if x < 0.03 else "wic" if x < 0.45 else "direct"
        r.partial = rng.random() < 0.5
        r.half = len(r.outs) == 2 and r.style != "python" and rng.random() < 0.5
        if r.style != "python" and rng.random() < 0.25:
            if r.kind == "pattern" and rng.random() < 0.5:
                r.depfile = "dep/p%d-{{stem}}.d" % r.num
            else:
                r.depfile = "{{out}}.d" if len(r.outs) == 1 else "%s.d" % r.outs[0]
            r.dfmt = rng.choice(["cont", "cont", "line", "crlf", "mp"])
        r.shebang = rng.random() < 0.15
        r.salt = rng.random() < 0.2
        r.content = rng.random() < 0.1
        r.precious = rng.random() < 0.05
        r.indent = rng.choice(["    ", "    ", "\t", "  "])
        r.doc = rng.random() < 0.1
        r.comment = rng.random() < 0.1
        r.space = rng.choice([1, 1, 1, 2])

    # ---------------------------------------------------------------- model

    def salt_value(self):
        return self.cli_salt if self.cli_salt is not None else self.salt

    def edges(self, goals=None):
        """Every job needed for goals (default: all), inputs first."""
        makers = {}
        for r in self.rules:
            if r.kind == "explicit":
                for o in r.outs:
                    makers[o] = r
        pats = [r for r in self.rules if r.kind == "pattern"]
        done = {}
        order = []

        def edge_for(path):
            if path in makers:
                r = makers[path]
                return r.outs[0], lambda: Edge(r, list(r.outs), list(r.ins), list(r.oo), None)
            for r in pats:
                pre, post = r.outs[0].split("%")
                if path.startswith(pre) and path.endswith(post) and \
                        len(path) > len(pre) + len(post):
                    stem = path[len(pre):len(path) - len(post)]
                    return path, lambda: Edge(r, [path], [i.replace("%", stem) for i in r.ins],
                                              [], stem)
            return None, None

        def visit(path, stack):
            key, make = edge_for(path)
            if key is None or key in done:
                return
            if key in stack:
                raise RuntimeError("generated a cycle at " + key)
            e = make()
            stack.add(key)
            for i in e.ins + e.oo:
                visit(i, stack)
            stack.discard(key)
            done[key] = e
            order.append(e)

        for t in goals or self.targets():
            visit(t, set())
        return order

    def targets(self):
        ts = []
        for r in self.rules:
            if r.kind == "explicit":
                ts += r.outs
            else:
                ts += ["p%d/%s.o" % (r.num, s) for s in r.stems]
        return ts

    def recipe_id(self, e):
        r = e.rule
        return (tuple(r.recipe()), tuple(e.outs), tuple(e.ins), e.stem,
                self.salt_value() if r.salt else None)

    def includes(self, e, contents):
        """Headers a depfile job reads (that exist), as its recipe finds them."""
        if not e.rule.depfile:
            return []
        names = set()
        for i in e.ins:
            for line in (contents.get(i) or b"").split(b"\n"):
                if line.startswith(b"inc "):
                    names.add(line[4:].decode())
        return [n for n in sorted(names) if self.sources.get(n) is not None]

    def expected(self, edges):
        """Every output's content, computed from the sources."""
        val = {p: d for p, d in self.sources.items() if d is not None}
        for e in edges:
            incs = self.includes(e, val)
            body = b"".join(val[i] for i in e.ins) + b"".join(val[h] for h in incs)
            salt = (" " + self.salt_value()) if e.rule.salt else ""
            for o in e.outs:
                part = b"" if e.rule.half and o == e.outs[1] else body
                val[o] = cksum(("%s v%d%s\n" % (o, e.rule.ver, salt)).encode() + part)
        return val

    def all_paths(self, edges):
        paths = list(self.srcnames) + list(self.hdrnames)
        for e in edges:
            paths += e.outs
        return paths

    def producers(self, edges):
        prod = {}
        for e in edges:
            for o in e.outs:
                prod[o] = e
        return prod

    def content_on(self, e):
        """Whether baton compares contents for e in this build."""
        return e.rule.content or self.content_build

    @staticmethod
    def same_file(a, b, made):
        """Whether stat data a and b are the same as baton compares them: all of
        it for a source, not the ctime of a file a rule makes (a hard link made
        to it changes that)."""
        if made and a is not None and b is not None:
            return a[:3] == b[:3]
        return a == b

    def own_reason(self, e, c, pre, prod):
        """Why e must run for its own sake if the log holds c (None: it need not)."""
        if self.always:
            return "-B"
        for o in e.outs:
            if pre.st[o] is None:
                return "output '%s' is missing" % o
        if c is None:
            oldest = min(pre.st[o][0] for o in e.outs)
            for i in e.ins:
                if pre.st.get(i) and pre.st[i][0] > oldest:
                    return "input '%s' is newer (no record)" % i
            return None
        if c.recipe != self.recipe_id(e):
            return "recipe changed"
        if not c.ok:
            return "the last run failed"
        for o in e.outs:
            if not self.same_file(pre.st[o], c.outs.get(o), True):
                return "output '%s' changed since its last run" % o
        content = self.content_on(e) and c.hashed
        for i in e.ins:
            if not self.same_file(pre.st.get(i), c.ins.get(i), i in prod):
                if content and pre.data.get(i) == c.data.get(i):
                    continue
                return "input '%s' changed" % i
        for d, st in c.deps.items():
            if not self.same_file(pre.st.get(d), st, d in prod):
                if content and pre.data.get(d) is not None and \
                        pre.data.get(d) == c.data.get(d):
                    continue
                return "depfile input '%s' changed or is missing" % d
        return None

    def analyse(self, edges, pre, post, outcome):
        """For each edge: (must, may, reasons), given which jobs ran and how.

        outcome: key -> "ok" | "fail" | None.  must: the rules require it to run,
        may: the rules allow it to run (they differ when the log may hold one of
        several records, or the spec leaves the choice open).  self.reasons
        keeps, for each edge, each record the log may hold with the reason it
        gives to run (None: none)."""
        prod = self.producers(edges)
        res = {}
        planned = {}
        self.reasons = {}
        for e in edges:
            cands = self.cands.get(e.key, [None])
            own = [self.own_reason(e, c, pre, prod) for c in cands]
            # the inputs that jobs of this build changed (restat is per output)
            changed = [i for i in e.ins if i in prod and outcome.get(prod[i].key) == "ok"
                       and post.st[i] != pre.st[i]]

            def up(c):
                for i in changed:
                    if self.content_on(e) and c is not None and c.ok and c.hashed and \
                            c.data.get(i) is not None and c.data.get(i) == post.data[i]:
                        continue    # the same bytes again: its record says so
                    return "'%s' is made by a job that ran and changed it" % i
                return None
            reasons = [r or up(c) for r, c in zip(own, cands)]
            must = all(r is not None for r in reasons)
            may = any(r is not None for r in reasons)
            why = sorted(set(r for r in reasons if r))
            res[e.key] = (must, may, why)
            self.reasons[e.key] = list(zip(cands, reasons))
            pm = all(r is not None for r in own) or any(
                planned[prod[i].key][0] for i in e.ins if i in prod)
            pM = any(r is not None for r in own) or any(
                planned[prod[i].key][1] for i in e.ins if i in prod)
            planned[e.key] = (pm, pM)
        return res, planned

    @staticmethod
    def refreshed(c, e, post):
        """Record c written again with the stat data of now, as baton does for
        a rule it finds up to date although its files' stat data changed."""
        if c is None:
            return None
        n = copy.copy(c)
        n.outs = {o: post.st.get(o) for o in c.outs}
        n.ins = {i: post.st.get(i) for i in c.ins}
        n.deps = {d: post.st.get(d) for d in c.deps}
        return n

    def new_rec(self, e, post, ok):
        if not ok:
            return Rec(self.recipe_id(e), False)
        hashed = self.content_on(e)
        ins = {i: post.st.get(i) for i in e.ins}
        data = {i: post.data.get(i) for i in e.ins}
        deps = {}
        if e.rule.depfile:
            for d in list(e.ins) + self.includes(e, post.data):
                deps[d] = post.st.get(d)
                data[d] = post.data.get(d)
        return Rec(self.recipe_id(e), True, ins, {o: post.st[o] for o in e.outs}, deps, data,
                   hashed)

    def uncertain(self, e):
        """Whether baton may have no record for e while its outputs exist: then
        baton falls back to mtimes, and some edits would go unnoticed."""
        if None not in self.cands.get(e.key, [None]):
            return False
        return any(os.path.exists(os.path.join(self.dir, o)) for o in e.outs)

    # ---------------------------------------------------------------- files

    def taskfile(self):
        lines = ["# A generated build graph.", "salt = %s" % self.salt, ""]
        targets = self.targets()
        head = "all:"
        for k in range(0, len(targets), 8):
            head += " " + " ".join(targets[k:k + 8])
            if k + 8 < len(targets):
                head += " \\\n   "
        lines += [head, ""]
        for idx in self.order:
            r = self.rules[idx]
            if r.doc:
                lines.append("## Makes %s." % r.outs[0])
            if r.depfile:
                lines.append("[depfile: %s]" % r.depfile)
            if r.content:
                lines.append("[content]")
            if r.precious:
                lines.append("[precious]")
            sep = " " * r.space
            head = sep.join(r.outs) + ":"
            if r.ins:
                head += " " + sep.join(r.ins)
            if r.oo:
                head += " | " + sep.join(r.oo)
            self.header_line[r.outs[0]] = len("\n".join(lines).split("\n")) + 1
            lines.append(head)
            body = r.recipe()
            for n, line in enumerate(body):
                lines.append(r.indent + line if line else "")
                if r.comment and n == len(body) // 2:
                    lines.append("# a comment line inside the recipe")
            lines.append("")
        return "\n".join(lines)

    def write_taskfile(self):
        with open(os.path.join(self.dir, "Taskfile"), "w") as f:
            f.write(self.taskfile())

    def remember(self, path):
        full = os.path.join(self.dir, path)
        s = os.stat(full)
        st = (s.st_mtime_ns, s.st_size, s.st_ino)
        self.seen.setdefault(path, set()).add(st)

    def tick(self):
        self.clock = max(self.clock + self.rng.randint(1000, 10 ** 8), time.time_ns())
        return self.clock

    def write_file(self, path, data, mode):
        """Write a source file.  mode: forward, same (same mtime), back, future.

        Whatever the mode, the new stat is one the file never had (bumping the
        mtime by 1 ns if needed), since no tool could see the change otherwise."""
        full = os.path.join(self.dir, path)
        try:
            old = os.stat(full)
        except FileNotFoundError:
            old = None
        if old is None and mode in ("same", "back"):
            mode = "forward"
        if mode == "same" and old.st_size == len(data):
            tmp = full + ".new"
            with open(tmp, "wb") as f:
                f.write(data)
            os.rename(tmp, full)          # same size and mtime: a new inode
        else:
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data)
        if mode == "same":
            mtime = old.st_mtime_ns
        elif mode == "back":
            mtime = old.st_mtime_ns - self.rng.randint(10 ** 6, 10 ** 12)
        elif mode == "future":
            mtime = time.time_ns() + self.rng.randint(3600, 86400) * 10 ** 9
        else:
            mtime = self.tick()
        self.set_mtime(path, mtime)

    def change_in_place(self, path, data):
        """Write data over path in place (or change its mode if it holds data
        already) and put its mtime back: only its ctime changes, to a time it
        never had (a clock tick later, if need be)."""
        full = os.path.join(self.dir, path)
        old = os.stat(full)
        while True:
            if data == self.sources[path]:
                os.chmod(full, (old.st_mode & 0o7777) ^ 0o020)
            else:
                with open(full, "r+b") as f:
                    f.write(data)
            os.utime(full, ns=(old.st_atime_ns, old.st_mtime_ns))
            now = os.stat(full)
            if now.st_ctime_ns != old.st_ctime_ns:
                break
            time.sleep(0.005)
            old = os.stat(full)
        self.remember(path)

    def set_mtime(self, path, mtime):
        full = os.path.join(self.dir, path)
        while True:
            os.utime(full, ns=(mtime, mtime))
            s = os.stat(full)
            if (s.st_mtime_ns, s.st_size, s.st_ino) not in self.seen.get(path, ()):
                break
            mtime += 1
        self.remember(path)

    # ---------------------------------------------------------------- running

    def argv(self, j=None, keep=False, extra=(), goals=()):
        j = self.rng.choice(self.jobs_list) if j is None else j
        argv = ["-j", str(j)]
        if keep:
            argv.append("-k")
        if self.always:
            argv.append("-B")
        argv += list(extra)
        if self.cli_salt is not None:
            argv.append("salt=" + self.cli_salt)
        return argv + list(goals)

    def where(self):
        """How to point baton at the Taskfile: (cwd, options).  From a
        subdirectory it finds ../Taskfile itself."""
        how = self.rng.choice(["here"] * 6 + ["sub", "C", "f"])
        if how == "sub":
            return os.path.join(self.dir, "src"), []
        if how == "C":
            return self.root, ["-C", "work"]
        if how == "f":
            return self.root, ["-f", "work/Taskfile"]
        return self.dir, []

    def env(self):
        env = dict(os.environ)
        env["LC_ALL"] = "C"
        env["BATON_PROP_TAG"] = self.tag
        env["TMPDIR"] = self.tmp           # where baton puts long scripts
        return env

    def run(self, argv, cwd=None, sig=None, delay=0.0, wait_for=None, again=False,
            piped=False):
        """Run baton; with sig, send it after delay seconds, or once the job
        wait_for has started (then baton must stop within STOP seconds)."""
        cwd = cwd or self.dir
        t0 = time.monotonic()
        p = subprocess.Popen([self.baton] + argv, cwd=cwd, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             env=self.env())
        sent = None
        timeout = TIMEOUT
        if piped:
            # Like `baton | head -1`: read one line, then close the pipe.
            first = p.stdout.readline()
            p.stdout.close()
            p.stdout = None
        if sig:
            if wait_for:
                started = False
                while not started and p.poll() is None and time.monotonic() - t0 < TIMEOUT:
                    time.sleep(0.002)
                    try:
                        with open(os.path.join(self.dir, "runlog")) as f:
                            started = ("S " + wait_for + " ") in f.read().replace("\n", " \n")
                    except FileNotFoundError:
                        pass
                if started:
                    # Wait until the job's shell is blocked in `sleep 60`: a
                    # signal that reaches /bin/sh (dash) just before it forks a
                    # command is sometimes lost by the shell itself.
                    t1 = time.monotonic()
                    while p.poll() is None and time.monotonic() - t1 < 10 and \
                            os.path.isdir("/proc") and \
                            not tagged_running(self.tag, ["sleep", "60"]):
                        time.sleep(0.002)
                    if p.poll() is None and self.rng.random() < 0.5:
                        self.dry_while_locked()
                    time.sleep(self.rng.uniform(0, 0.02))
                    timeout = STOP
            else:
                time.sleep(delay)
            if p.poll() is None:
                os.kill(p.pid, sig)
                sent = signal.Signals(sig).name
                if again:
                    time.sleep(self.rng.uniform(0, 0.01))
                    if p.poll() is None:
                        os.kill(p.pid, sig)
                        sent += " twice"
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            kill_tagged(self.tag)
            b = Build(argv, p.returncode, out.decode(errors="replace"),
                      err.decode(errors="replace"), time.monotonic() - t0, sent)
            if timeout == STOP:
                raise Violation("P6 failure", "baton did not stop within %d s of %s while "
                                "job '%s' ran (is the signal forwarded to the jobs?)\n%s"
                                % (STOP, sent, wait_for, b.describe()))
            raise Violation("P6 failure", "baton did not finish within %d s\n%s"
                            % (TIMEOUT, b.describe()))
        self.stats["builds"] += 1
        if piped:
            out = first
        return Build(argv, p.returncode, out.decode(errors="replace"),
                     err.decode(errors="replace"), time.monotonic() - t0, sent)

    def dry_while_locked(self):
        """P7: -n takes no lock, so it does not wait for a baton that runs jobs."""
        try:
            r = subprocess.run([self.baton, "-n"], cwd=self.dir, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               env=self.env(), timeout=STOP)
        except subprocess.TimeoutExpired:
            raise Violation("P7 dry-run", "baton -n did not finish within %d s while "
                            "another baton ran a job: does -n wait for the lock?" % STOP)
        self.log("  baton -n while a job hangs -> exit %d" % r.returncode)
        self.count("dry run while a job hangs")
        err = r.stderr.decode(errors="replace")
        if r.returncode != 0 or "waiting for another baton" in err:
            raise Violation("P7 dry-run", "baton -n while another baton runs a job: exit "
                            "status %d\n--- stderr ---\n%s" % (r.returncode, err))

    def read_runlog(self, path=None):
        path = path or os.path.join(self.dir, "runlog")
        try:
            with open(path) as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            lines = []
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        return lines

    @staticmethod
    def parse_runlog(lines):
        """(start index, end index, count) per job key."""
        starts, ends, count = {}, {}, {}
        for n, line in enumerate(lines):
            parts = line.split()
            if len(parts) < 2 or parts[0] not in ("S", "E"):
                raise Violation("P3 minimal", "garbled run log line %r" % line)
            key = parts[1]
            if parts[0] == "S":
                count[key] = count.get(key, 0) + 1
                starts.setdefault(key, n)
            else:
                ends[key] = n
        return starts, ends, count

    # ---------------------------------------------------------------- checks

    def fail_here(self, prop, msg, build=None):
        if build is not None:
            msg += "\n" + build.describe()
        raise Violation(prop, msg)

    def check_tmp(self, build, killed=False):
        """baton removes the scripts it wrote for jobs, each in a directory of
        its own (unless killed)."""
        left = os.listdir(self.tmp)
        if killed:
            for n in left:
                # a killed baton leaves its jobserver's fifo too: rmtree
                # would open it, and wait for ever for a writer
                p = os.path.join(self.tmp, n)
                if os.path.isdir(p) and not os.path.islink(p):
                    shutil.rmtree(p)
                else:
                    os.unlink(p)
        elif left:
            self.fail_here("P6 failure", "baton left its temporary files %s in TMPDIR"
                           % left, build)

    def check_no_jobs_left(self, build):
        left = tagged_pids(self.tag)
        t0 = time.monotonic()
        while left and time.monotonic() - t0 < 1.0:
            # A job's children hit by the same signal may still be exiting.
            time.sleep(0.01)
            left = tagged_pids(self.tag)
        if left:
            kill_tagged(self.tag)
            self.fail_here("P6 failure", "job processes %s still ran after baton exited"
                           % left, build)

    def check_sources(self, pre, post, build):
        for p in self.srcnames + self.hdrnames:
            want = self.sources.get(p)
            if post.data.get(p) != want or post.st.get(p) != pre.st.get(p):
                self.fail_here("P1 outputs", "the build changed source file '%s'" % p, build)

    def check_order(self, edges, starts, ends, build):
        prod = self.producers(edges)
        for e in edges:
            if e.key not in starts:
                continue
            for i in e.ins + e.oo:
                p = prod.get(i)
                if p is not None and p.key in starts and p.key != e.key:
                    if p.key not in ends or ends[p.key] > starts[e.key]:
                        self.fail_here("P3 minimal", "'%s' started before '%s', which makes "
                                       "its input '%s', had finished" % (e.key, p.key, i), build)

    def check_outputs(self, edges, post, build, prop="P1 outputs"):
        want = self.expected(edges)
        for e in edges:
            for o in e.outs:
                if post.data.get(o) != want[o]:
                    self.fail_here(prop, "output '%s' is %r, expected %r" % (
                        o, post.data.get(o), want[o]), build)

    def check_counts(self, count, build):
        for k, n in count.items():
            if n > 1:
                self.fail_here("P3 minimal", "job '%s' ran %d times in one build" % (k, n), build)

    def explain_sets(self, res, ran):
        lines = []
        for k, (must, may, why) in res.items():
            if must or may or k in ran:
                lines.append("  %-24s %s%s  %s" % (
                    k, "must" if must else "may " if may else "no  ",
                    " ran" if k in ran else "    ", "; ".join(why)))
        return "\n".join(lines)

    # ---------------------------------------------------------------- builds

    def snap(self, edges):
        return Snap(self.dir, self.all_paths(edges))

    def build(self, note, keep=False, sig=None, j=None, wait_for=None, again=False,
              piped=False, goals=()):
        """Build, check everything, update the model.  Returns (build, ok)."""
        self.write_taskfile()
        alledges = self.edges()
        edges = self.edges(goals) if goals else alledges
        keys = {e.key for e in edges}
        pre = self.snap(alledges)
        for p, st in pre.st.items():
            if st is not None:
                self.seen.setdefault(p, set()).add(st[:3])
        self.read_runlog()
        explain = not piped and self.rng.random() < 0.1
        self.content_build = self.rng.random() < 0.1
        cwd, where = self.where()
        argv = where + self.argv(j=j, keep=keep, goals=goals,
                                 extra=(["--explain"] if explain else []) +
                                 (["--content"] if self.content_build else []))
        delay = 0.0
        if sig:
            # Aim at the middle of the build: a start-up time plus the jobs planned.
            _, planned = self.analyse(edges, pre, pre, {})
            n = sum(1 for v in planned.values() if v[1])
            par = min(int(argv[argv.index("-j") + 1]), os.cpu_count() or 1)
            delay = self.rng.uniform(0, 1.1 * (self.t_start + self.t_job * n / par))
        if wait_for:
            delay = 0.0
        b = self.run(argv, cwd=cwd, sig=sig, delay=delay, wait_for=wait_for, again=again,
                     piped=piped)
        if b.sent and b.sent.startswith("SIGKILL"):
            kill_tagged(self.tag)
        lines = self.read_runlog()
        post = self.snap(alledges)
        for p, st in post.st.items():
            if st is not None:
                self.seen.setdefault(p, set()).add(st[:3])
        starts, ends, count = self.parse_runlog(lines)
        ran = set(starts)
        if ran:
            self.work_j = int(argv[argv.index("-j") + 1])
        self.builds += 1
        self.count("build exit %s%s" % (b.rc, " after " + b.sent if b.sent else ""))
        self.log("build %d (%s): baton %s -> exit %s%s; ran %d: %s" % (
            self.builds, note, " ".join(argv), b.rc,
            " after %s at %.0f ms" % (b.sent, delay * 1000) if b.sent else "",
            len(ran), " ".join(sorted(ran)) if len(ran) <= 12 else
            " ".join(sorted(ran)[:12]) + " ..."))
        for k in ran:
            if k not in keys:
                self.fail_here("P3 minimal", "unknown job '%s' in the run log" % k, b)
        self.check_counts(count, b)
        if not (b.sent or "").startswith("SIGKILL"):
            self.check_no_jobs_left(b)
        self.check_tmp(b, (b.sent or "").startswith("SIGKILL"))
        self.check_sources(pre, post, b)
        self.check_order(edges, starts, ends, b)
        for e in alledges:
            if e.key not in keys:
                for o in e.outs:
                    if post.st[o] != pre.st[o]:
                        self.fail_here("P3 minimal", "'%s' changed, but baton was asked for "
                                       "%s, which do not need it" % (o, list(goals)), b)
        if explain and not b.sent:
            said = set(re.findall(r"^baton: explain: '([^']*)': ", b.err, re.M))
            if said != set(starts):
                self.fail_here("P3 minimal", "--explain explains %s but the jobs that ran "
                               "are %s" % (sorted(said), sorted(starts)), b)
        failing = {e.key for e in edges
                   if e.rule.fail or self.ctl.get(e.ctl, "").startswith("exit")}
        if b.sent:
            ok = self.after_signal(edges, pre, post, b, starts, ends, failing)
        else:
            ok = self.after_build(edges, pre, post, b, starts, ends, failing, keep, piped)
        if self.content_build:
            self.count("build --content")
        self.content_build = False
        self.last_build = b
        self.last_ok = ok
        return b, ok

    def after_build(self, edges, pre, post, b, starts, ends, failing, keep, piped=False):
        ran = set(starts)
        if b.rc not in (0, 1):
            self.fail_here("P1 outputs", "exit status %s%s" % (
                b.rc, " (an error in the Taskfile or command line)" if b.rc == 2 else ""), b)
        if piped and b.rc == 1 and "baton: error writing output" not in b.err:
            self.fail_here("P6 failure", "with its output pipe closed baton exits 1 but "
                           "does not say 'baton: error writing output'", b)
        outcome = {k: ("fail" if k in failing else "ok") for k in ran}
        res, planned = self.analyse(edges, pre, post, outcome)
        failed = ran & failing
        # Whether baton may have stopped starting jobs.
        stopped = bool(failed) or (piped and b.rc == 1)
        prod = self.producers(edges)
        # Jobs of the plan that cannot run: something they wait for failed, or
        # could not run.  (An up-to-date job is not part of the build: that its
        # inputs' jobs failed does not keep the jobs needing it from running.)
        blocked = set()
        for e in edges:
            if not planned[e.key][1]:
                continue
            for i in e.ins + e.oo:
                p = prod.get(i)
                if p is not None and (p.key in failed or p.key in blocked or
                                      (stopped and res[p.key][0] and p.key not in ran)):
                    blocked.add(e.key)
        detail = lambda: "\njobs (must/may, ran, why):\n" + self.explain_sets(res, ran)
        for e in edges:
            must, may, why = res[e.key]
            if e.key in ran and not may:
                self.fail_here("P3 minimal", "'%s' ran but nothing required it%s"
                               % (e.key, detail()), b)
            if e.key in ran and e.key in blocked:
                self.fail_here("P6 failure", "'%s' ran although a job it depends on "
                               "failed or did not run%s" % (e.key, detail()), b)
            if must and e.key not in ran and e.key not in blocked and (keep or not stopped):
                self.fail_here("P3 minimal", "'%s' had to run (%s) but did not%s"
                               % (e.key, "; ".join(why), detail()), b)
        # Exit status and messages.
        if failed:
            if b.rc != 1:
                self.fail_here("P6 failure", "a job failed (%s) but the exit status is %s"
                               % (", ".join(sorted(failed)), b.rc), b)
            n = len(failed)
            msg = ("baton: %d job%s failed" if keep else
                   "baton: build stopped: %d job%s failed") % (n, "" if n == 1 else "s")
            if msg not in b.err:
                self.fail_here("P6 failure", "stderr lacks %r" % msg, b)
            for k in failed:
                e = next(x for x in edges if x.key == k)
                code = e.rule.fail[1] if e.rule.fail else int(self.ctl[e.ctl].split()[1])
                msg = "Taskfile:%d:1: error: '%s' failed: exit status %d" % (
                    self.header_line[e.rule.outs[0]], k, code)
                if e.rule.fail and e.rule.fail[0] == "nodep":
                    msg = ("Taskfile:%d:1: error: '%s' failed: cannot read its depfile '%s': "
                           "No such file or directory" % (self.header_line[e.rule.outs[0]],
                                                          k, e.depfile))
                if msg not in b.err:
                    self.fail_here("P6 failure", "stderr lacks %r" % msg, b)
            if not keep and b.argv[b.argv.index("-j") + 1] == "1":
                last = max(starts.values())
                if not any(starts[k] == last for k in failed):
                    self.fail_here("P6 failure", "at -j1 a job started after one had failed", b)
        elif b.rc != 0 and not piped:
            self.fail_here("P1 outputs", "exit status %s, no job failed" % b.rc, b)
        # The progress lines.
        prog = b.progress()
        if piped:
            pass
        elif sorted(p[2] for p in prog) != sorted(ran):
            self.fail_here("P3 minimal", "the [i/N] lines name %s but the jobs that ran are %s"
                           % (sorted(p[2] for p in prog), sorted(ran)), b)
        if prog:
            if sorted(p[0] for p in prog) != list(range(1, len(prog) + 1)):
                self.fail_here("P3 minimal", "the [i/N] lines are not numbered 1..%d"
                               % len(prog), b)
            ns = {p[1] for p in prog}
            lo = sum(1 for e in edges if planned[e.key][0])
            hi = sum(1 for e in edges if planned[e.key][1])
            if len(ns) != 1 or not lo <= ns.pop() <= hi:
                self.fail_here("P3 minimal", "the [i/N] totals are %s; the plan has %s jobs"
                               % (sorted({p[1] for p in prog}),
                                  lo if lo == hi else "%d to %d" % (lo, hi)), b)
        if piped:
            pass
        elif not ran and not failed:
            if "baton: nothing to do" not in b.out:
                self.fail_here("P3 minimal", "no job ran but baton did not say "
                               "'baton: nothing to do'", b)
        elif "baton: nothing to do" in b.out:
            self.fail_here("P3 minimal", "baton said 'nothing to do' but jobs ran", b)
        # Failed jobs' outputs.
        deleted = set(re.findall(r"^baton: deleted '([^']*)'$", b.err, re.M))
        for k in failed:
            e = next(x for x in edges if x.key == k)
            when = e.rule.fail[0] if e.rule.fail else "early"
            for o in e.outs:
                changed = post.st[o] != pre.st[o]
                if e.rule.precious:
                    continue
                if post.st[o] is not None and changed:
                    self.fail_here("P6 failure", "failed job '%s' left its modified output "
                                   "'%s'" % (k, o), b)
                wrote = when == "partial" or (when in ("late", "nodep") and (
                    e.rule.style != "wic" or pre.data[o] != self.expected(edges)[o]))
                if wrote and post.st[o] is not None:
                    self.fail_here("P6 failure", "failed job '%s' wrote '%s' but it was not "
                                   "deleted" % (k, o), b)
                if when == "early" and pre.st[o] is not None and post.st[o] is None:
                    self.fail_here("P6 failure", "'%s' was deleted although its failed job "
                                   "did not touch it" % o, b)
                if wrote and o not in deleted:
                    self.fail_here("P6 failure", "stderr lacks \"baton: deleted '%s'\"" % o, b)
        for o in deleted:
            if post.st.get(o, 0) is not None:
                self.fail_here("P6 failure", "baton said it deleted '%s' but it exists" % o, b)
        # Outputs and records.
        want = self.expected(edges)
        for e in edges:
            if e.key in ran and e.key not in failed:
                for o in e.outs:
                    if post.data[o] != want[o]:
                        self.fail_here("P1 outputs", "output '%s' is %r, expected %r"
                                       % (o, post.data[o], want[o]), b)
            elif e.key not in ran:
                for o in e.outs:
                    if post.st[o] != pre.st[o]:
                        self.fail_here("P3 minimal", "'%s' changed but its job did not run"
                                       % o, b)
        for e in edges:
            must, may, why = res[e.key]
            kept = [c for c, r in self.reasons[e.key] if r is None]
            if e.key in ran:
                self.cands[e.key] = [self.new_rec(e, post, e.key not in failed)]
            elif kept and e.key not in blocked:
                # It did not run: the log holds a record that says it need not,
                # written again with the stat data of now where they changed,
                # unless the build stopped before baton looked at it again.
                looked = not planned[e.key][1] or keep or not stopped
                cs = [self.refreshed(c, e, post) for c in kept]
                if not looked:
                    cs += [c for c in kept if c is not None]
                if not may and None in kept and all(post.st[o] for o in e.outs):
                    # Without a record, baton may or may not have recorded it now.
                    cs.append(self.new_rec(e, post, True))
                elif may and None in cs and all(post.st[o] for o in e.outs):
                    cs.append(self.new_rec(e, post, True))
                self.cands[e.key] = cs
        if not stopped:
            self.check_outputs(edges, post, b)
        if not piped:
            self.timing(b, len(ran))
        return not stopped

    def timing(self, b, nran):
        """Learn how long baton takes to start and each job takes."""
        if not nran:
            self.t_start = 0.7 * self.t_start + 0.3 * b.elapsed
        else:
            par = min(int(b.argv[b.argv.index("-j") + 1]), os.cpu_count() or 1)
            per = max(0.0, b.elapsed - self.t_start) * par / nran
            self.t_job = 0.7 * self.t_job + 0.3 * per

    def after_signal(self, edges, pre, post, b, starts, ends, failing):
        ran = set(starts)
        name = b.sent.split()[0]
        num = signal.Signals[name].value
        sig = "SIGKILL" if name == "SIGKILL" else "SIGINT"     # kill, or interrupt
        want = self.expected(edges)
        if sig == "SIGINT":
            if b.rc == 0:
                return self.after_build(edges, pre, post, b, starts, ends, failing, False)
            if b.rc == -num and not ran and all(
                    post.st[o] == pre.st[o] for e in edges for o in e.outs):
                pass            # killed before it set up its handlers: harmless
            elif b.rc != 128 + num:
                self.fail_here("P6 failure", "after %s the exit status is %s, not %d"
                               % (name, b.rc, 128 + num), b)
            elif "baton: interrupted by %s" % name not in b.err:
                self.fail_here("P6 failure", "stderr lacks 'baton: interrupted by %s'" % name, b)
        else:
            if b.rc == 0:
                return self.after_build(edges, pre, post, b, starts, ends, failing, False)
            if b.rc != -signal.SIGKILL:
                self.fail_here("P6 failure", "after SIGKILL the exit status is %s" % b.rc, b)
        res, planned = self.analyse(edges, pre, post, {k: "ok" for k in ran if k in ends})
        # A job that started but whose "E" line is missing may have changed its
        # outputs; what the model allows after that is checked by analyse below
        # only for jobs that had ended.
        # A job can only have started once the jobs making its inputs succeeded.
        for e in edges:
            must, may, why = res[e.key]
            if e.key in ran and not may:
                self.fail_here("P3 minimal", "'%s' ran but nothing required it\n%s"
                               % (e.key, self.explain_sets(res, ran)), b)
        deleted = set(re.findall(r"^baton: deleted '([^']*)'$", b.err, re.M))
        for o in deleted:
            if post.st.get(o, 0) is not None:
                self.fail_here("P6 failure", "baton said it deleted '%s' but it exists" % o, b)
        for e in edges:
            old = self.cands.get(e.key, [None])
            if e.key not in ran:
                for o in e.outs:
                    if post.st[o] != pre.st[o]:
                        self.fail_here("P6 failure", "'%s' changed but its job never started"
                                       % o, b)
                # baton may have started it just before the signal, before its
                # first line ran; or found it up to date and written its record
                # again with the stat data of now.
                fresh = [self.refreshed(c, e, post) for c, r in self.reasons[e.key]
                         if r is None and c is not None]
                if res[e.key][1] or planned[e.key][1]:
                    self.cands[e.key] = old + [Rec(self.recipe_id(e), False)] + fresh
                else:
                    self.cands[e.key] = old + fresh
                continue
            finished = e.key in ends
            present = all(post.st[o] is not None for o in e.outs)
            modified = any(post.st[o] != pre.st[o] for o in e.outs)
            correct = present and all(post.data[o] == want[o] for o in e.outs)
            if sig == "SIGINT" and not e.rule.precious:
                for o in e.outs:
                    if post.st[o] is not None and post.st[o] != pre.st[o] and not (
                            finished and post.data[o] == want[o]):
                        self.fail_here("P6 failure", "interrupted job '%s' left its modified "
                                       "output '%s' (%r)" % (e.key, o, post.data[o]), b)
            cands = [Rec(self.recipe_id(e), False)]
            if finished and correct:
                rec = self.new_rec(e, post, True)
                if sig == "SIGINT" and modified and not e.rule.precious:
                    cands = [rec]       # had it failed, its outputs would be gone
                else:
                    cands.append(rec)
            if sig == "SIGKILL":
                cands += old
            self.cands[e.key] = cands
        return False

    # ---------------------------------------------------------------- checks after success

    def rerun(self):
        """P3: an immediate rerun runs nothing."""
        edges = self.edges()
        pre = self.snap(edges)
        res, _ = self.analyse(edges, pre, pre, {})
        b, ok = self.build("immediate rerun")
        if any(v[1] for v in res.values()):
            return
        if "baton: nothing to do" not in b.out:
            self.fail_here("P3 minimal", "an immediate rerun did not print "
                           "'baton: nothing to do'", b)

    def clean_build(self):
        """P2: a from-scratch build in another directory gives the same outputs."""
        edges = self.edges()
        cdir = os.path.join(self.root, "clean")
        shutil.rmtree(cdir, ignore_errors=True)
        os.makedirs(cdir)
        shutil.copy2(os.path.join(self.dir, "Taskfile"), cdir)
        for p, d in self.sources.items():
            if d is not None:
                full = os.path.join(cdir, p)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "wb") as f:
                    f.write(d)
        # P5: at another -j than the incremental build it is compared with
        j = self.rng.choice([k for k in self.jobs_list if k != self.work_j] or self.jobs_list)
        b = self.run(self.argv(j=j), cwd=cdir)
        self.check_no_jobs_left(b)
        self.check_tmp(b)
        lines = self.read_runlog(os.path.join(cdir, "runlog"))
        starts, ends, count = self.parse_runlog(lines)
        self.check_counts(count, b)
        self.log("clean build of a copy: baton %s -> exit %s; ran %d"
                 % (" ".join(self.argv(j=j)), b.rc, len(starts)))
        if b.rc != 0:
            self.fail_here("P2 clean", "the clean build failed", b)
        if set(starts) != {e.key for e in edges}:
            self.fail_here("P2 clean", "a clean build ran %s, expected every job %s"
                           % (sorted(starts), sorted(e.key for e in edges)), b)
        self.check_order(edges, starts, ends, b)
        mine = Snap(self.dir, [o for e in edges for o in e.outs])
        theirs = Snap(cdir, [o for e in edges for o in e.outs])
        for o in mine.data:
            if mine.data[o] != theirs.data[o]:
                self.fail_here("P2 clean", "'%s' is %r incrementally but %r from scratch"
                               % (o, mine.data[o], theirs.data[o]), b)
        self.check_outputs(edges, theirs, b, "P2 clean")
        shutil.rmtree(cdir)

    def dry_run(self):
        """P7: -n lists the planned jobs and changes nothing."""
        edges = self.edges()
        self.write_taskfile()
        pre = self.snap(edges)
        logpath = os.path.join(self.dir, ".baton", "log")
        try:
            with open(logpath, "rb") as f:
                before = f.read()
        except FileNotFoundError:
            before = None
        self.read_runlog()
        b = self.run(self.argv(extra=["-n"]))
        lines = self.read_runlog()
        post = self.snap(edges)
        try:
            with open(logpath, "rb") as f:
                after = f.read()
        except FileNotFoundError:
            after = None
        self.log("dry run: baton %s -> exit %s" % (" ".join(b.argv), b.rc))
        if b.rc != 0:
            self.fail_here("P7 dry-run", "-n failed", b)
        if lines:
            self.fail_here("P7 dry-run", "-n ran jobs: %s" % lines, b)
        if before != after:
            self.fail_here("P7 dry-run", "-n changed .baton/log", b)
        for p in pre.st:
            if pre.st[p] != post.st[p]:
                self.fail_here("P7 dry-run", "-n changed '%s'" % p, b)
        _, planned = self.analyse(edges, pre, pre, {})
        names = [p[2] for p in b.progress()]
        for e in edges:
            lo, hi = planned[e.key]
            if lo and e.key not in names:
                self.fail_here("P7 dry-run", "-n does not list '%s', which must run" % e.key, b)
            if e.key in names and not hi:
                self.fail_here("P7 dry-run", "-n lists '%s', which need not run" % e.key, b)
        if len(set(names)) != len(names):
            self.fail_here("P7 dry-run", "-n lists a job twice", b)
        pos = {n: k for k, n in enumerate(names)}
        prod = self.producers(edges)
        for e in edges:
            for i in e.ins + e.oo:
                p = prod.get(i)
                if p and e.key in pos and p.key in pos and pos[p.key] > pos[e.key]:
                    self.fail_here("P7 dry-run", "-n lists '%s' before '%s', which makes its "
                                   "input" % (e.key, p.key), b)
        if not names and "baton: nothing to do" not in b.out:
            self.fail_here("P7 dry-run", "-n lists nothing but does not say 'nothing to do'", b)

    def concurrent(self):
        """P8: two batons at once: one waits for the other, nothing runs twice."""
        self.write_taskfile()
        edges = self.edges()
        pre = self.snap(edges)
        self.read_runlog()
        argv = self.argv()
        procs = []
        for _ in range(2):
            procs.append(subprocess.Popen([self.baton] + argv, cwd=self.dir,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          stdin=subprocess.DEVNULL, env=self.env()))
        builds = []
        for p in procs:
            try:
                out, err = p.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                for q in procs:
                    q.kill()
                kill_tagged(self.tag)
                raise Violation("P8 lock", "two batons at once did not finish within %d s"
                                % TIMEOUT)
            builds.append(Build(argv, p.returncode, out.decode(errors="replace"),
                                err.decode(errors="replace"), 0))
        lines = self.read_runlog()
        post = self.snap(edges)
        starts, ends, count = self.parse_runlog(lines)
        both = Build(argv, [x.rc for x in builds], builds[0].out + "=== second ===\n" +
                     builds[1].out, builds[0].err + "=== second ===\n" + builds[1].err, 0)
        self.builds += 1
        self.log("build %d (two at once): baton %s -> exit %s; ran %d"
                 % (self.builds, " ".join(argv), [x.rc for x in builds], len(starts)))
        self.check_counts(count, both)
        self.check_no_jobs_left(both)
        self.check_tmp(both)
        self.check_sources(pre, post, both)
        self.check_order(edges, starts, ends, both)
        if any(x.rc != 0 for x in builds):
            self.fail_here("P8 lock", "a baton failed", both)
        working = [x for x in builds if x.progress()]
        if len(working) > 1:
            self.fail_here("P8 lock", "both batons ran jobs", both)
        for n, x in enumerate(builds):
            m = re.search(r"waiting for another baton in this directory \(pid (\d+)\)", x.err)
            if m and int(m.group(1)) != procs[1 - n].pid:
                self.fail_here("P8 lock", "'waiting for another baton' names pid %s, the "
                               "other baton is %d" % (m.group(1), procs[1 - n].pid), both)
        ran = set(starts)
        outcome = {k: "ok" for k in ran}
        res, _ = self.analyse(edges, pre, post, outcome)
        for e in edges:
            must, may, why = res[e.key]
            if (e.key in ran and not may) or (must and e.key not in ran):
                self.fail_here("P8 lock", "'%s' %s\n%s" % (
                    e.key, "ran but nothing required it" if e.key in ran else
                    "had to run but did not", self.explain_sets(res, ran)), both)
        self.check_outputs(edges, post, both)
        for e in edges:
            if e.key in ran:
                self.cands[e.key] = [self.new_rec(e, post, True)]
        self.last_build = both
        self.last_ok = True

    # ---------------------------------------------------------------- edits

    def consumers(self, path, edges):
        """Edges that read path (as an input, or through a depfile)."""
        res = []
        for e in edges:
            if path in e.ins:
                res.append((e, "in"))
            elif e.rule.depfile and path.startswith("inc/"):
                res.append((e, "dep"))
        return res

    def stealthy_ok(self, path, edges):
        """Whether an edit baton sees only through its log is fair for path."""
        return not any(self.uncertain(e) for e, _ in self.consumers(path, edges))

    def visible_ok(self, path, edges):
        """Whether any content edit of path is fair: a depfile job with no record
        cannot know it reads path."""
        return not any(self.uncertain(e) for e, how in self.consumers(path, edges)
                       if how == "dep")

    def pick_mode(self, path, edges):
        mode = self.rng.choice(["forward", "forward", "forward", "same", "same", "back",
                                "future"])
        if mode in ("same", "back") and not self.stealthy_ok(path, edges):
            mode = "forward"
        if mode == "forward" and not self.stealthy_ok(path, edges):
            # Newer than every output, so the mtime rule sees it too.
            self.clock = max(self.clock, max(
                (s.st_mtime_ns for s in self.output_stats(edges)), default=0))
        return mode

    def output_stats(self, edges):
        for e in edges:
            for o in e.outs:
                try:
                    yield os.stat(os.path.join(self.dir, o))
                except FileNotFoundError:
                    pass

    def rules_ok(self, rule, edges):
        return not any(self.uncertain(e) for e in edges if e.rule is rule)

    def edit(self, edges, allow_headers=True):
        """One random edit; returns its description, or None if none applied."""
        rng = self.rng
        kinds = ["src", "src", "src", "touch", "incs", "hdr", "hdrdel", "hdrnew",
                 "outdel", "outtouch", "outjunk", "depdel", "ver", "noise", "style",
                 "shebang", "usesalt", "salt", "clisalt", "ins", "ins", "oo", "format",
                 "order", "outorder", "split", "merge", "logdamage", "inplace", "chmod"]
        if not allow_headers:
            # (a revert of a split or merge would need the model of the records
            # other outputs reach, which split_rule keeps only going forwards)
            kinds = [k for k in kinds if k not in ("hdrdel", "hdrnew", "split", "merge")]
        kind = rng.choice(kinds)
        self.kind = kind
        if kind == "split":
            return self.split_rule(edges)
        if kind == "merge":
            return self.merge_rules(edges)
        if kind == "logdamage":
            return self.damage_log()
        outs = [o for e in edges for o in e.outs]
        if kind == "src":
            p = rng.choice(self.srcnames)
            if not self.visible_ok(p, edges):
                return None
            mode = self.pick_mode(p, edges)
            old = self.sources[p]
            width = len(old.split(b"\n")[0].split()[-1])
            if mode == "same" and rng.random() < 0.5:
                width += rng.choice([-1, 1]) if width > 4 else 1
            incs = [ln[4:].decode() for ln in old.split(b"\n") if ln.startswith(b"inc ")]
            new = old
            while new == old:
                new = self.src_text(p, width, incs)
            self.sources[p] = new
            self.write_file(p, new, mode)
            return "changed '%s' (mtime %s, size %s)" % (
                p, mode, "same" if len(new) == len(old) else "changed")
        if kind in ("inplace", "chmod"):
            # Only the ctime tells: new bytes of the same size written over the
            # file, its mtime put back (cp -p, rsync --inplace -t, touch -r); or
            # its mode changed, its content not.
            p = rng.choice(self.srcnames + [h for h in self.hdrnames if self.sources.get(h)])
            if not self.stealthy_ok(p, edges):
                return None
            old = self.sources[p]
            new = old
            if kind == "inplace":
                while new == old:
                    if p in self.srcnames:
                        width = len(old.split(b"\n")[0].split()[-1])
                        incs = [ln[4:].decode() for ln in old.split(b"\n")
                                if ln.startswith(b"inc ")]
                        new = self.src_text(p, width, incs)
                    else:
                        new = b"header %s %x\n" % (p.encode(), rng.randrange(1 << 32))
                    if len(new) != len(old):
                        new = old
            self.change_in_place(p, new)
            self.sources[p] = new
            return ("rewrote '%s' in place, its size, inode and mtime kept" % p
                    if kind == "inplace" else "changed the mode of '%s'" % p)
        if kind == "touch":
            p = rng.choice(self.srcnames + [h for h in self.hdrnames if self.sources.get(h)])
            mode = rng.choice(["forward", "back"])
            if mode == "back" and not self.stealthy_ok(p, edges):
                mode = "forward"
            full = os.path.join(self.dir, p)
            old = os.stat(full).st_mtime_ns
            self.set_mtime(p, self.tick() if mode == "forward"
                           else old - rng.randint(10 ** 6, 10 ** 12))
            return "touched '%s' (%s), content unchanged" % (p, mode)
        if kind == "incs":
            if not self.hdrnames:
                return None
            p = rng.choice(self.srcnames)
            if not self.visible_ok(p, edges):
                return None
            old = self.sources[p]
            lines = old.rstrip(b"\n").split(b"\n")
            incs = [ln for ln in lines[1:]]
            h = b"inc " + rng.choice(self.hdrnames).encode()
            if h in incs:
                incs.remove(h)
                what = "removed"
            else:
                incs.insert(rng.randint(0, len(incs)), h)
                what = "added"
            new = b"\n".join([lines[0]] + incs) + b"\n"
            self.sources[p] = new
            self.write_file(p, new, self.pick_mode(p, edges))
            return "%s '%s' in '%s'" % (what, h.decode(), p)
        if kind == "hdr":
            hs = [h for h in self.hdrnames if self.sources.get(h) is not None]
            if not hs:
                return None
            h = rng.choice(hs)
            if not self.visible_ok(h, edges):
                return None
            mode = self.pick_mode(h, edges)
            old = self.sources[h]
            new = old
            while new == old:
                n = rng.randrange(1 << 32)
                new = b"header %s %x\n" % (h.encode(), n)
                if mode == "same" and len(new) != len(old) and rng.random() < 0.5:
                    continue
            self.sources[h] = new
            self.write_file(h, new, mode)
            return "changed header '%s' (mtime %s)" % (h, mode)
        if kind == "hdrdel":
            hs = [h for h in self.hdrnames if self.sources.get(h) is not None]
            if not hs:
                return None
            h = rng.choice(hs)
            if not self.visible_ok(h, edges):
                return None
            os.unlink(os.path.join(self.dir, h))
            self.sources[h] = None
            return "deleted header '%s' (still named by inc lines)" % h
        if kind == "hdrnew":
            hs = [h for h in self.hdrnames if self.sources.get(h) is None]
            if not hs:
                return None
            h = rng.choice(hs)
            # A depfile job recorded without h would not notice it appear, so
            # every file naming it changes too (as when adding an #include).
            changed = []
            for p in self.srcnames:
                old = self.sources[p]
                lines = old.split(b"\n")
                if (b"inc " + h.encode()) in lines:
                    if not self.visible_ok(p, edges):
                        return None
            for p in self.srcnames:
                old = self.sources[p]
                lines = old.split(b"\n")
                if (b"inc " + h.encode()) in lines:
                    new = b"\n".join(ln for ln in lines if ln != b"inc " + h.encode())
                    self.sources[p] = new
                    self.write_file(p, new, self.pick_mode(p, edges))
                    changed.append(p)
            self.sources[h] = b"header %s new %x\n" % (h.encode(), rng.randrange(1 << 32))
            self.write_file(h, self.sources[h], "forward")
            return "recreated header '%s' (dropped it from %s)" % (h, changed)
        if kind == "outdel":
            present = [o for o in outs if os.path.exists(os.path.join(self.dir, o))]
            if not present:
                return None
            ds = rng.sample(present, rng.randint(1, min(3, len(present))))
            for o in ds:
                os.unlink(os.path.join(self.dir, o))
            return "deleted outputs %s" % ds
        if kind == "outtouch":
            present = [o for o in outs if os.path.exists(os.path.join(self.dir, o))]
            if not present:
                return None
            o = rng.choice(present)
            mode = rng.choice(["forward", "back"])
            old = os.stat(os.path.join(self.dir, o)).st_mtime_ns
            self.set_mtime(o, self.tick() if mode == "forward"
                           else old - rng.randint(10 ** 6, 10 ** 12))
            return "touched output '%s' (%s)" % (o, mode)
        if kind == "outjunk":
            cand = [e for e in edges if not self.uncertain(e)]
            present = [o for e in cand for o in e.outs
                       if os.path.exists(os.path.join(self.dir, o))]
            if not present:
                return None
            o = rng.choice(present)
            with open(os.path.join(self.dir, o), "ab") as f:
                f.write(b"edited by hand\n")
            self.set_mtime(o, os.stat(os.path.join(self.dir, o)).st_mtime_ns)
            return "appended to output '%s'" % o
        if kind == "depdel":
            # (edges of one rule may name one depfile)
            ds = sorted({e.depfile for e in edges if e.depfile and
                         os.path.exists(os.path.join(self.dir, e.depfile))})
            if not ds:
                return None
            for d in ds:
                os.unlink(os.path.join(self.dir, d))
            return "deleted the depfiles %s" % (ds if len(ds) < 6 else "(%d)" % len(ds))
        if kind == "salt":
            if any(self.uncertain(e) for e in edges if e.rule.salt):
                return None
            self.salt = "a%d" % (int(self.salt[1:]) + 1)
            return "set salt = %s in the Taskfile" % self.salt
        if kind == "clisalt":
            if any(self.uncertain(e) for e in edges if e.rule.salt):
                return None
            if self.cli_salt is None or rng.random() < 0.5:
                self.cli_salt = "c%d" % rng.randrange(1000)
                while self.cli_salt == self.salt:
                    self.cli_salt = "c%d" % rng.randrange(1000)
            else:
                self.cli_salt = None
            return "salt on the command line: %s" % self.cli_salt
        if kind == "format":
            rs = rng.sample(self.rules, min(len(self.rules), rng.randint(1, 4)))
            for r in rs:
                r.indent = rng.choice(["    ", "\t", "  ", "      "])
                r.doc = not r.doc
                r.comment = rng.random() < 0.5
                r.space = rng.choice([1, 2, 3])
            return "reformatted %s (no recipe changes)" % [r.outs[0] for r in rs]
        if kind == "order":
            rng.shuffle(self.order)
            return "reordered the rules in the Taskfile"
        # Edits of one rule.
        if kind == "outorder":
            two = [q for q in self.rules if len(q.outs) > 1]
            r = rng.choice(two) if two else self.rules[0]
        else:
            r = rng.choice(self.rules)
        if not self.rules_ok(r, edges):
            return None
        name = r.outs[0]
        if kind == "ver":
            r.ver += 1
            return "recipe of '%s': version %d" % (name, r.ver)
        if kind == "noise":
            r.noise += 1
            return "recipe of '%s': a line that changes nothing (%d)" % (name, r.noise)
        if kind == "style":
            if r.style == "python":
                return None
            r.style = "direct" if r.style == "wic" else "wic"
            r.partial = rng.random() < 0.5
            return "recipe of '%s': %s" % (name, r.style)
        if kind == "shebang":
            if r.style == "python":
                return None
            r.shebang = not r.shebang
            return "recipe of '%s': #! %s" % (name, r.shebang)
        if kind == "usesalt":
            r.salt = not r.salt
            return "recipe of '%s': uses salt %s" % (name, r.salt)
        if kind == "ins":
            if r.kind == "pattern":
                fixed = r.ins[1:]
                if fixed and rng.random() < 0.5:
                    x = rng.choice(fixed)
                    r.ins.remove(x)
                    return "pattern '%s': removed input '%s'" % (name, x)
                x = rng.choice(self.srcnames)
                if x in r.ins:
                    return None
                r.ins.append(x)
                return "pattern '%s': added input '%s'" % (name, x)
            x = rng.random()
            if r.ins and x < 0.35:
                y = rng.choice(r.ins)
                r.ins.remove(y)
                return "'%s': removed input '%s'" % (name, y)
            if len(r.ins) > 1 and x < 0.5:
                rng.shuffle(r.ins)
                return "'%s': reordered inputs %s" % (name, r.ins)
            earlier = [q for q in self.rules if q.kind == "explicit" and q.num < r.num]
            instances = ["p%d/%s.o" % (q.num, s) for q in self.rules
                         if q.kind == "pattern" for s in q.stems]
            new = self.pick_inputs(r, earlier, instances, 1)
            if not new or new[0] in r.ins or new[0] in r.outs:
                return None
            r.ins.insert(rng.randint(0, len(r.ins)), new[0])
            return "'%s': added input '%s'" % (name, new[0])
        if kind == "outorder":
            # The other output first: baton finds the job's record through it
            # (a record of its own, if it was first before), which does not
            # match, as the recipe names the outputs in the new order.
            if len(r.outs) < 2:
                return None
            old = self.cands.get(r.outs[0], [None])
            r.outs.reverse()
            new = self.cands.get(r.outs[0], [None])
            if None in new:
                # Without a record of its own, baton finds the old first
                # output's record (any of them, none matching), if it has one.
                self.cands[r.outs[0]] = [c for c in new if c is not None] + [
                    Rec(("made with other outputs first",), True)] + (
                    [None] if None in old else [])
            return "'%s': outputs reordered to %s" % (name, r.outs)
        if kind == "oo":
            if r.kind == "pattern":
                return None
            earlier = [q for q in self.rules if q.kind == "explicit" and q.num < r.num]
            if r.oo:
                y = r.oo.pop()
                return "'%s': removed order-only input '%s'" % (name, y)
            if not earlier:
                return None
            r.oo.append(rng.choice(earlier).outs[0])
            return "'%s': added order-only input '%s'" % (name, r.oo[-1])
        return None

    # Edits of the rules' outputs and of the log, to exercise compaction: a rule
    # split in two is judged by the record of both, found through its other
    # output, until the new rule has one of its own; a damaged line makes the
    # next build compact the log as it loads it, which must keep that record.

    def reorder_rules(self, drop=None, add=None):
        """Take rule drop out of self.rules, or put rule add in, keeping the order."""
        objs = [self.rules[i] for i in self.order]
        if drop is not None:
            objs.remove(drop)
            self.rules.remove(drop)
        if add is not None:
            self.rules.append(add)
            objs.insert(self.rng.randint(0, len(objs)), add)
        self.order = [next(k for k, r in enumerate(self.rules) if r is o) for o in objs]

    def split_rule(self, edges):
        """`x y: ins` becomes `x: ins` and `y: ins`, each with its own recipe."""
        two = [r for r in self.rules if r.kind == "explicit" and len(r.outs) == 2 and
               self.rules_ok(r, edges)]
        if not two:
            return None
        r = self.rng.choice(two)
        x, y = r.outs
        cx = self.cands.get(x, [None])
        # baton judges y by its own record if it has one, else by the newest that
        # made it as another output: x's, if every record x may have made y
        if None in cx or not all(len(c.recipe) > 1 and y in c.recipe[1][1:] for c in cx):
            return None
        cy = self.cands.get(y, [None])
        if None in cy:
            self.cands[y] = [c for c in cy if c is not None] + [
                Rec(("made with other outputs first",), True)]
        n = copy.copy(r)
        n.outs, n.ins, n.oo, n.stems = [y], list(r.ins), list(r.oo), []
        n.half = r.half = False
        n.depfile = "{{out}}.d" if r.depfile else None
        n.ver = r.ver + 1
        r.outs = [x]
        self.reorder_rules(add=n)
        return "split '%s %s' into two rules" % (x, y)

    def merge_rules(self, edges):
        """`x: ins` and `y: ins2` become `x y: ins`, with the earlier rule's inputs."""
        one = [r for r in self.rules if r.kind == "explicit" and len(r.outs) == 1 and
               self.rules_ok(r, edges)]
        if len(one) < 2:
            return None
        a, b = sorted(self.rng.sample(one, 2), key=lambda r: r.num)
        # a's inputs come from rules before it, which need neither output
        a.outs = a.outs + b.outs
        a.half = False
        if a.depfile:
            a.depfile = "%s.d" % a.outs[0]
        a.ver += 1
        self.reorder_rules(drop=b)
        return "merged '%s' and '%s' into one rule" % tuple(a.outs)

    def damage_log(self):
        """A damaged line at the end of the log: the next build compacts it."""
        path = os.path.join(self.dir, ".baton", "log")
        if not os.path.exists(path):
            return None
        with open(path, "ab") as f:
            f.write(b"a line damaged by hand\n")
        return "damaged the state log's last line"

    def edits(self, n, allow_headers=True):
        done = []
        tries = 0
        while len(done) < n and tries < 20:
            tries += 1
            d = self.edit(self.edges(), allow_headers)
            if d:
                done.append(d)
                self.count("edit " + self.kind)
        for d in done:
            self.log("  edit: " + d)
        return done

    # ---------------------------------------------------------------- steps

    def outputs_now(self):
        edges = self.edges()
        return Snap(self.dir, [o for e in edges for o in e.outs]).data

    def success_checks(self):
        self.rerun()
        if self.rng.random() < self.args.clean_rate:
            self.clean_build()

    def step(self):
        rng = self.rng
        edges = self.edges()
        certain = not any(None in self.cands.get(e.key, [None]) for e in edges)
        kind = rng.choices(
            ["edits", "revert", "fail", "ctlfail", "sigint", "sigkill", "hang", "two",
             "rmstate", "always", "nothing", "dry", "pipe", "subset", "split"],
            [40, 10, 7, 5, 8, 5 if certain else 0, 5 if certain else 0, 3, 2, 2, 3, 5,
             3, 4, 3])[0]
        if kind == "revert" and not self.last_ok:
            kind = "edits"
        if kind == "dry":
            self.edits(rng.randint(0, 2))
            self.dry_run()
            kind = "edits"
        if kind == "edits":
            self.edits(rng.randint(1, 3))
            b, ok = self.build("after edits")
            self.success_checks()
        elif kind == "nothing":
            self.build("no edits")
        elif kind == "subset":
            self.edits(rng.randint(1, 3))
            ts = self.targets()
            self.build("some targets", goals=rng.sample(ts, rng.randint(1, min(2, len(ts)))))
            if rng.random() < 0.3:
                d = self.damage_log()      # the rest built after a compaction
                if d:
                    self.log("  edit: " + d)
            b, ok = self.build("all targets")
            self.success_checks()
        elif kind == "split":
            # A rule split in two, only the first half built while the log is
            # compacted (for a damaged line, as it loads), then the second half.
            d = self.split_rule(edges)
            if not d:
                return
            self.count("edit split")
            self.log("  edit: " + d)
            self.edits(rng.randint(0, 1))
            first = d.split("'")[1].split()[0]
            for goals in ([first], [first], []):
                if rng.random() < 0.5:
                    d = self.damage_log()
                    if d:
                        self.count("edit logdamage")
                        self.log("  edit: " + d)
                self.build("the first half" if goals else "all targets", goals=goals)
            self.success_checks()
        elif kind == "always":
            self.always = True
            self.build("-B")
            self.always = False
        elif kind == "rmstate":
            shutil.rmtree(os.path.join(self.dir, ".baton"), ignore_errors=True)
            self.cands = {e.key: [None] for e in edges}
            self.log("  edit: deleted .baton")
            self.edits(rng.randint(0, 1))
            self.build("without a state log")
            self.success_checks()
        elif kind == "two":
            self.edits(rng.randint(1, 3))
            self.concurrent()
        elif kind == "revert":
            before = self.outputs_now()
            saved = copy.deepcopy((self.rules, self.order, self.sources, self.salt,
                                   self.cli_salt))
            self.edits(rng.randint(1, 3), allow_headers=False)
            self.build("edits to revert")
            self.revert(saved)
            self.build("reverted")
            after = self.outputs_now()
            for o in sorted(before):
                if before[o] != after[o]:
                    self.fail_here("P4 revert", "after edit, build, revert, build '%s' is %r, "
                                   "it was %r" % (o, after[o], before[o]), self.last_build)
            self.success_checks()
        elif kind in ("fail", "ctlfail"):
            self.failure(kind)
        elif kind == "hang":
            self.hang()
        elif kind == "pipe":
            self.edits(rng.randint(1, 3))
            self.build("output pipe closed after one line", piped=True)
            b, ok = self.build("after the closed pipe")
            self.success_checks()
        elif kind in ("sigint", "sigkill"):
            sig = signal.SIGINT if kind == "sigint" else signal.SIGKILL
            self.edits(rng.randint(0, 3))
            self.build("interrupted", sig=sig)
            if rng.random() < 0.3:
                self.edits(1)
            b, ok = self.build("after the interrupt")
            self.success_checks()

    def revert(self, saved):
        rules, order, sources, salt, cli_salt = saved
        self.rules, self.order, self.salt, self.cli_salt = rules, order, salt, cli_salt
        edges = self.edges()
        changed = []
        for p, d in sources.items():
            if d != self.sources.get(p):
                if d is None:
                    os.unlink(os.path.join(self.dir, p))
                else:
                    self.write_file(p, d, self.pick_mode(p, edges))
                self.sources[p] = d
                changed.append(p)
        self.log("  reverted the Taskfile and %s" % (changed or "no sources"))

    def failure(self, kind):
        rng = self.rng
        edges = self.edges()
        cands = [e for e in edges if not self.uncertain(e)]
        if not cands:
            return
        keep = rng.random() < 0.5
        chosen = rng.sample(cands, 1 if not keep else min(len(cands), rng.randint(1, 2)))
        self.edits(rng.randint(0, 2))
        if kind == "fail":
            rules = {id(e.rule): e.rule for e in chosen}.values()
            for r in rules:
                if not self.rules_ok(r, self.edges()):
                    continue
                r.fail = (rng.choice(["early", "partial", "late"] +
                                     (["nodep"] if r.depfile else [])), rng.randint(1, 5))
                self.log("  edit: '%s' fails (%s, exit %d)" % (r.outs[0], r.fail[0], r.fail[1]))
        else:
            for e in chosen:
                self.set_ctl(e, "exit %d" % rng.randint(1, 5))
                # Make sure it runs: change its recipe in a way that changes no output.
                if self.rules_ok(e.rule, self.edges()):
                    e.rule.noise += 1
                self.log("  edit: '%s' fails (%s holds '%s'), recipe note %d"
                         % (e.key, e.ctl, self.ctl[e.ctl], e.rule.noise))
        self.build("with a failing job", keep=keep)
        for r in self.rules:
            r.fail = None
        self.clear_ctl()
        self.log("  edit: the failing jobs are fixed")
        if rng.random() < 0.3:
            self.edits(1)
        self.build("after the failure")
        self.success_checks()

    def set_ctl(self, e, text):
        os.makedirs(os.path.join(self.dir, "ctl"), exist_ok=True)
        with open(os.path.join(self.dir, e.ctl), "w") as f:
            f.write(text + "\n")
        self.ctl[e.ctl] = text

    def clear_ctl(self):
        shutil.rmtree(os.path.join(self.dir, "ctl"), ignore_errors=True)
        self.ctl = {}

    def hang(self):
        """A job hangs; a signal sent while it runs must stop the build promptly."""
        rng = self.rng
        edges = self.edges()
        cands = [e for e in edges if self.rules_ok(e.rule, edges)]
        if not cands:
            return
        e = rng.choice(cands)
        self.edits(rng.randint(0, 2))
        self.set_ctl(e, "sleep 60")
        e.rule.noise += 1
        sig = rng.choice([signal.SIGINT, signal.SIGINT, signal.SIGTERM, signal.SIGHUP,
                          signal.SIGKILL])
        self.log("  edit: '%s' hangs (%s holds 'sleep 60'), recipe note %d"
                 % (e.key, e.ctl, e.rule.noise))
        self.build("a job hangs", sig=sig, wait_for=e.key, again=rng.random() < 0.3)
        self.clear_ctl()
        b, ok = self.build("after the hang")
        self.success_checks()

    def run_case(self, steps):
        os.makedirs(self.dir)
        os.makedirs(self.tmp)
        self.generate()
        for p, d in self.sources.items():
            self.write_file(p, d, "forward")
        self.log("generated %d rules over %d sources and %d headers"
                 % (len(self.rules), len(self.srcnames), len(self.hdrnames)))
        self.build("from scratch")
        self.success_checks()
        for _ in range(steps):
            self.step()
        if self.last_ok:
            self.clean_build()


# --------------------------------------------------------------------------

def main():
    # signals ignored when this was started (by a script run in the
    # background, say) would stay ignored in baton too, which keeps them so:
    # the cases that interrupt it need their default actions
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGTERM):
        if signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT
                          else signal.SIG_DFL)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("baton", help="the baton binary")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--cases", type=int, default=20,
                    help="number of cases (the environment variable BATON_PROP_CASES, "
                    "if set, overrides it)")
    ap.add_argument("--case", type=int, help="run only this case number")
    ap.add_argument("--steps", type=int, default=6, help="edit/build steps per case")
    ap.add_argument("--jobs-list", default="1,2,16")
    ap.add_argument("--clean-rate", type=float, default=0.1,
                    help="how often a successful build is compared with a clean one")
    ap.add_argument("--keep", action="store_true", help="keep every case directory")
    ap.add_argument("--stats", action="store_true", help="print what the cases exercised")
    ap.add_argument("--progress", action="store_true", help="print a line per case")
    ap.add_argument("--dir", help="where to put case directories")
    ap.add_argument("--max-failures", type=int, default=0,
                    help="stop after this many failed cases (0: never)")
    args = ap.parse_args()
    args.baton = os.path.abspath(args.baton)
    args.jobs_list = [int(j) for j in args.jobs_list.split(",")]
    if os.environ.get("BATON_PROP_CASES"):
        args.cases = int(os.environ["BATON_PROP_CASES"])
    base = tempfile.mkdtemp(prefix="baton-prop-", dir=args.dir)
    nums = [args.case] if args.case is not None else range(args.cases)
    passed = failed = 0
    t0 = time.monotonic()
    stats = {}
    for num in nums:
        root = os.path.join(base, "case-%d" % num)
        c = Case(args, args.seed, num, root)
        tc = time.monotonic()
        try:
            try:
                c.run_case(args.steps)
            except (Violation, KeyboardInterrupt):
                raise
            except Exception:
                raise Violation("test error", "the test itself failed:\n"
                                + traceback.format_exc())
        except Violation as v:
            failed += 1
            kill_tagged(c.tag)
            print("=" * 72)
            print("FAILED: seed %s, case %d: %s" % (args.seed, num, v.prop))
            print("case directory: %s" % root)
            print("replay (the same edits, as far as timing allows): python3 %s %s --seed %s "
                  "--case %d --steps %d --clean-rate %s --jobs-list %s"
                  % (os.path.abspath(sys.argv[0]), args.baton, args.seed, num, args.steps,
                     args.clean_rate, ",".join(map(str, args.jobs_list))))
            print("--- Taskfile (%s/work/Taskfile) ---" % root)
            try:
                with open(os.path.join(c.dir, "Taskfile")) as f:
                    print(f.read())
            except OSError:
                pass
            print("--- history ---")
            for h in c.history:
                print(h)
            print("--- violated ---")
            print(v.prop)
            print(v.msg)
            sys.stdout.flush()
            if args.max_failures and failed >= args.max_failures:
                break
        else:
            passed += 1
            if not args.keep:
                shutil.rmtree(root, ignore_errors=True)
        if args.progress:
            print("case %d: %d rules, %d baton runs, %.1f s (%.1f s so far)"
                  % (num, len(getattr(c, "rules", [])), c.stats["builds"],
                     time.monotonic() - tc, time.monotonic() - t0))
            sys.stdout.flush()
        for k, v in c.stats.items():
            stats[k] = stats.get(k, 0) + v
    if not failed and not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    if args.stats:
        for k in sorted(stats):
            print("  %-32s %d" % (k, stats[k]))
    print("seed %s: %d baton runs in %.1f s" % (args.seed, stats.get("builds", 0),
                                               time.monotonic() - t0))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
