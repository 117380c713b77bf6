"""Never wrong, never stuck: depfiles that name tasks or close cycles, files
changed behind baton's back, restat per output, [content] for generated
inputs, outputs a job did not make, and pattern rules that search too much."""

import os
import time

from harness import case

B = 1_600_000_000 * 10**9   # a fixed past time, in ns
S = 10**9


def nothing_to_do(t, r):
    t.rc(r, 0)
    t.eq(r.out + r.err, "baton: nothing to do\n", "output of an up-to-date build", r)


# ---- attributes ------------------------------------------------------------

@case
def never_depfile_expression_checked_before_running(t):
    # an unknown variable in [depfile: ...] is a mistake in the Taskfile: found
    # before anything runs, as one in a recipe is
    t.taskfile(r"""
        [depfile: {{nosuch}}.d]
        out: in
          echo run >> log
          echo "out: in" > out.d
          cp in out
    """)
    t.write("in", "x\n")
    r = t.run()
    t.diag(r, "Taskfile:1:13: error: unknown variable 'nosuch'", "nosuch")
    t.nothing_ran()
    t.absent("out")


@case
def never_depfile_attribute_on_a_task_is_an_error(t):
    t.taskfile(r"""
        out:
          touch out
        [depfile: t.d]
        task t:
          echo ran >> log
    """)
    r = t.run("t")
    t.diag(r, "Taskfile:3:1: error: the depfile attribute is for rules that make files, "
           "not tasks", "[depfile: t.d]")
    t.nothing_ran()
