#!/usr/bin/env python3
"""Run baton's end-to-end cases.

    run.py --list                  print every case name, one per line
    run.py BATON CASE...           run the named cases against the binary BATON
    run.py [-j N] [--shard K/N] [--skip-tag TAG]... BATON
                                   run every case; last line is "N passed, N failed"

Each case runs in a fresh temporary directory that is removed afterwards
(kept, and its path printed, when BATON_E2E_KEEP is set).  A full run leaves
out the cases tagged TAG (see harness.TAGS) and those BATON_E2E_SKIP names;
--shard K/N runs the Kth of N parts of what is left (every Nth case), so that
N runs share the cases.  BATON_TEST_WRAPPER is a command to run baton under
(e.g. valgrind).  Exit status is 0 when every case that ran passed, 1
otherwise, 2 on a usage error.
"""

import argparse
import concurrent.futures
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
import cases_lang  # noqa: E402,F401
import cases_funcs  # noqa: E402,F401
import cases_recipes  # noqa: E402,F401
import cases_exec  # noqa: E402,F401
import cases_cli  # noqa: E402,F401
import cases_errors  # noqa: E402,F401
import cases_state  # noqa: E402,F401
import cases_hostile  # noqa: E402,F401
import cases_demo  # noqa: E402,F401
import cases_cond  # noqa: E402,F401
import cases_run  # noqa: E402,F401
import cases_jobserver  # noqa: E402,F401
import cases_env  # noqa: E402,F401
import cases_habits  # noqa: E402,F401
import cases_hardening  # noqa: E402,F401
import cases_never_wrong  # noqa: E402,F401
import cases_terminal  # noqa: E402,F401
import cases_output  # noqa: E402,F401


def run_case(baton, name):
    """Run one case; return (passed, report text, seconds)."""
    fn = harness.CASES[name]
    root = tempfile.mkdtemp(prefix="baton-e2e-%s-" % name)
    ctx = harness.Ctx(baton, os.path.realpath(root))
    start = time.monotonic()
    try:
        fn(ctx)
        ok, text = True, ""
    except harness.Failure as e:
        ok, text = False, str(e)
    except Exception:
        ok, text = False, "the case itself raised:\n" + traceback.format_exc()
    secs = time.monotonic() - start
    if not ok and ctx.files_written:
        shown = []
        for rel, data in ctx.files_written:
            if rel == "Taskfile" or rel.endswith(".tf"):
                body = data.decode("utf-8", "backslashreplace")
                if len(body) > 2000:
                    body = body[:2000] + "\n... (%d bytes in all)\n" % len(data)
                shown.append("--- %s ---\n%s" % (rel, body))
        text += "\nfiles the case wrote:\n" + "\n".join(shown)
    if os.environ.get("BATON_E2E_KEEP"):
        text += "\n(kept %s)" % root
    else:
        shutil.rmtree(root, ignore_errors=True)
    return ok, text, secs


def shard(text):
    """K/N, 1 <= K <= N, as (K, N)."""
    k, _, n = text.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise argparse.ArgumentTypeError("expected K/N with 1 <= K <= N, got %r" % text)
    return int(k), int(n)


def main(argv):
    # signals ignored when this was started (by a script run in the
    # background, say) would stay ignored in baton too, which keeps them so:
    # the cases that interrupt it need their default actions
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGTERM):
        if signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT
                          else signal.SIG_DFL)
    if argv[1:] == ["--list"]:
        for name in harness.CASES:
            print(name)
        return 0
    ap = argparse.ArgumentParser(prog="run.py", usage=__doc__.split("\n\n")[1],
                                 add_help=False)
    ap.add_argument("-j", type=int, default=1, dest="jobs")
    ap.add_argument("--shard", type=shard, default=(1, 1))
    ap.add_argument("--skip-tag", action="append", default=[], choices=sorted(harness.TAGS))
    ap.add_argument("baton")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args(argv[1:])
    baton = os.path.abspath(args.baton)
    names = args.names
    for n in names:
        if n not in harness.CASES:
            sys.stderr.write("run.py: no case named %r (see --list)\n" % n)
            return 2
    if not os.access(baton, os.X_OK):
        sys.stderr.write("run.py: %s is not an executable\n" % baton)
        return 2

    if len(names) == 1:
        ok, text, secs = run_case(baton, names[0])
        print("%s %s (%.2fs)" % ("PASS" if ok else "FAIL", names[0], secs))
        if text:
            print(text)
        return 0 if ok else 1

    if not names:
        skip = os.environ.get("BATON_E2E_SKIP", "").split()
        names = [n for n, fn in harness.CASES.items()
                 if n not in skip and not fn.tags & set(args.skip_tag)]
        k, n = args.shard
        names = names[k - 1::n]
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = pool.map(lambda n: (n, run_case(baton, n)), names)
        for name, (ok, text, secs) in results:
            if ok:
                passed += 1
                print("ok   %s (%.2fs)" % (name, secs))
            else:
                failed += 1
                print("FAIL %s (%.2fs)" % (name, secs))
                print("    " + text.replace("\n", "\n    "))
            sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
